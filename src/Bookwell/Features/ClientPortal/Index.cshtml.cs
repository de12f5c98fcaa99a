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
public sealed class IndexModel(BookwellDb db, CatalogCache cache, IClock clock, IDataProtectionProvider protection, global::Bookwell.Features.Series.SeriesCanceller canceller,
    IConfiguration config) : PortalPage(db, cache)
{
    public const int UpcomingShown = 100;
    /// <summary>Past bookings a page shows; older ones are a page further (<c>?past=2</c>), so a long history never makes the page heavy.</summary>
    public const int PastPerPage = 20;
    /// <summary>The highest page number taken; beyond it the address asks for nothing a client could have.</summary>
    public const int MaxPastPage = 10_000;

    public sealed record Row(Guid Id, string Service, string When, string? Staff, string Status, string? ManageUrl, string? BookAgainUrl);

    /// <summary>
    /// A recurring series with an upcoming date: shown once, with how many of its dates are still to come and every
    /// date in it (past ones too, with their status), instead of one row per occurrence.
    /// </summary>
    public sealed record SeriesGroup(Guid SeriesId, string Service, string? Staff, string Frequency, int Left, int Total, string? Next, bool CanCancel,
        IReadOnlyList<Row> Occurrences);

    public List<Row> Upcoming { get; } = [];
    public List<SeriesGroup> Series { get; } = [];
    /// <summary>How many dates the cancel just asked for cancelled (shown once after the redirect); null otherwise.</summary>
    public int? SeriesCancelled { get; private set; }
    public List<Row> Past { get; } = [];
    public bool UpcomingLimited { get; private set; }
    /// <summary>The page of past bookings shown (1 = the latest).</summary>
    public int PastPage { get; private set; } = 1;
    public bool HasOlder { get; private set; }
    public string? BookUrl { get; private set; }

    private static readonly BookingStatus[] Finished = [BookingStatus.Cancelled, BookingStatus.Completed, BookingStatus.NoShow];

    public async Task<IActionResult> OnGetAsync(string? past, string? cancelled, CancellationToken ct)
    {
        SeriesCancelled = int.TryParse(cancelled, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c) && c <= global::Bookwell.Features.Series.SeriesValidation.MaxOccurrences ? c : null;
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
        var seriesIds = upcoming.Take(UpcomingShown).Where(b => b.SeriesId is not null).Select(b => b.SeriesId!.Value).Distinct().ToList();
        // Every date of those series, the client's own only (the same filters as above), so "4 of 6 left" counts the whole series.
        var allOfSeries = seriesIds.Count == 0 ? [] : await mine.Where(b => b.SeriesId != null && seriesIds.Contains(b.SeriesId.Value))
            .OrderBy(b => b.StartsAt).ThenBy(b => b.SeriesIndex).ToListAsync(ct);
        foreach (var group in allOfSeries.GroupBy(b => b.SeriesId!.Value).OrderBy(g => g.Where(b => b.EndsAt > now && !Finished.Contains(b.Status)).Min(b => b.StartsAt)))
        {
            Series.Add(ToGroup(catalog, group.Key, group.ToList(), now));
        }
        foreach (var b in upcoming.Take(UpcomingShown).Where(b => b.SeriesId is null))
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

    /// <summary>
    /// Cancels every date of one of the client's series still to come, under the manage page's rule (an open booking
    /// that has not started), through the series canceller and so the lifecycle; past dates stay as they were.
    /// A series id that is not this client's at this business is refused as unknown.
    /// </summary>
    public async Task<IActionResult> OnPostCancelSeriesAsync(string? series, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        if (!Guid.TryParse(series, out var seriesId))
        {
            return NotFound();
        }
        var id = Client!.Id;
        var occurrences = await Db.Bookings.AsNoTracking()
            .Where(b => b.SeriesId == seriesId && b.CustomerId == id && b.TenantId == Client.TenantId).ToListAsync(ct);
        if (occurrences.Count == 0)
        {
            return NotFound();
        }
        var now = clock.GetCurrentInstant();
        var ids = occurrences.Where(b => CanCancel(b, now)).OrderBy(b => b.StartsAt).Select(b => b.Id).ToList();
        var done = 0;
        if (ids.Count > 0)
        {
            (await CatalogAsync(ct)).Pages.TryGetValue(occurrences[0].PageSlug, out var page);
            done = (await canceller.CancelAsync(ids, "customer", page, Notifications.MailContexts.For(Request, config), ct)).Count;
        }
        return Redirect($"/account?cancelled={done.ToString(System.Globalization.CultureInfo.InvariantCulture)}#upcoming");
    }

    /// <summary>The manage page's rule for cancelling one date of a series (<c>CanCancelOccurrence</c>).</summary>
    private static bool CanCancel(Booking b, Instant now) => b.Status.IsOpen() && b.StartsAt > now;

    private static SeriesGroup ToGroup(TenantCatalog catalog, Guid seriesId, List<Booking> all, Instant now)
    {
        var rows = all.Select(b => ToRow(catalog, b, null, null)).ToList();
        var left = all.Where(b => CanCancel(b, now)).ToList();
        var first = left.FirstOrDefault() ?? all[0];
        var head = ToRow(catalog, first, null, null);
        return new SeriesGroup(seriesId, first.ServiceName, head.Staff, FrequencyOf(all, catalog), left.Count, all.Count, left.Count > 0 ? head.When : null,
            left.Count > 0, rows);
    }

    /// <summary>
    /// Weekly, biweekly or monthly, read back from the dates themselves (a series keeps no rule): the first and last
    /// occurrence by their place in the series, so skipped dates count and a single moved date in between changes nothing.
    /// </summary>
    public static string FrequencyOf(IReadOnlyList<Booking> all, TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(catalog);
        var ordered = all.Where(b => b.SeriesIndex is not null).OrderBy(b => b.SeriesIndex).ToList();
        if (ordered.Count < 2 || ordered[^1].SeriesIndex == ordered[0].SeriesIndex)
        {
            return "repeating";
        }
        catalog.Pages.TryGetValue(ordered[0].PageSlug, out var page);
        var zone = TimeFormats.Zone(ordered[0].TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
        var a = ordered[0].StartsAt.InZone(zone).Date;
        var b = ordered[^1].StartsAt.InZone(zone).Date;
        var steps = ordered[^1].SeriesIndex!.Value - ordered[0].SeriesIndex!.Value;
        var days = Period.Between(a, b, PeriodUnits.Days).Days;
        if (days == 7 * steps)
        {
            return "weekly";
        }
        if (days == 14 * steps)
        {
            return "biweekly";
        }
        return a.PlusMonths(steps) == b ? "monthly" : "repeating";
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
