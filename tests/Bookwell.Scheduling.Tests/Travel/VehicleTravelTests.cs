using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using FsCheck.Xunit;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Travel;

/// <summary>Issue 15: vehicles are resources that drive to the client, so travel between their own stops counts too.</summary>
public class VehicleTravelTests
{
    private static readonly Instant Now = At("2027-03-01T00:00:00Z");
    private static readonly GeoPoint Base = new(52.0, 5.0);
    // 0.27° north is 30.02 km: at 60 km/h 31 minutes (rounded up) plus the 10-minute margin = 41 minutes.
    private static readonly GeoPoint North = new(52.27, 5.0);
    private static readonly TravelRule Rule = new(60, Duration.FromMinutes(10));

    private static Stop StopAt(GeoPoint place, string start, string end) => new(Between(start, end), place);

    private static BookableUnit Van(string key, bool travels, params Stop[] stops) =>
        Resource(key, "van", 0, [.. stops.Select(s => s.Service)]) with { Stops = stops, Travels = travels };

    private static SlotRequest Request(GeoPoint destination, params BookableUnit[] vans)
    {
        var service = Service(60, interval: 30, resources: ["van"]);
        var request = Build.Request("UTC", Daily("08:00-18:00"), service, Now, LocalDays(Zone("UTC"), "2027-03-02", "2027-03-02"),
            [Staff("anna"), Staff("bob")], vans);
        return request with { Trip = new Trip(destination, Rule) };
    }

    [Fact]
    public void A_shared_van_needs_its_drive_even_when_a_technician_is_free()
    {
        // Anna took the van to the base address 09:00–10:00; Bob is free all day, but the van is not at the new client.
        var request = Request(North, Van("van-1", true, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")));
        var starts = Starts(SlotEngine.FindSlots(request), "UTC");
        Assert.DoesNotContain("2027-03-02T10:00:00+00:00", starts);
        Assert.DoesNotContain("2027-03-02T10:30:00+00:00", starts);
        Assert.Contains("2027-03-02T11:00:00+00:00", starts);
        // Before the stop: 08:00–09:00 leaves no time to drive the van back.
        Assert.DoesNotContain("2027-03-02T08:00:00+00:00", starts);

        var a = SlotEngine.Assign(request, At("2027-03-02T11:00:00Z"), null, null);
        Assert.NotNull(a);
        Assert.Equal(Duration.FromMinutes(41), a.VehicleTravelBefore);
        Assert.Equal(Duration.Zero, a.VehicleTravelAfter);
        // The technicians have no stops of their own: no staff travel.
        Assert.Equal(Duration.Zero, a.TravelBefore);
        Assert.Null(SlotEngine.Assign(request, At("2027-03-02T10:20:00Z"), null, null, offGrid: true));
        Assert.NotNull(SlotEngine.Assign(request, At("2027-03-02T10:41:00Z"), null, null, offGrid: true));
    }

    [Fact]
    public void Equipment_that_does_not_travel_is_only_held_for_the_service()
    {
        var request = Request(North, Van("drill", false, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")));
        var starts = Starts(SlotEngine.FindSlots(request), "UTC");
        Assert.Contains("2027-03-02T10:00:00+00:00", starts);
        Assert.Contains("2027-03-02T08:00:00+00:00", starts);
        Assert.Equal(Duration.Zero, SlotEngine.Assign(request, At("2027-03-02T10:00:00Z"), null, null)!.VehicleTravelBefore);
    }

    [Fact]
    public void Another_van_that_can_make_it_is_chosen()
    {
        var request = Request(North, Van("van-1", true, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")), Van("van-2", true));
        Assert.Contains("2027-03-02T10:00:00+00:00", Starts(SlotEngine.FindSlots(request), "UTC"));
        var a = SlotEngine.Assign(request, At("2027-03-02T10:00:00Z"), null, null);
        Assert.Equal("van-2", Assert.Single(a!.Resources).Key);
    }

    /// <summary>
    /// Two vans with random stops and busy time; every offered start, as assigned, leaves the chosen van the travel time
    /// from its last stop before and to its first stop after, worked out here from the distance.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Vehicle_travel_time_is_never_violated(int seed)
    {
        var rng = new Random(seed);
        GeoPoint Somewhere() => new(52 + rng.NextDouble(), 4.5 + rng.NextDouble());
        List<Stop> StopsFor()
        {
            var stops = new List<Stop>();
            var t = At("2027-03-02T08:00:00Z") - Duration.FromMinutes(rng.Next(120));
            for (var i = rng.Next(6); i > 0; i--)
            {
                t += Duration.FromMinutes(rng.Next(10, 150));
                var end = t + Duration.FromMinutes(15 * rng.Next(1, 8));
                stops.Add(new Stop(Span.Of(t, end), Somewhere()));
                t = end;
            }
            return stops;
        }
        var vans = new Dictionary<string, List<Stop>> { ["van-1"] = StopsFor(), ["van-2"] = StopsFor() };
        var destination = Somewhere();
        var speed = 20 + rng.Next(80);
        var margin = rng.Next(0, 20);
        var service = Service(15 * rng.Next(1, 6), interval: 15, before: 5 * rng.Next(3), after: 5 * rng.Next(3), resources: ["van"]);
        var request = Build.Request("UTC", Daily("08:00-18:00"), service, Now, LocalDays(Zone("UTC"), "2027-03-02", "2027-03-02"),
            [Staff("anna"), Staff("bob")], [.. vans.Select(v => Van(v.Key, true, [.. v.Value]))]) with
        {
            Trip = new Trip(destination, new TravelRule(speed, Duration.FromMinutes(margin))),
        };
        double Minutes(GeoPoint a, GeoPoint b)
        {
            const double r = 6371.0088;
            var p1 = a.Latitude * Math.PI / 180;
            var p2 = b.Latitude * Math.PI / 180;
            var dp = p2 - p1;
            var dl = (b.Longitude - a.Longitude) * Math.PI / 180;
            var h = Math.Pow(Math.Sin(dp / 2), 2) + (Math.Cos(p1) * Math.Cos(p2) * Math.Pow(Math.Sin(dl / 2), 2));
            return (2 * r * Math.Asin(Math.Sqrt(h)) / speed * 60) + margin;
        }
        foreach (var slot in SlotEngine.FindSlots(request))
        {
            var assignment = SlotEngine.Assign(request, slot.Start, null, null);
            if (assignment is null)
            {
                return false;
            }
            var stops = vans[assignment.Resources.Single().Key];
            var from = slot.Start - service.BufferBefore;
            var to = slot.End + service.BufferAfter;
            if (stops.Exists(s => s.Service.StartInstant < to && s.Service.EndInstant > from))
            {
                return false;
            }
            var previous = stops.LastOrDefault(s => s.Service.EndInstant <= slot.Start);
            var next = stops.FirstOrDefault(s => s.Service.StartInstant >= slot.End);
            if (previous != default && (from - previous.Service.EndInstant).TotalMinutes < Minutes(previous.Place, destination) - 1e-6)
            {
                return false;
            }
            if (next != default && (next.Service.StartInstant - to).TotalMinutes < Minutes(destination, next.Place) - 1e-6)
            {
                return false;
            }
        }
        return true;
    }
}
