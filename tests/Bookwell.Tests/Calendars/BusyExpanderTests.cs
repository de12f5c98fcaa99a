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

    /// <summary>Outlook-style zone name (not an IANA or Windows id) with its rules in the file's VTIMEZONE, including summer time.</summary>
    public const string OutlookZone = "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna";

    public static string OutlookFeed(string firstDay, int count) => string.Join("\r\n",
    [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "BEGIN:VTIMEZONE", $"TZID:{OutlookZone}",
        "BEGIN:STANDARD", "DTSTART:16011028T030000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:16010325T020000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:weekly@outlook.test", "DTSTAMP:20270101T000000Z", "SUMMARY:Weekly",
        $"DTSTART;TZID=\"{OutlookZone}\":{firstDay}T090000", $"DTEND;TZID=\"{OutlookZone}\":{firstDay}T100000", $"RRULE:FREQ=WEEKLY;COUNT={count}",
        "END:VEVENT", "END:VCALENDAR", "",
    ]);

    /// <summary>
    /// A weekly 09:00 meeting in a zone the file names its own way and defines by its VTIMEZONE: read by those rules, so 08:00
    /// UTC before Europe's summer time starts on 28 March and 07:00 UTC after it. (Ical.Net alone took any TZID starting with
    /// "(UTC" or "GMT" for UTC: an hour late in winter, two in summer.)
    /// </summary>
    [Fact]
    public void ZoneDefinedOnlyByTheFilesVTimezone_IsReadByItsRules_AcrossTheSummerTimeChange()
    {
        var spans = BusyExpander.Expand(OutlookFeed("20270322", 3), Instant.FromUtc(2027, 3, 20, 0, 0), To + Duration.FromDays(10), Amsterdam);
        Assert.Equal(
        [
            (Instant.FromUtc(2027, 3, 22, 8, 0), Instant.FromUtc(2027, 3, 22, 9, 0)),
            (Instant.FromUtc(2027, 3, 29, 7, 0), Instant.FromUtc(2027, 3, 29, 8, 0)),
            (Instant.FromUtc(2027, 4, 5, 7, 0), Instant.FromUtc(2027, 4, 5, 8, 0)),
        ], spans);
    }

    /// <summary>
    /// A fixed custom zone ("Customized Time Zone", +05:00) is read from its VTIMEZONE; a zone name with no definition anywhere is
    /// read as floating time in the staff member's zone. Neither makes the feed unreadable: before, either failed the whole feed,
    /// so none of its events blocked anything.
    /// </summary>
    [Fact]
    public void CustomFixedZone_AndAnUndefinedZoneName_AreRead_AndTheOtherEventsStillBlock()
    {
        var ics = string.Join("\r\n",
        [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Busy//EN",
            "BEGIN:VTIMEZONE", "TZID:Customized Time Zone", "BEGIN:STANDARD", "DTSTART:16010101T000000", "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500",
            "END:STANDARD", "END:VTIMEZONE",
            "BEGIN:VEVENT", "UID:custom@test", "DTSTAMP:20270101T000000Z",
            "DTSTART;TZID=Customized Time Zone:20270303T150000", "DTEND;TZID=Customized Time Zone:20270303T160000", "END:VEVENT",
            "BEGIN:VEVENT", "UID:nowhere@test", "DTSTAMP:20270101T000000Z",
            "DTSTART;TZID=Nowhere/Atlantis:20270304T120000", "DTEND;TZID=Nowhere/Atlantis:20270304T130000", "END:VEVENT",
            "BEGIN:VEVENT", "UID:utc@test", "DTSTAMP:20270101T000000Z", "DTSTART:20270305T090000Z", "DTEND:20270305T100000Z", "END:VEVENT",
            "END:VCALENDAR", "",
        ]);
        Assert.Equal(
        [
            (Instant.FromUtc(2027, 3, 3, 10, 0), Instant.FromUtc(2027, 3, 3, 11, 0)),
            (Instant.FromUtc(2027, 3, 4, 11, 0), Instant.FromUtc(2027, 3, 4, 12, 0)),
            (Instant.FromUtc(2027, 3, 5, 9, 0), Instant.FromUtc(2027, 3, 5, 10, 0)),
        ], BusyExpander.Expand(ics, From, To, Amsterdam));
    }
}
