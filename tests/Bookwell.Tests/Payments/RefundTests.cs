using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Invoices;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// Receipts for online payments, cancellation policies, refunds through the Stripe stand-in (its own instance per
/// test, on the app's clock), credit notes, and the race of refunds against one payment; on both databases.
/// </summary>
public abstract class RefundTests
{
    protected abstract Db Kind { get; }

    // 51 hours after BookwellApp.DefaultNow (2027-03-01T07:00Z).
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

    private const string Tiers = """{ "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] }""";

    private async Task<Setup> StartAsync(string? policy = Tiers)
    {
        var stripe = await StripeStandIn.StartAsync();
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        var page = doc["pages"]![0]!.AsObject();
        var colour = page["services"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == "colour")!.AsObject();
        if (policy is not null)
        {
            colour["cancellationPolicy"] = JsonNode.Parse(policy);
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

    private static Guid Id(JsonObject booking) => Guid.Parse(booking["id"]!.GetValue<string>());

    private static async Task<JsonObject> BookAndPay(Setup s, string service = "colour", int events = 1)
    {
        var response = await Book(s.Client, Booking(Start, service: service));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booked = await Body(response);
        var session = s.Stripe.SessionFor(Id(booked))!["id"]!.GetValue<string>();
        var body = StripeStandIn.Event("evt_" + session, "checkout.session.completed", s.Stripe.Pay(session));
        for (var i = 0; i < events; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, s.App.Clock.GetCurrentInstant()));
            Assert.Equal(HttpStatusCode.OK, (await s.Client.SendAsync(request)).StatusCode);
        }
        return booked;
    }

    private static async Task<JsonObject> AdminBooking(Setup s, JsonObject booking) =>
        (await s.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{Id(booking)}"))!;

    private static Task<HttpResponseMessage> Refund(Setup s, JsonObject booking, decimal? amount) =>
        s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booking)}/refunds",
            Json(amount is { } a ? new JsonObject { ["amount"] = new JsonObject { ["amount"] = a, ["currency"] = "EUR" } } : new JsonObject()));

    [Fact]
    public async Task PaidBooking_GetsOneInvoiceMarkedPaid_HoweverOftenTheEventComes()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s, events: 3);
        var invoices = (await s.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/invoices"))!["items"]!.AsArray();
        var invoice = Assert.Single(invoices)!;
        Assert.Equal(Id(booked).ToString(), invoice["bookingId"]!.GetValue<string>());
        Assert.Equal("paid", invoice["status"]!.GetValue<string>());
        Assert.Equal(80m, invoice["total"]!.GetValue<decimal>());
        Assert.Equal(80m, invoice["amountPaid"]!.GetValue<decimal>());
        Assert.Equal("stripe", invoice["payments"]![0]!["method"]!.GetValue<string>());
        Assert.Equal(1, s.App.WithDb(db => db.Set<InvoiceCounter>().Single().Last));
    }

    [Fact]
    public async Task Deposit_TheInvoiceShowsTheDepositPaid_AndTheRestDue()
    {
        await using var s = await StartAsync();
        await BookAndPay(s, "treatment");
        var invoice = Assert.Single((await s.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/invoices"))!["items"]!.AsArray())!;
        Assert.Equal("open", invoice["status"]!.GetValue<string>());
        Assert.Equal(100m, invoice["total"]!.GetValue<decimal>());
        Assert.Equal(25m, invoice["amountPaid"]!.GetValue<decimal>());
        Assert.Equal(75m, invoice["amountDue"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Policy_IsValidatedFieldByField()
    {
        await using var s = await StartAsync(policy: null);
        var doc = Config();
        var colour = doc["pages"]![0]!["services"]![3]!.AsObject();
        colour["cancellationPolicy"] = JsonNode.Parse("""{ "refunds": [ { "hoursBefore": -1, "percent": 100 }, { "hoursBefore": 24, "percent": 150 }, { "hoursBefore": 24 }, null ] }""");
        var response = await PutConfig(s.App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[]
        {
            "pages[0].services[3].cancellationPolicy.refunds[0].hoursBefore",
            "pages[0].services[3].cancellationPolicy.refunds[1].percent",
            "pages[0].services[3].cancellationPolicy.refunds[2].hoursBefore",
            "pages[0].services[3].cancellationPolicy.refunds[2].percent",
            "pages[0].services[3].cancellationPolicy.refunds[3]",
        }, errors);
        colour["cancellationPolicy"] = JsonNode.Parse("{}");
        var missing = await PutConfig(s.App.Admin(), doc);
        Assert.Equal(["pages[0].services[3].cancellationPolicy.refunds"], (await Body(missing))["errors"]!.AsObject().Select(e => e.Key).ToArray());
    }

    [Fact]
    public async Task ClientCancelsEarly_ThePageSaysEverythingComesBack_AndStripeRefundsIt_WithACreditNote()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        var token = booked["manageToken"]!.GetValue<string>();
        var ask = await s.Client.GetStringAsync($"/booking/{token}?cancel=1");
        Assert.Contains("you get back €80.00 of the €80.00 you paid", WebUtility.HtmlDecode(ask), StringComparison.Ordinal);
        var cancel = await s.Client.PostAsync($"/booking/{token}?handler=Cancel", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var call = Assert.Single(s.Stripe.CallsTo("POST", "/v1/refunds"));
        Assert.Equal($"bookwell-refund-{Id(booked):N}-1", call.IdempotencyKey);
        Assert.Equal("8000", call.Form["amount"]);
        Assert.StartsWith("pi_", call.Form["payment_intent"], StringComparison.Ordinal);
        var admin = await AdminBooking(s, booked);
        Assert.Equal("cancelled", admin["status"]!.GetValue<string>());
        Assert.Equal("refunded", admin["payment"]!["status"]!.GetValue<string>());
        Assert.Equal(0m, admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>());
        var ledger = s.App.WithDb(db => db.Payments.OrderBy(p => p.At).ThenBy(p => p.Kind).Select(p => new { p.Kind, p.Amount, p.ProviderReference }).ToList());
        Assert.Equal(["charge", "refund"], ledger.Select(l => l.Kind.ToWire()).ToArray());
        Assert.Equal(s.Stripe.Refunds.Single()["id"]!.GetValue<string>(), ledger[1].ProviderReference);
        var notes = (await s.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/credit-notes"))!["items"]!.AsArray();
        var note = Assert.Single(notes)!;
        Assert.Equal("CN-000001", note["number"]!.GetValue<string>());
        Assert.Equal(80m, note["amount"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("000001", note["invoiceNumber"]!.GetValue<string>());
        // The invoice series is untouched by the credit note's.
        Assert.Equal(1, s.App.WithDb(db => db.Set<InvoiceCounter>().Single().Last));
        // The manage page shows it truthfully.
        Assert.Contains("Refunded", await s.Client.GetStringAsync($"/booking/{token}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCancelsLate_HalfComesBack_ThroughThePublicApiToo()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        var token = booked["manageToken"]!.GetValue<string>();
        s.App.Clock.Advance(Duration.FromHours(20));
        var ask = await s.Client.GetStringAsync($"/booking/{token}?cancel=1");
        Assert.Contains("you get back €40.00 of the €80.00 you paid", WebUtility.HtmlDecode(ask), StringComparison.Ordinal);
        var cancel = await s.Client.PostAsync($"/api/v1/bookings/{token}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("4000", Assert.Single(s.Stripe.CallsTo("POST", "/v1/refunds")).Form["amount"]);
        var admin = await AdminBooking(s, booked);
        Assert.Equal(40m, admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>());
        // Cancelling again changes nothing, and the rest can still be refunded by staff.
        await s.Client.PostAsync($"/api/v1/bookings/{token}/cancel", null);
        Assert.Single(s.Stripe.CallsTo("POST", "/v1/refunds"));
        var rest = await Refund(s, booked, null);
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        Assert.Equal("refunded", (await AdminBooking(s, booked))["payment"]!["status"]!.GetValue<string>());
        Assert.Equal(["CN-000001", "CN-000002"], s.App.WithDb(db => db.Set<CreditNote>().OrderBy(c => c.Sequence).Select(c => c.Number).ToArray()));
    }

    [Fact]
    public async Task ClientCancelsTooLate_NothingComesBack_AndTheBusinessKeepsThePayment()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        var token = booked["manageToken"]!.GetValue<string>();
        s.App.Clock.Advance(Duration.FromHours(40));
        Assert.Contains("you get nothing back of the €80.00 you paid", WebUtility.HtmlDecode(await s.Client.GetStringAsync($"/booking/{token}?cancel=1")),
            StringComparison.Ordinal);
        await s.Client.PostAsync($"/booking/{token}?handler=Cancel", new FormUrlEncodedContent([]));
        Assert.Empty(s.Stripe.CallsTo("POST", "/v1/refunds"));
        Assert.Equal("paid", (await AdminBooking(s, booked))["payment"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task AdminRefund_PartialThenTheRest_NeverMoreThanPaid_FieldByFieldErrors()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        var first = await Refund(s, booked, 30m);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var body = await Body(first);
        Assert.Equal("succeeded", body["status"]!.GetValue<string>());
        Assert.Equal("CN-000001", body["creditNote"]!["number"]!.GetValue<string>());
        Assert.StartsWith("re_", body["stripeRefundId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("deposit_paid", (await AdminBooking(s, booked))["payment"]!["status"]!.GetValue<string>());
        var tooMuch = await Refund(s, booked, 50.01m);
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.True((await Body(tooMuch))["errors"]!.AsObject().ContainsKey("amount.amount"));
        var fraction = await Refund(s, booked, 0.001m);
        Assert.Equal(HttpStatusCode.BadRequest, fraction.StatusCode);
        var wrongCurrency = await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/refunds",
            Json(JsonNode.Parse("""{ "amount": { "amount": 1, "currency": "USD" } }""")!));
        Assert.True((await Body(wrongCurrency))["errors"]!.AsObject().ContainsKey("amount.currency"));
        Assert.Equal(HttpStatusCode.Created, (await Refund(s, booked, null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Refund(s, booked, 1m)).StatusCode);
        var list = (await s.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{Id(booked)}/refunds"))!;
        Assert.Equal([30m, 50m], list["items"]!.AsArray().Select(i => i!["amount"]!["amount"]!.GetValue<decimal>()).ToArray());
        Assert.Equal(0m, list["refundable"]!["amount"]!.GetValue<decimal>());
        Assert.Equal(8000, s.Stripe.RefundedOf(s.Stripe.Refunds[0]["payment_intent"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Guid.NewGuid()}/refunds", Json(new JsonObject()))).StatusCode);
    }

    [Fact]
    public async Task TwentyRefundsAtOnce_NeverExceedWhatWasPaid()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Refund(s, booked, 30m)));
        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(18, answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
        Assert.Equal(60m, s.App.WithDb(db => db.Payments.Where(p => p.Kind == PaymentKind.Refund).Select(p => p.Amount).ToList().Sum()));
        Assert.Equal(6000, s.Stripe.RefundedOf(s.Stripe.Refunds[0]["payment_intent"]!.GetValue<string>()));
        Assert.Equal(2, s.Stripe.CallsTo("POST", "/v1/refunds").Count());
        Assert.Equal(["CN-000001", "CN-000002"], s.App.WithDb(db => db.Set<CreditNote>().OrderBy(c => c.Sequence).Select(c => c.Number).ToArray()));
    }

    [Fact]
    public async Task StripeDown_TheRefundWaits_AndTheRetryPassSendsItOnce_WithTheSameKey()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        s.Stripe.Down = true;
        var pending = await Refund(s, booked, 20m);
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        Assert.Equal("pending", (await Body(pending))["status"]!.GetValue<string>());
        // What is under way counts: only 60 more can be asked meanwhile.
        Assert.Equal(HttpStatusCode.BadRequest, (await Refund(s, booked, 60.01m)).StatusCode);
        s.Stripe.Down = false;
        var worker = s.App.Services.GetRequiredService<RefundRetryWorker>();
        Assert.Equal(0, await worker.RunOnceAsync(CancellationToken.None));
        s.App.Clock.Advance(Duration.FromMinutes(2));
        Assert.Equal(1, await worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await worker.RunOnceAsync(CancellationToken.None));
        var keys = s.Stripe.CallsTo("POST", "/v1/refunds").Select(c => c.IdempotencyKey ?? "").Distinct().ToArray();
        Assert.Equal([$"bookwell-refund-{Id(booked):N}-1"], keys);
        Assert.Single(s.Stripe.Refunds);
        Assert.Equal(20m, s.App.WithDb(db => db.Payments.Single(p => p.Kind == PaymentKind.Refund).Amount));
    }

    [Fact]
    public async Task StripeRefuses_NothingIsRecorded_AndTheAmountIsRefundableAgain()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s);
        s.Stripe.RefundStatus = "failed";
        var refused = await Refund(s, booked, 80m);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(0, s.App.WithDb(db => db.Payments.Count(p => p.Kind == PaymentKind.Refund)));
        s.Stripe.RefundStatus = "succeeded";
        Assert.Equal(HttpStatusCode.Created, (await Refund(s, booked, 80m)).StatusCode);
        Assert.Equal(["CN-000001"], s.App.WithDb(db => db.Set<CreditNote>().Select(c => c.Number).ToArray()));
    }
}

public sealed class SqliteRefundTests : RefundTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresRefundTests : RefundTests
{
    protected override Db Kind => Db.Postgres;
}
