using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Scheduling.Tests;

/// <summary>Terse builders so each test reads as its table row.</summary>
internal static class Build
{
    public static readonly IReadOnlySet<IsoDayOfWeek> EveryDay = Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).ToHashSet();

    public static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];

    public static Schedule Daily(params string[] ranges) => new(
        EveryDay.ToDictionary(d => d, _ => Ranges(ranges)));

    public static Schedule Weekly(IsoDayOfWeek day, params string[] ranges) => new(
        new Dictionary<IsoDayOfWeek, IReadOnlyList<TimeRange>> { [day] = Ranges(ranges) });

    public static IReadOnlyList<TimeRange> Ranges(params string[] ranges) =>
        ranges.Select(r => TimeRange.Parse(r[..5], r[6..])).ToList();

    public static Instant At(string offsetDateTime) =>
        OffsetDateTimePattern.ExtendedIso.Parse(offsetDateTime).GetValueOrThrow().ToInstant();

    public static Span Between(string start, string end) => Span.Of(At(start), At(end));

    public static Span LocalDays(DateTimeZone zone, string from, string toInclusive)
    {
        var f = LocalDatePattern.Iso.Parse(from).Value;
        var t = LocalDatePattern.Iso.Parse(toInclusive).Value;
        return Span.Of(zone.AtStartOfDay(f).ToInstant(), zone.AtStartOfDay(t.PlusDays(1)).ToInstant());
    }

    public static ServiceRules Service(int minutes, int interval = 0, int before = 0, int after = 0, int notice = 0,
        int horizon = 365, int capacity = 1, bool staff = true, params string[] resources) =>
        new(Duration.FromMinutes(minutes), Duration.FromMinutes(before), Duration.FromMinutes(after),
            Duration.FromMinutes(interval == 0 ? minutes : interval), Duration.FromMinutes(notice), horizon, capacity,
            staff, resources);

    public static BookableUnit Staff(string key, Schedule? own = null, params Span[] busy) =>
        new(key, 0, null, own is null ? [] : [own], SpanSet.Normalize(busy));

    public static BookableUnit Resource(string key, string type, int seat = 0, params Span[] busy) =>
        new(key, seat, type, [], SpanSet.Normalize(busy));

    public static SlotRequest Request(string zone, Schedule hours, ServiceRules service, Instant now, Span window,
        IReadOnlyList<BookableUnit>? staff = null, IReadOnlyList<BookableUnit>? resources = null,
        IReadOnlySet<IsoDayOfWeek>? allowed = null, IReadOnlyDictionary<Instant, GroupInstance>? groups = null,
        bool walkIn = false) =>
        new(Zone(zone), [hours], allowed ?? EveryDay, service, staff ?? [Staff("anna")], resources ?? [],
            groups ?? new Dictionary<Instant, GroupInstance>(), now, window, walkIn);

    public static string[] Starts(IEnumerable<Slot> slots, string zone) =>
        slots.Select(s => OffsetDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:sso<+HH:mm>").Format(s.Start.InZone(Zone(zone)).ToOffsetDateTime())).ToArray();
}
