using Bookwell.Scheduling.Slots;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Slots;

/// <summary>
/// Every zone in the TZDB that changes its offset in 2027–2028, open around the clock, on each transition day
/// and the days either side: starts must strictly increase (no start listed twice) and every slot must lie
/// inside the requested days' hours.
/// </summary>
public class TransitionSweepTests
{
    private static readonly Instant Now = At("2026-12-01T00:00:00Z");

    public static IEnumerable<(DateTimeZone Zone, LocalDate Date)> TransitionDays()
    {
        var from = At("2027-01-01T00:00:00Z");
        var to = At("2029-01-01T00:00:00Z");
        foreach (var id in DateTimeZoneProviders.Tzdb.Ids)
        {
            var zone = DateTimeZoneProviders.Tzdb[id];
            foreach (var interval in zone.GetZoneIntervals(from, to).Skip(1))
            {
                if (interval.HasStart && interval.Start >= from)
                {
                    // The local date on either side of the change: a midnight transition straddles two dates.
                    yield return (zone, interval.Start.InZone(zone).Date);
                    yield return (zone, (interval.Start - Duration.Epsilon).InZone(zone).Date);
                }
            }
        }
    }

    [Fact]
    public void EveryTransitionDay_2027To2028_ListsEachStartOnce_InsideTheHours()
    {
        var days = TransitionDays().Distinct().ToList();
        Assert.True(days.Select(d => d.Zone.Id).Distinct().Count() > 50, "the sweep found too few zones with transitions");
        Assert.Contains(days, d => d.Zone.Id == "Atlantic/Azores" && d.Date == new LocalDate(2027, 10, 31));
        var failures = new List<string>();
        var checkedSlots = 0;
        foreach (var (zone, date) in days)
        {
            var window = Span(zone, date.PlusDays(-1), date.PlusDays(1));
            foreach (var service in new[] { Service(30, 15), Service(30, 30), Service(45, 20), Service(60, 60) })
            {
                var request = new SlotRequest(zone, [Daily("00:00-24:00")], EveryDay, service with { HorizonDays = 1000 }, [Staff("anna")], [],
                    new Dictionary<Instant, GroupInstance>(), Now, window, false);
                var slots = SlotEngine.FindSlots(request);
                checkedSlots += slots.Count;
                for (var i = 0; i < slots.Count; i++)
                {
                    var s = slots[i];
                    if (i > 0 && s.Start <= slots[i - 1].Start)
                    {
                        failures.Add($"{zone.Id} {date} every {service.SlotInterval.TotalMinutes} min: {s.Start} follows {slots[i - 1].Start}");
                    }
                    if (s.Start.ToUnixTimeTicks() < window.Start || s.End.ToUnixTimeTicks() > window.End || s.End - s.Start != service.Duration)
                    {
                        failures.Add($"{zone.Id} {date}: slot {s.Start}–{s.End} outside {Instant.FromUnixTimeTicks(window.Start)}–{Instant.FromUnixTimeTicks(window.End)}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} problems, first ones:\n" + string.Join('\n', failures.Take(20)));
        Assert.True(checkedSlots > days.Count * 100, $"only {checkedSlots} slots over {days.Count} days");
    }

    private static Scheduling.Intervals.Span Span(DateTimeZone zone, LocalDate from, LocalDate toInclusive) =>
        Scheduling.Intervals.Span.Of(zone.AtStartOfDay(from).ToInstant(), zone.AtStartOfDay(toInclusive.PlusDays(1)).ToInstant());
}
