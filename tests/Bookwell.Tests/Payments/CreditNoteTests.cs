using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Features.Invoices;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Infrastructure;
using MimeKit;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// A refund's credit note as a document: its own PDF (the corrected invoice named, the amounts negative, its own CN-
/// series) at the admin API and mailed to the client through the outbox with the PDF attached. Both databases;
/// the PDF is read back with PdfPig, the mail taken from a real SMTP server on loopback.
/// </summary>
public abstract class CreditNoteTests
{
    protected abstract Db Kind { get; }

    private const string Webhook = "/api/v1/payments/stripe/webhook";

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Fact]
    public async Task PartialThenFullRefund_EachCreditNoteHasItsPdf_AndIsMailedWithIt()
    {
        using var sink = SmtpSink.Start();
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl;
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
        });
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        var colour = doc["pages"]![0]!["services"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == "colour")!.AsObject();
        colour["taxRatePercent"] = 21m;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);

        // Colour, 80.00 paid through Checkout: its receipt is invoice 000001.
        var client = app.CreateClient();
        var booked = await Body(await Book(client, Booking("2027-03-03T10:00:00+01:00", service: "colour")));
        var bookingId = booked["id"]!.GetValue<string>();
        var session = stripe.SessionFor(Guid.Parse(bookingId))!["id"]!.GetValue<string>();
        var body = StripeStandIn.Event("evt_" + session, "checkout.session.completed", stripe.Pay(session));
        using (var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
        var admin = app.Admin();
        Task<HttpResponseMessage> Refund(decimal? amount) => admin.PostAsync($"/api/v1/admin/bookings/{bookingId}/refunds",
            Json(amount is { } a ? new JsonObject { ["amount"] = new JsonObject { ["amount"] = a, ["currency"] = "EUR" } } : new JsonObject()));
        Assert.Equal(HttpStatusCode.Created, (await Refund(30m)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Refund(null)).StatusCode);

        var notes = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/credit-notes"))!["items"]!.AsArray();
        Assert.Equal(["CN-000001", "CN-000002"], notes.Select(n => n!["number"]!.GetValue<string>()));
        Assert.All(notes, n => Assert.Equal("000001", n!["invoiceNumber"]!.GetValue<string>()));

        // 30.00 at 21 % included: 24.79 net and 5.21 VAT, all negative.
        var first = PdfText(await admin.GetByteArrayAsync($"/api/v1/admin/credit-notes/{notes[0]!["id"]}/pdf"));
        Assert.Contains("Credit note", first, StringComparison.Ordinal);
        Assert.Contains("Credit note number CN-000001", first, StringComparison.Ordinal);
        Assert.Contains("Corrects invoice 000001", first, StringComparison.Ordinal);
        Assert.Contains("Reason Refund", first, StringComparison.Ordinal);
        Assert.Contains("Ada Lovelace", first, StringComparison.Ordinal);
        Assert.Contains("Subtotal excluding VAT EUR -24.79", first, StringComparison.Ordinal);
        Assert.Contains("VAT 21% on EUR -24.79 EUR -5.21", first, StringComparison.Ordinal);
        Assert.Contains("Total EUR -30.00", first, StringComparison.Ordinal);
        Assert.Contains("EUR 30.00 has been refunded", first, StringComparison.Ordinal);
        Assert.DoesNotContain("EUR -80.00", first, StringComparison.Ordinal);
        // The rest, 50.00: the VAT the invoice charged (80.00 includes 13.88) less the 5.21 already credited, 8.67 (not the
        // 8.68 that 50.00 alone includes: the two notes would credit 13.89), and 41.33 net.
        var second = PdfText(await admin.GetByteArrayAsync($"/api/v1/admin/credit-notes/{notes[1]!["id"]}/pdf"));
        Assert.Contains("CN-000002", second, StringComparison.Ordinal);
        Assert.Contains("VAT 21% on EUR -41.33 EUR -8.67", second, StringComparison.Ordinal);
        Assert.Contains("Total EUR -50.00", second, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/admin/credit-notes/{Guid.NewGuid()}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/admin/credit-notes/nope/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/v1/admin/credit-notes/{notes[0]!["id"]}/pdf")).StatusCode);

        // The two credit notes reach the client (after the booking's mails and the receipt); each carries its own PDF.
        static bool CreditNoteMail(MimeMessage m) => m.Subject?.StartsWith("Credit note", StringComparison.Ordinal) == true;
        for (var i = 0; i < 400 && sink.Messages().Count(CreditNoteMail) < 2; i++)
        {
            await Task.Delay(50);
        }
        var mails = sink.Messages();
        Assert.Equal(2, mails.Count(CreditNoteMail));
        foreach (var (number, total) in new[] { ("CN-000001", "EUR -30.00"), ("CN-000002", "EUR -50.00") })
        {
            var mail = Assert.Single(mails, m => m.Subject == $"Credit note {number} from Test Salon");
            Assert.Equal("ada@example.com", mail.To.Mailboxes.Single().Address);
            Assert.Contains("corrects invoice 000001", mail.TextBody, StringComparison.Ordinal);
            var pdf = Assert.Single(mail.Attachments.OfType<MimePart>(), p => p.ContentType.MimeType == "application/pdf");
            Assert.Equal($"credit-note-{number}.pdf", pdf.FileName);
            using var stream = new MemoryStream();
            pdf.Content!.DecodeTo(stream);
            var text = PdfText(stream.ToArray());
            Assert.Contains($"Credit note number {number}", text, StringComparison.Ordinal);
            Assert.Contains($"Total {total}", text, StringComparison.Ordinal);
        }
    }
}

public sealed class SqliteCreditNoteTests : CreditNoteTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresCreditNoteTests : CreditNoteTests
{
    protected override Db Kind => Db.Postgres;
}

/// <summary>The credit note's lines and its Dutch PDF, without a database: the spread always adds up to the refund.</summary>
public sealed class CreditNoteDocumentTests
{
    private static InvoiceLine Line(string description, decimal total, decimal tax, decimal rate) =>
        new() { Description = description, Quantity = 1m, UnitPrice = total, TaxRate = rate, Total = total, Tax = tax };

    [Fact]
    public void Spread_OverLinesOfDifferentRates_AddsUpToTheRefund_Negative()
    {
        var random = new Random(13);
        for (var i = 0; i < 500; i++)
        {
            var lines = Enumerable.Range(0, random.Next(1, 5)).Select(n =>
            {
                var rate = new[] { 0m, 9m, 21m }[random.Next(3)];
                var (total, tax) = InvoiceMoney.Line(1m, random.Next(1, 20000) / 100m, rate, "EUR");
                return Line($"Line {n}", total, tax, rate);
            }).ToList();
            var gross = lines.Sum(l => l.Total);
            var amount = random.Next(1, (int)(gross * 100) + 1) / 100m;
            var spread = CreditNoteDocument.Spread(amount, "EUR", lines);
            Assert.Equal(-amount, spread.Sum(l => l.Total));
            Assert.All(spread, l => Assert.Equal(InvoiceMoney.Round(l.Total, "EUR"), l.Total));
            if (amount == gross)
            {
                // A full refund turns every line and its VAT exactly.
                Assert.Equal(lines.Select(l => (-l.Total, -l.Tax)), spread.Select(l => (l.Total, l.Tax)));
            }
        }
    }

    [Fact]
    public void DutchPdf_NamesTheCorrectedInvoice()
    {
        var note = new CreditNote
        {
            Id = Guid.NewGuid(),
            Number = "CN-000007",
            InvoiceNumber = "INV-2027-000012",
            Amount = 109m,
            Currency = "EUR",
            CustomerName = "Piet Jansen",
            CustomerEmail = "piet@example.com",
            Reason = RefundReason.Cancellation,
            IssuedOn = new LocalDate(2027, 3, 4),
        };
        var lines = CreditNoteDocument.Spread(109m, "EUR", [Line("Knippen", 109m, 9m, 9m)]);
        var text = PdfText(CreditNotePdf.Render(new CreditNoteDocument(note, "nl", "Kapsalon Jansen", "Jansen B.V.", "Dorpsstraat 1", "NL123456789B01", null,
            null, new LocalDate(2027, 3, 1), lines)));
        Assert.Contains("Creditnota", text, StringComparison.Ordinal);
        Assert.Contains("Creditnotanummer CN-000007", text, StringComparison.Ordinal);
        Assert.Contains("Correctie op factuur INV-2027-000012", text, StringComparison.Ordinal);
        Assert.Contains("Reden Annulering", text, StringComparison.Ordinal);
        Assert.Contains("Btw 9% over EUR -100,00 EUR -9,00", text, StringComparison.Ordinal);
        Assert.Contains("Totaal EUR -109,00", text, StringComparison.Ordinal);
        Assert.Contains("Jansen B.V.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DutchWriteOffPdf_SaysTheRestIsNotOwed_ItsVatWhatTheLineChargedLessWhatThePaidPartIncludes()
    {
        var note = new CreditNote
        {
            Id = Guid.NewGuid(),
            Number = "CN-000008",
            InvoiceNumber = "INV-2027-000013",
            Kind = CreditNoteKind.WriteOff,
            Amount = 75m,
            Currency = "EUR",
            CustomerName = "Piet Jansen",
            CustomerEmail = "piet@example.com",
            Reason = RefundReason.NotOwed,
            IssuedOn = new LocalDate(2027, 3, 4),
        };
        // 100.00 at 21 % includes 17.36; the 25.00 paid includes 4.34, so 13.02 of VAT is written off with the 75.00.
        var lines = CreditNoteDocument.Spread([25m], 75m, "EUR", [Line("Behandeling", 100m, 17.36m, 21m)]);
        var text = PdfText(CreditNotePdf.Render(new CreditNoteDocument(note, "nl", "Kapsalon Jansen", null, "Dorpsstraat 1", null, null, null,
            new LocalDate(2027, 3, 1), lines)));
        Assert.Contains("Reden Geannuleerd, niet verschuldigd", text, StringComparison.Ordinal);
        Assert.Contains("Btw 21% over EUR -61,98 EUR -13,02", text, StringComparison.Ordinal);
        Assert.Contains("Totaal EUR -75,00", text, StringComparison.Ordinal);
        Assert.Contains("EUR 75,00 van factuur INV-2027-000013 is niet meer verschuldigd", text, StringComparison.Ordinal);
        Assert.DoesNotContain("teruggestort", text, StringComparison.Ordinal);
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}
