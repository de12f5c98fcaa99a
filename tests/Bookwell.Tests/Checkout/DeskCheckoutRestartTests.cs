using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Checkout;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Checkout;

/// <summary>
/// The desk's card payment on a Stripe Terminal reader (the Stripe stand-in) when the app goes away in the middle of it: the
/// instance that sent the amount to the reader is stopped, and a new one on the same database takes the desk page's next check
/// (the page in the browser still holds the checkout's key and the PaymentIntent). No code of the checkout runs between the
/// stop and the restart, as when the process is killed. The card the client tapped meanwhile, or a sale recorded whose capture
/// never happened, ends as one sale, one payment and one captured PaymentIntent, however often the page checks. Both databases.
/// </summary>
public abstract partial class DeskCheckoutRestartTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("name=\"Key\" value=\"([0-9a-f]+)\"")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("name=\"PaymentIntent\" value=\"(pi_[A-Za-z0-9_]+)\"")]
    private static partial Regex IntentPattern();

    private const string Start = "2027-03-03T10:00:00+01:00";

    /// <summary>The desk's browser: its cookies outlive the server instance it talks to.</summary>
    private sealed class Desk
    {
        private readonly CookieContainer _jar = new();

        public HttpClient For(BookwellApp app) => app.CreateDefaultClient(new Uri("http://localhost"), new CookieContainerHandler(_jar));
    }

    private sealed record Form(string Path, string Key, string Token);

    private sealed record Setup(StripeStandIn Stripe, BookwellApp App, string Reader, Desk Desk, Guid Booking, Form Form);

    private async Task<Setup> StartAsync(StripeStandIn stripe)
    {
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        var reader = stripe.AddReader();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["terminalReader"] = reader;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var desk = new Desk();
        var client = desk.For(app);
        var claim = await client.GetStringAsync("/admin/claim");
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync("/admin/claim", new FormUrlEncodedContent(
        [
            new("Name", "Olga"), new("Email", "owner@salon.test"), new("Password", AccountTests.Password), new("SetupCode", BookwellApp.AdminKey),
            new("__RequestVerificationToken", WebUtility.HtmlDecode(TokenPattern().Match(claim).Groups[1].Value)),
        ]))).StatusCode);

        var body = Booking(Start);
        body["page"] = Slug;
        var created = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var booking = Guid.Parse((await Body(created))["id"]!.GetValue<string>());
        // The client is at the desk: check-in is open (a visit is checked out only from then on).
        app.Clock.Reset(NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(Start).Value.ToInstant() - NodaTime.Duration.FromMinutes(50));

        var path = $"/admin/checkout/{booking}";
        var html = await client.GetStringAsync(path);
        Assert.Contains($"Card reader {reader}<", html, StringComparison.Ordinal);
        var form = new Form(path, KeyPattern().Match(html).Groups[1].Value, WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value));
        return new Setup(stripe, app, reader, desk, booking, form);
    }

    /// <summary>What the desk page posts: the bill, the checkout's key, and (when checking) the PaymentIntent it waits for.</summary>
    private static Task<HttpResponseMessage> PostAsync(HttpClient client, Form form, string handler, string? intent = null) =>
        client.PostAsync($"{form.Path}?handler={handler}", new FormUrlEncodedContent(
        [
            new("Desc[0]", "Haircut"), new("Qty[0]", "1"), new("Price[0]", "25.00"), new("Method", "card"), new("Tendered", ""),
            new("Key", form.Key), new("site", Slug), new("PaymentIntent", intent ?? ""), new("TerminalAttempt", "0"),
            new("__RequestVerificationToken", form.Token),
        ]));

    private static async Task<string> SendToReaderAsync(HttpClient client, Form form)
    {
        var started = await PostAsync(client, form, "Pay");
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var html = await started.Content.ReadAsStringAsync();
        Assert.Contains("id=\"terminal-waiting\"", html, StringComparison.Ordinal);
        return IntentPattern().Match(html).Groups[1].Value;
    }

    private static (List<DeskSale> Sales, List<Payment> Payments, List<InvoicePayment> InvoicePayments, Booking Booking) Stored(BookwellApp app, Guid booking) =>
        app.WithDb(db =>
        {
            var sales = db.Set<DeskSale>().AsNoTracking().Where(s => s.BookingId == booking).ToList();
            var invoices = sales.Select(s => s.InvoiceId).ToList();
            return (sales, db.Payments.AsNoTracking().Where(p => p.BookingId == booking).ToList(),
                db.Set<InvoicePayment>().AsNoTracking().Where(p => invoices.Contains(p.InvoiceId)).ToList(),
                db.Bookings.AsNoTracking().Single(b => b.Id == booking));
        });

    /// <summary>After the restart: the desk's script and a click check at once, then once more. Each lands on the same receipt.</summary>
    private static async Task<string> CheckUntilPaidAsync(HttpClient client, Form form, string intent)
    {
        var checks = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostAsync(client, form, "Terminal", intent)));
        Assert.All(checks, c => Assert.Equal(HttpStatusCode.Redirect, c.StatusCode));
        var receipt = Assert.Single(checks.Select(c => c.Headers.Location!.OriginalString).Distinct());
        Assert.StartsWith("/admin/receipts/", receipt, StringComparison.Ordinal);
        var again = await PostAsync(client, form, "Terminal", intent);
        Assert.Equal((HttpStatusCode.Redirect, receipt), (again.StatusCode, again.Headers.Location!.OriginalString));
        return receipt;
    }

    private static void AssertPaidOnce(Setup s, BookwellApp app, string intent, string receipt)
    {
        var (sales, payments, invoicePayments, booking) = Stored(app, s.Booking);
        var sale = Assert.Single(sales);
        Assert.Equal($"/admin/receipts/{sale.Id}", receipt);
        Assert.Equal((25.00m, 0m, intent), (sale.Card, sale.Cash, sale.CardReference));
        Assert.Equal((PaymentProvider.Desk, 25.00m), Assert.Single(payments).Let(p => (p.Provider, p.Amount)));
        Assert.Equal(InvoicePaymentMethod.Card, Assert.Single(invoicePayments).Method);
        Assert.Equal(BookingStatus.Completed, booking.Status);
        Assert.Equal(("succeeded", 2500L), s.Stripe.Object(intent).Let(o => (o["status"]!.GetValue<string>(), o["amount_received"]!.GetValue<long>())));
        Assert.Single(s.Stripe.Objects("payment_intent"));
    }

    [Fact]
    public async Task CardTappedWhileTheAppIsDown_IsRecordedOnce_ByTheRestartedApp()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        var s = await StartAsync(stripe);
        await using var first = s.App;
        var intent = await SendToReaderAsync(s.Desk.For(first), s.Form);

        // The app goes away while the reader shows the amount; the client taps their card meanwhile.
        await first.DisposeForRestartAsync();
        Assert.True((await stripe.PresentCardAsync(s.Reader)).IsSuccessStatusCode);
        Assert.Equal("requires_capture", stripe.Object(intent)["status"]!.GetValue<string>());

        await using var second = first.Restart(c => c["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        Assert.Empty(Stored(second, s.Booking).Sales); // nothing was recorded before the restart
        var receipt = await CheckUntilPaidAsync(s.Desk.For(second), s.Form, intent);
        AssertPaidOnce(s, second, intent, receipt);
    }

    [Fact]
    public async Task SaleRecorded_CaptureNeverHappened_AppDown_TheRestartedAppCapturesWithoutASecondSale()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        var s = await StartAsync(stripe);
        await using var first = s.App;
        var desk = s.Desk.For(first);
        var intent = await SendToReaderAsync(desk, s.Form);
        Assert.True((await stripe.PresentCardAsync(s.Reader)).IsSuccessStatusCode);

        // The check records the sale, then Stripe fails the capture; the app goes away before anything checks again.
        stripe.FailWhen = (method, path) => method == "POST" && path == $"/v1/payment_intents/{intent}/capture";
        var failed = await PostAsync(desk, s.Form, "Terminal", intent);
        Assert.Equal(HttpStatusCode.OK, failed.StatusCode); // the page says the card step failed
        Assert.Single(Stored(first, s.Booking).Sales);
        Assert.Equal("requires_capture", stripe.Object(intent)["status"]!.GetValue<string>());
        await first.DisposeForRestartAsync();
        stripe.FailWhen = null;

        await using var second = first.Restart(c => c["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        var receipt = await CheckUntilPaidAsync(s.Desk.For(second), s.Form, intent);
        AssertPaidOnce(s, second, intent, receipt);
    }
}

public sealed class SqliteDeskCheckoutRestartTests : DeskCheckoutRestartTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresDeskCheckoutRestartTests : DeskCheckoutRestartTests
{
    protected override Db Kind => Db.Postgres;
}
