using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// <c>settings.invoicing</c>, tax per service, tax-exclusive prices, yearly numbering and voiding, on both databases:
/// what the business sets is validated, round-trips, and is copied onto each invoice as it is issued. One app per class and
/// database, each test on a business of its own (numbering is per business; see <see cref="SharedApp"/>).
/// </summary>
public abstract class InvoicingSettingsTests(SharedApp shared)
{
    private const string Iban = "NL91ABNA0417164300";

    private static JsonObject InvoicingConfig(string? invoicing, decimal? adviceRate = null)
    {
        var doc = Config();
        var page = doc["pages"]![0]!;
        page["settings"]!["notifyStaff"] = false;
        if (invoicing is not null)
        {
            page["settings"]!["invoicing"] = JsonNode.Parse(invoicing);
        }
        var advice = JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 60, "price": { "amount": 80.00, "currency": "EUR" }, "payment": "invoice",
              "requiresStaff": false, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """)!;
        if (adviceRate is { } rate)
        {
            advice["taxRatePercent"] = rate;
        }
        page["services"]!.AsArray().Add(advice);
        return doc;
    }

    private const string Seller = """
        { "legalName": "Salon Lovelace B.V.", "address": "Keizersgracht 1, 1015 AA Amsterdam", "vatNumber": "NL123456789B01",
          "registrationNumber": "12345678", "bankAccount": "NL91 ABNA 0417 1643 00", "pricesIncludeTax": false, "dueDays": 30,
          "numberPrefix": "INV-", "footer": "Thank you for your visit." }
        """;

    /// <summary>A business of its own on the class's app with <paramref name="config"/>; the clock at <paramref name="now"/> or the suite's "now".</summary>
    private async Task<TenantSpace> StartAsync(JsonObject config, Instant? now = null)
    {
        var app = await shared.NewBusinessAsync();
        if (now is { } at)
        {
            app.Clock.Reset(at);
        }
        var put = await PutConfig(app.Admin(), config);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        return app;
    }

    private static async Task<JsonArray> Invoices(HttpClient admin) =>
        (await Body(await admin.GetAsync("/api/v1/admin/invoices")))["items"]!.AsArray();

    private static async Task<string[]> ErrorKeys(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return [.. (await Body(response))["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal)];
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Fact]
    public async Task Settings_RoundTrip_AndAreValidatedFieldByField()
    {
        var app = await StartAsync(InvoicingConfig(Seller, adviceRate: 9m));
        var admin = app.Admin();
        var stored = (await Body(await admin.GetAsync("/api/v1/admin/config")))["pages"]![0]!;
        var invoicing = stored["settings"]!["invoicing"]!;
        Assert.Equal("Salon Lovelace B.V.", invoicing["legalName"]!.GetValue<string>());
        Assert.Equal("NL91 ABNA 0417 1643 00", invoicing["bankAccount"]!.GetValue<string>());
        Assert.False(invoicing["pricesIncludeTax"]!.GetValue<bool>());
        Assert.Equal(30, invoicing["dueDays"]!.GetValue<int>());
        Assert.Equal("INV-", invoicing["numberPrefix"]!.GetValue<string>());
        Assert.Equal(9m, stored["services"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == "advice")!["taxRatePercent"]!.GetValue<decimal>());
        // What GET gave back is accepted as it is (round trip).
        var again = (await Body(await admin.GetAsync("/api/v1/admin/config")));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, again)).StatusCode);

        var bad = InvoicingConfig("""
            { "legalName": "", "vatNumber": "NL<script>", "bankAccount": "NL92 ABNA 0417 1643 00", "dueDays": 400,
              "numberPrefix": "INV {yyyy}{yyyy}", "footer": null }
            """, adviceRate: 101m);
        var second = Config()["pages"]![0]!.DeepClone().AsObject();
        second["slug"] = "second";
        second["settings"]!["invoicing"] = JsonNode.Parse("""{ "numberPrefix": "OTHER-" }""");
        bad["pages"]!.AsArray().Add(second);
        Assert.Equal(new[]
        {
            "pages[0].services[4].taxRatePercent",
            "pages[0].settings.invoicing.bankAccount",
            "pages[0].settings.invoicing.dueDays",
            "pages[0].settings.invoicing.legalName",
            "pages[0].settings.invoicing.numberPrefix",
            "pages[0].settings.invoicing.vatNumber",
            "pages[1].settings.invoicing.numberPrefix",
        }, await ErrorKeys(await PutConfig(admin, bad)));

        // The second page may repeat the first page's prefix (numbering is per business).
        var same = InvoicingConfig("""{ "numberPrefix": "INV-" }""");
        var copy = Config()["pages"]![0]!.DeepClone().AsObject();
        copy["slug"] = "second";
        copy["settings"]!["invoicing"] = JsonNode.Parse("""{ "numberPrefix": "INV-", "pricesIncludeTax": true }""");
        same["pages"]!.AsArray().Add(copy);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, same)).StatusCode);
        // An invoicing block without pricesIncludeTax gets it filled in (true: today's behaviour).
        var defaults = (await Body(await admin.GetAsync("/api/v1/admin/config")))["pages"]![0]!["settings"]!["invoicing"]!;
        Assert.True(defaults["pricesIncludeTax"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Money_HasTheCurrencysOwnMinorUnits()
    {
        var app = await StartAsync(InvoicingConfig(null));
        var admin = app.Admin();
        JsonObject With(decimal amount, string currency)
        {
            var doc = InvoicingConfig(null);
            doc["pages"]![0]!["services"]![0]!["price"] = new JsonObject { ["amount"] = amount, ["currency"] = currency };
            return doc;
        }
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, With(2500m, "JPY"))).StatusCode);
        Assert.Equal(["pages[0].services[0].price.amount"], await ErrorKeys(await PutConfig(admin, With(2500.5m, "JPY"))));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, With(12.125m, "BHD"))).StatusCode);
        Assert.Equal(["pages[0].services[0].price.amount"], await ErrorKeys(await PutConfig(admin, With(12.1255m, "BHD"))));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, With(12.12m, "EUR"))).StatusCode);
        Assert.Equal(["pages[0].services[0].price.amount"], await ErrorKeys(await PutConfig(admin, With(12.125m, "EUR"))));
    }

    [Fact]
    public async Task ExclusivePrices_ServiceRate_SellerDetailsCopied_PdfShowsVatPerRate_AndNeverChangesAfterwards()
    {
        var app = await StartAsync(InvoicingConfig(Seller, adviceRate: 9m));
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"))).StatusCode);
        var invoice = Assert.Single(await Invoices(admin))!;
        Assert.Equal("INV-000001", invoice["number"]!.GetValue<string>());
        Assert.Equal("2027-03-31", invoice["dueOn"]!.GetValue<string>());
        // 80.00 net at 9 %: 7.20 VAT on top.
        Assert.Equal(87.20m, invoice["total"]!.GetValue<decimal>());
        Assert.Equal(7.20m, invoice["taxTotal"]!.GetValue<decimal>());
        Assert.Equal(9m, invoice["lines"]![0]!["taxRate"]!.GetValue<decimal>());
        var row = app.WithDb(db => db.Set<Invoice>().Single());
        Assert.Equal(("Salon Lovelace B.V.", "NL123456789B01", "12345678", Iban, true, "Keizersgracht 1, 1015 AA Amsterdam"),
            (row.LegalName, row.VatNumber, row.RegistrationNumber, row.BankAccount, row.PricesExcludeTax, row.BusinessAddress));

        var id = invoice["id"]!.GetValue<string>();
        var text = PdfText(await admin.GetByteArrayAsync($"/api/v1/admin/invoices/{id}/pdf"));
        Assert.Contains("Salon Lovelace B.V.", text, StringComparison.Ordinal);
        Assert.Contains("VAT number: NL123456789B01", text, StringComparison.Ordinal);
        Assert.Contains("Registration number: 12345678", text, StringComparison.Ordinal);
        Assert.Contains("IBAN: NL91 ABNA 0417 1643 00", text, StringComparison.Ordinal);
        Assert.Contains("VAT 9% on EUR 80.00 EUR 7.20", text, StringComparison.Ordinal);
        Assert.Contains("Total EUR 87.20", text, StringComparison.Ordinal);
        Assert.Contains("Prices exclude VAT", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Prices include VAT", text, StringComparison.Ordinal);
        Assert.Contains("Thank you for your visit.", text, StringComparison.Ordinal);
        Assert.Contains("INV-000001", text, StringComparison.Ordinal);

        // The business changes its details and prices: the issued invoice stays as it was.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, InvoicingConfig(Seller.Replace("Salon Lovelace B.V.", "Other Name B.V.", StringComparison.Ordinal)
            .Replace("\"pricesIncludeTax\": false", "\"pricesIncludeTax\": true", StringComparison.Ordinal), adviceRate: 21m))).StatusCode);
        var after = PdfText(await admin.GetByteArrayAsync($"/api/v1/admin/invoices/{id}/pdf"));
        Assert.Contains("Salon Lovelace B.V.", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Other Name", after, StringComparison.Ordinal);
        Assert.Contains("VAT 9% on EUR 80.00 EUR 7.20", after, StringComparison.Ordinal);

        // The next booking is billed with the new details: tax-inclusive 80.00 at 21 % holds 13.88 VAT.
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00", "advice", "b@example.com"))).StatusCode);
        var next = (await Invoices(admin))[1]!;
        Assert.Equal(("INV-000002", 80m, 13.88m), (next["number"]!.GetValue<string>(), next["total"]!.GetValue<decimal>(), next["taxTotal"]!.GetValue<decimal>()));
        var nextText = PdfText(await admin.GetByteArrayAsync($"/api/v1/admin/invoices/{next["id"]}/pdf"));
        Assert.Contains("Other Name B.V.", nextText, StringComparison.Ordinal);
        Assert.Contains("Prices include VAT", nextText, StringComparison.Ordinal);
    }

    /// <summary>The desk checkout bills with the same seller details, the booked service's rate and the page's exclusive prices.</summary>
    [Fact]
    public async Task DeskCheckout_SameSellerDetails_ServiceRate_ExclusivePrices()
    {
        var config = InvoicingConfig(Seller);
        config["pages"]![0]!["services"]![0]!["taxRatePercent"] = 9m; // haircut
        var app = await StartAsync(config);
        var body = Booking("2027-03-02T10:00:00+01:00");
        body["page"] = Slug;
        var created = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await Body(created))["id"]!.GetValue<string>();
        // The client is at the desk at the start: a visit is checked out only once check-in has opened.
        app.Clock.Reset(NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse("2027-03-02T10:00:00+01:00").Value.ToInstant());
        var owner = await app.OwnerAsync("Olga", Accounts.AccountTests.Password);
        var html = await owner.GetAsync($"/admin/checkout/{id}");
        var key = System.Text.RegularExpressions.Regex.Match(html, "name=\"Key\" value=\"([0-9a-f]+)\"").Groups[1].Value;
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        var form = new Dictionary<string, string>
        {
            ["Desc[0]"] = "Haircut",
            ["Qty[0]"] = "1",
            ["Price[0]"] = "25.00",
            ["Desc[1]"] = "Shampoo",
            ["Qty[1]"] = "2",
            ["Price[1]"] = "12.50",
            ["Discount"] = "5",
            ["Method"] = "cash",
            ["Tendered"] = "",
            ["Key"] = key,
            ["site"] = Slug,
            ["__RequestVerificationToken"] = token,
        };
        var paid = await owner.Client.PostAsync($"/admin/checkout/{id}?handler=Pay", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);

        var (invoice, sale) = app.WithDb(db => (db.Set<Invoice>().AsNoTracking().Include(i => i.Lines).Single(),
            db.Set<Bookwell.Features.Checkout.DeskSale>().AsNoTracking().Single()));
        // Net 25.00 + 25.00 − 5.00 at 9 %: 2.25 + 2.25 − 0.45 VAT on top, 49.05 in all, taken in cash.
        Assert.Equal(new[] { (25.00m, 2.25m, 27.25m), (25.00m, 2.25m, 27.25m), (-5.00m, -0.45m, -5.45m) },
            invoice.Lines.OrderBy(l => l.Position).Select(l => (l.Total - l.Tax, l.Tax, l.Total)));
        Assert.All(invoice.Lines, l => Assert.Equal(9m, l.TaxRate));
        Assert.Equal((49.05m, 49.05m, 4.05m, InvoiceStatus.Paid), (invoice.Total, invoice.AmountPaid, invoice.TaxTotal, invoice.Status));
        Assert.Equal(49.05m, sale.Total);
        Assert.Equal(("Salon Lovelace B.V.", "NL123456789B01", "12345678", Iban, true, "Keizersgracht 1, 1015 AA Amsterdam", "INV-000001"),
            (invoice.LegalName, invoice.VatNumber, invoice.RegistrationNumber, invoice.BankAccount, invoice.PricesExcludeTax, invoice.BusinessAddress, invoice.Number));
    }

    [Fact]
    public async Task NoSettings_PricesIncludeTax_DueNextDay_PlainNumbers()
    {
        var app = await StartAsync(InvoicingConfig(null));
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"))).StatusCode);
        var invoice = Assert.Single(await Invoices(app.Admin()))!;
        Assert.Equal(("000001", "2027-03-02", 80m, 0m), (invoice["number"]!.GetValue<string>(), invoice["dueOn"]!.GetValue<string>(),
            invoice["total"]!.GetValue<decimal>(), invoice["taxTotal"]!.GetValue<decimal>()));
        var text = PdfText(await app.Admin().GetByteArrayAsync($"/api/v1/admin/invoices/{invoice["id"]}/pdf"));
        Assert.Contains("Prices include VAT", text, StringComparison.Ordinal);
        Assert.DoesNotContain("VAT number", text, StringComparison.Ordinal);
        Assert.Contains("Main street 1", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A yearly series: 50 issues at once at midnight of New Year's Eve, half for a page whose zone is already in 2028 and
    /// half for one still in 2027. Each year's numbers run on from where they were without a gap or a duplicate.
    /// </summary>
    [Fact]
    public async Task YearlyPrefix_FiftyParallelIssuesAcrossTheYearBoundary_EachYearGapless()
    {
        var app = await StartAsync(InvoicingConfig("""{ "numberPrefix": "INV-{yyyy}-" }"""), now: Instant.FromUtc(2027, 12, 20, 12, 0));
        async Task<Invoice> Issue(int i, string zone)
        {
            using var scope = app.CreateScope();
            var issuer = scope.ServiceProvider.GetRequiredService<InvoiceIssuer>();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            var draft = new InvoiceDraft("salon", "Test Salon", null, $"Client {i}", $"c{i}@example.com", "en", zone, "EUR",
                [new InvoiceDraftLine("Advice", 1m, 80m, 21m)], null);
            return await issuer.IssueInOwnTransactionAsync(db, draft, null, "test", CancellationToken.None);
        }
        for (var i = 0; i < 3; i++)
        {
            await Issue(i, "Europe/Amsterdam");
        }
        // 23:30 UTC on 31 December: 00:30 on 1 January in Amsterdam, still 23:30 on 31 December in London.
        app.Clock.Reset(Instant.FromUtc(2027, 12, 31, 23, 30));
        using var go = new SemaphoreSlim(0);
        var issues = Enumerable.Range(0, 50).Select(async i =>
        {
            await go.WaitAsync();
            return await Issue(100 + i, i % 2 == 0 ? "Europe/Amsterdam" : "Europe/London");
        }).ToArray();
        go.Release(50);
        await Task.WhenAll(issues);

        var stored = app.WithDb(db => db.Set<Invoice>().OrderBy(i => i.Sequence).Select(i => new { i.Sequence, i.Number, i.TimeZone }).ToList());
        Assert.Equal(Enumerable.Range(1, 53).Select(n => (long)n), stored.Select(i => i.Sequence));
        static string[] Series(int year, int from, int count) =>
            [.. Enumerable.Range(from, count).Select(n => $"INV-{year}-{n.ToString("D6", CultureInfo.InvariantCulture)}")];
        // In order of issue within each year, and gapless: 2027 carries on from 3, 2028 starts at 1.
        Assert.Equal(Series(2027, 1, 28), stored.Where(i => i.Number.StartsWith("INV-2027-", StringComparison.Ordinal)).Select(i => i.Number));
        Assert.Equal(Series(2028, 1, 25), stored.Where(i => i.Number.StartsWith("INV-2028-", StringComparison.Ordinal)).Select(i => i.Number));
        Assert.All(stored.Where(i => i.Number.StartsWith("INV-2028-", StringComparison.Ordinal)), i => Assert.Equal("Europe/Amsterdam", i.TimeZone));
        var counters = app.WithDb(db => db.Set<InvoiceYearCounter>().Where(c => c.TenantId == app.Id).OrderBy(c => c.Year).Select(c => new { c.Year, c.Last }).ToList());
        Assert.Equal([(2027, 28L), (2028, 25L)], counters.Select(c => (c.Year, c.Last)));

        // The clock runs into the new year everywhere: London joins 2028's series where it stands.
        app.Clock.Reset(Instant.FromUtc(2028, 1, 2, 9, 0));
        Assert.Equal("INV-2028-000026", (await Issue(999, "Europe/London")).Number);
    }

    [Fact]
    public async Task Void_OnlyAnOpenUnpaidInvoice_KeepsItsNumber_Else409()
    {
        var app = await StartAsync(InvoicingConfig(null));
        var admin = app.Admin();
        foreach (var (start, email) in new[] { ("2027-03-02T10:00:00+01:00", "a@example.com"), ("2027-03-02T11:00:00+01:00", "b@example.com"),
                     ("2027-03-02T13:00:00+01:00", "c@example.com") })
        {
            Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking(start, "advice", email))).StatusCode);
        }
        var ids = (await Invoices(admin)).Select(i => i!["id"]!.GetValue<string>()).ToArray();
        StringContent Pay(decimal amount) => Json(new JsonObject
        {
            ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "EUR" },
            ["method"] = "cash",
            ["note"] = "",
        });
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/invoices/{ids[1]}/payments", Pay(80m))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/invoices/{ids[2]}/payments", Pay(10m))).StatusCode);

        var voided = await admin.PostAsync($"/api/v1/admin/invoices/{ids[0]}/void", null);
        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        var body = await Body(voided);
        Assert.Equal(("void", "000001"), (body["status"]!.GetValue<string>(), body["number"]!.GetValue<string>()));
        Assert.Equal(InvoiceStatus.Void, app.WithDb(db => db.Set<Invoice>().Single(i => i.Number == "000001").Status));

        // Again, paid, part-paid: refused with 409, nothing changes.
        foreach (var id in ids)
        {
            var refused = await admin.PostAsync($"/api/v1/admin/invoices/{id}/void", null);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.EndsWith("invoice-not-voidable", (await Body(refused))["type"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.Equal(new[] { "void", "paid", "open" }, (await Invoices(admin)).Select(i => i!["status"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/v1/admin/invoices/{Guid.NewGuid()}/void", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/admin/invoices/nope/void", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsync($"/api/v1/admin/invoices/{ids[0]}/void", null)).StatusCode);
        // Nothing can be paid on a void invoice; the next invoice takes the next number (the voided one is never reused).
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync($"/api/v1/admin/invoices/{ids[0]}/payments", Pay(80m))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T14:00:00+01:00", "advice", "d@example.com"))).StatusCode);
        Assert.Equal("000004", (await Invoices(admin))[3]!["number"]!.GetValue<string>());
    }

    [Fact]
    public async Task InvoicePage_ShowsSellerAndVatPerRate_VoidButtonWithCsrf()
    {
        var app = await StartAsync(InvoicingConfig(Seller, adviceRate: 9m));
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"))).StatusCode);
        var id = (await Invoices(app.Admin()))[0]!["id"]!.GetValue<string>();
        var owner = await app.OwnerAsync("Olga", Accounts.AccountTests.Password);

        var page = System.Net.WebUtility.HtmlDecode(await owner.GetAsync($"/admin/invoices/{id}"));
        Assert.Contains("Salon Lovelace B.V.", page, StringComparison.Ordinal);
        Assert.Contains("NL123456789B01", page, StringComparison.Ordinal);
        Assert.Contains("NL91 ABNA 0417 1643 00", page, StringComparison.Ordinal);
        Assert.Contains("VAT 9% on EUR 80.00", page, StringComparison.Ordinal);
        Assert.Contains("EUR 87.20", page, StringComparison.Ordinal);
        Assert.Contains("Prices exclude VAT", page, StringComparison.Ordinal);
        Assert.Contains("handler=Void", page, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", page, StringComparison.Ordinal);
        var dutch = System.Net.WebUtility.HtmlDecode(await owner.GetAsync($"/admin/invoices/{id}?lang=nl"));
        Assert.Contains("Btw 9% over EUR 80,00", dutch, StringComparison.Ordinal);
        Assert.Contains("Factuur laten vervallen", dutch, StringComparison.Ordinal);

        // Without the antiforgery token nothing is voided.
        var forged = await owner.Client.PostAsync($"/admin/invoices/{id}?handler=Void", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(InvoiceStatus.Open, app.WithDb(db => db.Set<Invoice>().Single().Status));

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/invoices/{id}?handler=Void", ("confirm", "1"))).StatusCode);
        Assert.Equal(InvoiceStatus.Void, app.WithDb(db => db.Set<Invoice>().Single().Status));
        var after = await owner.GetAsync($"/admin/invoices/{id}");
        Assert.DoesNotContain("handler=Void", after, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Payment", after, StringComparison.Ordinal);
    }
}

public sealed class SqliteInvoicingSettingsTests(SqliteSharedApp shared) : InvoicingSettingsTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresInvoicingSettingsTests(PostgresSharedApp shared) : InvoicingSettingsTests(shared), IClassFixture<PostgresSharedApp>;
