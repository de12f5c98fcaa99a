using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// <c>settings.invoicing.paper</c>: "auto" (the currency decides: Letter for dollars, A4 for euros), "A4" or "Letter",
/// validated in the configuration document and in the admin invoicing form, and followed by the PDFs of invoices and
/// credit notes (read back with PdfPig). Both databases, one app per test class.
/// </summary>
public abstract class InvoicePaperTests(InvoicePaperTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind);
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@paper.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string Form = $"/admin/setup/p/{Slug}/invoicing";

    private static readonly (int, int) A4 = (595, 842);
    private static readonly (int, int) Letter = (612, 792);

    private BookwellApp App => shared.App;

    private static JsonObject ConfigWithPaper(string? paper)
    {
        var doc = Config();
        if (paper is not null)
        {
            doc["pages"]![0]!["settings"]!["invoicing"] = new JsonObject { ["paper"] = paper, ["legalName"] = "Salon Lovelace B.V." };
        }
        return doc;
    }

    private async Task<Invoice> IssueAsync(string currency, string start)
    {
        var response = await Book(App.CreateClient(), Booking(start));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booking = Guid.Parse((await Body(response))["id"]!.GetValue<string>());
        using var scope = App.Services.CreateScope();
        var draft = new InvoiceDraft(Slug, "Test Salon", null, "Ada Lovelace", "ada@example.com", "en", "Europe/Amsterdam", currency,
            [new InvoiceDraftLine("Haircut", 1m, 40m, 21m)], booking);
        return await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(
            scope.ServiceProvider.GetRequiredService<BookwellDb>(), draft, new InvoicePaid(40m, InvoicePaymentMethod.Card), "test", CancellationToken.None);
    }

    /// <summary>A refund of the invoice's booking as the refund service records it once Stripe took it, with its credit note.</summary>
    private async Task<CreditNote> CreditAsync(Invoice invoice)
    {
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var now = App.Clock.GetCurrentInstant();
        var refund = new Refund
        {
            Id = Guid.CreateVersion7(),
            TenantId = db.TenantId,
            BookingId = invoice.BookingId!.Value,
            Sequence = 1,
            Amount = 10m,
            Currency = invoice.Currency,
            Reason = RefundReason.Manual,
            State = RefundStatus.Succeeded,
            PaymentIntent = "pi_paper",
            IdempotencyKey = $"paper-{invoice.Id:N}",
            By = "test",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Set<Refund>().Add(refund);
        await using var tx = await db.Database.BeginTransactionAsync();
        var note = await CreditNotes.IssueAsync(db, refund, now, false, CancellationToken.None);
        refund.CreditNoteId = note.Id;
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return note;
    }

    private async Task<(int, int)> SizeAsync(string path)
    {
        var response = await App.Admin().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        using var document = UglyToad.PdfPig.PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        var page = document.GetPage(1);
        return ((int)Math.Round(page.Width), (int)Math.Round(page.Height));
    }

    private Task<(int, int)> InvoiceSize(Invoice invoice) => SizeAsync($"/api/v1/admin/invoices/{invoice.Id}/pdf");

    private Task<(int, int)> NoteSize(CreditNote note) => SizeAsync($"/api/v1/admin/credit-notes/{note.Id}/pdf");

    private async Task<string?> StoredPaper() =>
        (await App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["settings"]!["invoicing"]?["paper"]?.GetValue<string>();

    [Fact]
    public async Task Paper_IsValidatedAsAFieldError_InTheDocumentAndTheForm()
    {
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), ConfigWithPaper("A4"))).StatusCode);
        foreach (var bad in new[] { "B5", "a4", "letter", "" })
        {
            var refused = await PutConfig(App.Admin(), ConfigWithPaper(bad));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(["pages[0].settings.invoicing.paper"], (await Body(refused))["errors"]!.AsObject().Select(e => e.Key));
        }
        Assert.Equal("A4", await StoredPaper());

        // The form shows the choice and names a bad one at its field, storing nothing.
        var form = await Owner().GetAsync(Form);
        Assert.Contains("name=\"settings.invoicing.paper\"", form, StringComparison.Ordinal);
        Assert.Contains("Papierformaat", WebUtility.HtmlDecode(await Owner().GetAsync(Form + "?lang=nl")), StringComparison.Ordinal);
        var wrong = await Owner().PostFormAsync(Form, ("settings.invoicing.paper", "B5"), ("settings.invoicing.pricesIncludeTax", "true"));
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("id=\"settings-invoicing-paper-error\"", await WebSession.TextAsync(wrong), StringComparison.Ordinal);
        Assert.Equal("A4", await StoredPaper());
    }

    [Fact]
    public async Task InvoicesAndCreditNotes_PrintOnThePaperTheSettingNames_TheCurrencyDecidingOnlyOnAuto()
    {
        // Letter set: a euro invoice (A4 by its currency) and its credit note print on Letter.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), ConfigWithPaper("Letter"))).StatusCode);
        var euros = await IssueAsync("EUR", "2027-03-03T10:00:00+01:00");
        var dollars = await IssueAsync("USD", "2027-03-03T11:00:00+01:00");
        var euroNote = await CreditAsync(euros);
        var dollarNote = await CreditAsync(dollars);
        Assert.Equal(Letter, await InvoiceSize(euros));
        Assert.Equal(Letter, await NoteSize(euroNote));
        Assert.Equal(Letter, await InvoiceSize(dollars));

        // A4 chosen in the admin form: the dollar invoice (Letter by its currency) and its note now print on A4.
        var saved = await Owner().PostFormAsync(Form, ("settings.invoicing.paper", "A4"), ("settings.invoicing.pricesIncludeTax", "true"),
            ("settings.invoicing.legalName", "Salon Lovelace B.V."));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal("A4", await StoredPaper());
        Assert.Equal(A4, await InvoiceSize(dollars));
        Assert.Equal(A4, await NoteSize(dollarNote));
        Assert.Equal(A4, await InvoiceSize(euros));

        // Auto: the currency decides again.
        Assert.Equal(HttpStatusCode.Redirect, (await Owner().PostFormAsync(Form, ("settings.invoicing.paper", "auto"),
            ("settings.invoicing.pricesIncludeTax", "true"))).StatusCode);
        Assert.Equal("auto", await StoredPaper());
        Assert.Equal(Letter, await InvoiceSize(dollars));
        Assert.Equal(Letter, await NoteSize(dollarNote));
        Assert.Equal(A4, await InvoiceSize(euros));
        Assert.Equal(A4, await NoteSize(euroNote));
    }

    private WebSession Owner() => shared.Owner;
}

public sealed class SqliteInvoicePaperTests(SqliteInvoicePaperTests.Fixture fixture) : InvoicePaperTests(fixture), IClassFixture<SqliteInvoicePaperTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Sqlite;
    }
}

public sealed class PostgresInvoicePaperTests(PostgresInvoicePaperTests.Fixture fixture) : InvoicePaperTests(fixture), IClassFixture<PostgresInvoicePaperTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Postgres;
    }
}
