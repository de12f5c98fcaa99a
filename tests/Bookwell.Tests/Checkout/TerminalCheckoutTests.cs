using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Checkout;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Checkout;

/// <summary>One app, one Stripe stand-in and one reader per database, shared by the class's tests (each books its own time).</summary>
public abstract class TerminalDeskFixture(Db kind) : IAsyncLifetime
{
    public BookwellApp App { get; private set; } = null!;
    public StripeStandIn Stripe { get; private set; } = null!;
    public WebSession Owner { get; private set; } = null!;
    public string Reader { get; private set; } = null!;

    private int _slot = -1;

    /// <summary>A free half hour on Wednesday 3 March 2027 for each test.</summary>
    public string NextStart() => new DateTimeOffset(2027, 3, 3, 9, 0, 0, TimeSpan.FromHours(1)).AddMinutes(30 * Interlocked.Increment(ref _slot))
        .ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        Stripe = await StripeStandIn.StartAsync();
        App = await BookwellApp.StartAsync(kind, s => s["Bookwell:Stripe:ApiBase"] = Stripe.BaseUrl);
        Reader = Stripe.AddReader();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["terminalReader"] = Reader;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), doc)).StatusCode);
        Owner = WebSession.For(App);
        Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}

public sealed class SqliteTerminalDeskFixture() : TerminalDeskFixture(Db.Sqlite);

public sealed class PostgresTerminalDeskFixture() : TerminalDeskFixture(Db.Postgres);

/// <summary>
/// The desk checkout's card step on a Stripe Terminal reader (the stand-in answering Stripe's documented server-driven flow):
/// the amount goes to the reader, the page waits and checks again, a tapped card is recorded once and captured, a decline
/// is shown and can be retried or turned to cash, the desk cancels on the reader, and double clicks or parallel checks
/// take the money once. Both databases, through the server-rendered pages (no script).
/// </summary>
public abstract partial class TerminalCheckoutTests(TerminalDeskFixture f)
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("name=\"Key\" value=\"([0-9a-f]+)\"")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("name=\"PaymentIntent\" value=\"(pi_[A-Za-z0-9_]+)\"")]
    private static partial Regex IntentPattern();

    /// <summary>A booking of its own for each test, confirmed.</summary>
    private async Task<Guid> BookAsync()
    {
        var start = f.NextStart();
        var body = Booking(start);
        body["page"] = Slug;
        var created = await f.App.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // The client is at the desk, early: check-in is open (a visit is checked out from then on). Later tests book later starts,
        // still beyond the service's notice from here.
        var at = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(start).Value.ToInstant() - NodaTime.Duration.FromMinutes(50);
        if (f.App.Clock.GetCurrentInstant() < at)
        {
            f.App.Clock.Reset(at);
        }
        return Guid.Parse((await Body(created))["id"]!.GetValue<string>());
    }

    private sealed record Form(string Path, string Key, string Token);

    private async Task<Form> OpenAsync(Guid booking)
    {
        var path = $"/admin/checkout/{booking}";
        var html = await f.Owner.GetAsync(path);
        Assert.Contains($"id=\"terminal-reader\">Card reader {f.Reader}<", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"CardReference\"", html, StringComparison.Ordinal); // nothing to type: the reader reports
        return new Form(path, KeyPattern().Match(html).Groups[1].Value, WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value));
    }

    private Task<HttpResponseMessage> PostAsync(Form form, string handler, string method = "card", string? intent = null, int attempt = 0, string? tendered = null)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Desc[0]", "Haircut"), new("Qty[0]", "1"), new("Price[0]", "25.00"), new("Method", method), new("Tendered", tendered ?? ""),
            new("Key", form.Key), new("site", Slug), new("PaymentIntent", intent ?? ""), new("TerminalAttempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("__RequestVerificationToken", form.Token),
        };
        return f.Owner.Client.PostAsync($"{form.Path}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    private static async Task<(string Html, string? Intent)> ShownAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await WebSession.TextAsync(response);
        return (html, IntentPattern().Match(html) is { Success: true } m ? m.Groups[1].Value : null);
    }

    private (List<DeskSale> Sales, List<Payment> Payments, Booking Booking) Stored(Guid booking) => f.App.WithDb(db => (
        db.Set<DeskSale>().AsNoTracking().Where(s => s.BookingId == booking).ToList(),
        db.Payments.AsNoTracking().Where(p => p.BookingId == booking).ToList(),
        db.Bookings.AsNoTracking().Single(b => b.Id == booking)));

    [Fact]
    public async Task CardOnTheReader_WaitsForTheCard_ThenRecordsOnce_Captures_AndIssuesTheReceipt()
    {
        var booking = await BookAsync();
        var form = await OpenAsync(booking);

        var (waiting, intent) = await ShownAsync(await PostAsync(form, "Pay"));
        Assert.NotNull(intent);
        Assert.Contains("id=\"terminal-waiting\" data-poll=\"3000\">Waiting for the card: EUR 25.00 is on the card reader.<", waiting, StringComparison.Ordinal);
        Assert.Contains("id=\"terminal-check\"", waiting, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"pay\"", waiting, StringComparison.Ordinal);
        var create = Assert.Single(f.Stripe.CallsTo("POST", "/v1/payment_intents"), c => c.IdempotencyKey!.Contains(form.Key, StringComparison.Ordinal));
        Assert.Equal(("2500", "eur", "card_present", "manual"),
            (create.Form["amount"], create.Form["currency"], create.Form["payment_method_types[0]"], create.Form["capture_method"]));
        Assert.Equal(intent, f.Stripe.Object(f.Reader)["action"]!["process_payment_intent"]!["payment_intent"]!.GetValue<string>());

        // No card yet: checking again still waits, nothing is recorded.
        var (still, _) = await ShownAsync(await PostAsync(form, "Terminal", intent: intent));
        Assert.Contains("id=\"terminal-waiting\"", still, StringComparison.Ordinal);
        Assert.Empty(Stored(booking).Sales);

        Assert.True((await f.Stripe.PresentCardAsync(f.Reader)).IsSuccessStatusCode);
        var paid = await PostAsync(form, "Terminal", intent: intent);
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var receipt = paid.Headers.Location!.OriginalString;
        Assert.StartsWith("/admin/receipts/", receipt, StringComparison.Ordinal);

        var (sales, payments, stored) = Stored(booking);
        var sale = Assert.Single(sales);
        Assert.Equal((25.00m, 0m, intent), (sale.Card, sale.Cash, sale.CardReference));
        Assert.Equal((PaymentProvider.Desk, 25.00m), Assert.Single(payments).Let(p => (p.Provider, p.Amount)));
        Assert.Equal(BookingStatus.Completed, stored.Status);
        Assert.Equal("succeeded", f.Stripe.Object(intent!)["status"]!.GetValue<string>()); // captured
        var invoice = f.App.WithDb(db => db.Set<Invoice>().AsNoTracking().Include(i => i.Payments).Single(i => i.Id == sale.InvoiceId));
        Assert.Equal((InvoiceStatus.Paid, InvoicePaymentMethod.Card), (invoice.Status, Assert.Single(invoice.Payments).Method));
        Assert.Contains(invoice.Number, await f.Owner.GetAsync(receipt), StringComparison.Ordinal);

        // The page's script (or a click) checking once more: the same receipt, nothing taken again.
        var again = await PostAsync(form, "Terminal", intent: intent);
        Assert.Equal((HttpStatusCode.Redirect, receipt), (again.StatusCode, again.Headers.Location!.OriginalString));
        Assert.Single(Stored(booking).Sales);
        Assert.Single(Stored(booking).Payments);
    }

    /// <summary>
    /// The PaymentIntent id comes back from the browser: one of another checkout (or any other payment of the account) is
    /// neither recorded as this checkout's card money nor cancelled from here; its own checkout still records it.
    /// </summary>
    [Fact]
    public async Task APaymentIntentOfAnotherCheckout_IsNeitherRecordedNorCancelledHere()
    {
        var first = await BookAsync();
        var firstForm = await OpenAsync(first);
        var (_, intent) = await ShownAsync(await PostAsync(firstForm, "Pay"));
        Assert.NotNull(intent);
        Assert.True((await f.Stripe.PresentCardAsync(f.Reader)).IsSuccessStatusCode);

        var second = await BookAsync();
        var secondForm = await OpenAsync(second);
        foreach (var handler in new[] { "Terminal", "TerminalCancel", "TerminalRetry" })
        {
            var (html, _) = await ShownAsync(await PostAsync(secondForm, handler, intent: intent));
            Assert.Contains("That card payment belongs to another checkout.", html, StringComparison.Ordinal);
        }
        Assert.Empty(Stored(second).Sales);
        Assert.Empty(Stored(second).Payments);
        Assert.Equal("requires_capture", f.Stripe.Object(intent!)["status"]!.GetValue<string>());

        var paid = await PostAsync(firstForm, "Terminal", intent: intent);
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        Assert.Equal(intent, Assert.Single(Stored(first).Sales).CardReference);
    }

    [Fact]
    public async Task DeclinedCard_SaysSo_CanBeTriedAgain_OrTakenInCash()
    {
        var booking = await BookAsync();
        var form = await OpenAsync(booking);
        var (_, intent) = await ShownAsync(await PostAsync(form, "Pay"));
        Assert.True((await f.Stripe.PresentCardAsync(f.Reader, "4000000000000002")).IsSuccessStatusCode);

        var (declined, shownIntent) = await ShownAsync(await PostAsync(form, "Terminal", intent: intent));
        Assert.Contains("id=\"terminal-declined\">The card was not accepted (the card was declined). Nothing was taken.<", declined, StringComparison.Ordinal);
        Assert.Contains("id=\"terminal-retry\"", declined, StringComparison.Ordinal);
        Assert.Contains("id=\"terminal-cash\"", declined, StringComparison.Ordinal);
        Assert.Equal(intent, shownIntent);
        Assert.Empty(Stored(booking).Sales);

        // Try again: the same PaymentIntent goes to the reader once more; the client's second card is declined too.
        var (retried, _) = await ShownAsync(await PostAsync(form, "TerminalRetry", intent: intent));
        Assert.Contains("id=\"terminal-waiting\"", retried, StringComparison.Ordinal);
        Assert.Contains("name=\"TerminalAttempt\" value=\"1\"", retried, StringComparison.Ordinal);
        Assert.Equal(2, f.Stripe.CallsTo("POST", $"/v1/terminal/readers/{f.Reader}/process_payment_intent").Count(c => c.Form["payment_intent"] == intent));
        Assert.Equal("in_progress", f.Stripe.Object(f.Reader)["action"]!["status"]!.GetValue<string>());
        Assert.True((await f.Stripe.PresentCardAsync(f.Reader, "4000000000000002")).IsSuccessStatusCode);
        Assert.Contains("id=\"terminal-declined\"", (await ShownAsync(await PostAsync(form, "Terminal", intent: intent, attempt: 1))).Html, StringComparison.Ordinal);

        // Cash instead: the card payment is cancelled at Stripe, the form turns to cash, and the cash sale is the one recorded.
        var (cash, afterIntent) = await ShownAsync(await PostAsync(form, "TerminalCash", intent: intent, attempt: 1));
        Assert.Null(afterIntent);
        Assert.Contains("id=\"method-cash\" name=\"Method\" value=\"cash\" checked=\"checked\"", cash, StringComparison.Ordinal);
        Assert.Equal("canceled", f.Stripe.Object(intent!)["status"]!.GetValue<string>());
        var paid = await PostAsync(form, "Pay", method: "cash", tendered: "30");
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var (sales, payments, _) = Stored(booking);
        Assert.Equal((0m, 25.00m, 5.00m, null), Assert.Single(sales).Let(s => (s.Card, s.Cash, s.Change, s.CardReference)));
        Assert.Equal(25.00m, Assert.Single(payments).Amount);
    }

    [Fact]
    public async Task CancelOnTheReader_TakesNothing_AndALateCheckRecordsNothing()
    {
        var booking = await BookAsync();
        var form = await OpenAsync(booking);
        var (_, intent) = await ShownAsync(await PostAsync(form, "Pay"));

        var (canceled, after) = await ShownAsync(await PostAsync(form, "TerminalCancel", intent: intent));
        Assert.Contains("id=\"terminal-canceled\">The card payment was cancelled on the reader. Nothing was taken.<", canceled, StringComparison.Ordinal);
        Assert.Null(after);
        Assert.Contains("id=\"pay\"", canceled, StringComparison.Ordinal); // back to the form
        Assert.Single(f.Stripe.CallsTo("POST", $"/v1/terminal/readers/{f.Reader}/cancel_action"));
        Assert.Null(f.Stripe.Object(f.Reader)["action"]);
        Assert.Equal("canceled", f.Stripe.Object(intent!)["status"]!.GetValue<string>());

        // The page's timer fires once more with the old payment: it is reported cancelled; a card tapped now finds nothing to pay.
        Assert.Contains("id=\"terminal-canceled\"", (await ShownAsync(await PostAsync(form, "Terminal", intent: intent))).Html, StringComparison.Ordinal);
        Assert.False((await f.Stripe.PresentCardAsync(f.Reader)).IsSuccessStatusCode);
        var (sales, payments, stored) = Stored(booking);
        Assert.Empty(sales);
        Assert.Empty(payments);
        Assert.Equal(BookingStatus.Confirmed, stored.Status);
    }

    [Fact]
    public async Task DoubleClickedStart_OnePaymentIntent_ParallelChecks_OneSaleOnePayment()
    {
        var booking = await BookAsync();
        var form = await OpenAsync(booking);

        // "Take payment" clicked twice at once: one PaymentIntent on the reader (the key is the checkout's).
        var starts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => PostAsync(form, "Pay")));
        var intents = new HashSet<string?>();
        foreach (var s in starts)
        {
            intents.Add((await ShownAsync(s)).Intent);
        }
        var intent = Assert.Single(intents);
        Assert.NotNull(intent);
        Assert.Single(f.Stripe.Objects("payment_intent"), p => p["id"]!.GetValue<string>() == intent);

        Assert.True((await f.Stripe.PresentCardAsync(f.Reader)).IsSuccessStatusCode);
        var checks = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync(form, "Terminal", intent: intent)));
        Assert.All(checks, c => Assert.Equal(HttpStatusCode.Redirect, c.StatusCode));
        Assert.Single(checks.Select(c => c.Headers.Location!.OriginalString).Distinct());

        var (sales, payments, _) = Stored(booking);
        Assert.Equal(intent, Assert.Single(sales).CardReference);
        Assert.Equal(25.00m, Assert.Single(payments).Amount);
        Assert.Single(f.App.WithDb(db => db.Set<InvoicePayment>().AsNoTracking().Where(p => p.InvoiceId == sales[0].InvoiceId).ToList()));
        Assert.Equal(("succeeded", 2500L), f.Stripe.Object(intent).Let(o => (o["status"]!.GetValue<string>(), o["amount_received"]!.GetValue<long>())));
    }

    /// <summary>
    /// A card paid on the reader is refundable from the app like an online payment: through Stripe against its PaymentIntent,
    /// in parts, with an idempotency key derived from the booking and the refund's position, each with its credit note
    /// against the desk's receipt; never more than the card paid. Cash stays outside Stripe.
    /// </summary>
    [Fact]
    public async Task CardPaidOnTheReader_IsRefundedThroughStripe_InParts_WithCreditNotes_NeverMoreThanPaid()
    {
        var booking = await BookAsync();
        var form = await OpenAsync(booking);
        var (_, intent) = await ShownAsync(await PostAsync(form, "Pay"));
        Assert.NotNull(intent);
        Assert.True((await f.Stripe.PresentCardAsync(f.Reader)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(form, "Terminal", intent: intent)).StatusCode);
        var invoiceNumber = f.App.WithDb(db => db.Set<Invoice>().AsNoTracking().Single(i => i.BookingId == booking).Number);

        var admin = f.App.Admin();
        Task<HttpResponseMessage> RefundAsync(decimal? amount) => admin.PostAsync($"/api/v1/admin/bookings/{booking}/refunds",
            Json(amount is null ? new System.Text.Json.Nodes.JsonObject() : new System.Text.Json.Nodes.JsonObject
            {
                ["amount"] = new System.Text.Json.Nodes.JsonObject { ["amount"] = amount, ["currency"] = "EUR" },
            }));
        var part = await RefundAsync(10.00m);
        Assert.True(part.StatusCode == HttpStatusCode.Created, await part.Content.ReadAsStringAsync());
        var first = await Body(part);
        Assert.Equal(("succeeded", intent), (first["status"]!.GetValue<string>(), first["paymentIntent"]!.GetValue<string>()));
        var call = Assert.Single(f.Stripe.CallsTo("POST", "/v1/refunds"), c => c.Form.GetValueOrDefault("payment_intent") == intent);
        Assert.Equal(("1000", $"bookwell-refund-{booking:N}-1"), (call.Form["amount"], call.IdempotencyKey));
        Assert.Null(call.Account); // the reader is the platform's: so is its refund
        Assert.Equal(1000L, f.Stripe.RefundedOf(intent!));

        // The rest; then nothing is left.
        var rest = await RefundAsync(null);
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        Assert.Equal(2500L, f.Stripe.RefundedOf(intent!));
        Assert.Equal(HttpStatusCode.BadRequest, (await RefundAsync(1.00m)).StatusCode);
        Assert.Equal(2500L, f.Stripe.RefundedOf(intent!));
        Assert.Equal(new[] { $"bookwell-refund-{booking:N}-1", $"bookwell-refund-{booking:N}-2" },
            f.Stripe.CallsTo("POST", "/v1/refunds").Where(c => c.Form.GetValueOrDefault("payment_intent") == intent).Select(c => c.IdempotencyKey!).Order(StringComparer.Ordinal));

        // Each refund has its credit note against the desk's receipt; the ledger holds both refunds against the one card charge.
        var notes = (await Body(await admin.GetAsync("/api/v1/admin/credit-notes")))["items"]!.AsArray()
            .Where(n => n!["bookingId"]!.GetValue<string>() == booking.ToString()).ToList();
        Assert.Equal(2, notes.Count);
        Assert.All(notes, n => Assert.Equal(invoiceNumber, n!["invoiceNumber"]!.GetValue<string>()));
        var ledger = Stored(booking).Payments;
        Assert.Equal(new[] { (PaymentKind.Charge, 25.00m), (PaymentKind.Refund, 10.00m), (PaymentKind.Refund, 15.00m) },
            ledger.Select(p => (p.Kind, p.Amount)).OrderBy(p => p.Kind).ThenBy(p => p.Amount));
        Assert.All(ledger, p => Assert.Equal(intent, p.PaymentIntent));
    }

    [Fact]
    public async Task AReaderIdThatIsNotOne_IsRefusedAtItsPath()
    {
        var doc = Config();
        doc["pages"]![0]!["settings"]!["terminalReader"] = "reader-1";
        var bad = await PutConfig(f.App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await Body(bad))["errors"]!.AsObject().ContainsKey("pages[0].settings.terminalReader"));
    }
}

internal static class LetExtensions
{
    public static TResult Let<T, TResult>(this T value, Func<T, TResult> map) => map(value);
}

public sealed class SqliteTerminalCheckoutTests(SqliteTerminalDeskFixture f) : TerminalCheckoutTests(f), IClassFixture<SqliteTerminalDeskFixture>;

public sealed class PostgresTerminalCheckoutTests(PostgresTerminalDeskFixture f) : TerminalCheckoutTests(f), IClassFixture<PostgresTerminalDeskFixture>;
