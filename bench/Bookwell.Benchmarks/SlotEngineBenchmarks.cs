using BenchmarkDotNet.Attributes;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using NodaTime;

namespace Bookwell.Benchmarks;

/// <summary>
/// The reference load: 20 staff over 30 days holding 10,000 bookings, a page in Europe/Amsterdam and a
/// visitor in America/New_York. One day is what a booking page asks for per click; 30 days is the worst case.
/// </summary>
[MemoryDiagnoser]
public class SlotEngineBenchmarks
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private SlotRequest _day = null!;
    private SlotRequest _month = null!;

    public int BookingCount { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var first = new LocalDate(2027, 3, 1);
        var hours = new Schedule(Enumerable.Range(1, 7).ToDictionary(d => (IsoDayOfWeek)d,
            _ => (IReadOnlyList<TimeRange>)[new TimeRange(8 * 60, 20 * 60)]));
        var staff = new List<BookableUnit>();
        BookingCount = 0;
        for (var s = 0; s < 20; s++)
        {
            var busy = new List<Span>();
            for (var day = 0; day < 30; day++)
            {
                // 24 half-hour grid positions a day; about 17 of them booked (500 bookings per staff member).
                var date = first.PlusDays(day);
                foreach (var slot in Enumerable.Range(0, 24).OrderBy(_ => rng.Next()).Take(day % 3 == 0 ? 16 : 17).Order())
                {
                    var start = Amsterdam.AtStrictly(date.At(new LocalTime(8, 0)).PlusMinutes(30 * slot)).ToInstant();
                    busy.Add(Span.Of(start, start + Duration.FromMinutes(30)));
                }
            }
            BookingCount += busy.Count;
            staff.Add(new BookableUnit($"staff-{s}", 0, null, [], SpanSet.Normalize(busy)));
        }
        var rules = new ServiceRules(Duration.FromMinutes(30), Duration.Zero, Duration.Zero, Duration.FromMinutes(30),
            Duration.Zero, 60, 1, true, []);
        var now = Instant.FromUtc(2027, 2, 28, 12, 0);
        var allDays = Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).ToHashSet();
        Span Window(LocalDate from, LocalDate to) => Span.Of(NewYork.AtStartOfDay(from).ToInstant(), NewYork.AtStartOfDay(to.PlusDays(1)).ToInstant());
        _day = new SlotRequest(Amsterdam, [hours], allDays, rules, staff, [], new Dictionary<Instant, GroupInstance>(), now,
            Window(first.PlusDays(10), first.PlusDays(10)));
        _month = _day with { Window = Window(first, first.PlusDays(29)) };
    }

    [Benchmark(Baseline = true)]
    public int OneDay() => SlotEngine.FindSlots(_day).Count;

    [Benchmark]
    public int ThirtyDays() => SlotEngine.FindSlots(_month).Count;
}
