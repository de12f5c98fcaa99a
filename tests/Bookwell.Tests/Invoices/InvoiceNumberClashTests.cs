using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// Switching the number prefix between the yearly form (<c>INV-{yyyy}-</c>) and a literal one (<c>INV-2027-</c>) must
/// never make the series issue a number that exists: the save is refused naming the number; a switch that slipped
/// past the check (written around it, as a save racing an issue could) passes the taken number over; and the
/// database's unique index refuses a duplicate whatever writes it. Both databases.
/// </summary>
public abstract class InvoiceNumberClashTests
{
    protected abstract Db Kind { get; }

    private const string PrefixField = "pages[0].settings.invoicing.numberPrefix";

    private static JsonObject WithPrefix(string? prefix)
    {
        var doc = Config();
        if (prefix is not null)
        {
            doc["pages"]![0]!["settings"]!["invoicing"] = new JsonObject { ["numberPrefix"] = prefix };
        }
        return doc;
    }

    private static async Task<string> Issue(BookwellApp app, int i)
    {
        using var scope = app.Services.CreateScope();
        var draft = new InvoiceDraft(Slug, "Test Salon", null, $"Client {i}", $"c{i}@example.com", "en", "Europe/Amsterdam", "EUR",
            [new InvoiceDraftLine("Advice", 1m, 80m, 21m)], null);
        return (await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(
            scope.ServiceProvider.GetRequiredService<BookwellDb>(), draft, null, "test", CancellationToken.None)).Number;
    }

    private static async Task<string?> StoredPrefix(HttpClient admin) =>
        (await Body(await admin.GetAsync("/api/v1/admin/config")))["pages"]![0]!["settings"]!["invoicing"]?["numberPrefix"]?.GetValue<string>();

    [Fact]
    public async Task SwitchingBetweenYearlyAndLiteralPrefix_NeverIssuesANumberTwice()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("INV-{yyyy}-"))).StatusCode);
        Assert.Equal("INV-2027-000001", await Issue(app, 1));
        Assert.Equal("INV-2027-000002", await Issue(app, 2));

        // The literal form of this year's prefix: its numbers come from the business's counter (2 so far), so it goes on at 3.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("INV-2027-"))).StatusCode);
        Assert.Equal("INV-2027-000003", await Issue(app, 3));

        // Back to the yearly form: 2027's own counter stands at 2, so its next number would be INV-2027-000003 again.
        var refused = await PutConfig(admin, WithPrefix("INV-{yyyy}-"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await Body(refused))["errors"]!.AsObject();
        Assert.Equal([PrefixField], errors.Select(e => e.Key));
        Assert.Contains("INV-2027-000003", errors[PrefixField]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("INV-2027-", await StoredPrefix(admin));

        // A yearly prefix of another form, or a literal one whose numbers are free, is accepted and carries on without a clash.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("F{yyyy}/"))).StatusCode);
        Assert.Equal("F2027/000003", await Issue(app, 4));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix(null))).StatusCode);
        Assert.Equal("000005", await Issue(app, 5));
        // From the plain series, INV-2027- (literal) is free again (the business's counter is past every number it printed).
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, WithPrefix("INV-2027-"))).StatusCode);
        Assert.Equal("INV-2027-000006", await Issue(app, 6));
        // The credit notes' form is not an invoice prefix.
        var creditForm = await PutConfig(admin, WithPrefix("CN-"));
        Assert.Equal(HttpStatusCode.BadRequest, creditForm.StatusCode);
        Assert.Equal([PrefixField], (await Body(creditForm))["errors"]!.AsObject().Select(e => e.Key));

        // The yearly form written around the check (as a save racing an issue could leave it): 2027's counter (3 after
        // F2027/000003) would give INV-2027-000004, then 000005, 000006 ... INV-2027-000006 exists and is passed over.
        var doc = await Body(await admin.GetAsync("/api/v1/admin/config"));
        doc["pages"]![0]!["settings"]!["invoicing"]!["numberPrefix"] = "INV-{yyyy}-";
        var tenant = app.WithDb(db =>
        {
            var row = db.Tenants.Single(t => t.Id == db.TenantId);
            row.ConfigJson = doc.ToJsonString();
            row.ConfigVersion++;
            db.SaveChanges();
            return row.Id;
        });
        app.Services.GetRequiredService<CatalogCache>().Invalidate(tenant);
        Assert.Equal(["INV-2027-000004", "INV-2027-000005", "INV-2027-000007"], [await Issue(app, 7), await Issue(app, 8), await Issue(app, 9)]);
        var numbers = app.WithDb(db => db.Set<Invoice>().Select(i => i.Number).ToList());
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
        Assert.Equal(9, numbers.Count);

        // The last guard: the database itself refuses a second invoice with a number the business has.
        var duplicate = Assert.Throws<DbUpdateException>(() => app.WithDb(db =>
        {
            var copy = db.Set<Invoice>().AsNoTracking().Single(i => i.Number == "INV-2027-000003");
            copy.Id = Guid.CreateVersion7();
            copy.Sequence = 1000;
            copy.BookingId = null;
            db.Set<Invoice>().Add(copy);
            return db.SaveChanges();
        }));
        // A lost race for a row writer (it retries with the next number), not "the time is taken".
        Assert.True(Bookwell.Features.Bookings.Conflicts.IsLostRace(duplicate), duplicate.ToString());
        Assert.False(Bookwell.Features.Bookings.Conflicts.IsConflict(duplicate), duplicate.ToString());
        Assert.Single(app.WithDb(db => db.Set<Invoice>().Where(i => i.Number == "INV-2027-000003").ToList()));
    }

    /// <summary>
    /// The clash query itself, on numbers written straight into the database: only numbers of the prefix's exact form count
    /// (six digits, or more without a leading zero; the year's four digits and the tail for a yearly prefix), and only those
    /// past the series' counter (the business's, or the year's: none is 0), from the first year still issued on.
    /// </summary>
    [Fact]
    public async Task FirstClash_FindsOnlyNumbersOfTheSeriesForm_PastItsCounter()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        string[] numbers = ["A-000002", "A-000003", "A-00000X", "A-0000010", "A-1000000", "AB-000009", "A-12345",
            "Y2026/000009", "Y2027/000004", "Y2027-000005", "Y2028/000001", "Y2027/0000011", "Y20X7/000001"];
        app.WithDb(db =>
        {
            var sequence = 100;
            foreach (var number in numbers)
            {
                db.Set<Invoice>().Add(new Invoice
                {
                    Id = Guid.CreateVersion7(),
                    TenantId = db.TenantId,
                    Sequence = sequence++,
                    Number = number,
                    PageSlug = Slug,
                    BusinessName = "Test Salon",
                    CustomerName = "Ada",
                    CustomerEmail = "ada@example.com",
                    TimeZone = "Europe/Amsterdam",
                    Status = InvoiceStatus.Open,
                    Currency = "EUR",
                });
            }
            db.Set<InvoiceCounter>().Add(new InvoiceCounter { TenantId = db.TenantId, Last = 5 });
            db.Set<InvoiceYearCounter>().Add(new InvoiceYearCounter { TenantId = db.TenantId, Year = 2027, Last = 3 });
            return db.SaveChanges();
        });
        async Task<string?> Clash(string prefix, int fromYear)
        {
            using var scope = app.Services.CreateScope();
            return await InvoiceNumberClash.FirstClashAsync(scope.ServiceProvider.GetRequiredService<BookwellDb>(), prefix, fromYear, CancellationToken.None);
        }

        // Literal: 2 and 3 are behind the counter (5); X, a leading zero past six digits and five digits are not its form.
        Assert.Equal("A-1000000", await Clash("A-", 2027));
        Assert.Null(await Clash("AB-0", 2027));
        Assert.Equal("AB-000009", await Clash("AB-", 2027));
        // Yearly: 2026 is over; 2027's counter is 3, so 000004 would come again; 2028 has no counter yet.
        Assert.Equal("Y2027/000004", await Clash("Y{yyyy}/", 2027));
        Assert.Equal("Y2028/000001", await Clash("Y{yyyy}/", 2028));
        Assert.Null(await Clash("Y{yyyy}/", 2029));
        Assert.Equal("Y2027-000005", await Clash("Y{yyyy}-", 2027));
        Assert.Null(await Clash("Z{yyyy}/", 2027));
        app.WithDb(db =>
        {
            db.Set<InvoiceCounter>().Single().Last = 1_000_000;
            db.Set<InvoiceYearCounter>().Single().Last = 4;
            return db.SaveChanges();
        });
        Assert.Null(await Clash("A-", 2027));
        Assert.Equal("Y2028/000001", await Clash("Y{yyyy}/", 2027));
    }
}

public sealed class SqliteInvoiceNumberClashTests : InvoiceNumberClashTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresInvoiceNumberClashTests : InvoiceNumberClashTests
{
    protected override Db Kind => Db.Postgres;
}
