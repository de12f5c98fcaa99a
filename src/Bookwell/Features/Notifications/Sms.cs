using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PhoneNumbers;

namespace Bookwell.Features.Notifications;

public sealed record OutgoingSms(Guid Id, string To, string Text);

/// <summary>Sends one text message; throws when the provider refuses it, so the outbox retries or parks it.</summary>
public interface ISmsSender
{
    Task SendAsync(OutgoingSms sms, CancellationToken ct);
}

public sealed class SmsException(string message) : Exception(message);

/// <summary>Installation-wide SMS settings (<c>Bookwell:Sms:*</c>); businesses switch reminders by SMS on per page.</summary>
public sealed record SmsOptions(string Provider, string? Url, string? AccountSid, string? AuthToken, string? From, string? Authorization,
    string BodyTemplate, string ContentType, string Region)
{
    public static SmsOptions? Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s = config.GetSection("Bookwell:Sms");
        var provider = s["Provider"]?.ToLowerInvariant();
        if (provider is not ("twilio" or "http"))
        {
            return null;
        }
        return new SmsOptions(provider, s["Url"], s["AccountSid"], s["AuthToken"], s["From"], s["Authorization"],
            s["BodyTemplate"] ?? """{"to":"{to}","from":"{from}","text":"{text}","reference":"{id}"}""",
            s["ContentType"] ?? "application/json", DefaultRegion(config));
    }

    /// <summary>The country whose national format numbers without a country code are read in.</summary>
    public static string DefaultRegion(IConfiguration config) => config?["Bookwell:Sms:DefaultRegion"] ?? "NL";
}

/// <summary>
/// Twilio's Messages API (and the many providers that copy it): form-encoded POST with Basic auth to
/// <c>/2010-04-01/Accounts/{sid}/Messages.json</c>; a 2xx answer means accepted.
/// </summary>
public sealed class TwilioSmsSender(HttpClient http, SmsOptions options) : ISmsSender
{
    public async Task SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var baseUrl = (options.Url ?? "https://api.twilio.com").TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(options.AccountSid ?? "")}/Messages.json")
        {
            Content = new FormUrlEncodedContent([new("To", sms.To), new("From", options.From ?? ""), new("Body", sms.Text)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new SmsException($"Provider answered {(int)response.StatusCode}: {await Reason(response, ct)}");
        }
    }

    private static async Task<string> Reason(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("message", out var m) ? $"{m.GetString()} (code {(doc.RootElement.TryGetProperty("code", out var c) ? c.ToString() : "?")})" : body[..Math.Min(body.Length, 200)];
        }
        catch (JsonException)
        {
            return body[..Math.Min(body.Length, 200)];
        }
    }
}

/// <summary>
/// Any HTTP SMS gateway: POST to a URL with an optional Authorization header and a body made from a template
/// with <c>{to}</c>, <c>{from}</c>, <c>{text}</c> and <c>{id}</c> (escaped for JSON or for a form, by the
/// content type). The message id also goes out as <c>Idempotency-Key</c>, so a gateway that honours it never
/// sends a retried message twice.
/// </summary>
public sealed class HttpSmsSender(HttpClient http, SmsOptions options) : ISmsSender
{
    public async Task SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var json = options.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);
        string Escape(string value) => json ? JsonEncodedText.Encode(value).ToString() : Uri.EscapeDataString(value);
        var body = options.BodyTemplate
            .Replace("{to}", Escape(sms.To), StringComparison.Ordinal)
            .Replace("{from}", Escape(options.From ?? ""), StringComparison.Ordinal)
            .Replace("{text}", Escape(sms.Text), StringComparison.Ordinal)
            .Replace("{id}", Escape(sms.Id.ToString("N")), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new StringContent(body, Encoding.UTF8, options.ContentType) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(options.ContentType.Contains("charset", StringComparison.OrdinalIgnoreCase) ? options.ContentType : options.ContentType + "; charset=utf-8");
        if (options.Authorization is { Length: > 0 } auth)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth);
        }
        request.Headers.TryAddWithoutValidation("Idempotency-Key", sms.Id.ToString("N"));
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            throw new SmsException($"Gateway answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 200)]}");
        }
    }
}
