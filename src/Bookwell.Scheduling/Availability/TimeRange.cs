namespace Bookwell.Scheduling.Availability;

/// <summary>
/// A local wall-clock range <c>[Start, End)</c> within one day, in minutes after midnight (0..1440, so
/// <c>24:00</c> can close a day).
/// </summary>
public readonly record struct TimeRange
{
    /// <summary>Creates a range; throws when it is empty or leaves the day.</summary>
    public TimeRange(int startMinute, int endMinute)
    {
        if (startMinute < 0 || endMinute > MinutesPerDay || startMinute >= endMinute)
        {
            throw new ArgumentOutOfRangeException(nameof(startMinute), $"Invalid range {startMinute}..{endMinute}.");
        }
        StartMinute = startMinute;
        EndMinute = endMinute;
    }

    /// <summary>Minutes in a day on the wall clock.</summary>
    public const int MinutesPerDay = 24 * 60;

    /// <summary>Minutes after midnight at which the range opens.</summary>
    public int StartMinute { get; }

    /// <summary>Minutes after midnight at which the range closes (exclusive).</summary>
    public int EndMinute { get; }

    /// <summary>Parses <c>"HH:mm"</c> pairs, accepting <c>"24:00"</c> as an end.</summary>
    public static TimeRange Parse(string start, string end) => new(ParseMinute(start), ParseMinute(end));

    /// <summary>Parses <c>"HH:mm"</c> into minutes after midnight; <c>"24:00"</c> is 1440.</summary>
    public static int ParseMinute(string text)
    {
        if (!TryParseMinute(text, out var minute))
        {
            throw new FormatException($"'{text}' is not a time of day as HH:mm.");
        }
        return minute;
    }

    /// <summary>Parses <c>"HH:mm"</c>; false for anything else.</summary>
    public static bool TryParseMinute(string? text, out int minute)
    {
        minute = 0;
        if (text is not { Length: 5 } || text[2] != ':' ||
            !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]) ||
            !char.IsAsciiDigit(text[3]) || !char.IsAsciiDigit(text[4]))
        {
            return false;
        }
        var hours = ((text[0] - '0') * 10) + (text[1] - '0');
        var minutes = ((text[3] - '0') * 10) + (text[4] - '0');
        if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0))
        {
            return false;
        }
        minute = (hours * 60) + minutes;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{StartMinute / 60:00}:{StartMinute % 60:00}-{EndMinute / 60:00}:{EndMinute % 60:00}";
}
