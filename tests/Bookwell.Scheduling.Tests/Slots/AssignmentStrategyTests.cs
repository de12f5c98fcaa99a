using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Slots;

/// <summary>
/// Issue 15: who gets a booking for anyone able. The engine ranks able staff by the service's strategy (after the
/// client's preferred member); ties keep page order, then key. Slots offered never change.
/// </summary>
public class AssignmentStrategyTests
{
    private static readonly Instant LongAgo = At("2026-12-01T00:00:00Z");
    private const string Ams = "Europe/Amsterdam";
    private const string Day = "2027-01-04";

    private static Instant T(string time) => At($"{Day}T{time}:00+01:00");

    private static SlotRequest Req(StaffRanking? ranking, string day, params BookableUnit[] staff) =>
        Request(Ams, Daily("09:00-17:00"), Service(60), LongAgo, LocalDays(Zone(Ams), day, day), staff) with { Ranking = ranking };

    private static string? Who(StaffRanking? ranking, Instant start, string day, params BookableUnit[] staff) =>
        SlotEngine.Assign(Req(ranking, day, staff), start, null, null)?.Staff;

    private static string? Who(StaffRanking? ranking, params BookableUnit[] staff) => Who(ranking, T("12:00"), Day, staff);

    private static Span Busy(string from, string to) => Span.Of(T(from), T(to));

    [Fact]
    public void FirstAvailable_IsPageOrder_AsWithoutRanking()
    {
        BookableUnit[] staff = [Staff("cara"), Staff("anna"), Staff("bob")];
        Assert.Equal("cara", Who(null, staff));
        Assert.Equal("cara", Who(StaffRanking.FirstAvailable, staff));
        // The first in page order is busy at that time: the next able one.
        Assert.Equal("anna", Who(StaffRanking.FirstAvailable, Staff("cara", null, Busy("12:00", "13:00")), Staff("anna"), Staff("bob")));
    }

    [Fact]
    public void LeastBusy_PicksWhoseDayIsEmptiest_OnlyThatDayCounts_TiesInPageOrder()
    {
        var ranking = new StaffRanking(AssignmentStrategy.LeastBusy);
        // Anna 2 h that day, Bob 1 h, Cara 30 min but 8 h the day before (which does not count).
        var anna = Staff("anna", null, Busy("09:00", "11:00"));
        var bob = Staff("bob", null, Busy("14:00", "15:00"));
        var cara = Staff("cara", null, Span.Of(At("2027-01-03T09:00:00+01:00"), At("2027-01-03T17:00:00+01:00")), Busy("16:00", "16:30"));
        Assert.Equal("cara", Who(ranking, anna, bob, cara));
        // Overlapping busy spans count once: Cara's 16:00-16:30 twice over is still 30 minutes.
        var caraTwice = Staff("cara", null, Busy("16:00", "16:30"), Busy("16:00", "16:30"), Busy("16:10", "16:20"));
        Assert.Equal("cara", Who(ranking, Staff("bob", null, Busy("14:00", "14:40")), caraTwice));
        // Equal busy time: page order decides, whichever order that is.
        Assert.Equal("bob", Who(ranking, Staff("bob", null, Busy("14:00", "15:00")), Staff("anna", null, Busy("09:00", "10:00"))));
        Assert.Equal("anna", Who(ranking, Staff("anna", null, Busy("09:00", "10:00")), Staff("bob", null, Busy("14:00", "15:00"))));
        // The least busy is not free at the asked time: the next least busy who is.
        Assert.Equal("bob", Who(ranking, anna, bob, Staff("cara", null, Busy("12:00", "12:30"))));
    }

    [Fact]
    public void LeastBusy_DayIsTheLocalDay_23HoursInSpring()
    {
        // Sunday 28 March 2027, Amsterdam: clocks go 02:00 -> 03:00, the day runs 23:00Z (27th) to 22:00Z (28th).
        var ranking = new StaffRanking(AssignmentStrategy.LeastBusy);
        const string day = "2027-03-28";
        var noon = At("2027-03-28T12:00:00+02:00");
        // Anna's only busy hour is 00:00-01:00 on the 29th (22:00Z-23:00Z on the 28th): outside the 28th. A day taken as
        // 24 hours from local midnight would count it.
        var anna = Staff("anna", null, Span.Of(At("2027-03-29T00:00:00+02:00"), At("2027-03-29T01:00:00+02:00")));
        var bob = Staff("bob", null, Span.Of(At("2027-03-28T10:00:00+02:00"), At("2027-03-28T10:30:00+02:00")));
        Assert.Equal("anna", Who(ranking, noon, day, bob, anna));
        // Busy all day long is 23 hours on that date.
        var allDay = Span.Of(At("2027-03-27T00:00:00+01:00"), At("2027-03-30T00:00:00+02:00"));
        Assert.Equal(Duration.FromHours(23), StaffRanking.BusyOnDay([allDay], Zone(Ams), new LocalDate(2027, 3, 28)));
    }

    [Fact]
    public void LeastBusy_DayIsTheLocalDay_25HoursInAutumn()
    {
        // Sunday 31 October 2027, Amsterdam: clocks go 03:00 -> 02:00, the day runs 22:00Z (30th) to 23:00Z (31st).
        var ranking = new StaffRanking(AssignmentStrategy.LeastBusy);
        const string day = "2027-10-31";
        var noon = At("2027-10-31T12:00:00+01:00");
        // Anna is busy 23:00-24:00 on the 31st: in that day, though a 24-hour day from midnight would have ended at 23:00.
        var anna = Staff("anna", null, Span.Of(At("2027-10-31T23:00:00+01:00"), At("2027-11-01T00:00:00+01:00")));
        var bob = Staff("bob", null, Span.Of(At("2027-10-31T10:00:00+01:00"), At("2027-10-31T10:30:00+01:00")));
        Assert.Equal("bob", Who(ranking, noon, day, anna, bob));
        // The repeated hour counts twice: 01:30+02 to 02:30+01 is two hours of real time.
        Assert.Equal(Duration.FromHours(2), StaffRanking.BusyOnDay(
            [Span.Of(At("2027-10-31T01:30:00+02:00"), At("2027-10-31T02:30:00+01:00"))], Zone(Ams), new LocalDate(2027, 10, 31)));
        var allDay = Span.Of(At("2027-10-30T00:00:00+02:00"), At("2027-11-02T00:00:00+01:00"));
        Assert.Equal(Duration.FromHours(25), StaffRanking.BusyOnDay([allDay], Zone(Ams), new LocalDate(2027, 10, 31)));
    }

    [Fact]
    public void RoundRobin_FewestRecentBookings_TiesInPageOrderThenByKey()
    {
        var counts = new Dictionary<string, int> { ["anna"] = 3, ["bob"] = 1, ["cara"] = 1 };
        var ranking = new StaffRanking(AssignmentStrategy.RoundRobin, RecentBookings: counts);
        Assert.Equal("bob", Who(ranking, Staff("anna"), Staff("bob"), Staff("cara")));
        Assert.Equal("cara", Who(ranking, Staff("anna"), Staff("cara"), Staff("bob")));
        // Nobody counted has none: the newcomer goes first.
        Assert.Equal("dan", Who(ranking, Staff("anna"), Staff("bob"), Staff("dan")));
        // Busy at that time: the next fewest.
        Assert.Equal("cara", Who(ranking, Staff("anna"), Staff("bob", null, Busy("11:30", "12:30")), Staff("cara")));
        // Two units with the same key and count (never from a page, but the order stays total): the given order.
        Assert.Equal("bob", Who(ranking with { RecentBookings = new Dictionary<string, int>() }, Staff("bob"), Staff("anna")));
    }

    [Fact]
    public void RoundRobin_SixBookingsInARow_SpreadTwoEach()
    {
        var counts = new Dictionary<string, int>();
        var busy = new Dictionary<string, List<Span>> { ["anna"] = [], ["bob"] = [], ["cara"] = [] };
        string[] times = ["15:00", "09:00", "12:00", "10:00", "16:00", "11:00"];
        foreach (var time in times)
        {
            var ranking = new StaffRanking(AssignmentStrategy.RoundRobin, RecentBookings: counts);
            var who = Who(ranking, T(time), Day, [.. busy.Select(kv => Staff(kv.Key, null, [.. kv.Value]))])!;
            counts[who] = counts.GetValueOrDefault(who) + 1;
            busy[who].Add(Span.Of(T(time), T(time) + Duration.FromHours(1)));
        }
        Assert.Equal([2, 2, 2], busy.Values.Select(v => v.Count));
    }

    [Fact]
    public void Priority_ConfiguredOrder_UnlistedFollowInPageOrder()
    {
        var ranking = new StaffRanking(AssignmentStrategy.Priority, Priority: ["cara", "anna"]);
        Assert.Equal("cara", Who(ranking, Staff("anna"), Staff("bob"), Staff("cara")));
        Assert.Equal("anna", Who(ranking, Staff("anna"), Staff("bob"), Staff("cara", null, Busy("12:00", "13:00"))));
        // Both listed are busy: the unlisted in page order.
        Assert.Equal("dan", Who(ranking, Staff("anna", null, Busy("12:00", "13:00")), Staff("dan"), Staff("bob"), Staff("cara", null, Busy("12:00", "13:00"))));
        // Without a list: page order.
        Assert.Equal("bob", Who(new StaffRanking(AssignmentStrategy.Priority), Staff("bob"), Staff("anna")));
    }

    [Fact]
    public void ClientPreferred_WinsWhenAble_ElseTheStrategy_AndANamedStaffMemberStillRules()
    {
        var counts = new Dictionary<string, int> { ["anna"] = 0, ["bob"] = 9 };
        var ranking = new StaffRanking(AssignmentStrategy.RoundRobin, RecentBookings: counts, ClientPreferred: "bob");
        Assert.Equal("bob", Who(ranking, Staff("anna"), Staff("bob")));
        Assert.Equal("anna", Who(ranking, Staff("anna"), Staff("bob", null, Busy("12:00", "13:00"))));
        // A preferred member who does not offer the service (not in the request) changes nothing.
        Assert.Equal("anna", Who(ranking with { ClientPreferred = "zoe" }, Staff("anna"), Staff("bob")));
        // The client named Anna for this booking: Anna, whatever the preference.
        Assert.Equal("anna", SlotEngine.Assign(Req(ranking, Day, Staff("anna"), Staff("bob")), T("12:00"), "anna", null)?.Staff);
    }

    [Fact]
    public void Ranking_NeverChangesTheSlotsOffered()
    {
        BookableUnit[] staff = [Staff("anna", null, Busy("09:00", "12:00")), Staff("bob", null, Busy("13:00", "14:00")), Staff("cara")];
        var plain = SlotEngine.FindSlots(Req(null, Day, staff));
        foreach (var ranking in new[]
                 {
                     new StaffRanking(AssignmentStrategy.LeastBusy, ClientPreferred: "cara"),
                     new StaffRanking(AssignmentStrategy.RoundRobin, RecentBookings: new Dictionary<string, int> { ["anna"] = 5 }),
                     new StaffRanking(AssignmentStrategy.Priority, Priority: ["cara", "bob"]),
                 })
        {
            Assert.Equal(plain, SlotEngine.FindSlots(Req(ranking, Day, staff)), new SlotComparer());
        }
    }

    private sealed class SlotComparer : IEqualityComparer<Slot>
    {
        public bool Equals(Slot? x, Slot? y) => x!.Start == y!.Start && x.End == y.End && x.Remaining == y.Remaining && x.Staff.SequenceEqual(y.Staff);

        public int GetHashCode(Slot obj) => obj.Start.GetHashCode();
    }

    private static SlotRequest Part(StaffRanking? ranking, ServiceRules service, params BookableUnit[] staff) =>
        Request(Ams, Daily("09:00-17:00"), service, LongAgo, LocalDays(Zone(Ams), Day, Day), staff) with { Ranking = ranking };

    [Fact]
    public void Visit_SamePersonForMostParts_StrategyChoosesAmongEquals()
    {
        // Both can do both parts; Bob's day is emptier.
        var anna = Staff("anna", null, Busy("09:00", "11:00"));
        var bob = Staff("bob", null, Busy("16:00", "16:30"));
        var leastBusy = new StaffRanking(AssignmentStrategy.LeastBusy);
        var parts = VisitEngine.Assign([Part(leastBusy, Service(30), anna, bob), Part(null, Service(60), anna, bob)], T("12:00"), null)!;
        Assert.Equal(["bob", "bob"], parts.Select(p => p.Staff));
        // Without a strategy: page order, as before.
        parts = VisitEngine.Assign([Part(null, Service(30), anna, bob), Part(null, Service(60), anna, bob)], T("12:00"), null)!;
        Assert.Equal(["anna", "anna"], parts.Select(p => p.Staff));

        // Only Anna can do both parts: she serves the visit even though round robin would rank Bob first.
        var roundRobin = new StaffRanking(AssignmentStrategy.RoundRobin, RecentBookings: new Dictionary<string, int> { ["anna"] = 4 });
        parts = VisitEngine.Assign([Part(roundRobin, Service(30), anna, bob), Part(null, Service(60), anna)], T("12:00"), null)!;
        Assert.Equal(["anna", "anna"], parts.Select(p => p.Staff));

        // A part the main person cannot serve goes to the best ranked able: Cara (fewest) over Bob.
        var cara = Staff("cara");
        var rr = new StaffRanking(AssignmentStrategy.RoundRobin, RecentBookings: new Dictionary<string, int> { ["anna"] = 0, ["bob"] = 2, ["cara"] = 1 });
        parts = VisitEngine.Assign([Part(rr, Service(30), anna), Part(null, Service(60), bob, cara)], T("12:00"), null)!;
        Assert.Equal(["anna", "cara"], parts.Select(p => p.Staff));

        // The client's preferred member serves every part they can.
        var preferred = new StaffRanking(AssignmentStrategy.FirstAvailable, ClientPreferred: "bob");
        parts = VisitEngine.Assign([Part(preferred, Service(30), anna, bob), Part(null, Service(60), anna)], T("12:00"), null)!;
        Assert.Equal(["bob", "anna"], parts.Select(p => p.Staff));
    }
}
