using Bookwell.Scheduling.Intervals;
using NodaTime;

namespace Bookwell.Scheduling.Slots;

/// <summary>How the staff member is chosen when the client asks for anyone able (issue 15, seed 002).</summary>
public enum AssignmentStrategy
{
    /// <summary>The first able in the page's staff order (the behaviour before strategies existed).</summary>
    FirstAvailable,

    /// <summary>The able staff member with the least busy time on the booking's local day (page zone).</summary>
    LeastBusy,

    /// <summary>The able staff member with the fewest recent bookings (counted by the caller over the past week).</summary>
    RoundRobin,

    /// <summary>The configured priority order; staff not listed follow in page order.</summary>
    Priority,
}

/// <summary>
/// The inputs for choosing among equally able staff. Everything that needs the database or the clock (the
/// recent booking counts, the client's preferred staff member) is read by the caller and passed in; what the
/// engine can work out from its own request (busy time on the booking's day) it works out itself.
/// </summary>
/// <param name="Strategy">How to rank.</param>
/// <param name="Priority">For <see cref="AssignmentStrategy.Priority"/>: staff keys, best first; null or empty follows page order.</param>
/// <param name="RecentBookings">For <see cref="AssignmentStrategy.RoundRobin"/>: bookings per staff key over the past week
/// (a key that is absent has none).</param>
/// <param name="ClientPreferred">The client's preferred staff member (from the CRM): chosen before the strategy whenever able.</param>
public sealed record StaffRanking(
    AssignmentStrategy Strategy,
    IReadOnlyList<string>? Priority = null,
    IReadOnlyDictionary<string, int>? RecentBookings = null,
    string? ClientPreferred = null)
{
    /// <summary>Page order, nobody preferred: what assignment did before strategies.</summary>
    public static StaffRanking FirstAvailable { get; } = new(AssignmentStrategy.FirstAvailable);

    /// <summary>
    /// The staff of a request ordered best first for a booking starting at <paramref name="start"/>: the client's
    /// preferred member, then by the strategy; ties keep page order (the order given), then go by key (ordinal).
    /// </summary>
    /// <param name="staff">Units in page order.</param>
    /// <param name="zone">The page zone, in which "that day" is meant.</param>
    /// <param name="start">The booking's start.</param>
    public IReadOnlyList<BookableUnit> Order(IReadOnlyList<BookableUnit> staff, DateTimeZone zone, Instant start)
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(zone);
        var keys = new long[staff.Count];
        switch (Strategy)
        {
            case AssignmentStrategy.LeastBusy:
                var date = start.InZone(zone).Date;
                for (var i = 0; i < keys.Length; i++)
                {
                    keys[i] = BusyOnDay(staff[i].Busy, zone, date).BclCompatibleTicks;
                }
                break;
            case AssignmentStrategy.RoundRobin:
                for (var i = 0; i < keys.Length; i++)
                {
                    keys[i] = RecentBookings is not null && RecentBookings.TryGetValue(staff[i].Key, out var n) ? n : 0;
                }
                break;
            case AssignmentStrategy.Priority when Priority is { Count: > 0 }:
                for (var i = 0; i < keys.Length; i++)
                {
                    var at = IndexOf(Priority, staff[i].Key);
                    keys[i] = at < 0 ? int.MaxValue : at;
                }
                break;
        }
        var order = Enumerable.Range(0, staff.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var pa = staff[a].Key == ClientPreferred ? 0 : 1;
            var pb = staff[b].Key == ClientPreferred ? 0 : 1;
            if (pa != pb)
            {
                return pa.CompareTo(pb);
            }
            var c = keys[a].CompareTo(keys[b]);
            if (c != 0)
            {
                return c;
            }
            c = a.CompareTo(b);
            return c != 0 ? c : string.CompareOrdinal(staff[a].Key, staff[b].Key);
        });
        return [.. order.Select(i => staff[i])];
    }

    /// <summary>
    /// Busy time of one unit on a local date in <paramref name="zone"/>: its spans merged, then clipped to that date's
    /// own start and end (23 or 25 hours on a day the clocks change), so overlapping spans count once.
    /// </summary>
    public static Duration BusyOnDay(IReadOnlyList<Span> busy, DateTimeZone zone, LocalDate date)
    {
        ArgumentNullException.ThrowIfNull(busy);
        ArgumentNullException.ThrowIfNull(zone);
        var from = zone.AtStartOfDay(date).ToInstant().ToUnixTimeTicks();
        var to = zone.AtStartOfDay(date.PlusDays(1)).ToInstant().ToUnixTimeTicks();
        var total = 0L;
        foreach (var span in SpanSet.Normalize(busy))
        {
            var s = Math.Max(span.Start, from);
            var e = Math.Min(span.End, to);
            if (e > s)
            {
                total += e - s;
            }
        }
        return Duration.FromTicks(total);
    }

    private static int IndexOf(IReadOnlyList<string> list, string key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == key)
            {
                return i;
            }
        }
        return -1;
    }
}
