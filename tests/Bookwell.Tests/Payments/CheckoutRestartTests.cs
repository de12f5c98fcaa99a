using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Invoices;
using Bookwell.Features.Payments;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// Pay now through Stripe Checkout (the stand-in) when the app goes away between creating the session and the webhook:
/// the instance that opened the session is stopped (no code of it runs afterwards, as when the process is killed), the
/// client pays meanwhile, and a new instance on the same database receives Stripe's retried event, several times at
/// once and under another event id as well, while its reconciliation pass asks Stripe about the same session. The
/// booking ends confirmed and paid once: one charge in the ledger, one paid invoice with one payment, one number used.
/// Both databases.
/// </summary>
public abstract class CheckoutRestartTests
{
    protected abstract Db Kind { get; }

    private const string Webhook = "/api/v1/payments/stripe/webhook";

    private static async Task<HttpResponseMessage> DeliverAsync(BookwellApp app, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
        return await app.CreateClient().SendAsync(request);
    }

    [Fact]
    public async Task AppRestartsBetweenSessionAndWebhook_BookingEndsPaidOnce_WithOneInvoice()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var first = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        stripe.Now = () => first.Clock.GetCurrentInstant();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(first.Admin(), Config())).StatusCode);

        var created = await Book(first.CreateClient(), Booking("2027-03-03T10:00:00+01:00", service: "colour"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var booked = await Body(created);
        Assert.Equal("pending_payment", booked["status"]!.GetValue<string>());
        var bookingId = Guid.Parse(booked["id"]!.GetValue<string>());
        var sessionId = stripe.SessionFor(bookingId)!["id"]!.GetValue<string>();
        Assert.Equal(stripe.SessionFor(bookingId)!["url"]!.GetValue<string>(), booked["paymentUrl"]!.GetValue<string>());

        // The app goes away; the client pays on Stripe's page meanwhile, and Stripe's first delivery finds nobody.
        await first.DisposeForRestartAsync();
        var paid = stripe.Pay(sessionId);

        await using var second = first.Restart(c => c["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        var stored = second.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == bookingId));
        Assert.Equal(BookingStatus.PendingPayment, stored.Status); // nothing was recorded before the restart
        // The hold is close to running out, so the restarted instance's reconciliation pass asks Stripe about the session too.
        second.Clock.Reset(stored.HoldExpiresAt!.Value - NodaTime.Duration.FromMinutes(1));

        var body = StripeStandIn.Event("evt_restart_1", "checkout.session.completed", paid);
        var other = StripeStandIn.Event("evt_restart_2", "checkout.session.completed", paid);
        using var go = new SemaphoreSlim(0);
        var deliveries = Enumerable.Range(0, 6).Select(async i =>
        {
            await go.WaitAsync();
            return await DeliverAsync(second, i % 3 == 2 ? other : body);
        }).ToArray();
        var reconcile = Task.Run(async () =>
        {
            await go.WaitAsync();
            return await second.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(CancellationToken.None);
        });
        go.Release(7);
        var answers = await Task.WhenAll(deliveries);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        await reconcile;
        // Stripe retries once more later: a repeat, answered 200, changing nothing.
        Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(second, body)).StatusCode);

        var admin = (await second.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{bookingId}"))!;
        Assert.Equal("confirmed", admin["status"]!.GetValue<string>());
        Assert.Equal(("paid", 80m, 0m), (admin["payment"]!["status"]!.GetValue<string>(), admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>(),
            admin["payment"]!["due"]!["amount"]!.GetValue<decimal>()));
        var (ledger, invoices, invoicePayments, counter) = second.WithDb(db => (
            db.Payments.AsNoTracking().Where(p => p.BookingId == bookingId).ToList(),
            db.Set<Invoice>().AsNoTracking().Where(i => i.BookingId == bookingId).ToList(),
            db.Set<InvoicePayment>().AsNoTracking().ToList(),
            db.Set<InvoiceCounter>().AsNoTracking().Single().Last));
        var charge = Assert.Single(ledger);
        Assert.Equal((PaymentKind.Charge, 80m, "EUR", sessionId), (charge.Kind, charge.Amount, charge.Currency, charge.ProviderReference));
        var invoice = Assert.Single(invoices);
        Assert.Equal((InvoiceStatus.Paid, 80m, 80m, "000001"), (invoice.Status, invoice.Total, invoice.AmountPaid, invoice.Number));
        Assert.Equal((80m, InvoicePaymentMethod.Stripe), (Assert.Single(invoicePayments).Amount, invoicePayments[0].Method));
        Assert.Equal(1, counter);
        // The session is settled: the reconciliation pass finds nothing more to do.
        Assert.Equal(0, await second.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(CancellationToken.None));
    }
}

public sealed class SqliteCheckoutRestartTests : CheckoutRestartTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresCheckoutRestartTests : CheckoutRestartTests
{
    protected override Db Kind => Db.Postgres;
}
