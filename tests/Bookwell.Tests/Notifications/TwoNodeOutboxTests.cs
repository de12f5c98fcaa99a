using System.Globalization;
using Bookwell.Tests.Infrastructure;
using Npgsql;

namespace Bookwell.Tests.Notifications;

/// <summary>
/// Two real app processes drain one PostgreSQL outbox into a real SMTP server: every message once. 2,000 messages (1,000
/// for the kill) at full scale, 500 (300) in the default run (<see cref="TestScale"/>).
/// </summary>
public sealed class TwoNodeOutboxTests
{
    private static readonly int Messages = TestScale.Of(quick: 500, full: 2_000);

    [Fact]
    public async Task TwoNodes_DrainABatch_EachSentExactlyOnce()
    {
        var name = $"bw_{Guid.NewGuid():N}";
        await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"CREATE DATABASE \"{name}\"");
        var cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = name }.ConnectionString;
        using var sink = SmtpSink.Start();
        var smtp = new Dictionary<string, string>
        {
            ["Bookwell__Smtp__Host"] = "127.0.0.1",
            ["Bookwell__Smtp__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Bookwell__Smtp__UseTls"] = "false",
            ["Bookwell__Smtp__From"] = "bookings@salon.example",
        };
        var a = Node.Start(cs, smtp);
        var b = Node.Start(cs, smtp);
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());
            // Queue the whole batch in one statement, as due now, while both workers are already polling.
            await Pg.ExecuteAsync(cs, $"""
                INSERT INTO "OutboxMessages" ("Id", "TenantId", "Kind", "To", "Subject", "TextBody", "Status", "Attempts", "DueAt", "CreatedAt")
                SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'reminder', 'client' || i || '@example.com',
                       'Reminder ' || i, 'See you tomorrow.', 'queued', 0, now() - interval '1 minute', now()
                FROM generate_series(1, {Messages}) AS i
                """);
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (await Pg.CountAsync(cs, "SELECT count(*) FROM \"OutboxMessages\" WHERE \"Status\" = 'sent'") < Messages && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
            Assert.Equal(Messages, await Pg.CountAsync(cs, "SELECT count(*) FROM \"OutboxMessages\" WHERE \"Status\" = 'sent'"));
            var ids = sink.MessageIds();
            Assert.Equal(Messages, ids.Count);
            Assert.Equal(Messages, ids.Distinct().Count());
        }
        finally
        {
            a.Dispose();
            b.Dispose();
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    [Fact]
    public async Task NodeKilledWhileSending_RestartSendsTheRest_NoneLostRepeatsKeepTheirMessageId()
    {
        var count = TestScale.Of(quick: 300, full: 1_000);
        var name = $"bw_{Guid.NewGuid():N}";
        await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"CREATE DATABASE \"{name}\"");
        var cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = name }.ConnectionString;
        using var sink = SmtpSink.Start();
        var settings = new Dictionary<string, string>
        {
            ["Bookwell__Smtp__Host"] = "127.0.0.1",
            ["Bookwell__Smtp__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Bookwell__Smtp__UseTls"] = "false",
            ["Bookwell__Outbox__LeaseSeconds"] = "3",
        };
        var first = Node.Start(cs, settings);
        Node? second = null;
        try
        {
            await first.WaitReadyAsync();
            await Pg.ExecuteAsync(cs, $"""
                INSERT INTO "OutboxMessages" ("Id", "TenantId", "Kind", "To", "Subject", "TextBody", "Status", "Attempts", "DueAt", "CreatedAt")
                SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'reminder', 'client' || i || '@example.com',
                       'Reminder ' || i, 'See you tomorrow.', 'queued', 0, now() - interval '1 minute', now()
                FROM generate_series(1, {count}) AS i
                """);
            while (sink.Count() < count / 5)
            {
                await Task.Delay(10);
            }
            first.Kill();
            var beforeRestart = sink.Count();
            Assert.True(beforeRestart < count, "the kill came in the middle of the batch");

            second = Node.Start(cs, settings);
            await second.WaitReadyAsync();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (await Pg.CountAsync(cs, "SELECT count(*) FROM \"OutboxMessages\" WHERE \"Status\" = 'sent'") < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            var ids = sink.MessageIds();
            var distinct = ids.Distinct().Count();
            Assert.Equal(count, distinct); // none lost
            var repeats = ids.Count - distinct;
            // A repeat can only be a message that was in flight at the kill, so there are at most one batch's worth.
            Assert.InRange(repeats, 0, 50);
            Console.WriteLine($"crash test: {count} messages, {beforeRestart} delivered before SIGKILL, {repeats} repeated (same Message-ID)");
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }
}
