using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// A credit note of a booking without an invoice (the money came after the time was given away, so no receipt was
/// issued) prints the seller as it stood when the money was taken: renaming the business and changing its invoicing
/// details afterwards does not change the note. Against the Stripe stand-in on loopback; both databases.
/// </summary>
public abstract class CreditNoteSellerTests
{
    protected abstract Db Kind { get; }

    private const string Start = "2027-03-03T10:00:00+01:00";
    private const string Webhook = "/api/v1/payments/stripe/webhook";

    private static JsonObject WithSeller(string name, string legal, string address, string vat)
    {
        var doc = Config();
        var page = doc["pages"]![0]!.AsObject();
        page["name"] = name;
        page["settings"]!["invoicing"] = new JsonObject { ["legalName"] = legal, ["address"] = address, ["vatNumber"] = vat };
        return doc;
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Fact]
    public async Task NoteWithoutInvoice_PrintsTheSellerAsAtPayment_NotTheChangedPage()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var admin = app.Admin();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithSeller("Salon Oud", "Oud Kapsalon B.V.", "Oudegracht 1, Utrecht", "NL000000001B01"))).StatusCode);

        async Task Deliver(string id, string type, JsonObject session)
        {
            var body = StripeStandIn.Event(id, type, session);
            using var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }

        // Ada's checkout expires, Grace books the time, then Ada's payment arrives after all: recorded, refund due, no receipt.
        var ada = await Body(await Book(client, Booking(Start, service: "colour")));
        var adaId = Guid.Parse(ada["id"]!.GetValue<string>());
        // (Ada pays at the last moment; the app hears of the session's expiry first, her payment's event comes late.)
        var session = stripe.SessionFor(adaId)!["id"]!.GetValue<string>();
        var paid = stripe.Pay(session);
        var expired = (JsonObject)paid.DeepClone();
        expired["status"] = "expired";
        expired["payment_status"] = "unpaid";
        expired["payment_intent"] = null;
        await Deliver("evt_expired", "checkout.session.expired", expired);
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(Start, service: "colour", email: "grace@example.com"))).StatusCode);
        await Deliver("evt_paid", "checkout.session.completed", paid);
        var booking = (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{adaId}"))!;
        Assert.True(booking["payment"]!["refundDue"]!.GetValue<bool>());
        Assert.Empty(app.WithDb(db => db.Set<Bookwell.Features.Invoices.Invoice>().Where(i => i.BookingId == adaId).ToList()));

        // The business renames itself and moves; then refunds Ada.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithSeller("Salon Nieuw", "Nieuw Kapsalon B.V.", "Nieuweweg 2, Amsterdam", "NL999999999B99"))).StatusCode);
        var refund = await admin.PostAsync($"/api/v1/admin/bookings/{adaId}/refunds", Json(new JsonObject()));
        Assert.Equal(HttpStatusCode.Created, refund.StatusCode);
        var note = (await Body(refund))["creditNote"]!;
        Assert.Null(app.WithDb(db => db.Set<Bookwell.Features.Refunds.CreditNote>().Single()).InvoiceId);

        var text = PdfText(await admin.GetByteArrayAsync($"/api/v1/admin/credit-notes/{note["id"]}/pdf"));
        Assert.Contains("Salon Oud", text, StringComparison.Ordinal);
        Assert.Contains("Oud Kapsalon B.V.", text, StringComparison.Ordinal);
        Assert.Contains("Oudegracht 1, Utrecht", text, StringComparison.Ordinal);
        Assert.Contains("NL000000001B01", text, StringComparison.Ordinal);
        Assert.Contains("Total EUR -80.00", text, StringComparison.Ordinal);
        foreach (var now in new[] { "Salon Nieuw", "Nieuw Kapsalon", "Nieuweweg", "NL999999999B99" })
        {
            Assert.DoesNotContain(now, text, StringComparison.Ordinal);
        }
    }
}

public sealed class SqliteCreditNoteSellerTests : CreditNoteSellerTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresCreditNoteSellerTests : CreditNoteSellerTests
{
    protected override Db Kind => Db.Postgres;
}
