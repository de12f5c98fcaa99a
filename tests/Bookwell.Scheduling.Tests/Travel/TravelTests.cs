using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using FsCheck.Xunit;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Travel;

/// <summary>Travel time between consecutive mobile bookings of one unit (issue 15, mobile services).</summary>
public class TravelTests
{
    private static readonly Instant Now = At("2027-03-01T00:00:00Z");

    // One degree of latitude is 111.195 km (mean earth radius 6371.0088 km): 0.27° north is 30.02 km.
    private static readonly GeoPoint Base = new(52.0, 5.0);
    private static readonly GeoPoint North = new(52.27, 5.0);

    // 60 km/h: 30.02 km takes 30.02 minutes, rounded up to 31, plus a 10-minute margin = 41 minutes.
    private static readonly TravelRule Rule = new(60, Duration.FromMinutes(10));

    private static Stop StopAt(GeoPoint place, string start, string end) => new(Between(start, end), place);

    private static SlotRequest Mobile(GeoPoint destination, params Stop[] stops)
    {
        var unit = Staff("anna", null, [.. stops.Select(s => s.Service)]) with { Stops = stops };
        var request = Request("UTC", Daily("08:00-18:00"), Service(60, interval: 30), Now, LocalDays(Zone("UTC"), "2027-03-02", "2027-03-02"), [unit]);
        return request with { Trip = new Trip(destination, Rule) };
    }

    [Fact]
    public void A_start_whose_leg_is_longer_than_the_rules_longest_is_not_offered_nor_assigned()
    {
        // After a stop ending at 10:00 the 41-minute leg fits from 11:00; capped at 40 minutes, no start after the stop needs
        // less than 41, so none is offered. Before the stop (the leg to it is 41 too) likewise; free of the stop, nothing changes.
        var request = Mobile(North, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z"));
        Assert.Contains("2027-03-02T11:00:00+00:00", Starts(SlotEngine.FindSlots(request), "UTC"));
        var capped = request with { Trip = new Trip(North, Rule with { MaxLeg = Duration.FromMinutes(40) }) };
        Assert.Empty(Starts(SlotEngine.FindSlots(capped), "UTC"));
        Assert.Null(SlotEngine.Assign(capped, At("2027-03-02T11:00:00Z"), null, null));
        var enough = request with { Trip = new Trip(North, Rule with { MaxLeg = Duration.FromMinutes(41) }) };
        Assert.Equal(Starts(SlotEngine.FindSlots(request), "UTC"), Starts(SlotEngine.FindSlots(enough), "UTC"));
    }

    [Fact]
    public void Distance_and_travel_time_follow_the_straight_line_speed_and_margin()
    {
        Assert.InRange(Base.KilometresTo(North), 30.01, 30.03);
        Assert.Equal(Duration.FromMinutes(41), Rule.Between(Base, North));
        Assert.Equal(Duration.FromMinutes(41), Rule.Between(North, Base));
        // The same address still costs the margin.
        Assert.Equal(Duration.FromMinutes(10), Rule.Between(Base, Base));
    }

    [Fact]
    public void A_start_too_soon_after_the_previous_stop_is_not_offered()
    {
        var slots = SlotEngine.FindSlots(Mobile(North, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")));
        var starts = Starts(slots, "UTC");
        // 10:00 + 41 minutes of travel = 10:41: the first grid start after it is 11:00.
        Assert.DoesNotContain("2027-03-02T10:00:00+00:00", starts);
        Assert.DoesNotContain("2027-03-02T10:30:00+00:00", starts);
        Assert.Contains("2027-03-02T11:00:00+00:00", starts);
        // Before the stop: 08:00–09:00 would leave no time to drive to it.
        Assert.DoesNotContain("2027-03-02T08:00:00+00:00", starts);
    }

    [Fact]
    public void Without_a_trip_the_same_stops_are_only_busy_time()
    {
        var request = Mobile(North, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")) with { Trip = null };
        var starts = Starts(SlotEngine.FindSlots(request), "UTC");
        Assert.Contains("2027-03-02T08:00:00+00:00", starts);
        Assert.Contains("2027-03-02T10:00:00+00:00", starts);
    }

    [Fact]
    public void A_start_that_leaves_too_little_time_to_reach_the_next_stop_is_not_offered()
    {
        var slots = SlotEngine.FindSlots(Mobile(North, StopAt(Base, "2027-03-02T14:00:00Z", "2027-03-02T15:00:00Z")));
        var starts = Starts(slots, "UTC");
        // 12:00–13:00 then 41 minutes = 13:41, before 14:00; 12:30–13:30 would arrive at 14:11.
        Assert.Contains("2027-03-02T12:00:00+00:00", starts);
        Assert.DoesNotContain("2027-03-02T12:30:00+00:00", starts);
        Assert.DoesNotContain("2027-03-02T13:00:00+00:00", starts);
        // After it: 15:00 + 41 = 15:41, so 16:00.
        Assert.DoesNotContain("2027-03-02T15:30:00+00:00", starts);
        Assert.Contains("2027-03-02T16:00:00+00:00", starts);
    }

    [Fact]
    public void A_stop_at_the_same_address_needs_only_the_margin()
    {
        var starts = Starts(SlotEngine.FindSlots(Mobile(Base, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z"))), "UTC");
        // 10 minutes of margin: 10:00 is too soon, 10:30 is fine.
        Assert.DoesNotContain("2027-03-02T10:00:00+00:00", starts);
        Assert.Contains("2027-03-02T10:30:00+00:00", starts);
    }

    [Fact]
    public void The_assignment_names_the_legs_it_must_hold()
    {
        var request = Mobile(North, StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z"), StopAt(Base, "2027-03-02T14:00:00Z", "2027-03-02T15:00:00Z"));
        var a = SlotEngine.Assign(request, At("2027-03-02T11:00:00Z"), null, null);
        Assert.NotNull(a);
        Assert.Equal(Duration.FromMinutes(41), a.TravelBefore);
        Assert.Equal(Duration.FromMinutes(41), a.TravelAfter);
        // Forced too close to the previous stop: refused.
        Assert.Null(SlotEngine.Assign(request, At("2027-03-02T10:30:00Z"), null, null));
        // Off the grid (an operator's walk-in) the travel still counts.
        Assert.Null(SlotEngine.Assign(request, At("2027-03-02T10:20:00Z"), null, null, offGrid: true));
        Assert.NotNull(SlotEngine.Assign(request, At("2027-03-02T10:45:00Z"), null, null, offGrid: true));
    }

    [Fact]
    public void Travel_may_fall_before_opening_hours_but_not_into_busy_time()
    {
        // A stop the evening before: the drive happens overnight, 08:00 stays bookable.
        var starts = Starts(SlotEngine.FindSlots(Mobile(North, StopAt(Base, "2027-03-01T17:00:00Z", "2027-03-01T18:00:00Z"))), "UTC");
        Assert.Contains("2027-03-02T08:00:00+00:00", starts);
    }

    [Fact]
    public void Another_staff_member_without_stops_is_offered_instead()
    {
        var busy = Staff("anna", null, Between("2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")) with
        {
            Stops = [StopAt(Base, "2027-03-02T09:00:00Z", "2027-03-02T10:00:00Z")],
        };
        var request = Mobile(North) with { Staff = [busy, Staff("bob")] };
        var slot = SlotEngine.FindSlots(request).Single(s => s.Start == At("2027-03-02T10:00:00Z"));
        Assert.Equal(new[] { "bob" }, slot.Staff);
    }

    /// <summary>
    /// Random stops and addresses: every offered start leaves at least the travel time from the last stop that ends
    /// before it and to the first that starts after it. The travel times are worked out here from the distance,
    /// not read from the engine.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Travel_time_is_never_violated(int seed)
    {
        var rng = new Random(seed);
        GeoPoint Somewhere() => new(52 + rng.NextDouble(), 4.5 + rng.NextDouble());
        var day = At("2027-03-02T08:00:00Z");
        var stops = new List<Stop>();
        var t = day - Duration.FromMinutes(rng.Next(120));
        for (var i = rng.Next(6); i > 0; i--)
        {
            t += Duration.FromMinutes(rng.Next(10, 150));
            var end = t + Duration.FromMinutes(15 * rng.Next(1, 8));
            stops.Add(new Stop(Span.Of(t, end), Somewhere()));
            t = end;
        }
        var destination = Somewhere();
        var speed = 20 + rng.Next(80);
        var margin = rng.Next(0, 20);
        var unit = Staff("anna", null, [.. stops.Select(s => s.Service)]) with { Stops = stops };
        var service = Service(15 * rng.Next(1, 6), interval: 15, before: 5 * rng.Next(3), after: 5 * rng.Next(3));
        var plain = Request("UTC", Daily("08:00-18:00"), service, Now, LocalDays(Zone("UTC"), "2027-03-02", "2027-03-02"), [unit]);
        var request = plain with { Trip = new Trip(destination, new TravelRule(speed, Duration.FromMinutes(margin))) };
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
            var from = slot.Start - service.BufferBefore;
            var to = slot.End + service.BufferAfter;
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
