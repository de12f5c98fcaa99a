using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The client's bookings at this business: upcoming ones link to their own manage page (reschedule and cancel
/// under the page's rules live there, once), past ones offer "book again" with service and staff preselected.
/// </summary>
public sealed class IndexModel(BookwellDb db, CatalogCache cache, IClock clock, IDataProtectionProvider protection) : PortalPage(db, cache)
{
    public const int UpcomingShown = 100;
    /// <summary>Past bookings a page shows; older ones are a page further (<c>?past=2</c>), so a long history never makes the page heavy.</summary>
    public const int PastPerPage = 20;
    /// <summary>The highest page number taken; beyond it the address asks for nothing a client could have.</summary>
    public const int MaxPastPage = 10_000;

    public sealed record Row(Guid Id, string Service, string When, string? Staff, string Status, string? ManageUrl, string? BookAgainUrl);

    public List<Row> Upcoming { get; } = [];
    public List<Row> Past { get; } = [];
    public bool UpcomingLimited { get; private set; }
    /// <summary>The page of past bookings shown (1 = the latest).</summary>
    public int PastPage { get; private set; } = 1;
    public bool HasOlder { get; private set; }
    public string? BookUrl { get; private set; }

    private static readonly BookingStatus[] Finished = [BookingStatus.Cancelled, BookingStatus.Completed, BookingStatus.NoShow];

    public async Task<IActionResult> OnGetAsync(string? past, CancellationToken ct)
    {
        PastPage = int.TryParse(past, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 1, MaxPastPage) : 1;
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        var now = clock.GetCurrentInstant();
        var id = Client!.Id;
        // The tenant filter and the client's id both hold: a client of another business with the same address is another row.
        var mine = Db.Bookings.AsNoTracking().Where(b => b.CustomerId == id && b.TenantId == Client.TenantId);
        var upcoming = await mine.Where(b => b.EndsAt > now && !Finished.Contains(b.Status)).OrderBy(b => b.StartsAt).ThenBy(b => b.Id).Take(UpcomingShown + 1).ToListAsync(ct);
        UpcomingLimited = upcoming.Count > UpcomingShown;
        // One row more than a page tells whether an older page exists; the id breaks ties so no booking falls between two pages.
        var older = await mine.Where(b => b.EndsAt <= now || Finished.Contains(b.Status)).OrderByDescending(b => b.StartsAt).ThenByDescending(b => b.Id)
            .Skip((PastPage - 1) * PastPerPage).Take(PastPerPage + 1).ToListAsync(ct);
        HasOlder = older.Count > PastPerPage;
        var catalog = await CatalogAsync(ct);
        foreach (var b in upcoming.Take(UpcomingShown))
        {
            var token = b.Status.IsOpen() ? ManageTokens.Unseal(protection, b.ManageTokenSealed) : null;
            var manage = token is not null && ManageTokens.Hash(token) == b.ManageTokenHash ? $"/booking/{token}" : null;
            Upcoming.Add(ToRow(catalog, b, manage, null));
        }
        foreach (var b in older.Take(PastPerPage))
        {
            Past.Add(ToRow(catalog, b, null, BookAgain(catalog, b)));
        }
        BookUrl = Site is null ? null : $"/book/{Site.Slug}";
        return Page();
    }

    private static Row ToRow(TenantCatalog catalog, Booking b, string? manage, string? again)
    {
        catalog.Pages.TryGetValue(b.PageSlug, out var page);
        var zone = TimeFormats.Zone(b.TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
        var staff = b.StaffKey is null ? null : page?.Staff.FirstOrDefault(s => s.Key == b.StaffKey)?.Name ?? b.StaffKey;
        return new Row(b.Id, b.ServiceName, SlotPicker.FormatWhen(b.StartsAt, zone), staff, b.Status.ToWire(), manage, again);
    }

    /// <summary>The booking page with this service (and staff member, while they still offer it) chosen; null when the service is gone.</summary>
    private static string? BookAgain(TenantCatalog catalog, Booking b)
    {
        if (!catalog.Pages.TryGetValue(b.PageSlug, out var page) || page.ActiveService(b.ServiceKey) is not { } service)
        {
            return null;
        }
        var staff = b.StaffKey is not null && page.StaffFor(service.Key).Any(s => s.Key == b.StaffKey) ? b.StaffKey : null;
        return Links.With($"/book/{page.Slug}", [
            KeyValuePair.Create("service", (string?)service.Key),
            KeyValuePair.Create("branch", page.Branches.Count > 1 ? b.BranchKey : null),
            KeyValuePair.Create("staff", staff),
        ]);
    }
}
