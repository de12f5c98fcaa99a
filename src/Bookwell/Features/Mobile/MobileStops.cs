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
    /// page calendar's unit for a service without staff. With <paramref name="staff"/>, only that person's. Sorted by start.
    /// </summary>
    public static async Task<Dictionary<string, List<Stop>>> ReadAsync(BookwellDb db, CompiledPage page, string? staff, Instant from, Instant to,
        Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        var query = db.Bookings.AsNoTracking()
            .Where(b => b.Latitude != null && b.Longitude != null && b.StartsAt < to && b.EndsAt > from &&
                        b.Status != BookingStatus.Cancelled && b.Status != BookingStatus.NoShow &&
                        (b.HoldExpiresAt == null || b.HoldExpiresAt > now) &&
                        // Only bookings holding time: a booking being moved has let its old time go in this transaction.
                        db.Allocations.Any(a => a.BookingId == b.Id && a.Live));
        if (staff is not null)
        {
            query = query.Where(b => b.StaffKey == staff);
        }
        var rows = await query.Select(b => new { b.StaffKey, b.PageSlug, b.BranchKey, b.StartsAt, b.EndsAt, b.Latitude, b.Longitude }).ToListAsync(ct);
        var result = new Dictionary<string, List<Stop>>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            var unit = r.StaffKey is not null ? Units.Staff(r.StaffKey) : Units.Calendar(r.PageSlug, r.BranchKey);
            if (!result.TryGetValue(unit, out var list))
            {
                result[unit] = list = [];
            }
            list.Add(new Stop(Span.Of(r.StartsAt, r.EndsAt), new GeoPoint(r.Latitude!.Value, r.Longitude!.Value)));
        }
        foreach (var list in result.Values)
        {
            list.Sort(static (a, b) => a.Service.Start.CompareTo(b.Service.Start));
        }
        return result;
    }
}
