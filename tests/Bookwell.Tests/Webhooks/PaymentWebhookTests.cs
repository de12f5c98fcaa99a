using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Webhooks;

/// <summary>
/// Contract 4.7's money events end to end, against the loopback receiver: a Stripe payment confirmed by its
/// (signed) Checkout event sends <c>payment.succeeded</c> and its receipt <c>invoice.issued</c> and
/// <c>invoice.paid</c>; an invoice service's booking sends <c>invoice.issued</c>, and the payment recorded by
/// hand <c>invoice.paid</c>. Each event once, signed by the Standard Webhooks recipe. Both databases.
/// </summary>
public abstract class PaymentWebhookTests
{
    protected abstract Db Kind { get; }

    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4hG5zBOHRGU=";

    private static void AssertSigned(ReceivedHook hook)
    {
        var key = Convert.FromBase64String(Secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{hook.Id}.{hook.Timestamp}.{hook.Body}")));
        Assert.Contains(expected, hook.Signature!.Split(' '));
    }

    [Fact]
    public async Task StripePayment_AndInvoicePaidByHand_SendPaymentSucceeded_InvoiceIssued_InvoicePaid()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl;
            s["Bookwell:Webhooks:AllowPrivateAddresses"] = "true";
        });
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        doc["pages"]![0]!["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 60, "price": { "amount": 50.00, "currency": "EUR" }, "payment": "invoice",
              "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        doc["pages"]![0]!["staff"]![0]!["services"]!.AsArray().Add("advice");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var hooks = new JsonObject
        {
            ["endpoints"] = new JsonArray(new JsonObject
            {
                ["url"] = receiver.Url(),
                ["events"] = new JsonArray("payment.succeeded", "invoice.issued", "invoice.paid"),
                ["secret"] = Secret,
            }),
        };
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PutAsync("/api/v1/admin/webhooks", Json(hooks))).StatusCode);

        // Pay now: the booking waits for Stripe; the signed completed event (delivered three times) confirms it.
        var client = app.CreateClient();
        var booked = await Body(await Book(client, Booking("2027-03-03T10:00:00+01:00", service: "colour")));
        var bookingId = booked["id"]!.GetValue<string>();
        Assert.Equal("pending_payment", booked["status"]!.GetValue<string>());
        var session = stripe.SessionFor(Guid.Parse(bookingId))!;
        var body = StripeStandIn.Event("evt_paid_1", "checkout.session.completed", stripe.Pay(session["id"]!.GetValue<string>()));
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
        var first = await receiver.WaitForAsync(3);
        Assert.Equal(3, first.Count);
        var byType = first.ToDictionary(h => JsonNode.Parse(h.Body)!["type"]!.GetValue<string>(), h => JsonNode.Parse(h.Body)!.AsObject());
        Assert.Equal(new[] { "invoice.issued", "invoice.paid", "payment.succeeded" }, byType.Keys.Order(StringComparer.Ordinal));

        var payment = byType["payment.succeeded"]["data"]!;
        Assert.Equal(bookingId, payment["booking"]!["id"]!.GetValue<string>());
        Assert.Equal("confirmed", payment["booking"]!["status"]!.GetValue<string>());
        Assert.Equal(("stripe", session["id"]!.GetValue<string>(), 80m, "EUR"), (payment["payment"]!["provider"]!.GetValue<string>(),
            payment["payment"]!["reference"]!.GetValue<string>(), payment["payment"]!["amount"]!["amount"]!.GetValue<decimal>(),
            payment["payment"]!["amount"]!["currency"]!.GetValue<string>()));
        var receipt = byType["invoice.issued"]["data"]!["invoice"]!;
        Assert.Equal(bookingId, byType["invoice.issued"]["data"]!["booking"]!["id"]!.GetValue<string>());
        Assert.Equal(bookingId, receipt["bookingId"]!.GetValue<string>());
        Assert.Equal(("paid", 80m, 80m), (receipt["status"]!.GetValue<string>(), receipt["total"]!.GetValue<decimal>(), receipt["amountPaid"]!.GetValue<decimal>()));
        Assert.Equal(receipt["number"]!.GetValue<string>(), byType["invoice.paid"]["data"]!["invoice"]!["number"]!.GetValue<string>());

        // An invoice service: confirmed at once, the invoice issued open; paid in cash by hand later.
        var advice = await Body(await Book(client, Booking("2027-03-03T12:00:00+01:00", service: "advice")));
        Assert.Equal("confirmed", advice["status"]!.GetValue<string>());
        var second = await receiver.WaitForAsync(4);
        var issued = JsonNode.Parse(second[3].Body)!.AsObject();
        Assert.Equal("invoice.issued", issued["type"]!.GetValue<string>());
        var invoice = issued["data"]!["invoice"]!;
        Assert.Equal(("open", 50m, 0m, advice["id"]!.GetValue<string>()), (invoice["status"]!.GetValue<string>(), invoice["total"]!.GetValue<decimal>(),
            invoice["amountPaid"]!.GetValue<decimal>(), invoice["bookingId"]!.GetValue<string>()));
        var pay = await app.Admin().PostAsync($"/api/v1/admin/invoices/{invoice["id"]!.GetValue<string>()}/payments", Json(new JsonObject
        {
            ["amount"] = new JsonObject { ["amount"] = 50.00m, ["currency"] = "EUR" },
            ["method"] = "cash",
            ["note"] = "",
        }));
        Assert.Equal(HttpStatusCode.OK, pay.StatusCode);
        var third = await receiver.WaitForAsync(5);
        Assert.Equal(5, third.Count);
        var paid = JsonNode.Parse(third[4].Body)!.AsObject();
        Assert.Equal("invoice.paid", paid["type"]!.GetValue<string>());
        Assert.Equal(("paid", 50m, invoice["number"]!.GetValue<string>()), (paid["data"]!["invoice"]!["status"]!.GetValue<string>(),
            paid["data"]!["invoice"]!["amountPaid"]!.GetValue<decimal>(), paid["data"]!["invoice"]!["number"]!.GetValue<string>()));

        // Every delivery signed, each event with its own id; and nothing more came (the repeats of the Stripe event sent nothing twice).
        Assert.All(third, AssertSigned);
        Assert.Equal(5, third.Select(h => h.Id).Distinct().Count());
        Assert.Equal(5, app.WithDb(db => db.Outbox.Count(m => m.Channel == Bookwell.Features.Webhooks.WebhookQueue.Channel)));
    }
}

public sealed class SqlitePaymentWebhookTests : PaymentWebhookTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPaymentWebhookTests : PaymentWebhookTests
{
    protected override Db Kind => Db.Postgres;
}
