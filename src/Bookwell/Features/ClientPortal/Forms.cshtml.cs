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
/// page asks them now (the key where a question is gone). Uploaded files are named, not served here.
/// </summary>
public sealed class FormsModel(BookwellDb db, CatalogCache cache) : PortalPage(db, cache)
{
    public const int Shown = 100;

    public sealed record Answer(string Question, string Value);
    public sealed record Entry(Guid Booking, string Service, string When, List<Answer> Answers);

    public List<Entry> Entries { get; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        var id = Client!.Id;
        var rows = await Db.Bookings.AsNoTracking().Where(b => b.CustomerId == id && b.AnswersJson != "{}")
            .OrderByDescending(b => b.StartsAt).Take(Shown)
            .Select(b => new { b.Id, b.PageSlug, b.ServiceKey, b.ServiceName, b.StartsAt, b.TimeZone, b.AnswersJson }).ToListAsync(ct);
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
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        var value = p.Value.ValueKind switch
                        {
                            JsonValueKind.Array => string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString())),
                            JsonValueKind.True => PortalText.P("yes"),
                            JsonValueKind.False => PortalText.P("no"),
                            _ => p.Value.ToString(),
                        };
                        value = files.FirstOrDefault(f => f.Id == value)?.FileName ?? value;
                        answers.Add(new Answer(fields?.FirstOrDefault(f => f.Key == p.Name)?.Label ?? p.Name, value));
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
