using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Travel;
using FsCheck.Xunit;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Travel;

/// <summary>
/// The engine plans travel with <see cref="TravelPlanner"/> (legs and day bounds kept across starts); its answers must be
/// <see cref="TravelLegs.Plan"/>'s, which stays as the oracle. Random stops around a random UTC-offset transition of zones
/// whose clocks change at or across midnight, starts asked in ascending order (as the engine does) and then at random.
/// FsCheck supplies the seed; a failure reproduces from the seed it prints.
/// </summary>
public class TravelPlannerProperties
{
    // Santiago and Asuncion change at midnight (back from 24:00 to 23:00: instants after a day's start with the day before's
    // date); Havana at 00:00/01:00; Lord Howe by half an hour; Kathmandu has no transitions since 1986.
    private static readonly string[] Zones =
        ["Europe/Amsterdam", "America/Santiago", "America/Asuncion", "America/Havana", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"];

    private static readonly GeoPoint Centre = new(52.09, 5.12);

    private static GeoPoint Near(Random rng) => new(Centre.Latitude + ((rng.NextDouble() - 0.5) * 0.3), Centre.Longitude + ((rng.NextDouble() - 0.5) * 0.5));

    [Property(MaxTest = 300)]
    public bool The_planner_answers_as_TravelLegs_Plan(int seed)
    {
        var rng = new Random(seed);
        var zone = Zone(Zones[rng.Next(Zones.Length)]);
        // Around a transition of the zone (any in 2015-2030), or a plain date when it has none.
        var year = 2015 + rng.Next(16);
        var transitions = zone.GetZoneIntervals(Instant.FromUtc(year, 1, 1, 0, 0), Instant.FromUtc(year + 1, 1, 1, 0, 0))
            .Where(i => i.HasStart && i.Start > Instant.FromUtc(year, 1, 1, 0, 0)).Select(i => i.Start).ToList();
        var centre = transitions.Count > 0 ? transitions[rng.Next(transitions.Count)] : Instant.FromUtc(year, 6, 1, 12, 0);
        var from = centre - Duration.FromDays(3);
        var to = centre + Duration.FromDays(3);

        // Sorted, not overlapping: a unit's visits, 15 minutes to 3 hours long, with gaps of 0 to 10 hours.
        var stops = new List<Stop>();
        var t = from + Duration.FromMinutes(rng.Next(600));
        while (t < to)
        {
            var end = t + Duration.FromMinutes(15 * (1 + rng.Next(12)));
            stops.Add(new Stop(Span.Of(t, end), Near(rng)));
            t = end + Duration.FromMinutes(rng.Next(4) == 0 ? 0 : 15 * rng.Next(40));
        }
        var rule = new TravelRule(20 + rng.Next(60), Duration.FromMinutes(rng.Next(20)));
        var trip = new Trip(Near(rng), rule, rng.Next(4) == 0 ? null : Near(rng), rng.Next(6) == 0 ? null : zone);
        var duration = Duration.FromMinutes(15 * (1 + rng.Next(8))).BclCompatibleTicks;
        var step = Duration.FromMinutes(5 * (1 + rng.Next(12))).BclCompatibleTicks;

        var planner = new TravelPlanner(stops, trip);
        var starts = new List<long>();
        for (var s = from.ToUnixTimeTicks(); s < to.ToUnixTimeTicks(); s += step)
        {
            starts.Add(s);
        }
        // Then out of order, as Assign and the vehicle checks may ask, on the same planner.
        starts.AddRange(Enumerable.Range(0, 200).Select(_ => from.ToUnixTimeTicks() + (long)(rng.NextDouble() * (to - from).BclCompatibleTicks)));
        foreach (var start in starts)
        {
            var expected = TravelLegs.Plan(stops, trip, start, start + duration);
            var actual = planner.Plan(start, start + duration);
            if (expected != actual)
            {
                Assert.Fail($"{zone.Id} start {Instant.FromUnixTimeTicks(start)}: expected {expected}, got {actual}");
            }
        }
        return true;
    }
}
