using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Payments;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// Contract 4.2 against a stand-in Stripe on loopback (its own instance per test, on the app's clock), with
/// webhook events signed as Stripe signs them.
/// </summary>
public abstract class StripePaymentTests
{
    protected abstract Db Kind { get; }

    private const string Start = "2027-03-03T10:00:00+01:00";
    private const string Webhook = "/api/v1/payments/stripe/webhook";

    private sealed record Setup(BookwellApp App, StripeStandIn Stripe, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Stripe.DisposeAsync();
        }
    }

    private async Task<Setup> StartAsync(int? holdMinutes = null)
    {
        var stripe = await StripeStandIn.StartAsync();
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        var page = doc["pages"]![0]!.AsObject();
        if (holdMinutes is not null)
        {
            page["settings"]!["paymentHoldMinutes"] = holdMinutes;
        }
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "treatment", "name": "Treatment", "durationMinutes": 60, "price": { "amount": 100.00, "currency": "EUR" },
              "payment": "deposit", "deposit": { "amount": 25.00, "currency": "EUR" }, "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("treatment");
        var put = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return new Setup(app, stripe, app.CreateClient());
    }

    private static async Task<JsonObject> BookPaid(Setup s, string service = "colour", string email = "ada@example.com")
    {
        var response = await Book(s.Client, Booking(Start, service: service, email: email));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Body(response);
    }

    private static Guid Id(JsonObject booking) => Guid.Parse(booking["id"]!.GetValue<string>());

    private static string SessionId(Setup s, JsonObject booking) => s.Stripe.SessionFor(Id(booking))!["id"]!.GetValue<string>();

    private static async Task<HttpResponseMessage> Deliver(Setup s, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }
        return await s.Client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> DeliverSigned(Setup s, string body) => Deliver(s, body, StripeStandIn.Sign(body, s.App.Clock.GetCurrentInstant()));

    private static async Task<JsonObject> AdminBooking(Setup s, JsonObject booking) =>
        (await s.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{Id(booking)}"))!;

    private static (int Payments, int Events, BookingStatus Status) State(Setup s, JsonObject booking) => s.App.WithDb(db =>
        (db.Payments.Count(), db.PaymentEvents.Count(), db.Bookings.Single(b => b.Id == Id(booking)).Status));

    [Fact]
    public async Task PaidService_AnswersPendingPayment_WithTheCheckoutUrl_OfASessionMadeAsStripeDocuments()
    {
        await using var s = await StartAsync(holdMinutes: 90);
        var booked = await BookPaid(s);
        Assert.Equal("pending_payment", booked["status"]!.GetValue<string>());
        var session = s.Stripe.SessionFor(Id(booked))!;
        Assert.Equal(session["url"]!.GetValue<string>(), booked["paymentUrl"]!.GetValue<string>());
        var call = Assert.Single(s.Stripe.CallsTo("POST", "/v1/checkout/sessions"));
        Assert.Equal($"bookwell-booking-{Id(booked):N}-full", call.IdempotencyKey);
        Assert.Equal("payment", call.Form["mode"]);
        Assert.Equal(Id(booked).ToString(), call.Form["client_reference_id"]);
        Assert.Equal("8000", call.Form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("eur", call.Form["line_items[0][price_data][currency]"]);
        // The session ends with the hold: 90 minutes from now, inside Stripe's window.
        var hold = Instant.FromUnixTimeSeconds(long.Parse(call.Form["expires_at"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(BookwellApp.DefaultNow + Duration.FromMinutes(90), hold);
        var token = booked["manageToken"]!.GetValue<string>();
        Assert.StartsWith($"https://book.example.test/booking/{token}", call.Form["success_url"], StringComparison.Ordinal);
        Assert.StartsWith($"https://book.example.test/booking/{token}", call.Form["cancel_url"], StringComparison.Ordinal);
        // The public booking keeps pointing at the same place to pay while it waits.
        var again = await s.Client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}");
        Assert.Equal(booked["paymentUrl"]!.GetValue<string>(), again!["paymentUrl"]!.GetValue<string>());
        var admin = await AdminBooking(s, booked);
        Assert.Equal("unpaid", admin["payment"]!["status"]!.GetValue<string>());
        Assert.Equal(0m, admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>());
        Assert.Equal(80m, admin["payment"]!["due"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("EUR", admin["payment"]!["due"]!["currency"]!.GetValue<string>());
    }

    [Fact]
    public async Task Gateway_RetriedCreate_WithTheSameKey_GetsTheSameSession()
    {
        await using var s = await StartAsync();
        var gateway = s.App.Services.GetRequiredService<StripeGateway>();
        var request = new SessionRequest(Guid.NewGuid(), Guid.NewGuid(), CheckoutPurpose.Full, "Colour", 8000, "EUR", BookwellApp.DefaultNow + Duration.FromHours(1),
            "https://book.example.test/booking/x?paid=1", "https://book.example.test/booking/x", "ada@example.com", null, null);
        var first = await gateway.CreateSessionAsync(request, CancellationToken.None);
        var second = await gateway.CreateSessionAsync(request, CancellationToken.None);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, s.Stripe.CallsTo("POST", "/v1/checkout/sessions").Count());
    }

    [Fact]
    public async Task ShortHold_TheSessionIsExpiredThroughTheApi_WhenTheHoldRunsOut()
    {
        await using var s = await StartAsync(holdMinutes: 10);
        var booked = await BookPaid(s);
        var call = Assert.Single(s.Stripe.CallsTo("POST", "/v1/checkout/sessions"));
        // Stripe takes no less than 30 minutes, so the session outlives the 10-minute hold...
        Assert.Equal(BookwellApp.DefaultNow + PaymentCheckout.ShortestSession,
            Instant.FromUnixTimeSeconds(long.Parse(call.Form["expires_at"], System.Globalization.CultureInfo.InvariantCulture)));
        s.App.Clock.Advance(Duration.FromMinutes(11));
        await s.App.Services.GetRequiredService<TimeRulesWorker>().RunOnceAsync(CancellationToken.None);
        // ...and is ended when the hold is (the worker's own pass may have done it first; wait for it, bounded).
        var sessionId = SessionId(s, booked);
        for (var i = 0; i < 600 && s.Stripe.Session(sessionId)["status"]!.GetValue<string>() == "open"; i++)
        {
            await Task.Delay(50);
        }
        Assert.Equal("expired", s.Stripe.Session(sessionId)["status"]!.GetValue<string>());
        Assert.Contains(s.Stripe.CallsTo("POST", $"/v1/checkout/sessions/{sessionId}/expire"), c => c.Method == "POST");
        Assert.Equal(BookingStatus.Cancelled, State(s, booked).Status);
        Assert.Contains(Start, await SlotStarts(s.Client, "colour", "2027-03-03", "2027-03-03"));
    }

    [Fact]
    public async Task Completed_ConfirmsTheBooking_AndRecordsTheMoney_Deposit()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s, "treatment");
        var call = Assert.Single(s.Stripe.CallsTo("POST", "/v1/checkout/sessions"));
        Assert.Equal("2500", call.Form["line_items[0][price_data][unit_amount]"]);
        Assert.EndsWith("-deposit", call.IdempotencyKey, StringComparison.Ordinal);
        var paid = s.Stripe.Pay(SessionId(s, booked));
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_1", "checkout.session.completed", paid))).StatusCode);
        var admin = await AdminBooking(s, booked);
        Assert.Equal("confirmed", admin["status"]!.GetValue<string>());
        Assert.Contains(admin["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "paid");
        Assert.Equal("deposit_paid", admin["payment"]!["status"]!.GetValue<string>());
        Assert.Equal(25m, admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>());
        Assert.Equal(75m, admin["payment"]!["due"]!["amount"]!.GetValue<decimal>());
        var listed = (await s.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/bookings"))!["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == Id(booked).ToString());
        Assert.Equal("deposit_paid", listed!["payment"]!["status"]!.GetValue<string>());
        var ledger = s.App.WithDb(db => db.Payments.Single());
        Assert.Equal((25.00m, "EUR", "charge", "stripe"), (ledger.Amount, ledger.Currency, ledger.Kind.ToWire(), ledger.Provider.ToWire()));
        // The hold is released: the time no longer expires.
        s.App.Clock.Advance(Duration.FromHours(2));
        await s.App.Services.GetRequiredService<TimeRulesWorker>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(BookingStatus.Confirmed, State(s, booked).Status);
    }

    [Fact]
    public async Task Signature_Missing_Wrong_Stale_OrTampered_Is400_AndChangesNothing()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        var body = StripeStandIn.Event("evt_sig", "checkout.session.completed", s.Stripe.Pay(SessionId(s, booked)));
        var now = s.App.Clock.GetCurrentInstant();
        var attempts = new (string Name, string Body, string? Signature)[]
        {
            ("missing", body, null),
            ("empty", body, ""),
            ("garbage", body, "nonsense"),
            ("wrong secret", body, StripeStandIn.Sign(body, now, "whsec_someone_else")),
            ("stale", body, StripeStandIn.Sign(body, now - Duration.FromSeconds(301))),
            ("future", body, StripeStandIn.Sign(body, now + Duration.FromSeconds(301))),
            ("tampered body", body.Replace("\"amount_total\":8000", "\"amount_total\":1", StringComparison.Ordinal), StripeStandIn.Sign(body, now)),
            ("v0 only", body, StripeStandIn.Sign(body, now).Replace("v1=", "v0=", StringComparison.Ordinal)),
        };
        foreach (var (name, b, signature) in attempts)
        {
            var response = await Deliver(s, b, signature);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {response.StatusCode}");
            Assert.Equal((0, 0, BookingStatus.PendingPayment), State(s, booked));
        }
        // 300 seconds old is still accepted, and the same event then takes effect.
        Assert.Equal(HttpStatusCode.OK, (await Deliver(s, body, StripeStandIn.Sign(body, now - Duration.FromSeconds(300)))).StatusCode);
        Assert.Equal((1, 1, BookingStatus.Confirmed), State(s, booked));
    }

    [Fact]
    public async Task OneEvent_Delivered20TimesAtOnce_TakesEffectOnce()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        var body = StripeStandIn.Event("evt_dup", "checkout.session.completed", s.Stripe.Pay(SessionId(s, booked)));
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => DeliverSigned(s, body))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal((1, 1, BookingStatus.Confirmed), State(s, booked));
        var admin = await AdminBooking(s, booked);
        Assert.Single(admin["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "paid");
        // Another event about the same payment (a different id) records no second charge.
        var other = StripeStandIn.Event("evt_dup_2", "checkout.session.completed", s.Stripe.Session(SessionId(s, booked)));
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, other)).StatusCode);
        Assert.Equal((1, 2, BookingStatus.Confirmed), State(s, booked));
        Assert.Equal("paid", admin["payment"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Completed_ThenExpired_StaysConfirmed()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        var id = SessionId(s, booked);
        var paid = s.Stripe.Pay(id);
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_c", "checkout.session.completed", paid))).StatusCode);
        var expired = paid.DeepClone().AsObject();
        expired["status"] = "expired";
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_e", "checkout.session.expired", expired))).StatusCode);
        Assert.Equal((1, 2, BookingStatus.Confirmed), State(s, booked));
        Assert.DoesNotContain(Start, await SlotStarts(s.Client, "colour", "2027-03-03", "2027-03-03"));
    }

    [Fact]
    public async Task Expired_CancelsAndFreesTheTime_ThenALateCompleted_ReopensWhileTheTimeIsFree()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        var id = SessionId(s, booked);
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_x", "checkout.session.expired", s.Stripe.ExpireNow(id)))).StatusCode);
        var admin = await AdminBooking(s, booked);
        Assert.Equal("cancelled", admin["status"]!.GetValue<string>());
        Assert.Contains(admin["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "expired");
        Assert.Contains(Start, await SlotStarts(s.Client, "colour", "2027-03-03", "2027-03-03"));
        // Out of order: the money arrives after all (Stripe's events can cross). The time is still free: it is taken again.
        var paid = s.Stripe.Session(id);
        paid["status"] = "complete";
        paid["payment_status"] = "paid";
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_y", "checkout.session.completed", paid))).StatusCode);
        admin = await AdminBooking(s, booked);
        Assert.Equal("confirmed", admin["status"]!.GetValue<string>());
        Assert.Contains(admin["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "paid-reopened");
        Assert.Equal("paid", admin["payment"]!["status"]!.GetValue<string>());
        Assert.DoesNotContain(Start, await SlotStarts(s.Client, "colour", "2027-03-03", "2027-03-03"));
    }

    [Fact]
    public async Task Expired_ThenSomeoneElseBooks_ThenALateCompleted_RecordsTheMoney_AndMarksARefundDue()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        var id = SessionId(s, booked);
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_x", "checkout.session.expired", s.Stripe.ExpireNow(id)))).StatusCode);
        var other = await BookPaid(s, email: "grace@example.com");
        var paid = s.Stripe.Session(id);
        paid["status"] = "complete";
        paid["payment_status"] = "paid";
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_y", "checkout.session.completed", paid))).StatusCode);
        var admin = await AdminBooking(s, booked);
        Assert.Equal("cancelled", admin["status"]!.GetValue<string>());
        Assert.Equal("paid", admin["payment"]!["status"]!.GetValue<string>());
        Assert.Equal(80m, admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>());
        Assert.True(admin["payment"]!["refundDue"]!.GetValue<bool>());
        Assert.Equal(BookingStatus.PendingPayment, State(s, other).Status);
        Assert.Equal(1, s.App.WithDb(db => db.Payments.Count()));
    }

    [Fact]
    public async Task StripeDown_TheBookingIsRefusedClearly_AndNothingIsHeld()
    {
        await using var s = await StartAsync();
        s.Stripe.Down = true;
        var response = await Book(s.Client, Booking(Start, service: "colour"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.EndsWith("payment-unavailable", (await Body(response))["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, s.App.WithDb(db => db.Bookings.Count() + db.Allocations.Count() + db.CheckoutSessions.Count()));
        Assert.Contains(Start, await SlotStarts(s.Client, "colour", "2027-03-03", "2027-03-03"));
        s.Stripe.Down = false;
        Assert.Equal(HttpStatusCode.Created, (await Book(s.Client, Booking(Start, service: "colour"))).StatusCode);
    }

    [Fact]
    public async Task ManagePage_SaysWaitingUntilStripeSaysPaid_WhateverTheReturnUrlSays()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        var token = booked["manageToken"]!.GetValue<string>();
        var waiting = await s.Client.GetStringAsync($"/booking/{token}?paid=1");
        Assert.Contains("Waiting for payment", waiting, StringComparison.Ordinal);
        Assert.Contains($"href=\"{booked["paymentUrl"]!.GetValue<string>()}\"", waiting, StringComparison.Ordinal);
        // Paid on Stripe's page; the event has not come (yet): the page asks Stripe and shows the truth.
        s.Stripe.Pay(SessionId(s, booked));
        var paid = await s.Client.GetStringAsync($"/booking/{token}");
        Assert.Contains("Paid", paid, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"pay\"", paid, StringComparison.Ordinal);
        Assert.Equal((1, 0, BookingStatus.Confirmed), State(s, booked));
        // The event arriving later changes nothing more.
        Assert.Equal(HttpStatusCode.OK, (await DeliverSigned(s, StripeStandIn.Event("evt_late", "checkout.session.completed", s.Stripe.Session(SessionId(s, booked))))).StatusCode);
        Assert.Equal((1, 1, BookingStatus.Confirmed), State(s, booked));
    }

    [Fact]
    public async Task Reconciliation_SettlesABookingWhoseEventNeverCame()
    {
        await using var s = await StartAsync();
        var booked = await BookPaid(s);
        s.Stripe.Pay(SessionId(s, booked));
        var reconciler = s.App.Services.GetRequiredService<PaymentReconciler>();
        Assert.Equal(0, await reconciler.RunOnceAsync(CancellationToken.None));
        s.App.Clock.Advance(Duration.FromMinutes(29));
        Assert.Equal(1, await reconciler.RunOnceAsync(CancellationToken.None));
        Assert.Equal((1, 0, BookingStatus.Confirmed), State(s, booked));
    }

    [Fact]
    public async Task WithoutAProvider_ADocumentWithOnlinePayment_IsRejectedAtThatService()
    {
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:SecretKey"] = null;
            s["Bookwell:Stripe:WebhookSecret"] = null;
        });
        var response = await PutConfig(app.Admin(), Config());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.Equal(["pages[0].services[3].payment"], errors.Select(e => e.Key).ToArray());
        var doc = Config();
        doc["pages"]![0]!["services"]![3]!["payment"] = "invoice";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        // And the webhook is not there to be called.
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().PostAsync(Webhook, new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public void ASecretKeyWithoutAWebhookSecret_RefusesToStart()
    {
        static IConfiguration Settings(params (string Key, string? Value)[] values) =>
            new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();
        var ex = Assert.Throws<StartupException>(() => StripeOptions.Read(Settings(("Bookwell:Stripe:SecretKey", "sk_test_x"), ("Bookwell:Stripe:WebhookSecret", " "))));
        Assert.Contains("Bookwell__Stripe__WebhookSecret", ex.Message, StringComparison.Ordinal);
        Assert.Throws<StartupException>(() => StripeOptions.Read(Settings(("Bookwell:Stripe:SecretKey", "sk_test_x"), ("Bookwell:Stripe:WebhookSecret", "whsec_x"),
            ("Bookwell:Stripe:PlatformFeePercent", "120"))));
        Assert.NotNull(StripeOptions.Read(Settings(("Bookwell:Stripe:SecretKey", "sk_test_x"), ("Bookwell:Stripe:WebhookSecret", "whsec_x"))));
        Assert.Null(StripeOptions.Read(Settings()));
        // The whole app: it does not come up.
        Assert.ThrowsAny<Exception>(() =>
        {
            using var app = BookwellApp.StartAsync(Db.Sqlite, s => s["Bookwell:Stripe:WebhookSecret"] = "").GetAwaiter().GetResult();
        });
    }
}

public sealed class SqliteStripePaymentTests : StripePaymentTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresStripePaymentTests : StripePaymentTests
{
    protected override Db Kind => Db.Postgres;
}
