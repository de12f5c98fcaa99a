using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// Refunds as Stripe documents them: <c>POST /v1/refunds</c> (form-encoded: <c>payment_intent</c>, optional
/// <c>amount</c> in minor units, defaulting to what is left; <c>reason</c>; <c>metadata[...]</c>), answering a
/// <c>refund</c> object; a PaymentIntent it does not know → 400 <c>resource_missing</c>; more than is left → 400
/// <c>amount_too_large</c>; nothing left → 400 <c>charge_already_refunded</c>. The same Idempotency-Key with the same
/// parameters answers the first refund again; with other parameters a 400 <c>idempotency_error</c>.
/// <c>GET /v1/refunds/{id}</c> reads one back. And a tiny checkout page at the session's <c>url</c> whose "Pay"
/// button completes the session, delivers the signed <c>checkout.session.completed</c> event to
/// <see cref="WebhookUrl"/> and sends the browser to the session's <c>success_url</c>, as Stripe Checkout does.
/// </summary>
public sealed partial class StripeStandIn
{
    private readonly ConcurrentDictionary<string, JsonObject> _refunds = new();
    private readonly object _refund = new();

    /// <summary>The status new refunds get (<c>succeeded</c>; <c>pending</c> or <c>failed</c> to play those answers).</summary>
    public string RefundStatus { get; set; } = "succeeded";

    /// <summary>Where the checkout page delivers its signed event (the app's webhook endpoint).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The clock the checkout page signs its event with (the app's).</summary>
    public Func<Instant>? SignClock { get; set; }

    public IReadOnlyList<JsonObject> Refunds => [.. _refunds.Values.Select(r => (JsonObject)r.DeepClone())];

    /// <summary>What is refunded of a PaymentIntent, in minor units.</summary>
    public long RefundedOf(string paymentIntent) =>
        _refunds.Values.Where(r => r["payment_intent"]!.GetValue<string>() == paymentIntent && r["status"]!.GetValue<string>() is "succeeded" or "pending")
            .Sum(r => r["amount"]!.GetValue<long>());

    private async Task<bool> HandleRefundsAsync(HttpContext context, string method, string[] parts, Dictionary<string, string> form, string key, string? account)
    {
        if (parts is ["v1", "refunds", var id] && method == "GET")
        {
            if (_refunds.TryGetValue(id, out var found))
            {
                await Json(context, 200, found);
            }
            else
            {
                await Error(context, 404, "invalid_request_error", $"No such refund: '{id}'", "id");
            }
            return true;
        }
        if (parts is not ["v1", "refunds"] || method != "POST")
        {
            return false;
        }
        var parameters = "refund:" + string.Join('&', form.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        int status;
        string answer;
        lock (_refund)
        {
            (status, answer) = CreateRefund(form, key, parameters, account);
        }
        await Raw(context, status, answer);
        return true;
    }

    private (int Status, string Answer) CreateRefund(Dictionary<string, string> form, string key, string parameters, string? account)
    {
        static string Err(string type, string message, string? param, string? code) =>
            new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["message"] = message, ["param"] = param, ["code"] = code } }.ToJsonString();
        if (key.Length > 0 && _idempotent.TryGetValue(key, out var earlier))
        {
            return earlier.Parameters == parameters
                ? (200, earlier.Answer)
                : (400, Err("idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.", null, null));
        }
        if (!form.TryGetValue("payment_intent", out var pi) || pi.Length == 0)
        {
            return (400, Err("invalid_request_error", "One of the following params should be provided for this request: payment_intent or charge.", "payment_intent",
                "parameter_missing"));
        }
        // A Checkout Session's payment, or a PaymentIntent made directly (a card on a Terminal reader), found only on its own account.
        var session = _sessions.Values.FirstOrDefault(s => s["payment_intent"]?.GetValue<string>() == pi);
        long charged;
        string currency;
        if (session is not null)
        {
            charged = session["amount_total"]!.GetValue<long>();
            currency = session["currency"]!.GetValue<string>();
        }
        else if (Find(pi, "payment_intent", account) is { } intent)
        {
            if (intent["status"]!.GetValue<string>() != "succeeded")
            {
                // An authorization not captured has no charge to refund (Stripe: cancel the PaymentIntent instead).
                return (400, Err("invalid_request_error", $"This PaymentIntent ({pi}) does not have a successful charge to refund.", "payment_intent",
                    "payment_intent_unexpected_state"));
            }
            charged = intent["amount_received"]?.GetValue<long>() ?? intent["amount"]!.GetValue<long>();
            currency = intent["currency"]!.GetValue<string>();
        }
        else
        {
            return (400, Err("invalid_request_error", $"No such payment_intent: '{pi}'", "payment_intent", "resource_missing"));
        }
        var left = charged - RefundedOf(pi);
        long amount;
        if (form.TryGetValue("amount", out var a))
        {
            if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0)
            {
                return (400, Err("invalid_request_error", "Invalid positive integer", "amount", "parameter_invalid_integer"));
            }
        }
        else
        {
            amount = left;
        }
        if (left <= 0)
        {
            return (400, Err("invalid_request_error", $"Charge ch_{pi[3..]} has already been refunded.", null, "charge_already_refunded"));
        }
        if (amount > left)
        {
            return (400, Err("invalid_request_error", $"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})", "amount", "amount_too_large"));
        }
        var metadata = new JsonObject();
        foreach (var (k, v) in form.Where(kv => kv.Key.StartsWith("metadata[", StringComparison.Ordinal)))
        {
            metadata[k["metadata[".Length..^1]] = v;
        }
        var refund = new JsonObject
        {
            ["id"] = "re_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            ["object"] = "refund",
            ["amount"] = amount,
            ["currency"] = currency,
            ["payment_intent"] = pi,
            ["charge"] = "ch_" + pi[3..],
            ["status"] = RefundStatus,
            ["reason"] = form.GetValueOrDefault("reason"),
            ["failure_reason"] = RefundStatus == "failed" ? "expired_or_canceled_card" : null,
            ["metadata"] = metadata,
            ["created"] = 1_800_000_000,
        };
        _refunds[refund["id"]!.GetValue<string>()] = refund;
        var text = refund.ToJsonString();
        if (key.Length > 0)
        {
            _idempotent[key] = (parameters, text);
        }
        return (200, text);
    }

    private async Task<bool> HandleCheckoutPageAsync(HttpContext context, string path, Dictionary<string, string> form)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["pay", var id] || !_sessions.TryGetValue(id, out var session))
        {
            return false;
        }
        if (context.Request.Method == "GET")
        {
            string title, button, status;
            lock (session)
            {
                // A setup session (a card saved for a no-show fee) charges nothing: Stripe's page asks for the card.
                var setup = session["mode"]?.GetValue<string>() == "setup";
                title = setup ? "Save your card"
                    : $"Pay {session["currency"]!.GetValue<string>().ToUpperInvariant()} {(session["amount_total"]!.GetValue<long>() / 100m).ToString("0.00", CultureInfo.InvariantCulture)}";
                button = setup ? "Save card" : "Pay";
                status = session["status"]!.GetValue<string>();
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($"""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stand-in checkout</title></head>
                <body><main><h1>{WebUtility.HtmlEncode(title)}</h1><p id="status">{WebUtility.HtmlEncode(status)}</p>
                <form method="post" action="/pay/{WebUtility.HtmlEncode(id)}"><button type="submit" id="pay">{button}</button></form></main></body></html>
                """);
            return true;
        }
        if (context.Request.Method != "POST")
        {
            return false;
        }
        JsonObject paid;
        try
        {
            bool setup;
            lock (session)
            {
                setup = session["mode"]?.GetValue<string>() == "setup";
            }
            paid = setup ? SaveCard(id) : Pay(id);
        }
        catch (InvalidOperationException)
        {
            context.Response.StatusCode = 409;
            await context.Response.WriteAsync("This session can no longer be paid.");
            return true;
        }
        if (WebhookUrl is { } url)
        {
            var body = Event("evt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), "checkout.session.completed", paid);
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", Sign(body, SignClock?.Invoke() ?? SystemClock.Instance.GetCurrentInstant()));
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        context.Response.StatusCode = 303;
        context.Response.Headers.Location = paid["success_url"]!.GetValue<string>();
        return true;
    }
}
