using Bookwell.Data;
using Bookwell.Features.Configuration;
using Microsoft.EntityFrameworkCore;

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
    /// this business's or not the staff member's to offer; otherwise whether an offer was made.
    /// </summary>
    public static async Task<(bool Done, string Date)?> OfferAsync(BookwellDb db, TenantCatalog catalog, WaitlistOfferer offers, Guid id, string? staff,
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
        var done = catalog.Pages.TryGetValue(entry.PageSlug, out var page) && entry.Status == WaitlistStatus.Waiting &&
                   await offers.OfferAsync(entry, page, null, ct);
        return (done, entry.Date);
    }
}
