using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Intervals;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Busy time from subscribed calendars as the engine takes it: spans per staff unit (<c>staff:&lt;key&gt;</c>),
/// merged into the busy time of bookings. Slots and the re-check at booking read it alike, so a time an
/// external calendar calls busy is neither offered nor bookable.
/// </summary>
public static class ExternalBusy
{
    /// <summary>
    /// The stored spans overlapping [from, to) of the page's staff (or of one staff member). Pages without any
    /// busy source or connection cost no query (which staff are connected is cached, see <see cref="ConnectedStaff"/>).
    /// On a page that hides stale calendars (<see cref="StaleCalendars"/>), a staff member whose calendar is stale at
    /// <paramref name="now"/> is busy over the whole of [from, to): no slots, no booking, "anyone" goes to someone else.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, List<Span>>> ReadAsync(BookwellDb db, CompiledPage page, string? staff,
        Instant from, Instant to, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        var connected = await ConnectedStaff.GetAsync(db, ct);
        var keys = page.Staff.Where(s => (s.Doc.BusySources is { Count: > 0 } || connected.Contains(s.Key)) && (staff is null || s.Key == staff))
            .Select(s => s.Key).ToList();
        if (keys.Count == 0)
        {
            return Empty;
        }
        var rows = await db.ExternalBusy.AsNoTracking()
            .Where(b => keys.Contains(b.StaffKey) && b.StartsAt < to && b.EndsAt > from)
            .Select(b => new { b.StaffKey, b.StartsAt, b.EndsAt })
            .ToListAsync(ct);
        var result = new Dictionary<string, List<Span>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var unit = Units.Staff(row.StaffKey);
            if (!result.TryGetValue(unit, out var list))
            {
                result[unit] = list = [];
            }
            list.Add(Span.Of(row.StartsAt, row.EndsAt));
        }
        if (StaleCalendars.Hides(page) && from < to)
        {
            foreach (var key in await StaleCalendars.StaffAsync(db, page, now, ct))
            {
                if (keys.Contains(key))
                {
                    var unit = Units.Staff(key);
                    // The whole window, first: the engine wants each list sorted by start.
                    result[unit] = [Span.Of(from, to)];
                }
            }
        }
        return result;
    }

    /// <summary>
    /// Whether a staff member's time also depends on subscribed or connected calendars: then a booking cannot be
    /// judged by the group writer's allocation check alone and must read busy time (BookingCreator's rules-only path).
    /// </summary>
    public static async ValueTask<bool> HasSourcesAsync(BookwellDb db, CompiledPage page, string? staff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (staff is null)
        {
            return false;
        }
        return page.Staff.Any(s => s.Key == staff && s.Doc.BusySources is { Count: > 0 }) || (await ConnectedStaff.GetAsync(db, ct)).Contains(staff);
    }

    private static readonly Dictionary<string, List<Span>> Empty = new(StringComparer.Ordinal);

    /// <summary>Adds external busy spans to the busy map, keeping each unit's list sorted by start (the engine's rule).</summary>
    public static void MergeInto(Dictionary<string, List<Span>> busy, IReadOnlyDictionary<string, List<Span>> external)
    {
        ArgumentNullException.ThrowIfNull(busy);
        ArgumentNullException.ThrowIfNull(external);
        foreach (var (unit, spans) in external)
        {
            if (busy.TryGetValue(unit, out var list))
            {
                list.AddRange(spans);
            }
            else
            {
                busy[unit] = list = [.. spans];
            }
            list.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        }
    }
}
