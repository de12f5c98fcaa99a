using Bookwell.Scheduling.Series;
using Bookwell.Scheduling.Slots;
using NodaTime;
using static Bookwell.Scheduling.Tests.Build;

namespace Bookwell.Scheduling.Tests.Series;

public class RecurrenceTests
{
    private static readonly string[] Zones =
    [
        "Europe/Amsterdam", "Europe/London", "Europe/Lisbon", "Europe/Helsinki", "Europe/Chisinau", "America/New_York",
        "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Havana", "America/Santiago", "America/Asuncion",
        "America/Sao_Paulo", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "Asia/Tehran",
        "Asia/Jerusalem", "Africa/Cairo",
    ];

    private static LocalDateTime Local(string text) => NodaTime.Text.LocalDateTimePattern.ExtendedIso.Parse(text).Value;

    [Fact]
    public void Weekly_KeepsWallClockTimeAcrossEveryDstChange_2026To2030_In20Zones()
    {
        foreach (var id in Zones)
        {
            var zone = Zone(id);
            foreach (var time in new[] { "09:00", "00:30", "02:30", "23:30" })
            {
                // Every weekday of the first week, five years of weeks: every DST change of 2026-2030 lies between two occurrences.
                for (var d = 0; d < 7; d++)
                {
                    var first = new LocalDate(2026, 1, 5).PlusDays(d) + Local($"2026-01-01T{time}:00").TimeOfDay;
                    var occurrences = Recurrence.Expand(first, zone, new RecurrenceRule(Frequency.Weekly, null, new LocalDate(2030, 12, 31), Limit: 300));
                    Assert.Equal(first.Date.PlusWeeks(occurrences.Count - 1), occurrences[^1].Local.Date);
                    Assert.True(occurrences[^1].Local.Date > new LocalDate(2030, 12, 23));
                    foreach (var o in occurrences)
                    {
                        Assert.Equal(first.TimeOfDay, o.Local.TimeOfDay);
                        Assert.Equal(first.DayOfWeek, o.Local.DayOfWeek);
                        var shown = o.Start.InZone(zone).LocalDateTime;
                        if (o.Shifted)
                        {
                            // Inside a spring-forward gap: the first instant after it, never before the asked time.
                            Assert.Equal(0, zone.MapLocal(o.Local).Count);
                            Assert.True(shown > o.Local, $"{id} {o.Local}");
                            Assert.Equal(zone.GetZoneInterval(o.Start).Start, o.Start);
                        }
                        else
                        {
                            Assert.Equal(o.Local, shown);
                            // An ambiguous time (fall-back) takes the earlier of its two instants.
                            Assert.Equal(zone.MapLocal(o.Local).First().ToInstant(), o.Start);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Weekly_AmsterdamAcrossSpringForward_StaysAtNineLocal()
    {
        var first = At("2027-03-22T09:00:00+01:00");
        var o = Recurrence.Expand(first, Zone("Europe/Amsterdam"), new RecurrenceRule(Frequency.Weekly, 3, null));
        Assert.Equal([At("2027-03-22T09:00:00+01:00"), At("2027-03-29T09:00:00+02:00"), At("2027-04-05T09:00:00+02:00")], o.Select(x => x.Start));
        Assert.All(o, x => Assert.False(x.Shifted));
        Assert.Equal(Duration.FromHours(7 * 24 - 1), o[1].Start - o[0].Start);
    }

    [Fact]
    public void Weekly_InsideGap_MovesToFirstInstantAfterIt()
    {
        var o = Recurrence.Expand(Local("2027-03-21T02:30:00"), Zone("Europe/Amsterdam"), new RecurrenceRule(Frequency.Weekly, 2, null));
        Assert.True(o[1].Shifted);
        Assert.Equal(At("2027-03-28T03:00:00+02:00"), o[1].Start);
    }

    [Theory]
    [InlineData(Frequency.Weekly, 4, null, "2027-01-04,2027-01-11,2027-01-18,2027-01-25")]
    [InlineData(Frequency.Biweekly, 3, null, "2027-01-04,2027-01-18,2027-02-01")]
    [InlineData(Frequency.Weekly, null, "2027-01-18", "2027-01-04,2027-01-11,2027-01-18")]
    [InlineData(Frequency.Weekly, 2, "2027-12-31", "2027-01-04,2027-01-11")]
    [InlineData(Frequency.Biweekly, 10, "2027-01-31", "2027-01-04,2027-01-18")]
    // The 1st Monday of each month.
    [InlineData(Frequency.Monthly, 4, null, "2027-01-04,2027-02-01,2027-03-01,2027-04-05")]
    public void Expand_CountOrUntil_GivesTheDates(Frequency frequency, int? count, string? until, string expected)
    {
        var rule = new RecurrenceRule(frequency, count, until is null ? null : NodaTime.Text.LocalDatePattern.Iso.Parse(until).Value);
        var o = Recurrence.Expand(Local("2027-01-04T10:00:00"), Zone("Europe/Amsterdam"), rule);
        Assert.Equal(expected.Split(','), o.Select(x => x.Local.Date.ToString("yyyy-MM-dd", null)));
        Assert.Equal(Enumerable.Range(0, o.Count), o.Select(x => x.Index));
    }

    [Theory]
    // The 2nd Tuesday stays the 2nd Tuesday.
    [InlineData("2027-01-12", "2027-01-12,2027-02-09,2027-03-09,2027-04-13")]
    // A Friday in the month's last seven days is the last Friday, even in months with five.
    [InlineData("2027-01-29", "2027-01-29,2027-02-26,2027-03-26,2027-04-30")]
    public void Monthly_KeepsThePlaceOfTheWeekdayInTheMonth(string first, string expected)
    {
        var o = Recurrence.Expand(Local(first + "T10:00:00"), Zone("Europe/Amsterdam"), new RecurrenceRule(Frequency.Monthly, 4, null));
        Assert.Equal(expected.Split(','), o.Select(x => x.Local.Date.ToString("yyyy-MM-dd", null)));
    }

    [Fact]
    public void Expand_NeverMoreThanTheLimit_AndNeedsAnEnd()
    {
        Assert.Equal(52, Recurrence.Expand(Local("2027-01-04T10:00:00"), Zone("UTC"), new RecurrenceRule(Frequency.Weekly, 500, null)).Count);
        Assert.Throws<ArgumentException>(() => Recurrence.Expand(Local("2027-01-04T10:00:00"), Zone("UTC"), new RecurrenceRule(Frequency.Weekly, null, null)));
    }

    [Fact]
    public void NearestSameDay_TakesTheClosestFreeStartThatDay_EarlierOnATie()
    {
        var zone = Zone("Europe/Amsterdam");
        Slot S(string t) => new(At(t), At(t) + Duration.FromHours(1), ["anna"], 1);
        var slots = new[] { S("2027-01-03T16:00:00+01:00"), S("2027-01-04T08:00:00+01:00"), S("2027-01-04T12:00:00+01:00"), S("2027-01-05T10:00:00+01:00") };
        Assert.Equal(At("2027-01-04T08:00:00+01:00"), Recurrence.NearestSameDay(slots, At("2027-01-04T10:00:00+01:00"), zone)!.Start);
        Assert.Equal(At("2027-01-04T12:00:00+01:00"), Recurrence.NearestSameDay(slots, At("2027-01-04T11:00:00+01:00"), zone)!.Start);
        Assert.Null(Recurrence.NearestSameDay(slots, At("2027-01-06T10:00:00+01:00"), zone));
    }
}
