using NodaTime;

namespace Bookwell.Scheduling.Intervals;

/// <summary>A half-open interval of time <c>[Start, End)</c>, held as Unix ticks so the hot loops compare longs.</summary>
public readonly record struct Span(long Start, long End)
{
    /// <summary>Creates an interval from two instants.</summary>
    public static Span Of(Instant start, Instant end) => new(start.ToUnixTimeTicks(), end.ToUnixTimeTicks());

    /// <summary>The start as an instant.</summary>
    public Instant StartInstant => Instant.FromUnixTimeTicks(Start);

    /// <summary>The end as an instant.</summary>
    public Instant EndInstant => Instant.FromUnixTimeTicks(End);

    /// <summary>True when the interval holds no time.</summary>
    public bool IsEmpty => End <= Start;

    /// <summary>True when both intervals share at least one tick (touching ends do not overlap).</summary>
    public bool Overlaps(Span other) => Start < other.End && other.Start < End;

    /// <summary>True when <paramref name="inner"/> lies wholly inside this interval.</summary>
    public bool Contains(Span inner) => Start <= inner.Start && inner.End <= End;
}
