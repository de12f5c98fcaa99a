using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bookwell.Data;

/// <summary>Used only by <c>dotnet ef migrations add</c>; the running app configures contexts in <see cref="DatabaseSetup"/>.</summary>
public sealed class SqliteDesignFactory : IDesignTimeDbContextFactory<SqliteBookwellDb>
{
    public SqliteBookwellDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteBookwellDb>().UseSqlite("Data Source=design.db").Options);
}

public sealed class PostgresDesignFactory : IDesignTimeDbContextFactory<PostgresBookwellDb>
{
    public PostgresBookwellDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresBookwellDb>().UseNpgsql("Host=localhost", o => o.UseNodaTime()).Options);
}
