using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// <c>settings.invoicing.numberPrefix</c> holds only what is safe in a PDF's file name, a mail attachment and a bank
/// reference: path steps, separators side by side, a leading dot or slash, control characters (a trailing line break
/// too), overrides and anything outside ASCII letters, digits and - _ . / are refused with 400 at the field; and the
/// file a number names is one file, never a path, whatever the number holds. One app per class, both databases.
/// </summary>
public abstract class InvoicePrefixSafetyTests(InvoicePrefixSafetyTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await BookwellApp.StartAsync(Kind, now: Instant.FromUtc(2027, 3, 1, 9, 0));

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string Field = "pages[0].settings.invoicing.numberPrefix";

    private static JsonObject WithPrefix(string prefix)
    {
        var doc = Config();
        doc["pages"]![0]!["settings"]!["invoicing"] = new JsonObject { ["numberPrefix"] = prefix };
        return doc;
    }

    private static readonly string[] Refused =
    [
        "../", "..", "../../etc/", "INV/../", "INV/..", "INV..", "/INV-", "/", ".INV-", ".", "-INV", "_INV", "INV//", "INV./", "INV/.",
        "INV-\n", "INV\r", "INV\t", "INV\u0000", "INV\u007F", "INV\u0085", "INV-\u202E", "INV\u200F", "\u2066INV",
        "INV\\", "C:\\INV", "INV:", "INV ", " INV", "INV%2F", "INV?", "INV*", "INV\"", "INV<", "INV|",
        "INV-é", "ＩＮＶ-", "INV－", "INV\u2215", "INV{yyyy}{yyyy}", "{yyyy}..",
    ];

    [Fact]
    public async Task HostilePrefixes_AreRefusedAtTheField_AndTheStoredPrefixStays()
    {
        var admin = shared.App.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("INV-"))).StatusCode);
        foreach (var prefix in Refused)
        {
            var response = await PutConfig(admin, WithPrefix(prefix));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"'{prefix}' was accepted");
            var errors = (await Body(response))["errors"]!.AsObject();
            Assert.True(errors.ContainsKey(Field), $"'{prefix}': {errors.ToJsonString()}");
        }
        var stored = await Body(await admin.GetAsync("/api/v1/admin/config"));
        Assert.Equal("INV-", stored["pages"]![0]!["settings"]!["invoicing"]!["numberPrefix"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("INV-")]
    [InlineData("INV-{yyyy}-")]
    [InlineData("F.{yyyy}/")]
    [InlineData("2027/")]
    [InlineData("{yyyy}/")]
    [InlineData("INV_A.")]
    [InlineData("A-B_C.D/E")]
    public async Task SafePrefixes_AreAccepted(string prefix) =>
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), WithPrefix(prefix))).StatusCode);

    /// <summary>A prefix with a slash and a dot (allowed): the PDF's file name turns them into dashes, so the download is one file.</summary>
    [Fact]
    public async Task TheNumberNamesOneFile_EvenWithSlashesAndDots()
    {
        var admin = shared.App.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("F.{yyyy}/"))).StatusCode);
        Invoice invoice;
        using (var scope = shared.App.Services.CreateScope())
        {
            var draft = new InvoiceDraft("salon", "Test Salon", null, "Ada", "ada@example.com", "en", "Europe/Amsterdam", "EUR",
                [new InvoiceDraftLine("Advice", 1m, 80m, 21m)], null);
            invoice = await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>()
                .IssueInOwnTransactionAsync(scope.ServiceProvider.GetRequiredService<BookwellDb>(), draft, null, "test", CancellationToken.None);
        }
        Assert.StartsWith("F.2027/", invoice.Number, StringComparison.Ordinal);
        var pdf = await admin.GetAsync($"/api/v1/admin/invoices/{invoice.Id}/pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        var disposition = pdf.Content.Headers.ContentDisposition!;
        var name = disposition.FileNameStar ?? disposition.FileName!.Trim('"');
        Assert.Equal($"invoice-F-2027-{invoice.Number["F.2027/".Length..]}.pdf", name);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("INV-"))).StatusCode);
    }

    /// <summary>Numbers issued under an older, looser rule still name a single, plain file.</summary>
    [Theory]
    [InlineData("invoice", "../../etc/000001", "invoice-etc-000001.pdf")]
    [InlineData("invoice", "INV\r\n-000001", "invoice-INV-000001.pdf")]
    [InlineData("credit note", "CN-000002", "credit-note-CN-000002.pdf")]
    [InlineData("factuur", "C:\\INV\u202E-000003", "factuur-C-INV-000003.pdf")]
    [InlineData("receipt", ".", "receipt.pdf")]
    public void FileNames_HoldOnlyLettersDigitsDashesAndUnderscores(string word, string number, string expected) =>
        Assert.Equal(expected, InvoicePdf.FileName(word, number));
}

public sealed class SqliteInvoicePrefixSafetyTests(SqliteInvoicePrefixSafetyTests.Fixture fixture) : InvoicePrefixSafetyTests(fixture), IClassFixture<SqliteInvoicePrefixSafetyTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Sqlite;
    }
}

public sealed class PostgresInvoicePrefixSafetyTests(PostgresInvoicePrefixSafetyTests.Fixture fixture) : InvoicePrefixSafetyTests(fixture), IClassFixture<PostgresInvoicePrefixSafetyTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Postgres;
    }
}
