using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Ical.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Notifications;

/// <summary>
/// Queued messages (reminders wait for days) are stored without the client's manage token; the worker renders
/// the link when it sends, from the booking's sealed copy. A copy of the database opens no booking.
/// </summary>
public abstract partial class ManageLinkAtSendTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex(@"https?://[^\s""<>]+/booking/([A-Za-z0-9_-]{43})")]
    private static partial Regex ManageLink();

    private async Task<BookwellApp> StartAsync(SmtpSink sink, FakeSmsProvider provider)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
            s["Bookwell:Sms:Provider"] = "twilio";
            s["Bookwell:Sms:Url"] = provider.Url;
            s["Bookwell:Sms:AccountSid"] = "AC0123";
            s["Bookwell:Sms:AuthToken"] = "secret-token";
            s["Bookwell:Sms:From"] = "+3197010000000";
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["settings"]!["smsReminders"] = true;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    private static JsonObject WithPhone(string start) => Booking(start).Also(b => b["customer"]!["phone"] = "06 12345678");

    /// <summary>Every column of every stored message, as text, with .ics folding undone (a folded token would hide from a plain search).</summary>
    private static List<string> EveryStoredValue(BookwellApp app) => app.WithDb(db =>
    {
        var values = new List<string>();
        var connection = db.Database.GetDbConnection();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM \"OutboxMessages\"";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (!reader.IsDBNull(i))
                {
                    values.Add(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!.Replace("\r\n ", "", StringComparison.Ordinal));
                }
            }
        }
        return values;
    });

    private static string Ics(MimeMessage message)
    {
        var part = message.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "text/calendar");
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static OutboxWorker Worker(BookwellApp app) => app.Services.GetServices<IHostedService>().OfType<OutboxWorker>().Single();

    /// <summary>
    /// Waits until the background worker has recorded every mail it sent as sent. Its claim lasts minutes of the fake
    /// clock; a test that jumps hours ahead before the worker recorded its send would see the same row claimed again.
    /// </summary>
    private static async Task SentRecordedAsync(BookwellApp app, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Channel == OutboxChannel.Email && m.Status == OutboxStatus.Sent)) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} e-mails recorded as sent");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task StoredMessagesHoldNoToken_SentOnesCarryTheWorkingLink_InTextHtmlIcsAndSms()
    {
        var sink = new SmtpSink(); // nothing listening yet: the confirmation stays queued, bodies and all
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, provider);
        var client = app.CreateClient();
        var created = await Body(await Book(client, WithPhone("2027-03-02T10:00:00+01:00")));
        var token = created["manageToken"]!.GetValue<string>();

        var stored = app.WithDb(db => db.Outbox.AsNoTracking().ToList());
        Assert.Equal(["confirmation:email", "reminder:email", "reminder:sms"], stored.Select(m => $"{m.Kind.ToWire()}:{m.Channel.ToWire()}").Order());
        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains(token, StringComparison.Ordinal));
        Assert.All(stored, m => Assert.Contains(ManageLinks.Placeholder, m.TextBody, StringComparison.Ordinal));
        Assert.NotNull(stored.Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Confirmation).Ics);

        // The attempt made while the server is down must be recorded before the clock moves: recorded after it, its retry
        // would fall after the moved clock, which does not move again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (app.WithDb(db => db.Outbox.AsNoTracking().Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Confirmation && m.Attempts >= 1)) < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the confirmation's first attempt was not recorded");
            await Task.Delay(20);
        }
        sink.Launch();
        using (sink)
        {
            app.Clock.Advance(Duration.FromMinutes(5)); // past the retry of the attempt made while the server was down
            var confirmation = Assert.Single(await sink.WaitForAsync(1));
            await SentRecordedAsync(app, 1);
            Assert.Equal(token, ManageLink().Match(confirmation.TextBody!).Groups[1].Value);
            Assert.Contains($"/booking/{token}\"", confirmation.HtmlBody, StringComparison.Ordinal);
            Assert.Contains($"/booking/{token}/preferences", confirmation.TextBody, StringComparison.Ordinal);
            Assert.DoesNotContain("{{", confirmation.TextBody + confirmation.HtmlBody, StringComparison.Ordinal);
            var calendar = Calendar.Load(Ics(confirmation))!;
            var evt = calendar.Events.Single();
            Assert.Equal(token, ManageLink().Match(evt.Url!.ToString()).Groups[1].Value);
            Assert.Contains($"/booking/{token}", evt.Description, StringComparison.Ordinal);

            // A day later the reminders go out, by e-mail and by text, with the link the client can open.
            app.Clock.Advance(Duration.FromHours(2));
            await Worker(app).RunOnceAsync(CancellationToken.None);
            var reminder = Assert.Single(await sink.WaitForAsync(2), m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal));
            var link = ManageLink().Match(reminder.TextBody!);
            Assert.Equal(token, link.Groups[1].Value);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/bookings/{link.Groups[1].Value}")).StatusCode);
            var sms = System.Web.HttpUtility.ParseQueryString(Assert.Single(await provider.WaitForAsync(1)).Body)["Body"]!;
            Assert.Equal(token, ManageLink().Match(sms).Groups[1].Value);
        }

        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SealedCopyUnreadable_LinksToTheBookingPage_ClientActionSealsItAgain()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, provider);
        var client = app.CreateClient();
        var created = await Body(await Book(client, Booking("2027-03-02T10:00:00+01:00")));
        var token = created["manageToken"]!.GetValue<string>();
        var id = Guid.Parse(created["id"]!.GetValue<string>());
        await sink.WaitForAsync(1);
        await SentRecordedAsync(app, 1);
        // As for a booking from before sealed copies, or whose key is lost: nothing to open at sending time.
        app.WithDb(db => db.Bookings.IgnoreQueryFilters().Where(b => b.Id == id).ExecuteUpdate(s => s.SetProperty(b => b.ManageTokenSealed, (string?)null)));

        app.Clock.Advance(Duration.FromHours(2));
        await Worker(app).RunOnceAsync(CancellationToken.None);
        var reminder = Assert.Single(await sink.WaitForAsync(2), m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal));
        Assert.Contains("/book/salon\n", reminder.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("/booking/", reminder.TextBody + reminder.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", reminder.TextBody + reminder.HtmlBody, StringComparison.Ordinal);

        // The client moves it with its own link: that leaves a sealed copy, so the next mails carry the link again.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-03T10:00:00+01:00" }))).StatusCode);
        var moved = Assert.Single(await sink.WaitForAsync(3), m => m.Subject!.StartsWith("Booking moved", StringComparison.Ordinal));
        Assert.Equal(token, ManageLink().Match(moved.TextBody!).Groups[1].Value);
        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MessagesStoredByAnEarlierVersion_LoseTheirTokens_AndStillGoOutWithTheLink()
    {
        using var sink = SmtpSink.Start();
        await using var provider = await FakeSmsProvider.StartAsync();
        await using var app = await StartAsync(sink, provider);
        var client = app.CreateClient();
        var created = await Body(await Book(client, Booking("2027-03-02T10:00:00+01:00")));
        var token = created["manageToken"]!.GetValue<string>();
        var id = Guid.Parse(created["id"]!.GetValue<string>());
        await sink.WaitForAsync(1);
        await SentRecordedAsync(app, 1);
        // As an earlier version stored them: the link in clear in the queued reminders and the text message's
        // subject, for a booking from before sealed copies.
        app.WithDb(db =>
        {
            db.Bookings.IgnoreQueryFilters().Where(b => b.Id == id).ExecuteUpdate(s => s.SetProperty(b => b.ManageTokenSealed, (string?)null));
            foreach (var m in db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder).ToList())
            {
                m.TextBody = m.TextBody!.Replace(ManageLinks.Placeholder, token, StringComparison.Ordinal);
                m.HtmlBody = m.HtmlBody?.Replace(ManageLinks.Placeholder, token, StringComparison.Ordinal);
                m.Subject = m.Channel == OutboxChannel.Sms ? m.TextBody : m.Subject;
            }
            return db.SaveChanges();
        });
        Assert.Contains(EveryStoredValue(app), v => v.Contains(token, StringComparison.Ordinal));

        int stripped;
        using (var scope = app.Services.CreateScope())
        {
            stripped = await ManageLinks.StripStoredTokensAsync(scope.ServiceProvider.GetRequiredService<Bookwell.Data.BookwellDb>(),
                app.Services.GetRequiredService<Bookwell.Data.SqliteWriteGate>(),
                app.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(), CancellationToken.None);
        }
        Assert.Equal(2, stripped);
        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains(token, StringComparison.Ordinal));

        app.Clock.Advance(Duration.FromHours(2));
        await Worker(app).RunOnceAsync(CancellationToken.None);
        var reminder = Assert.Single(await sink.WaitForAsync(2), m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal));
        Assert.Equal(token, ManageLink().Match(reminder.TextBody!).Groups[1].Value);
        var sms = System.Web.HttpUtility.ParseQueryString(Assert.Single(await provider.WaitForAsync(1)).Body)["Body"]!;
        Assert.Equal(token, ManageLink().Match(sms).Groups[1].Value);
    }
}

public sealed class SqliteManageLinkAtSendTests : ManageLinkAtSendTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresManageLinkAtSendTests : ManageLinkAtSendTests
{
    protected override Db Kind => Db.Postgres;
}
