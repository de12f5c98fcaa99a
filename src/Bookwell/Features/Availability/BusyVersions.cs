using System.Data.Common;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bookwell.Features.Availability;

/// <summary>
/// The per-business busy version (<see cref="BusyVersion"/>). A transaction that may write allocations bumps it
/// FIRST, before any other lock it takes, and stamps the rows it writes with the value it got. The bump holds
/// the row's lock until commit (PostgreSQL; SQLite has one writer anyway), so: versions commit in order, the
/// busy index can trust "every row stamped at most V is visible once V is", and taking this lock before a
/// booking's row lock everywhere leaves no room for a lock-order deadlock between writers of one business.
/// </summary>
public static class BusyVersions
{
    internal const string BumpSql = """
        INSERT INTO "BusyVersions" ("TenantId", "Version") VALUES (@tenant, 1)
        ON CONFLICT ("TenantId") DO UPDATE SET "Version" = "BusyVersions"."Version" + 1
        RETURNING "Version"
        """;

    private const string ReadSql = """SELECT "Version" FROM "BusyVersions" WHERE "TenantId" = @tenant""";

    /// <summary>Counts the business's version up inside the caller's transaction; the value to stamp rows with.</summary>
    public static async Task<long> BumpAsync(BookwellDb db, Guid tenant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Inside the caller's transaction the connection is open already and stays so (EF counts opens).
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = Command(db, BumpSql, tenant);
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The group writer's synchronous form of <see cref="BumpAsync"/>.</summary>
    public static long Bump(BookwellDb db, Guid tenant)
    {
        ArgumentNullException.ThrowIfNull(db);
        using var command = Command(db, BumpSql, tenant);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The committed version (0 before the first write). One primary-key read.</summary>
    public static async Task<long> ReadAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = Command(db, ReadSql, db.TenantId);
            return await command.ExecuteScalarAsync(ct) is { } value and not DBNull
                ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
                : 0;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static DbCommand Command(BookwellDb db, string sql, Guid tenant)
    {
        var mapping = (RelationalTypeMapping)db.Model.FindEntityType(typeof(BusyVersion))!.FindProperty(nameof(BusyVersion.TenantId))!
            .GetRelationalTypeMapping();
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        command.Parameters.Add(mapping.CreateParameter(command, "@tenant", tenant));
        return command;
    }
}
