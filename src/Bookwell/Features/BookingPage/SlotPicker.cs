using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Slots;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.BookingPage;

public sealed record DayChoice(LocalDate Date, string Label, string Weekday, int Count, bool Selected);

public sealed record TimeChoice(string Start, string Label, string? BusinessLabel);

/// <summary>What the date strip and time buttons show: two weeks of days in the visitor's zone, the chosen
/// day's times, and, when nothing is free, the next date that has a time.</summary>
public sealed record SlotPickerModel(
    DateTimeZone VisitorZone,
    DateTimeZone PageZone,
    LocalDate StripStart,
    IReadOnlyList<DayChoice> Days,
    LocalDate? SelectedDate,
    IReadOnlyList<TimeChoice> Times,
    LocalDate? NextFreeDate,
    bool CanGoEarlier,
    bool CanGoLater,
    bool Monthly)
{
    public bool ZonesDiffer => VisitorZone.Id != PageZone.Id;

    /// <summary>Where the previous page of dates starts: two weeks back, or the previous month.</summary>
    public LocalDate Earlier => Monthly ? StripStart.PlusMonths(-1) : StripStart.PlusDays(-SlotPicker.StripDays);

    public LocalDate Later => Monthly ? StripStart.PlusMonths(1) : StripStart.PlusDays(SlotPicker.StripDays);
}

public static class SlotPicker
{
    public const int StripDays = 14;

    /// <summary>Up to two weeks ahead a strip of day buttons; beyond that a month calendar.</summary>
    public static bool UsesMonths(ServiceModel service) => service?.Rules.HorizonDays > StripDays;

    public static async Task<SlotPickerModel> BuildAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch, string? staff,
        DateTimeZone visitor, LocalDate? from, LocalDate? selected, Instant now, CancellationToken ct, IReadOnlyList<ServiceModel>? visit = null,
        Scheduling.Travel.Trip? trip = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(visitor);
        var today = now.InZone(visitor).Date;
        var lastBookable = now.InZone(page.Zone).Date.PlusDays(service.Rules.HorizonDays);
        var monthly = UsesMonths(service);
        var start = from is { } f && f > today ? f : today;
        if (start > lastBookable)
        {
            start = today;
        }
        if (monthly)
        {
            start = new LocalDate(start.Year, start.Month, 1);
        }
        var end = monthly ? start.PlusMonths(1).PlusDays(-1) : start.PlusDays(StripDays - 1);
        var answer = await AnswerAsync(db, page, service, visit, branch, staff, visitor, start < today ? today : start, end, now, ct, trip);
        var byDate = (answer.ByDate is { } grouped && grouped.Zone == visitor ? grouped : answer.ByDate = new SlotDays(visitor, Group(answer.Slots, visitor))).Days;
        var chosen = selected is { } sd && sd >= start && sd <= end ? sd : byDate.Keys.OrderBy(d => d).Cast<LocalDate?>().FirstOrDefault();
        var culture = CultureInfo.CurrentCulture;
        var dayLabel = LocalDatePattern.Create("d MMM", culture);
        var weekday = LocalDatePattern.Create("ddd", culture);
        var count = Period.Between(start, end, PeriodUnits.Days).Days + 1;
        var days = Enumerable.Range(0, count).Select(i => start.PlusDays(i)).Where(d => monthly || d <= lastBookable.PlusDays(1))
            .Select(d => new DayChoice(d, dayLabel.Format(d), weekday.Format(d), byDate.TryGetValue(d, out var l) ? l.Length : 0, d == chosen))
            .ToList();
        var times = chosen is { } c && byDate.TryGetValue(c, out var list)
            ? list.Select(s => new TimeChoice(TimeFormats.Format(s.Start, visitor), FormatTime(s.Start, visitor),
                visitor.Id == page.Zone.Id ? null : FormatTime(s.Start, page.Zone))).ToList()
            : [];
        LocalDate? next = null;
        if (answer.Slots.Count == 0)
        {
            next = await NextFreeDateAsync(db, page, service, visit, branch, staff, visitor, end.PlusDays(1), lastBookable.PlusDays(1), now, ct, trip);
        }
        return new SlotPickerModel(visitor, page.Zone, start, days, chosen, times, next, start > today, end < lastBookable, monthly);
    }

    public static string FormatTime(Instant instant, DateTimeZone zone) =>
        instant.InZone(zone).ToDateTimeUnspecified().ToString("t", CultureInfo.CurrentCulture);

    public static string FormatDate(LocalDate date) =>
        LocalDatePattern.Create("dddd d MMMM yyyy", CultureInfo.CurrentCulture).Format(date);

    public static string FormatWhen(Instant start, DateTimeZone zone) =>
        $"{FormatDate(start.InZone(zone).Date)}, {FormatTime(start, zone)}";

    /// <summary>Slots by local date in <paramref name="zone"/>, each day's in the answer's order.</summary>
    private static Dictionary<LocalDate, Slot[]> Group(IReadOnlyList<Slot> slots, DateTimeZone zone)
    {
        var byDate = new Dictionary<LocalDate, Slot[]>();
        var i = 0;
        while (i < slots.Count)
        {
            // Slots come in start order, so a day's are one run; a day met again (never, today) is appended to.
            var date = slots[i].Start.InZone(zone).Date;
            var j = i + 1;
            while (j < slots.Count && slots[j].Start.InZone(zone).Date == date)
            {
                j++;
            }
            var run = new Slot[j - i];
            for (var k = i; k < j; k++)
            {
                run[k - i] = slots[k];
            }
            byDate[date] = byDate.TryGetValue(date, out var earlier) ? [.. earlier, .. run] : run;
            i = j;
        }
        return byDate;
    }

    /// <summary>The cached answer behind <see cref="FindAsync"/> (the page reads its slots without copying them).</summary>
    private static async Task<SlotAnswer> AnswerAsync(BookwellDb db, CompiledPage page, ServiceModel service, IReadOnlyList<ServiceModel>? visit,
        string? branch, string? staff, DateTimeZone zone, LocalDate from, LocalDate to, Instant now, CancellationToken ct, Scheduling.Travel.Trip? trip) =>
        visit is { Count: > 1 }
            ? await AvailabilityLoader.VisitAnswerAsync(db, page, visit, branch, staff, zone, from, to, now, ct)
            : await AvailabilityLoader.AnswerAsync(db, page, service, branch, staff, zone, from, to, now, ct, trip);

    /// <summary>Slots of one service, or visit starts of several (issue 15).</summary>
    private static async Task<IReadOnlyList<Slot>> FindAsync(BookwellDb db, CompiledPage page, ServiceModel service, IReadOnlyList<ServiceModel>? visit,
        string? branch, string? staff, DateTimeZone zone, LocalDate from, LocalDate to, Instant now, CancellationToken ct, Scheduling.Travel.Trip? trip) =>
        visit is { Count: > 1 }
            ? (await AvailabilityLoader.VisitAnswerAsync(db, page, visit, branch, staff, zone, from, to, now, ct)).Slots
            : await AvailabilityLoader.FindSlotsAsync(db, page, service, branch, staff, zone, from, to, now, ct, trip);

    private static async Task<LocalDate?> NextFreeDateAsync(BookwellDb db, CompiledPage page, ServiceModel service, IReadOnlyList<ServiceModel>? visit,
        string? branch, string? staff, DateTimeZone zone, LocalDate from, LocalDate until, Instant now, CancellationToken ct, Scheduling.Travel.Trip? trip)
    {
        for (var chunk = from; chunk <= until; chunk = chunk.PlusDays(PageEndpoints.MaxDaysPerRequest))
        {
            var to = chunk.PlusDays(PageEndpoints.MaxDaysPerRequest - 1);
            var found = await FindAsync(db, page, service, visit, branch, staff, zone, chunk, to < until ? to : until, now, ct, trip);
            if (found.Count > 0)
            {
                return found[0].Start.InZone(zone).Date;
            }
        }
        return null;
    }
}
