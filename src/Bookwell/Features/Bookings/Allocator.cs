using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Chooses who and what serves a booking, and turns that choice into the allocation rows the database
/// guards: the staff member's time, each resource seat, the page's own calendar for a service that needs
/// neither (contract 4.1), and a numbered seat for each member of a class.
/// </summary>
public static class Allocator
{
    /// <summary>The branch and units for a booking starting at <paramref name="start"/>, or null when that time cannot be booked.</summary>
    /// <param name="clientEmail">The client's address: with no staff member named, their preferred one (CRM) is chosen first
    /// when able, then the service's assignment strategy (<see cref="AssignmentRules"/>).</param>
    public static async Task<(string? Branch, Assignment Assignment)?> AssignAsync(BookwellDb db, CompiledPage page, ServiceModel service, Instant start,
        string? branch, string? staff, IReadOnlyList<string>? resources, bool walkIn, Instant now, CancellationToken ct, bool rulesOnly = false,
        Scheduling.Travel.Trip? trip = null, string? clientEmail = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var window = new Span(start.ToUnixTimeTicks(), start.ToUnixTimeTicks() + 1);
        var ranking = rulesOnly ? null : await AssignmentRules.RankingAsync(db, page, service, staff, clientEmail, now, ct);
        // Least busy adds up each staff member's busy time over the booking's local day: read that whole day.
        var load = ranking?.Strategy == AssignmentStrategy.LeastBusy ? AssignmentRules.DayAround(page, window) : window;
        var occupancy = rulesOnly && trip is null ? Occupancy.None : await AvailabilityLoader.LoadAsync(db, page, service, load, now, ct, staff, trip);
        foreach (var (b, request) in AvailabilityLoader.Requests(page, service, branch, staff, occupancy, now, window, walkIn, trip))
        {
            if (SlotEngine.Assign(request with { Ranking = ranking }, start, staff, resources, offGrid: walkIn) is { } a)
            {
                return (b, a);
            }
        }
        return null;
    }

    /// <summary>
    /// The branch and each part's units for a visit of several services starting at <paramref name="start"/>, or null
    /// when it cannot be booked. Every part must be served in one branch.
    /// </summary>
    /// <param name="clientEmail">As for <see cref="AssignAsync"/>; the first part's service names the strategy.</param>
    public static async Task<(string? Branch, IReadOnlyList<Assignment> Parts)?> AssignVisitAsync(BookwellDb db, CompiledPage page,
        IReadOnlyList<ServiceModel> services, Instant start, string? branch, string? staff, bool walkIn, Instant now, CancellationToken ct,
        string? clientEmail = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(services);
        var window = new Span(start.ToUnixTimeTicks(), start.ToUnixTimeTicks() + 1);
        var ranking = services.Count > 0 ? await AssignmentRules.RankingAsync(db, page, services[0], staff, clientEmail, now, ct) : null;
        var wholeDay = ranking?.Strategy == AssignmentStrategy.LeastBusy;
        foreach (var (b, parts) in await AvailabilityLoader.VisitRequestsAsync(db, page, services, branch, staff, window, now, walkIn, null, ct, wholeDay))
        {
            if (ranking is not null)
            {
                parts[0] = parts[0] with { Ranking = ranking };
            }
            if (VisitEngine.Assign(parts, start, staff, offGrid: walkIn) is { } a)
            {
                return (b, a);
            }
        }
        return null;
    }

    /// <summary>The rows for a booking whose units are already set on it (staff, resources, branch, times, buffers).</summary>
    public static List<Allocation> Rows(Booking booking, CompiledPage? page, bool usesCalendar)
    {
        ArgumentNullException.ThrowIfNull(booking);
        if (Visits.Parts(booking) is { } parts)
        {
            // A visit: each part holds its own units for its own time (with its own buffers).
            var rows = new List<Allocation>();
            var visit = booking.Id.ToString();
            foreach (var p in parts)
            {
                var pf = p.StartsAt - Duration.FromMinutes(p.BufferBefore);
                var pt = p.EndsAt + Duration.FromMinutes(p.BufferAfter);
                if (p.Staff is not null)
                {
                    rows.Add(Make(booking, Units.Staff(p.Staff), 0, 1, visit, pf, pt));
                }
                foreach (var seat in Units.ParseSeats(p.Resources))
                {
                    var capacity = page?.Resources.FirstOrDefault(r => r.Key == seat.Key)?.Capacity ?? seat.Seat + 1;
                    rows.Add(Make(booking, Units.Resource(seat.Key), seat.Seat, capacity, visit, pf, pt));
                }
                if (p.Calendar)
                {
                    rows.Add(Make(booking, Units.Calendar(booking.PageSlug, booking.BranchKey), 0, 1, visit, pf, pt));
                }
            }
            return rows;
        }
        var from = booking.StartsAt - Duration.FromMinutes(booking.BufferBeforeMinutes);
        var to = booking.EndsAt + Duration.FromMinutes(booking.BufferAfterMinutes);
        // Class members share their units under the class's group key, which the database lets overlap.
        var group = booking.GroupKey ?? booking.Id.ToString();
        var seats = Units.ParseSeats(booking.ResourceKeys);
        var result = new List<Allocation>(2 + seats.Count);
        // Travel to and from a mobile booking is held by whoever travels: the staff member, else the page's calendar.
        var travelFrom = from - Duration.FromMinutes(booking.TravelBeforeMinutes);
        var travelTo = to + Duration.FromMinutes(booking.TravelAfterMinutes);
        if (booking.StaffKey is not null)
        {
            result.Add(Make(booking, Units.Staff(booking.StaffKey), 0, 1, group, travelFrom, travelTo));
        }
        foreach (var seat in seats)
        {
            var resource = page?.Resources.FirstOrDefault(r => r.Key == seat.Key);
            var capacity = resource?.Capacity ?? seat.Seat + 1;
            // A vehicle drives to the client with the booking: its own legs are held on its seat, like a staff member's.
            var drives = resource is not null && Mobile.MobileServices.IsVehicle(page!, resource.Type);
            result.Add(Make(booking, Units.Resource(seat.Key), seat.Seat, capacity, group,
                drives ? from - Duration.FromMinutes(booking.VehicleTravelBeforeMinutes) : from,
                drives ? to + Duration.FromMinutes(booking.VehicleTravelAfterMinutes) : to));
        }
        if (usesCalendar)
        {
            result.Add(Make(booking, Units.Calendar(booking.PageSlug, booking.BranchKey), 0, 1, group,
                booking.StaffKey is null ? travelFrom : from, booking.StaffKey is null ? travelTo : to));
        }
        return result;
    }

    /// <summary>
    /// Adds the rows, and for a class member one free numbered seat of the class; false when the class is full
    /// (as seen now: two members taking the last seat at once collide in the database instead).
    /// </summary>
    /// <param name="capacity">The class's seats under the configuration the caller compiled.</param>
    /// <param name="configVersion">That configuration's version: when the stored one differs (a change committed since the
    /// caller read it), the seats are counted again under the stored one. Unknown (null): always counted again.</param>
    /// <summary>
    /// Marks rows as written by the transaction that holds busy version <paramref name="stamp"/>: every allocation row written, one
    /// by one here or in the seam's group commit (<see cref="BookingWrite.CommitGroup"/>), is stamped here, so the busy index sees it.
    /// </summary>
    public static void Stamp(IEnumerable<Allocation> rows, long stamp)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            row.Stamp = stamp;
        }
    }

    public static async Task<bool> AddAsync(BookwellDb db, Booking booking, IEnumerable<Allocation> rows, int capacity, CancellationToken ct,
        long? configVersion = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var stamp = await BusyVersions.BumpAsync(db, booking.TenantId, ct);
        var written = rows.ToList();
        Stamp(written, stamp);
        db.Allocations.AddRange(written);
        if (booking.GroupKey is null)
        {
            return true;
        }
        capacity = await SeatsNowAsync(db, booking, capacity, configVersion, ct);
        var taken = await db.Allocations.Where(a => a.UnitKey == booking.GroupKey && a.Live).Select(a => a.Seat).ToListAsync(ct);
        var seat = Enumerable.Range(0, capacity).Cast<int?>().FirstOrDefault(s => !taken.Contains(s!.Value));
        if (seat is null)
        {
            return false;
        }
        var member = Make(booking, booking.GroupKey, seat.Value, capacity, booking.Id.ToString(), booking.StartsAt, booking.EndsAt);
        member.Stamp = stamp;
        db.Allocations.Add(member);
        return true;
    }

    /// <summary>
    /// The class's seats as the stored configuration has them, read after the busy-version bump: a configuration change
    /// takes the same lock (<see cref="Configuration.ConfigApplier"/>), so one committed before this point is seen here and
    /// a lowered capacity is never exceeded by a booking that read the configuration before it (issue 15).
    /// </summary>
    private static async Task<int> SeatsNowAsync(BookwellDb db, Booking booking, int capacity, long? configVersion, CancellationToken ct)
    {
        var stored = await db.Tenants.AsNoTracking().Where(t => t.Id == booking.TenantId).Select(t => new { t.ConfigVersion }).FirstAsync(ct);
        if (stored.ConfigVersion == configVersion)
        {
            return capacity;
        }
        var json = await db.Tenants.AsNoTracking().Where(t => t.Id == booking.TenantId).Select(t => t.ConfigJson).FirstAsync(ct);
        var doc = System.Text.Json.JsonSerializer.Deserialize<ConfigDocument>(json, Infrastructure.Json.Options);
        if (doc is null)
        {
            return 0;
        }
        var catalog = CatalogCache.Compile(stored.ConfigVersion, doc);
        return catalog.Pages.TryGetValue(booking.PageSlug, out var page) && page.Services.TryGetValue(booking.ServiceKey, out var service)
            ? Classes.ClassSessions.CapacityOf(page, service, booking.StartsAt, [booking.OrganizationKey])
            : 0;
    }

    /// <summary>Lets a booking's time go (cancelled, expired, moved away); true when it held any.</summary>
    public static async Task<bool> FreeAsync(BookwellDb db, Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var stamp = await BusyVersions.BumpAsync(db, booking.TenantId, ct);
        return await db.Allocations.IgnoreQueryFilters().Where(a => a.BookingId == booking.Id && a.Live)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Live, false).SetProperty(a => a.Stamp, stamp), ct) > 0;
    }

    /// <summary>
    /// A no-show: the time from <paramref name="at"/> on is let go (rows not yet begun leave, rows under way end at
    /// <paramref name="at"/>); what already passed stays on record. Returns whether anything was let go.
    /// </summary>
    public static async Task<bool> TrimAsync(BookwellDb db, Booking booking, Instant at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var stamp = await BusyVersions.BumpAsync(db, booking.TenantId, ct);
        var rows = db.Allocations.IgnoreQueryFilters().Where(a => a.BookingId == booking.Id && a.Live && a.EndsAt > at);
        var gone = await rows.Where(a => a.StartsAt >= at)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Live, false).SetProperty(a => a.Stamp, stamp), ct);
        var cut = await rows.Where(a => a.StartsAt < at)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.EndsAt, at).SetProperty(a => a.Stamp, stamp), ct);
        return gone + cut > 0;
    }

    /// <summary>A hold that became a booking (paid, confirmed): its time no longer runs out.</summary>
    public static async Task ReleaseHoldAsync(BookwellDb db, Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        booking.HoldExpiresAt = null;
        var stamp = await BusyVersions.BumpAsync(db, booking.TenantId, ct);
        await db.Allocations.IgnoreQueryFilters().Where(a => a.BookingId == booking.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.HoldExpiresAt, (Instant?)null).SetProperty(a => a.Stamp, stamp), ct);
    }

    private static Allocation Make(Booking booking, string unit, int seat, int capacity, string groupKey, Instant s, Instant e) => new()
    {
        TenantId = booking.TenantId,
        BookingId = booking.Id,
        UnitKey = unit,
        Seat = seat,
        Capacity = capacity,
        StartsAt = s,
        EndsAt = e,
        GroupKey = groupKey,
        HoldExpiresAt = booking.HoldExpiresAt,
    };
}
