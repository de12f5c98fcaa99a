using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using FsCheck.Xunit;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Slots;

/// <summary>Several services in one visit: parts follow one another, each served by someone able, never overlapping anything.</summary>
public class VisitEngineTests
{
    private static readonly Instant LongAgo = At("2026-12-01T00:00:00Z");
    private const string Ams = "Europe/Amsterdam";
    private const string Day = "2027-01-04";

    private static SlotRequest Part(ServiceRules service, string hours, params BookableUnit[] staff) =>
        Request(Ams, Daily(hours), service, LongAgo, LocalDays(Zone(Ams), Day, Day), staff);

    private static Instant T(string time) => At($"{Day}T{time}:00+01:00");

    private static string[] Times(IEnumerable<VisitSlot> slots) =>
        slots.Select(s => s.Start.InZone(Zone(Ams)).TimeOfDay.ToString("HH:mm", null)).ToArray();

    [Fact]
    public void FindSlots_OneStaffMember_PartsBackToBackInsideHours()
    {
        var cut = Part(Service(30), "09:00-12:00", Staff("anna"));
        var colour = Part(Service(60), "09:00-12:00", Staff("anna"));

        var slots = VisitEngine.FindSlots([cut, colour]);

        // The visit is 90 minutes: the last start that ends by 12:00 is 10:30.
        Assert.Equal(["09:00", "09:30", "10:00", "10:30"], Times(slots));
        var first = slots[0];
        Assert.Equal(T("09:00"), first.Parts[0].Start);
        Assert.Equal(T("09:30"), first.Parts[0].End);
        Assert.Equal(T("09:30"), first.Parts[1].Start);
        Assert.Equal(T("10:30"), first.Parts[1].End);
        Assert.Equal(T("10:30"), first.End);
        Assert.Equal(["anna"], first.Parts[1].Staff);
    }

    [Fact]
    public void FindSlots_LaterPartBusy_ThatStartIsNotOffered()
    {
        // Anna is free for every cut, but busy 10:00-10:30: a colour must not overlap it.
        var anna = Staff("anna", null, Span.Of(T("10:00"), T("10:30")));
        var slots = VisitEngine.FindSlots([Part(Service(30), "09:00-13:00", anna), Part(Service(60), "09:00-13:00", anna)]);

        Assert.Equal(["10:30", "11:00", "11:30"], Times(slots));
    }

    [Fact]
    public void FindSlots_DifferentStaffPerPart_EachPartAskedOfThoseQualified()
    {
        // Anna cuts, Bob colours; Bob is busy 10:00-11:00.
        var anna = Staff("anna");
        var bob = Staff("bob", null, Span.Of(T("10:00"), T("11:00")));
        var cut = Part(Service(30), "09:00-13:00", anna);
        var colour = Part(Service(60), "09:00-13:00", bob);

        var slots = VisitEngine.FindSlots([cut, colour]);

        // 09:00: colour 09:30-10:30 hits Bob's busy time; 10:00 would colour 10:30-11:30, also hit.
        Assert.Equal(["10:30", "11:00", "11:30"], Times(slots));
        var assigned = VisitEngine.Assign([cut, colour], T("10:30"), null);
        Assert.NotNull(assigned);
        Assert.Equal("anna", assigned[0].Staff);
        Assert.Equal("bob", assigned[1].Staff);
        Assert.Null(VisitEngine.Assign([cut, colour], T("09:00"), null));
    }

    [Fact]
    public void Offsets_BuffersBetweenPartsAreKept()
    {
        var cut = Service(30, after: 10);
        var colour = Service(60, before: 5);
        Assert.Equal([Duration.Zero, Duration.FromMinutes(45)], VisitEngine.Offsets([cut, colour]));

        var slots = VisitEngine.FindSlots([Part(cut, "09:00-11:00", Staff("anna")), Part(colour, "09:00-11:00", Staff("anna"))]);
        // 09:00 + 45 min = 09:45 colour until 10:45 fits; 09:30 would end 11:15.
        Assert.Equal(["09:00"], Times(slots));
        Assert.Equal(T("09:45"), slots[0].Parts[1].Start);
    }

    [Fact]
    public void Assign_PrefersOnePersonForEveryPartTheyCanServe()
    {
        // Both may do both parts. Anna is busy during the colour of a 09:00 visit, so Bob does both rather than
        // Anna cutting and Bob colouring.
        var anna = Staff("anna", null, Span.Of(T("09:30"), T("10:00")));
        var bob = Staff("bob");
        var parts = new[] { Part(Service(30), "09:00-13:00", anna, bob), Part(Service(60), "09:00-13:00", anna, bob) };

        var a = VisitEngine.Assign(parts, T("09:00"), null)!;
        Assert.Equal(["bob", "bob"], a.Select(x => x.Staff));

        // Free for both: the first in the order given does both.
        var later = VisitEngine.Assign(parts, T("11:00"), null)!;
        Assert.Equal(["anna", "anna"], later.Select(x => x.Staff));

        // A preferred person serves the parts they are able to, and someone else the rest.
        var preferred = VisitEngine.Assign(parts, T("09:00"), "anna")!;
        Assert.Equal(["anna", "bob"], preferred.Select(x => x.Staff));
    }

    [Fact]
    public void Assign_OffTheGridStartRefusedUnlessWalkIn()
    {
        var parts = new[] { Part(Service(30), "09:00-13:00", Staff("anna")), Part(Service(30), "09:00-13:00", Staff("anna")) };
        Assert.Null(VisitEngine.Assign(parts, T("09:10"), null));
        var walkIn = VisitEngine.Assign(parts, T("09:10"), null, offGrid: true)!;
        Assert.Equal(["anna", "anna"], walkIn.Select(x => x.Staff));
    }

    [Fact]
    public void FindSlots_NoticeAppliesToTheVisitStartOnly()
    {
        var now = T("09:00");
        var cut = Request(Ams, Daily("09:00-13:00"), Service(30, notice: 60), now, LocalDays(Zone(Ams), Day, Day), [Staff("anna")]);
        // The colour's own notice (3 hours) would forbid 10:30; it follows a start that passed the cut's notice.
        var colour = Request(Ams, Daily("09:00-13:00"), Service(30, notice: 180), now, LocalDays(Zone(Ams), Day, Day), [Staff("anna")]);

        Assert.Equal(["10:00", "10:30", "11:00", "11:30", "12:00"], Times(VisitEngine.FindSlots([cut, colour])));
    }

    [Fact]
    public void FindSlots_ResourcePerPart()
    {
        // The colour needs a basin; the only basin is taken 11:00-12:00.
        var basin = Resource("basin-1", "basin", 0, Span.Of(T("11:00"), T("12:00")));
        var cut = Part(Service(30), "09:00-13:00", Staff("anna"));
        var colour = Request(Ams, Daily("09:00-13:00"), Service(60, resources: ["basin"]), LongAgo, LocalDays(Zone(Ams), Day, Day),
            [Staff("anna")], [basin]);

        // 10:00, 10:30 and 11:00 would colour into 11:00-12:00.
        Assert.Equal(["09:00", "09:30", "11:30"], Times(VisitEngine.FindSlots([cut, colour])));
        var a = VisitEngine.Assign([cut, colour], T("09:00"), null)!;
        Assert.Empty(a[0].Resources);
        Assert.Equal([new ResourceSeat("basin-1", 0)], a[1].Resources);
    }

    /// <summary>
    /// Property: for random busy time, every offered visit start can be assigned, and the assignment's parts, buffers
    /// included, lie inside the hours, clear of their staff member's busy time and clear of one another.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool EveryOfferedVisit_PartsNeverOverlapEachOtherOrAnythingElse(int seed)
    {
        var rng = new Random(seed);
        var window = LocalDays(Zone(Ams), Day, Day);
        var busy = new Dictionary<string, List<Span>>();
        foreach (var key in new[] { "anna", "bob", "cleo" })
        {
            var spans = new List<Span>();
            for (var i = rng.Next(6); i > 0; i--)
            {
                var s = T("08:00").PlusTicks((long)(rng.NextDouble() * Duration.FromHours(10).BclCompatibleTicks));
                spans.Add(Span.Of(s, s + Duration.FromMinutes(15 + rng.Next(90))));
            }
            busy[key] = SpanSet.Normalize(spans);
        }
        BookableUnit U(string key) => Staff(key, null, [.. busy[key]]);
        var count = 2 + rng.Next(2);
        var services = Enumerable.Range(0, count).Select(_ => Service(15 * (1 + rng.Next(6)), 15, rng.Next(2) * 5, rng.Next(2) * 10)).ToList();
        var qualified = new[] { new[] { "anna", "bob" }, ["bob", "cleo"], ["anna", "cleo"] };
        var parts = services.Select((s, i) => Request(Ams, Daily("09:00-17:00"), s, LongAgo, window, qualified[i].Select(U).ToList())).ToList();
        var open = Span.Of(T("09:00"), T("17:00"));

        foreach (var slot in VisitEngine.FindSlots(parts))
        {
            var a = VisitEngine.Assign(parts, slot.Start, null);
            if (a is null)
            {
                return false;
            }
            var held = new List<(string Staff, Span Time)>();
            for (var i = 0; i < count; i++)
            {
                var p = slot.Parts[i];
                var time = Span.Of(p.Start - services[i].BufferBefore, p.End + services[i].BufferAfter);
                if (!open.Contains(time) || !qualified[i].Contains(a[i].Staff) || busy[a[i].Staff!].Exists(b => b.Overlaps(time)) ||
                    held.Exists(h => h.Time.Overlaps(time)) || (i > 0 && p.Start < slot.Parts[i - 1].End))
                {
                    return false;
                }
                held.Add((a[i].Staff!, time));
            }
        }
        return true;
    }
}
