using Bookwell.Infrastructure;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Tests;

/// <summary>
/// <see cref="TimeFormats.Format"/> writes the usual case by hand; NodaTime's own pattern for the contract's form is the
/// reference it must match, character for character, whatever the zone (half- and quarter-hour offsets, west of Greenwich,
/// old local mean times in seconds) and whatever the instant.
/// </summary>
public sealed class TimeFormatsTests
{
    private static readonly OffsetDateTimePattern Reference =
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<+HH:mm>");

    private static readonly string[] Zones =
    [
        "UTC", "Europe/Amsterdam", "America/New_York", "America/St_Johns", "Asia/Kolkata", "Australia/Eucla", "Pacific/Chatham",
        "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "Africa/Monrovia", "Europe/Dublin", "America/Sao_Paulo",
    ];

    [Fact]
    public void RandomInstantsInManyZones_ReadAsNodaTimesPatternWritesThem()
    {
        var random = new Random(20261205);
        var from = Instant.FromUtc(1900, 1, 1, 0, 0).ToUnixTimeSeconds();
        var to = Instant.FromUtc(9000, 12, 31, 0, 0).ToUnixTimeSeconds();
        var fastPath = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var zone = DateTimeZoneProviders.Tzdb[Zones[i % Zones.Length]];
            // Half of the draws near today, where bookings are; the rest anywhere in the accepted years.
            var seconds = i % 2 == 0 ? random.NextInt64(1_700_000_000, 1_900_000_000) : random.NextInt64(from, to);
            var instant = Instant.FromUnixTimeSeconds(seconds);
            var local = instant.InZone(zone).ToOffsetDateTime();
            Assert.Equal(Reference.Format(local), TimeFormats.Format(instant, zone));
            fastPath += local.Offset.Seconds % 60 == 0 ? 1 : 0;
        }
        // Most draws took the hand-written way (the comparison is about it), some the pattern's (old mean times).
        Assert.InRange(fastPath, 15_000, 19_999);
    }

    [Theory]
    [InlineData("Europe/Amsterdam", 1900, 1, 1, 12, 0)] // local mean time, +00:19:32: the pattern's way
    [InlineData("America/St_Johns", 2027, 3, 2, 10, 0)] // -03:30
    [InlineData("Australia/Eucla", 2027, 7, 1, 23, 59)] // +08:45
    [InlineData("UTC", 2027, 12, 31, 23, 59)] // +00:00, never Z
    public void Edges_ReadAsNodaTimesPatternWritesThem(string zoneId, int year, int month, int day, int hour, int minute)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var instant = Instant.FromUtc(year, month, day, hour, minute).Plus(Duration.FromSeconds(7));
        Assert.Equal(Reference.Format(instant.InZone(zone).ToOffsetDateTime()), TimeFormats.Format(instant, zone));
    }
}
