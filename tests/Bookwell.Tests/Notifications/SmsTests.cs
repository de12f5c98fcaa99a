using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Notifications;

/// <summary>
/// A stand-in SMS provider on a real loopback port: it records each request (method, path, headers, body)
/// and answers with whatever the test sets, like a Twilio or a generic gateway would.
/// </summary>
public sealed class FakeSmsProvider : IAsyncDisposable
{
    public sealed record Received(string Path, string? Authorization, string? IdempotencyKey, string ContentType, string Body);

    private readonly WebApplication _app;
    public ConcurrentQueue<Received> Requests { get; } = new();
    public int Status { get; set; } = 201;
    public string Answer { get; set; } = """{"sid":"SM123","status":"queued"}""";
    public string Url { get; }

    private FakeSmsProvider(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<FakeSmsProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));

        var app = builder.Build();
        FakeSmsProvider? self = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            self!.Requests.Enqueue(new Received(context.Request.Path, context.Request.Headers.Authorization.ToString(),
                context.Request.Headers["Idempotency-Key"].ToString(), context.Request.ContentType ?? "", body));
            context.Response.StatusCode = self.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(self.Answer);
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeSmsProvider(app, url);
        return self;
    }

    public async Task<List<Received>> WaitForAsync(int count, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (Requests.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        return [.. Requests];
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public abstract class SmsTests
{
    protected abstract Db Kind { get; }

    private async Task<BookwellApp> StartAsync(SmtpSink sink, Action<Dictionary<string, string?>> sms, bool smsReminders = true)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
            sms(s);
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["settings"]!["smsReminders"] = smsReminders;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    private static Action<Dictionary<string, string?>> Twilio(FakeSmsProvider provider) => s =>
    {
        s["Bookwell:Sms:Provider"] = "twilio";
        s["Bookwell:Sms:Url"] = provider.Url;
        s["Bookwell:Sms:AccountSid"] = "AC0123";
        s["Bookwell:Sms:AuthToken"] = "secret-token";
        s["Bookwell:Sms:From"] = "+3197010000000";
    };

    /// <summary>The one text message, once it has the status (the hosted worker may be the one handling it), or as it is after 20 s.</summary>
    private static async Task<Bookwell.Data.OutboxMessage> SmsWhenAsync(BookwellApp app, OutboxStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var message = app.WithDb(db => db.Outbox.Single(m => m.Channel == OutboxChannel.Sms));
            if (message.Status == status || DateTime.UtcNow > deadline)
            {
                return message;
            }
            await Task.Delay(50);
        }
    }

    private static OutboxWorker Worker(BookwellApp app) => app.Services.GetServices<IHostedService>().OfType<OutboxWorker>().Single();

    private static JsonObject WithPhone(string start, string phone, string email = "ada@example.com")
    {
        var body = Booking(start, email: email);
        body["customer"]!["phone"] = phone;
        return body;
    }

    [Theory]
    [InlineData("06 12345678", "+31612345678")]
    [InlineData("+31 (0)6-1234 5678", "+31612345678")]
    [InlineData("020 123 4567", "+31201234567")]
    [InlineData("+1 415 555 2671", "+14155552671")]
    [InlineData("0044 20 7946 0958", "+442079460958")]
    [InlineData("12", null)]
    [InlineData("not a number", null)]
    public void PhoneNumbers_ReadIntoE164(string raw, string? expected) => Assert.Equal(expected, Phone.ToE164(raw, "NL"));

    [Fact]
    public async Task SmsReminder_ThroughTwilio_AtTheReminderMoment_WithTheManageLink()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, Twilio(provider));
        var created = await Body(await Book(app.CreateClient(), WithPhone("2027-03-02T10:00:00+01:00", "06 12345678")));
        await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00", email: "nophone@example.com").Also(b => b["customer"]!["phone"] = null));
        await sink.WaitForAsync(2);
        app.Clock.Advance(Duration.FromMinutes(119));
        await Worker(app).RunOnceAsync(CancellationToken.None);
        Assert.Empty(provider.Requests);

        app.Clock.Advance(Duration.FromMinutes(1));
        var requests = await provider.WaitForAsync(1);
        var sms = Assert.Single(requests);
        Assert.Equal("/2010-04-01/Accounts/AC0123/Messages.json", sms.Path);
        Assert.Equal("Basic " + Convert.ToBase64String("AC0123:secret-token"u8.ToArray()), sms.Authorization);
        var form = System.Web.HttpUtility.ParseQueryString(sms.Body);
        Assert.Equal("+31612345678", form["To"]);
        Assert.Equal("+3197010000000", form["From"]);
        Assert.StartsWith("Reminder: Haircut at Test Salon, Tue 2 Mar 10:00.", form["Body"], StringComparison.Ordinal);
        Assert.Contains($"/booking/{created["manageToken"]!.GetValue<string>()}", form["Body"], StringComparison.Ordinal);
        // The provider has the message; the worker records it as sent right after (in its group).
        var stored = await SmsWhenAsync(app, OutboxStatus.Sent);
        Assert.Equal((OutboxStatus.Sent, "+31612345678"), (stored.Status, stored.To));
        Assert.Null(stored.TextBody);
        // The other client gave no phone number: e-mail reminder only.
        Assert.Equal(1, app.WithDb(db => db.Outbox.Count(m => m.Channel == OutboxChannel.Sms)));
    }

    [Fact]
    public async Task ProviderRefusal_IsRecordedWithItsReason_AndRetriedLater()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        provider.Status = 400;
        provider.Answer = """{"code":21211,"message":"The 'To' number is not a valid phone number.","status":400}""";
        await using var app = await StartAsync(sink, Twilio(provider));
        await Book(app.CreateClient(), WithPhone("2027-03-02T10:00:00+01:00", "06 12345678"));
        app.Clock.Advance(Duration.FromHours(2));
        await provider.WaitForAsync(1);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var stored = app.WithDb(db => db.Outbox.Single(m => m.Channel == OutboxChannel.Sms));
        while (stored.Attempts == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            stored = app.WithDb(db => db.Outbox.Single(m => m.Channel == OutboxChannel.Sms));
        }
        Assert.Equal(OutboxStatus.Queued, stored.Status);
        Assert.True(stored.Attempts >= 1);
        Assert.Contains("not a valid phone number. (code 21211)", stored.LastError, StringComparison.Ordinal);
        Assert.True(stored.DueAt > app.Clock.GetCurrentInstant());

        provider.Status = 201;
        provider.Answer = """{"sid":"SM1"}""";
        app.Clock.Advance(Duration.FromHours(2));
        await Worker(app).RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboxStatus.Sent, (await SmsWhenAsync(app, OutboxStatus.Sent)).Status);
    }

    [Fact]
    public async Task GenericHttpGateway_JsonFromTheTemplate_AuthAndIdempotencyKey()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, s =>
        {
            s["Bookwell:Sms:Provider"] = "http";
            s["Bookwell:Sms:Url"] = provider.Url + "/v1/send";
            s["Bookwell:Sms:Authorization"] = "Bearer gateway-key";
            s["Bookwell:Sms:From"] = "Salon";
        });
        var body = WithPhone("2027-03-02T10:00:00+01:00", "+32 470 12 34 56");
        body["customer"]!["name"] = "Ada \"Quotes\" Lovelace";
        body["language"] = "nl";
        await Book(app.CreateClient(), body);
        app.Clock.Advance(Duration.FromHours(2));
        var sms = Assert.Single(await provider.WaitForAsync(1));
        Assert.Equal("/v1/send", sms.Path);
        Assert.Equal("Bearer gateway-key", sms.Authorization);
        Assert.StartsWith("application/json", sms.ContentType, StringComparison.Ordinal);
        var json = JsonNode.Parse(sms.Body)!;
        Assert.Equal("+32470123456", json["to"]!.GetValue<string>());
        Assert.Equal("Salon", json["from"]!.GetValue<string>());
        Assert.Contains("Haircut", json["text"]!.GetValue<string>(), StringComparison.Ordinal);
        var id = app.WithDb(db => db.Outbox.Single(m => m.Channel == OutboxChannel.Sms).Id);
        Assert.Equal(id.ToString("N"), sms.IdempotencyKey);
        Assert.Equal(id.ToString("N"), json["reference"]!.GetValue<string>());
    }

    [Fact]
    public async Task SmsOnly_WithoutAnEmailServer_RemindersStillGoOut_AndMoveWithTheBooking()
    {
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, Twilio(provider));
        var doc = Config();
        doc["pages"]![0]!["settings"]!["smsReminders"] = true;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var created = await Body(await Book(app.CreateClient(), WithPhone("2027-03-02T10:00:00+01:00", "06 12345678")));
        Assert.Equal(0, app.WithDb(db => db.Outbox.Count(m => m.Channel != OutboxChannel.Sms)));
        await app.CreateClient().PostAsync($"/api/v1/bookings/{created["manageToken"]!.GetValue<string>()}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-02T14:00:00+01:00" }));
        var reminders = app.WithDb(db => db.Outbox.Where(m => m.Channel == OutboxChannel.Sms).ToList());
        Assert.Equal([OutboxStatus.Queued, OutboxStatus.Withdrawn], reminders.Select(r => r.Status).Order());
        app.Clock.Advance(Duration.FromHours(6));
        var sms = Assert.Single(await provider.WaitForAsync(1));
        Assert.Contains("14:00", System.Web.HttpUtility.ParseQueryString(sms.Body)["Body"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusinessWithoutSmsReminders_SendsNone()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, Twilio(provider), smsReminders: false);
        await Book(app.CreateClient(), WithPhone("2027-03-02T10:00:00+01:00", "06 12345678"));
        Assert.Equal(0, app.WithDb(db => db.Outbox.Count(m => m.Channel == OutboxChannel.Sms)));
    }

    [Fact]
    public async Task ClientPreferences_TurnRemindersOff_QueuedOnesAreNotSent()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, Twilio(provider));
        var created = await Body(await Book(app.CreateClient(), WithPhone("2027-03-02T10:00:00+01:00", "06 12345678")));
        var token = created["manageToken"]!.GetValue<string>();
        var confirmation = Assert.Single(await sink.WaitForAsync(1));
        Assert.Contains($"/booking/{token}/preferences", confirmation.TextBody);

        var client = app.CreateClient();
        var page = await client.GetStringAsync($"/booking/{token}/preferences");
        Assert.Contains("checked", page);
        var saved = await client.PostAsync($"/booking/{token}/preferences", new FormUrlEncodedContent([new("emailReminders", "false"), new("marketing", "false")]));
        Assert.Contains("Your preferences are saved", await saved.Content.ReadAsStringAsync());
        var customer = app.WithDb(db => db.Customers.Single());
        Assert.Equal((true, true, false), (customer.EmailRemindersOff, customer.SmsRemindersOff, customer.MarketingOptIn));

        // The sink has the confirmation before the worker records it sent: moved past its claim before that, the pass
        // below would send it again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (app.WithDb(db => db.Outbox.Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Confirmation && m.Status == OutboxStatus.Sent)) < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the confirmation was not recorded as sent");
            await Task.Delay(20);
        }
        app.Clock.Advance(Duration.FromHours(2));
        await Worker(app).RunOnceAsync(CancellationToken.None);
        // The app's own worker wakes every second and may have claimed the reminders before that pass (which then found
        // nothing): wait for whichever pass holds them to finish with them.
        var settled = DateTime.UtcNow.AddSeconds(30);
        List<Bookwell.Data.OutboxMessage> reminders;
        while ((reminders = app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder).ToList()))
               .Exists(r => r.Status == OutboxStatus.Queued))
        {
            Assert.True(DateTime.UtcNow < settled, "the reminders were never handled");
            await Task.Delay(20);
        }
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.Equal(OutboxStatus.Withdrawn, r.Status));
        Assert.All(reminders, r => Assert.Contains("turned these reminders off", r.LastError, StringComparison.Ordinal));
        Assert.Empty(provider.Requests);
        Assert.Single(sink.Messages());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/booking/" + new string('x', 43) + "/preferences")).StatusCode);
    }

    [Fact]
    public async Task ConfirmedByTheBusiness_ClientGetsAConfirmationWithTheirOwnLink()
    {
        using var sink = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["settings"]!["requiresApproval"] = true;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        Assert.Equal("pending", created["status"]!.GetValue<string>());
        Assert.Contains("request received", Assert.Single(await sink.WaitForAsync(1)).Subject, StringComparison.Ordinal);
        await app.Admin().PostAsync($"/api/v1/admin/bookings/{created["id"]!.GetValue<string>()}/status", Json(new JsonObject { ["status"] = "confirmed" }));
        var mails = await sink.WaitForAsync(2);
        var confirmed = mails.Single(m => m.Subject!.StartsWith("Booking confirmed", StringComparison.Ordinal));
        Assert.Contains($"/booking/{created["manageToken"]!.GetValue<string>()}", confirmed.TextBody, StringComparison.Ordinal);
        var client = app.CreateClient();
        Assert.Equal("confirmed", (await Body(await client.GetAsync($"/api/v1/bookings/{created["manageToken"]!.GetValue<string>()}")))["status"]!.GetValue<string>());
    }
}

public sealed class SqliteSmsTests : SmsTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresSmsTests : SmsTests
{
    protected override Db Kind => Db.Postgres;
}
