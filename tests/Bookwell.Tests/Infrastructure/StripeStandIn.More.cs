using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// More of Stripe's API, as documented: Checkout in <c>mode=setup</c> and with
/// <c>payment_intent_data[setup_future_usage]</c> (a Customer and a saved PaymentMethod when the client pays),
/// <c>GET /v1/setup_intents/{id}</c>, <c>GET|POST /v1/payment_intents</c> (off-session confirmation with a
/// saved card; Stripe's test cards decide: <c>pm_card_chargeDeclined</c> declines with 402 <c>card_declined</c>,
/// <c>pm_card_authenticationRequired</c> with 402 <c>authentication_required</c>), Connect accounts
/// (<c>POST /v1/accounts</c>, <c>GET /v1/accounts/{id}</c>, <c>POST /v1/account_links</c>) and Terminal's
/// server-driven flow (<c>POST /v1/terminal/readers/{id}/process_payment_intent</c>, the test helper
/// <c>present_payment_method</c>). Objects made on a connected account (the <c>Stripe-Account</c> header) are
/// only found with the same header.
/// </summary>
public sealed partial class StripeStandIn
{
    private readonly ConcurrentDictionary<string, JsonObject> _objects = new();
    private readonly ConcurrentDictionary<string, (string Parameters, int Status, string Answer)> _idempotentMore = new();
    private readonly object _more = new();

    private static string NewId(string prefix) => prefix + "_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

    public JsonObject Object(string id) => (JsonObject)_objects[id].DeepClone();

    public IEnumerable<JsonObject> Objects(string type) => _objects.Values.Where(o => o["object"]?.GetValue<string>() == type).Select(o => (JsonObject)o.DeepClone());

    /// <summary>The payment methods the test cards stand for, as Stripe's test mode knows them.</summary>
    private static string CardBehaviour(string card) => card switch
    {
        "pm_card_chargeDeclined" => "card_declined",
        "pm_card_authenticationRequired" => "authentication_required",
        _ => "ok",
    };

    private static void Created(JsonObject session, Dictionary<string, string> form, HttpContext context)
    {
        session["stripe_account"] = context.Items["stripe_account"] as string;
        session["customer"] = null;
        session["setup_intent"] = null;
        session["setup_future_usage"] = form.GetValueOrDefault("payment_intent_data[setup_future_usage]");
        session["customer_creation"] = form.GetValueOrDefault("customer_creation");
    }

    /// <summary>Called with the session locked when the client pays: with a card saved for later, Checkout makes a Customer and attaches the card.</summary>
    private void Paid(JsonObject session, string card)
    {
        var account = session["stripe_account"]?.GetValue<string>();
        string? customer = null;
        if (session["customer_creation"]?.GetValue<string>() == "always")
        {
            customer = Customer(session["customer_email"]?.GetValue<string>(), account);
            session["customer"] = customer;
        }
        var saved = session["setup_future_usage"]?.GetValue<string>();
        var method = PaymentMethod(card, saved is not null ? customer : null, account);
        var intent = session["payment_intent"]!.GetValue<string>();
        _objects[intent] = new JsonObject
        {
            ["id"] = intent,
            ["object"] = "payment_intent",
            ["amount"] = session["amount_total"]!.GetValue<long>(),
            ["currency"] = session["currency"]!.GetValue<string>(),
            ["status"] = "succeeded",
            ["customer"] = customer,
            ["payment_method"] = method,
            ["setup_future_usage"] = saved,
            ["stripe_account"] = account,
            ["livemode"] = false,
        };
    }

    /// <summary>The client completes a <c>mode=setup</c> session: a Customer, a PaymentMethod attached to it, a succeeded SetupIntent.</summary>
    public JsonObject SaveCard(string id, string card = "pm_card_visa")
    {
        var s = _sessions[id];
        lock (s)
        {
            if (s["status"]!.GetValue<string>() != "open" || s["mode"]!.GetValue<string>() != "setup")
            {
                throw new InvalidOperationException($"Session {id} is not an open setup session.");
            }
            var account = s["stripe_account"]?.GetValue<string>();
            var customer = Customer(s["customer_email"]?.GetValue<string>(), account);
            var method = PaymentMethod(card, customer, account);
            var setup = NewId("seti");
            _objects[setup] = new JsonObject
            {
                ["id"] = setup,
                ["object"] = "setup_intent",
                ["status"] = "succeeded",
                ["usage"] = "off_session",
                ["customer"] = customer,
                ["payment_method"] = method,
                ["stripe_account"] = account,
                ["livemode"] = false,
            };
            s["status"] = "complete";
            s["customer"] = customer;
            s["setup_intent"] = setup;
            return (JsonObject)s.DeepClone();
        }
    }

    private string Customer(string? email, string? account)
    {
        var id = NewId("cus");
        _objects[id] = new JsonObject { ["id"] = id, ["object"] = "customer", ["email"] = email, ["stripe_account"] = account, ["livemode"] = false };
        return id;
    }

    private string PaymentMethod(string card, string? customer, string? account)
    {
        var id = NewId("pm");
        _objects[id] = new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_method",
            ["type"] = "card",
            ["customer"] = customer,
            ["card"] = new JsonObject { ["brand"] = "visa", ["last4"] = card == "pm_card_visa" ? "4242" : "0002" },
            ["test_card"] = card,
            ["stripe_account"] = account,
        };
        return id;
    }

    /// <summary>An object of the right account, or null: Stripe answers 404 for another account's ids.</summary>
    private JsonObject? Find(string id, string type, string? account) =>
        _objects.TryGetValue(id, out var o) && o["object"]?.GetValue<string>() == type && o["stripe_account"]?.GetValue<string>() == account ? o : null;

    private async Task<bool> HandleMoreAsync(HttpContext context, string method, string[] parts, Dictionary<string, string> form, string key, string? account)
    {
        switch (method, parts)
        {
            case ("POST", ["v1", "checkout", "sessions"]) when form.GetValueOrDefault("mode") == "setup":
                await Idempotent(context, form, key, () => CreateSetupSession(form, account));
                return true;
            case ("POST", ["v1", "checkout", "sessions"]):
                // Payment mode stays with the original handler; it learns the account here.
                context.Items["stripe_account"] = account;
                return false;
            case ("GET", ["v1", "checkout", "sessions", var sid]) when _sessions.TryGetValue(sid, out var session):
                if (session["stripe_account"]?.GetValue<string>() != account)
                {
                    await Error(context, 404, "invalid_request_error", $"No such checkout.session: '{sid}'", "id");
                    return true;
                }
                return false;
            case ("GET", ["v1", "setup_intents", var id]):
                await Get(context, id, "setup_intent", account);
                return true;
            case ("GET", ["v1", "payment_intents", var id]):
                await Get(context, id, "payment_intent", account);
                return true;
            case ("POST", ["v1", "payment_intents"]):
                await Idempotent(context, form, key, () => CreatePaymentIntent(form, account));
                return true;
            case ("POST", ["v1", "payment_intents", var id, "capture"]):
                await Idempotent(context, form, key, () => Capture(id, account));
                return true;
            case ("POST", ["v1", "accounts"]):
                await Idempotent(context, form, key, () => CreateAccount(form));
                return true;
            case ("GET", ["v1", "accounts", var id]):
                await Get(context, id, "account", null);
                return true;
            case ("POST", ["v1", "account_links"]):
                await Idempotent(context, form, key, () => CreateAccountLink(form));
                return true;
            case ("POST", ["v1", "terminal", "readers", var reader, "process_payment_intent"]):
                await Idempotent(context, form, key, () => ProcessOnReader(reader, form, account));
                return true;
            case ("GET", ["v1", "terminal", "readers", var reader]):
                await Get(context, reader, "terminal.reader", account);
                return true;
            case ("POST", ["v1", "terminal", "readers", var reader, "cancel_action"]):
                await Idempotent(context, form, key, () => CancelReaderAction(reader, account));
                return true;
            case ("POST", ["v1", "payment_intents", var id, "cancel"]):
                await Idempotent(context, form, key, () => CancelIntent(id, account));
                return true;
            case ("POST", ["v1", "test_helpers", "terminal", "readers", var reader, "present_payment_method"]):
                await Idempotent(context, form, key, () => PresentCard(reader, form, account));
                return true;
            default:
                return false;
        }
    }

    private async Task Get(HttpContext context, string id, string type, string? account)
    {
        if (Find(id, type, account) is { } found)
        {
            await Json(context, 200, found);
            return;
        }
        await Error(context, 404, "invalid_request_error", $"No such {type}: '{id}'", "id");
    }

    /// <summary>Stripe's idempotency: the same key with the same parameters answers the first answer again (errors too); other parameters → 400.</summary>
    private async Task Idempotent(HttpContext context, Dictionary<string, string> form, string key, Func<(int Status, JsonObject Body)> create)
    {
        var parameters = string.Join('&', form.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        (int Status, string Answer) answer;
        lock (_more)
        {
            if (key.Length > 0 && _idempotentMore.TryGetValue(key, out var earlier))
            {
                if (earlier.Parameters != parameters)
                {
                    answer = (400, new JsonObject
                    {
                        ["error"] = new JsonObject
                        {
                            ["type"] = "idempotency_error",
                            ["message"] = "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                        },
                    }.ToJsonString());
                }
                else
                {
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                    answer = (earlier.Status, earlier.Answer);
                }
            }
            else
            {
                var made = create();
                answer = (made.Status, made.Body.ToJsonString());
                if (key.Length > 0)
                {
                    _idempotentMore[key] = (parameters, answer.Status, answer.Answer);
                }
            }
        }
        await Raw(context, answer.Status, answer.Answer);
    }

    private static (int, JsonObject) Fail(int status, string type, string message, string? param, string? code = null, JsonObject? intent = null) =>
        (status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["type"] = type,
                ["message"] = message,
                ["param"] = param,
                ["code"] = code,
                ["decline_code"] = code == "card_declined" ? "generic_decline" : null,
                ["payment_intent"] = intent?.DeepClone(),
            },
        });

    private (int, JsonObject) CreateSetupSession(Dictionary<string, string> form, string? account)
    {
        if (new[] { "client_reference_id", "success_url", "currency" }.FirstOrDefault(n => form.GetValueOrDefault(n) is null or "") is { } missing)
        {
            return Fail(400, "invalid_request_error", $"Missing required param: {missing}.", missing);
        }
        if (form.Keys.Any(k => k.StartsWith("line_items", StringComparison.Ordinal) || k.StartsWith("payment_intent_data", StringComparison.Ordinal)))
        {
            return Fail(400, "invalid_request_error", "line_items and payment_intent_data cannot be used in setup mode.", "mode");
        }
        var id = "cs_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var metadata = new JsonObject();
        foreach (var (k, v) in form.Where(kv => kv.Key.StartsWith("metadata[", StringComparison.Ordinal)))
        {
            metadata[k["metadata[".Length..^1]] = v;
        }
        var session = new JsonObject
        {
            ["id"] = id,
            ["object"] = "checkout.session",
            ["mode"] = "setup",
            ["url"] = $"{BaseUrl}/pay/{id}",
            ["status"] = "open",
            ["payment_status"] = "no_payment_required",
            ["client_reference_id"] = form["client_reference_id"],
            ["customer_email"] = form.GetValueOrDefault("customer_email"),
            ["amount_total"] = null,
            ["currency"] = form["currency"],
            ["expires_at"] = form.TryGetValue("expires_at", out var e) ? long.Parse(e, CultureInfo.InvariantCulture) : null,
            ["success_url"] = form["success_url"],
            ["cancel_url"] = form.GetValueOrDefault("cancel_url"),
            ["payment_intent"] = null,
            ["setup_intent"] = null,
            ["customer"] = null,
            ["metadata"] = metadata,
            ["stripe_account"] = account,
            ["livemode"] = false,
        };
        _sessions[id] = session;
        return (200, session);
    }

    private (int, JsonObject) CreatePaymentIntent(Dictionary<string, string> form, string? account)
    {
        if (!long.TryParse(form.GetValueOrDefault("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return Fail(400, "invalid_request_error", "Missing required param: amount.", "amount");
        }
        if (form.GetValueOrDefault("currency") is not { Length: 3 } currency)
        {
            return Fail(400, "invalid_request_error", "Missing required param: currency.", "currency");
        }
        var id = NewId("pi");
        var intent = new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["currency"] = currency,
            ["status"] = "requires_payment_method",
            ["customer"] = form.GetValueOrDefault("customer"),
            ["payment_method"] = form.GetValueOrDefault("payment_method"),
            ["application_fee_amount"] = form.TryGetValue("application_fee_amount", out var fee) ? long.Parse(fee, CultureInfo.InvariantCulture) : null,
            ["capture_method"] = form.GetValueOrDefault("capture_method") ?? "automatic",
            ["payment_method_types"] = new JsonArray(form.Where(kv => kv.Key.StartsWith("payment_method_types[", StringComparison.Ordinal))
                .Select(kv => (JsonNode)JsonValue.Create(kv.Value)!).ToArray()),
            ["metadata"] = new JsonObject(form.Where(kv => kv.Key.StartsWith("metadata[", StringComparison.Ordinal))
                .Select(kv => KeyValuePair.Create(kv.Key["metadata[".Length..^1], (JsonNode?)JsonValue.Create(kv.Value)))),
            ["stripe_account"] = account,
            ["livemode"] = false,
        };
        if (intent["application_fee_amount"] is not null && account is null)
        {
            return Fail(400, "invalid_request_error", "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment " +
                                                      "(using an OAuth key or Stripe-Account header) or destination payment (using transfer_data[destination]).",
                "application_fee_amount");
        }
        _objects[id] = intent;
        if (form.GetValueOrDefault("confirm") != "true")
        {
            return (200, intent);
        }
        if (form.GetValueOrDefault("payment_method") is not { } pm || Find(pm, "payment_method", account) is not { } method)
        {
            return Fail(400, "invalid_request_error", $"No such PaymentMethod: '{form.GetValueOrDefault("payment_method")}'", "payment_method");
        }
        if (form.GetValueOrDefault("off_session") == "true" && method["customer"]?.GetValue<string>() is not { } owner)
        {
            return Fail(400, "invalid_request_error", "The provided PaymentMethod was previously used without being attached to a Customer; it cannot be used again.", "payment_method");
        }
        if (method["customer"]?.GetValue<string>() != form.GetValueOrDefault("customer"))
        {
            return Fail(400, "invalid_request_error", "The provided PaymentMethod does not belong to the Customer.", "payment_method");
        }
        var behaviour = CardBehaviour(method["test_card"]!.GetValue<string>());
        if (behaviour != "ok")
        {
            intent["last_payment_error"] = new JsonObject { ["code"] = behaviour, ["type"] = "card_error" };
            return Fail(402, "card_error", behaviour == "card_declined" ? "Your card was declined." : "This payment requires authentication.", null, behaviour, intent);
        }
        intent["status"] = "succeeded";
        return (200, intent);
    }

    private (int, JsonObject) Capture(string id, string? account)
    {
        if (Find(id, "payment_intent", account) is not { } intent)
        {
            return Fail(404, "invalid_request_error", $"No such payment_intent: '{id}'", "id");
        }
        if (intent["status"]!.GetValue<string>() != "requires_capture")
        {
            return Fail(400, "invalid_request_error", "This PaymentIntent could not be captured because it has a status of " + intent["status"] + ".", null, "payment_intent_unexpected_state");
        }
        intent["status"] = "succeeded";
        intent["amount_received"] = intent["amount"]!.GetValue<long>();
        return (200, intent);
    }

    /// <summary>A Connect account made by the platform; <see cref="CompleteOnboarding"/> plays its owner finishing Stripe's forms.</summary>
    private (int, JsonObject) CreateAccount(Dictionary<string, string> form)
    {
        var id = "acct_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var account = new JsonObject
        {
            ["id"] = id,
            ["object"] = "account",
            ["type"] = form.GetValueOrDefault("type"),
            ["country"] = form.GetValueOrDefault("country"),
            ["email"] = form.GetValueOrDefault("email"),
            ["charges_enabled"] = false,
            ["payouts_enabled"] = false,
            ["details_submitted"] = false,
        };
        _objects[id] = account;
        return (200, account);
    }

    public void CompleteOnboarding(string account)
    {
        var a = _objects[account];
        lock (_more)
        {
            a["charges_enabled"] = true;
            a["payouts_enabled"] = true;
            a["details_submitted"] = true;
        }
    }

    private (int, JsonObject) CreateAccountLink(Dictionary<string, string> form)
    {
        if (new[] { "account", "type", "refresh_url", "return_url" }.FirstOrDefault(n => form.GetValueOrDefault(n) is null or "") is { } missing)
        {
            return Fail(400, "invalid_request_error", $"Missing required param: {missing}.", missing);
        }
        if (Find(form["account"], "account", null) is null)
        {
            return Fail(400, "invalid_request_error", $"No such account: '{form["account"]}'", "account");
        }
        var created = Now?.Invoke().ToUnixTimeSeconds() ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return (200, new JsonObject
        {
            ["object"] = "account_link",
            ["created"] = created,
            ["expires_at"] = created + 300,
            ["url"] = $"{BaseUrl}/setup/{form["account"]}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}",
        });
    }

    /// <summary>A reader registered to the platform (or to a connected account).</summary>
    public string AddReader(string? account = null)
    {
        var id = NewId("tmr");
        _objects[id] = new JsonObject
        {
            ["id"] = id,
            ["object"] = "terminal.reader",
            ["device_type"] = "bbpos_wisepos_e",
            ["status"] = "online",
            ["action"] = null,
            ["stripe_account"] = account,
        };
        return id;
    }

    private (int, JsonObject) ProcessOnReader(string readerId, Dictionary<string, string> form, string? account)
    {
        if (Find(readerId, "terminal.reader", account) is not { } reader)
        {
            return Fail(404, "invalid_request_error", $"No such terminal.reader: '{readerId}'", "id");
        }
        if (form.GetValueOrDefault("payment_intent") is not { } pi || Find(pi, "payment_intent", account) is not { } intent)
        {
            return Fail(400, "invalid_request_error", "Missing required param: payment_intent.", "payment_intent");
        }
        if (intent["payment_method_types"]?.AsArray().Any(t => t?.GetValue<string>() == "card_present") != true)
        {
            return Fail(400, "invalid_request_error", "The PaymentIntent must allow card_present.", "payment_intent");
        }
        if (intent["status"]!.GetValue<string>() is not ("requires_payment_method" or "requires_confirmation"))
        {
            return Fail(400, "invalid_request_error", $"This PaymentIntent's status is {intent["status"]}; it cannot be processed.", "payment_intent", "payment_intent_unexpected_state");
        }
        if (reader["action"]?["status"]?.GetValue<string>() == "in_progress")
        {
            return Fail(409, "invalid_request_error", "Reader is currently busy processing another request.", null, "terminal_reader_busy");
        }
        reader["action"] = new JsonObject
        {
            ["type"] = "process_payment_intent",
            ["status"] = "in_progress",
            ["process_payment_intent"] = new JsonObject { ["payment_intent"] = pi },
        };
        return (200, reader);
    }

    /// <summary>The test helper: a card is tapped on the reader; the PaymentIntent it is processing is authorized.</summary>
    private (int, JsonObject) PresentCard(string readerId, Dictionary<string, string> form, string? account)
    {
        if (Find(readerId, "terminal.reader", account) is not { } reader ||
            reader["action"]?["process_payment_intent"]?["payment_intent"]?.GetValue<string>() is not { } pi)
        {
            return Fail(400, "invalid_request_error", "The reader has no action in progress.", null);
        }
        var intent = _objects[pi];
        var method = PaymentMethod(form.GetValueOrDefault("card_present[number]") is "4000000000000002" ? "pm_card_chargeDeclined" : "pm_card_visa", null, account);
        _objects[method]["type"] = "card_present";
        intent["payment_method"] = method;
        if (CardBehaviour(_objects[method]["test_card"]!.GetValue<string>()) != "ok")
        {
            // As Stripe: the reader's action fails, the PaymentIntent stays open for another attempt and keeps the error.
            reader["action"]!["status"] = "failed";
            reader["action"]!["failure_code"] = "card_declined";
            reader["action"]!["failure_message"] = "Your card was declined.";
            intent["status"] = "requires_payment_method";
            intent["last_payment_error"] = new JsonObject { ["type"] = "card_error", ["code"] = "card_declined", ["decline_code"] = "generic_decline" };
            return (200, reader);
        }
        intent["status"] = intent["capture_method"]?.GetValue<string>() == "manual" ? "requires_capture" : "succeeded";
        intent["last_payment_error"] = null;
        reader["action"]!["status"] = "succeeded";
        return (200, reader);
    }

    /// <summary><c>POST /v1/terminal/readers/{id}/cancel_action</c>: the reader stops what it shows; with nothing in progress Stripe answers 400.</summary>
    private (int, JsonObject) CancelReaderAction(string readerId, string? account)
    {
        if (Find(readerId, "terminal.reader", account) is not { } reader)
        {
            return Fail(404, "invalid_request_error", $"No such terminal.reader: '{readerId}'", "id");
        }
        if (reader["action"]?["status"]?.GetValue<string>() != "in_progress")
        {
            return Fail(400, "invalid_request_error", "This Reader has no action in progress to cancel.", null, "terminal_reader_no_action_to_cancel");
        }
        reader["action"] = null;
        return (200, reader);
    }

    /// <summary><c>POST /v1/payment_intents/{id}/cancel</c>: only before it succeeded; an authorization is released.</summary>
    private (int, JsonObject) CancelIntent(string id, string? account)
    {
        if (Find(id, "payment_intent", account) is not { } intent)
        {
            return Fail(404, "invalid_request_error", $"No such payment_intent: '{id}'", "id");
        }
        if (intent["status"]!.GetValue<string>() is "succeeded" or "canceled")
        {
            return Fail(400, "invalid_request_error", $"You cannot cancel this PaymentIntent because it has a status of {intent["status"]}.", null,
                "payment_intent_unexpected_state");
        }
        intent["status"] = "canceled";
        intent["cancellation_reason"] = "requested_by_customer";
        return (200, intent);
    }

    /// <summary>The test helper a desk's script would call: the client taps a card (<c>4000000000000002</c> is declined).</summary>
    public async Task<HttpResponseMessage> PresentCardAsync(string reader, string? number = null)
    {
        using var http = new HttpClient();
        using var tap = new HttpRequestMessage(HttpMethod.Post, $"{BaseUrl}/v1/test_helpers/terminal/readers/{reader}/present_payment_method")
        {
            Content = new FormUrlEncodedContent(number is null ? [] : [KeyValuePair.Create("card_present[number]", number)]),
        };
        tap.Headers.Authorization = new("Bearer", SecretKey);
        return await http.SendAsync(tap);
    }
}
