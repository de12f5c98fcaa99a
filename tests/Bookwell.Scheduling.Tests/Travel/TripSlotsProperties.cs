using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using FsCheck.Xunit;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Travel;

/// <summary>
/// <see cref="SlotEngine.ForTrips"/> prepares a mobile question once for many addresses; for every address its answer must be
/// <see cref="SlotEngine.FindSlots"/>'s for the request with that destination (the oracle). Random staff with mobile visits
/// (their busy time holding random legs around them), other busy time, a base or none, a longest leg or none, buffers,
/// sometimes a resource that does not travel, sometimes a vehicle that does or a service without staff (not prepared: the
/// oracle itself answers), around random offset transitions of zones that change at or across midnight; several addresses
/// asked of one preparation, some near the stops, some far and one at a stop's own address. FsCheck supplies the seed.
/// </summary>
public class TripSlotsProperties
{
    private static readonly string[] Zones =
        ["Europe/Amsterdam", "America/Santiago", "America/Asuncion", "America/Havana", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"];

    private static readonly GeoPoint Centre = new(52.09, 5.12);

    private static GeoPoint Near(Random rng, double spread = 0.3) =>
        new(Centre.Latitude + ((rng.NextDouble() - 0.5) * spread), Centre.Longitude + ((rng.NextDouble() - 0.5) * spread * 1.6));

    private static BookableUnit Unit(Random rng, string key, Span window, string? type)
    {
        // A unit's mobile visits (sorted, not overlapping), each holding up to 40 minutes of travel either side in its busy
        // time, and a few other busy spans (onsite bookings, external calendars).
        var stops = new List<Stop>();
        var busy = new List<Span>();
        var minute = Duration.FromMinutes(1).BclCompatibleTicks;
        var t = window.Start - (rng.Next(300) * minute);
        while (t < window.End + (300 * minute))
        {
            t += (rng.Next(4) == 0 ? 0 : 15 * rng.Next(30)) * minute;
            var end = t + (15 * (1 + rng.Next(8)) * minute);
            if (rng.Next(5) > 0)
            {
                stops.Add(new Stop(new Span(t, end), Near(rng)));
                busy.Add(new Span(t - (rng.Next(41) * minute), end + (rng.Next(41) * minute)));
            }
            t = end + (rng.Next(41) * minute);
        }
        for (var i = rng.Next(6); i > 0; i--)
        {
            var s = window.Start + (long)(rng.NextDouble() * (window.End - window.Start));
            busy.Add(new Span(s, s + ((15 + rng.Next(120)) * minute)));
        }
        return new BookableUnit(key, 0, type, [], SpanSet.Normalize(busy), rng.Next(8) == 0 ? null : stops);
    }

    [Property(MaxTest = 200)]
    public bool Prepared_answers_are_the_engines_for_every_address(int seed)
    {
        var rng = new Random(seed);
        var zoneId = Zones[rng.Next(Zones.Length)];
        var zone = Zone(zoneId);
        var year = 2027 + rng.Next(4);
        var transitions = zone.GetZoneIntervals(Instant.FromUtc(year, 1, 1, 0, 0), Instant.FromUtc(year + 1, 1, 1, 0, 0))
            .Where(i => i.HasStart && i.Start > Instant.FromUtc(year, 1, 1, 0, 0)).Select(i => i.Start).ToList();
        var centre = transitions.Count > 0 ? transitions[rng.Next(transitions.Count)] : Instant.FromUtc(year, 6, 1, 12, 0);
        var firstDay = centre.InZone(zone).Date.PlusDays(-1 - rng.Next(2));
        var window = LocalDays(zone, firstDay.ToString("yyyy-MM-dd", null), firstDay.PlusDays(rng.Next(4)).ToString("yyyy-MM-dd", null));
        var open = rng.Next(4) == 0 ? 0 : 6 * 60 + (rng.Next(12) * 15);
        var close = rng.Next(4) == 0 ? 24 * 60 : Math.Min(23 * 60 + 45, open + 120 + (rng.Next(50) * 15));
        var hours = rng.Next(6) == 0 ? Schedule.AlwaysOpen : Daily($"{open / 60:00}:{open % 60:00}-{(close == 24 * 60 ? "24:00" : $"{close / 60:00}:{close % 60:00}")}");

        var kind = rng.Next(10);
        // 0: a vehicle that travels; 1: a service without staff (the page calendar); 2-3: equipment that does not travel.
        var resources = kind switch
        {
            0 => new List<BookableUnit> { Unit(rng, "van", window, "van") with { Travels = true } },
            2 or 3 => [Unit(rng, "drill-1", window, "drill") with { Stops = null }, Unit(rng, "drill-2", window, "drill") with { Stops = null }],
            _ => [],
        };
        var service = Service(15 * (1 + rng.Next(6)), 5 * (1 + rng.Next(12)), rng.Next(3) * 5, rng.Next(3) * 10,
            notice: rng.Next(3) == 0 ? rng.Next(48) * 60 : 0, staff: kind != 1, resources: [.. resources.Select(r => r.Type!).Distinct()]);
        var staff = kind == 1 ? [] : Enumerable.Range(0, 1 + rng.Next(4)).Select(i => Unit(rng, $"s{i}", window, null)).ToList();
        var now = window.StartInstant - Duration.FromHours(rng.Next(60));
        var rule = new TravelRule(20 + rng.Next(60), Duration.FromMinutes(rng.Next(20)), rng.Next(3) == 0 ? Duration.FromMinutes(15 + rng.Next(40)) : null);
        var trip = new Trip(Near(rng), rule, rng.Next(3) == 0 ? null : Near(rng), rng.Next(6) == 0 ? null : zone);
        var request = new SlotRequest(zone, [hours], EveryDay, service, staff, resources, new Dictionary<Instant, GroupInstance>(), now, window,
            Calendar: kind == 1 ? Unit(rng, "calendar", window, null) : null, Trip: trip);

        var prepared = SlotEngine.ForTrips(request);
        var places = staff.SelectMany(s => s.Stops ?? []).Select(s => s.Place).ToList();
        for (var a = 0; a < 7; a++)
        {
            // Mostly near the stops; sometimes far enough that no leg fits; sometimes at a stop's own address (a leg of no
            // distance: just the margin, the shortest there is).
            var destination = a == 6 && places.Count > 0 ? places[rng.Next(places.Count)] : Near(rng, a == 5 ? 3 : 0.3);
            var expected = SlotEngine.FindSlots(request with { Trip = trip with { Destination = destination } });
            var actual = prepared.FindSlots(destination);
            var e = expected.Select(Show).ToList();
            var g = actual.Select(Show).ToList();
            if (!e.SequenceEqual(g))
            {
                Assert.Fail($"{zoneId} kind {kind}, address {destination}: expected [{string.Join(", ", e)}], got [{string.Join(", ", g)}]");
            }
            if (prepared.Indexed)
            {
                // The same answer as indexes (what the API writes from): the same slots, units in the same order.
                var sink = new Collect(prepared);
                prepared.FindSlots(destination, ref sink);
                var i = sink.Slots.Select(Show).ToList();
                if (!e.SequenceEqual(i))
                {
                    Assert.Fail($"{zoneId} kind {kind}, address {destination}, by index: expected [{string.Join(", ", e)}], got [{string.Join(", ", i)}]");
                }
            }
        }
        return true;
    }

    private readonly struct Collect(SlotEngine.TripSlots prepared) : SlotEngine.ITripSlotSink
    {
        public List<Slot> Slots { get; } = [];

        public void Slot(int start, ReadOnlySpan<int> units)
        {
            var keys = new List<string>();
            foreach (var u in units)
            {
                keys.Add(prepared.UnitKey(u));
            }
            Slots.Add(new Slot(prepared.StartAt(start), prepared.EndAt(start), keys, prepared.Capacity));
        }
    }

    [Property(MaxTest = 300)]
    public bool Leg_bounds_hold_the_leg_both_ways(int seed)
    {
        // Pairs from the same spot to the other side of the earth; speeds from a walk to a plane.
        var rng = new Random(seed);
        var rule = new TravelRule(rng.Next(3) == 0 ? 0.5 + (rng.NextDouble() * 10) : 5 + rng.Next(900), Duration.FromMinutes(rng.Next(30)));
        int near = 0, tight = 0;
        for (var i = 0; i < 200; i++)
        {
            var a = new GeoPoint((rng.NextDouble() * 180) - 90, (rng.NextDouble() * 360) - 180);
            var spread = Math.Pow(10, -6 + (rng.NextDouble() * 8.5));
            var b = rng.Next(10) == 0 ? a : new GeoPoint(Math.Clamp(a.Latitude + ((rng.NextDouble() - 0.5) * spread), -90, 90),
                a.Longitude + ((rng.NextDouble() - 0.5) * spread));
            if (rule.LegBounds(GeoVector.Of(a), GeoVector.Of(b)) is not { } bounds)
            {
                continue;
            }
            foreach (var leg in new[] { rule.Between(a, b).BclCompatibleTicks, rule.Between(b, a).BclCompatibleTicks })
            {
                if (leg < bounds.Low || leg > bounds.High)
                {
                    Assert.Fail($"{a} to {b} at {rule.SpeedKmh} km/h: {leg} outside [{bounds.Low}, {bounds.High}]");
                }
            }
            if (a.KilometresTo(b) is > 0.01 and < 100)
            {
                near++;
                tight += bounds.Low == bounds.High ? 1 : 0;
            }
        }
        // From 10 m to 100 km (a service area) they settle nearly every leg without the exact distance, or the shortcut would be none.
        return tight >= near * 0.95;
    }

    private static string Show(Slot s) => $"{s.Start}-{s.End} {string.Join('/', s.Staff)} x{s.Remaining}";

    [Fact]
    public void Generated_cases_mostly_offer_slots_and_refuse_some_for_travel()
    {
        // The property compares something: across seeds most answers hold slots, and the travel check removes some.
        int withSlots = 0, travelRemoved = 0;
        for (var seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed);
            var window = LocalDays(Zone("UTC"), "2027-03-02", "2027-03-03");
            var staff = Enumerable.Range(0, 3).Select(i => Unit(rng, $"s{i}", window, null)).ToList();
            var trip = new Trip(Near(rng), new TravelRule(30, Duration.FromMinutes(10)), Near(rng), Zone("UTC"));
            var request = new SlotRequest(Zone("UTC"), [Daily("07:00-19:00")], EveryDay, Service(30, 15), staff, [],
                new Dictionary<Instant, GroupInstance>(), window.StartInstant, window, Trip: trip);
            var with = SlotEngine.ForTrips(request).FindSlots(trip.Destination);
            var without = SlotEngine.FindSlots(request with { Trip = null });
            withSlots += with.Count > 0 ? 1 : 0;
            travelRemoved += with.Count < without.Count ? 1 : 0;
        }
        Assert.True(withSlots > 40, $"{withSlots} of 60 cases with slots");
        Assert.True(travelRemoved > 30, $"{travelRemoved} of 60 cases where travel removed slots");
    }
}
