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

    public static string Format(Instant instant, DateTimeZone zone) => Output.Format(instant.InZone(zone).ToOffsetDateTime());

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
