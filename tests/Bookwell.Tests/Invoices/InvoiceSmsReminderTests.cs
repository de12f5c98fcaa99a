using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Notifications;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Infrastructure;
using Bookwell.Tests.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// Payment reminders by text message: where the page sends SMS and an SMS provider is set up, an unpaid invoice's
/// reminder also goes to the mobile number of its booking (through the outbox, to a stand-in Twilio on loopback), once
/// per moment, never to a client who turned text reminders off. Both databases.
/// </summary>
public abstract class InvoiceSmsReminderTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task UnpaidInvoice_SmsReminderBeforeAndAfterTheDueDate_OncePerMoment_NotWhenTurnedOff()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Sms:Provider"] = "twilio";
            s["Bookwell:Sms:Url"] = provider.Url;
            s["Bookwell:Sms:AccountSid"] = "AC0123";
            s["Bookwell:Sms:AuthToken"] = "secret-token";
            s["Bookwell:Sms:From"] = "+3197010000000";
        },
        // The passes below are the test's own; the hosted worker's start-up pass, late on a loaded machine, could take them.
        services: s => s.Remove(s.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(Bookwell.Features.Refunds.InvoiceReminderWorker))));
        var doc = Config();
        var page = doc["pages"]![0]!;
        page["settings"]!["notifyStaff"] = false;
        page["settings"]!["smsReminders"] = true;
        page["settings"]!["invoiceReminders"] = JsonNode.Parse("""{ "beforeDueDays": [3], "afterDueDays": [1] }""");
        page["settings"]!["invoicing"] = JsonNode.Parse("""{ "dueDays": 14 }""");
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 60, "price": { "amount": 80.00, "currency": "EUR" }, "payment": "invoice",
              "requiresStaff": false, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var ada = Booking("2027-03-03T10:00:00+01:00", service: "advice");
        ada["customer"]!["phone"] = "06 12345678";
        var bea = Booking("2027-03-03T11:00:00+01:00", service: "advice", email: "bea@example.com");
        bea["customer"]!["name"] = "Bea Quiet";
        bea["customer"]!["phone"] = "06 87654321";
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), ada)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), bea)).StatusCode);
        // Bea turned text reminders off in her portal.
        app.WithDb(db => db.Customers.Where(c => c.Email == "bea@example.com").ExecuteUpdate(s => s.SetProperty(c => c.SmsRemindersOff, true)));
        var invoices = (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/invoices"))!["items"]!.AsArray();
        Assert.Equal(["000001", "000002"], invoices.Select(i => i!["number"]!.GetValue<string>()));

        var reminders = app.Services.GetRequiredService<InvoiceReminders>();
        List<Bookwell.Data.OutboxMessage> Texts() => app.WithDb(db => db.Outbox.AsNoTracking()
            .Where(m => m.Kind == InvoiceReminders.Kind && m.Channel == OutboxChannel.Sms).OrderBy(m => m.CreatedAt).ToList());
        app.Clock.Advance(Duration.FromDays(11)); // 12 March: three days before 15 March
        // Two e-mails and Ada's text; Bea gets the e-mail only.
        Assert.Equal(3, await reminders.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await reminders.RunOnceAsync(CancellationToken.None));
        var before = Assert.Single(Texts());
        Assert.Equal("+31612345678", before.To);
        Assert.Equal("Test Salon: invoice 000001 (EUR 80.00) is due on 15 Mar 2027. Already paid? Thank you, please ignore this.", before.Subject);

        // The outbox sends it (the booking's own text reminders, a day before each start, go to the provider too).
        static bool Ours(FakeSmsProvider.Received r) => WebUtility.UrlDecode(r.Body).Contains("invoice 000001", StringComparison.Ordinal);
        for (var i = 0; i < 400 && !provider.Requests.Any(Ours); i++)
        {
            await Task.Delay(50);
        }
        var sent = provider.Requests.ToList();
        var received = Assert.Single(sent, Ours);
        var form = WebUtility.UrlDecode(received.Body);
        Assert.Contains("To=+31612345678", form, StringComparison.Ordinal);
        Assert.Contains("is due on 15 Mar 2027", form, StringComparison.Ordinal);
        Assert.DoesNotContain(sent, r => WebUtility.UrlDecode(r.Body).Contains("000002", StringComparison.Ordinal));

        // Bea pays; a day after the due date only Ada's invoice is reminded, by e-mail and text.
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync($"/api/v1/admin/invoices/{invoices[1]!["id"]}/payments", Json(new JsonObject
        {
            ["amount"] = new JsonObject { ["amount"] = 80.00m, ["currency"] = "EUR" },
            ["method"] = "cash",
        }))).StatusCode);
        app.Clock.Advance(Duration.FromDays(4)); // 16 March
        Assert.Equal(2, await reminders.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await reminders.RunOnceAsync(CancellationToken.None));
        var texts = Texts();
        Assert.Equal(2, texts.Count);
        Assert.Equal(("+31612345678", "Test Salon: invoice 000001 (EUR 80.00) was due on 15 Mar 2027 and is not paid yet. Already paid? Thank you, please ignore this."),
            (texts[1].To, texts[1].Subject));
    }
}

public sealed class SqliteInvoiceSmsReminderTests : InvoiceSmsReminderTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresInvoiceSmsReminderTests : InvoiceSmsReminderTests
{
    protected override Db Kind => Db.Postgres;
}
