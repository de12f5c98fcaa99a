using Bookwell.Features.Calendars;
using NodaTime;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// Events that began long before the window still block it: a three-week holiday (all-day, or timed with a
/// DURATION) and a long monthly recurring event whose occurrence started well over a week before the window.
/// </summary>
public sealed class BusyExpanderTests
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    private static string Calendar(params string[][] events) => string.Join("\r\n",
    [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Busy//EN",
        .. events.SelectMany((e, i) => (string[])["BEGIN:VEVENT", $"UID:e{i}@test", "DTSTAMP:20270101T000000Z", .. e, "END:VEVENT"]),
        "END:VCALENDAR", "",
    ]);

    private static readonly Instant From = Instant.FromUtc(2027, 2, 28, 7, 0);
    private static readonly Instant To = Instant.FromUtc(2027, 4, 1, 0, 0);

    [Fact]
    public void AllDayHolidayOfThreeWeeks_StartedBeforeTheWindow_BlocksUntilItsEnd()
    {
        var spans = BusyExpander.Expand(Calendar(["SUMMARY:Holiday", "DTSTART;VALUE=DATE:20270215", "DTEND;VALUE=DATE:20270308"]), From, To, Amsterdam);
        // Busy from the window's start to the start of 8 March in Amsterdam (DTEND is exclusive).
        Assert.Equal([(From, Instant.FromUtc(2027, 3, 7, 23, 0))], spans);
    }

    [Fact]
    public void TimedEventWithADurationOfTwentyDays_StartedBeforeTheWindow_BlocksUntilItsEnd()
    {
        var spans = BusyExpander.Expand(Calendar(["SUMMARY:Sabbatical", "DTSTART:20270210T080000Z", "DURATION:P20D"]), From, To, Amsterdam);
        Assert.Equal([(From, Instant.FromUtc(2027, 3, 2, 8, 0))], spans);
    }

    [Fact]
    public void LongMonthlyRecurringEvent_TheOccurrenceRunningIntoTheWindowBlocks_AndTheNextOneToo()
    {
        // Twelve days from the 20th of each month, 09:00 UTC: the February occurrence runs until 4 March.
        var spans = BusyExpander.Expand(Calendar(["SUMMARY:Block", "DTSTART:20270120T090000Z", "DTEND:20270201T090000Z", "RRULE:FREQ=MONTHLY"]),
            Instant.FromUtc(2027, 2, 28, 7, 0), Instant.FromUtc(2027, 3, 25, 0, 0), Amsterdam);
        Assert.Equal([(Instant.FromUtc(2027, 2, 28, 7, 0), Instant.FromUtc(2027, 3, 4, 9, 0)), (Instant.FromUtc(2027, 3, 20, 9, 0), Instant.FromUtc(2027, 3, 25, 0, 0))],
            spans);
    }

    [Fact]
    public void EventsThatEndedBeforeTheWindow_BlockNothing()
    {
        var spans = BusyExpander.Expand(Calendar(["SUMMARY:Old holiday", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270201"],
            ["SUMMARY:Ended just before", "DTSTART:20270210T080000Z", "DTEND:20270228T070000Z"]), From, To, Amsterdam);
        Assert.Empty(spans);
    }
}
