using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Changes of one booking racing one another go through the lifecycle seam one at a time, each seeing the
/// last one's result: a cancel racing reschedules ends cancelled once, with its time free and its mail sent once.
/// </summary>
public abstract class LifecycleRaceTests
{
    protected abstract Db Kind { get; }

    /// <summary>A port nobody listens on: mail is queued (there is a sender) but never leaves, so the outbox can be counted.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task SixCancelsAndSixReschedulesAtOnce_TwentyRounds_OneCancellation_TimeFreed_MailOnce()
    {
        var port = ClosedPort();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), PageCalendarTests.Studio())).StatusCode);
        string[] targets = ["09:00", "10:30", "12:00", "13:30", "15:00", "16:00"];

        for (var round = 0; round < 20; round++)
        {
            var client = app.CreateClient();
            var created = await Book(client, Booking("2027-03-02T10:00:00+01:00", "session", $"round{round}@example.com"), "studio");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var booked = await Body(created);
            var token = booked["manageToken"]!.GetValue<string>();
            var id = Guid.Parse(booked["id"]!.GetValue<string>());

            using var go = new SemaphoreSlim(0);
            var cancels = Enumerable.Range(0, 6).Select(async _ =>
            {
                await go.WaitAsync();
                return await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/cancel", null);
            }).ToArray();
            var moves = targets.Select(async time =>
            {
                await go.WaitAsync();
                return await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/reschedule",
                    Json(new JsonObject { ["start"] = $"2027-03-03T{time}:00+01:00" }));
            }).ToArray();
            go.Release(12);
            var cancelled = await Task.WhenAll(cancels);
            var moved = await Task.WhenAll(moves);

            Assert.All(cancelled, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.All(moved, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
            var movedCount = moved.Count(r => r.StatusCode == HttpStatusCode.OK);

            var (status, history, live, outbox) = app.WithDb(db => (
                db.Bookings.Single(b => b.Id == id).Status,
                db.BookingEvents.Where(e => e.BookingId == id).OrderBy(e => e.Id).ToList(),
                db.Allocations.Count(a => a.Live),
                db.Outbox.Where(m => m.BookingId == id).ToList()));
            Assert.Equal(BookingStatus.Cancelled, status);
            Assert.Equal(1, history.Count(e => e.ToStatus == BookingStatus.Cancelled && e.FromStatus != BookingStatus.Cancelled));
            Assert.Equal(BookingStatus.Cancelled, history[^1].ToStatus);
            Assert.Equal(BookingAction.Status, history[^1].Action);
            Assert.Equal(movedCount, history.Count(e => e.Action == BookingAction.Rescheduled));
            // Nothing of this round holds time any more: every time it touched is free again.
            Assert.Equal(0, live);
            Assert.Equal(1, outbox.Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Cancelled && m.To == $"round{round}@example.com"));
            Assert.Equal(movedCount, outbox.Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Rescheduled && m.To == $"round{round}@example.com"));
            Assert.DoesNotContain(outbox, m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder && m.Status == OutboxStatus.Queued);
        }
    }

    [Fact]
    public async Task CancelledMeanwhile_TheQueuedReminderIsNotSent()
    {
        using var smtp = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), PageCalendarTests.Studio())).StatusCode);
        var client = app.CreateClient();
        var first = await Body(await Book(client, Booking("2027-03-02T10:00:00+01:00", "session", "gone@example.com"), "studio"));
        var second = await Body(await Book(client, Booking("2027-03-02T13:00:00+01:00", "session", "moved@example.com"), "studio"));
        var gone = Guid.Parse(first["id"]!.GetValue<string>());
        var moved = Guid.Parse(second["id"]!.GetValue<string>());
        // Past the paths that withdraw reminders (as an older version, or a bug, could leave them): one booking
        // ends, the other's time changes, both straight in the database.
        app.WithDb(db =>
        {
            db.Bookings.Where(b => b.Id == gone).ExecuteUpdate(s => s.SetProperty(b => b.Status, BookingStatus.Cancelled));
            var later = db.Bookings.Single(b => b.Id == moved).StartsAt + NodaTime.Duration.FromHours(2);
            return db.Bookings.Where(b => b.Id == moved).ExecuteUpdate(s => s.SetProperty(b => b.StartsAt, later));
        });
        app.Clock.AdvanceHours(24 + 4); // past both reminder moments (a day before each)
        var worker = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<OutboxWorker>().Single();
        // The app's own worker may hold some of them under its lease meanwhile: run passes until none is left queued.
        List<OutboxMessage> Reminders() => app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder && (m.BookingId == gone || m.BookingId == moved)).ToList());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Reminders().Exists(m => m.Status == OutboxStatus.Queued) && DateTime.UtcNow < deadline)
        {
            if (await worker.RunOnceAsync(CancellationToken.None) == 0)
            {
                await Task.Delay(20);
            }
        }
        var reminders = Reminders();
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, m => Assert.Equal(OutboxStatus.Withdrawn, m.Status));
        Assert.DoesNotContain(smtp.Messages(), m => m.Subject?.StartsWith("Reminder", StringComparison.Ordinal) == true);
    }
}

public sealed class SqliteLifecycleRaceTests : LifecycleRaceTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresLifecycleRaceTests : LifecycleRaceTests
{
    protected override Db Kind => Db.Postgres;
}
