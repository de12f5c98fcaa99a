using BenchmarkDotNet.Attributes;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using NodaTime;

namespace Bookwell.Benchmarks;

/// <summary>
/// Issue 15's mobile load in the engine alone: 20 staff who come to the client over 30 days, six 30-minute visits a day
/// each (two hours apart, at addresses spread over 9.5 km around a base in Utrecht, each holding up to 20 minutes of travel
/// either side), 40 km/h with a 10-minute margin. A mobile question is prepared once for every address
/// (<see cref="SlotEngine.ForTrips"/>) and then answered per address, each call from another of 1,000 places over the area.
/// </summary>
[MemoryDiagnoser]
public class TripSlotsBenchmarks
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
    private static readonly GeoPoint Base = new(52.0907, 5.1214);
    private SlotRequest _month = null!;
    private SlotEngine.TripSlots _prepared = null!;
    private GeoPoint[] _places = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _places = [.. Enumerable.Range(0, 1000).Select(n => Spread(n, 1000, 9))];
        var first = new LocalDate(2027, 3, 1);
        var hours = new Schedule(Enumerable.Range(1, 7).ToDictionary(d => (IsoDayOfWeek)d,
            _ => (IReadOnlyList<TimeRange>)[new TimeRange(8 * 60, 20 * 60)]));
        var staff = new List<BookableUnit>();
        var visit = 0;
        for (var s = 0; s < 20; s++)
        {
            var busy = new List<Span>();
            var stops = new List<Stop>();
            for (var day = 0; day < 30; day++)
            {
                for (var v = 0; v < 6; v++)
                {
                    var start = Amsterdam.AtStrictly(first.PlusDays(day).At(new LocalTime(8, 30)).PlusMinutes((120 * v) + (15 * (s % 4)))).ToInstant();
                    var service = Span.Of(start, start + Duration.FromMinutes(30));
                    stops.Add(new Stop(service, Spread(visit++, 3600, 9.5)));
                    busy.Add(Span.Of(start - Duration.FromMinutes(20), start + Duration.FromMinutes(50)));
                }
            }
            staff.Add(new BookableUnit($"staff-{s}", 0, null, [], SpanSet.Normalize(busy), stops));
        }
        var rules = new ServiceRules(Duration.FromMinutes(30), Duration.Zero, Duration.Zero, Duration.FromMinutes(30),
            Duration.Zero, 60, 1, true, []);
        var allDays = Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).ToHashSet();
        var window = Span.Of(Amsterdam.AtStartOfDay(first).ToInstant(), Amsterdam.AtStartOfDay(first.PlusDays(30)).ToInstant());
        var trip = new Trip(Base, new TravelRule(40, Duration.FromMinutes(10)), Base, Amsterdam);
        _month = new SlotRequest(Amsterdam, [hours], allDays, rules, staff, [], new Dictionary<Instant, GroupInstance>(),
            Instant.FromUtc(2027, 2, 28, 12, 0), window, Trip: trip);
        _prepared = SlotEngine.ForTrips(_month);
    }

    /// <summary>The n-th of <paramref name="count"/> points of a sunflower spiral over <paramref name="radiusKm"/> around the base.</summary>
    private static GeoPoint Spread(int n, int count, double radiusKm)
    {
        var r = radiusKm * Math.Sqrt((n + 0.5) / count);
        var angle = n * 2.399963229728653;
        var lat = Base.Latitude + (r * Math.Cos(angle) / 111.195);
        return new GeoPoint(lat, Base.Longitude + (r * Math.Sin(angle) / (111.195 * Math.Cos(Base.Latitude * Math.PI / 180))));
    }

    private GeoPoint NextPlace() => _places[_next++ % _places.Length];

    /// <summary>Preparing the 30-day question (done once per busy version and ten seconds, shared by every address).</summary>
    [Benchmark]
    public int Prepare() => SlotEngine.ForTrips(_month).StartCount;

    /// <summary>One address's answer as <see cref="Slot"/>s (what the booking page reads).</summary>
    [Benchmark(Baseline = true)]
    public int AnswerAsSlots() => _prepared.FindSlots(NextPlace()).Count;

    /// <summary>One address's answer as indexes (what the API writes its JSON from).</summary>
    [Benchmark]
    public int AnswerAsIndexes()
    {
        var sink = new Count();
        _prepared.FindSlots(NextPlace(), ref sink);
        return sink.Slots;
    }

    /// <summary>The same answer without a preparation: the whole engine per address (the oracle the property tests use).</summary>
    [Benchmark]
    public int AnswerUnprepared() => SlotEngine.FindSlots(_month with { Trip = _month.Trip! with { Destination = NextPlace() } }).Count;

    private struct Count : SlotEngine.ITripSlotSink
    {
        public int Slots;

        public void Slot(int start, ReadOnlySpan<int> units) => Slots += units.Length > 0 ? 1 : 0;
    }
}
