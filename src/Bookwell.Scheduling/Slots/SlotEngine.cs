using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Travel;
using NodaTime;

namespace Bookwell.Scheduling.Slots;

/// <summary>
/// Computes bookable slots. For each unit the opening ranges are built day by day in the page zone, busy time
/// is subtracted in one sweep, and candidate starts (stepping by the slot interval from each range's start)
/// are tested against the free list with a pointer that only moves forward.
/// </summary>
public static class SlotEngine
{
    /// <summary>All bookable slots whose start lies in the request window, sorted by start.</summary>
    public static IReadOnlyList<Slot> FindSlots(SlotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new Calculation(request).Slots();
    }

    /// <summary>
    /// Chooses staff and resources for a booking starting at <paramref name="start"/>, honouring the given
    /// preferences; null when that start is not bookable (off the grid, outside hours, or taken).
    /// </summary>
    /// <param name="request">The question, as for <see cref="FindSlots"/>.</param>
    /// <param name="start">The start asked for.</param>
    /// <param name="preferredStaff">A staff member the booking must have, or null for anyone able (then the first able
    /// in the order of <see cref="SlotRequest.Ranking"/>).</param>
    /// <param name="preferredResources">Resource keys to prefer where several are free.</param>
    /// <param name="offGrid">Accept a start between grid points (walk-ins arrive when they arrive); the
    /// service, with its buffers, must still fit inside the hours and clear of busy time.</param>
    public static Assignment? Assign(SlotRequest request, Instant start, string? preferredStaff, IReadOnlyCollection<string>? preferredResources, bool offGrid = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new Calculation(request).Assign(start.ToUnixTimeTicks(), preferredStaff, preferredResources, offGrid);
    }

    /// <summary>
    /// Asks one service, many times, whether a start that is already fixed (a later part of a visit) can be served:
    /// off the grid, inside the hours, clear of busy time with its buffers. Queries in ascending order cost
    /// a forward walk of each unit's free list.
    /// </summary>
    public static SlotProbe Probe(SlotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new SlotProbe(new Calculation(request));
    }

    /// <summary>
    /// A mobile question (<see cref="SlotRequest.Trip"/>) prepared for many clients' addresses: everything that does not
    /// depend on the address (opening hours, free time, which stops are each start's neighbours, how much travel the busy
    /// time around each start leaves room for) is worked out once; <see cref="TripSlots.FindSlots"/> then only computes the
    /// legs for one address. Its answers are <see cref="FindSlots"/>'s for the request with that destination. The trip's own
    /// destination is not used. Thread-safe once made.
    /// </summary>
    /// <param name="request">The question, with a trip (any destination).</param>
    public static TripSlots ForTrips(SlotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Trip is null)
        {
            throw new ArgumentException("A trip is needed.", nameof(request));
        }
        return new TripSlots(request, new Calculation(request).PrepareTrips());
    }

    /// <summary>See <see cref="ForTrips"/>.</summary>
    public sealed class TripSlots
    {
        private readonly SlotRequest _request;
        private readonly Prepared? _prepared;

        internal TripSlots(SlotRequest request, object? prepared)
        {
            _request = request;
            _prepared = (Prepared?)prepared;
        }

        /// <summary>As <see cref="SlotEngine.FindSlots"/> for the request with <paramref name="destination"/> as the trip's.</summary>
        /// <param name="destination">The client's address.</param>
        public IReadOnlyList<Slot> FindSlots(GeoPoint destination) =>
            _prepared is { } p ? p.FindSlots(destination)
                : SlotEngine.FindSlots(_request with { Trip = _request.Trip! with { Destination = destination } });

        /// <summary>
        /// True when the question was prepared (<see cref="FindSlots{TSink}"/> answers it); false for a shape the preparation
        /// does not handle, which only <see cref="FindSlots(GeoPoint)"/> answers.
        /// </summary>
        public bool Indexed => _prepared is not null;

        /// <summary>How many starts the prepared question has (indexes of <see cref="StartAt"/>); 0 when not <see cref="Indexed"/>.</summary>
        public int StartCount => _prepared?.StartCount ?? 0;

        /// <summary>A start of the prepared question by its index; its slot ends the service's duration later.</summary>
        /// <param name="start">The start's index.</param>
        public Instant StartAt(int start) => Instant.FromUnixTimeTicks(Ready.Start(start));

        /// <summary>The end of the slot at <paramref name="start"/>.</summary>
        /// <param name="start">The start's index.</param>
        public Instant EndAt(int start) => Instant.FromUnixTimeTicks(Ready.Start(start) + Ready.Duration);

        /// <summary>How many units (staff members) the prepared question has.</summary>
        public int UnitCount => _prepared?.UnitCount ?? 0;

        /// <summary>A unit's key by its index, as a <see cref="Slot"/> lists it.</summary>
        /// <param name="unit">The unit's index.</param>
        public string UnitKey(int unit) => Ready.UnitKey(unit);

        /// <summary>The seats each slot has left (<see cref="Slot.Remaining"/>).</summary>
        public int Capacity => Ready.Capacity;

        /// <summary>
        /// <see cref="FindSlots(GeoPoint)"/>'s answer as indexes, without a <see cref="Slot"/> per start: each slot in start
        /// order, with its units in the order <see cref="Slot.Staff"/> lists them. Only when <see cref="Indexed"/>.
        /// </summary>
        /// <param name="destination">The client's address.</param>
        /// <param name="sink">Receives the slots.</param>
        public void FindSlots<TSink>(GeoPoint destination, ref TSink sink)
            where TSink : struct, ITripSlotSink => Ready.FindSlots(destination, ref sink);

        private Prepared Ready => _prepared ?? throw new InvalidOperationException("This question was not prepared: ask FindSlots(destination).");
    }

    /// <summary>Receives a prepared mobile answer's slots as indexes (<see cref="TripSlots.FindSlots{TSink}"/>).</summary>
    public interface ITripSlotSink
    {
        /// <summary>One slot: the start's index and the indexes of the units that can take it.</summary>
        /// <param name="start">Index for <see cref="TripSlots.StartAt"/>.</param>
        /// <param name="units">Indexes for <see cref="TripSlots.UnitKey"/>, in staff order.</param>
        void Slot(int start, ReadOnlySpan<int> units);
    }

    /// <summary>
    /// A staff member's starts that fit the free time, with what the travel check needs of each (the longest legs the busy
    /// time around it, and the rule's longest leg, allow), grouped in runs: consecutive starts with the same neighbouring
    /// stops in the same gap between busy spans. Along a run the room before never shrinks and the room after never grows,
    /// so for one address the starts of a run that fit are one stretch, found by two binary searches.
    /// </summary>
    private sealed class TripUnit(string key, IReadOnlyList<Stop> stops, GeoVector[] vectors, bool travels, long[] starts, int[] union,
        long[] roomBefore, long[] roomAfter, TripRun[] runs)
    {
        public string Key { get; } = key;

        public IReadOnlyList<Stop> Stops { get; } = stops;

        /// <summary>The stops' unit vectors, for <see cref="TravelRule.LegBounds(GeoVector, GeoVector)"/>.</summary>
        public GeoVector[] Vectors { get; } = vectors;

        /// <summary>False: this unit needs no travel check (no stops and no base), every start stands.</summary>
        public bool Travels { get; } = travels;

        public long[] Starts { get; } = starts;

        /// <summary>Each start's index in <see cref="Prepared"/>'s list of all starts.</summary>
        public int[] Union { get; } = union;

        /// <summary>Per start: the longest leg before it that fits, in ticks (ascending along a run).</summary>
        public long[] RoomBefore { get; } = roomBefore;

        /// <summary>Per start: the longest leg after it that fits, in ticks (descending along a run).</summary>
        public long[] RoomAfter { get; } = roomAfter;

        /// <summary>The runs of starts that can fit some address (starts no address fits are left out), in start order.</summary>
        public TripRun[] Runs { get; } = runs;
    }

    /// <summary>
    /// Starts [<paramref name="First"/>, <paramref name="End"/>) of a <see cref="TripUnit"/> that share their neighbouring
    /// stops (<see cref="TravelNeighbours"/>) and the busy spans around them.
    /// </summary>
    /// <param name="First">The run's first start (index into the unit's starts).</param>
    /// <param name="End">One past its last.</param>
    /// <param name="Before">The stop the leg before runs from; -1: none (from the base with <paramref name="FromBase"/>).</param>
    /// <param name="After">The stop the leg after runs to; -1: none.</param>
    /// <param name="FromBase">The leg before is the drive from the base.</param>
    /// <param name="ReachBefore">The squared chord between unit vectors beyond which the stop before is certainly too far for
    /// the run's largest room before (<see cref="Reach"/>); infinite: no such limit.</param>
    /// <param name="ReachAfter">The same for the stop after and the run's largest room after.</param>
    private readonly record struct TripRun(int First, int End, int Before, int After, bool FromBase, double ReachBefore, double ReachAfter)
    {
        /// <summary>
        /// How far (as the squared chord between unit vectors) an address may lie from a stop for a leg to fit
        /// <paramref name="room"/>: a leg is the margin and whole minutes, so it fits only when the distance is at most
        /// (⌊(room − margin) / minute⌋ + 10⁻⁹) minutes at the speed; the distance is at least the chord's length (asin x ≥ x),
        /// so a chord longer than that, with a millionth to spare for rounding, rules the address out without the leg.
        /// </summary>
        public static double Reach(long room, TravelRule rule)
        {
            if (room == long.MaxValue || !(rule.SpeedKmh > 0))
            {
                return double.PositiveInfinity;
            }
            var minutes = Math.Floor((double)(room - rule.Margin.BclCompatibleTicks) / TimeSpan.TicksPerMinute);
            var km = (minutes + 1e-9) * rule.SpeedKmh / 60;
            var chord = (km + 1e-9) / (GeoPoint.EarthRadiusKm * (1 - 1e-9));
            var reach = chord * chord * (1 + 1e-6);
            return double.IsFinite(reach) ? reach : double.PositiveInfinity;
        }
    }

    /// <summary>The address-independent part of a mobile slots question (staff service, no travelling vehicle, no classes).</summary>
    private sealed class Prepared(Trip trip, long duration, int capacity, TripUnit[] units, long[] all, bool[] resourcesFree)
    {
        // The most (start, unit) pairs an answer can have: every unit's every start (StartCount is the distinct starts).
        private readonly int _pairCount = units.Sum(u => u.Starts.Length);

        public int StartCount => all.Length;

        public int UnitCount => units.Length;

        public long Duration => duration;

        public int Capacity => capacity;

        public long Start(int start) => all[start];

        public string UnitKey(int unit) => units[unit].Key;

        public IReadOnlyList<Slot> FindSlots(GeoPoint destination)
        {
            var sink = new SlotList(this);
            FindSlots(destination, ref sink);
            return sink.Slots;
        }

        /// <summary>Builds the <see cref="Slot"/>s of an answer.</summary>
        private struct SlotList(Prepared prepared) : ITripSlotSink
        {
            public List<Slot> Slots { get; } = [];

            public readonly void Slot(int start, ReadOnlySpan<int> owners)
            {
                var keys = new string[owners.Length];
                for (var j = 0; j < owners.Length; j++)
                {
                    keys[j] = prepared.UnitKey(owners[j]);
                }
                var at = prepared.Start(start);
                Slots.Add(new Slot(Instant.FromUnixTimeTicks(at), Instant.FromUnixTimeTicks(at + prepared.Duration), keys, prepared.Capacity));
            }
        }

        public void FindSlots<TSink>(GeoPoint destination, ref TSink sink)
            where TSink : struct, ITripSlotSink
        {
            // Every (start, staff member) that fits, as the start's index in all and the unit's index, found unit by unit
            // (so each start's units come in staff order), then grouped by start with a counting sort: at most one per
            // start of every unit, in pooled arrays.
            var pool = System.Buffers.ArrayPool<int>.Shared;
            var starts = pool.Rent(Math.Max(1, _pairCount));
            var owners = pool.Rent(Math.Max(1, _pairCount));
            var ends = pool.Rent(all.Length + 1);
            var order = pool.Rent(Math.Max(1, _pairCount));
            try
            {
                var count = Collect(destination, starts, owners);
                Emit(starts, owners, count, ends, order, ref sink);
            }
            finally
            {
                pool.Return(starts);
                pool.Return(owners);
                pool.Return(ends);
                pool.Return(order);
            }
        }

        /// <summary>The (start, unit) pairs that fit <paramref name="destination"/>, unit by unit; returns how many.</summary>
        private int Collect(GeoPoint destination, int[] starts, int[] owners)
        {
            var rule = trip.Rule;
            var here = GeoVector.Of(destination);
            var home = trip.Base is { } b ? rule.Between(b, destination).BclCompatibleTicks : 0;
            var count = 0;
            for (var i = 0; i < units.Length; i++)
            {
                var unit = units[i];
                if (!unit.Travels)
                {
                    foreach (var u in unit.Union)
                    {
                        if (resourcesFree[u])
                        {
                            starts[count] = u;
                            owners[count++] = i;
                        }
                    }
                    continue;
                }
                // A stop is usually the one after a run and the one before the next: its chord, and the bounds of its leg,
                // are worked out once.
                var last = new StopLeg(-1, 0);
                foreach (var run in unit.Runs)
                {
                    // The squared chord to each neighbouring stop settles most runs (out of reach) with no leg at all,
                    // and gives the leg's bounds for the rest.
                    var before = run.Before < 0 ? default
                        : run.Before == last.Stop ? last : new StopLeg(run.Before, GeoVector.Chord2(unit.Vectors[run.Before], here));
                    if (run.Before >= 0 && before.Chord2 > run.ReachBefore)
                    {
                        continue;
                    }
                    var after = run.After >= 0 ? new StopLeg(run.After, GeoVector.Chord2(unit.Vectors[run.After], here)) : default;
                    if (run.After >= 0 && after.Chord2 > run.ReachAfter)
                    {
                        last = after;
                        continue;
                    }
                    var lo = run.Before >= 0 ? FirstRoomFor(unit, ref before, run.First, run.End, rule, destination)
                        : FirstAtLeast(unit.RoomBefore, run.First, run.End, run.FromBase ? home : 0);
                    var hi = run.End;
                    if (lo < hi && run.After >= 0)
                    {
                        hi = EndRoomFor(unit, ref after, lo, hi, rule, destination);
                    }
                    if (run.After >= 0)
                    {
                        // Kept with its leg's bounds, if they were asked, for the next run, whose stop before it is.
                        last = after;
                    }
                    for (var k = lo; k < hi; k++)
                    {
                        var u = unit.Union[k];
                        if (resourcesFree[u])
                        {
                            starts[count] = u;
                            owners[count++] = i;
                        }
                    }
                }
            }
            return count;
        }

        /// <summary>
        /// The pairs found, by start: a stable counting sort over the starts' indexes keeps each start's units in the order
        /// they were found (staff order). <paramref name="ends"/>: scratch, all.Length + 1 long; <paramref name="order"/>: scratch.
        /// </summary>
        private void Emit<TSink>(int[] starts, int[] owners, int count, int[] ends, int[] order, ref TSink sink)
            where TSink : struct, ITripSlotSink
        {
            var n = all.Length;
            Array.Clear(ends, 0, n + 1);
            for (var p = 0; p < count; p++)
            {
                ends[starts[p] + 1]++;
            }
            for (var u = 0; u < n; u++)
            {
                ends[u + 1] += ends[u];
            }
            // ends[u] is now where start u's units begin; placing them moves it to where they end.
            for (var p = 0; p < count; p++)
            {
                order[ends[starts[p]]++] = owners[p];
            }
            var from = 0;
            for (var u = 0; u < n && from < count; u++)
            {
                var to = ends[u];
                if (to == from)
                {
                    continue;
                }
                sink.Slot(u, order.AsSpan(from, to - from));
                from = to;
            }
        }

        /// <summary>
        /// A neighbouring stop as seen from the address: its squared chord, and the bounds of the leg
        /// (<see cref="TravelRule.LegBounds(double, out long, out long)"/>) once asked.
        /// </summary>
        private struct StopLeg(int stop, double chord2)
        {
            public readonly int Stop = stop;
            public readonly double Chord2 = chord2;
            private byte _bounds; // 0: not asked, 1: known, 2: none (only the leg itself answers)
            private long _low;
            private long _high;

            public bool Bounds(TravelRule rule, out long low, out long high)
            {
                if (_bounds == 0)
                {
                    _bounds = rule.LegBounds(Chord2, out _low, out _high) ? (byte)1 : (byte)2;
                }
                (low, high) = (_low, _high);
                return _bounds == 1;
            }
        }

        /// <summary>
        /// The first start in [lo, hi) whose room before holds the leg from <paramref name="leg"/>'s stop to the address.
        /// </summary>
        private static int FirstRoomFor(TripUnit unit, ref StopLeg leg, int lo, int hi, TravelRule rule, GeoPoint destination)
        {
            if (leg.Bounds(rule, out var low, out var high))
            {
                // The room that holds the longest possible leg, and the room too small for the shortest: settled when no
                // start lies between them.
                var sure = FirstAtLeast(unit.RoomBefore, lo, hi, high);
                lo = FirstAtLeast(unit.RoomBefore, lo, sure, low);
                if (lo == sure)
                {
                    return lo;
                }
                hi = sure;
            }
            return FirstAtLeast(unit.RoomBefore, lo, hi, rule.Between(unit.Stops[leg.Stop].Place, destination).BclCompatibleTicks);
        }

        /// <summary>The end of the starts from lo in [lo, hi) whose room after holds the leg from the address to <paramref name="leg"/>'s stop.</summary>
        private static int EndRoomFor(TripUnit unit, ref StopLeg leg, int lo, int hi, TravelRule rule, GeoPoint destination)
        {
            if (leg.Bounds(rule, out var low, out var high))
            {
                var sure = EndAtLeast(unit.RoomAfter, lo, hi, high);
                hi = EndAtLeast(unit.RoomAfter, sure, hi, low);
                if (hi == sure)
                {
                    return hi;
                }
                lo = sure;
            }
            return EndAtLeast(unit.RoomAfter, lo, hi, rule.Between(destination, unit.Stops[leg.Stop].Place).BclCompatibleTicks);
        }

        /// <summary>In an ascending stretch [lo, hi): the first index whose value is at least <paramref name="least"/> (hi: none).</summary>
        private static int FirstAtLeast(long[] values, int lo, int hi, long least)
        {
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (values[mid] < least)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            return lo;
        }

        /// <summary>In a descending stretch [lo, hi): the first index whose value is below <paramref name="least"/> (hi: none).</summary>
        private static int EndAtLeast(long[] values, int lo, int hi, long least)
        {
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (values[mid] >= least)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /// <summary>See <see cref="Probe"/>.</summary>
    public sealed class SlotProbe
    {
        private readonly Calculation _c;

        internal SlotProbe(object calculation) => _c = (Calculation)calculation;

        /// <summary>Staff able to serve a start (in the order given; empty for a service needing none), or null when nobody can.</summary>
        public IReadOnlyList<string>? Able(Instant start) => _c.AbleAt(start.ToUnixTimeTicks());

        /// <summary>The units for a start with <paramref name="staff"/> (null: the service needs none), or null when they cannot serve it.</summary>
        public Assignment? Assign(Instant start, string? staff, IReadOnlyCollection<string>? preferredResources = null) =>
            _c.AssignAt(start.ToUnixTimeTicks(), staff, preferredResources);
    }

    private sealed class Calculation
    {
        private readonly SlotRequest _r;
        private readonly long _duration;
        private readonly long _before;
        private readonly long _after;
        private readonly long _step;
        private readonly long _earliest;
        private readonly long _latestExclusive;
        private readonly List<LocalDate> _dates = [];
        private readonly List<IReadOnlyList<TimeRange>> _baseHours = [];
        private readonly UnitState[] _resources;
        private readonly UnitState? _calendar;

        public Calculation(SlotRequest r)
        {
            _r = r;
            var s = r.Service;
            _duration = s.Duration.BclCompatibleTicks;
            _before = s.BufferBefore.BclCompatibleTicks;
            _after = s.BufferAfter.BclCompatibleTicks;
            _step = s.SlotInterval.BclCompatibleTicks;
            if (_duration <= 0 || _step <= 0 || s.Capacity < 1)
            {
                throw new ArgumentException("Duration, slot interval and capacity must be positive.", nameof(r));
            }

            _earliest = r.Window.Start;
            _latestExclusive = r.Window.End;
            if (!r.IgnoreNoticeAndHorizon)
            {
                _earliest = Math.Max(_earliest, (r.Now + s.MinimumNotice).ToUnixTimeTicks());
                var today = r.Now.InZone(r.Zone).Date;
                var lastExclusive = r.Zone.AtStartOfDay(today.PlusDays(s.HorizonDays + 1)).ToInstant().ToUnixTimeTicks();
                _latestExclusive = Math.Min(_latestExclusive, lastExclusive);
            }

            if (_earliest < _latestExclusive)
            {
                // A day either side covers ranges whose local date differs from the window's in the page zone.
                var first = Instant.FromUnixTimeTicks(_earliest - _before).InZone(r.Zone).Date.PlusDays(-1);
                var last = Instant.FromUnixTimeTicks(_latestExclusive).InZone(r.Zone).Date;
                for (var d = first; d <= last; d = d.PlusDays(1))
                {
                    if (!r.AllowedDays.Contains(d.DayOfWeek))
                    {
                        continue;
                    }
                    IReadOnlyList<TimeRange> hours = r.Hours.Count == 0 ? Schedule.AlwaysOpen.HoursOn(d) : r.Hours[0].HoursOn(d);
                    for (var i = 1; i < r.Hours.Count && hours.Count > 0; i++)
                    {
                        hours = LocalRanges.Intersect(hours, r.Hours[i].HoursOn(d));
                    }
                    if (s.Hours is { } own && hours.Count > 0)
                    {
                        hours = LocalRanges.Intersect(hours, own.HoursOn(d));
                    }
                    if (hours.Count > 0)
                    {
                        _dates.Add(d);
                        _baseHours.Add(hours);
                    }
                }
            }

            _resources = new UnitState[r.Resources.Count];
            for (var i = 0; i < _resources.Length; i++)
            {
                _resources[i] = new UnitState(r.Resources[i], this);
            }
            _calendar = r.Calendar is null || r.Service.RequiresStaff ? null : new UnitState(r.Calendar, this);
        }

        private List<Span> OpenRanges(IReadOnlyList<Schedule> own)
        {
            var result = new List<Span>(_dates.Count * 2);
            for (var i = 0; i < _dates.Count; i++)
            {
                var hours = _baseHours[i];
                foreach (var schedule in own)
                {
                    hours = LocalRanges.Intersect(hours, schedule.HoursOn(_dates[i]));
                }
                foreach (var range in hours)
                {
                    var interval = ZoneMapping.ToInstants(_dates[i], range, _r.Zone);
                    if (!interval.IsEmpty)
                    {
                        result.Add(interval);
                    }
                }
            }
            return result;
        }

        /// <summary>Grid starts inside bounds for the given ranges that fit the unit's free time, ascending.</summary>
        private List<long> ValidStarts(List<Span> ranges, UnitState? unit, bool travel = true)
        {
            var bound = 0L;
            foreach (var range in ranges)
            {
                bound += ((range.End - range.Start) / _step) + 1;
            }
            var result = new List<long>((int)Math.Min(bound, 1 << 16));
            foreach (var range in ranges)
            {
                var s = range.Start;
                if (s < _earliest)
                {
                    // Jump straight to the first grid point at or after the earliest allowed start.
                    s += (_earliest - s + _step - 1) / _step * _step;
                }
                for (; s + _duration <= range.End && s < _latestExclusive; s += _step)
                {
                    if (unit is null ? range.Contains(new Span(s - _before, s + _duration + _after))
                        : travel ? unit.FitsAt(s) : unit.Fits(s - _before, s + _duration + _after))
                    {
                        result.Add(s);
                    }
                }
            }
            return result;
        }

        public IReadOnlyList<Slot> Slots()
        {
            var slots = new List<Slot>();
            if (_dates.Count == 0)
            {
                return slots;
            }

            var groups = GroupStartsInBounds();
            var g = 0;
            var capacity = _r.Service.Capacity;

            void EmitGroupsBefore(long limit, bool inclusive)
            {
                while (g < groups.Count && (groups[g].Key < limit || (inclusive && groups[g].Key == limit)))
                {
                    var (start, instance) = groups[g++];
                    if (instance.Booked < capacity && StaffAllowed(instance.Staff))
                    {
                        slots.Add(new Slot(Instant.FromUnixTimeTicks(start), Instant.FromUnixTimeTicks(start + _duration),
                            instance.Staff is null ? [] : [instance.Staff], capacity - instance.Booked));
                    }
                }
            }

            if (!_r.Service.RequiresStaff)
            {
                foreach (var s in ValidStarts(_calendar?.Ranges ?? OpenRanges([]), _calendar))
                {
                    EmitGroupsBefore(s, inclusive: false);
                    if (g < groups.Count && groups[g].Key == s)
                    {
                        EmitGroupsBefore(s, inclusive: true);
                        continue;
                    }
                    if (ResourcesFree(s, null) is not null)
                    {
                        slots.Add(new Slot(Instant.FromUnixTimeTicks(s), Instant.FromUnixTimeTicks(s + _duration), [], capacity));
                    }
                }
                EmitGroupsBefore(long.MaxValue, inclusive: true);
                return slots;
            }

            // One ascending list of starts per staff member, merged with a min-heap so equal starts meet.
            var perStaff = new List<long>[_r.Staff.Count];
            var cursor = new int[perStaff.Length];
            var heap = new PriorityQueue<int, (long Start, int Index)>(perStaff.Length);
            for (var i = 0; i < perStaff.Length; i++)
            {
                var unit = new UnitState(_r.Staff[i], this);
                perStaff[i] = ValidStarts(unit.Ranges, unit);
                if (perStaff[i].Count > 0)
                {
                    heap.Enqueue(i, (perStaff[i][0], i));
                }
            }

            var able = new List<string>(perStaff.Length);
            while (heap.TryPeek(out _, out var top))
            {
                var s = top.Start;
                able.Clear();
                // Ties break on staff index, so each slot lists staff in the order they were given.
                while (heap.TryPeek(out var i, out var next) && next.Start == s)
                {
                    heap.Dequeue();
                    able.Add(_r.Staff[i].Key);
                    if (++cursor[i] < perStaff[i].Count)
                    {
                        heap.Enqueue(i, (perStaff[i][cursor[i]], i));
                    }
                }
                EmitGroupsBefore(s, inclusive: false);
                if (g < groups.Count && groups[g].Key == s)
                {
                    EmitGroupsBefore(s, inclusive: true);
                    continue;
                }
                if (ResourcesFree(s, null) is not null)
                {
                    slots.Add(new Slot(Instant.FromUnixTimeTicks(s), Instant.FromUnixTimeTicks(s + _duration), able.ToArray(), capacity));
                }
            }
            EmitGroupsBefore(long.MaxValue, inclusive: true);
            return slots;
        }

        /// <summary>
        /// <see cref="ForTrips"/>'s preparation, or null where the question is not of the shape it handles (then every address
        /// is asked of <see cref="Slots"/>): a service with staff, no resource that travels, no class to join.
        /// </summary>
        public object? PrepareTrips()
        {
            var trip = _r.Trip!;
            if (!_r.Service.RequiresStaff || _r.Service.Capacity != 1 || _r.Resources.Any(u => u.Travels) || _r.Groups.Count > 0)
            {
                return null;
            }
            var perUnit = new List<(UnitState Unit, List<long> Starts)>(_r.Staff.Count);
            var distinct = new SortedSet<long>();
            foreach (var staff in _r.Staff)
            {
                var unit = new UnitState(staff, this);
                var starts = _dates.Count == 0 ? [] : ValidStarts(unit.Ranges, unit, travel: false);
                perUnit.Add((unit, starts));
                distinct.UnionWith(starts);
            }
            var all = distinct.ToArray();
            var resourcesFree = new bool[all.Length];
            for (var u = 0; u < all.Length; u++)
            {
                resourcesFree[u] = ResourcesFree(all[u], null) is not null;
            }
            var units = new TripUnit[perUnit.Count];
            for (var i = 0; i < units.Length; i++)
            {
                var (unit, starts) = perUnit[i];
                var n = starts.Count;
                var union = new int[n];
                for (var k = 0; k < n; k++)
                {
                    union[k] = Array.BinarySearch(all, starts[k]);
                }
                if (!unit.NeedsTravel)
                {
                    units[i] = new TripUnit(unit.Unit.Key, [], [], false, [.. starts], union, [], [], []);
                    continue;
                }
                var neighbours = new TravelNeighbours[n];
                var gaps = new int[n];
                var roomBefore = new long[n];
                var roomAfter = new long[n];
                for (var k = 0; k < n; k++)
                {
                    (neighbours[k], roomBefore[k], roomAfter[k], gaps[k]) = unit.TravelRoom(starts[k]);
                }
                var runs = new List<TripRun>();
                // No leg from a stop or the base is shorter than the margin (a leg of no distance): starts with less room
                // than that fit no address and are left out of their run.
                var margin = trip.Rule.Margin.BclCompatibleTicks;
                for (var first = 0; first < n;)
                {
                    var end = first + 1;
                    while (end < n && neighbours[end] == neighbours[first] && gaps[end] == gaps[first] && roomBefore[end] >= roomBefore[end - 1] &&
                           roomAfter[end] <= roomAfter[end - 1])
                    {
                        end++;
                    }
                    var (before, after, fromBase) = neighbours[first];
                    int lo = first, hi = end;
                    var leastBefore = before >= 0 || fromBase ? margin : 0;
                    while (lo < hi && roomBefore[lo] < leastBefore)
                    {
                        lo++;
                    }
                    while (after >= 0 && hi > lo && roomAfter[hi - 1] < margin)
                    {
                        hi--;
                    }
                    if (lo < hi)
                    {
                        runs.Add(new TripRun(lo, hi, before, after, fromBase, TripRun.Reach(roomBefore[hi - 1], trip.Rule),
                            TripRun.Reach(roomAfter[lo], trip.Rule)));
                    }
                    first = end;
                }
                var stops = unit.Unit.Stops ?? [];
                units[i] = new TripUnit(unit.Unit.Key, stops, [.. stops.Select(stop => GeoVector.Of(stop.Place))], true, [.. starts], union,
                    roomBefore, roomAfter, [.. runs]);
            }
            return new Prepared(trip, _duration, _r.Service.Capacity, units, all, resourcesFree);
        }

        private List<KeyValuePair<long, GroupInstance>> GroupStartsInBounds()
        {
            var list = new List<KeyValuePair<long, GroupInstance>>();
            foreach (var (start, instance) in _r.Groups)
            {
                var t = start.ToUnixTimeTicks();
                if (t >= _earliest && t < _latestExclusive)
                {
                    list.Add(new(t, instance));
                }
            }
            list.Sort(static (a, b) => a.Key.CompareTo(b.Key));
            return list;
        }

        private bool StaffAllowed(string? staff)
        {
            if (!_r.Service.RequiresStaff)
            {
                return true;
            }
            foreach (var unit in _r.Staff)
            {
                if (unit.Key == staff)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>One free seat per required type, preferring the given keys; null when any type has none.</summary>
        private List<ResourceSeat>? ResourcesFree(long start, IReadOnlyCollection<string>? preferred)
        {
            var chosen = new List<ResourceSeat>(_r.Service.ResourceTypes.Count);
            foreach (var type in _r.Service.ResourceTypes)
            {
                UnitState? pick = null;
                foreach (var unit in _resources)
                {
                    if (unit.Unit.Type != type)
                    {
                        continue;
                    }
                    // A vehicle on a mobile booking must also reach the client from its previous stop and its next stop.
                    var fits = unit.Unit.Travels && _r.Trip is not null ? unit.FitsAt(start) : unit.Fits(start - _before, start + _duration + _after);
                    if (!fits)
                    {
                        continue;
                    }
                    if (pick is null || (preferred is not null && preferred.Contains(unit.Unit.Key) && !preferred.Contains(pick.Unit.Key)))
                    {
                        pick = unit;
                    }
                    if (preferred is null)
                    {
                        break;
                    }
                }
                if (pick is null)
                {
                    return null;
                }
                chosen.Add(new ResourceSeat(pick.Unit.Key, pick.Unit.Seat));
            }
            return chosen;
        }

        /// <summary>The travel legs the chosen vehicle seats hold (the longest, should a service take more than one).</summary>
        private (Duration Before, Duration After) VehicleLegs(long start, List<ResourceSeat> seats)
        {
            if (_r.Trip is null)
            {
                return default;
            }
            Duration before = Duration.Zero, after = Duration.Zero;
            foreach (var unit in _resources)
            {
                if (unit.Unit.Travels && seats.Contains(new ResourceSeat(unit.Unit.Key, unit.Unit.Seat)))
                {
                    var (b, a) = unit.Legs(start);
                    before = Duration.Max(before, b);
                    after = Duration.Max(after, a);
                }
            }
            return (before, after);
        }

        public Assignment? Assign(long start, string? preferredStaff, IReadOnlyCollection<string>? preferredResources, bool offGrid)
        {
            if (_dates.Count == 0 || start < _earliest || start >= _latestExclusive)
            {
                return null;
            }
            var startInstant = Instant.FromUnixTimeTicks(start);
            if (_r.Groups.TryGetValue(startInstant, out var group))
            {
                if (group.Booked >= _r.Service.Capacity || !StaffAllowed(group.Staff) ||
                    (preferredStaff is not null && preferredStaff != group.Staff))
                {
                    return null;
                }
                return new Assignment(group.Staff, group.Resources, group);
            }

            var occupied = new Span(start - _before, start + _duration + _after);
            if (!_r.Service.RequiresStaff)
            {
                var onTime = offGrid
                    ? _calendar?.FitsAt(start) ?? OpenRanges([]).Exists(r => r.Contains(occupied))
                    : ValidStarts(_calendar?.Ranges ?? OpenRanges([]), _calendar).Contains(start);
                if (!onTime)
                {
                    return null;
                }
                var resources = ResourcesFree(start, preferredResources);
                var (calBefore, calAfter) = _calendar?.Legs(start) ?? default;
                if (resources is null)
                {
                    return null;
                }
                var (vb, va) = VehicleLegs(start, resources);
                return new Assignment(null, resources, null, calBefore, calAfter, vb, va);
            }

            var free = ResourcesFree(start, preferredResources);
            if (free is null)
            {
                return null;
            }
            // Anyone able: the client's preferred member, then the service's strategy (page order without one).
            var candidates = preferredStaff is not null ? _r.Staff.Where(u => u.Key == preferredStaff)
                : _r.Ranking is { } ranking ? ranking.Order(_r.Staff, _r.Zone, startInstant)
                : _r.Staff;
            foreach (var candidate in candidates)
            {
                var unit = new UnitState(candidate, this);
                if (offGrid ? unit.FitsAt(start) : ValidStarts(unit.Ranges, unit).BinarySearch(start) >= 0)
                {
                    var (before, after) = unit.Legs(start);
                    var (vb, va) = VehicleLegs(start, free);
                    return new Assignment(candidate.Key, free, null, before, after, vb, va);
                }
            }
            return null;
        }

        private UnitState[]? _staffStates;
        private List<Span>? _open;

        private bool Inside(long start) => _dates.Count > 0 && start >= _earliest && start < _latestExclusive;

        private bool CalendarFits(long from, long to) =>
            _calendar?.Fits(from, to) ?? (_open ??= OpenRanges([])).Exists(r => r.Contains(new Span(from, to)));

        public List<string>? AbleAt(long start)
        {
            if (!Inside(start) || ResourcesFree(start, null) is null)
            {
                return null;
            }
            var from = start - _before;
            var to = start + _duration + _after;
            if (!_r.Service.RequiresStaff)
            {
                return CalendarFits(from, to) ? [] : null;
            }
            _staffStates ??= [.. _r.Staff.Select(u => new UnitState(u, this))];
            var able = new List<string>(_staffStates.Length);
            foreach (var unit in _staffStates)
            {
                if (unit.Fits(from, to))
                {
                    able.Add(unit.Unit.Key);
                }
            }
            return able.Count > 0 ? able : null;
        }

        public Assignment? AssignAt(long start, string? staff, IReadOnlyCollection<string>? preferredResources)
        {
            if (!Inside(start))
            {
                return null;
            }
            var from = start - _before;
            var to = start + _duration + _after;
            if (!_r.Service.RequiresStaff)
            {
                if (staff is not null || !CalendarFits(from, to))
                {
                    return null;
                }
            }
            else
            {
                _staffStates ??= [.. _r.Staff.Select(u => new UnitState(u, this))];
                if (!Array.Exists(_staffStates, u => u.Unit.Key == staff && u.Fits(from, to)))
                {
                    return null;
                }
            }
            return ResourcesFree(start, preferredResources) is { } resources ? new Assignment(staff, resources, null) : null;
        }

        /// <summary>A unit's opening ranges and free list, with a forward-only pointer for ascending queries.</summary>
        private sealed class UnitState
        {
            private readonly List<Span> _free;
            private int _p;

            private readonly Calculation _calc;
            private readonly List<Span>? _busy;

            public UnitState(BookableUnit unit, Calculation calc)
            {
                Unit = unit;
                _calc = calc;
                Ranges = calc.OpenRanges(unit.Schedules);
                _free = SpanSet.Subtract(Ranges, unit.Busy);
                if (calc._r.Trip is { } trip && (unit.Type is null || unit.Travels) && (unit.Stops is { Count: > 0 } || trip.Base is not null))
                {
                    // Travel may fall outside opening hours (the drive from the base to the first client of the day),
                    // but never into busy time: kept as one merged list to test the legs against.
                    _busy = SpanSet.Normalize(unit.Busy);
                }
            }

            /// <summary>The travel legs a booking starting at <paramref name="start"/> needs on this unit (zero without a trip).</summary>
            public (Duration Before, Duration After) Legs(long start)
            {
                var plan = Plan(start);
                return (plan.Before, plan.After);
            }

            // Made on first use; a calculation asks it for every candidate start of this unit, in ascending order mostly.
            private TravelPlanner? _planner;

            private TravelPlan Plan(long start) =>
                _busy is null ? default : (_planner ??= new TravelPlanner(Unit.Stops ?? [], _calc._r.Trip!)).Plan(start, start + _calc._duration);

            /// <summary>The service with its buffers fits the free time, and its travel legs lie clear of busy time.</summary>
            public bool FitsAt(long start)
            {
                var from = start - _calc._before;
                var to = start + _calc._duration + _calc._after;
                if (!Fits(from, to))
                {
                    return false;
                }
                if (_busy is null)
                {
                    return true;
                }
                var (before, after) = Legs(start);
                if (_calc._r.Trip!.Rule.MaxLeg is { } max && (before > max || after > max))
                {
                    return false;
                }
                return Clear(from - before.BclCompatibleTicks, from) && Clear(to, to + after.BclCompatibleTicks);
            }

            /// <summary>Whether <see cref="FitsAt"/> checks travel on this unit (it has stops, or the trip a base).</summary>
            public bool NeedsTravel => _busy is not null;

            /// <summary>
            /// For a start that <see cref="Fits"/> with its buffers (so no busy time lies inside them): the stops its legs
            /// would run from and to, and the longest leg before and after that <see cref="FitsAt"/> would accept (clear of
            /// busy time, and no longer than the rule's longest leg), in ticks, and which gap between merged busy spans it lies in.
            /// </summary>
            public (TravelNeighbours Neighbours, long RoomBefore, long RoomAfter, int Gap) TravelRoom(long start)
            {
                var from = start - _calc._before;
                var to = start + _calc._duration + _calc._after;
                var neighbours = (_planner ??= new TravelPlanner(Unit.Stops ?? [], _calc._r.Trip!)).Neighbours(start, start + _calc._duration);
                // The merged busy spans are disjoint and none overlaps [from, to): the last one starting before from ends at
                // or before it, and the leg before is clear exactly when it fits between that end and from; likewise after.
                int lo = 0, hi = _busy!.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (_busy[mid].Start < from)
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid;
                    }
                }
                var roomBefore = lo == 0 ? long.MaxValue : from - _busy[lo - 1].End;
                var roomAfter = lo == _busy.Count ? long.MaxValue : _busy[lo].Start - to;
                if (_calc._r.Trip!.Rule.MaxLeg is { } max)
                {
                    roomBefore = Math.Min(roomBefore, max.BclCompatibleTicks);
                    roomAfter = Math.Min(roomAfter, max.BclCompatibleTicks);
                }
                return (neighbours, roomBefore, roomAfter, lo);
            }

            /// <summary>No busy time in [from, to).</summary>
            private bool Clear(long from, long to)
            {
                if (from >= to)
                {
                    return true;
                }
                // First merged busy span ending after from; it must start at or after to.
                int lo = 0, hi = _busy!.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (_busy[mid].End <= from)
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid;
                    }
                }
                return lo == _busy.Count || _busy[lo].Start >= to;
            }

            public BookableUnit Unit { get; }

            public List<Span> Ranges { get; }

            public bool Fits(long start, long end)
            {
                // Queries are ascending within one pass; a new pass may start earlier, so rewind when needed.
                while (_p > 0 && _free[_p - 1].End > start)
                {
                    _p--;
                }
                while (_p < _free.Count && _free[_p].End <= start)
                {
                    _p++;
                }
                return _p < _free.Count && _free[_p].Start <= start && end <= _free[_p].End;
            }
        }
    }
}
