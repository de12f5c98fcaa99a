// The outbox dispatcher under load, on PostgreSQL, with a sender that does nothing (so only the dispatcher's
// own work is measured: claiming, reading, recording).
//
//   dotnet run -c Release --project bench/Bookwell.Dispatch -- claims [messages]   claim-and-record throughput
//   dotnet run -c Release --project bench/Bookwell.Dispatch -- day [messages]      a day of reminders: due-to-sent lag
//
// BOOKWELL_BENCH_POSTGRES names the server; each run creates and drops its own database.
using System.Diagnostics;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

var mode = args.FirstOrDefault() ?? "claims";
var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : mode == "day" ? 1_000_000 : 200_000;
var server = Environment.GetEnvironmentVariable("BOOKWELL_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres";
var name = $"bw_dispatch_{Guid.NewGuid():N}";
await using (var admin = new NpgsqlConnection(server))
{
    await admin.OpenAsync();
    await new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin).ExecuteNonQueryAsync();
}
var cs = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
var clock = new SimClock(Instant.FromUtc(2027, 3, 1, 0, 0));
var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Bookwell:Database"] = "postgres",
    ["ConnectionStrings:Bookwell"] = cs,
    ["Bookwell:Outbox:BatchSize"] = Environment.GetEnvironmentVariable("BATCH") ?? "1000",
    ["Bookwell:Outbox:MarkEvery"] = Environment.GetEnvironmentVariable("MARK") ?? "50",
}).Build();
var services = new ServiceCollection()
    .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
    .AddSingleton<IConfiguration>(config)
    .AddSingleton<IClock>(clock)
    .AddScoped<TenantContext>()
    .AddSingleton<SqliteWriteGate>()
    .AddSingleton<OutboxSignal>()
    .AddSingleton<IEmailSender, NullSender>()
    .AddSingleton<OutboxWorker>()
    .AddBookwellDatabase(config)
    .BuildServiceProvider();
try
{
    await DatabaseSetup.InitializeAsync(services);
    var worker = services.GetRequiredService<OutboxWorker>();
    var start = clock.GetCurrentInstant();
    var due = mode == "day" ? DayOfReminders(count, start) : Enumerable.Repeat(start, count);
    var copy = Stopwatch.StartNew();
    await InsertAsync(cs, due);
    Console.WriteLine($"queued {count:N0} messages in {copy.Elapsed.TotalSeconds:F1} s");

    var run = Stopwatch.StartNew();
    var busy = TimeSpan.Zero;
    var handled = 0;
    while (true)
    {
        var pass = Stopwatch.StartNew();
        var n = await worker.RunOnceAsync(CancellationToken.None);
        if (n > 0)
        {
            handled += n;
            busy += pass.Elapsed;
            continue;
        }
        // Nothing due: jump the clock to the next due message (the idle hours of a simulated day take no time).
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        var next = await new NpgsqlCommand("SELECT min(\"DueAt\") FROM \"OutboxMessages\" WHERE \"Status\" = 'queued'", connection).ExecuteScalarAsync();
        if (next is not DateTime at)
        {
            break;
        }
        clock.JumpTo(Instant.FromDateTimeUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc)));
    }
    Console.WriteLine($"dispatched {handled:N0} in {busy.TotalSeconds:F1} s of work ({run.Elapsed.TotalSeconds:F1} s wall): {handled / busy.TotalSeconds:N0} messages/s");
    await using (var connection = new NpgsqlConnection(cs))
    {
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*), percentile_cont(ARRAY[0.5, 0.99, 1.0]) WITHIN GROUP (ORDER BY extract(epoch FROM "SentAt" - "DueAt"))
            FROM "OutboxMessages" WHERE "Status" = 'sent'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var p = reader.GetFieldValue<double[]>(1);
        Console.WriteLine($"sent {reader.GetInt64(0):N0}; due-to-sent lag: median {p[0]:F2} s, p99 {p[1]:F2} s, max {p[2]:F2} s");
    }
}
finally
{
    await services.DisposeAsync();
    NpgsqlConnection.ClearAllPools();
    await using var admin = new NpgsqlConnection(server);
    await admin.OpenAsync();
    await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin).ExecuteNonQueryAsync();
}

// A day of reminders: bookings start on a 15-minute grid from 07:00 to 21:00, more around midday, and each
// reminder is due a day before its booking; so the due times come in bursts, as they do in real life.
static IEnumerable<Instant> DayOfReminders(int count, Instant dayStart)
{
    var random = new Random(42);
    var slots = Enumerable.Range(0, 56).Select(i => dayStart + Duration.FromMinutes(7 * 60 + i * 15)).ToArray();
    for (var i = 0; i < count; i++)
    {
        var a = random.Next(slots.Length);
        var b = random.Next(slots.Length);
        yield return slots[(a + b) / 2];
    }
}

static async Task InsertAsync(string cs, IEnumerable<Instant> due)
{
    await using var connection = new NpgsqlConnection(cs);
    await connection.OpenAsync();
    await using var import = await connection.BeginBinaryImportAsync(
        "COPY \"OutboxMessages\" (\"Id\", \"TenantId\", \"Kind\", \"Channel\", \"To\", \"Subject\", \"TextBody\", \"Status\", \"Attempts\", \"DueAt\", \"CreatedAt\") FROM STDIN (FORMAT BINARY)");
    foreach (var at in due)
    {
        await import.StartRowAsync();
        await import.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
        await import.WriteAsync(DefaultTenant.Id, NpgsqlDbType.Uuid);
        await import.WriteAsync("reminder", NpgsqlDbType.Varchar);
        await import.WriteAsync("email", NpgsqlDbType.Varchar);
        await import.WriteAsync("client@example.com", NpgsqlDbType.Varchar);
        await import.WriteAsync("Reminder: Haircut tomorrow 10:00", NpgsqlDbType.Varchar);
        await import.WriteAsync("Hello, see you tomorrow. Change or cancel: https://book.example.com/booking/xyz", NpgsqlDbType.Text);
        await import.WriteAsync("queued", NpgsqlDbType.Varchar);
        await import.WriteAsync(0, NpgsqlDbType.Integer);
        await import.WriteAsync(at.ToDateTimeUtc(), NpgsqlDbType.TimestampTz);
        await import.WriteAsync(at.ToDateTimeUtc(), NpgsqlDbType.TimestampTz);
    }
    await import.CompleteAsync();
}

/// <summary>Runs at the speed of the real clock while there is work, and jumps ahead over idle time.</summary>
internal sealed class SimClock(Instant start) : IClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private Instant _base = start;

    public Instant GetCurrentInstant() => _base + Duration.FromTimeSpan(_watch.Elapsed);

    public void JumpTo(Instant at)
    {
        if (at > GetCurrentInstant())
        {
            _base = at;
            _watch.Restart();
        }
    }
}

internal sealed class NullSender : IEmailSender
{
    public Task SendAsync(OutgoingEmail message, CancellationToken ct) => Task.CompletedTask;
}
