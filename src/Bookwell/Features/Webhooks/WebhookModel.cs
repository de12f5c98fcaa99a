using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Webhooks;

/// <summary>
/// One address a business wants told about its events (contract 4.7). The URL is the stable identity across
/// PUTs; an endpoint left out of a later document is deactivated (its delivery history stays), not deleted.
/// The signing secret is stored sealed with ASP.NET Data Protection: it is needed in the clear to sign, and is
/// never returned by the API nor written to a log.
/// </summary>
public sealed class WebhookEndpoint : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Url { get; set; }
    /// <summary>SHA-256 (hex) of the URL: the unique key per business (a 2,000-character URL is too long to index everywhere).</summary>
    public required string UrlHash { get; set; }
    /// <summary>Event names, comma-separated, in the order given.</summary>
    public required string Events { get; set; }
    public required string SecretSealed { get; set; }
    public bool Active { get; set; } = true;
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }

    public IReadOnlyList<string> EventList => Events.Length == 0 ? [] : Events.Split(',');

    public static string Hash(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));
}

/// <summary>Settings under <c>Bookwell:Webhooks</c>.</summary>
public sealed record WebhookOptions(bool AllowPrivateAddresses, TimeSpan Timeout)
{
    public const int MaxEndpoints = 10;
    public const int MaxUrlLength = 2000;

    public static WebhookOptions Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetSection("Bookwell:Webhooks");
        return new WebhookOptions(section.GetValue("AllowPrivateAddresses", false),
            TimeSpan.FromSeconds(Math.Clamp(section.GetValue("TimeoutSeconds", 10), 1, 60)));
    }
}

/// <summary>The event names of contract 4.7, and the test event the admin can send.</summary>
public static class WebhookEvents
{
    public const string BookingCreated = "booking.created";
    public const string BookingConfirmed = "booking.confirmed";
    public const string BookingRescheduled = "booking.rescheduled";
    public const string BookingCancelled = "booking.cancelled";
    public const string BookingCompleted = "booking.completed";
    public const string BookingNoShow = "booking.no_show";
    public const string PaymentSucceeded = "payment.succeeded";
    public const string InvoiceIssued = "invoice.issued";
    public const string InvoicePaid = "invoice.paid";
    /// <summary>Additive to contract 4.7: an invoice voided (by hand, by the cancellation of its unpaid booking, or replaced when its booking moved).</summary>
    public const string InvoiceVoided = "invoice.voided";
    public const string WaitlistOffered = "waitlist.offered";

    /// <summary>Sent only by the admin's "send a test event", to every endpoint whatever it subscribed to.</summary>
    public const string Test = "webhook.test";

    public static readonly IReadOnlyList<string> All =
    [
        BookingCreated, BookingConfirmed, BookingRescheduled, BookingCancelled, BookingCompleted, BookingNoShow,
        PaymentSucceeded, InvoiceIssued, InvoicePaid, InvoiceVoided, WaitlistOffered,
    ];
}

/// <summary>Standard Webhooks secrets and signatures (<c>whsec_</c> + base64; HMAC-SHA256 over <c>{id}.{timestamp}.{body}</c>).</summary>
public static class WebhookSignature
{
    public const string Prefix = "whsec_";
    public const int MinKeyBytes = 24;
    public const int MaxKeyBytes = 64;

    /// <summary>The key bytes of a secret in Standard Webhooks form, or null when it is not one (or its key is shorter than 24 or longer than 64 bytes).</summary>
    public static byte[]? Key(string? secret)
    {
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }
        var encoded = secret[Prefix.Length..];
        var buffer = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written) || written is < MinKeyBytes or > MaxKeyBytes)
        {
            return null;
        }
        return buffer[..written];
    }

    /// <summary>A new secret of 32 random bytes.</summary>
    public static string Create() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The <c>webhook-signature</c> header value: <c>v1,</c> + base64 HMAC-SHA256.</summary>
    public static string Sign(byte[] key, string id, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }
}
