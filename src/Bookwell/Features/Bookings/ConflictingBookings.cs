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
        var ids = await db.Allocations.AsNoTracking()
            .Where(a => a.Live && units.Contains(a.UnitKey) && a.StartsAt < to && a.EndsAt > from)
            .Select(a => a.BookingId).Distinct().ToListAsync(ct);
        return ids.Count == 0 ? []
            : await db.Bookings.AsNoTracking().Where(b => ids.Contains(b.Id)).OrderBy(b => b.StartsAt).ThenBy(b => b.Id).Take(Max).ToListAsync(ct);
    }

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
