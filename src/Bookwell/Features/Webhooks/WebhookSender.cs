using System.Text;
using Bookwell.Data;
using Bookwell.Features.Calendars;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Webhooks;

/// <summary>Why a delivery failed, in words safe to store and show the business (no secret, at most a short excerpt of the answer).</summary>
public sealed class WebhookException(string message) : Exception(message);

/// <summary>
/// Delivers one queued webhook message with Standard Webhooks headers. Every connection goes through
/// <see cref="AddressRules.ConnectAsync"/>: the address actually connected to is checked after DNS resolution, so a name
/// that resolves to a private or loopback address (also one that changes after the URL was accepted) is refused unless
/// <c>Bookwell:Webhooks:AllowPrivateAddresses</c>. No proxy, no redirects, no cookies; a short timeout.
/// Any answer other than 2xx, a timeout or a refused connection is a failure that the outbox retries with backoff.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private const int ExcerptChars = 200;
    private readonly WebhookOptions _options;
    private readonly IDataProtectionProvider _protection;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;

    public WebhookSender(WebhookOptions options, OutboundNetwork network, IDataProtectionProvider protection, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        _options = options;
        _protection = protection;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxResponseHeadersLength = 64,
            ConnectCallback = (context, ct) =>
                AddressRules.ConnectAsync(context.DnsEndPoint, options.AllowPrivateAddresses, network, m => new WebhookException(m), ct),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Bookwell-Webhooks/1.0");
    }

    /// <summary>The endpoint each webhook message of the batch goes to, when it is still active (the worker reads across businesses; each row must be the message's own business's).</summary>
    public static async Task<Dictionary<Guid, WebhookEndpoint>> EndpointsAsync(BookwellDb db, IReadOnlyList<Data.OutboxMessage> batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(batch);
        var hooks = batch.Where(m => m.Channel == WebhookQueue.Channel).ToList();
        if (hooks.Count == 0)
        {
            return [];
        }
        var ids = hooks.Select(m => Guid.TryParse(m.To, out var id) ? id : Guid.Empty).Distinct().ToList();
        var rows = await db.WebhookEndpoints.IgnoreQueryFilters().AsNoTracking().Where(w => ids.Contains(w.Id) && w.Active).ToDictionaryAsync(w => w.Id, ct);
        var result = new Dictionary<Guid, WebhookEndpoint>();
        foreach (var m in hooks)
        {
            if (Guid.TryParse(m.To, out var id) && rows.TryGetValue(id, out var row) && row.TenantId == m.TenantId)
            {
                result[m.Id] = row;
            }
        }
        return result;
    }

    /// <summary>The <c>webhook-id</c> of a message: the same on every attempt.</summary>
    public static string WebhookId(Guid messageId) => $"msg_{messageId:N}";

    public async Task SendAsync(Data.OutboxMessage message, WebhookEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (WebhookSettings.UrlProblem(endpoint.Url, _options.AllowPrivateAddresses) is { } problem)
        {
            throw new WebhookException(problem);
        }
        var key = WebhookSignature.Key(WebhookSettings.Unseal(_protection, endpoint.SecretSealed))
                  ?? throw new WebhookException("The endpoint's secret cannot be opened with this server's keys; set it again.");
        var body = message.TextBody ?? throw new WebhookException("The message has no body.");
        var id = WebhookId(message.Id);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Sign(key, id, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            var excerpt = await ExcerptAsync(response, timeout.Token);
            throw new WebhookException($"HTTP {(int)response.StatusCode}{(excerpt.Length > 0 ? ": " + excerpt : "")}");
        }
        catch (HttpRequestException ex) when (Inner(ex) is { } inner)
        {
            throw new WebhookException(inner.Message);
        }
        catch (HttpRequestException)
        {
            throw new WebhookException("The endpoint could not be reached.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new WebhookException($"No answer within {_options.Timeout.TotalSeconds:0} seconds.");
        }
    }

    private static WebhookException? Inner(Exception ex)
    {
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
        {
            if (e is WebhookException w)
            {
                return w;
            }
        }
        return null;
    }

    /// <summary>The first characters of an answer, control characters removed; nothing more is read or kept.</summary>
    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[ExcerptChars * 4];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), ct)) > 0)
            {
                total += read;
            }
            var text = new string([.. Encoding.UTF8.GetString(buffer, 0, total).Where(c => !char.IsControl(c))]).Trim();
            return text.Length > ExcerptChars ? text[..ExcerptChars] + "…" : text;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return "";
        }
    }

    public void Dispose() => _http.Dispose();
}
