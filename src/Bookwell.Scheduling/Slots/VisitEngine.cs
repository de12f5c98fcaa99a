using Bookwell.Scheduling.Intervals;
using NodaTime;

namespace Bookwell.Scheduling.Slots;

/// <summary>One part of a visit at a given visit start: its own start and end, and the staff able to serve it.</summary>
public sealed record VisitPart(Instant Start, Instant End, IReadOnlyList<string> Staff);

/// <summary>A start at which every part of a visit fits, one after the other.</summary>
public sealed record VisitSlot(Instant Start, Instant End, IReadOnlyList<VisitPart> Parts);

/// <summary>
/// Several services in one visit (cut + colour): the parts follow one another, part i+1 starting when part i ends
/// plus part i's buffer after and part i+1's buffer before (with no buffers: back to back). Each part is asked of
/// its own request (its service's rules, the staff qualified for it, its resources), so each part may be served
/// by someone else. Because the parts' times, buffers included, never overlap one another, each part's units are
/// chosen independently: a visit fits exactly when every part fits at its own start.
/// </summary>
public static class VisitEngine
{
    /// <summary>Each part's start, measured from the visit's start.</summary>
    public static IReadOnlyList<Duration> Offsets(IReadOnlyList<ServiceRules> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var offsets = new Duration[parts.Count];
        for (var i = 1; i < parts.Count; i++)
        {
            offsets[i] = offsets[i - 1] + parts[i - 1].Duration + parts[i - 1].BufferAfter + parts[i].BufferBefore;
        }
        return offsets;
    }

    /// <summary>
    /// Visit starts inside the first part's window (its notice, horizon and grid decide where a visit may start),
    /// sorted. The later parts are checked off the grid, inside the hours and clear of busy time, without notice or
    /// horizon (they follow a start that passed both). Group classes cannot be part of a visit.
    /// </summary>
    public static IReadOnlyList<VisitSlot> FindSlots(IReadOnlyList<SlotRequest> parts)
    {
        Check(parts);
        var offsets = Offsets(parts.Select(p => p.Service).ToList());
        var probes = Probes(parts, offsets);
        var result = new List<VisitSlot>();
        foreach (var first in SlotEngine.FindSlots(parts[0]))
        {
            var found = new VisitPart[parts.Count];
            found[0] = new VisitPart(first.Start, first.End, first.Staff);
            var ok = true;
            for (var i = 1; i < parts.Count && ok; i++)
            {
                var start = first.Start + offsets[i];
                var able = probes[i].Able(start);
                ok = able is not null;
                found[i] = new VisitPart(start, start + parts[i].Service.Duration, able ?? []);
            }
            if (ok)
            {
                result.Add(new VisitSlot(first.Start, found[^1].End, found));
            }
        }
        return result;
    }

    /// <summary>
    /// Units for every part of a visit starting at <paramref name="start"/>, or null when it cannot be booked. The
    /// same person serves as many parts as they can: the preferred staff member first (the one asked for, else the
    /// client's preferred one from <see cref="SlotRequest.Ranking"/>), otherwise whoever is able for most parts (ties by
    /// the first part's ranking: the service's strategy, then the order given); a part they cannot serve goes to the
    /// previous part's person if able, else to the best ranked able.
    /// </summary>
    /// <param name="parts">One request per part, in visit order.</param>
    /// <param name="start">The visit's start (the first part's).</param>
    /// <param name="preferredStaff">A staff member the client asked for: serves every part they are able to.</param>
    /// <param name="offGrid">Accept a first start between grid points (walk-ins).</param>
    public static IReadOnlyList<Assignment>? Assign(IReadOnlyList<SlotRequest> parts, Instant start, string? preferredStaff, bool offGrid = false)
    {
        Check(parts);
        var offsets = Offsets(parts.Select(p => p.Service).ToList());
        var probes = Probes(parts, offsets);
        var able = new IReadOnlyList<string>?[parts.Count];
        if (offGrid)
        {
            able[0] = probes[0].Able(start);
        }
        else
        {
            var window = new Span(start.ToUnixTimeTicks(), start.ToUnixTimeTicks() + 1);
            var slot = SlotEngine.FindSlots(parts[0] with { Window = window }).FirstOrDefault(s => s.Start == start);
            able[0] = slot?.Staff;
        }
        for (var i = 1; i < parts.Count; i++)
        {
            able[i] = probes[i].Able(start + offsets[i]);
        }
        if (Array.Exists(able, a => a is null))
        {
            return null;
        }
        var ranking = parts[0].Ranking;
        var rank = Ranks(parts, start);
        int Rank(string key) => rank.TryGetValue(key, out var r) ? r : int.MaxValue;
        var main = preferredStaff;
        if (main is null || !Array.Exists(able, a => a!.Contains(main)))
        {
            main = ranking?.ClientPreferred is { } client && Array.Exists(able, a => a!.Contains(client))
                ? client
                : able.SelectMany(a => a!).Distinct().OrderByDescending(k => able.Count(a => a!.Contains(k))).ThenBy(Rank).FirstOrDefault();
        }
        var result = new Assignment[parts.Count];
        string? previous = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var list = able[i]!;
            string? staff = null;
            if (parts[i].Service.RequiresStaff)
            {
                staff = main is not null && list.Contains(main) ? main
                    : previous is not null && list.Contains(previous) ? previous
                    : list.OrderBy(Rank).First();
                previous = staff;
            }
            var assignment = probes[i].Probe.Assign(start + offsets[i], staff);
            if (assignment is null)
            {
                return null;
            }
            result[i] = assignment;
        }
        return result;
    }

    /// <summary>
    /// Every staff member named by any part, best first by the first part's <see cref="SlotRequest.Ranking"/> (page
    /// order without one). A member's busy time is taken from the first part that names them; for "least busy" the
    /// caller loads each part's busy time over the whole local day.
    /// </summary>
    private static Dictionary<string, int> Ranks(IReadOnlyList<SlotRequest> parts, Instant start)
    {
        var everyone = new List<BookableUnit>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var unit in part.Staff)
            {
                if (seen.Add(unit.Key))
                {
                    everyone.Add(unit);
                }
            }
        }
        var ordered = (parts[0].Ranking ?? StaffRanking.FirstAvailable).Order(everyone, parts[0].Zone, start);
        var result = new Dictionary<string, int>(ordered.Count, StringComparer.Ordinal);
        for (var i = 0; i < ordered.Count; i++)
        {
            result[ordered[i].Key] = i;
        }
        return result;
    }

    private sealed record PartProbe(SlotEngine.SlotProbe Probe)
    {
        public IReadOnlyList<string>? Able(Instant start) => Probe.Able(start);
    }

    private static PartProbe[] Probes(IReadOnlyList<SlotRequest> parts, IReadOnlyList<Duration> offsets)
    {
        var probes = new PartProbe[parts.Count];
        var first = parts[0].Window;
        for (var i = 0; i < parts.Count; i++)
        {
            var shift = offsets[i].BclCompatibleTicks;
            // The part's own window: wherever the first part's window puts it.
            var window = new Span(first.Start + shift, first.End + shift);
            probes[i] = new PartProbe(SlotEngine.Probe(parts[i] with { IgnoreNoticeAndHorizon = parts[0].IgnoreNoticeAndHorizon || i > 0, Window = window }));
        }
        return probes;
    }

    private static void Check(IReadOnlyList<SlotRequest> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("A visit has at least one part.", nameof(parts));
        }
        if (parts.Any(p => p.Service.Capacity != 1))
        {
            throw new ArgumentException("Group classes cannot be part of a visit.", nameof(parts));
        }
    }
}
