using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// One day's waitlist as staff work it ("View waitlist", seed 001), for the dashboard (<see cref="AdminDayModel"/>) and the
/// PIN staff dashboard (<see cref="StaffDayModel"/>) alike: the same list in join order and the same one-click offer. A
/// staff member sees what concerns them only: entries waiting for them, and entries for anyone for a service they give at
/// a branch they work at. Every read is the request's business's (the context's tenant filter).
/// </summary>
public static class WaitlistDay
{
    public static async Task<List<WaitlistEntry>> ListAsync(BookwellDb db, TenantCatalog catalog, string date, string? staff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.WaitlistEntries.AsNoTracking().Where(w => w.Date == date);
        if (staff is not null)
        {
            query = query.Where(w => w.StaffKey == null || w.StaffKey == staff);
        }
        var rows = await query.OrderBy(w => w.Id).Take(500).ToListAsync(ct);
        return staff is null ? rows : rows.FindAll(w => Concerns(catalog, w, staff));
    }

    /// <summary>Whether a staff member may see and offer this entry: it waits for them, or for anyone for a service they give where they work.</summary>
    public static bool Concerns(TenantCatalog catalog, WaitlistEntry entry, string staff)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.StaffKey is not null)
        {
            return entry.StaffKey == staff;
        }
        if (!catalog.Pages.TryGetValue(entry.PageSlug, out var page))
        {
            return false;
        }
        return page.StaffFor(entry.ServiceKey).Any(s => s.Key == staff && (s.Branch is null || entry.BranchKey is null || s.Branch == entry.BranchKey));
    }

    /// <summary>
    /// The one-click offer: holds the first free time of the entry's day that fits it and mails it. Null when the entry is not
    /// this business's or not the staff member's to offer; otherwise what happened, with the text (a key of
    /// <see cref="WaitlistText.Words"/>) that tells staff so: offered, no longer waiting, or no free time that fits.
    /// </summary>
    public static async Task<OfferOutcome?> OfferAsync(BookwellDb db, TenantCatalog catalog, WaitlistOfferer offers, Guid id, string? staff,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(offers);
        var entry = await db.WaitlistEntries.AsNoTracking().FirstOrDefaultAsync(w => w.Key == id, ct);
        if (entry is null || (staff is not null && !Concerns(catalog, entry, staff)))
        {
            return null;
        }
        if (entry.Status != WaitlistStatus.Waiting || !catalog.Pages.TryGetValue(entry.PageSlug, out var page))
        {
            return new OfferOutcome(false, entry.Date, "admin-not-waiting");
        }
        return await offers.OfferAsync(entry, page, null, ct)
            ? new OfferOutcome(true, entry.Date, "admin-offered")
            : new OfferOutcome(false, entry.Date, "admin-no-time");
    }

    /// <summary>
    /// The day a waitlist view shows: <paramref name="text"/> when given (YYYY-MM-DD), else <paramref name="today"/>. A
    /// date that cannot be read is not quietly replaced by today: null, and the page says so at the field.
    /// </summary>
    public static LocalDate? DayOf(string? text, LocalDate today) =>
        string.IsNullOrWhiteSpace(text) ? today : TimeFormats.TryParseDate(text, out var day) ? day : null;

    /// <summary>
    /// The day both waitlist pages show (<see cref="DayOf"/>), and the error for their date field: a date that cannot be
    /// read shows today's date in the field, lists nothing and answers 400.
    /// </summary>
    public static (LocalDate Day, string? Error) Pick(string? text, LocalDate today, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (DayOf(text, today) is { } day)
        {
            return (day, null);
        }
        response.StatusCode = StatusCodes.Status400BadRequest;
        return (today, WaitlistText.Words["bad-date"]);
    }
}

/// <summary>What a one-click offer did; <see cref="TextKey"/> names the message staff see.</summary>
public sealed record OfferOutcome(bool Done, string Date, string TextKey);
