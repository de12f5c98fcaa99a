using NodaTime;

namespace Bookwell.Scheduling.Availability;

/// <summary>
/// Weekly opening hours plus dated exceptions. An exception replaces the weekly hours of its date; an empty
/// replacement means closed.
/// </summary>
public sealed class Schedule
{
    private readonly IReadOnlyList<TimeRange>[] _weekly = new IReadOnlyList<TimeRange>[8];
    private readonly IReadOnlyDictionary<LocalDate, IReadOnlyList<TimeRange>> _exceptions;

    /// <summary>Creates a schedule; ranges of a day are sorted and merged.</summary>
    public Schedule(
        IReadOnlyDictionary<IsoDayOfWeek, IReadOnlyList<TimeRange>> weekly,
        IReadOnlyDictionary<LocalDate, IReadOnlyList<TimeRange>>? exceptions = null)
    {
        ArgumentNullException.ThrowIfNull(weekly);
        for (var d = 1; d <= 7; d++)
        {
            _weekly[d] = weekly.TryGetValue((IsoDayOfWeek)d, out var ranges) ? LocalRanges.Normalize(ranges) : [];
        }
        _exceptions = exceptions?.ToDictionary(e => e.Key, e => LocalRanges.Normalize(e.Value))
            ?? new Dictionary<LocalDate, IReadOnlyList<TimeRange>>();
    }

    /// <summary>A schedule open around the clock every day; the neutral element of intersection.</summary>
    public static Schedule AlwaysOpen { get; } = new(
        Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None)
            .ToDictionary(d => d, _ => (IReadOnlyList<TimeRange>)[new TimeRange(0, TimeRange.MinutesPerDay)]));

    /// <summary>The local ranges open on <paramref name="date"/>, sorted and disjoint.</summary>
    public IReadOnlyList<TimeRange> HoursOn(LocalDate date) =>
        _exceptions.TryGetValue(date, out var replaced) ? replaced : _weekly[(int)date.DayOfWeek];

    /// <summary>This schedule with the given local ranges closed on their dates (every other date as it was).</summary>
    public Schedule Without(IReadOnlyDictionary<LocalDate, IReadOnlyList<TimeRange>> closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        if (closed.Count == 0)
        {
            return this;
        }
        var weekly = new Dictionary<IsoDayOfWeek, IReadOnlyList<TimeRange>>();
        for (var d = 1; d <= 7; d++)
        {
            weekly[(IsoDayOfWeek)d] = _weekly[d];
        }
        var exceptions = new Dictionary<LocalDate, IReadOnlyList<TimeRange>>(_exceptions);
        foreach (var (date, ranges) in closed)
        {
            exceptions[date] = LocalRanges.Subtract(HoursOn(date), LocalRanges.Normalize(ranges));
        }
        return new Schedule(weekly, exceptions);
    }
}

/// <summary>Helpers on lists of local ranges within one day.</summary>
public static class LocalRanges
{
    /// <summary>Sorts and merges overlapping or touching ranges.</summary>
    public static IReadOnlyList<TimeRange> Normalize(IEnumerable<TimeRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.StartMinute).ToList();
        var result = new List<TimeRange>(sorted.Count);
        foreach (var r in sorted)
        {
            if (result.Count > 0 && result[^1].EndMinute >= r.StartMinute)
            {
                var last = result[^1];
                result[^1] = new TimeRange(last.StartMinute, Math.Max(last.EndMinute, r.EndMinute));
            }
            else
            {
                result.Add(r);
            }
        }
        return result;
    }

    /// <summary>The parts of <paramref name="a"/> outside <paramref name="b"/> (both sorted and disjoint).</summary>
    public static IReadOnlyList<TimeRange> Subtract(IReadOnlyList<TimeRange> a, IReadOnlyList<TimeRange> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0)
        {
            return a;
        }
        var result = new List<TimeRange>(a.Count + b.Count);
        foreach (var range in a)
        {
            var start = range.StartMinute;
            foreach (var cut in b)
            {
                if (cut.EndMinute <= start || cut.StartMinute >= range.EndMinute)
                {
                    continue;
                }
                if (cut.StartMinute > start)
                {
                    result.Add(new TimeRange(start, cut.StartMinute));
                }
                start = Math.Max(start, cut.EndMinute);
            }
            if (start < range.EndMinute)
            {
                result.Add(new TimeRange(start, range.EndMinute));
            }
        }
        return result;
    }

    /// <summary>Intersects two sorted, disjoint lists of ranges.</summary>
    public static IReadOnlyList<TimeRange> Intersect(IReadOnlyList<TimeRange> a, IReadOnlyList<TimeRange> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return [];
        }
        var result = new List<TimeRange>(Math.Min(a.Count, b.Count));
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            var start = Math.Max(a[i].StartMinute, b[j].StartMinute);
            var end = Math.Min(a[i].EndMinute, b[j].EndMinute);
            if (start < end)
            {
                result.Add(new TimeRange(start, end));
            }
            if (a[i].EndMinute < b[j].EndMinute)
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return result;
    }
}
