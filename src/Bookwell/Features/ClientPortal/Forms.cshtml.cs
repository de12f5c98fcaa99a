using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The intake answers the client gave with their bookings, newest first, labelled with the questions as the
/// page asks them now (the key where a question is gone), twenty bookings a page like the past bookings of the
/// overview (<c>?p=2</c> for older ones), so every answer is reachable and a long history never makes the page heavy.
/// Uploaded files are named, not served here.
/// </summary>
public sealed class FormsModel(BookwellDb db, CatalogCache cache) : PortalPage(db, cache)
{
    public const int PerPage = 20;

    /// <summary>The highest page number taken; beyond it the address asks for nothing a client could have.</summary>
    public const int MaxPage = 10_000;

    /// <summary>The page shown (1 = the newest answers).</summary>
    public int PageNumber { get; private set; } = 1;

    public bool HasOlder { get; private set; }

    public sealed record Answer(string Question, string Value);
    public sealed record Entry(Guid Booking, string Service, string When, List<Answer> Answers);

    public List<Entry> Entries { get; } = [];

    public async Task<IActionResult> OnGetAsync(string? p, CancellationToken ct)
    {
        PageNumber = int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 1, MaxPage) : 1;
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        var id = Client!.Id;
        // One row more than a page tells whether an older page exists; the id breaks ties so no booking falls between two pages.
        var rows = await Db.Bookings.AsNoTracking().Where(b => b.CustomerId == id && b.AnswersJson != "{}")
            .OrderByDescending(b => b.StartsAt).ThenByDescending(b => b.Id).Skip((PageNumber - 1) * PerPage).Take(PerPage + 1)
            .Select(b => new { b.Id, b.PageSlug, b.ServiceKey, b.ServiceName, b.StartsAt, b.TimeZone, b.AnswersJson }).ToListAsync(ct);
        HasOlder = rows.Count > PerPage;
        if (HasOlder)
        {
            rows.RemoveAt(PerPage);
        }
        var catalog = await CatalogAsync(ct);
        var files = await Db.Uploads.AsNoTracking().Where(u => rows.Select(r => (Guid?)r.Id).Contains(u.BookingId))
            .Select(u => new { u.Id, u.FileName }).ToListAsync(ct);
        foreach (var r in rows)
        {
            catalog.Pages.TryGetValue(r.PageSlug, out var page);
            var fields = page?.Services.GetValueOrDefault(r.ServiceKey)?.Doc.Fields;
            var answers = new List<Answer>();
            try
            {
                using var doc = JsonDocument.Parse(r.AnswersJson);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in doc.RootElement.EnumerateObject())
                    {
                        var value = field.Value.ValueKind switch
                        {
                            JsonValueKind.Array => string.Join(", ", field.Value.EnumerateArray().Select(v => v.ToString())),
                            JsonValueKind.True => PortalText.P("yes"),
                            JsonValueKind.False => PortalText.P("no"),
                            _ => field.Value.ToString(),
                        };
                        value = files.FirstOrDefault(f => f.Id == value)?.FileName ?? value;
                        answers.Add(new Answer(fields?.FirstOrDefault(f => f.Key == field.Name)?.Label ?? field.Name, value));
                    }
                }
            }
            catch (JsonException)
            {
                continue;
            }
            if (answers.Count > 0)
            {
                var zone = TimeFormats.Zone(r.TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
                Entries.Add(new Entry(r.Id, r.ServiceName, SlotPicker.FormatWhen(r.StartsAt, zone), answers));
            }
        }
        return Page();
    }
}
