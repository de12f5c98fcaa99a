using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Bookwell.Tests.Webhooks;
using MimeKit;
using NodaTime;
using NodaTime.Text;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// An issued invoice is never rewritten. A pay-later booking moved to another time has its unpaid invoice voided (number
/// kept) and a new one issued for the new time, naming the one it replaces, keeping its due date, mailed to the client
/// with its PDF; a paid or part-paid invoice stays as issued. Every void (replaced, cancelled, by hand) is announced as
/// <c>invoice.voided</c> to a real webhook receiver on loopback. One app, mail sink and receiver per class; both databases.
/// </summary>
public abstract class InvoiceCorrectionTests : IAsyncLifetime
{
    protected abstract Db Kind { get; }

    private SmtpSink _sink = null!;
    private WebhookReceiver _receiver = null!;
    private BookwellApp _app = null!;

    public async Task InitializeAsync()
    {
        _sink = SmtpSink.Start();
        _receiver = await WebhookReceiver.StartAsync();
        _app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = _sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Webhooks:AllowPrivateAddresses"] = "true";
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["settings"]!["invoicing"] = JsonNode.Parse("""{ "dueDays": 14 }""");
        doc["pages"]![0]!["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 60, "price": { "amount": 80.00, "currency": "EUR" }, "payment": "invoice",
              "requiresStaff": false, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        var put = await PutConfig(_app.Admin(), doc);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var hooks = new JsonObject
        {
            ["endpoints"] = new JsonArray(new JsonObject
            {
                ["url"] = _receiver.Url(),
                ["events"] = new JsonArray("invoice.issued", "invoice.voided"),
                ["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4hG5zBOHRGU=",
            }),
        };
        Assert.Equal(HttpStatusCode.OK, (await _app.Admin().PutAsync("/api/v1/admin/webhooks", Json(hooks))).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        _sink.Dispose();
    }

    private async Task<(JsonNode Booking, JsonNode Invoice)> BookAsync(string start)
    {
        var created = await Book(_app.CreateClient(), Booking(start, "advice"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var booking = await Body(created);
        Assert.Equal("confirmed", booking["status"]!.GetValue<string>());
        return (booking, Assert.Single(await InvoicesOfAsync(booking)));
    }

    private async Task<List<JsonNode>> InvoicesOfAsync(JsonNode booking)
    {
        var response = await _app.Admin().GetAsync("/api/v1/admin/invoices");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await Body(response))["items"]!.AsArray().Where(i => i!["bookingId"]?.GetValue<string>() == booking["id"]!.GetValue<string>())
            .Select(i => i!).OrderBy(i => i["number"]!.GetValue<string>(), StringComparer.Ordinal)];
    }

    private async Task MoveAsync(JsonNode booking, string start)
    {
        var moved = await _app.CreateClient().PostAsync($"/api/v1/bookings/{booking["manageToken"]}/reschedule", Json(new JsonObject { ["start"] = start }));
        Assert.True(moved.StatusCode == HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
    }

    /// <summary>The receiver's deliveries of an event about an invoice number, waiting up to 20 s for <paramref name="count"/> of them.</summary>
    private async Task<List<JsonObject>> HooksAsync(string type, string number, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var found = _receiver.Received.Select(h => JsonNode.Parse(h.Body)!.AsObject())
                .Where(h => h["type"]!.GetValue<string>() == type && h["data"]!["invoice"]!["number"]!.GetValue<string>() == number).ToList();
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }
            await Task.Delay(25);
        }
    }

    private async Task<MimeMessage?> MailAsync(string subjectStart)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_sink.Messages().FirstOrDefault(m => m.Subject!.StartsWith(subjectStart, StringComparison.Ordinal)) is { } mail)
            {
                return mail;
            }
            if (DateTime.UtcNow > deadline)
            {
                return null;
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task MovedPayLaterBooking_ItsUnpaidInvoiceIsVoided_AndReplacedByOneForTheNewTime_MailedWithItsPdf_AndAnnounced()
    {
        var (booking, issued) = await BookAsync("2027-03-03T12:00:00+01:00");
        var number = issued["number"]!.GetValue<string>();
        Assert.Equal("Advice, 3 Mar 2027 12:00", Assert.Single(issued["lines"]!.AsArray())!["description"]!.GetValue<string>());

        // A day later the client moves it to Thursday 11:00.
        _app.Clock.Advance(Duration.FromDays(1));
        await MoveAsync(booking, "2027-03-04T11:00:00+01:00");

        var invoices = await InvoicesOfAsync(booking);
        Assert.Equal(2, invoices.Count);
        var (old, replacement) = (invoices[0], invoices[1]);
        // The issued invoice is not rewritten: same number, same line, now void.
        Assert.Equal((number, "void"), (old["number"]!.GetValue<string>(), old["status"]!.GetValue<string>()));
        Assert.Equal("Advice, 3 Mar 2027 12:00", Assert.Single(old["lines"]!.AsArray())!["description"]!.GetValue<string>());
        Assert.Null(old["replaces"]?.GetValue<string>());
        // Its replacement: the next number, open, the new time on its line, the same amounts, naming the void one; issued today
        // with the old due date (moving the appointment does not buy time to pay).
        Assert.Equal(long.Parse(number, CultureInfo.InvariantCulture) + 1, long.Parse(replacement["number"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal("open", replacement["status"]!.GetValue<string>());
        Assert.Equal(number, replacement["replaces"]!.GetValue<string>());
        var line = Assert.Single(replacement["lines"]!.AsArray())!;
        Assert.Equal(("Advice, 4 Mar 2027 11:00", 80m, 80m), (line["description"]!.GetValue<string>(), line["unitPrice"]!.GetValue<decimal>(), line["total"]!.GetValue<decimal>()));
        Assert.Equal((80m, 0m), (replacement["total"]!.GetValue<decimal>(), replacement["amountPaid"]!.GetValue<decimal>()));
        Assert.Equal(LocalDatePattern.Iso.Parse(issued["issuedOn"]!.GetValue<string>()).Value.PlusDays(1), LocalDatePattern.Iso.Parse(replacement["issuedOn"]!.GetValue<string>()).Value);
        Assert.Equal(issued["dueOn"]!.GetValue<string>(), replacement["dueOn"]!.GetValue<string>());

        // The client gets the new invoice, saying which one it replaces, with its PDF.
        var newNumber = replacement["number"]!.GetValue<string>();
        var mail = await MailAsync($"Invoice {newNumber} ");
        Assert.NotNull(mail);
        Assert.Equal("ada@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Contains($"invoice {number} is void", mail.TextBody, StringComparison.Ordinal);
        var pdf = Assert.Single(mail.Attachments.OfType<MimePart>(), p => p.ContentType.MimeType == "application/pdf");
        using var stream = new MemoryStream();
        await pdf.Content!.DecodeToAsync(stream);
        var text = PdfText(stream.ToArray());
        Assert.Contains(newNumber, text, StringComparison.Ordinal);
        Assert.Contains("Replaces invoice", text, StringComparison.Ordinal);
        Assert.Contains(number, text, StringComparison.Ordinal);
        Assert.Contains("4 Mar 2027 11:00", text, StringComparison.Ordinal);
        Assert.DoesNotContain("3 Mar 2027 12:00", text, StringComparison.Ordinal);

        // Receivers hear of both: the old one voided, the new one issued.
        var voided = Assert.Single(await HooksAsync("invoice.voided", number));
        Assert.Equal(("void", booking["id"]!.GetValue<string>()), (voided["data"]!["invoice"]!["status"]!.GetValue<string>(),
            voided["data"]!["booking"]!["id"]!.GetValue<string>()));
        Assert.Single(await HooksAsync("invoice.issued", newNumber));

        // Moved again: the replacement is replaced in turn; one invoice of the booking is ever live.
        await MoveAsync(booking, "2027-03-04T14:00:00+01:00");
        invoices = await InvoicesOfAsync(booking);
        Assert.Equal(new[] { "void", "void", "open" }, invoices.Select(i => i["status"]!.GetValue<string>()));
        Assert.Equal((newNumber, "Advice, 4 Mar 2027 14:00"), (invoices[2]["replaces"]!.GetValue<string>(),
            Assert.Single(invoices[2]["lines"]!.AsArray())!["description"]!.GetValue<string>()));
    }

    [Fact]
    public async Task MovedBooking_PaidOrPartPaidInvoice_StaysAsIssued_NothingVoided()
    {
        var (paidBooking, paid) = await BookAsync("2027-03-08T09:00:00+01:00");
        var (partBooking, part) = await BookAsync("2027-03-08T10:00:00+01:00");
        async Task PayAsync(JsonNode invoice, decimal amount)
        {
            var response = await _app.Admin().PostAsync($"/api/v1/admin/invoices/{invoice["id"]}/payments", Json(new JsonObject
            {
                ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "EUR" },
                ["method"] = "bank_transfer",
                ["note"] = "",
            }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await PayAsync(paid, 80m);
        await PayAsync(part, 30m);

        await MoveAsync(paidBooking, "2027-03-08T14:00:00+01:00");
        await MoveAsync(partBooking, "2027-03-08T15:00:00+01:00");

        var stillPaid = Assert.Single(await InvoicesOfAsync(paidBooking));
        Assert.Equal((paid["number"]!.GetValue<string>(), "paid", "Advice, 8 Mar 2027 09:00"), (stillPaid["number"]!.GetValue<string>(),
            stillPaid["status"]!.GetValue<string>(), Assert.Single(stillPaid["lines"]!.AsArray())!["description"]!.GetValue<string>()));
        var stillOpen = Assert.Single(await InvoicesOfAsync(partBooking));
        Assert.Equal((part["number"]!.GetValue<string>(), 30m, "Advice, 8 Mar 2027 10:00"), (stillOpen["number"]!.GetValue<string>(),
            stillOpen["amountPaid"]!.GetValue<decimal>(), Assert.Single(stillOpen["lines"]!.AsArray())!["description"]!.GetValue<string>()));
        Assert.DoesNotContain(_receiver.Received, h => JsonNode.Parse(h.Body)!["type"]!.GetValue<string>() == "invoice.voided" &&
            JsonNode.Parse(h.Body)!["data"]!["invoice"]!["number"]!.GetValue<string>() is var n && (n == paid["number"]!.GetValue<string>() || n == part["number"]!.GetValue<string>()));
    }

    [Fact]
    public async Task InvoiceVoidedByHand_OrByItsBookingsCancellation_IsAnnouncedAsInvoiceVoided()
    {
        var (_, byHand) = await BookAsync("2027-03-09T10:00:00+01:00");
        var (cancelled, byCancel) = await BookAsync("2027-03-09T11:00:00+01:00");

        var voided = await _app.Admin().PostAsync($"/api/v1/admin/invoices/{byHand["id"]}/void", null);
        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateClient().PostAsync($"/api/v1/bookings/{cancelled["manageToken"]}/cancel", null)).StatusCode);

        var hand = Assert.Single(await HooksAsync("invoice.voided", byHand["number"]!.GetValue<string>()));
        Assert.Equal(("void", byHand["id"]!.GetValue<string>()), (hand["data"]!["invoice"]!["status"]!.GetValue<string>(),
            hand["data"]!["invoice"]!["id"]!.GetValue<string>()));
        var cancel = Assert.Single(await HooksAsync("invoice.voided", byCancel["number"]!.GetValue<string>()));
        Assert.Equal(("void", "cancelled"), (cancel["data"]!["invoice"]!["status"]!.GetValue<string>(), cancel["data"]!["booking"]!["status"]!.GetValue<string>()));
        // Delivered as every event is: Standard Webhooks headers, one id per event.
        var delivery = _receiver.Received.First(h => JsonNode.Parse(h.Body)!["type"]!.GetValue<string>() == "invoice.voided");
        Assert.StartsWith("v1,", delivery.Signature, StringComparison.Ordinal);
        Assert.NotNull(delivery.Id);
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}

public sealed class SqliteInvoiceCorrectionTests : InvoiceCorrectionTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresInvoiceCorrectionTests : InvoiceCorrectionTests
{
    protected override Db Kind => Db.Postgres;
}
