using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// A small stand-in for the parts of Stripe's HTTP API that Bookwell calls, on loopback, answering as Stripe
/// documents them: <c>POST /v1/checkout/sessions</c> (form-encoded, bearer secret key, Idempotency-Key: the same
/// key with the same parameters answers the same session, with other parameters a 400), <c>GET
/// /v1/checkout/sessions/{id}</c> and <c>POST /v1/checkout/sessions/{id}/expire</c>. It refuses what Stripe
/// refuses (missing fields, more than one line item, <c>expires_at</c> outside 30 minutes to 24 hours ahead of
/// <see cref="Now"/>). <see cref="PayAsync"/> plays the client paying on the checkout page.
/// </summary>
public sealed partial class StripeStandIn : IAsyncDisposable
{
    public const string SecretKey = "sk_test_bookwell_stand_in_0123456789";
    public const string WebhookSecret = "whsec_test_bookwell_0123456789abcdef";

    private static readonly Lazy<StripeStandIn> SharedInstance = new(() => StartAsync().GetAwaiter().GetResult());

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _sessions = new();
    private readonly ConcurrentDictionary<string, (string Parameters, string Answer)> _idempotent = new();
    private readonly object _create = new();

    private StripeStandIn(WebApplication app, string url)
    {
        _app = app;
        BaseUrl = url;
    }

    /// <summary>One instance for every test app that does not bring its own (see <see cref="BookwellApp"/>).</summary>
    public static StripeStandIn Shared => SharedInstance.Value;

    public string BaseUrl { get; }

    /// <summary>Stripe's "now", for the expires_at window; null skips that check (the shared instance serves apps on many clocks).</summary>
    public Func<Instant>? Now { get; set; }

    /// <summary>While true every call answers 500, as during an outage.</summary>
    public bool Down { get; set; }

    /// <summary>Calls (method, path) for which this answers true get a 500, as when Stripe fails that one request.</summary>
    public Func<string, string, bool>? FailWhen { get; set; }

    public record Call(string Method, string Path, string? IdempotencyKey, Dictionary<string, string> Form, string? Account = null);

    public ConcurrentQueue<Call> Calls { get; } = new();

    public IEnumerable<Call> CallsTo(string method, string pathStart) =>
        Calls.Where(c => c.Method == method && c.Path.StartsWith(pathStart, StringComparison.Ordinal));

    public JsonObject Session(string id) => (JsonObject)_sessions[id].DeepClone();

    public JsonObject? SessionFor(Guid bookingId) =>
        _sessions.Values.FirstOrDefault(s => s["client_reference_id"]?.GetValue<string>() == bookingId.ToString())?.DeepClone().AsObject();

    public static async Task<StripeStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        StripeStandIn? self = null;
        app.Run(async context => await self!.HandleAsync(context));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new StripeStandIn(app, url);
        return self;
    }

    /// <summary>The client pays on the checkout page: the session completes, paid.</summary>
    /// <param name="card">The test card the client enters (Stripe's test payment methods: <c>pm_card_visa</c>, <c>pm_card_chargeDeclined</c>...).</param>
    public JsonObject Pay(string id, string card = "pm_card_visa")
    {
        var s = _sessions[id];
        lock (s)
        {
            if (s["status"]!.GetValue<string>() != "open")
            {
                throw new InvalidOperationException($"Session {id} is {s["status"]}, it cannot be paid.");
            }
            s["status"] = "complete";
            s["payment_status"] = "paid";
            s["payment_intent"] = "pi_" + id[3..];
            Paid(s, card);
            return (JsonObject)s.DeepClone();
        }
    }

    /// <summary>Stripe ends the session itself (its expires_at passed).</summary>
    public JsonObject ExpireNow(string id)
    {
        var s = _sessions[id];
        lock (s)
        {
            s["status"] = "expired";
            return (JsonObject)s.DeepClone();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.HasFormContentType)
        {
            foreach (var (name, value) in await request.ReadFormAsync())
            {
                form[name] = value.ToString();
            }
        }
        var path = request.Path.Value ?? "";
        var key = request.Headers["Idempotency-Key"].ToString();
        var account = request.Headers["Stripe-Account"].ToString();
        Calls.Enqueue(new Call(request.Method, path, key.Length == 0 ? null : key, form, account.Length == 0 ? null : account));
        if (await HandleCheckoutPageAsync(context, path, form))
        {
            return;
        }
        if (Down || FailWhen?.Invoke(request.Method, path) == true)
        {
            await Error(context, 500, "api_error", "The stand-in is down.", null);
            return;
        }
        if (request.Headers.Authorization.ToString() != $"Bearer {SecretKey}")
        {
            await Error(context, 401, "invalid_request_error", "Invalid API Key provided.", null);
            return;
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (await HandleRefundsAsync(context, request.Method, parts, form, key, account.Length == 0 ? null : account) ||
            await HandleMoreAsync(context, request.Method, parts, form, key, account.Length == 0 ? null : account))
        {
            return;
        }
        if (request.Method == "POST" && path == "/v1/checkout/sessions")
        {
            if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
            {
                await Error(context, 400, "invalid_request_error", "Form-encoded body expected.", null);
                return;
            }
            await CreateAsync(context, form, key);
            return;
        }
        if (parts is ["v1", "checkout", "sessions", var id] && request.Method == "GET" && _sessions.TryGetValue(id, out var found))
        {
            await Json(context, 200, found);
            return;
        }
        if (parts is ["v1", "checkout", "sessions", var eid, "expire"] && request.Method == "POST" && _sessions.TryGetValue(eid, out var session))
        {
            var expired = false;
            lock (session)
            {
                if (session["status"]!.GetValue<string>() == "open")
                {
                    session["status"] = "expired";
                    expired = true;
                }
            }
            if (!expired)
            {
                await Error(context, 400, "invalid_request_error", "Only Checkout Sessions with a status in [\"open\"] can be expired.", null);
                return;
            }
            await Json(context, 200, session);
            return;
        }
        await Error(context, 404, "invalid_request_error", $"Unrecognized request URL ({request.Method}: {path}).", null);
    }

    private async Task CreateAsync(HttpContext context, Dictionary<string, string> form, string key)
    {
        var parameters = string.Join('&', form.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        if (key.Length > 0 && _idempotent.TryGetValue(key, out var earlier))
        {
            if (earlier.Parameters != parameters)
            {
                await Error(context, 400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.", null);
                return;
            }
            context.Response.Headers["Idempotent-Replayed"] = "true";
            await Raw(context, 200, earlier.Answer);
            return;
        }
        string? Missing(params string[] names) => names.FirstOrDefault(n => !form.ContainsKey(n) || form[n].Length == 0);
        if (Missing("mode", "client_reference_id", "success_url", "line_items[0][quantity]", "line_items[0][price_data][currency]",
                "line_items[0][price_data][unit_amount]", "line_items[0][price_data][product_data][name]", "expires_at") is { } missing)
        {
            await Error(context, 400, "invalid_request_error", $"Missing required param: {missing}.", missing);
            return;
        }
        if (form["mode"] != "payment" || form.Keys.Any(k => k.StartsWith("line_items[1]", StringComparison.Ordinal)) || form["line_items[0][quantity]"] != "1")
        {
            await Error(context, 400, "invalid_request_error", "Expected mode=payment and exactly one line item of quantity 1.", "line_items");
            return;
        }
        if (!long.TryParse(form["line_items[0][price_data][unit_amount]"], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            await Error(context, 400, "invalid_request_error", "Invalid integer: unit_amount.", "line_items[0][price_data][unit_amount]");
            return;
        }
        var expires = long.Parse(form["expires_at"], CultureInfo.InvariantCulture);
        if (Now?.Invoke() is { } now)
        {
            var ahead = expires - now.ToUnixTimeSeconds();
            if (ahead < 30 * 60 || ahead > 24 * 3600)
            {
                await Error(context, 400, "invalid_request_error", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "expires_at");
                return;
            }
        }
        JsonObject session;
        lock (_create)
        {
            if (key.Length > 0 && _idempotent.TryGetValue(key, out earlier))
            {
                session = JsonNode.Parse(earlier.Answer)!.AsObject();
            }
            else
            {
                var id = "cs_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
                var metadata = new JsonObject();
                foreach (var (k, v) in form.Where(kv => kv.Key.StartsWith("metadata[", StringComparison.Ordinal)))
                {
                    metadata[k["metadata[".Length..^1]] = v;
                }
                session = new JsonObject
                {
                    ["id"] = id,
                    ["object"] = "checkout.session",
                    ["mode"] = "payment",
                    ["url"] = $"{BaseUrl}/pay/{id}",
                    ["status"] = "open",
                    ["payment_status"] = "unpaid",
                    ["client_reference_id"] = form["client_reference_id"],
                    ["customer_email"] = form.GetValueOrDefault("customer_email"),
                    ["amount_total"] = amount,
                    ["currency"] = form["line_items[0][price_data][currency]"],
                    ["expires_at"] = expires,
                    ["success_url"] = form["success_url"],
                    ["cancel_url"] = form.GetValueOrDefault("cancel_url"),
                    ["payment_intent"] = null,
                    ["metadata"] = metadata,
                    ["livemode"] = false,
                };
                _sessions[id] = session;
                Created(session, form, context);
                if (key.Length > 0)
                {
                    _idempotent[key] = (parameters, session.ToJsonString());
                }
            }
        }
        await Json(context, 200, session);
    }

    private static Task Json(HttpContext context, int status, JsonObject body)
    {
        string text;
        lock (body)
        {
            text = body.ToJsonString();
        }
        return Raw(context, status, text);
    }

    private static async Task Raw(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = "req_" + Guid.NewGuid().ToString("N")[..14];
        await context.Response.WriteAsync(body);
    }

    private static Task Error(HttpContext context, int status, string type, string message, string? param) =>
        Raw(context, status, new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["message"] = message, ["param"] = param } }.ToJsonString());

    /// <summary>A Stripe event around a session, as Stripe sends it to a webhook endpoint.</summary>
    public static string Event(string id, string type, JsonObject session) => new JsonObject
    {
        ["id"] = id,
        ["object"] = "event",
        ["api_version"] = "2025-09-30.clover",
        ["created"] = 1_800_000_000,
        ["type"] = type,
        ["livemode"] = false,
        ["data"] = new JsonObject { ["object"] = session.DeepClone() },
    }.ToJsonString();

    /// <summary>The Stripe-Signature header for a body: HMAC-SHA256 with the secret over "{t}.{body}".</summary>
    public static string Sign(string body, Instant at, string secret = WebhookSecret)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
