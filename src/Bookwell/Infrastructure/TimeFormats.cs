using NodaTime;
using NodaTime.Text;

namespace Bookwell.Infrastructure;

/// <summary>The contract's text forms: ISO-8601 with an explicit offset, dates as YYYY-MM-DD.</summary>
public static class TimeFormats
{
    // NodaTime's range ends at year 9999: a date or instant near either end overflows as soon as a day or an
    // offset is added to it, so input is held to years that any booking or report can reasonably need.
    public const int MinYear = 1900;
    public const int MaxYear = 9000;

    public const string RangeHint = "between the years 1900 and 9000";

    private static readonly OffsetDateTimePattern Output = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<+HH:mm>");
    private static readonly OffsetDateTimePattern[] Inputs =
    [
        OffsetDateTimePattern.ExtendedIso,
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
    ];

    /// <summary>
    /// <see cref="Output"/>'s text, written straight into the string for the usual case (four-digit year, offset in whole
    /// minutes): every booking answer and message formats several instants, and the pattern's builder and buffers were a
    /// fortieth of a booking request's allocation. Anything else goes through the pattern.
    /// </summary>
    public static string Format(Instant instant, DateTimeZone zone)
    {
        var local = instant.InZone(zone).ToOffsetDateTime();
        var offset = local.Offset.Seconds;
        if (local.Year is < 1000 or > 9999 || offset % 60 != 0)
        {
            return Output.Format(local);
        }
        return string.Create(25, local, static (text, t) =>
        {
            Digits(text[..4], t.Year);
            text[4] = '-';
            Digits(text.Slice(5, 2), t.Month);
            text[7] = '-';
            Digits(text.Slice(8, 2), t.Day);
            text[10] = 'T';
            Digits(text.Slice(11, 2), t.Hour);
            text[13] = ':';
            Digits(text.Slice(14, 2), t.Minute);
            text[16] = ':';
            Digits(text.Slice(17, 2), t.Second);
            var minutes = t.Offset.Seconds / 60;
            text[19] = minutes < 0 ? '-' : '+';
            minutes = Math.Abs(minutes);
            Digits(text.Slice(20, 2), minutes / 60);
            text[22] = ':';
            Digits(text.Slice(23, 2), minutes % 60);
        });
    }

    private static void Digits(Span<char> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    public static bool TryParseInstant(string? text, out Instant instant)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40)
        {
            return false;
        }
        foreach (var pattern in Inputs)
        {
            var result = pattern.Parse(text);
            if (result.Success)
            {
                if (!InRange(result.Value.Year))
                {
                    return false;
                }
                instant = result.Value.ToInstant();
                return true;
            }
        }
        return false;
    }

    public static bool TryParseDate(string? text, out LocalDate date)
    {
        date = default;
        if (text is null || text.Length != 10)
        {
            return false;
        }
        var result = LocalDatePattern.Iso.Parse(text);
        if (!result.Success || !InRange(result.Value.Year))
        {
            return false;
        }
        date = result.Value;
        return true;
    }

    private static bool InRange(int year) => year is >= MinYear and <= MaxYear;

    public static string FormatDate(LocalDate date) => LocalDatePattern.Iso.Format(date);

    public static DateTimeZone? Zone(string? id) => id is null or { Length: > 64 } ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);
}
