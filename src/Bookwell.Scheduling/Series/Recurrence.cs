using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Slots;
using NodaTime;

namespace Bookwell.Scheduling.Series;

/// <summary>How often a series repeats.</summary>
public enum Frequency
{
    /// <summary>Every week on the first occurrence's weekday.</summary>
    Weekly,

    /// <summary>Every second week on the first occurrence's weekday.</summary>
    Biweekly,

    /// <summary>
    /// Every month on the same weekday in the same place of the month as the first occurrence (the 2nd Tuesday
    /// stays the 2nd Tuesday). A first occurrence in the month's last seven days means "the last such weekday",
    /// so a 5th Monday never silently skips the months that have only four.
    /// </summary>
    Monthly,
}

/// <summary>A repetition rule: <paramref name="Count"/> occurrences (the first included), or every one up to and
/// including the local date <paramref name="Until"/>, whichever ends first; at most <paramref name="Limit"/>.</summary>
public sealed record RecurrenceRule(Frequency Frequency, int? Count, LocalDate? Until, int Limit = 52);

/// <summary>One occurrence of a series: its place (0 is the first), the wall-clock time asked for and the instant it maps to.</summary>
/// <param name="Index">0-based place in the series.</param>
/// <param name="Local">The local date and time in the business zone (the first occurrence's time of day, kept).</param>
/// <param name="Start">The instant; when the local time falls in a spring-forward gap, the first instant after the gap.</param>
/// <param name="Shifted">True when <paramref name="Local"/> does not exist that day (a DST gap) and the start was moved.</param>
public sealed record Occurrence(int Index, LocalDateTime Local, Instant Start, bool Shifted);

/// <summary>
/// Expands a series in the business zone. Pure: no clock, no I/O. Wall-clock time is kept across DST changes
/// (09:00 stays 09:00); an ambiguous time (fall-back overlap) takes its earlier occurrence, as an opening bound
/// does in <see cref="ZoneMapping"/>, and a time inside a gap moves to the first instant after it.
/// </summary>
public static class Recurrence
{
    /// <summary>The occurrences of a series whose first occurrence starts at <paramref name="first"/>.</summary>
    public static IReadOnlyList<Occurrence> Expand(Instant first, DateTimeZone zone, RecurrenceRule rule)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(rule);
        return Expand(first.InZone(zone).LocalDateTime, zone, rule);
    }

    /// <summary>The occurrences of a series whose first occurrence is at local time <paramref name="first"/>.</summary>
    public static IReadOnlyList<Occurrence> Expand(LocalDateTime first, DateTimeZone zone, RecurrenceRule rule)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Count is null && rule.Until is null)
        {
            throw new ArgumentException("A series needs a count or an end date.", nameof(rule));
        }
        var max = Math.Min(rule.Count ?? int.MaxValue, Math.Max(1, rule.Limit));
        var result = new List<Occurrence>();
        var time = first.TimeOfDay;
        var weekOfMonth = (first.Day - 1) / 7; // 0-based: 0 = first such weekday of the month
        var last = first.Day + 7 > DaysIn(first.Date);
        for (var i = 0; result.Count < max; i++)
        {
            var date = DateOf(first.Date, rule.Frequency, i, weekOfMonth, last);
            if (rule.Until is { } until && date > until)
            {
                break;
            }
            var local = date + time;
            var mapping = zone.MapLocal(local);
            var start = zone.ResolveLocal(local, ZoneMapping.StartResolver).ToInstant();
            result.Add(new Occurrence(i, local, start, mapping.Count == 0));
        }
        return result;
    }

    /// <summary>The local date of occurrence <paramref name="i"/>.</summary>
    public static LocalDate DateOf(LocalDate first, Frequency frequency, int i, int weekOfMonth, bool lastOfMonth) => frequency switch
    {
        Frequency.Weekly => first.PlusWeeks(i),
        Frequency.Biweekly => first.PlusWeeks(2 * i),
        _ => NthWeekday(first.PlusMonths(i), first.DayOfWeek, weekOfMonth, lastOfMonth),
    };

    private static LocalDate NthWeekday(LocalDate inMonth, IsoDayOfWeek day, int weekOfMonth, bool lastOfMonth)
    {
        var firstOfMonth = new LocalDate(inMonth.Year, inMonth.Month, 1);
        if (lastOfMonth)
        {
            var end = firstOfMonth.PlusMonths(1).PlusDays(-1);
            return end.DayOfWeek == day ? end : end.Previous(day);
        }
        var firstDay = firstOfMonth.DayOfWeek == day ? firstOfMonth : firstOfMonth.Next(day);
        return firstDay.PlusWeeks(weekOfMonth);
    }

    private static int DaysIn(LocalDate date) => date.Calendar.GetDaysInMonth(date.Year, date.Month);

    /// <summary>
    /// The free slot nearest to <paramref name="wanted"/> on the same local date (in <paramref name="zone"/>), earlier
    /// winning a tie; null when that day has none. <paramref name="slots"/> must be sorted by start.
    /// </summary>
    public static Slot? NearestSameDay(IReadOnlyList<Slot> slots, Instant wanted, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(zone);
        var day = wanted.InZone(zone).Date;
        Slot? best = null;
        var bestDistance = Duration.MaxValue;
        foreach (var slot in slots)
        {
            if (slot.Start == wanted || slot.Start.InZone(zone).Date != day)
            {
                continue;
            }
            var distance = slot.Start > wanted ? slot.Start - wanted : wanted - slot.Start;
            if (distance < bestDistance)
            {
                best = slot;
                bestDistance = distance;
            }
        }
        return best;
    }
}
