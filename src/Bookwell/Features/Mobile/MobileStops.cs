using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Travel;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Mobile;

/// <summary>Where each unit has to be for the mobile bookings around a window: the engine's travel input.</summary>
public static class MobileStops
{
    /// <summary>How far around a window stops and busy time are read for travel (longer legs than this are not expected).</summary>
    public static readonly Duration Reach = Duration.FromHours(24);

    /// <summary>
    /// Live bookings with a place that overlap [from, to), per unit: "staff:x" for the staff member who travels, or the
    /// page calendar's unit for a service without staff; and per vehicle seat ("res:key", "res:key#seat") for the page's
    /// vehicle types. With <paramref name="staff"/>, only that person's (and, on a page with vehicles, every booking that
    /// holds one: another technician's trip is the van's trip too). Sorted by start.
    /// </summary>
    public static async Task<Dictionary<string, List<Stop>>> ReadAsync(BookwellDb db, CompiledPage page, string? staff, Instant from, Instant to,
        Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        // Only bookings holding time: a booking being moved has let its old time go in this transaction. A booking's live
        // allocations hold its service time (with buffers and travel, at most the business's Lookback long: the longest
        // allocation its configuration allows or it has stored), so those of a booking overlapping [from, to) start in
        // [from - Lookback, to). Asked as one uncorrelated IN over that range, not as
        // EXISTS per booking: SQLite answered the correlated form through the (TenantId, Stamp) index, scanning every
        // allocation of the business for each booking (2.2 s for a month of 4,200 mobile bookings; issue 15's bench).
        // The same bound on the booking's own start (its service lies inside those allocations) keeps the read on the
        // (TenantId, StartsAt) index to the window: without it every booking starting before the window's end was read
        // and tested (issue 15's bench: booking a mobile visit read a whole month of bookings, twice).
        var earliest = from - page.Lookback;
        var holding = db.Allocations.Where(a => a.Live && a.StartsAt >= earliest && a.StartsAt < to).Select(a => a.BookingId);
        var query = db.Bookings.AsNoTracking()
            .Where(b => b.Latitude != null && b.Longitude != null && b.StartsAt >= earliest && b.StartsAt < to && b.EndsAt > from &&
                        b.Status != BookingStatus.Cancelled && b.Status != BookingStatus.NoShow &&
                        (b.HoldExpiresAt == null || b.HoldExpiresAt > now) &&
                        holding.Contains(b.Id));
        var vehicles = page.Resources.Where(r => MobileServices.IsVehicle(page, r.Type)).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        if (staff is not null)
        {
            query = vehicles.Count == 0 ? query.Where(b => b.StaffKey == staff) : query.Where(b => b.StaffKey == staff || b.ResourceKeys != "");
        }
        var rows = await query.Select(b => new { b.StaffKey, b.PageSlug, b.BranchKey, b.StartsAt, b.EndsAt, b.Latitude, b.Longitude, b.ResourceKeys })
            .ToListAsync(ct);
        var result = new Dictionary<string, List<Stop>>(StringComparer.Ordinal);
        void Add(string unit, Stop stop)
        {
            if (!result.TryGetValue(unit, out var list))
            {
                result[unit] = list = [];
            }
            list.Add(stop);
        }
        foreach (var r in rows)
        {
            var stop = new Stop(Span.Of(r.StartsAt, r.EndsAt), new GeoPoint(r.Latitude!.Value, r.Longitude!.Value));
            if (staff is null || r.StaffKey == staff)
            {
                Add(r.StaffKey is not null ? Units.Staff(r.StaffKey) : Units.Calendar(r.PageSlug, r.BranchKey), stop);
            }
            if (vehicles.Count > 0 && r.ResourceKeys.Length > 0)
            {
                foreach (var seat in Units.ParseSeats(r.ResourceKeys))
                {
                    if (vehicles.Contains(seat.Key))
                    {
                        Add(VehicleUnit(seat.Key, seat.Seat), stop);
                    }
                }
            }
        }
        foreach (var list in result.Values)
        {
            list.Sort(static (a, b) => a.Service.Start.CompareTo(b.Service.Start));
        }
        return result;
    }

    /// <summary>The key a vehicle seat's stops are listed under.</summary>
    public static string VehicleUnit(string resource, int seat) => seat == 0 ? Units.Resource(resource) : $"{Units.Resource(resource)}#{seat}";
}
