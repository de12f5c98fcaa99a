using System.Text;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Ical.Net;
using NodaTime;

namespace Bookwell.Tests.Security;

/// <summary>Text from the configuration (service names, locations) can never break out of its .ics property.</summary>
public sealed class IcsEscapingTests
{
    private static Booking Booking(string serviceName) => new()
    {
        Id = Guid.NewGuid(),
        PageSlug = "salon",
        ServiceKey = "cut",
        ServiceName = serviceName,
        Status = BookingStatus.Confirmed,
        TimeZone = "Europe/Amsterdam",
        CustomerName = "Ada\rLovelace",
        CustomerEmail = "ada@example.com",
        ManageTokenHash = "x",
        StartsAt = Instant.FromUtc(2027, 3, 2, 9, 0),
        EndsAt = Instant.FromUtc(2027, 3, 2, 9, 30),
    };

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u0085")]
    public void LineBreaksOfEveryKind_AreEscaped_NoInjectedProperty(string br)
    {
        var location = $"Main street 1{br}ATTACH:https://evil.example/x{br}{new string('é', 60)}";
        var ics = IcsWriter.Write(Booking($"Cut{br}STATUS:CANCELLED"), $"Salon{br}X", location, "https://book.example.test/booking/abc", Instant.FromUtc(2027, 3, 1, 7, 0),
            IcsMethod.Request, "salon@example.com");

        Assert.EndsWith("\r\n", ics, StringComparison.Ordinal);
        var lines = ics[..^2].Split("\r\n");
        foreach (var line in lines)
        {
            Assert.DoesNotContain('\r', line);
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\u2028', line);
            Assert.DoesNotContain('\u2029', line);
            Assert.DoesNotContain('\u0085', line);
            Assert.True(Encoding.UTF8.GetByteCount(line) <= 75, line);
        }
        // Unfolded, no content line starts a property the text smuggled in.
        var unfolded = ics.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n");
        Assert.DoesNotContain(unfolded, l => l.StartsWith("ATTACH", StringComparison.Ordinal));
        Assert.Single(unfolded, l => l.StartsWith("STATUS", StringComparison.Ordinal));

        var calendar = Calendar.Load(ics)!;
        var e = Assert.Single(calendar.Events);
        Assert.Equal($"Main street 1\nATTACH:https://evil.example/x\n{new string('é', 60)}", e.Location);
        Assert.Equal("CONFIRMED", e.Status);
        Assert.StartsWith("Cut\nSTATUS:CANCELLED – Salon\nX", e.Summary, StringComparison.Ordinal);
    }
}
