using Bookwell.Scheduling.Intervals;
using NodaTime;
using NodaTime.TimeZones;

namespace Bookwell.Scheduling.Availability;

/// <summary>
/// Turns local opening ranges into instants. The resolver choices are deliberate and tested:
/// a wall time inside a spring-forward gap resolves to the first instant after the gap (the business opens,
/// or closes, when the clock first shows a time at or past it); an ambiguous wall time during a fall-back
/// overlap resolves to its earlier occurrence when it opens a range and its later occurrence when it closes
/// one, so a range never loses the repeated hour. The one exception is 24:00: it is the next day's midnight
/// and resolves exactly as that day's 00:00 does, so consecutive days meet at one instant and never overlap
/// (with the later occurrence, a 00:00–24:00 day overlapped the next when that midnight repeats).
/// </summary>
public static class ZoneMapping
{
    /// <summary>Resolver used for the start of a range.</summary>
    public static readonly ZoneLocalMappingResolver StartResolver =
        Resolvers.CreateMappingResolver(Resolvers.ReturnEarlier, Resolvers.ReturnStartOfIntervalAfter);

    /// <summary>Resolver used for the end of a range.</summary>
    public static readonly ZoneLocalMappingResolver EndResolver =
        Resolvers.CreateMappingResolver(Resolvers.ReturnLater, Resolvers.ReturnStartOfIntervalAfter);

    /// <summary>Maps one local range on <paramref name="date"/> in <paramref name="zone"/> to instants.</summary>
    public static Span ToInstants(LocalDate date, TimeRange range, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var midnight = date.AtMidnight();
        var start = zone.ResolveLocal(midnight.PlusMinutes(range.StartMinute), StartResolver).ToInstant();
        var end = range.EndMinute == 24 * 60
            ? zone.ResolveLocal(midnight.PlusMinutes(range.EndMinute), StartResolver).ToInstant()
            : zone.ResolveLocal(midnight.PlusMinutes(range.EndMinute), EndResolver).ToInstant();
        return Span.Of(start, end);
    }
}
