using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Which live bookings hold the time an operator asked for (issue 15, seed 002: conflict detection that names the conflicting
/// booking): allocations of the chosen staff member, of the chosen resources, or of the page's own calendar that overlap the new
/// booking's span with its buffers. Read after the writer refused the time, only to say why: the database decided.
/// </summary>
public static class ConflictingBookings
{
    /// <summary>At most this many are named.</summary>
    public const int Max = 10;

    /// <summary>The overlapping bookings, by start; empty for a class (members share their session) or when nothing was chosen.</summary>
    public static async Task<List<Booking>> FindAsync(BookwellDb db, ValidBooking valid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(valid);
        var rules = valid.Service.Rules;
        if (rules.Capacity > 1)
        {
            return [];
        }
        var units = new List<string>();
        if (valid.Staff is not null)
        {
            units.Add(Units.Staff(valid.Staff));
        }
        units.AddRange((valid.Resources ?? []).Select(Units.Resource));
        if (Units.UsesCalendar(valid.Service))
        {
            units.AddRange(Units.Calendars(valid.Page));
        }
        if (units.Count == 0)
        {
            return [];
        }
        Instant from = valid.Start - rules.BufferBefore, to = valid.Start + rules.Duration + rules.BufferAfter;
        // No allocation is longer than the page's lookback, so none that overlaps starts before this: the index scan on
        // (tenant, unit, start) then covers a few days instead of every allocation before the time (232 ms a 409 at 55,000).
        var earliest = from - valid.Page.Lookback;
        var ids = await db.Allocations.AsNoTracking()
            .Where(a => a.Live && units.Contains(a.UnitKey) && a.StartsAt > earliest && a.StartsAt < to && a.EndsAt > from)
            .Select(a => a.BookingId).Distinct().ToListAsync(ct);
        return await ByStartAsync(db, ids, ct);
    }

    /// <summary>
    /// The bookings that hold time an existing booking was refused when its end moved later: overlaps of its own units (staff,
    /// resource seats, calendar) over the time it would newly take, itself excepted.
    /// </summary>
    public static async Task<List<Booking>> FindForEndAsync(BookwellDb db, Booking booking, Configuration.CompiledPage? page, Instant end, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        if (booking.GroupKey is not null || end <= booking.EndsAt)
        {
            return [];
        }
        var service = page?.Services.GetValueOrDefault(booking.ServiceKey);
        var usesCalendar = service is not null ? Units.UsesCalendar(service) : booking.StaffKey is null && booking.ResourceKeys.Length == 0;
        var units = Allocator.Rows(booking, page, usesCalendar).Select(r => r.UnitKey).Distinct().ToList();
        Instant from = booking.EndsAt, to = end + Duration.FromMinutes(booking.BufferAfterMinutes + Math.Max(booking.TravelAfterMinutes, booking.VehicleTravelAfterMinutes));
        var id = booking.Id;
        var earliest = from - (page?.Lookback ?? Availability.AvailabilityLoader.MaxAllocation);
        var ids = await db.Allocations.AsNoTracking()
            .Where(a => a.Live && a.BookingId != id && units.Contains(a.UnitKey) && a.StartsAt > earliest && a.StartsAt < to && a.EndsAt > from)
            .Select(a => a.BookingId).Distinct().ToListAsync(ct);
        return await ByStartAsync(db, ids, ct);
    }

    /// <summary>
    /// The first <see cref="Max"/> of the bookings by start, each read by its id and ordered here. Asked as one query
    /// (<c>Id = ANY(ids)</c>, ordered and limited), PostgreSQL's generic plan combined the primary key with the business's
    /// index on (TenantId, CreatedAt), reading every booking id of the business: 7–10 ms of the database's time per 409 at
    /// 80,000 bookings, and with 1 % of requests for taken time booking throughput halved (docs/performance.md, "Issue 12,
    /// thirty-fourth session"). One id is one primary-key probe whatever the plan, and the ids are the few bookings
    /// overlapping one time; an unusual many go as one query.
    /// </summary>
    private static async Task<List<Booking>> ByStartAsync(BookwellDb db, List<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        List<Booking> rows;
        // SQLite plans the one query by primary key whatever the business holds.
        if (db.IsPostgres && ids.Count <= 3 * Max)
        {
            rows = new List<Booking>(ids.Count);
            foreach (var id in ids)
            {
                if (await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct) is { } booking)
                {
                    rows.Add(booking);
                }
            }
        }
        else
        {
            rows = await db.Bookings.AsNoTracking().Where(b => ids.Contains(b.Id)).ToListAsync(ct);
        }
        return [.. rows.OrderBy(b => b.StartsAt).ThenBy(b => b.Id).Take(Max)];
    }

    /// <summary>One line naming the conflicts, for a 409's detail and the admin page.</summary>
    public static string Describe(IEnumerable<Booking> conflicts, DateTimeZone zone) =>
        string.Join("; ", conflicts.Select(b =>
            $"{b.ServiceName} for {b.CustomerName}, {Infrastructure.TimeFormats.Format(b.StartsAt, zone)} to {Infrastructure.TimeFormats.Format(b.EndsAt, zone)} (booking {b.Id})"));

    /// <summary>How the admin API names one (additive member <c>conflicts</c> of a 409 <c>slot-unavailable</c>).</summary>
    public static object View(Booking b, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(b);
        return new
        {
            id = b.Id.ToString(),
            service = b.ServiceKey,
            staff = b.StaffKey,
            start = Infrastructure.TimeFormats.Format(b.StartsAt, zone),
            end = Infrastructure.TimeFormats.Format(b.EndsAt, zone),
            customer = new { name = b.CustomerName },
        };
    }
}
