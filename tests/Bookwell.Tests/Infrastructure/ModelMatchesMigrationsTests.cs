using Bookwell.Data;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// The model the code declares is the model the migrations build, for both databases: a property added without its
/// migration fails here by name of the context. (Test apps skip EF's own check at each start; see BookwellApp.)
/// </summary>
public sealed class ModelMatchesMigrationsTests
{
    [Fact]
    public void Sqlite_NoModelChangesWithoutAMigration()
    {
        using var db = new SqliteBookwellDb(new DbContextOptionsBuilder<SqliteBookwellDb>().UseSqlite("Data Source=:memory:").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "the SQLite model has changes no migration makes: add one (README, schema changes)");
    }

    [Fact]
    public void Postgres_NoModelChangesWithoutAMigration()
    {
        // Only the model is compared: no connection is opened.
        using var db = new PostgresBookwellDb(new DbContextOptionsBuilder<PostgresBookwellDb>().UseNpgsql("Host=127.0.0.1", n => n.UseNodaTime()).Options);
        Assert.False(db.Database.HasPendingModelChanges(), "the PostgreSQL model has changes no migration makes: add one (README, schema changes)");
    }
}
