using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Bookwell.Features.Payments;

/// <summary>
/// <c>POST /api/v1/payments/stripe/webhook</c>. The raw body is checked against <c>Stripe-Signature</c>
/// before anything is read from it: HMAC-SHA256 with the endpoint's signing secret over <c>{t}.{body}</c>,
/// compared in constant time, and <c>t</c> no more than 300 seconds from the app's clock. Anything else is a
/// 400 and changes nothing.
/// </summary>
public static class StripeWebhook
{
    /// <summary>Checkout Session events are a few kilobytes; anything far larger is not one.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public static RouteGroupBuilder MapPayments(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/payments/stripe/webhook", Receive).WithName("StripeWebhook").WithTags("Payments")
            .Accepts<JsonElement>("application/json").DisableAntiforgery();
        return api;
    }

    private static async Task<Results<Ok, ProblemHttpResult>> Receive(HttpRequest request, IServiceProvider services, IClock clock,
        ILoggerFactory logs, CancellationToken ct)
    {
        if (services.GetService<StripeOptions>() is not { } options)
        {
            return Problems.NotFound("This server takes no Stripe payments.");
        }
        var body = await ReadAsync(request, ct);
        if (body is null)
        {
            return Problems.Validation("body", $"At most {MaxBodyBytes} bytes.");
        }
        var verdict = Verify(body, request.Headers["Stripe-Signature"].ToString(), options.WebhookSecret, clock.GetCurrentInstant());
        if (verdict is not null)
        {
            return Problems.Validation("Stripe-Signature", verdict);
        }
        if (!TryRead(body, out var eventId, out var type, out var session))
        {
            return Problems.Validation("body", "Not a Stripe event.");
        }
        if (type is not ("checkout.session.completed" or "checkout.session.async_payment_succeeded" or "checkout.session.expired") || session is null)
        {
            // Signed, but nothing Bookwell acts on: acknowledged so that Stripe does not send it again.
            return TypedResults.Ok();
        }
        var outcome = await services.GetRequiredService<PaymentApplier>().ApplyAsync(eventId, type, session, ct);
        logs.CreateLogger(typeof(StripeWebhook)).LogInformation("Stripe event {Event} ({Type}) for session {Session}: {Outcome}", eventId, type, session.Id, outcome.ToWire());
        return TypedResults.Ok();
    }

    private static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Null when the signature holds; otherwise why not (without revealing anything about the secret).</summary>
    public static string? Verify(byte[] body, string? header, string secret, Instant now)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrWhiteSpace(header) || header.Length > 4096)
        {
            return "Missing: a Stripe-Signature header (t=...,v1=...).";
        }
        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == 64 && value.All(Uri.IsHexDigit))
            {
                signatures.Add(Convert.FromHexString(value));
            }
        }
        if (timestamp is null || signatures.Count == 0)
        {
            return "Malformed: expected t=<unix seconds> and at least one v1=<hex HMAC-SHA256>.";
        }
        if (timestamp.Value is < 0 or > 253402300799)
        {
            return "The signature's timestamp is out of range.";
        }
        var age = now - Instant.FromUnixTimeSeconds(timestamp.Value);
        if (age > StripeOptions.SignatureTolerance || age < -StripeOptions.SignatureTolerance)
        {
            return "The signature is too old (or from the future): at most 300 seconds apart.";
        }
        var prefix = Encoding.ASCII.GetBytes($"{timestamp.Value.ToString(CultureInfo.InvariantCulture)}.");
        var signedPayload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signedPayload, 0);
        body.CopyTo(signedPayload, prefix.Length);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signedPayload);
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(s, expected)) ? null : "The signature does not match this endpoint's secret.";
    }

    /// <summary>The event's id, type, and for Checkout Session events the session it describes.</summary>
    public static bool TryRead(byte[] body, out string eventId, out string type, out SessionState? session)
    {
        eventId = "";
        type = "";
        session = null;
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !Text(root, "id", out eventId) || !Text(root, "type", out type) ||
                eventId.Length > 255 || type.Length > 100)
            {
                return false;
            }
            if (!type.StartsWith("checkout.session.", StringComparison.Ordinal))
            {
                return true;
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object ||
                !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object || !Text(obj, "id", out var id) || id.Length > 255)
            {
                return false;
            }
            Text(obj, "status", out var status);
            Text(obj, "payment_status", out var paymentStatus);
            Text(obj, "client_reference_id", out var reference);
            Text(obj, "currency", out var currency);
            Text(obj, "payment_intent", out var intent);
            long? amount = obj.TryGetProperty("amount_total", out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetInt64(out var n) ? n : null;
            Instant? expires = obj.TryGetProperty("expires_at", out var x) && x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out var secs) &&
                               secs is > 0 and < 253402300799 ? Instant.FromUnixTimeSeconds(secs) : null;
            // Older events name the state only through the type.
            if (status.Length == 0)
            {
                status = type == "checkout.session.expired" ? "expired" : "complete";
            }
            if (type == "checkout.session.async_payment_succeeded")
            {
                paymentStatus = "paid";
            }
            session = new SessionState(id, null, status, paymentStatus, Guid.TryParse(reference, out var booking) ? booking : null, amount,
                currency.Length == 3 ? currency.ToUpperInvariant() : null, intent.Length > 0 ? intent : null, expires);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Text(JsonElement obj, string name, out string value)
    {
        value = obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
        return value.Length > 0;
    }
}
