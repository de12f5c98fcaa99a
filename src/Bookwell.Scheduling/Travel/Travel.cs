using Bookwell.Scheduling.Intervals;
using NodaTime;

namespace Bookwell.Scheduling.Travel;

/// <summary>A point on the earth in degrees (WGS 84).</summary>
/// <param name="Latitude">Degrees north (negative south), -90 to 90.</param>
/// <param name="Longitude">Degrees east (negative west), -180 to 180.</param>
public readonly record struct GeoPoint(double Latitude, double Longitude)
{
    internal const double EarthRadiusKm = 6371.0088;

    /// <summary>Great-circle (straight-line) distance in kilometres, by the haversine formula.</summary>
    /// <param name="other">The other point.</param>
    public double KilometresTo(GeoPoint other)
    {
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var dLat = Rad(other.Latitude - Latitude);
        var dLon = Rad(other.Longitude - Longitude);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) +
                (Math.Cos(Rad(Latitude)) * Math.Cos(Rad(other.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}

/// <summary>A point as a unit vector from the earth's centre (<see cref="TravelRule.LegBounds(GeoVector, GeoVector)"/>).</summary>
public readonly record struct GeoVector(double X, double Y, double Z)
{
    /// <summary>The unit vector of <paramref name="point"/>.</summary>
    /// <param name="point">The point.</param>
    public static GeoVector Of(GeoPoint point)
    {
        var lat = point.Latitude * Math.PI / 180;
        var lon = point.Longitude * Math.PI / 180;
        var c = Math.Cos(lat);
        return new GeoVector(c * Math.Cos(lon), c * Math.Sin(lon), Math.Sin(lat));
    }

    /// <summary>The squared length of the chord between two unit vectors: grows with the distance between their points.</summary>
    /// <param name="a">One point's unit vector.</param>
    /// <param name="b">The other's.</param>
    public static double Chord2(GeoVector a, GeoVector b)
    {
        var dx = a.X - b.X;
        var dy = a.Y - b.Y;
        var dz = a.Z - b.Z;
        return (dx * dx) + (dy * dy) + (dz * dz);
    }
}

/// <summary>
/// How long it takes to get from one address to another: the straight-line distance at <paramref name="SpeedKmh"/>,
/// rounded up to a whole minute, plus a fixed <paramref name="Margin"/> (parking, walking to the door). Symmetric, and
/// it obeys the triangle inequality, so checking only consecutive stops is enough.
/// </summary>
/// <param name="SpeedKmh">Average straight-line speed in km/h; positive.</param>
/// <param name="Margin">Added to every trip, even to the same address.</param>
/// <param name="MaxLeg">The longest leg a booking may hold; a start that needs a longer one is not offered. Null: no limit.
/// The caller's reads of busy time reach back only as far as the longest allocation can be, and a leg is part of the
/// allocation: this is what keeps allocations within that reach.</param>
public sealed record TravelRule(double SpeedKmh, Duration Margin, Duration? MaxLeg = null)
{
    /// <summary>Travel time from one point to another.</summary>
    /// <param name="from">Where the trip starts.</param>
    /// <param name="to">Where it ends.</param>
    public Duration Between(GeoPoint from, GeoPoint to)
    {
        if (SpeedKmh <= 0)
        {
            throw new InvalidOperationException("Travel speed must be positive.");
        }
        var minutes = from.KilometresTo(to) / SpeedKmh * 60;
        return Duration.FromMinutes(Math.Ceiling(minutes - 1e-9)) + Margin;
    }

    /// <summary>
    /// Bounds, in ticks, of <see cref="Between"/> the two points (either way) without trigonometry: the haversine distance is
    /// 2R·asin(x) with x half the chord between the unit vectors, and x + x³/6 ≤ asin(x) ≤ x + x³/6 + 3x⁵/(40(1−x²)); the
    /// bounds are widened by a billionth and a micrometre for rounding, and the leg grows with the distance. Null when they would not be close
    /// (points more than about a sixth of the earth apart, a speed that is not positive, numbers that are not numbers):
    /// then only <see cref="Between"/> answers.
    /// </summary>
    /// <param name="a">One point's unit vector.</param>
    /// <param name="b">The other's.</param>
    public (long Low, long High)? LegBounds(GeoVector a, GeoVector b) =>
        LegBounds(GeoVector.Chord2(a, b), out var low, out var high) ? (low, high) : null;

    /// <summary>
    /// <see cref="LegBounds(GeoVector, GeoVector)"/> from the squared chord between the unit vectors, for a caller that has it
    /// already (the slots of a mobile question compare it with each run's reach first); false where that answers null.
    /// </summary>
    /// <param name="chord2">The squared chord (<see cref="GeoVector.Chord2"/>).</param>
    /// <param name="low">The lower bound in ticks.</param>
    /// <param name="high">The upper bound in ticks.</param>
    public bool LegBounds(double chord2, out long low, out long high)
    {
        low = high = 0;
        if (!(SpeedKmh > 0))
        {
            return false;
        }
        var x = Math.Sqrt(chord2) / 2;
        if (!(x < 0.5))
        {
            return false;
        }
        // asin(x) = x + x³/6 + 3x⁵/40 + ..., every term positive and each coefficient after the third at most 3/40.
        var x3 = x * x * x;
        var lowKm = Math.Max(0, (2 * GeoPoint.EarthRadiusKm * (x + (x3 / 6)) * (1 - 1e-9)) - 1e-9);
        var highKm = (2 * GeoPoint.EarthRadiusKm * (x + (x3 / 6) + (0.075 * x3 * x * x / (1 - (x * x)))) * (1 + 1e-9)) + 1e-9;
        var lowMinutes = Math.Ceiling((lowKm / SpeedKmh * 60) - 1e-9);
        var highMinutes = Math.Ceiling((highKm / SpeedKmh * 60) - 1e-9);
        if (!(highMinutes < 1e9))
        {
            return false;
        }
        var margin = Margin.BclCompatibleTicks;
        low = MinuteTicks(lowMinutes) + margin;
        high = MinuteTicks(highMinutes) + margin;
        return true;
    }

    /// <summary>
    /// Duration.FromMinutes(m).BclCompatibleTicks of a whole number of minutes, as <see cref="Between"/> counts them: in
    /// integers below 100,000 minutes, where that is exactly what the double arithmetic gives (a leg is priced per answer
    /// for every run, and the Duration round trip was most of its cost).
    /// </summary>
    private static long MinuteTicks(double minutes) =>
        minutes < 100_000 ? (long)minutes * TimeSpan.TicksPerMinute : Duration.FromMinutes(minutes).BclCompatibleTicks;
}

/// <summary>Where a unit already has to be: a booking's service time (without buffers) and its address.</summary>
/// <param name="Service">The booking's service time.</param>
/// <param name="Place">Its address.</param>
public readonly record struct Stop(Span Service, GeoPoint Place);

/// <summary>A question about a mobile booking: where it would be, and how travel is counted.</summary>
/// <param name="Destination">The client's address.</param>
/// <param name="Rule">How travel time is counted.</param>
/// <param name="Base">Where the unit starts its working day (the business's base); null: no base, the first visit of a
/// day needs no travel before it. With a base, stops count as neighbours only on the same local day (in
/// <paramref name="Zone"/>): the first visit of a day is reached from the base.</param>
/// <param name="Zone">The zone whose local dates separate one working day from the next; used with a base (UTC when null).</param>
public sealed record Trip(GeoPoint Destination, TravelRule Rule, GeoPoint? Base = null, DateTimeZone? Zone = null);

/// <summary>The legs around a mobile booking.</summary>
/// <param name="Before">Travel held before the service (and its buffer).</param>
/// <param name="After">Travel held after it.</param>
/// <param name="FromBase">The leg before is the drive from the base (the first visit of the day). Like every leg it is
/// held and must stay clear of busy time; like the first drive of the day it may start before opening hours.</param>
public readonly record struct TravelPlan(Duration Before, Duration After, bool FromBase);

/// <summary>Where a booking's legs (<see cref="TravelPlan"/>) run from and to, whatever the client's address.</summary>
/// <param name="Before">Index of the stop the leg before starts from; -1: none that day (from the base when
/// <paramref name="FromBase"/>, else no leg).</param>
/// <param name="After">Index of the stop the leg after goes to; -1: none (no leg).</param>
/// <param name="FromBase">The leg before is the drive from the base.</param>
public readonly record struct TravelNeighbours(int Before, int After, bool FromBase);

/// <summary>
/// The travel legs a mobile booking at <see cref="Trip.Destination"/> needs around a start: from the stop before it
/// and to the stop after it. The booking holds both legs as part of its allocation, so the database refuses anything
/// that would cut into them.
/// </summary>
public static class TravelLegs
{
    /// <summary>
    /// The legs for a service occupying [<paramref name="start"/>, <paramref name="end"/>) given the unit's stops
    /// (sorted by start). The previous stop is the last that ends at or before the start; the next the first that
    /// starts at or after the end. Stops overlapping the service are ignored here: their busy time refuses it anyway.
    /// </summary>
    /// <param name="stops">The unit's stops, sorted by start, not overlapping one another.</param>
    /// <param name="trip">The new booking's address and the travel rule.</param>
    /// <param name="start">Start of the service, in ticks.</param>
    /// <param name="end">End of the service, in ticks.</param>
    public static (Duration Before, Duration After) For(IReadOnlyList<Stop> stops, Trip trip, long start, long end)
    {
        var plan = Plan(stops, trip, start, end);
        return (plan.Before, plan.After);
    }

    /// <summary>
    /// As <see cref="For"/>, and with a base on the trip: neighbours only on the start's local day, and with no stop before
    /// it that day, the leg before is the drive from the base (<see cref="TravelPlan.FromBase"/>). No leg back to the base
    /// is held after the last visit.
    /// </summary>
    /// <param name="stops">The unit's stops, sorted by start, not overlapping one another.</param>
    /// <param name="trip">The new booking's address, the travel rule and the base, if any.</param>
    /// <param name="start">Start of the service, in ticks.</param>
    /// <param name="end">End of the service, in ticks.</param>
    public static TravelPlan Plan(IReadOnlyList<Stop> stops, Trip trip, long start, long end)
    {
        ArgumentNullException.ThrowIfNull(stops);
        ArgumentNullException.ThrowIfNull(trip);
        if (trip.Base is { } home)
        {
            var zone = trip.Zone ?? DateTimeZone.Utc;
            var day = Instant.FromUnixTimeTicks(start).InZone(zone).Date;
            var dayStart = zone.AtStartOfDay(day).ToInstant().ToUnixTimeTicks();
            var dayEnd = zone.AtStartOfDay(day.PlusDays(1)).ToInstant().ToUnixTimeTicks();
            var (b, a) = Legs(stops, trip, start, end, dayStart, dayEnd);
            return b is { } before ? new TravelPlan(before, a ?? Duration.Zero, false)
                : new TravelPlan(trip.Rule.Between(home, trip.Destination), a ?? Duration.Zero, true);
        }
        var (pb, pa) = Legs(stops, trip, start, end, long.MinValue, long.MaxValue);
        return new TravelPlan(pb ?? Duration.Zero, pa ?? Duration.Zero, false);
    }

    /// <summary>The legs to the neighbours whose service starts inside [dayStart, dayEnd); null where there is none.</summary>
    private static (Duration? Before, Duration? After) Legs(IReadOnlyList<Stop> stops, Trip trip, long start, long end, long dayStart, long dayEnd)
    {
        // First stop that starts at or after the end.
        int lo = 0, hi = stops.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (stops[mid].Service.Start < end)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        Duration? after = lo < stops.Count && stops[lo].Service.Start < dayEnd ? trip.Rule.Between(trip.Destination, stops[lo].Place) : null;
        Duration? before = null;
        // The latest-ending stop before the start among those starting before the end.
        var bestEnd = long.MinValue;
        for (var i = lo - 1; i >= 0; i--)
        {
            var s = stops[i].Service;
            if (s.End <= start && s.End > bestEnd && s.Start >= dayStart)
            {
                bestEnd = s.End;
                before = trip.Rule.Between(stops[i].Place, trip.Destination);
                // Stops are sorted by start and do not overlap one another for one unit: the first found is the latest.
                break;
            }
        }
        return (before, after);
    }
}

/// <summary>
/// <see cref="TravelLegs.Plan"/> asked many times for one unit and one trip (every candidate start of a slots question):
/// the same answers, with the work that does not depend on the start done once. Each stop's leg to and from the
/// destination is worked out the first time it is needed and kept; so is the drive from the base; the local day's bounds
/// are kept while starts stay inside a day with one UTC offset throughout; and the search for the previous stop ends at
/// the first stop that began before the day (the stops are sorted by start, so none before it can count). Not thread-safe:
/// one per unit and calculation.
/// </summary>
public sealed class TravelPlanner
{
    private readonly IReadOnlyList<Stop> _stops;
    private readonly Trip _trip;
    private readonly DateTimeZone? _zone;
    private readonly Duration[] _to;
    private readonly Duration[] _from;
    private readonly bool[] _toKnown;
    private readonly bool[] _fromKnown;
    private Duration? _home;
    private long _dayStart;
    private long _dayEnd;

    /// <param name="stops">The unit's stops, sorted by start, not overlapping one another (as for <see cref="TravelLegs.Plan"/>).</param>
    /// <param name="trip">The new booking's address, the travel rule and the base, if any.</param>
    public TravelPlanner(IReadOnlyList<Stop> stops, Trip trip)
    {
        ArgumentNullException.ThrowIfNull(stops);
        ArgumentNullException.ThrowIfNull(trip);
        _stops = stops;
        _trip = trip;
        _zone = trip.Base is null ? null : trip.Zone ?? DateTimeZone.Utc;
        _to = new Duration[stops.Count];
        _from = new Duration[stops.Count];
        _toKnown = new bool[stops.Count];
        _fromKnown = new bool[stops.Count];
    }

    /// <summary>As <see cref="TravelLegs.Plan"/> with this planner's stops and trip.</summary>
    /// <param name="start">Start of the service, in ticks.</param>
    /// <param name="end">End of the service, in ticks.</param>
    public TravelPlan Plan(long start, long end)
    {
        var n = Neighbours(start, end);
        Duration before;
        if (n.Before >= 0)
        {
            if (!_fromKnown[n.Before])
            {
                _from[n.Before] = _trip.Rule.Between(_stops[n.Before].Place, _trip.Destination);
                _fromKnown[n.Before] = true;
            }
            before = _from[n.Before];
        }
        else if (n.FromBase)
        {
            _home ??= _trip.Rule.Between(_trip.Base!.Value, _trip.Destination);
            before = _home.Value;
        }
        else
        {
            before = Duration.Zero;
        }
        var after = Duration.Zero;
        if (n.After >= 0)
        {
            if (!_toKnown[n.After])
            {
                _to[n.After] = _trip.Rule.Between(_trip.Destination, _stops[n.After].Place);
                _toKnown[n.After] = true;
            }
            after = _to[n.After];
        }
        return new TravelPlan(before, after, n.FromBase);
    }

    /// <summary>
    /// Which stops <see cref="Plan"/> takes the legs from, without the legs: this does not depend on the trip's destination
    /// (<see cref="Slots.SlotEngine.ForTrips"/> works it out once for every client's address).
    /// </summary>
    /// <param name="start">Start of the service, in ticks.</param>
    /// <param name="end">End of the service, in ticks.</param>
    public TravelNeighbours Neighbours(long start, long end)
    {
        if (_zone is null)
        {
            var (pb, pa) = Legs(start, end, long.MinValue, long.MaxValue);
            return new TravelNeighbours(pb, pa, false);
        }
        long dayStart, dayEnd;
        if (start >= _dayStart && start < _dayEnd)
        {
            (dayStart, dayEnd) = (_dayStart, _dayEnd);
        }
        else
        {
            (dayStart, dayEnd) = Day(start);
        }
        var (b, a) = Legs(start, end, dayStart, dayEnd);
        return new TravelNeighbours(b, a, b < 0);
    }

    /// <summary>The bounds of the local day of <paramref name="start"/> (as <see cref="TravelLegs.Plan"/> finds them), kept for the next starts when they can be.</summary>
    private (long Start, long End) Day(long start)
    {
        var zone = _zone!;
        var day = Instant.FromUnixTimeTicks(start).InZone(zone).Date;
        var dayStart = zone.AtStartOfDay(day).ToInstant();
        var dayEnd = zone.AtStartOfDay(day.PlusDays(1)).ToInstant();
        var interval = zone.GetZoneInterval(dayStart);
        if (!interval.HasEnd || interval.End >= dayEnd)
        {
            // One offset from this day's start to the next one's: local time runs evenly between them, so every instant in
            // [dayStart, dayEnd) has this local date and gets these bounds. With a transition inside (clocks going back across
            // midnight can give instants in it another date) the bounds serve this start only.
            _dayStart = dayStart.ToUnixTimeTicks();
            _dayEnd = dayEnd.ToUnixTimeTicks();
        }
        else
        {
            _dayStart = _dayEnd = 0;
        }
        return (dayStart.ToUnixTimeTicks(), dayEnd.ToUnixTimeTicks());
    }

    /// <summary>The indices of the stops before and after (-1: none) whose service starts inside [dayStart, dayEnd).</summary>
    private (int Before, int After) Legs(long start, long end, long dayStart, long dayEnd)
    {
        var stops = _stops;
        // First stop that starts at or after the end.
        int lo = 0, hi = stops.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (stops[mid].Service.Start < end)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var after = lo < stops.Count && stops[lo].Service.Start < dayEnd ? lo : -1;
        // The latest-ending stop before the start among those starting before the end and inside the day.
        for (var i = lo - 1; i >= 0; i--)
        {
            var s = stops[i].Service;
            if (s.Start < dayStart)
            {
                // Sorted by start: every earlier stop began before the day too.
                break;
            }
            if (s.End <= start)
            {
                return (i, after);
            }
        }
        return (-1, after);
    }
}
