using System.Net;
using System.Text.Json.Nodes;
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

/// <summary>
/// The desk checkout through its server-rendered pages (no script): a booking's bill with a product, a discount
/// and a tip, paid in cash and by card, its invoice issued paid and the booking completed in one go; the till's
/// day per method; a double (and a tenfold parallel) submit paying once, held by the database; field errors
/// that change nothing. Both databases: one app per class and database, each test on a business of its own with its own
/// signed-in owner (see <see cref="SharedApp"/>).
/// </summary>
public abstract partial class DeskCheckoutTests(SharedApp shared) : IAsyncLifetime
{
    private TenantSpace _app = null!;
    private WebSession _owner = null!;

    public async Task InitializeAsync()
    {
        _app = await shared.NewBusinessAsync();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["deskTips"] = true;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(_app.Admin(), doc)).StatusCode);
        _owner = await _app.OwnerAsync("Olga", AccountTests.Password);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("name=\"Key\" value=\"([0-9a-f]+)\"")]
    private static partial Regex KeyPattern();

    /// <param name="arrived">Move the clock to the booking's start, when the client is at the desk (a visit is checked out once it started).</param>
    private async Task<Guid> BookAsync(string start, bool arrived = true)
    {
        var body = Booking(start);
        body["page"] = Slug;
        var created = await _app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        if (arrived)
        {
            _app.Clock.Reset(NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(start).Value.ToInstant());
        }
        return Guid.Parse((await Body(created))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task ABookingNotStarted_IsRefusedBeforeCheckInOpens_AndStartedThenCompletedWhenPaidOnArrival()
    {
        var id = await BookAsync("2027-03-02T10:00:00+01:00", arrived: false);
        var path = $"/admin/checkout/{id}";
        var (key, token, _) = await OpenAsync(path);
        // The day before: the desk does not complete an appointment that has not happened.
        var early = await PostAsync(path + "?handler=Pay", Form(key, token, ("Desc[0]", "Haircut"), ("Price[0]", "25"), ("Method", "card")));
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Contains("This appointment starts at 2027-03-02 10:00: it can be checked out from 2027-03-02 09:00, when check-in opens.",
            await WebSession.TextAsync(early), StringComparison.Ordinal);
        Assert.Empty(_app.WithDb(db => db.Set<DeskSale>().AsNoTracking().ToList()));
        Assert.Equal(BookingStatus.Confirmed, _app.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == id).Status));

        // 09:40, the client is early and pays on arrival: the visit starts now and is completed, both in its history.
        _app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 8, 40));
        var paid = await PostAsync(path + "?handler=Pay", Form(key, token, ("Desc[0]", "Haircut"), ("Price[0]", "25"), ("Method", "card")));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var booking = _app.WithDb(db => db.Bookings.AsNoTracking().Include(b => b.History).Single(b => b.Id == id));
        Assert.Equal(BookingStatus.Completed, booking.Status);
        Assert.Equal(new[] { BookingStatus.InProgress, BookingStatus.Completed },
            booking.History.Where(h => h.Action == BookingAction.Status).OrderBy(h => h.Id).Select(h => h.ToStatus));
    }

    /// <summary>Opens the checkout page as a browser would: its one-time key and the antiforgery token.</summary>
    private async Task<(string Key, string Token, string Html)> OpenAsync(string path)
    {
        var response = await _owner.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        return (KeyPattern().Match(html).Groups[1].Value, WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value), html);
    }

    private static List<KeyValuePair<string, string>> Form(string key, string token, params (string Name, string Value)[] fields) =>
        [.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value)), KeyValuePair.Create("Key", key), KeyValuePair.Create("site", Slug),
            KeyValuePair.Create("__RequestVerificationToken", token)];

    private Task<HttpResponseMessage> PostAsync(string path, List<KeyValuePair<string, string>> form) =>
        _owner.Client.PostAsync(path, new FormUrlEncodedContent(form));

    private static readonly (string, string)[] Bill =
    [
        ("Desc[0]", "Haircut"), ("Qty[0]", "1"), ("Price[0]", "25.00"),
        ("Desc[1]", "Shampoo"), ("Qty[1]", "2"), ("Price[1]", "12,50"),
        ("Desc[2]", ""), ("Qty[2]", "1"), ("Price[2]", ""),
        ("Discount", "5"), ("Tip", "3.00"), ("Method", "mixed"), ("Card", "20.00"), ("Tendered", "50"), ("CardReference", "T-7781"),
    ];

    [Fact]
    public async Task BookingCheckout_Mixed_WithProductDiscountAndTip_IssuesAPaidInvoice_CompletesTheBooking_AndShowsInTheTill()
    {
        var id = await BookAsync("2027-03-02T10:00:00+01:00");
        var path = $"/admin/checkout/{id}";
        var (key, token, html) = await OpenAsync(path);
        Assert.Equal(32, key.Length);
        Assert.Contains("value=\"Haircut\"", html, StringComparison.Ordinal); // the booking's service is the first line
        Assert.Contains("name=\"Tip\"", html, StringComparison.Ordinal);      // the page allows tips

        // Calculate: the bill and the change, and nothing is written.
        var review = await PostAsync(path + "?handler=Review", Form(key, token, Bill));
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        var bill = await WebSession.TextAsync(review);
        // 25.00 + 2 × 12.50 − 5.00 + 3.00 = 48.00; card 20.00, cash 28.00 of 50.00 received: 22.00 back.
        Assert.Matches(@"id=""bill-total""><strong>EUR 48\.00<", bill);
        Assert.Matches(@"id=""bill-cash"">EUR 28\.00<", bill);
        Assert.Matches(@"id=""bill-change""><strong>EUR 22\.00<", bill);
        Assert.Empty(_app.WithDb(db => db.Set<DeskSale>().AsNoTracking().ToList()));

        var paid = await PostAsync(path + "?handler=Pay", Form(key, token, Bill));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var receiptPath = paid.Headers.Location!.OriginalString;
        Assert.StartsWith("/admin/receipts/", receiptPath, StringComparison.Ordinal);

        var (sale, invoice, booking, ledger) = _app.WithDb(db => (
            db.Set<DeskSale>().AsNoTracking().Single(),
            db.Set<Invoice>().AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).Single(),
            db.Bookings.AsNoTracking().Include(b => b.History).Single(b => b.Id == id),
            db.Payments.AsNoTracking().Where(p => p.BookingId == id).ToList()));
        Assert.Equal((48.00m, 5.00m, 3.00m, 28.00m, 50.00m, 22.00m, 20.00m, "T-7781"),
            (sale.Total, sale.Discount, sale.Tip, sale.Cash, sale.Tendered, sale.Change, sale.Card, sale.CardReference));
        Assert.Equal((id, invoice.Id, invoice.Number), (sale.BookingId!.Value, sale.InvoiceId, sale.InvoiceNumber));
        Assert.Equal((InvoiceStatus.Paid, 48.00m, 48.00m, id), (invoice.Status, invoice.Total, invoice.AmountPaid, invoice.BookingId!.Value));
        Assert.Equal(new[] { ("Haircut", 25.00m), ("Shampoo", 25.00m), ("Discount", -5.00m), ("Tip", 3.00m) },
            invoice.Lines.OrderBy(l => l.Position).Select(l => (l.Description, l.Total)));
        Assert.Equal(new[] { (InvoicePaymentMethod.Cash, 28.00m), (InvoicePaymentMethod.Card, 20.00m) },
            invoice.Payments.OrderBy(p => p.Method).Select(p => (p.Method, p.Amount)));
        Assert.Equal(BookingStatus.Completed, booking.Status);
        Assert.Contains(booking.History, h => h.ToStatus == BookingStatus.Completed && h.By.StartsWith("owner:", StringComparison.Ordinal));
        Assert.Equal(new[] { (PaymentProvider.Desk, 20.00m), (PaymentProvider.Desk, 28.00m) }, ledger.Select(p => (p.Provider, p.Amount)).OrderBy(p => p.Amount));
        Assert.All(ledger, p => Assert.Null(p.PaymentIntent)); // never refundable through Stripe

        var receipt = WebUtility.HtmlDecode(await _owner.GetAsync(receiptPath));
        Assert.Contains(invoice.Number, receipt, StringComparison.Ordinal);
        Assert.Matches(@"id=""receipt-change"" class=""change""><strong>EUR 22\.00<", receipt);
        var pdf = await _owner.Client.GetAsync(receiptPath + "?handler=Pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync())[..4], StringComparison.Ordinal);

        // For an 80 mm thermal printer: ESC/POS (initialise first, cut last), 48 columns, totals right-aligned.
        var escpos = await (await _owner.Client.GetAsync(receiptPath + "?handler=EscPos")).Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x1B, 0x40 }, escpos[..2]);
        Assert.Equal(new byte[] { 0x1D, 0x56, 66, 0 }, escpos[^4..]);
        var printed = System.Text.Encoding.Latin1.GetString(escpos).Split('\n');
        Assert.Contains(printed, l => l.StartsWith("2 x Shampoo", StringComparison.Ordinal) && l.EndsWith("EUR 25.00", StringComparison.Ordinal) && l.Length == 48);
        Assert.Contains(printed, l => l.StartsWith("Change", StringComparison.Ordinal) && l.EndsWith("EUR 22.00", StringComparison.Ordinal));

        // The booking page now links to the receipt instead of offering a second checkout; the checkout page sends there too.
        Assert.Contains(receiptPath, await _owner.GetAsync($"/admin/bookings/{id}"), StringComparison.Ordinal);
        var again = await _owner.Client.GetAsync(path);
        Assert.Equal((HttpStatusCode.Redirect, receiptPath), (again.StatusCode, again.Headers.Location!.OriginalString));

        // The till's day (Amsterdam): per method, and the desk's own sums.
        var till = WebUtility.HtmlDecode(await _owner.GetAsync("/admin/till?date=2027-03-02"));
        Assert.Matches(@"data-method=""cash""><td>Cash</td><td>1</td><td>EUR 28\.00<", till);
        Assert.Matches(@"data-method=""card""><td>Card \(terminal\)</td><td>1</td><td>EUR 20\.00<", till);
        Assert.Matches(@"data-sum=""tip"">EUR 3\.00<", till);
        Assert.Matches(@"data-sum=""total""><strong>EUR 48\.00<", till);
        Assert.Contains("Nothing was paid this day.", WebUtility.HtmlDecode(await _owner.GetAsync("/admin/till?date=2027-03-03")), StringComparison.Ordinal);

        // Dutch.
        _owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        var dutch = WebUtility.HtmlDecode(await _owner.GetAsync("/admin/till?date=2027-03-02"));
        Assert.Contains("Kassa", dutch, StringComparison.Ordinal);
        Assert.Contains("Contant", dutch, StringComparison.Ordinal);
        Assert.Contains("Wisselgeld", WebUtility.HtmlDecode(await _owner.GetAsync(receiptPath)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BookingCheckout_KeepsTheSeller_ReceiptAndLedgerShowTheOldNameAfterTheBusinessIsRenamed()
    {
        var id = await BookAsync("2027-03-02T10:00:00+01:00");
        var path = $"/admin/checkout/{id}";
        var (key, token, _) = await OpenAsync(path);
        var bill = new[] { ("Desc[0]", "Haircut"), ("Qty[0]", "1"), ("Price[0]", "25.00"), ("Method", "mixed"), ("Card", "10.00"), ("Tendered", "20") };
        var paid = await PostAsync(path + "?handler=Pay", Form(key, token, bill));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var receiptPath = paid.Headers.Location!.OriginalString;

        // The business is renamed, with new legal details.
        var doc = Config();
        doc["pages"]![0]!["settings"]!["deskTips"] = true;
        doc["pages"]![0]!["name"] = "Renamed Studio";
        doc["pages"]![0]!["settings"]!["invoicing"] = new JsonObject { ["legalName"] = "Renamed Studio B.V.", ["vatNumber"] = "NL123456789B01" };
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(_app.Admin(), doc)).StatusCode);

        // The desk's ledger rows keep the seller as it was when the money was taken, like a Stripe charge's.
        var sellers = _app.WithDb(db => db.Payments.AsNoTracking().Where(p => p.BookingId == id).Select(p => p.Seller).ToList());
        Assert.Equal(2, sellers.Count);
        Assert.All(sellers, s => Assert.Equal(("Test Salon", (string?)null, (string?)null),
            SellerSnapshot.Parse(s) is { } seller ? (seller.Name, seller.LegalName, seller.VatNumber) : default));

        // The receipt printed now, as HTML, PDF and ESC/POS: the old name, never the new one.
        var html = WebUtility.HtmlDecode(await _owner.GetAsync(receiptPath));
        var pdf = await (await _owner.Client.GetAsync(receiptPath + "?handler=Pdf")).Content.ReadAsByteArrayAsync();
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        var pdfText = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        var escpos = System.Text.Encoding.Latin1.GetString(await (await _owner.Client.GetAsync(receiptPath + "?handler=EscPos")).Content.ReadAsByteArrayAsync());
        foreach (var printed in new[] { html, pdfText, escpos })
        {
            Assert.Contains("Test Salon", printed, StringComparison.Ordinal);
            Assert.DoesNotContain("Renamed", printed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WalkInBookingWithoutAddress_CheckedOut_InvoiceCarriesNoWalkInAddress_AndNoMailIsQueued()
    {
        var body = Booking("2027-03-02T11:00:00+01:00");
        body["page"] = Slug;
        body["walkIn"] = true;
        body["customer"] = new JsonObject { ["name"] = "Passer-by" };
        var created = await _app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = Guid.Parse((await Body(created))["id"]!.GetValue<string>());
        _app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 10, 0)); // 11:00: the walk-in's start
        var path = $"/admin/checkout/{id}";
        var (key, token, _) = await OpenAsync(path);
        var cash = new[] { ("Desc[0]", "Haircut"), ("Qty[0]", "1"), ("Price[0]", "25.00"), ("Method", "cash"), ("Tendered", "25") };
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(path + "?handler=Pay", Form(key, token, cash))).StatusCode);

        var invoice = _app.WithDb(db => db.Set<Invoice>().AsNoTracking().Single(i => i.BookingId == id));
        Assert.NotEqual(CustomerBook.WalkInEmail, invoice.CustomerEmail);
        Assert.Equal(0, _app.WithDb(db => db.Outbox.Count(m => m.To == CustomerBook.WalkInEmail)));
    }

    [Fact]
    public async Task ParallelSubmits_OfOneCheckout_AndOtherFormsForTheSameBooking_PayOnce()
    {
        var id = await BookAsync("2027-03-02T11:00:00+01:00");
        var path = $"/admin/checkout/{id}";
        var (key, token, _) = await OpenAsync(path);
        var others = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            others.Add((await OpenAsync(path)).Key);
        }
        var fields = new[] { ("Desc[0]", "Haircut"), ("Qty[0]", "1"), ("Price[0]", "25.00"), ("Method", "cash"), ("Tendered", "30") };
        var posts = Enumerable.Range(0, 10).Select(_ => PostAsync(path + "?handler=Pay", Form(key, token, fields)))
            .Concat(others.Select(k => PostAsync(path + "?handler=Pay", Form(k, token, fields)))).ToList();
        var responses = await Task.WhenAll(posts);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.Location!.OriginalString).Distinct());

        var (sales, invoices, payments, ledger, counter) = _app.WithDb(db => (
            db.Set<DeskSale>().AsNoTracking().ToList(), db.Set<Invoice>().AsNoTracking().ToList(), db.Set<InvoicePayment>().AsNoTracking().ToList(),
            db.Payments.AsNoTracking().ToList(), db.Set<InvoiceCounter>().AsNoTracking().Single(c => c.TenantId == _app.Id).Last));
        var sale = Assert.Single(sales);
        // Whichever form got there first: the one submitted ten times or one of the three others.
        Assert.Contains(sale.Key, others.Append(key));
        Assert.Equal((25.00m, 30.00m, 5.00m), (sale.Cash, sale.Tendered, sale.Change));
        Assert.Single(invoices);
        Assert.Equal(25.00m, Assert.Single(payments).Amount);
        Assert.Equal(25.00m, Assert.Single(ledger).Amount);
        Assert.Equal(1, counter); // the losers' numbers were given back: no gap
    }

    [Fact]
    public async Task WalkIn_ParallelSubmits_PayOnce_AndTheNextSaleTakesTheNextNumber()
    {
        var (key, token, html) = await OpenAsync("/admin/checkout");
        Assert.DoesNotContain("value=\"Haircut\"", html, StringComparison.Ordinal);
        var fields = new[] { ("CustomerName", "Walk-in Wim"), ("Desc[0]", "Gift card"), ("Qty[0]", "1"), ("Price[0]", "40"), ("Method", "card") };
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync("/admin/checkout?handler=Pay", Form(key, token, fields))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.Location!.OriginalString).Distinct());
        var second = await OpenAsync("/admin/checkout");
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync("/admin/checkout?handler=Pay", Form(second.Key, second.Token, fields))).StatusCode);

        var (sales, numbers, ledger) = _app.WithDb(db => (db.Set<DeskSale>().AsNoTracking().OrderBy(s => s.At).ToList(),
            db.Set<Invoice>().AsNoTracking().OrderBy(i => i.Sequence).Select(i => i.Number).ToList(), db.Payments.AsNoTracking().Count()));
        Assert.Equal(2, sales.Count);
        Assert.All(sales, s => Assert.Equal((40.00m, 0m, null, "Walk-in Wim"), (s.Card, s.Cash, s.BookingId, s.CustomerName)));
        Assert.Equal(new[] { "000001", "000002" }, numbers);
        Assert.Equal(0, ledger); // no booking, no booking ledger
    }

    [Fact]
    public async Task BadInput_IsShownOnTheForm_AndNothingIsTaken()
    {
        var id = await BookAsync("2027-03-02T13:00:00+01:00");
        var path = $"/admin/checkout/{id}";
        var (key, token, _) = await OpenAsync(path);
        async Task<string> Refused(params (string, string)[] fields)
        {
            var response = await PostAsync(path + "?handler=Pay", Form(key, token, fields));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await WebSession.TextAsync(response);
        }
        Assert.Contains("The cash received must cover the cash part, EUR 25.00.",
            await Refused(("Desc[0]", "Haircut"), ("Price[0]", "25"), ("Method", "cash"), ("Tendered", "20")), StringComparison.Ordinal);
        Assert.Contains("An amount in EUR from 0 to 1,000,000, with at most 2 decimals.",
            await Refused(("Desc[0]", "Haircut"), ("Price[0]", "25.001"), ("Method", "cash")), StringComparison.Ordinal);
        Assert.Contains("The discount is an amount from 0 up to the lines' total, EUR 25.00.",
            await Refused(("Desc[0]", "Haircut"), ("Price[0]", "25"), ("Discount", "30"), ("Method", "card")), StringComparison.Ordinal);
        Assert.Contains("With cash and card, the card pays part of the EUR 25.00",
            await Refused(("Desc[0]", "Haircut"), ("Price[0]", "25"), ("Method", "mixed"), ("Card", "25")), StringComparison.Ordinal);
        Assert.Contains("Add at least one line with a description and a price.", await Refused(("Method", "cash")), StringComparison.Ordinal);
        Assert.Contains("Choose how the client pays.", await Refused(("Desc[0]", "Haircut"), ("Price[0]", "25")), StringComparison.Ordinal);
        // Without the antiforgery token nothing is read at all.
        var forged = await _owner.Client.PostAsync(path + "?handler=Pay", new FormUrlEncodedContent(
            [KeyValuePair.Create("Key", key), KeyValuePair.Create("Desc[0]", "x"), KeyValuePair.Create("Price[0]", "1"), KeyValuePair.Create("Method", "cash")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        // A booking not yet confirmed cannot be checked out; a cancelled one neither.
        Assert.Equal(HttpStatusCode.OK, (await _app.Admin().PostAsync($"/api/v1/admin/bookings/{id}/status", Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        Assert.Contains("Only a confirmed, started or completed booking can be checked out.",
            await Refused(("Desc[0]", "Haircut"), ("Price[0]", "25"), ("Method", "card")), StringComparison.Ordinal);
        Assert.Empty(_app.WithDb(db => db.Set<DeskSale>().AsNoTracking().ToList()));
        Assert.Empty(_app.WithDb(db => db.Set<Invoice>().AsNoTracking().ToList()));
        Assert.Empty(_app.WithDb(db => db.Payments.AsNoTracking().ToList()));
    }

    /// <summary>The error shown under one field of the form (its id is the field's, as the page's aria-describedby names it).</summary>
    private static string? FieldError(string html, string field) =>
        Regex.Match(html, $@"<p class=""error"" id=""{field}-error"">([^<]*)<") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    /// <summary>
    /// The hostile probe's amounts and texts: every money field is capped at 1,000,000 (and the lines' total too), a discount
    /// above the lines is refused, and a name, a line or a card reference holding a text-direction override or a control
    /// character is refused, each under its own field, in English and in Dutch; nothing is taken.
    /// </summary>
    [Fact]
    public async Task HugeAmounts_AndOverridesOrControlCharacters_AreRefusedUnderTheirFields_InEnglishAndDutch_AndNothingIsTaken()
    {
        const string Money = "An amount in EUR from 0 to 1,000,000, with at most 2 decimals.";
        var (key, token, _) = await OpenAsync("/admin/checkout");
        async Task<string> Refused(params (string, string)[] fields)
        {
            var response = await PostAsync("/admin/checkout?handler=Pay", Form(key, token, fields));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        var html = await Refused(("CustomerName", "Wim \u202Egnp.exe"), ("CustomerEmail", "a@[127.0.0.1]"),
            ("Desc[0]", "Gift card"), ("Qty[0]", "1"), ("Price[0]", "1000000.01"),
            ("Desc[1]", "Shampoo\u0007"), ("Qty[1]", "1"), ("Price[1]", "10"),
            ("Desc[2]", "Conditioner"), ("Qty[2]", "1"), ("Price[2]", "99999999999999"),
            ("Discount", "1000001"), ("Tip", "2000000"), ("Method", "mixed"), ("Card", "1e6"), ("Tendered", "10000000"), ("CardReference", "T-7781\u200F"));
        Assert.Equal(Money, FieldError(html, "price0"));
        Assert.Equal(Money, FieldError(html, "price2"));
        Assert.Null(FieldError(html, "price1"));
        Assert.Equal(Money, FieldError(html, "discount"));
        Assert.Equal(Money, FieldError(html, "tip"));
        Assert.Equal(Money, FieldError(html, "card"));
        Assert.Equal(Money, FieldError(html, "tendered"));
        const string Text = "Must not contain control characters or text-direction overrides.";
        Assert.Equal(Text, FieldError(html, "customername"));
        Assert.Equal(Text, FieldError(html, "desc1"));
        Assert.Equal(Text, FieldError(html, "cardreference"));
        Assert.Null(FieldError(html, "desc0"));
        Assert.Equal("Enter an e-mail address like name@example.com, or leave it empty.", FieldError(html, "customeremail"));

        // Each amount at the cap is taken as an amount; lines that add up beyond it are refused as a bill, and a discount
        // above the lines as before.
        html = await Refused(("Desc[0]", "Gift card"), ("Qty[0]", "2"), ("Price[0]", "1000000"), ("Method", "card"));
        Assert.Null(FieldError(html, "price0"));
        Assert.Equal("The bill comes to more than EUR 1,000,000.00: split it over more than one checkout.", FieldError(html, "lines"));
        html = await Refused(("Desc[0]", "Gift card"), ("Qty[0]", "1"), ("Price[0]", "1000000"), ("Discount", "1000000.01"), ("Method", "card"));
        Assert.Equal(Money, FieldError(html, "discount"));
        html = await Refused(("Desc[0]", "Gift card"), ("Qty[0]", "1"), ("Price[0]", "100"), ("Discount", "100.01"), ("Method", "card"));
        Assert.Equal("The discount is an amount from 0 up to the lines' total, EUR 100.00.", FieldError(html, "discount"));

        _owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        html = await Refused(("CustomerName", "Wim\u2066x\u2069"), ("Desc[0]", "Cadeaubon"), ("Qty[0]", "1"), ("Price[0]", "1000000,01"), ("Method", "card"));
        Assert.Equal("Een bedrag in EUR van 0 tot 1.000.000, met hoogstens 2 decimalen.", FieldError(html, "price0"));
        Assert.Equal("Mag geen stuurtekens of tekens voor tekstrichting bevatten.", FieldError(html, "customername"));
        html = await Refused(("Desc[0]", "Cadeaubon"), ("Qty[0]", "3"), ("Price[0]", "500000"), ("Method", "card"));
        Assert.Equal("De rekening komt boven EUR 1.000.000,00: verdeel hem over meer dan één afrekening.", FieldError(html, "lines"));

        Assert.Empty(_app.WithDb(db => db.Set<DeskSale>().AsNoTracking().ToList()));
        Assert.Empty(_app.WithDb(db => db.Set<Invoice>().AsNoTracking().ToList()));
    }
}

public sealed class SqliteDeskCheckoutTests(SqliteSharedApp shared) : DeskCheckoutTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresDeskCheckoutTests(PostgresSharedApp shared) : DeskCheckoutTests(shared), IClassFixture<PostgresSharedApp>;
