using Bookwell.Scheduling.Slots;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Slots;

public class SlotEngineTests
{
    private static readonly Instant LongAgo = At("2026-12-01T00:00:00Z"); // a fixed "now" before every tested date
    private const string Ams = "Europe/Amsterdam";

    private static string[] Run(string zone, string hours, ServiceRules service, string date, Instant? now = null,
        IReadOnlyList<BookableUnit>? staff = null, IReadOnlyList<BookableUnit>? resources = null, string? viewer = null)
    {
        var request = Request(zone, Daily(hours.Split(',')), service, now ?? LongAgo,
            LocalDays(Zone(viewer ?? zone), date, date), staff, resources);
        return Starts(SlotEngine.FindSlots(request), viewer ?? zone);
    }

    [Theory]
    // The contract's own example: starts step from the start of the opening range.
    [InlineData("07:30-09:30", 60, 0, 0, 0, "07:30,08:30")]
    [InlineData("09:00-10:00", 30, 15, 0, 0, "09:00,09:15,09:30")]
    // The whole service plus buffers must fit inside the hours.
    [InlineData("07:30-09:30", 60, 0, 0, 10, "07:30")]
    [InlineData("09:00-11:00", 60, 0, 15, 0, "10:00")]
    [InlineData("09:00-12:00,13:00-14:00", 60, 0, 0, 0, "09:00,10:00,11:00,13:00")]
    [InlineData("09:00-09:45", 60, 0, 0, 0, "")]
    public void FindSlots_OpeningHoursAndBuffers_FollowTheGridRule(string hours, int minutes, int interval, int before, int after, string expected)
    {
        var starts = Run(Ams, hours, Service(minutes, interval, before, after), "2027-01-04");
        Assert.Equal(Expect("2027-01-04", "+01:00", expected), starts);
    }

    private static string[] Expect(string date, string offset, string times) =>
        times.Length == 0 ? [] : times.Split(',').Select(t => $"{date}T{t}:00{offset}").ToArray();

    [Fact]
    public void FindSlots_ExistingBooking_GridStaysAnchoredToOpeningNotBookingEnd()
    {
        var anna = Staff("anna", null, Between("2027-01-04T09:00:00+01:00", "2027-01-04T09:45:00+01:00"));
        var starts = Run(Ams, "09:00-12:00", Service(30), "2027-01-04", staff: [anna]);
        Assert.Equal(Expect("2027-01-04", "+01:00", "10:00,10:30,11:00,11:30"), starts);
    }

    [Fact]
    public void FindSlots_BookingWithBuffers_BlocksBufferTimeOnBothSides()
    {
        // Busy time is stored with the existing booking's buffers; the new slot adds its own.
        var anna = Staff("anna", null, Between("2027-01-04T10:00:00+01:00", "2027-01-04T10:40:00+01:00"));
        var starts = Run(Ams, "09:00-12:00", Service(30, 30, before: 0, after: 10), "2027-01-04", staff: [anna]);
        Assert.Equal(Expect("2027-01-04", "+01:00", "09:00,11:00"), starts);
    }

    [Fact]
    public void FindSlots_TwoStaff_ListsEachAbleStaffMemberPerSlot()
    {
        var anna = Staff("anna", Daily("09:00-11:00"));
        var bob = Staff("bob", Daily("10:00-12:00"), Between("2027-01-04T11:00:00+01:00", "2027-01-04T12:00:00+01:00"));
        var slots = SlotEngine.FindSlots(Request(Ams, Daily("08:00-18:00"), Service(60), LongAgo,
            LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [anna, bob]));
        Assert.Equal(
            ["09:00 anna", "10:00 anna,bob"],
            slots.Select(s => $"{s.Start.InZone(Zone(Ams)):HH:mm} {string.Join(',', s.Staff)}"));
    }

    [Fact]
    public void FindSlots_MinimumNotice_HidesStartsTooSoon()
    {
        var now = At("2027-01-04T09:10:00+01:00");
        var starts = Run(Ams, "09:00-12:00", Service(60, notice: 60), "2027-01-04", now);
        Assert.Equal(Expect("2027-01-04", "+01:00", "11:00"), starts);
    }

    [Fact]
    public void FindSlots_NoticeBetweenGridPoints_StaysOnGrid()
    {
        var now = At("2027-01-04T09:05:00+01:00");
        var starts = Run(Ams, "09:00-11:00", Service(30, 30), "2027-01-04", now);
        Assert.Equal(Expect("2027-01-04", "+01:00", "09:30,10:00,10:30"), starts);
    }

    [Fact]
    public void FindSlots_Horizon_LastBookableDateIsTodayPlusHorizon()
    {
        var now = At("2027-01-04T08:00:00+01:00");
        var request = Request(Ams, Daily("09:00-10:00"), Service(60, horizon: 2), now, LocalDays(Zone(Ams), "2027-01-04", "2027-01-10"));
        Assert.Equal(3, SlotEngine.FindSlots(request).Count);
        Assert.Equal(At("2027-01-06T09:00:00+01:00"), SlotEngine.FindSlots(request)[^1].Start);
    }

    [Fact]
    public void FindSlots_AllowedDays_SkipsOtherWeekdays()
    {
        var request = Request(Ams, Daily("09:00-10:00"), Service(60), LongAgo, LocalDays(Zone(Ams), "2027-01-04", "2027-01-10"),
            allowed: new HashSet<IsoDayOfWeek> { IsoDayOfWeek.Monday, IsoDayOfWeek.Saturday });
        Assert.Equal(["2027-01-04T09:00:00+01:00", "2027-01-09T09:00:00+01:00"], Starts(SlotEngine.FindSlots(request), Ams));
    }

    [Fact]
    public void FindSlots_StaffScheduleMissingDay_OffersNothingThatDay()
    {
        var anna = Staff("anna", Weekly(IsoDayOfWeek.Tuesday, "09:00-17:00"));
        Assert.Empty(Run(Ams, "09:00-17:00", Service(60), "2027-01-04", staff: [anna]));
        Assert.Equal(8, Run(Ams, "09:00-17:00", Service(60), "2027-01-05", staff: [anna]).Length);
    }

    [Fact]
    public void FindSlots_ResourceTaken_NoSlotEvenWithFreeStaff()
    {
        var chair = Resource("chair-1", "chair", 0, Between("2027-01-04T09:00:00+01:00", "2027-01-04T10:00:00+01:00"));
        var starts = Run(Ams, "09:00-11:00", Service(60, resources: "chair"), "2027-01-04",
            staff: [Staff("anna"), Staff("bob")], resources: [chair]);
        Assert.Equal(Expect("2027-01-04", "+01:00", "10:00"), starts);
    }

    [Fact]
    public void FindSlots_ServiceWithoutStaff_UsesPageHoursAndReportsNoStaff()
    {
        var request = Request(Ams, Daily("09:00-11:00"), Service(60, staff: false, resources: "room"), LongAgo,
            LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), staff: [], resources: [Resource("room-1", "room")]);
        var slots = SlotEngine.FindSlots(request);
        Assert.Equal(2, slots.Count);
        Assert.All(slots, s => Assert.Empty(s.Staff));
    }

    [Fact]
    public void FindSlots_GroupClass_RemainingCountsExistingBookings()
    {
        var start = At("2027-01-04T18:00:00+01:00");
        var groups = new Dictionary<Instant, GroupInstance> { [start] = new(start, 2, "anna", []) };
        // Anna's busy time includes the class itself; the class slot must still be offered to join.
        var anna = Staff("anna", null, Between("2027-01-04T18:00:00+01:00", "2027-01-04T19:00:00+01:00"));
        var request = Request(Ams, Daily("17:00-20:00"), Service(60, capacity: 3), LongAgo,
            LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [anna], groups: groups);
        var slots = SlotEngine.FindSlots(request);
        Assert.Equal(["17:00 3", "18:00 1", "19:00 3"], slots.Select(s => $"{s.Start.InZone(Zone(Ams)):HH:mm} {s.Remaining}"));
    }

    [Fact]
    public void FindSlots_GroupClassFull_IsNotOffered()
    {
        var start = At("2027-01-04T18:00:00+01:00");
        var groups = new Dictionary<Instant, GroupInstance> { [start] = new(start, 3, "anna", []) };
        var request = Request(Ams, Daily("18:00-19:00"), Service(60, capacity: 3), LongAgo,
            LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [Staff("anna", null, Span(start, 60))], groups: groups);
        Assert.Empty(SlotEngine.FindSlots(request));
    }

    private static Bookwell.Scheduling.Intervals.Span Span(Instant start, int minutes) =>
        Bookwell.Scheduling.Intervals.Span.Of(start, start + Duration.FromMinutes(minutes));

    [Theory]
    // Spring forward: the grid steps in elapsed time, so 01:00 + 1h is 03:00 CEST.
    [InlineData(Ams, "2027-03-28", "01:00-05:00", 60, "2027-03-28T01:00:00+01:00,2027-03-28T03:00:00+02:00,2027-03-28T04:00:00+02:00")]
    // Fall back: the repeated hour is offered twice, once in each offset.
    [InlineData(Ams, "2027-10-31", "01:00-04:00", 60, "2027-10-31T01:00:00+02:00,2027-10-31T02:00:00+02:00,2027-10-31T02:00:00+01:00,2027-10-31T03:00:00+01:00")]
    // Hours opening inside the gap open when the clock jumps.
    [InlineData(Ams, "2027-03-28", "02:30-04:00", 30, "2027-03-28T03:00:00+02:00,2027-03-28T03:30:00+02:00")]
    // Lord Howe: clocks go back 30 minutes at 02:00, so 01:30-02:00 happens twice.
    [InlineData("Australia/Lord_Howe", "2027-04-04", "01:00-03:00", 30, "2027-04-04T01:00:00+11:00,2027-04-04T01:30:00+11:00,2027-04-04T01:30:00+10:30,2027-04-04T02:00:00+10:30,2027-04-04T02:30:00+10:30")]
    [InlineData("Asia/Kathmandu", "2027-01-04", "09:00-10:00", 30, "2027-01-04T09:00:00+05:45,2027-01-04T09:30:00+05:45")]
    [InlineData("Asia/Tokyo", "2027-03-28", "09:00-10:00", 60, "2027-03-28T09:00:00+09:00")]
    public void FindSlots_DaylightSavingAndOddZones_EverySlotLastsTheDuration(string zone, string date, string hours, int minutes, string expected)
    {
        var slots = SlotEngine.FindSlots(Request(zone, Daily(hours), Service(minutes), LongAgo, LocalDays(Zone(zone), date, date)));
        Assert.Equal(expected.Split(','), Starts(slots, zone));
        Assert.All(slots, s => Assert.Equal(Duration.FromMinutes(minutes), s.End - s.Start));
    }

    [Fact]
    public void FindSlots_ViewerInNewYork_WindowIsTheViewersDay()
    {
        // Amsterdam hours 09:00-20:00; a New York visitor's 4 January runs 06:00-06:00 Amsterdam time next day.
        var starts = Run(Ams, "09:00-20:00", Service(60, 60), "2027-01-04", viewer: "America/New_York");
        Assert.Equal("2027-01-04T03:00:00-05:00", starts[0]);
        Assert.Equal("2027-01-04T13:00:00-05:00", starts[^1]);
        Assert.Equal(11, starts.Length);
    }

    [Fact]
    public void FindSlots_WeeksWhenUsAndEuClocksDisagree_OffsetFollowsBothZones()
    {
        // New York moved to EDT on 14 March 2027, Amsterdam only on 28 March: 09:00 New York is 14:00 in Amsterdam.
        var starts = Run("America/New_York", "09:00-10:00", Service(60), "2027-03-20", viewer: Ams);
        Assert.Equal(["2027-03-20T14:00:00+01:00"], starts);
        var after = Run("America/New_York", "09:00-10:00", Service(60), "2027-03-29", viewer: Ams);
        Assert.Equal(["2027-03-29T15:00:00+02:00"], after);
    }

    [Fact]
    public void Assign_PreferredStaffFree_ChoosesThem()
    {
        var request = Request(Ams, Daily("09:00-11:00"), Service(60, resources: "chair"), LongAgo,
            LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [Staff("anna"), Staff("bob")],
            [Resource("chair-1", "chair"), Resource("chair-2", "chair")]);
        var assignment = SlotEngine.Assign(request, At("2027-01-04T09:00:00+01:00"), "bob", ["chair-2"]);
        Assert.NotNull(assignment);
        Assert.Equal("bob", assignment.Staff);
        Assert.Equal([new ResourceSeat("chair-2", 0)], assignment.Resources);
    }

    [Theory]
    [InlineData("2027-01-04T09:15:00+01:00", null)] // off the grid
    [InlineData("2027-01-04T10:00:00+01:00", "anna")] // anna is busy then
    [InlineData("2027-01-04T11:00:00+01:00", null)] // after closing
    public void Assign_StartNotBookable_ReturnsNull(string start, string? staff)
    {
        var anna = Staff("anna", null, Between("2027-01-04T10:00:00+01:00", "2027-01-04T11:00:00+01:00"));
        var request = Request(Ams, Daily("09:00-11:00"), Service(60), LongAgo, LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [anna, Staff("bob")]);
        Assert.Null(SlotEngine.Assign(request, At(start), staff, null));
    }

    [Fact]
    public void Assign_WalkIn_IgnoresNoticeButNotBusyTime()
    {
        var now = At("2027-01-04T09:00:00+01:00");
        var anna = Staff("anna", null, Between("2027-01-04T10:00:00+01:00", "2027-01-04T11:00:00+01:00"));
        var walkIn = Request(Ams, Daily("09:00-11:00"), Service(60, notice: 24 * 60), now, LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [anna], walkIn: true);
        Assert.NotNull(SlotEngine.Assign(walkIn, At("2027-01-04T09:00:00+01:00"), null, null));
        Assert.Null(SlotEngine.Assign(walkIn, At("2027-01-04T10:00:00+01:00"), null, null));
        var online = walkIn with { IgnoreNoticeAndHorizon = false };
        Assert.Null(SlotEngine.Assign(online, At("2027-01-04T09:00:00+01:00"), null, null));
    }

    [Fact]
    public void Assign_OffGrid_AcceptsAnyStartThatFitsButNotBusyOrClosedTime()
    {
        var anna = Staff("anna", null, Between("2027-01-04T10:00:00+01:00", "2027-01-04T11:00:00+01:00"));
        var request = Request(Ams, Daily("09:00-12:00"), Service(30, 60), LongAgo, LocalDays(Zone(Ams), "2027-01-04", "2027-01-04"), [anna]);
        Assert.Null(SlotEngine.Assign(request, At("2027-01-04T09:07:00+01:00"), null, null));
        Assert.NotNull(SlotEngine.Assign(request, At("2027-01-04T09:07:00+01:00"), null, null, offGrid: true));
        Assert.Null(SlotEngine.Assign(request, At("2027-01-04T09:37:00+01:00"), null, null, offGrid: true)); // runs into 10:00
        Assert.Null(SlotEngine.Assign(request, At("2027-01-04T11:37:00+01:00"), null, null, offGrid: true)); // past closing
    }
}
