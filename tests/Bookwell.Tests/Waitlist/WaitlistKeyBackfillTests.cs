using Bookwell.Data;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Bookwell.Tests.Waitlist;

/// <summary>
/// The migration that brought one live waitlist entry per person keys the entries already waiting (an upgrade, not a
/// fresh database): the oldest of a person's live entries for a day gets the key, so a new join by them is refused; a
/// person who already waited twice keeps both entries (nothing is lost), and the upgrade does not fail on them. Both databases.
/// </summary>
public sealed class WaitlistKeyBackfillTests
{
    private const string Before = "_SessionFifteen";

    private static readonly Guid Tenant = Guid.NewGuid();

    // Upper case, as Microsoft.Data.Sqlite writes a Guid; PostgreSQL reads either case.
    private static string TenantText => Tenant.ToString().ToUpperInvariant();

    private static string Id() => Guid.NewGuid().ToString().ToUpperInvariant();

    /// <summary>Rows as the last release wrote them: Ada twice (in two spellings) for anyone, once for Anna; Bob once; a cancelled one.</summary>
    private static string Rows(string time) => $"""
        INSERT INTO "WaitlistEntries" ("Key", "TenantId", "PageSlug", "ServiceKey", "StaffKey", "Date", "CustomerName", "CustomerEmail", "Language",
            "TimeZone", "TokenHash", "Status", "CreatedAt", "UpdatedAt") VALUES
        ('{Id()}', '{TenantText}', 'salon', 'consult', NULL, '2027-03-15', 'Ada', 'ada@example.com', 'en', 'Europe/Amsterdam', 'h1', 'waiting', {time}, {time}),
        ('{Id()}', '{TenantText}', 'salon', 'consult', NULL, '2027-03-15', 'Ada', ' ADA@Example.com ', 'en', 'Europe/Amsterdam', 'h2', 'offered', {time}, {time}),
        ('{Id()}', '{TenantText}', 'salon', 'consult', 'anna', '2027-03-15', 'Ada', 'ada@example.com', 'en', 'Europe/Amsterdam', 'h3', 'waiting', {time}, {time}),
        ('{Id()}', '{TenantText}', 'salon', 'consult', NULL, '2027-03-15', 'Bob', 'bob@example.com', 'en', 'Europe/Amsterdam', 'h4', 'waiting', {time}, {time}),
        ('{Id()}', '{TenantText}', 'salon', 'consult', NULL, '2027-03-15', 'Cy', 'cy@example.com', 'en', 'Europe/Amsterdam', 'h5', 'cancelled', {time}, {time});
        """;

    private static async Task UpgradeAsync(BookwellDb db, string time)
    {
        db.TenantId = Tenant;
        var previous = db.Database.GetMigrations().Single(m => m.EndsWith(Before, StringComparison.Ordinal));
        await db.GetService<IMigrator>().MigrateAsync(previous);
        await db.Database.ExecuteSqlRawAsync(Rows(time));
        await db.Database.MigrateAsync();

        var keys = await db.WaitlistEntries.IgnoreQueryFilters().AsNoTracking().OrderBy(w => w.Id).Select(w => w.EmailKey).ToListAsync();
        // Ada's first entry for anyone, her entry for Anna, and Bob are keyed; her second entry for anyone and the cancelled one are not.
        Assert.Equal(["ada@example.com", null, "ada@example.com", "bob@example.com", null], keys);

        // The key now refuses Ada joining again for anyone on that day, as the join's own check does for new entries.
        db.WaitlistEntries.Add(new Bookwell.Features.Waitlist.WaitlistEntry
        {
            Key = Guid.NewGuid(),
            TenantId = Tenant,
            PageSlug = "salon",
            ServiceKey = "consult",
            Date = "2027-03-15",
            CustomerName = "Ada",
            CustomerEmail = "ada@example.com",
            EmailKey = "ada@example.com",
            TimeZone = "Europe/Amsterdam",
            TokenHash = "h6",
            Status = Bookwell.Features.Waitlist.WaitlistStatus.Waiting,
        });
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task Sqlite_UpgradeKeysTheLiveEntries()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bookwell-backfill-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = new SqliteBookwellDb(new DbContextOptionsBuilder<SqliteBookwellDb>().UseSqlite($"Data Source={path};Pooling=False").Options);
            await UpgradeAsync(db, "0");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Postgres_UpgradeKeysTheLiveEntries()
    {
        var name = $"bw_backfill_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(BookwellApp.PostgresServer))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = name, Pooling = false }.ConnectionString;
        try
        {
            await using var db = new PostgresBookwellDb(new DbContextOptionsBuilder<PostgresBookwellDb>().UseNpgsql(cs, n => n.UseNodaTime()).Options);
            await UpgradeAsync(db, "now()");
        }
        finally
        {
            await using var connection = new NpgsqlConnection(BookwellApp.PostgresServer);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
