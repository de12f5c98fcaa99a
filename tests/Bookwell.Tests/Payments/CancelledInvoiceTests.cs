using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Payments;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// Issue 13's money after a cancellation, over HTTP on both databases against the Stripe stand-in, on the app's fake clock: a booking
/// part paid online and then cancelled keeps what was paid (less what the policy gives back, with its credit note) and owes nothing
/// more: its invoice is settled, neither open nor overdue, and no payment reminder follows, even after the due date. One app per test.
/// </summary>
public abstract class CancelledInvoiceTests
{
    protected abstract Db Kind { get; }

    private const string Webhook = "/api/v1/payments/stripe/webhook";

    private sealed record Setup(BookwellApp App, StripeStandIn Stripe, SmtpSink Mail, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Stripe.DisposeAsync();
            Mail.Dispose();
        }
    }

    /// <summary>
    /// The test salon plus: treatment (100 EUR, a 25 EUR deposit online; all back up to 48 h before, half up to 24 h), cut (25 EUR paid now)
    /// and advice (40 EUR invoiced; free cancellation up to 24 h before). Invoices are due in 14 days; a reminder goes a day after that.
    /// </summary>
    private async Task<Setup> StartAsync()
    {
        var mail = SmtpSink.Start();
        var stripe = await StripeStandIn.StartAsync();
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl;
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = mail.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
        },
        // The reminder passes are the tests' own; the hosted worker's start-up pass, late on a loaded machine, could take them.
        services: s => s.Remove(s.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(Bookwell.Features.Refunds.InvoiceReminderWorker))));
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        var page = doc["pages"]![0]!;
        page["settings"]!["notifyStaff"] = false;
        page["settings"]!["invoicing"] = JsonNode.Parse("""{ "dueDays": 14 }""");
        page["settings"]!["invoiceReminders"] = JsonNode.Parse("""{ "afterDueDays": [1] }""");
        var services = page["services"]!.AsArray();
        services.Add(JsonNode.Parse("""
            { "key": "treatment", "name": "Treatment", "durationMinutes": 60, "price": { "amount": 100.00, "currency": "EUR" },
              "payment": "deposit", "deposit": { "amount": 25.00, "currency": "EUR" },
              "cancellationPolicy": { "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] },
              "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        services.Add(JsonNode.Parse("""
            { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 25, "currency": "EUR" }, "payment": "now", "taxRatePercent": 21,
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        services.Add(JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 30, "price": { "amount": 40, "currency": "EUR" }, "payment": "invoice", "taxRatePercent": 21,
              "cancellationPolicy": { "refunds": [ { "hoursBefore": 24, "percent": 100 } ] },
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        // Write-offs (credit notes for the unpaid rest): a part invoiced at another VAT rate, and deposits in currencies of 0 and 3 decimals.
        services.Add(JsonNode.Parse("""
            { "key": "massage", "name": "Massage", "durationMinutes": 30, "price": { "amount": 30, "currency": "EUR" }, "payment": "invoice", "taxRatePercent": 9,
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        services.Add(JsonNode.Parse("""
            { "key": "tea", "name": "Tea ceremony", "durationMinutes": 60, "price": { "amount": 10000, "currency": "JPY" },
              "payment": "deposit", "deposit": { "amount": 3333, "currency": "JPY" }, "taxRatePercent": 10,
              "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        services.Add(JsonNode.Parse("""
            { "key": "pearl", "name": "Pearl facial", "durationMinutes": 60, "price": { "amount": 12.345, "currency": "BHD" },
              "payment": "deposit", "deposit": { "amount": 5.000, "currency": "BHD" }, "taxRatePercent": 10,
              "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        foreach (var key in new[] { "treatment", "cut", "advice", "massage", "tea", "pearl" })
        {
            page["staff"]![0]!["services"]!.AsArray().Add(key);
        }
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return new Setup(app, stripe, mail, app.CreateClient());
    }

    private static Guid Id(JsonNode booking) => Guid.Parse(booking["id"]!.GetValue<string>());

    private static async Task<JsonObject> BookAsync(Setup s, JsonObject body)
    {
        var response = await Book(s.Client, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Body(response);
    }

    private static async Task<JsonObject> BookAndPay(Setup s, JsonObject body)
    {
        var booked = await BookAsync(s, body);
        var session = s.Stripe.SessionFor(Id(booked))!["id"]!.GetValue<string>();
        var paid = StripeStandIn.Event("evt_" + session, "checkout.session.completed", s.Stripe.Pay(session));
        using var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = new StringContent(paid, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(paid, s.App.Clock.GetCurrentInstant()));
        Assert.Equal(HttpStatusCode.OK, (await s.Client.SendAsync(request)).StatusCode);
        return booked;
    }

    private static JsonObject Visit(string start, params string[] services) =>
        Booking(start, services[0]).Also(b =>
        {
            b.Remove("service");
            b["services"] = new JsonArray([.. services.Select(x => (JsonNode)x)]);
        });

    private static async Task<JsonArray> Invoices(Setup s, string query = "") =>
        (await s.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/invoices" + query))!["items"]!.AsArray();

    private static async Task<JsonObject> InvoiceOf(Setup s, JsonNode booking) =>
        Assert.Single(await Invoices(s), i => i!["bookingId"]!.GetValue<string>() == Id(booking).ToString())!.AsObject();

    private static async Task<JsonObject> AdminBooking(Setup s, JsonNode booking) =>
        (await s.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{Id(booking)}"))!;

    private static decimal D(JsonNode? node) => node!.GetValue<decimal>();

    /// <summary>The money of a booking in the ledger: charged online, and refunded.</summary>
    private static (decimal Charged, decimal Refunded) Ledger(Setup s, JsonNode booking)
    {
        var id = Id(booking);
        var rows = s.App.WithDb(db => db.Payments.Where(p => p.BookingId == id).Select(p => new { p.Kind, p.Amount }).ToList());
        return (rows.Where(r => r.Kind == PaymentKind.Charge).Sum(r => r.Amount), rows.Where(r => r.Kind == PaymentKind.Refund).Sum(r => r.Amount));
    }

    private static int RemindersFor(Setup s, JsonNode booking)
    {
        var id = Id(booking);
        return s.App.WithDb(db => db.Outbox.Count(m => m.Kind == InvoiceReminders.Kind && m.BookingId == id));
    }

    private static string Numbers(JsonArray items) => string.Join(",", items.Select(i => i!["number"]!.GetValue<string>()).Order(StringComparer.Ordinal));

    [Fact]
    public async Task DepositPaid_ClientCancelsInTheHalfTier_TheRestIsSettled_RefundAndKeptFeeAddUp_NoReminderAfterTheDueDate()
    {
        await using var s = await StartAsync();
        // Thirty hours ahead (the clock stands at 1 March 08:00 in Amsterdam): the 24-hour tier gives half the deposit back.
        var cancelled = await BookAndPay(s, Booking("2027-03-02T14:00:00+01:00", "treatment"));
        var kept = await BookAndPay(s, Booking("2027-03-03T10:00:00+01:00", "treatment", email: "grace@example.com"));
        foreach (var booking in new[] { cancelled, kept })
        {
            var invoice = await InvoiceOf(s, booking);
            Assert.Equal(("open", 100m, 25m, 75m), (invoice["status"]!.GetValue<string>(), D(invoice["total"]), D(invoice["amountPaid"]), D(invoice["amountDue"])));
        }

        Assert.Equal(HttpStatusCode.OK, (await s.Client.PostAsync($"/api/v1/bookings/{cancelled["manageToken"]}/cancel", null)).StatusCode);
        Assert.Equal("1250", Assert.Single(s.Stripe.CallsTo("POST", "/v1/refunds")).Form["amount"]);

        // The deposit stays recorded as paid (never edited), the 75.00 not paid is no longer owed: nothing is due, it is not open.
        var settled = await InvoiceOf(s, cancelled);
        Assert.Equal("paid", settled["status"]!.GetValue<string>());
        Assert.Equal(("paid", 100m, 25m, 0m, 75m), (settled["status"]!.GetValue<string>(), D(settled["total"]), D(settled["amountPaid"]),
            D(settled["amountDue"]), D(settled["amountSettled"])));
        Assert.Equal(D(settled["total"]), D(settled["amountPaid"]) + D(settled["amountSettled"]));
        // What was paid is what went back plus what the policy keeps (half of the deposit), and the ledger says the same.
        var (charged, refunded) = Ledger(s, cancelled);
        Assert.Equal((25m, 12.50m), (charged, refunded));
        var payment = (await AdminBooking(s, cancelled))["payment"]!;
        Assert.Equal((12.50m, 0m), (D(payment["paid"]!["amount"]), D(payment["due"]!["amount"])));
        Assert.Equal(D(settled["amountPaid"]), refunded + D(payment["paid"]!["amount"]));
        // Two credit notes of the invoice, one series: the 75.00 written off in the cancellation's transaction, then the refund's 12.50.
        var notes = s.App.WithDb(db => db.Set<CreditNote>().OrderBy(c => c.Sequence).ToList());
        Assert.Equal([("CN-000001", CreditNoteKind.WriteOff, 75m, (Guid?)null), ("CN-000002", CreditNoteKind.Refund, 12.50m, notes[1].RefundId)],
            notes.Select(n => (n.Number, n.Kind, n.Amount, n.RefundId)));
        Assert.NotNull(notes[1].RefundId);
        Assert.All(notes, n => Assert.Equal(settled["number"]!.GetValue<string>(), n.InvoiceNumber));
        var pdf = await s.App.Admin().GetByteArrayAsync($"/api/v1/admin/invoices/{settled["id"]}/pdf");
        using (var document = UglyToad.PdfPig.PdfDocument.Open(pdf))
        {
            var text = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            Assert.Contains("Not owed (booking cancelled)", text, StringComparison.Ordinal);
        }

        // Only the booking still on is open, and later overdue; only its client is reminded.
        var kepts = await InvoiceOf(s, kept);
        Assert.Equal(kepts["number"]!.GetValue<string>(), Numbers(await Invoices(s, "?status=open")));
        s.App.Clock.Advance(Duration.FromDays(15)); // 16 March: a day after both due dates
        Assert.Equal(kepts["number"]!.GetValue<string>(), Numbers(await Invoices(s, "?status=overdue")));
        Assert.Equal("paid", (await InvoiceOf(s, cancelled))["status"]!.GetValue<string>());
        Assert.Equal(1, await s.App.Services.GetRequiredService<InvoiceReminders>().RunOnceAsync(CancellationToken.None));
        Assert.Equal((0, 1), (RemindersFor(s, cancelled), RemindersFor(s, kept)));
    }

    [Fact]
    public async Task VisitPartPaidOnline_PartInvoiced_SaysTheRestIsInvoiced_StaffCancels_TheInvoicedPartIsNoLongerOwed_NoReminder()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s, Visit("2027-03-04T11:00:00+01:00", "cut", "advice"));
        var open = await InvoiceOf(s, booked);
        Assert.Equal(("open", 65m, 25m, 40m), (open["status"]!.GetValue<string>(), D(open["total"]), D(open["amountPaid"]), D(open["amountDue"])));
        // The manage page: the advice is invoiced, not paid at the appointment.
        var manage = WebUtility.HtmlDecode(await s.Client.GetStringAsync($"/booking/{booked["manageToken"]}"));
        Assert.Contains("Paid online: €25.00. The rest, €40.00, is invoiced.", manage, StringComparison.Ordinal);
        Assert.DoesNotContain("at the appointment", manage, StringComparison.Ordinal);
        var dutch = s.App.CreateClient();
        dutch.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        var nl = WebUtility.HtmlDecode(await dutch.GetStringAsync($"/booking/{booked["manageToken"]}"));
        Assert.Matches(@"Online betaald: €\s?25[.,]00\. De rest, €\s?40[.,]00, wordt gefactureerd\.", nl);
        Assert.DoesNotContain("bij de afspraak", nl, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/status",
            Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        // The business cancelled: nothing goes back by itself (staff decide), and the invoiced 40.00 is no longer owed.
        Assert.Empty(s.Stripe.CallsTo("POST", "/v1/refunds"));
        var settled = await InvoiceOf(s, booked);
        Assert.Equal(("paid", 25m, 0m, 40m), (settled["status"]!.GetValue<string>(), D(settled["amountPaid"]), D(settled["amountDue"]), D(settled["amountSettled"])));
        Assert.Equal(D(settled["total"]), D(settled["amountPaid"]) + D(settled["amountSettled"]));

        // Staff give the online part back: the invoice's payment stays on record, the refund has its credit note; paid = refunded + kept.
        Assert.Equal(HttpStatusCode.Created, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/refunds", Json(new JsonObject()))).StatusCode);
        var after = await InvoiceOf(s, booked);
        Assert.Equal(("paid", 25m, 0m), (after["status"]!.GetValue<string>(), D(after["amountPaid"]), D(after["amountDue"])));
        var (charged, refunded) = Ledger(s, booked);
        Assert.Equal((25m, 25m), (charged, refunded));
        Assert.Equal(0m, D((await AdminBooking(s, booked))["payment"]!["paid"]!["amount"]));

        s.App.Clock.Advance(Duration.FromDays(20)); // past the due date (15 March) and the reminder day
        Assert.Empty(await Invoices(s, "?status=overdue"));
        Assert.Equal(0, await s.App.Services.GetRequiredService<InvoiceReminders>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, RemindersFor(s, booked));
    }

    /// <summary>Staff cancel a deposit booking (its rest settled), then take the cancellation back: the rest is owed and chased again.</summary>
    [Fact]
    public async Task SettledByACancellation_ThenReopened_TheRestIsOwedAgain_AndReminded()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s, Booking("2027-03-04T10:00:00+01:00", "treatment"));
        Assert.Equal(HttpStatusCode.OK, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/status",
            Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        var settled = await InvoiceOf(s, booked);
        Assert.Equal(("paid", 0m, 75m), (settled["status"]!.GetValue<string>(), D(settled["amountDue"]), D(settled["amountSettled"])));

        // The admin page's "Reopen" (a correction the public state machine does not allow, so not in the API).
        using (var scope = s.App.Services.CreateScope())
        {
            var lifecycle = scope.ServiceProvider.GetRequiredService<BookingLifecycle>();
            Assert.IsType<WriteResult.Done>(await lifecycle.CorrectAsync(Id(booked), BookingStatus.Confirmed, new Actor("owner:Olga"), CancellationToken.None));
        }
        Assert.Equal("confirmed", (await AdminBooking(s, booked))["status"]!.GetValue<string>());
        var reopened = await InvoiceOf(s, booked);
        Assert.Equal((settled["number"]!.GetValue<string>(), "open", 25m, 75m, 0m), (reopened["number"]!.GetValue<string>(), reopened["status"]!.GetValue<string>(),
            D(reopened["amountPaid"]), D(reopened["amountDue"]), D(reopened["amountSettled"])));
        Assert.Single(await Invoices(s));
        // The write-off stays as issued and is countered by a reversal note of the same series: together they credit nothing.
        var notes = await CreditNotes(s);
        Assert.Equal([("CN-000001", "write_off", 75m, null), ("CN-000002", "write_off_reversal", -75m, "CN-000001")],
            notes.Select(n => (n!["number"]!.GetValue<string>(), n["kind"]!.GetValue<string>(), D(n["amount"]!["amount"]), n["reverses"]?["number"]?.GetValue<string>())));
        Assert.All(notes, n => Assert.Equal(settled["number"]!.GetValue<string>(), n!["invoiceNumber"]!.GetValue<string>()));
        var reversal = PdfText(await s.App.Admin().GetByteArrayAsync($"/api/v1/admin/credit-notes/{notes[1]!["id"]}/pdf"));
        Assert.Contains("Credit note number CN-000002", reversal, StringComparison.Ordinal);
        Assert.Contains("Cancels credit note CN-000001", reversal, StringComparison.Ordinal);
        Assert.Contains("Reason Booking reopened, owed again", reversal, StringComparison.Ordinal);
        Assert.Contains("Total EUR 75.00", reversal, StringComparison.Ordinal);
        Assert.Contains("EUR 75.00 of invoice " + settled["number"]!.GetValue<string>() + " is owed again", reversal, StringComparison.Ordinal);
        // The admin's invoice page lists both with their PDFs.
        var owner = WebSession.For(s.App);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        var page = await owner.GetAsync($"/admin/invoices/{settled["id"]}");
        Assert.Contains("CN-000001", page, StringComparison.Ordinal);
        Assert.Contains("Cancels credit note CN-000001", page, StringComparison.Ordinal);
        var pdfResponse = await owner.Client.GetAsync($"/admin/invoices/{settled["id"]}?handler=CreditNotePdf&note={notes[0]!["id"]}");
        Assert.Equal("application/pdf", pdfResponse.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Total EUR -75.00", PdfText(await pdfResponse.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);

        s.App.Clock.Advance(Duration.FromDays(16)); // a day past the due date (14 days after 1 March)
        Assert.Equal(1, await s.App.Services.GetRequiredService<InvoiceReminders>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(1, RemindersFor(s, booked));

        // Cancelled once more: settled again, with a new write-off of the rest (the first stays countered).
        Assert.Equal(HttpStatusCode.OK, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/status",
            Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        Assert.Equal(("paid", 75m), ((await InvoiceOf(s, booked))["status"]!.GetValue<string>(), D((await InvoiceOf(s, booked))["amountSettled"])));
        Assert.Equal(["CN-000001:write_off", "CN-000002:write_off_reversal", "CN-000003:write_off"],
            (await CreditNotes(s)).Select(n => n!["number"]!.GetValue<string>() + ":" + n["kind"]!.GetValue<string>()));
    }

    private static async Task<JsonArray> CreditNotes(Setup s) =>
        (await s.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/credit-notes"))!["items"]!.AsArray();

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    /// <summary>
    /// The client cancels a deposit booking early: the unpaid rest gets exactly one write-off credit note (however often the
    /// cancellation is repeated, by the client or staff), numbered before the refund's note in the same series, printed and mailed.
    /// </summary>
    [Fact]
    public async Task CancelledWithDepositPaid_OneWriteOffOfExactlyTheRest_HoweverOftenCancelled_PdfAndMail()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s, Booking("2027-03-04T10:00:00+01:00", "treatment"));
        var invoice = await InvoiceOf(s, booked);
        for (var i = 0; i < 3; i++)
        {
            await s.Client.PostAsync($"/api/v1/bookings/{booked["manageToken"]}/cancel", null);
            await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/status", Json(new JsonObject { ["status"] = "cancelled" }));
        }
        var notes = await CreditNotes(s);
        Assert.Equal([("CN-000001", "write_off", 75m), ("CN-000002", "refund", 25m)],
            notes.Select(n => (n!["number"]!.GetValue<string>(), n["kind"]!.GetValue<string>(), D(n["amount"]!["amount"]))));
        Assert.Null(notes[0]!["refundId"]);
        Assert.Equal("not_owed", notes[0]!["reason"]!.GetValue<string>());
        Assert.Equal(invoice["number"]!.GetValue<string>(), notes[0]!["invoiceNumber"]!.GetValue<string>());
        var settled = await InvoiceOf(s, booked);
        Assert.Equal(D(settled["amountSettled"]), D(notes[0]!["amount"]!["amount"]));

        var text = PdfText(await s.App.Admin().GetByteArrayAsync($"/api/v1/admin/credit-notes/{notes[0]!["id"]}/pdf"));
        Assert.Contains("Credit note number CN-000001", text, StringComparison.Ordinal);
        Assert.Contains("Corrects invoice " + invoice["number"]!.GetValue<string>(), text, StringComparison.Ordinal);
        Assert.Contains("Reason Booking cancelled, not owed", text, StringComparison.Ordinal);
        Assert.Contains("Total EUR -75.00", text, StringComparison.Ordinal);
        Assert.Contains("EUR 75.00 of invoice " + invoice["number"]!.GetValue<string>() + " is no longer owed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("refunded", text, StringComparison.Ordinal);
        // Mailed like a refund's note (a mail server is configured): one message per note, the write-off's saying why.
        var bookingId = Id(booked);
        Assert.Equal(2, s.App.WithDb(db => db.Outbox.Count(m => m.Kind == CreditNoteMail.Kind && m.BookingId == bookingId)));
        static bool WriteOffMail(MimeKit.MimeMessage m) => m.Subject == "Credit note CN-000001 from Test Salon";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!s.Mail.Messages().Any(WriteOffMail) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var mail = Assert.Single(s.Mail.Messages(), WriteOffMail);
        Assert.Contains("Your booking was cancelled, so the EUR 75.00 still open on invoice " + invoice["number"]!.GetValue<string>() + " is no longer owed",
            mail.TextBody, StringComparison.Ordinal);
        Assert.Contains(mail.Attachments.OfType<MimeKit.MimePart>(), p => p.FileName == "credit-note-CN-000001.pdf");
    }

    /// <summary>A visit's online part paid, its other part (another VAT rate) invoiced: the write-off credits that part only, at its own rate.</summary>
    [Fact]
    public async Task VisitWithPartsAtTwoRates_TheWriteOffCreditsTheUnpaidPartAtItsOwnRate()
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s, Visit("2027-03-04T11:00:00+01:00", "cut", "massage"));
        var open = await InvoiceOf(s, booked);
        Assert.Equal((55m, 25m), (D(open["total"]), D(open["amountPaid"])));
        Assert.Equal(HttpStatusCode.OK, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/status",
            Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        var note = Assert.Single(await CreditNotes(s));
        Assert.Equal(("write_off", 30m), (note!["kind"]!.GetValue<string>(), D(note["amount"]!["amount"])));
        var text = PdfText(await s.App.Admin().GetByteArrayAsync($"/api/v1/admin/credit-notes/{note["id"]}/pdf"));
        // 30.00 at 9 % included: 27.52 net and 2.48 VAT; the cut (21 %) was paid online and is not credited.
        Assert.Contains("VAT 9% on EUR -27.52 EUR -2.48", text, StringComparison.Ordinal);
        Assert.Contains("Total EUR -30.00", text, StringComparison.Ordinal);
        Assert.DoesNotContain("21%", text, StringComparison.Ordinal);
        Assert.Contains("Massage", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Deposits in yen (no decimals) and dinar (three): the rest written off in the currency's units, its VAT what the line charged less what
    /// the paid deposit includes (10 000 JPY includes 909, the 3 333 paid 303: 606 written off; 12.345 BHD includes 1.122, the 5.000 paid 0.455: 0.667).
    /// </summary>
    [Theory]
    [InlineData("tea", "JPY", "JPY -6,667", "VAT 10% on JPY -6,061 JPY -606")]
    [InlineData("pearl", "BHD", "BHD -7.345", "VAT 10% on BHD -6.678 BHD -0.667")]
    public async Task WriteOff_InACurrencyOfZeroOrThreeDecimals_RoundsToItsUnits(string service, string currency, string total, string vat)
    {
        await using var s = await StartAsync();
        var booked = await BookAndPay(s, Booking("2027-03-04T10:00:00+01:00", service));
        Assert.Equal(HttpStatusCode.OK, (await s.App.Admin().PostAsync($"/api/v1/admin/bookings/{Id(booked)}/status",
            Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        var note = Assert.Single(await CreditNotes(s));
        Assert.Equal(currency, note!["amount"]!["currency"]!.GetValue<string>());
        Assert.Equal(D((await InvoiceOf(s, booked))["amountSettled"]), D(note["amount"]!["amount"]));
        var text = PdfText(await s.App.Admin().GetByteArrayAsync($"/api/v1/admin/credit-notes/{note["id"]}/pdf"));
        Assert.Contains("Total " + total, text, StringComparison.Ordinal);
        Assert.Contains(vat, text, StringComparison.Ordinal);
    }

    /// <summary>Write-offs (staff cancelling) and refunds (staff giving deposits back) at once: one series, gapless and unique.</summary>
    [Fact]
    public async Task WriteOffsAndRefundsAtOnce_NumbersStayGaplessAndUnique()
    {
        await using var s = await StartAsync();
        var booked = new List<JsonObject>();
        foreach (var day in new[] { "03", "04" })
        {
            for (var hour = 9; hour < 15; hour++)
            {
                booked.Add(await BookAndPay(s, Booking($"2027-03-{day}T{hour:00}:00:00+01:00", "treatment", email: $"c{day}{hour}@example.com")));
            }
        }
        var admin = s.App.Admin();
        var results = await Task.WhenAll(booked.Select((b, i) => i % 2 == 0
            ? admin.PostAsync($"/api/v1/admin/bookings/{Id(b)}/status", Json(new JsonObject { ["status"] = "cancelled" }))
            : admin.PostAsync($"/api/v1/admin/bookings/{Id(b)}/refunds", Json(new JsonObject()))));
        Assert.All(results, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        var notes = s.App.WithDb(db => db.Set<CreditNote>().OrderBy(c => c.Sequence).ToList());
        Assert.Equal(Enumerable.Range(1, 12).Select(n => $"CN-{n:000000}"), notes.Select(n => n.Number));
        Assert.Equal(Enumerable.Range(1, 12).Select(n => (long)n), notes.Select(n => n.Sequence));
        Assert.Equal(6, notes.Count(n => n.Kind == CreditNoteKind.WriteOff && n.Amount == 75m && n.RefundId is null));
        Assert.Equal(6, notes.Count(n => n.Kind == CreditNoteKind.Refund && n.Amount == 25m && n.RefundId is not null));
        Assert.Equal(12, notes.Select(n => n.BookingId).Distinct().Count());
    }

    [Fact]
    public async Task InvoiceKeptOpenForALateCancellation_IsNeverChasedByAReminder_WhileTheBookingStillOnIs()
    {
        await using var s = await StartAsync();
        // Six hours ahead: the client cancels too late for the free cancellation, so the invoice stays open for the business to settle.
        var late = await BookAsync(s, Booking("2027-03-01T14:00:00+01:00", "advice"));
        var on = await BookAsync(s, Booking("2027-03-02T10:00:00+01:00", "advice", email: "grace@example.com"));
        Assert.Equal(HttpStatusCode.OK, (await s.Client.PostAsync($"/api/v1/bookings/{late["manageToken"]}/cancel", null)).StatusCode);
        Assert.Equal("open", (await InvoiceOf(s, late))["status"]!.GetValue<string>());

        s.App.Clock.Advance(Duration.FromDays(15)); // 16 March: a day after both due dates
        Assert.Equal(1, await s.App.Services.GetRequiredService<InvoiceReminders>().RunOnceAsync(CancellationToken.None));
        Assert.Equal((0, 1), (RemindersFor(s, late), RemindersFor(s, on)));
    }
}

public sealed class SqliteCancelledInvoiceTests : CancelledInvoiceTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresCancelledInvoiceTests : CancelledInvoiceTests
{
    protected override Db Kind => Db.Postgres;
}
