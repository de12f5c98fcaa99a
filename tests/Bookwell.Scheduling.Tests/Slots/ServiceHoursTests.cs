using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using FsCheck.Xunit;
using NodaTime;
using NodaTime.Text;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Slots;

/// <summary>
/// Issue 15: a service's own weekly hours and dated exceptions (<see cref="ServiceRules.Hours"/>) only narrow the page's
/// (or branch's) hours. Examples first, then a property over random hours around every kind of DST change.
/// </summary>
public class ServiceHoursTests
{
    private static ServiceRules WithHours(ServiceRules rules, Schedule hours) => rules with { Hours = hours };

    private static Schedule Hours(Dictionary<IsoDayOfWeek, string[]> weekly, Dictionary<string, string[]>? dated = null) => new(
        weekly.ToDictionary(kv => kv.Key, kv => Ranges(kv.Value)),
        dated?.ToDictionary(kv => LocalDatePattern.Iso.Parse(kv.Key).Value, kv => Ranges(kv.Value)));

    [Fact]
    public void ServiceHours_NarrowThePageHours_AndNeverWidenThem()
    {
        // Monday 1 March 2027: page 09:00–17:00; the service only 08:00–11:00 and 15:00–20:00 on Mondays.
        var service = WithHours(Service(60), Hours(new() { [IsoDayOfWeek.Monday] = ["08:00-11:00", "15:00-20:00"] }));
        var request = Request("Europe/Amsterdam", Daily("09:00-17:00"), service, At("2027-02-01T00:00:00Z"),
            LocalDays(Zone("Europe/Amsterdam"), "2027-03-01", "2027-03-02"));

        Assert.Equal(["2027-03-01T09:00:00+01:00", "2027-03-01T10:00:00+01:00", "2027-03-01T15:00:00+01:00", "2027-03-01T16:00:00+01:00"],
            Starts(SlotEngine.FindSlots(request), "Europe/Amsterdam"));
        // Without its own hours the same service follows the page on both days.
        Assert.Equal(16, SlotEngine.FindSlots(request with { Service = Service(60) }).Count);
    }

    [Fact]
    public void ServiceExceptions_CloseADate_OrReplaceItsHours_StillInsideThePage()
    {
        var service = WithHours(Service(60), Hours(
            new() { [IsoDayOfWeek.Monday] = ["09:00-17:00"], [IsoDayOfWeek.Tuesday] = ["09:00-17:00"], [IsoDayOfWeek.Wednesday] = ["09:00-17:00"] },
            new() { ["2027-03-01"] = [], ["2027-03-02"] = ["06:00-10:00", "16:00-23:00"] }));
        var request = Request("Europe/Amsterdam", Daily("09:00-17:00"), service, At("2027-02-01T00:00:00Z"),
            LocalDays(Zone("Europe/Amsterdam"), "2027-03-01", "2027-03-03"));

        var starts = Starts(SlotEngine.FindSlots(request), "Europe/Amsterdam");

        Assert.DoesNotContain(starts, s => s.StartsWith("2027-03-01", StringComparison.Ordinal));
        Assert.Equal(["2027-03-02T09:00:00+01:00", "2027-03-02T16:00:00+01:00"], starts.Where(s => s.StartsWith("2027-03-02", StringComparison.Ordinal)));
        Assert.Equal(8, starts.Count(s => s.StartsWith("2027-03-03", StringComparison.Ordinal)));
    }

    [Fact]
    public void ServiceHours_AcrossSpringForward_StepInElapsedTimeOverTheGap()
    {
        // Amsterdam, Sunday 29 March 2026: 02:00 becomes 03:00. Service hours 01:00–04:00 hold two elapsed hours.
        var service = WithHours(Service(30), Hours(new() { [IsoDayOfWeek.Sunday] = ["01:00-04:00"] }));
        var request = Request("Europe/Amsterdam", Daily("00:00-23:59"), service, At("2026-01-01T00:00:00Z"),
            LocalDays(Zone("Europe/Amsterdam"), "2026-03-29", "2026-03-29"));

        Assert.Equal(["2026-03-29T01:00:00+01:00", "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"],
            Starts(SlotEngine.FindSlots(request), "Europe/Amsterdam"));
    }

    [Fact]
    public void AssignRefusesAStartOutsideTheServiceHours_EvenOffGridForWalkIns()
    {
        var service = WithHours(Service(30), Hours(new() { [IsoDayOfWeek.Monday] = ["12:00-14:00"] }));
        var request = Request("Europe/Amsterdam", Daily("09:00-17:00"), service, At("2027-03-01T08:00:00Z"),
            LocalDays(Zone("Europe/Amsterdam"), "2027-03-01", "2027-03-01"), walkIn: true);

        Assert.Null(SlotEngine.Assign(request, At("2027-03-01T10:00:00+01:00"), null, null, offGrid: true));
        Assert.NotNull(SlotEngine.Assign(request, At("2027-03-01T12:10:00+01:00"), null, null, offGrid: true));
        Assert.Null(SlotEngine.Assign(request, At("2027-03-01T13:45:00+01:00"), null, null, offGrid: true));
    }

    // ---- The property: no offered slot lies outside the service's hours (nor the page's), across DST changes. ----

    private static readonly string[] DstZones =
        ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Australia/Sydney", "Europe/London", "America/Havana"];

    private static readonly Instant Now = At("2026-01-01T00:00:00Z");

    private sealed record Scenario(SlotRequest Request, (int Open, int Close) Page, Dictionary<IsoDayOfWeek, List<(int, int)>> Weekly,
        Dictionary<LocalDate, List<(int, int)>> Dated, LocalDate Switch);

    /// <summary>A random service with its own hours, asked about the three local days around one of its zone's 2026 DST changes.</summary>
    private static Scenario Make(int seed)
    {
        var rng = new Random(seed);
        var zone = Zone(DstZones[rng.Next(DstZones.Length)]);
        var changes = zone.GetZoneIntervals(Now, At("2026-12-31T00:00:00Z")).Skip(1).Select(i => i.Start).ToList();
        var change = changes[rng.Next(changes.Count)];
        var switchDate = change.InZone(zone).Date;
        var days = new[] { switchDate.PlusDays(-1), switchDate, switchDate.PlusDays(1) };

        // A bound that is ambiguous (inside a fall-back overlap) on one of the days is moved on by an hour: the engine opens
        // such a range at its earlier occurrence and closes it at its later one, which a wall-clock check cannot express.
        int Bound(int minute)
        {
            while (minute < TimeRange.MinutesPerDay && days.Any(d => zone.MapLocal(d.AtMidnight().PlusMinutes(minute)).Count == 2))
            {
                minute = Math.Min(TimeRange.MinutesPerDay, minute + 60);
            }
            return minute;
        }
        List<(int, int)> RandomRanges()
        {
            var result = new List<(int, int)>();
            var at = rng.Next(8) * 30;
            for (var n = rng.Next(3); n > 0 && at < TimeRange.MinutesPerDay - 15; n--)
            {
                var start = Bound(at);
                var end = Bound(Math.Min(TimeRange.MinutesPerDay, start + 15 + (rng.Next(24) * 15)));
                if (start < end)
                {
                    result.Add((start, end));
                }
                at = end + (rng.Next(6) * 15);
            }
            return result;
        }

        var page = (Open: Bound(rng.Next(3) * 60), Close: Bound(TimeRange.MinutesPerDay - (rng.Next(3) * 60)));
        var weekly = Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).ToDictionary(d => d, _ => RandomRanges());
        var dated = new Dictionary<LocalDate, List<(int, int)>>();
        foreach (var d in days.Where(_ => rng.Next(3) == 0))
        {
            dated[d] = rng.Next(3) == 0 ? [] : RandomRanges();
        }
        static IReadOnlyList<TimeRange> Local(List<(int Start, int End)> ranges) => ranges.Select(r => new TimeRange(r.Start, r.End)).ToList();
        var service = Service(15 * (1 + rng.Next(8)), 5 * (1 + rng.Next(12)), rng.Next(3) * 5, rng.Next(3) * 10) with
        {
            Hours = new Schedule(weekly.ToDictionary(kv => kv.Key, kv => Local(kv.Value)), dated.ToDictionary(kv => kv.Key, kv => Local(kv.Value))),
        };
        var pageHours = new Schedule(weekly.Keys.ToDictionary(d => d, _ => (IReadOnlyList<TimeRange>)[new TimeRange(page.Open, page.Close)]));
        var window = Span.Of(zone.AtStartOfDay(days[0]).ToInstant(), zone.AtStartOfDay(days[2].PlusDays(1)).ToInstant());
        var request = new SlotRequest(zone, [pageHours], EveryDay, service, [Staff("anna")], [], new Dictionary<Instant, GroupInstance>(), Now, window);
        return new Scenario(request, page, weekly, dated, switchDate);
    }

    /// <summary>Whether the wall-clock minute of <paramref name="at"/> lies inside the service's hours of its local date and inside the page's.</summary>
    private static bool Inside(Scenario s, Instant at)
    {
        var local = at.InZone(s.Request.Zone).LocalDateTime;
        var minute = (local.Hour * 60) + local.Minute;
        var ranges = s.Dated.TryGetValue(local.Date, out var own) ? own : s.Weekly[local.DayOfWeek];
        return minute >= s.Page.Open && minute < s.Page.Close && ranges.Any(r => minute >= r.Item1 && minute < r.Item2);
    }

    [Property(MaxTest = 400)]
    public bool NoOfferedSlotLiesOutsideTheServiceHours_AcrossADstChange(int seed)
    {
        var s = Make(seed);
        var rules = s.Request.Service;
        return SlotEngine.FindSlots(s.Request).All(slot =>
        {
            // Every minute the slot holds, its buffers included, and its very last instant.
            var from = slot.Start - rules.BufferBefore;
            var to = slot.End + rules.BufferAfter;
            for (var t = from; t < to; t += Duration.FromMinutes(1))
            {
                if (!Inside(s, t))
                {
                    return false;
                }
            }
            return Inside(s, to - Duration.Epsilon);
        });
    }

    [Fact]
    public void ThePropertyIsNotVacuous_ItsScenariosOfferSlotsOnTheDayOfTheChange()
    {
        var onSwitchDay = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            var s = Make(seed);
            if (SlotEngine.FindSlots(s.Request).Any(x => x.Start.InZone(s.Request.Zone).Date == s.Switch))
            {
                onSwitchDay++;
            }
        }
        Assert.True(onSwitchDay > 60, $"Only {onSwitchDay} of 200 scenarios offered a slot on the day of the change.");
    }
}
