using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Travel;

/// <summary>With a base, the first mobile visit of a local day is reached from the base (issue 15, mobile services).</summary>
public class BaseTravelTests
{
    private static readonly Instant Now = At("2027-03-01T00:00:00Z");

    // 0.27° of latitude is 30.02 km: at 60 km/h 31 minutes, plus the 10-minute margin = 41 minutes.
    private static readonly GeoPoint Home = new(52.0, 5.0);
    private static readonly GeoPoint North = new(52.27, 5.0);
    private static readonly GeoPoint FarNorth = new(52.54, 5.0);
    private static readonly TravelRule Rule = new(60, Duration.FromMinutes(10));

    private static Stop StopAt(GeoPoint place, string start, string end) => new(Between(start, end), place);

    private static SlotRequest Mobile(GeoPoint destination, GeoPoint? home, string zone, IReadOnlyList<Bookwell.Scheduling.Intervals.Span> busy, params Stop[] stops)
    {
        var unit = Staff("anna", null, [.. busy, .. stops.Select(s => s.Service)]) with { Stops = stops };
        var request = Request(zone, Daily("08:00-18:00"), Service(60, interval: 30), Now, LocalDays(Zone(zone), "2027-03-02", "2027-03-02"), [unit]);
        return request with { Trip = new Trip(destination, Rule, home, Zone(zone)) };
    }

    [Fact]
    public void The_first_visit_of_the_day_holds_the_drive_from_the_base()
    {
        var request = Mobile(North, Home, "UTC", []);
        var a = SlotEngine.Assign(request, At("2027-03-02T10:00:00Z"), null, null);
        Assert.NotNull(a);
        Assert.Equal(Duration.FromMinutes(41), a.TravelBefore);
        Assert.Equal(Duration.Zero, a.TravelAfter);
        // Without a base nothing is held before the first visit.
        var without = SlotEngine.Assign(request with { Trip = new Trip(North, Rule) }, At("2027-03-02T10:00:00Z"), null, null);
        Assert.Equal(Duration.Zero, without!.TravelBefore);
    }

    [Fact]
    public void A_later_visit_that_day_is_reached_from_the_previous_client_not_the_base()
    {
        // The previous client is in FarNorth (41 minutes away); from the base it would be 41 too, so FromBase tells them apart.
        var plan = TravelLegs.Plan([StopAt(FarNorth, "2027-03-02T08:00:00Z", "2027-03-02T09:00:00Z")], new Trip(North, Rule, Home, Zone("UTC")),
            At("2027-03-02T11:00:00Z").ToUnixTimeTicks(), At("2027-03-02T12:00:00Z").ToUnixTimeTicks());
        Assert.False(plan.FromBase);
        Assert.Equal(Duration.FromMinutes(41), plan.Before);
    }

    [Fact]
    public void Yesterdays_last_client_is_not_where_the_day_starts_when_there_is_a_base()
    {
        // Yesterday's last client at Home (71 minutes from FarNorth); the base is North (41 minutes from FarNorth).
        var yesterday = StopAt(Home, "2027-03-01T16:00:00Z", "2027-03-01T17:00:00Z");
        var start = At("2027-03-02T10:00:00Z").ToUnixTimeTicks();
        var end = At("2027-03-02T11:00:00Z").ToUnixTimeTicks();
        var withBase = TravelLegs.Plan([yesterday], new Trip(FarNorth, Rule, North, Zone("UTC")), start, end);
        Assert.True(withBase.FromBase);
        Assert.Equal(Duration.FromMinutes(41), withBase.Before);
        // Without a base the previous stop, however long ago, is where the drive starts (Home to FarNorth: 60.04 km = 61 + 10).
        var withoutBase = TravelLegs.Plan([yesterday], new Trip(FarNorth, Rule), start, end);
        Assert.False(withoutBase.FromBase);
        Assert.Equal(Duration.FromMinutes(71), withoutBase.Before);
    }

    [Fact]
    public void Tomorrows_first_client_is_no_neighbour_when_there_is_a_base()
    {
        var tomorrow = StopAt(FarNorth, "2027-03-03T08:00:00Z", "2027-03-03T09:00:00Z");
        var trip = new Trip(North, Rule, Home, Zone("UTC"));
        var plan = TravelLegs.Plan([tomorrow], trip, At("2027-03-02T16:00:00Z").ToUnixTimeTicks(), At("2027-03-02T17:00:00Z").ToUnixTimeTicks());
        Assert.Equal(Duration.Zero, plan.After);
        Assert.Equal(Duration.FromMinutes(41), TravelLegs.Plan([tomorrow], trip with { Base = null },
            At("2027-03-02T16:00:00Z").ToUnixTimeTicks(), At("2027-03-02T17:00:00Z").ToUnixTimeTicks()).After);
    }

    [Fact]
    public void The_day_is_the_local_day_of_the_zone()
    {
        // 23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam: the same local day as a 10:00 visit, so not from the base.
        var late = StopAt(FarNorth, "2027-03-01T23:30:00Z", "2027-03-02T00:00:00Z");
        var start = At("2027-03-02T09:00:00Z").ToUnixTimeTicks();
        var end = At("2027-03-02T10:00:00Z").ToUnixTimeTicks();
        Assert.False(TravelLegs.Plan([late], new Trip(North, Rule, Home, Zone("Europe/Amsterdam")), start, end).FromBase);
        Assert.True(TravelLegs.Plan([late], new Trip(North, Rule, Home, Zone("UTC")), start, end).FromBase);
    }

    [Fact]
    public void The_drive_from_the_base_may_start_before_opening_but_never_in_busy_time()
    {
        // Opening at 08:00: the 41-minute drive starts at 07:19, outside the hours, and 08:00 is offered.
        var open = Starts(SlotEngine.FindSlots(Mobile(North, Home, "UTC", [])), "UTC");
        Assert.Contains("2027-03-02T08:00:00+00:00", open);
        // Work at the workshop 08:00–09:00 (busy, no address): the drive cannot start before 09:00, so 09:41 → 10:00.
        var busy = Starts(SlotEngine.FindSlots(Mobile(North, Home, "UTC", [Between("2027-03-02T08:00:00Z", "2027-03-02T09:00:00Z")])), "UTC");
        Assert.DoesNotContain("2027-03-02T09:00:00+00:00", busy);
        Assert.DoesNotContain("2027-03-02T09:30:00+00:00", busy);
        Assert.Contains("2027-03-02T10:00:00+00:00", busy);
        // Without a base 09:00 is offered straight after the workshop job.
        var request = Mobile(North, null, "UTC", [Between("2027-03-02T08:00:00Z", "2027-03-02T09:00:00Z")]);
        Assert.Contains("2027-03-02T09:00:00+00:00", Starts(SlotEngine.FindSlots(request), "UTC"));
    }
}
