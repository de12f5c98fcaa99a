using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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

/// <summary>Confirmation and cancellation mails through the outbox to a real SMTP server on loopback.</summary>
public abstract class EmailTests
{
    protected abstract Db Kind { get; }

    private async Task<BookwellApp> StartWithSmtp(int port, Action<JsonObject>? change = null)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
        });
        var doc = Config();
        // The client's own mails are what most tests count; business notices have their own test.
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        change?.Invoke(doc);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    private static Ical.Net.CalendarComponents.CalendarEvent Event(MimeMessage message, out string method)
    {
        var part = message.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "text/calendar");
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        var calendar = Calendar.Load(System.Text.Encoding.UTF8.GetString(stream.ToArray()))!;
        method = calendar.Method!;
        return calendar.Events.Single();
    }

    [Fact]
    public async Task Booking_SendsConfirmationWithIcsAndManageLink_CancelSendsCancel()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", email: "ada@example.com")));
        var token = created["manageToken"]!.GetValue<string>();

        var mail = Assert.Single(await sink.WaitForAsync(1));
        Assert.Equal("ada@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Contains("Booking confirmed", mail.Subject);
        Assert.Contains($"/booking/{token}", mail.TextBody);
        Assert.Contains($"/booking/{token}", mail.HtmlBody);
        var evt = Event(mail, out var method);
        Assert.Equal("REQUEST", method);
        Assert.Equal(new DateTime(2027, 3, 2, 9, 0, 0, DateTimeKind.Utc), evt.DtStart!.AsUtc);
        Assert.Equal($"{created["id"]!.GetValue<string>()}@bookwell", evt.Uid);

        // Once recorded as sent (right after the send, in the worker's group), the stored copy no longer holds the manage link.
        var stored = await WaitUntil(app, m => m.Status == OutboxStatus.Sent);
        Assert.Equal(Bookwell.Features.Notifications.MessageKind.Confirmation, stored.Kind);
        Assert.Equal(OutboxStatus.Sent, stored.Status);
        Assert.Null(stored.TextBody);
        Assert.Equal($"{stored.Id:N}@bookwell", mail.MessageId);

        await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/cancel", null);
        var both = await sink.WaitForAsync(2);
        Assert.Equal(2, both.Count);
        var cancel = Event(both.Single(m => m.Subject!.Contains("Booking cancelled", StringComparison.Ordinal)), out var cancelMethod);
        Assert.Equal("CANCEL", cancelMethod);
        Assert.Equal(evt.Uid, cancel.Uid);
    }

    [Fact]
    public async Task SmtpDown_MessageWaitsWithBackoff_ThenArrivesOnce()
    {
        var sink = new SmtpSink(); // port reserved, nothing listening yet
        await using var app = await StartWithSmtp(sink.Port);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00"))).StatusCode);
        var failed = await WaitUntil(app, m => m.Attempts >= 1);
        Assert.Equal(OutboxStatus.Queued, failed.Status);
        Assert.NotNull(failed.LastError);
        Assert.True(failed.DueAt > app.Clock.GetCurrentInstant(), "retry is scheduled in the future");

        sink.Launch();
        using (sink)
        {
            app.Clock.Advance(Duration.FromMinutes(5));
            Assert.Single(await sink.WaitForAsync(1));
            var sent = await WaitUntil(app, m => m.Status == OutboxStatus.Sent);
            Assert.Equal(1, sent.Attempts);
        }
    }

    [Fact]
    public async Task ParkedMessage_IsListedForTheAdmin_AndRetrySendsIt()
    {
        var sink = new SmtpSink(); // nothing listening: every attempt fails
        await using var app = await StartWithSmtp(sink.Port);
        var booking = await Body(await Book(app.CreateClient(), Booking("2027-03-02T15:00:00+01:00")));
        var worker = app.Services.GetServices<IHostedService>().OfType<OutboxWorker>().Single();
        for (var i = 0; i < OutboxWorker.MaxAttempts; i++)
        {
            await WaitUntil(app, m => m.Attempts > i || m.Status == OutboxStatus.Parked);
            app.Clock.Advance(Duration.FromHours(2)); // past the longest backoff
            await worker.RunOnceAsync(CancellationToken.None);
        }
        var parked = await WaitUntil(app, m => m.Status == OutboxStatus.Parked);
        Assert.Equal(OutboxStatus.Parked, parked.Status);

        var list = await app.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/messages?status=parked&booking={booking["id"]!.GetValue<string>()}");
        var record = Assert.Single(list!["items"]!.AsArray());
        Assert.Equal("ada@example.com", record!["to"]!.GetValue<string>());
        Assert.NotNull(record["lastError"]);

        sink.Launch();
        using (sink)
        {
            var retried = await app.Admin().PostAsync($"/api/v1/admin/messages/{record["id"]!.GetValue<string>()}/retry", null);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.Single(await sink.WaitForAsync(1));
            Assert.Equal(OutboxStatus.Sent, (await WaitUntil(app, m => m.Status == OutboxStatus.Sent)).Status);
        }
    }

    [Fact]
    public async Task DutchBooking_GetsADutchMail()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T13:00:00+01:00"))).StatusCode);
        var mail = Assert.Single(await sink.WaitForAsync(1));
        Assert.Contains("Afspraak bevestigd", mail.Subject);
        Assert.Contains("Beste Ada Lovelace", mail.TextBody);
    }

    [Fact]
    public async Task Reminder_GoesOutAtExactlyTwentyFourHoursBefore_AndMovesWithAReschedule()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port);
        var worker = app.Services.GetServices<IHostedService>().OfType<OutboxWorker>().Single();
        // Now is Monday 08:00; the booking is Tuesday 10:00, so its reminder is due Monday 10:00.
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        Assert.Single(await sink.WaitForAsync(1));
        // The worker records a send a moment after the server took it; moving the fake clock two hours before
        // that would expire its lease and send the confirmation again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // (Once the sink has the mail its row is already past Queued: wait for Sent itself.)
        while (!app.WithDb(db => db.Outbox.Any(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Confirmation && m.Status == OutboxStatus.Sent)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the confirmation was never recorded as sent");
            await Task.Delay(20);
        }

        app.Clock.Advance(Duration.FromMinutes(119));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.DoesNotContain(sink.Messages(), m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal));

        app.Clock.Advance(Duration.FromMinutes(1));
        var mails = await sink.WaitForAsync(2);
        var reminder = Assert.Single(mails, m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal));
        Assert.Contains($"/booking/{created["manageToken"]!.GetValue<string>()}", reminder.TextBody);

        // A second booking moved to Wednesday: the old reminder is withdrawn, a new one is due Tuesday.
        var other = await Body(await Book(app.CreateClient(), Booking("2027-03-02T14:00:00+01:00", email: "bo@example.com")));
        await app.CreateClient().PostAsync($"/api/v1/bookings/{other["manageToken"]!.GetValue<string>()}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-03T14:00:00+01:00" }));
        var reminders = app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder && m.To == "bo@example.com").ToList());
        Assert.Equal([OutboxStatus.Queued, OutboxStatus.Withdrawn], reminders.Select(r => r.Status).Order());
        Assert.Equal(Instant.FromUtc(2027, 3, 2, 13, 0), reminders.Single(r => r.Status == OutboxStatus.Queued).DueAt);
    }

    [Fact]
    public async Task ServiceReminderTimes_OverrideThePage_AndPastOnesAreSkipped()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port, d =>
        {
            d["pages"]![0]!["settings"]!["reminderMinutes"] = new JsonArray(2880);
            d["pages"]![0]!["services"]![1]!["reminderMinutes"] = new JsonArray(1440, 60, 10080);
        });
        // Now is Monday 08:00: a week before Tuesday 10:00 has passed, a day and an hour before have not.
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", service: "consult"));
        await Book(app.CreateClient(), Booking("2027-03-04T10:00:00+01:00", email: "h@example.com"));
        var due = app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder).Select(m => new { m.To, m.DueAt }).ToList());
        Assert.Equal([Instant.FromUtc(2027, 3, 1, 9, 0), Instant.FromUtc(2027, 3, 2, 8, 0)],
            due.Where(d => d.To == "ada@example.com").Select(d => d.DueAt).Order());
        Assert.Equal([Instant.FromUtc(2027, 3, 2, 9, 0)], due.Where(d => d.To == "h@example.com").Select(d => d.DueAt));
    }

    [Fact]
    public async Task NewAndCancelledBookings_NotifyTheStaffMemberAndOwner_WithoutTheClientsLink()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port, d =>
        {
            d["pages"]![0]!["settings"]!["notifyStaff"] = true;
            d["pages"]![0]!["settings"]!["ownerEmail"] = "owner@salon.example";
        });
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", staff: "anna")));
        var mails = await sink.WaitForAsync(3);
        Assert.Equal(["ada@example.com", "anna@example.com", "owner@salon.example"], mails.Select(m => m.To.Mailboxes.Single().Address).Order());
        var notice = mails.Single(m => m.To.Mailboxes.Single().Address == "anna@example.com");
        Assert.StartsWith("New booking: Haircut", notice.Subject);
        Assert.Contains("ada@example.com", notice.TextBody);
        Assert.DoesNotContain(created["manageToken"]!.GetValue<string>(), notice.TextBody);

        await app.CreateClient().PostAsync($"/api/v1/bookings/{created["manageToken"]!.GetValue<string>()}/cancel", null);
        var all = await sink.WaitForAsync(6);
        Assert.Equal(2, all.Count(m => m.Subject!.StartsWith("Cancelled: Haircut", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DoubleOptIn_ClientConfirmsFromTheMail_ThenGetsTheInvitation()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port, d => d["pages"]![0]!["settings"]!["doubleOptInHours"] = 2);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        Assert.Equal("pending", created["status"]!.GetValue<string>());
        var token = created["manageToken"]!.GetValue<string>();
        var ask = Assert.Single(await sink.WaitForAsync(1));
        Assert.Contains("Please confirm your booking", ask.Subject);
        Assert.Contains($"/booking/{token}?confirm=1", ask.TextBody);
        Assert.DoesNotContain(ask.BodyParts, p => p.ContentType.MimeType == "text/calendar");

        var confirmed = await Body(await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/confirm", null));
        Assert.Equal("confirmed", confirmed["status"]!.GetValue<string>());
        var mails = await sink.WaitForAsync(2);
        var invitation = Assert.Single(mails, m => m.Subject!.StartsWith("Booking confirmed", StringComparison.Ordinal));
        Event(invitation, out var method);
        Assert.Equal("REQUEST", method);
    }

    [Fact]
    public async Task DoubleOptIn_NotConfirmedInTime_IsCancelledAndFreesTheSlot()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartWithSmtp(sink.Port, d => d["pages"]![0]!["settings"]!["doubleOptInHours"] = 2);
        var client = app.CreateClient();
        var created = await Body(await Book(client, Booking("2027-03-02T10:00:00+01:00")));
        Assert.DoesNotContain("2027-03-02T10:00:00+01:00", await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02"));
        app.Clock.Advance(Duration.FromMinutes(121));
        await app.Services.GetRequiredService<Bookwell.Features.Bookings.TimeRulesWorker>().RunOnceAsync(CancellationToken.None);
        var token = created["manageToken"]!.GetValue<string>();
        Assert.Equal("cancelled", (await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}"))!["status"]!.GetValue<string>());
        Assert.Contains("2027-03-02T10:00:00+01:00", await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/bookings/{token}/confirm", null)).StatusCode);
    }

    private static async Task<Data.OutboxMessage> WaitUntil(BookwellApp app, Func<Data.OutboxMessage, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var message = app.WithDb(db => db.Outbox.AsNoTracking().Single(m => m.Kind != Bookwell.Features.Notifications.MessageKind.Reminder));
            if (condition(message) || DateTime.UtcNow > deadline)
            {
                return message;
            }
            await Task.Delay(50);
        }
    }
}

public sealed class SqliteEmailTests : EmailTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresEmailTests : EmailTests
{
    protected override Db Kind => Db.Postgres;
}
