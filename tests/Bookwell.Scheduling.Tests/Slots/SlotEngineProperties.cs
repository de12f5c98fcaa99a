using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using FsCheck;
using FsCheck.Xunit;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Slots;

/// <summary>
/// Invariants over random scenarios. FsCheck supplies the seed; the scenario is derived from it so a failure
/// reproduces from the seed FsCheck prints.
/// </summary>
public class SlotEngineProperties
{
    private static readonly string[] Zones = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"];

    private static readonly Instant Now = At("2026-06-01T00:00:00Z");

    private sealed record Scenario(SlotRequest Request, string[] Hours, Dictionary<string, List<Span>> Busy, ServiceRules Service);

    private static Scenario Make(int seed)
    {
        var rng = new Random(seed);
        var zone = Zones[rng.Next(Zones.Length)];
        // Hours between 05:00 and 23:00 keep clear of every DST switch in these zones, so local checks are exact.
        var open = 5 * 60 + (rng.Next(20) * 15);
        var close = Math.Min(23 * 60, open + 60 + (rng.Next(40) * 15));
        var hours = new[] { $"{open / 60:00}:{open % 60:00}-{close / 60:00}:{close % 60:00}" };
        var service = Service(15 * (1 + rng.Next(8)), 5 * (1 + rng.Next(12)), rng.Next(3) * 5, rng.Next(3) * 10,
            capacity: 1, resources: rng.Next(2) == 0 ? [] : ["chair"]);
        // Inside the bookable horizon (now is 2026-06-01, horizon 365 days, at most 5 days asked): a window past
        // the horizon holds no slots, so every property would pass without checking anything.
        var first = Now.InUtc().Date.PlusDays(1 + rng.Next(360 - 5));
        var days = 1 + rng.Next(5);
        var window = LocalDays(Zone(zone), first.ToString("yyyy-MM-dd", null), first.PlusDays(days - 1).ToString("yyyy-MM-dd", null));
        var busy = new Dictionary<string, List<Span>>();
        var staff = new List<BookableUnit>();
        foreach (var key in new[] { "anna", "bob", "chair-1" })
        {
            var spans = new List<Span>();
            for (var i = rng.Next(8); i > 0; i--)
            {
                var start = window.Start + (long)(rng.NextDouble() * (window.End - window.Start));
                spans.Add(new Span(start, start + Duration.FromMinutes(15 + rng.Next(120)).BclCompatibleTicks));
            }
            busy[key] = SpanSet.Normalize(spans);
        }
        var request = Request(zone, Daily(hours), service, Now, window,
            [Staff("anna", null, [.. busy["anna"]]), Staff("bob", null, [.. busy["bob"]])],
            [Resource("chair-1", "chair", 0, [.. busy["chair-1"]])]);
        return new Scenario(request, hours, busy, service);
    }

    [Property(MaxTest = 300)]
    public bool NoSlotOutsideOpenHours(int seed)
    {
        var s = Make(seed);
        var range = Ranges(s.Hours)[0];
        return SlotEngine.FindSlots(s.Request).All(slot =>
        {
            var start = (slot.Start - s.Service.BufferBefore).InZone(s.Request.Zone).LocalDateTime;
            var end = (slot.End + s.Service.BufferAfter).InZone(s.Request.Zone).LocalDateTime;
            var opens = start.Date.AtMidnight().PlusMinutes(range.StartMinute);
            var closes = start.Date.AtMidnight().PlusMinutes(range.EndMinute);
            return start >= opens && end <= closes;
        });
    }

    [Property(MaxTest = 300)]
    public bool NoSlotOverlapsBusyTimeOfItsStaffOrTheOnlyResource(int seed)
    {
        var s = Make(seed);
        return SlotEngine.FindSlots(s.Request).All(slot =>
        {
            var occupied = Span.Of(slot.Start - s.Service.BufferBefore, slot.End + s.Service.BufferAfter);
            var staffFree = slot.Staff.All(k => !s.Busy[k].Any(b => b.Overlaps(occupied)));
            var chairFree = s.Service.ResourceTypes.Count == 0 || !s.Busy["chair-1"].Any(b => b.Overlaps(occupied));
            return slot.Staff.Count > 0 && staffFree && chairFree;
        });
    }

    [Property(MaxTest = 300)]
    public bool EverySlotLastsExactlyTheDurationAndIsSorted(int seed)
    {
        var s = Make(seed);
        var slots = SlotEngine.FindSlots(s.Request);
        return slots.All(x => x.End - x.Start == s.Service.Duration) &&
               slots.Zip(slots.Skip(1)).All(p => p.First.Start < p.Second.Start);
    }

    [Property(MaxTest = 200)]
    public bool SameInstantsWhicheverZoneTheWindowIsCutIn(int seed, PositiveInt cutHours)
    {
        // Asking for a window in pieces (as a visitor in another zone would) yields exactly the slots of the whole.
        var s = Make(seed);
        var whole = SlotEngine.FindSlots(s.Request).Select(x => x.Start).ToList();
        var cut = s.Request.Window.Start + Duration.FromHours(cutHours.Get % 200).BclCompatibleTicks;
        cut = Math.Min(cut, s.Request.Window.End);
        var left = SlotEngine.FindSlots(s.Request with { Window = new Span(s.Request.Window.Start, cut) });
        var right = SlotEngine.FindSlots(s.Request with { Window = new Span(cut, s.Request.Window.End) });
        return whole.SequenceEqual(left.Concat(right).Select(x => x.Start));
    }

    [Property(MaxTest = 200)]
    public bool AssignAgreesWithFindSlots(int seed)
    {
        var s = Make(seed);
        var slots = SlotEngine.FindSlots(s.Request);
        return slots.All(slot => SlotEngine.Assign(s.Request, slot.Start, null, null) is { } a && slot.Staff.Contains(a.Staff!));
    }

    [Fact]
    public void GeneratedScenarios_MostlyHoldSlots()
    {
        // The properties above only mean something for scenarios with slots in them.
        var rng = new Random(20270101);
        var seeds = Enumerable.Range(0, 300).Select(_ => rng.Next()).ToList();
        var withSlots = seeds.Count(seed => SlotEngine.FindSlots(Make(seed).Request).Count > 0);
        Assert.True(withSlots >= seeds.Count * 0.7, $"only {withSlots} of {seeds.Count} generated scenarios have any slot");
    }
}
