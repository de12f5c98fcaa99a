using Bookwell.Scheduling.Availability;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Scheduling.Tests.Availability;

public class ZoneMappingTests
{
    [Theory]
    // Spring forward in Amsterdam: 02:00-03:00 does not exist; a bound inside the gap moves to 03:00 CEST.
    [InlineData("Europe/Amsterdam", "2027-03-28", "02:30", "05:00", "2027-03-28T03:00:00+02:00", "2027-03-28T05:00:00+02:00")]
    [InlineData("Europe/Amsterdam", "2027-03-28", "01:00", "02:30", "2027-03-28T01:00:00+01:00", "2027-03-28T03:00:00+02:00")]
    // Fall back: 02:00-03:00 happens twice; a start takes the first, an end the second.
    [InlineData("Europe/Amsterdam", "2027-10-31", "02:30", "04:00", "2027-10-31T02:30:00+02:00", "2027-10-31T04:00:00+01:00")]
    [InlineData("Europe/Amsterdam", "2027-10-31", "01:00", "02:30", "2027-10-31T01:00:00+02:00", "2027-10-31T02:30:00+01:00")]
    // Lord Howe moves by 30 minutes: 01:30-02:00 repeats on 2027-04-04.
    [InlineData("Australia/Lord_Howe", "2027-04-04", "01:45", "03:00", "2027-04-04T01:45:00+11:00", "2027-04-04T03:00:00+10:30")]
    // Midnight that does not exist (Santiago springs forward at 24:00 -> 01:00).
    [InlineData("America/Santiago", "2027-09-05", "00:00", "10:00", "2027-09-05T01:00:00-03:00", "2027-09-05T10:00:00-03:00")]
    [InlineData("Asia/Kathmandu", "2027-01-04", "09:00", "17:00", "2027-01-04T09:00:00+05:45", "2027-01-04T17:00:00+05:45")]
    [InlineData("Europe/Amsterdam", "2027-01-04", "22:00", "24:00", "2027-01-04T22:00:00+01:00", "2027-01-05T00:00:00+01:00")]
    public void ToInstants_ResolvesGapsAndOverlapsAsDocumented(string zone, string date, string start, string end, string expectedStart, string expectedEnd)
    {
        var span = ZoneMapping.ToInstants(LocalDatePattern.Iso.Parse(date).Value, TimeRange.Parse(start, end), DateTimeZoneProviders.Tzdb[zone]);
        Assert.Equal(Build.At(expectedStart), span.StartInstant);
        Assert.Equal(Build.At(expectedEnd), span.EndInstant);
    }

    [Theory]
    [InlineData("09:00", 540)]
    [InlineData("24:00", 1440)]
    [InlineData("00:00", 0)]
    public void TryParseMinute_ValidText_ReturnsMinutes(string text, int expected)
    {
        Assert.True(TimeRange.TryParseMinute(text, out var minute));
        Assert.Equal(expected, minute);
    }

    [Theory]
    [InlineData("9:00")]
    [InlineData("24:30")]
    [InlineData("12:60")]
    [InlineData("ab:cd")]
    [InlineData("")]
    public void TryParseMinute_InvalidText_ReturnsFalse(string text) => Assert.False(TimeRange.TryParseMinute(text, out _));

    [Fact]
    public void HoursOn_ExceptionDate_ReplacesWeeklyHours()
    {
        var schedule = new Schedule(
            new Dictionary<IsoDayOfWeek, IReadOnlyList<TimeRange>> { [IsoDayOfWeek.Friday] = Build.Ranges("09:00-17:00") },
            new Dictionary<LocalDate, IReadOnlyList<TimeRange>>
            {
                [new LocalDate(2026, 12, 25)] = [],
                [new LocalDate(2026, 12, 24)] = Build.Ranges("09:00-13:00"),
            });
        Assert.Empty(schedule.HoursOn(new LocalDate(2026, 12, 25)));
        Assert.Equal(Build.Ranges("09:00-13:00"), schedule.HoursOn(new LocalDate(2026, 12, 24)));
        Assert.Equal(Build.Ranges("09:00-17:00"), schedule.HoursOn(new LocalDate(2027, 1, 1)));
        Assert.Empty(schedule.HoursOn(new LocalDate(2027, 1, 2)));
    }
}
