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

/// <summary>
/// Reads committed busy versions for every request of one app on one connection it keeps open, so that a
/// request no longer pays a pooled open and close for its one-row read (a trace of the cached month of
/// `/slots` found that open and close were most of the answer's time). Reads are coalesced: requests that
/// arrive while a read is on its way wait for the next read, which starts after they arrived, so every
/// answer still sees each write committed before its request (a booking answered 201 by any node is in the
/// next answer of every node). A request that finds no read under way reads at once on its own thread; the others
/// queue for one thread with the providers' synchronous calls, as the group writer has (a read that awaits rejoins the
/// back of a loaded thread pool's queue after its round trip). When the kept connection fails, the waiting requests read the ordinary way and the next read opens it again.
/// </summary>
public sealed class BusyVersionReader : IDisposable
{
    private readonly Func<DbConnection> _connect;
    private readonly RelationalTypeMapping _tenantMapping;
    private readonly object _lock = new();

    /// <summary>Held while the kept connection is in use, by the reader thread or by a caller reading at once.</summary>
    private readonly object _reading = new();
    private readonly Thread _thread;
    private List<(Guid Tenant, TaskCompletionSource<long> Done)> _pending = [];
    private DbConnection? _connection;
    private volatile bool _stopping;

    /// <summary>A reader on its own connection to <paramref name="db"/>'s database.</summary>
    public static BusyVersionReader For(BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var connectionString = db.Database.GetConnectionString()!;
        var mapping = (RelationalTypeMapping)db.Model.FindEntityType(typeof(BusyVersion))!.FindProperty(nameof(BusyVersion.TenantId))!
            .GetRelationalTypeMapping();
        Func<DbConnection> connect = db is PostgresBookwellDb
            ? () =>
            {
                var connection = new Npgsql.NpgsqlConnection(connectionString);
                connection.Open();
                return connection;
            }
        : () =>
        {
            var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout=30000;";
            pragma.ExecuteNonQuery();
            return connection;
        };
        return new BusyVersionReader(connectionString, connect, mapping);
    }

    /// <summary>The database this reader reads.</summary>
    public string ConnectionString { get; }

    private BusyVersionReader(string connectionString, Func<DbConnection> connect, RelationalTypeMapping tenantMapping)
    {
        (ConnectionString, _connect, _tenantMapping) = (connectionString, connect, tenantMapping);
        _thread = new Thread(Run) { IsBackground = true, Name = "Bookwell busy-version reader" };
        _thread.Start();
    }

    /// <summary>The business's committed version as of a read that began after this call.</summary>
    public Task<long> ReadAsync(Guid tenant, CancellationToken ct)
    {
        // Nobody is reading: the caller reads at once on its own thread (a SQLite read takes microseconds, a PostgreSQL one
        // a round trip) instead of handing over to the reader thread and back to the pool, two thread wake-ups that on a
        // busy machine each wait for a core. Callers that find a read under way queue for the reader thread as before,
        // which answers a whole batch with one read per business.
        if (Monitor.TryEnter(_reading))
        {
            try
            {
                ObjectDisposedException.ThrowIf(_stopping, this);
                return Task.FromResult(Read(tenant));
            }
            catch (Exception ex)
            {
                Reset();
                return Task.FromException<long>(ex);
            }
            finally
            {
                Monitor.Exit(_reading);
            }
        }
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _pending.Add((tenant, done));
            if (_pending.Count == 1)
            {
                // The reader waits on the lock itself (Monitor.Wait): a SemaphoreSlim spun and yielded the core for a while
                // after every read before it slept, about 4 % of the app's CPU under a steady 200 pages/s.
                Monitor.Pulse(_lock);
            }
        }
        return done.Task.WaitAsync(ct);
    }

    private void Run()
    {
        var next = new List<(Guid Tenant, TaskCompletionSource<long> Done)>();
        var versions = new Dictionary<Guid, long>();
        while (true)
        {
            lock (_lock)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_lock);
                }
            }
            while (true)
            {
                List<(Guid Tenant, TaskCompletionSource<long> Done)> batch;
                lock (_lock)
                {
                    if (_pending.Count == 0)
                    {
                        break;
                    }
                    batch = _pending;
                    _pending = next;
                }
                versions.Clear();
                Exception? failed = null;
                lock (_reading)
                {
                    try
                    {
                        foreach (var (tenant, _) in batch)
                        {
                            if (!versions.ContainsKey(tenant))
                            {
                                versions[tenant] = Read(tenant);
                            }
                        }
                    }
                    catch (Exception ex)
                    {
                        Reset();
                        failed = ex;
                    }
                }
                foreach (var (tenant, done) in batch)
                {
                    if (failed is null)
                    {
                        done.TrySetResult(versions[tenant]);
                    }
                    else
                    {
                        done.TrySetException(failed);
                    }
                }
                batch.Clear();
                next = batch;
            }
            if (_stopping)
            {
                lock (_reading)
                {
                    Reset();
                }
                return;
            }
        }
    }

    private long Read(Guid tenant)
    {
        _connection ??= _connect();
        // A new command per read: one command kept and given a new parameter each time answered with the tenant of an earlier
        // read once Npgsql had auto-prepared it (after five uses), so another business's version came back. The statement
        // stays prepared on the connection either way.
        using var command = _connection.CreateCommand();
        command.CommandText = """SELECT "Version" FROM "BusyVersions" WHERE "TenantId" = @tenant""";
        command.Parameters.Add(_tenantMapping.CreateParameter(command, "@tenant", tenant));
        var got = command.ExecuteScalar() is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        return got;
    }

    private void Reset()
    {
        try
        {
            _connection?.Dispose();
        }
        catch (Exception)
        {
            // A broken connection may fail its own disposal; the next read opens a new one either way.
        }
        _connection = null;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }
    }
}
