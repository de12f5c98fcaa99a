using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>Payment reminders for unpaid invoices (page settings, the outbox), overdue, and the invoice CSV export; on both databases.</summary>
public abstract class InvoiceReminderTests
{
    protected abstract Db Kind { get; }

    private static JsonObject ReminderConfig(string reminders = """{ "beforeDueDays": [3], "afterDueDays": [1, 7] }""", string name = "Ada Lovelace")
    {
        var doc = Config();
        var page = doc["pages"]![0]!;
        page["settings"]!["notifyStaff"] = false;
        page["settings"]!["invoiceReminders"] = JsonNode.Parse(reminders);
        page["settings"]!["invoicing"] = JsonNode.Parse("""{ "dueDays": 14 }""");
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 60, "price": { "amount": 80.00, "currency": "EUR" }, "payment": "invoice",
              "requiresStaff": false, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        return doc;
    }

    private async Task<BookwellApp> StartAsync(SmtpSink sink) =>
        await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
        },
        // The passes are the tests' own; the hosted worker's start-up pass, late on a loaded machine, could take them.
        services: s => s.Remove(s.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(Bookwell.Features.Refunds.InvoiceReminderWorker))));

    private static int Reminders(BookwellApp app) => app.WithDb(db => db.Outbox.Count(m => m.Kind == InvoiceReminders.Kind));

    [Fact]
    public async Task BeforeAndAfterTheDueDate_OneReminderEach_NoneOncePaid()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ReminderConfig())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-03T10:00:00+01:00", service: "advice"))).StatusCode);
        var invoice = (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/invoices"))!["items"]![0]!;
        Assert.Equal("2027-03-15", invoice["dueOn"]!.GetValue<string>());
        var reminders = app.Services.GetRequiredService<InvoiceReminders>();
        Assert.Equal(0, await reminders.RunOnceAsync(CancellationToken.None));
        app.Clock.Advance(Duration.FromDays(11)); // 12 March: three days before
        Assert.Equal(1, await reminders.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await reminders.RunOnceAsync(CancellationToken.None));
        var before = app.WithDb(db => db.Outbox.Single(m => m.Kind == InvoiceReminders.Kind));
        Assert.Equal("Reminder: invoice 000001 is due on 15 March 2027", before.Subject);
        Assert.Equal("ada@example.com", before.To);
        app.Clock.Advance(Duration.FromDays(4)); // 16 March: a day late
        var overdue = (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/invoices?status=overdue"))!["items"]!.AsArray();
        Assert.Single(overdue);
        Assert.Equal(1, await reminders.RunOnceAsync(CancellationToken.None));
        Assert.Equal(2, Reminders(app));
        Assert.Contains(app.WithDb(db => db.Outbox.Where(m => m.Kind == InvoiceReminders.Kind).Select(m => m.Subject).ToList()),
            s => s == "Overdue: invoice 000001 was due on 15 March 2027");
        // Paid by hand at the desk: who and when are recorded, and no reminder follows.
        var paid = await app.Admin().PostAsync($"/api/v1/admin/invoices/{invoice["id"]!.GetValue<string>()}/payments", Json(new JsonObject
        {
            ["amount"] = new JsonObject { ["amount"] = 80.00m, ["currency"] = "EUR" },
            ["method"] = "bank_transfer",
        }));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        var payment = (await Body(paid))["payments"]![0]!;
        Assert.Equal("api", payment["by"]!.GetValue<string>());
        Assert.NotNull(payment["at"]);
        app.Clock.Advance(Duration.FromDays(6)); // 22 March: the 7-day reminder would be due
        Assert.Equal(0, await reminders.RunOnceAsync(CancellationToken.None));
        Assert.Equal(2, Reminders(app));
    }

    [Fact]
    public async Task Settings_AreValidatedFieldByField()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink);
        var response = await PutConfig(app.Admin(), ReminderConfig("""{ "beforeDueDays": [-1, 3], "afterDueDays": [0, 91] }"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(new[]
        {
            "pages[0].settings.invoiceReminders.afterDueDays[0]",
            "pages[0].settings.invoiceReminders.afterDueDays[1]",
            "pages[0].settings.invoiceReminders.beforeDueDays[0]",
        }, (await Body(response))["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task CsvExport_HasEveryInvoice_AndNoCellASpreadsheetWouldRun()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ReminderConfig())).StatusCode);
        var hostile = Booking("2027-03-03T10:00:00+01:00", service: "advice");
        hostile["customer"]!["name"] = "=HYPERLINK(\"http://evil.example\",\"x\")";
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), hostile)).StatusCode);
        var plain = Booking("2027-03-03T12:00:00+01:00", service: "advice", email: "bo@example.com");
        plain["customer"]!["name"] = "Bo, \"the\" Client";
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), plain)).StatusCode);
        var response = await app.Admin().GetAsync("/api/v1/admin/invoices/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var csv = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()).TrimStart('\uFEFF');
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("number,issued_on,due_on,status,customer_name", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("000001,2027-03-01,2027-03-15,open,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",", lines[1], StringComparison.Ordinal);
        Assert.Contains(",\"Bo, \"\"the\"\" Client\",", lines[2], StringComparison.Ordinal);
        Assert.Contains(",80.00,", lines[1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin().GetAsync("/api/v1/admin/invoices/export?status=nonsense")).StatusCode);
        // The payments view lists nothing here (invoices are not paid online), and answers its filters.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin().GetAsync("/api/v1/admin/payments?kind=nonsense")).StatusCode);
    }
}

public sealed class SqliteInvoiceReminderTests : InvoiceReminderTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresInvoiceReminderTests : InvoiceReminderTests
{
    protected override Db Kind => Db.Postgres;
}
