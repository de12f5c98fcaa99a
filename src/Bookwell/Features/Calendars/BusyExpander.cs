using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;
using NodaTime;
using Duration = NodaTime.Duration;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Turns an iCalendar feed into busy spans within a window: recurring events expanded (RRULE, RDATE, EXDATE,
/// RECURRENCE-ID overrides, each in its own TZID, also one the file defines only by its VTIMEZONE), transparent and cancelled events left out, all-day events
/// busy for that whole local day and floating times read in the staff member's zone.
/// </summary>
public static class BusyExpander
{
    /// <summary>More than this many busy spans in the window is refused rather than stored (a runaway rule).</summary>
    public const int MaxSpans = 5000;

    public static List<(Instant Start, Instant End)> Expand(string ics, Instant from, Instant to, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Calendar? calendar;
        FeedZones.Prepared prepared;
        try
        {
            // Zones named otherwise than IANA or Windows ids are read from the file's own VTIMEZONE rules (FeedZones).
            prepared = FeedZones.Prepare(ics, from - MaxLookBack - Duration.FromDays(7), to);
            calendar = Calendar.Load(prepared.Ics);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new FeedException("The file is not a valid iCalendar (.ics) calendar.");
        }
        if (calendar is null)
        {
            throw new FeedException("The file is not a valid iCalendar (.ics) calendar.");
        }
        var spans = new List<(Instant, Instant)>();
        // Occurrences are found by their start; a long event that began before the window still overlaps it, so the
        // search starts as far back as the calendar's longest event lasts (a three-week holiday), at least a week.
        var searchFrom = IcsWriterUtc(from - Duration.Max(Duration.FromDays(7), Longest(calendar)));
        try
        {
            foreach (var occurrence in calendar.GetOccurrences<CalendarEvent>(searchFrom, new EvaluationOptions { MaxUnmatchedIncrementsLimit = 10_000 })
                         .TakeWhileBefore(IcsWriterUtc(to)))
            {
                if (occurrence.Source is not CalendarEvent e || !IsBusy(e))
                {
                    continue;
                }
                var (start, end) = Bounds(occurrence.Period, ZoneOf(e, prepared.Zones) ?? zone, zone);
                if (end <= start || end <= from || start >= to)
                {
                    continue;
                }
                spans.Add((start < from ? from : start, end > to ? to : end));
                if (spans.Count > MaxSpans)
                {
                    throw new FeedException($"The calendar has more than {MaxSpans} busy times in the coming period.");
                }
            }
        }
        catch (EvaluationException)
        {
            throw new FeedException("A recurring event in the calendar could not be expanded.");
        }
        catch (ArgumentException)
        {
            throw new FeedException("An event in the calendar has invalid dates or time zones.");
        }
        spans.Sort();
        return spans;
    }

    /// <summary>Upper bound on how long one occurrence lasts: the longest event, a day more (zones, all-day ends), at most a year and a day.</summary>
    internal static Duration Longest(Calendar calendar)
    {
        var longest = TimeSpan.Zero;
        foreach (var e in calendar.Events)
        {
            TimeSpan length;
            try
            {
                length = e.DtStart is { } start && e.DtEnd is { } end ? end.AsUtc - start.AsUtc
                    : e.Duration is { } duration ? duration.ToTimeSpanUnspecified()
                    : TimeSpan.Zero;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException)
            {
                continue;
            }
            if (length > longest)
            {
                longest = length;
            }
        }
        var bound = Duration.FromTimeSpan(longest) + Duration.FromDays(1);
        return bound > MaxLookBack ? MaxLookBack : bound;
    }

    private static readonly Duration MaxLookBack = Duration.FromDays(367);

    private static bool IsBusy(CalendarEvent e) =>
        !string.Equals(e.Transparency, "TRANSPARENT", StringComparison.OrdinalIgnoreCase) &&
        !string.Equals(e.Status, "CANCELLED", StringComparison.OrdinalIgnoreCase);

    /// <summary>The zone of an event whose times named a zone defined only in the file (<see cref="FeedZones.Marker"/>), or null.</summary>
    private static DateTimeZone? ZoneOf(CalendarEvent e, IReadOnlyList<DateTimeZone> zones) =>
        zones.Count > 0 && e.Properties.Get<string>(FeedZones.Marker) is { } marker &&
        int.TryParse(marker, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < zones.Count
            ? zones[i]
            : null;

    /// <summary>An occurrence's instants: floating times in <paramref name="zone"/> (the event's own, or the staff member's), all-day in the staff member's.</summary>
    private static (Instant, Instant) Bounds(Ical.Net.DataTypes.Period period, DateTimeZone zone, DateTimeZone staffZone)
    {
        var start = period.StartTime;
        var end = period.EffectiveEndTime;
        if (!start.HasTime)
        {
            // All-day: busy from the start of that local day to the start of the day after its end date (DTEND is exclusive).
            var first = new LocalDate(start.Year, start.Month, start.Day);
            var last = end is null ? first.PlusDays(1) : new LocalDate(end.Year, end.Month, end.Day);
            if (last <= first)
            {
                last = first.PlusDays(1);
            }
            return (staffZone.AtStartOfDay(first).ToInstant(), staffZone.AtStartOfDay(last).ToInstant());
        }
        var s = ToInstant(start, zone);
        return (s, end is null ? s : ToInstant(end, zone));
    }

    private static Instant ToInstant(CalDateTime time, DateTimeZone zone) =>
        time.IsFloating
            ? zone.AtLeniently(LocalDateTime.FromDateTime(time.Value)).ToInstant()
            : Instant.FromDateTimeUtc(DateTime.SpecifyKind(time.AsUtc, DateTimeKind.Utc));

    private static CalDateTime IcsWriterUtc(Instant instant) => Bookings.IcsWriter.Utc(instant);
}
