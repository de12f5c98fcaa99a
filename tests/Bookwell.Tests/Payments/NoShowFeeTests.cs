using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Payments;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// No-show fees: the card saved at Checkout (payment mode with setup_future_usage, or setup mode for a service
/// paid later), charged off-session once however often the no-show is marked, owed when there is no card or
/// it is declined. Against the Stripe stand-in on loopback, both databases.
/// </summary>
public abstract class NoShowFeeTests
{
    protected abstract Db Kind { get; }

    private const string Start = "2027-03-03T10:00:00+01:00";

    private sealed record Setup(BookwellApp App, StripeStandIn Stripe, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Stripe.DisposeAsync();
        }
    }

    private async Task<Setup> StartAsync()
    {
        var stripe = await StripeStandIn.StartAsync();
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        var page = doc["pages"]![0]!.AsObject();
        page["settings"]!["autoNoShowMinutes"] = 15;
        // Paid now, half the price as fee; paid at the venue, a fixed fee.
        page["services"]![3]!["noShowFee"] = new JsonObject { ["percent"] = 50 };
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "massage", "name": "Massage", "durationMinutes": 60, "price": { "amount": 60.00, "currency": "EUR" }, "payment": "none",
              "noShowFee": { "amount": 20.00 }, "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("massage");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return new Setup(app, stripe, app.CreateClient());
    }

    private static Guid Id(JsonObject booking) => Guid.Parse(booking["id"]!.GetValue<string>());

    private static async Task<JsonObject> BookAsync(Setup s, string service)
    {
        var response = await Book(s.Client, Booking(Start, service: service));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Body(response);
    }

    private static async Task DeliverCompletedAsync(Setup s, JsonObject session, string eventId)
    {
        var body = StripeStandIn.Event(eventId, "checkout.session.completed", session);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, s.App.Clock.GetCurrentInstant()));
        Assert.Equal(HttpStatusCode.OK, (await s.Client.SendAsync(request)).StatusCode);
    }

    /// <summary>Staff set a status; a no-show once the start has passed (the lifecycle refuses it sooner), so the clock moves there first.</summary>
    private static Task<HttpResponseMessage> MarkAsync(Setup s, JsonObject booking, string status)
    {
        var start = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(booking["start"]!.GetValue<string>()).Value.ToInstant();
        if (status == "no_show" && s.App.Clock.GetCurrentInstant() < start + Duration.FromMinutes(5))
        {
            // Several marks at once all move it to the same moment.
            s.App.Clock.Reset(start + Duration.FromMinutes(5));
        }
        return s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booking)}/status", Json(new JsonObject { ["status"] = status }));
    }

    private static Task<int> ChargeAsync(Setup s) => s.App.Services.GetRequiredService<NoShowFeeCharger>().RunOnceAsync(CancellationToken.None);

    private static (List<NoShowFee> Fees, List<Payment> Ledger) Money(Setup s) =>
        s.App.WithDb(db => (db.Set<NoShowFee>().AsNoTracking().ToList(), db.Payments.AsNoTracking().ToList()));

    [Fact]
    public async Task PaidNow_SavesTheCard_AndANoShowMarkedManyTimes_IsChargedOnce()
    {
        await using var s = await StartAsync();
        var booked = await BookAsync(s, "colour");
        var create = Assert.Single(s.Stripe.CallsTo("POST", "/v1/checkout/sessions"));
        Assert.Equal("payment", create.Form["mode"]);
        Assert.Equal("off_session", create.Form["payment_intent_data[setup_future_usage]"]);
        Assert.Equal("always", create.Form["customer_creation"]);
        var session = s.Stripe.SessionFor(Id(booked))!;
        await DeliverCompletedAsync(s, s.Stripe.Pay(session["id"]!.GetValue<string>()), "evt_paid");

        // Staff mark it ten times at once, the charger runs alongside; then it is overruled and marked again.
        var marks = Enumerable.Range(0, 10).Select(_ => MarkAsync(s, booked, "no_show")).ToList();
        var passes = Enumerable.Range(0, 4).Select(_ => ChargeAsync(s)).ToList();
        await Task.WhenAll(marks);
        await Task.WhenAll(passes);
        Assert.All(marks, m => Assert.True(m.Result.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ChargeAsync(s)));
        using (var scope = s.App.Services.CreateScope())
        {
            var lifecycle = scope.ServiceProvider.GetRequiredService<BookingLifecycle>();
            Assert.IsType<WriteResult.Done>(await lifecycle.CorrectAsync(Id(booked), BookingStatus.Confirmed, new Actor("admin"), CancellationToken.None));
        }
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, booked, "no_show")).StatusCode);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ChargeAsync(s)));

        var (fees, ledger) = Money(s);
        var fee = Assert.Single(fees);
        Assert.Equal((NoShowFeeState.Charged, 40.00m, "EUR"), (fee.State, fee.Amount, fee.Currency));
        var charge = Assert.Single(ledger, p => p.Kind == PaymentKind.Fee);
        Assert.Equal((40.00m, fee.PaymentIntent), (charge.Amount, charge.ProviderReference));
        // Every request Stripe saw for it carried the same key: one PaymentIntent, off-session, with the saved card.
        var calls = s.Stripe.CallsTo("POST", "/v1/payment_intents").ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, c => Assert.Equal(StripeGateway.NoShowFeeKey(Id(booked), fee.Id), c.IdempotencyKey));
        var intents = s.Stripe.Objects("payment_intent").Where(p => p["metadata"]?["bookwell_purpose"]?.GetValue<string>() == "no_show_fee").ToList();
        var intent = Assert.Single(intents);
        Assert.Equal("succeeded", intent["status"]!.GetValue<string>());
        Assert.Equal(4000, intent["amount"]!.GetValue<long>());
        var call = calls[0];
        Assert.Equal(("true", "true", "4000", "eur"), (call.Form["off_session"], call.Form["confirm"], call.Form["amount"], call.Form["currency"]));
        var paidWith = s.Stripe.Object(s.Stripe.SessionFor(Id(booked))!["payment_intent"]!.GetValue<string>());
        Assert.Equal(paidWith["customer"]!.GetValue<string>(), call.Form["customer"]);
        Assert.Equal(paidWith["payment_method"]!.GetValue<string>(), call.Form["payment_method"]);
        // The booking's own payment is untouched by the fee.
        var admin = await s.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{Id(booked)}");
        Assert.Equal(80m, admin!["payment"]!["paid"]!["amount"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task PaidLater_CheckoutOnlySavesTheCard_AndTheAutomaticNoShow_ChargesTheFixedFee()
    {
        await using var s = await StartAsync();
        var booked = await BookAsync(s, "massage");
        Assert.Equal("pending_payment", booked["status"]!.GetValue<string>());
        var create = Assert.Single(s.Stripe.CallsTo("POST", "/v1/checkout/sessions"));
        Assert.Equal(("setup", "eur", "always"), (create.Form["mode"], create.Form["currency"], create.Form["customer_creation"]));
        Assert.DoesNotContain(create.Form.Keys, k => k.StartsWith("line_items", StringComparison.Ordinal));
        var session = s.Stripe.SessionFor(Id(booked))!;
        Assert.Equal(session["url"]!.GetValue<string>(), booked["paymentUrl"]!.GetValue<string>());
        await DeliverCompletedAsync(s, s.Stripe.SaveCard(session["id"]!.GetValue<string>()), "evt_card");
        var admin = await s.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{Id(booked)}");
        Assert.Equal("confirmed", admin!["status"]!.GetValue<string>());
        Assert.Empty(Money(s).Ledger);

        // Nobody comes: 15 minutes after the start the time rule marks it, and the fee is charged.
        s.App.Clock.Advance(Duration.FromDays(2) + Duration.FromHours(2) + Duration.FromMinutes(20));
        await s.App.Services.GetRequiredService<TimeRulesWorker>().RunOnceAsync(CancellationToken.None);
        await ChargeAsync(s);
        var (fees, ledger) = Money(s);
        var fee = Assert.Single(fees);
        Assert.Equal((NoShowFeeState.Charged, 20.00m), (fee.State, fee.Amount));
        Assert.Equal(20.00m, Assert.Single(ledger).Amount);
        var setup = s.Stripe.Object(s.Stripe.SessionFor(Id(booked))!["setup_intent"]!.GetValue<string>());
        var call = Assert.Single(s.Stripe.CallsTo("POST", "/v1/payment_intents").DistinctBy(c => c.IdempotencyKey));
        Assert.Equal(setup["payment_method"]!.GetValue<string>(), call.Form["payment_method"]);
        Assert.Equal("2000", call.Form["amount"]);
    }

    [Fact]
    public async Task ADeclinedCard_LeavesTheFeeOwedOnTheClient()
    {
        await using var s = await StartAsync();
        var booked = await BookAsync(s, "massage");
        var session = s.Stripe.SessionFor(Id(booked))!["id"]!.GetValue<string>();
        await DeliverCompletedAsync(s, s.Stripe.SaveCard(session, "pm_card_chargeDeclined"), "evt_card");
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, booked, "no_show")).StatusCode);
        await ChargeAsync(s);
        await ChargeAsync(s);
        var (fees, ledger) = Money(s);
        var fee = Assert.Single(fees);
        Assert.Equal((NoShowFeeState.Owed, "card_declined"), (fee.State, fee.Reason));
        Assert.NotNull(fee.CustomerId);
        Assert.Empty(ledger);
    }

    [Fact]
    public async Task WithoutASavedCard_TheFeeIsOwed_AndStripeIsNotAsked()
    {
        await using var s = await StartAsync();
        var body = Booking(Start, service: "massage");
        body["page"] = Slug;
        var created = await s.App.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var booked = await Body(created);
        Assert.Equal("confirmed", booked["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, booked, "no_show")).StatusCode);
        await ChargeAsync(s);
        var fee = Assert.Single(Money(s).Fees);
        Assert.Equal((NoShowFeeState.Owed, "no-saved-card", 20.00m), (fee.State, fee.Reason, fee.Amount));
        Assert.Empty(s.Stripe.CallsTo("POST", "/v1/payment_intents"));
    }

    private static async Task<JsonObject> BookByAdminAsync(Setup s, string start)
    {
        var body = Booking(start, service: "massage");
        body["page"] = Slug;
        var created = await s.App.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await Body(created);
    }

    private static NoShowFee FeeOf(Setup s, JsonObject booking) =>
        s.App.WithDb(db => db.Set<NoShowFee>().AsNoTracking().Single(f => f.BookingId == Id(booking)));

    [Fact]
    public async Task OverrulingTheNoShow_CancelsTheFeeNotCharged_ThroughTheLifecycle_AndANewNoShowMakesItDueAgain()
    {
        await using var s = await StartAsync();
        var came = await BookByAdminAsync(s, Start);
        var stands = await BookByAdminAsync(s, "2027-03-03T12:00:00+01:00");
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, came, "no_show")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, stands, "no_show")).StatusCode);
        // Recorded with the no-show (and owed at once if the charger already looked: no card was saved).
        Assert.All(new[] { came, stands }, b => Assert.Contains(FeeOf(s, b).State, new[] { NoShowFeeState.Due, NoShowFeeState.Owed }));

        // The operator overrules both through the seam (the dashboard's corrections): the client came, or the booking stands.
        using (var scope = s.App.Services.CreateScope())
        {
            var lifecycle = scope.ServiceProvider.GetRequiredService<BookingLifecycle>();
            Assert.IsType<WriteResult.Done>(await lifecycle.CorrectAsync(Id(came), BookingStatus.Completed, new Actor("owner:Olga"), CancellationToken.None));
            Assert.IsType<WriteResult.Done>(await lifecycle.CorrectAsync(Id(stands), BookingStatus.Confirmed, new Actor("owner:Olga"), CancellationToken.None));
        }
        foreach (var b in new[] { came, stands })
        {
            var fee = FeeOf(s, b);
            Assert.Equal((NoShowFeeState.Cancelled, "overruled by owner:Olga"), (fee.State, fee.Reason));
        }
        await ChargeAsync(s);
        Assert.Equal(NoShowFeeState.Cancelled, (FeeOf(s, came)).State);
        Assert.Empty(s.Stripe.CallsTo("POST", "/v1/payment_intents"));
        Assert.Empty(Money(s).Ledger);

        // The booking that stands is missed after all: the same fee row is due again, as a new attempt.
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, stands, "no_show")).StatusCode);
        await ChargeAsync(s);
        var again = FeeOf(s, stands);
        Assert.Equal((NoShowFeeState.Owed, "no-saved-card", 1), (again.State, again.Reason, again.Attempt));
        Assert.Equal(2, Money(s).Fees.Count);
    }

    [Fact]
    public async Task OwedFeesView_ListsWhatIsOwed_ChargesAgainAsANewAttempt_AndWaives()
    {
        await using var s = await StartAsync();
        var declined = await BookAsync(s, "massage");
        await DeliverCompletedAsync(s, s.Stripe.SaveCard(s.Stripe.SessionFor(Id(declined))!["id"]!.GetValue<string>(), "pm_card_chargeDeclined"), "evt_card");
        var noCard = await BookByAdminAsync(s, "2027-03-03T12:00:00+01:00");
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, declined, "no_show")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, noCard, "no_show")).StatusCode);
        await ChargeAsync(s);
        var declinedFee = FeeOf(s, declined);
        var noCardFee = FeeOf(s, noCard);
        Assert.Equal((NoShowFeeState.Owed, "card_declined"), (declinedFee.State, declinedFee.Reason));

        var owner = WebSession.For(s.App);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        var list = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/payments/fees"));
        var declinedRow = System.Text.RegularExpressions.Regex.Match(list, $"<tr id=\"fee-{declinedFee.Id}\">.*?</tr>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        var noCardRow = System.Text.RegularExpressions.Regex.Match(list, $"<tr id=\"fee-{noCardFee.Id}\">.*?</tr>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        Assert.Contains("EUR 20.00", declinedRow, StringComparison.Ordinal);
        Assert.Contains("the card was declined", declinedRow, StringComparison.Ordinal);
        Assert.Contains("handler=Charge", declinedRow, StringComparison.Ordinal);
        Assert.Contains("no card saved", noCardRow, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Charge", noCardRow, StringComparison.Ordinal); // nothing to charge
        Assert.Contains("handler=Waive", noCardRow, StringComparison.Ordinal);

        // Charge again: Stripe is asked afresh (a new idempotency key; the old one would only replay the decline).
        var charge = await owner.PostFormAsync("/admin/payments/fees?handler=Charge", [KeyValuePair.Create("fee", declinedFee.Id.ToString())], "/admin/payments/fees");
        Assert.Equal(HttpStatusCode.Redirect, charge.StatusCode);
        Assert.Contains(s.Stripe.CallsTo("POST", "/v1/payment_intents"), c => c.IdempotencyKey == StripeGateway.NoShowFeeKey(Id(declined), declinedFee.Id, 1));
        Assert.Contains("The fee could not be charged: card_declined", System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/payments/fees")), StringComparison.Ordinal);
        Assert.Equal((NoShowFeeState.Owed, 1), (FeeOf(s, declined).State, FeeOf(s, declined).Attempt));

        // Waive: gone from the list, who did it recorded; a second waive finds nothing owed.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/payments/fees?handler=Waive",
            [KeyValuePair.Create("fee", noCardFee.Id.ToString())], "/admin/payments/fees")).StatusCode);
        var waived = FeeOf(s, noCard);
        Assert.Equal((NoShowFeeState.Waived, "waived by owner:Olga"), (waived.State, waived.Reason));
        var after = await owner.GetAsync("/admin/payments/fees");
        Assert.DoesNotContain($"fee-{noCardFee.Id}", after, StringComparison.Ordinal);
        Assert.Contains($"fee-{declinedFee.Id}", after, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/payments/fees?handler=Waive",
            [KeyValuePair.Create("fee", noCardFee.Id.ToString())], "/admin/payments/fees")).StatusCode);
        Assert.Contains("This fee is no longer owed.", System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/payments/fees")), StringComparison.Ordinal);
        Assert.Empty(Money(s).Ledger);

        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        Assert.Contains("Openstaande no-showkosten", System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/payments/fees")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeesShowInThePaymentsView_AndOnTheBooking_WithAChargeButtonWhereOwed()
    {
        await using var s = await StartAsync();
        var declined = await BookAsync(s, "massage");
        await DeliverCompletedAsync(s, s.Stripe.SaveCard(s.Stripe.SessionFor(Id(declined))!["id"]!.GetValue<string>(), "pm_card_chargeDeclined"), "evt_declined");
        var created = await Book(s.Client, Booking("2027-03-03T14:00:00+01:00", service: "massage"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var paying = await Body(created);
        await DeliverCompletedAsync(s, s.Stripe.SaveCard(s.Stripe.SessionFor(Id(paying))!["id"]!.GetValue<string>()), "evt_visa");
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, declined, "no_show")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MarkAsync(s, paying, "no_show")).StatusCode);
        await ChargeAsync(s);
        var owedFee = FeeOf(s, declined);
        var chargedFee = FeeOf(s, paying);
        Assert.Equal((NoShowFeeState.Owed, NoShowFeeState.Charged), (owedFee.State, chargedFee.State));

        // The API's list and the dashboard's view: both fees, with their state, the charged one with its PaymentIntent.
        var items = (await Body(await s.App.Admin().GetAsync("/api/v1/admin/payments?kind=fee")))["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("fee", i!["kind"]!.GetValue<string>()));
        var charged = items.Single(i => i!["bookingId"]!.GetValue<string>() == Id(paying).ToString())!;
        Assert.Equal(("charged", chargedFee.PaymentIntent), (charged["status"]!.GetValue<string>(), charged["stripe"]!["paymentIntent"]!.GetValue<string>()));
        var owed = items.Single(i => i!["bookingId"]!.GetValue<string>() == Id(declined).ToString())!;
        Assert.Equal(("owed", "card_declined", "20.00"), (owed["status"]!.GetValue<string>(), owed["failure"]!.GetValue<string>(), owed["amount"]!["amount"]!.ToString()));

        var owner = WebSession.For(s.App);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        var view = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/payments"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(view, "<td>No-show fee</td>"));
        Assert.Contains(chargedFee.PaymentIntent!, view, StringComparison.Ordinal);
        Assert.Contains(">owed<", view, StringComparison.Ordinal);

        // The booking page: the fee, its state and why, and the charge button of the owed fees view; charging returns here.
        var detail = System.Net.WebUtility.HtmlDecode(await owner.GetAsync($"/admin/bookings/{Id(declined)}"));
        var row = System.Text.RegularExpressions.Regex.Match(detail, "<dd id=\"no-show-fee\">.*?</dd>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        Assert.Contains("EUR 20.00", row, StringComparison.Ordinal);
        Assert.Contains("Owed", row, StringComparison.Ordinal);
        Assert.Contains("the card was declined", row, StringComparison.Ordinal);
        Assert.Contains("id=\"charge-fee\"", row, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"charge-fee\"", System.Net.WebUtility.HtmlDecode(await owner.GetAsync($"/admin/bookings/{Id(paying)}")), StringComparison.Ordinal);
        var charge = await owner.PostFormAsync($"/admin/payments/fees?handler=Charge&booking={Id(declined)}", [KeyValuePair.Create("fee", owedFee.Id.ToString())],
            $"/admin/bookings/{Id(declined)}");
        Assert.Equal((HttpStatusCode.Redirect, $"/admin/bookings/{Id(declined)}"), (charge.StatusCode, charge.Headers.Location!.OriginalString));
        Assert.Contains(s.Stripe.CallsTo("POST", "/v1/payment_intents"), c => c.IdempotencyKey == StripeGateway.NoShowFeeKey(Id(declined), owedFee.Id, 1));
        Assert.Equal(1, FeeOf(s, declined).Attempt);
    }

    [Fact]
    public async Task TheFeeIsValidated_FieldByField()
    {
        await using var s = await StartAsync();
        async Task<string[]> Errors(JsonNode fee, int service = 0)
        {
            var doc = Config();
            doc["pages"]![0]!["services"]![service]!["noShowFee"] = fee;
            var response = await PutConfig(s.App.Admin(), doc);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return [.. (await Body(response))["errors"]!.AsObject().Select(e => e.Key)];
        }
        Assert.Equal(["pages[0].services[0].noShowFee"], await Errors(new JsonObject { ["amount"] = 5, ["percent"] = 10 }));
        Assert.Equal(["pages[0].services[0].noShowFee"], await Errors(new JsonObject()));
        Assert.Equal(["pages[0].services[0].noShowFee.percent"], await Errors(new JsonObject { ["percent"] = 150 }));
        Assert.Equal(["pages[0].services[0].noShowFee.amount"], await Errors(new JsonObject { ["amount"] = 30 }));
        Assert.Equal(["pages[0].services[0].noShowFee.amount"], await Errors(new JsonObject { ["amount"] = 1.234 }));
        // The consultation is free: nothing to take a fee of.
        Assert.Equal(["pages[0].services[1].noShowFee"], await Errors(new JsonObject { ["amount"] = 5 }, 1));
    }
}

public sealed class SqliteNoShowFeeTests : NoShowFeeTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresNoShowFeeTests : NoShowFeeTests
{
    protected override Db Kind => Db.Postgres;
}
