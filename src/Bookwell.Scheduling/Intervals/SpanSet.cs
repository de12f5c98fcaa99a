namespace Bookwell.Scheduling.Intervals;

/// <summary>
/// Operations on sorted, disjoint lists of half-open intervals. Every operation is a linear sweep with two
/// pointers, so subtracting n busy intervals from m free ones costs O(n + m), never O(n × m).
/// </summary>
public static class SpanSet
{
    /// <summary>Sorts the intervals and merges those that overlap or touch; drops empty ones.</summary>
    public static List<Span> Normalize(IEnumerable<Span> intervals)
    {
        var sorted = intervals.Where(i => !i.IsEmpty).ToList();
        sorted.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var result = new List<Span>(sorted.Count);
        foreach (var next in sorted)
        {
            if (result.Count > 0 && result[^1].End >= next.Start)
            {
                var last = result[^1];
                result[^1] = last with { End = Math.Max(last.End, next.End) };
            }
            else
            {
                result.Add(next);
            }
        }
        return result;
    }

    /// <summary>
    /// Removes <paramref name="busy"/> from <paramref name="free"/>. Both lists must be sorted by start;
    /// <paramref name="free"/> must be disjoint, <paramref name="busy"/> may overlap itself.
    /// </summary>
    public static List<Span> Subtract(IReadOnlyList<Span> free, IReadOnlyList<Span> busy)
    {
        // Each busy span splits at most one free span in two: sized once, never regrown (a month of a busy
        // calendar regrew this list for most of the engine's time).
        var result = new List<Span>(free.Count + busy.Count);
        var b = 0;
        foreach (var f in free)
        {
            var cursor = f.Start;
            // Busy intervals that end before this free interval can never matter again.
            while (b < busy.Count && busy[b].End <= cursor)
            {
                b++;
            }
            var j = b;
            while (j < busy.Count && busy[j].Start < f.End)
            {
                if (busy[j].Start > cursor)
                {
                    result.Add(new Span(cursor, busy[j].Start));
                }
                cursor = Math.Max(cursor, busy[j].End);
                if (cursor >= f.End)
                {
                    break;
                }
                j++;
            }
            if (cursor < f.End)
            {
                result.Add(new Span(cursor, f.End));
            }
        }
        return result;
    }

    /// <summary>Intersects two sorted, disjoint lists.</summary>
    public static List<Span> Intersect(IReadOnlyList<Span> a, IReadOnlyList<Span> b)
    {
        var result = new List<Span>(Math.Min(a.Count, b.Count));
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            var start = Math.Max(a[i].Start, b[j].Start);
            var end = Math.Min(a[i].End, b[j].End);
            if (start < end)
            {
                result.Add(new Span(start, end));
            }
            if (a[i].End < b[j].End)
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
