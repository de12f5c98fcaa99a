using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using NodaTime;
using Npgsql;

namespace Bookwell.Data;

/// <summary>Start-up cannot go on for a reason the operator can fix; the message says how. Printed as one line, no stack trace.</summary>
public sealed class StartupException(string message) : Exception(message);

public static class DatabaseSetup
{
    public static bool UsesPostgres(IConfiguration config) =>
        string.Equals(config["Bookwell:Database"], "postgres", StringComparison.OrdinalIgnoreCase);

    public static IServiceCollection AddBookwellDatabase(this IServiceCollection services, IConfiguration config, IHostEnvironment? environment = null)
    {
        // A row limit without an order picks arbitrary rows; outside production it fails the request (and so the tests) instead of logging.
        var strict = environment is not null && !environment.IsProduction();
        services.AddSingleton<DatabaseRefusals>();
        void Warnings(DbContextOptionsBuilder o, IServiceProvider sp)
        {
            // A failed command is logged once, by DatabaseRefusals: a lost race as one Information line, a fault as an Error.
            o.AddInterceptors(sp.GetRequiredService<DatabaseRefusals>());
            o.ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug), (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug)));
            if (strict)
            {
                o.ConfigureWarnings(w => w.Throw(CoreEventId.RowLimitingOperationWithoutOrderByWarning));
            }
        }
        var connectionString = config.GetConnectionString("Bookwell");
        if (UsesPostgres(config))
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Bookwell__Database=postgres needs ConnectionStrings__Bookwell.");
            }
            services.AddPooledDbContextFactory<PostgresBookwellDb>((sp, o) => Warnings(o.UseNpgsql(Tuned(connectionString), n => n.UseNodaTime()), sp));
            services.AddScoped<BookwellDb>(sp => Lease(sp, sp.GetRequiredService<IDbContextFactory<PostgresBookwellDb>>()));
            services.AddKeyedSingleton<IDbContextFactory<PostgresBookwellDb>>(GroupWriterPool, (sp, _) =>
            {
                // As AddPooledDbContextFactory builds the shared pool's options: the app's services (its logging) and the same warnings.
                var options = new DbContextOptionsBuilder<PostgresBookwellDb>().UseApplicationServiceProvider(sp);
                // Its sockets block in the kernel (BlockingWriterSocket): the writer's answer wakes it directly. Opened
                // asynchronously, a connection is left non-blocking: only synchronous calls may wait in the kernel.
                var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Bookwell.Database");
                Warnings(options.UseNpgsql(BlockingWriterSocket.ConnectionString(WithoutTableScans(Tuned(OwnPool(connectionString, GroupWriterPool)))), n => n.UseNodaTime()
                    .ConfigureDataSource(d => d.UsePhysicalConnectionInitializer(c =>
                    {
                        if (!BlockingWriterSocket.Apply(c) && BlockingWriterSocket.Supported)
                        {
                            log.LogWarning("A connection of the group writer stays non-blocking: its reads wait through .NET's socket thread");
                        }
                    }, _ => Task.CompletedTask))), sp);
                return new PooledDbContextFactory<PostgresBookwellDb>(options.Options, poolSize: 4);
            });
        }
        else
        {
            var sqlite = string.IsNullOrWhiteSpace(connectionString) ? "Data Source=bookwell.db" : connectionString;
            UseMultiThreadMode();
            services.AddPooledDbContextFactory<SqliteBookwellDb>((sp, o) => Warnings(o.UseSqlite(sqlite).AddInterceptors(SqlitePragmas.Instance), sp));
            services.AddScoped<BookwellDb>(sp => Lease(sp, sp.GetRequiredService<IDbContextFactory<SqliteBookwellDb>>()));
            services.AddHostedService<SqliteCheckpointer>();
        }
        return services;
    }

    /// <summary>
    /// The same few statements run thousands of times a second; prepared once per connection, PostgreSQL
    /// skips parsing and planning them. EF opens and closes the pooled connection around each query, and
    /// by default every reopen resets the session first (one more statement per query); Bookwell keeps
    /// no session state (the one advisory lock is released explicitly), so the reset buys nothing.
    /// Generic plans: a prepared statement is otherwise re-planned on every run while PostgreSQL judges a
    /// custom plan cheaper, which for these indexed range and key lookups it never is by much (measured:
    /// planning was a third of the database's CPU in the booking load). An explicit setting in the
    /// connection string wins.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        bool Names(params string[] keys) => keys.Any(k => connectionString.Contains(k, StringComparison.OrdinalIgnoreCase));
        if (!Names("Auto Prepare", "AutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }
        if (!Names("Reset On Close", "ResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        if (!Names("plan_cache_mode"))
        {
            builder.Options = $"{builder.Options} -c plan_cache_mode=force_generic_plan".Trim();
        }
        return builder.ConnectionString;
    }

    public const string GroupWriterPool = "group writer";

    /// <summary>
    /// The group writer's pool plans without sequential scans (<c>enable_seqscan=off</c>): every statement it runs finds its
    /// rows by key or range through an index, and must keep doing so as the tables grow. Its plans are generic, made on the
    /// statement's first run, and a fresh database's first group sees empty tables, where a scan costs nothing: the
    /// returning-client lookups of the group's statement were planned as scans of every client and kept that plan while the
    /// table grew (measured: PostgreSQL's CPU per booking 0.25 ms with 10,000 clients stored, against 0.11 ms). An explicit
    /// setting in the connection string wins.
    /// </summary>
    public static string WithoutTableScans(string connectionString)
    {
        if (connectionString.Contains("enable_seqscan", StringComparison.OrdinalIgnoreCase))
        {
            return connectionString;
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c enable_seqscan=off".Trim();
        return builder.ConnectionString;
    }

    /// <summary>
    /// A connection string of a pool of its own (Npgsql keys its pools by the string), for the group writer. From the shared
    /// pool each group took whichever connection was free: in five seconds of booking load its statements ran on twelve
    /// server processes, each with its own cold caches and prepared statements, and each waiting its turn for a core. From
    /// its own pool the writer uses one connection, warm (measured: the group's round trip from 6.8 to 5.6 ms).
    /// </summary>
    public static string OwnPool(string connectionString, string user)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.ApplicationName = string.IsNullOrEmpty(builder.ApplicationName) ? $"Bookwell {user}" : $"{builder.ApplicationName} ({user})";
        return builder.ConnectionString;
    }

    /// <summary>
    /// SQLite's default "serialized" mode takes a mutex around every call into the library, to protect a
    /// connection used by several threads at once. A pooled connection here is only ever used by one
    /// request at a time, so multi-thread mode is safe and drops two lock operations per column read
    /// (measured: a tenth of the CPU of a /slots request). Must run before the first connection opens;
    /// later calls (a second app in one test process) are refused by SQLite and change nothing.
    /// </summary>
    private static void UseMultiThreadMode()
    {
        SQLitePCL.Batteries_V2.Init();
        _ = SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MULTITHREAD);
    }

    /// <summary>A pooled context for this request, bound to the request's tenant; the scope returns it to the pool.</summary>
    public static BookwellDb Lease<T>(IServiceProvider sp, IDbContextFactory<T> factory)
        where T : BookwellDb
    {
        var db = factory.CreateDbContext();
        db.TenantId = sp.GetRequiredService<TenantContext>().TenantId;
        db.BusyIndex = sp.GetService<Features.Availability.BusyIndex>();
        // Every transaction here is rolled back whole when a save fails, so EF's savepoint around each save
        // inside a transaction is a statement pair per write that buys nothing.
        db.Database.AutoSavepointsEnabled = false;
        return db;
    }

    /// <summary>
    /// Creates or migrates the schema, then makes sure the default tenant exists. Safe when several nodes
    /// start together: EF takes a migration lock, and the tenant row has a fixed id.
    /// </summary>
    /// <summary>How long a starting node waits for another node's migration (and a migration step may run).</summary>
    public static readonly TimeSpan MigrationWait = TimeSpan.FromMinutes(10);

    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Bookwell.Database");
        if (db.IsPostgres)
        {
            await EnsurePostgresDatabaseAsync(db.Database.GetConnectionString()!, logger, ct);
        }
        if (!db.IsPostgres)
        {
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.CloseConnectionAsync();
        }
        if (db.IsPostgres)
        {
            // Nodes starting together queue here: the first migrates, the rest find nothing left to do.
            // (EF's own migration lock did not stop two nodes applying the same step in our two-node test.)
            await db.Database.OpenConnectionAsync(ct);
            // A node waits as long as another node's migration takes: under the connection's command timeout (30 s by
            // default) the second of two nodes started on a busy machine died waiting for the lock ("Timeout during
            // reading attempt", exit 134). Bounded, so a node stuck holding the lock ends in a clear failure.
            var timeout = db.Database.GetCommandTimeout();
            db.Database.SetCommandTimeout(MigrationWait);
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(7307199480130105)", ct);
                // EF reads the history table before creating it, and logs that failed read as an error on
                // every first start; creating it first (EF's own statement) keeps a first start quiet.
                var history = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>();
#pragma warning disable EF1001 // the script is EF's own CREATE TABLE IF NOT EXISTS for its history table
                await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), ct);
#pragma warning restore EF1001
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(7307199480130105)", CancellationToken.None);
                await db.Database.CloseConnectionAsync();
                db.Database.SetCommandTimeout(timeout);
            }
        }
        else
        {
            await db.Database.MigrateAsync(ct);
        }
        if (!await db.Tenants.AnyAsync(t => t.Id == DefaultTenant.Id, ct))
        {
            db.Tenants.Add(new Tenant
            {
                Id = DefaultTenant.Id,
                Name = "Default",
                IsDefault = true,
                UpdatedAt = scope.ServiceProvider.GetRequiredService<IClock>().GetCurrentInstant(),
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
                                               or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 })
            {
                // Another node created it first.
            }
        }
        if (Infrastructure.TenantLinks.PublicBaseUrl(services.GetRequiredService<IConfiguration>()) is { } publicUrl)
        {
            await PinDefaultHostAsync(scope.ServiceProvider.GetRequiredService<BookwellDb>(), new Uri(publicUrl).IdnHost.ToLowerInvariant(), logger, ct);
        }
    }

    /// <summary>
    /// The default business holds the install's own host in the database, so the unique index keeps every other
    /// business off it. The operator's configuration wins over a business that holds it (taken before this
    /// check existed, or configured later): that business loses the host, with a warning.
    /// </summary>
    private static async Task PinDefaultHostAsync(BookwellDb db, string host, ILogger logger, CancellationToken ct)
    {
        var holders = await db.Tenants.Where(t => t.Host == host || t.PendingHost == host || t.Id == DefaultTenant.Id).ToListAsync(ct);
        var self = holders.Single(t => t.Id == DefaultTenant.Id);
        if (self.Host == host && holders.All(t => t.Id == DefaultTenant.Id || t.Host != host && t.PendingHost != host))
        {
            return;
        }
        foreach (var other in holders.Where(t => t.Id != DefaultTenant.Id))
        {
            if (other.Host == host)
            {
                logger.LogWarning("Business {TenantId} held this server's own host {Host}; it was released to the default business.", other.Id, host);
                other.Host = null;
            }
            if (other.PendingHost == host)
            {
                other.PendingHost = null;
                other.PendingHostToken = null;
            }
        }
        await db.SaveChangesAsync(ct);
        self.Host = host;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
                                           or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 })
        {
            // Another node pinned it at the same moment.
        }
    }

    /// <summary>
    /// A PostgreSQL database that does not exist yet is created when the role may (through the server's
    /// maintenance database, "postgres"); otherwise start-up stops with one line that says what to do.
    /// </summary>
    public static async Task EnsurePostgresDatabaseAsync(string connectionString, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var name = target.Database ?? target.Username ?? "postgres";
        try
        {
            await using var probe = new NpgsqlConnection(connectionString);
            await probe.OpenAsync(ct);
            return;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // Missing: create it below.
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new StartupException($"Cannot connect to PostgreSQL at {target.Host}:{target.Port} as \"{target.Username}\": {ex.Message} Check ConnectionStrings__Bookwell and that the server is running.");
        }
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
            logger.LogInformation("Created the PostgreSQL database {Database}.", name);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another node created it at the same moment.
        }
        catch (Exception ex) when (ex is NpgsqlException)
        {
            throw new StartupException($"The PostgreSQL database \"{name}\" does not exist and the role \"{target.Username}\" cannot create it ({ex.Message.Split('\n')[0]}). " +
                                       $"Create it as a superuser: CREATE DATABASE \"{name}\" OWNER \"{target.Username}\"; (or give the role CREATEDB), then start Bookwell again.");
        }
    }

    /// <summary>
    /// WAL lets readers run beside the single writer; NORMAL sync is durable across crashes of the app.
    /// Page cache and I/O stay at SQLite's defaults: a 16 MB cache per connection measured no faster (and
    /// costs memory per pooled connection), and memory-mapped I/O was slower, as a growing file made SQLite
    /// unmap and remap it (page faults, munmap cost more than the reads saved).
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        // The settings belong to the native connection, which Microsoft.Data.Sqlite pools; EF opens and
        // closes around every query, so without this the statements ran on every query.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Applied = [];

        private static void Apply(DbConnection connection)
        {
            // A lock-free look first: TryAdd takes the table's lock, and this runs on every query of every request.
            if (connection is not Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle }
                || Applied.TryGetValue(handle, out _) || !Applied.TryAdd(handle, Applied))
            {
                return;
            }
            // SQLite's own upper() folds ASCII only, so a search for "élodie" missed "Élodie" while PostgreSQL found
            // it; this upper() folds as .NET's ToUpperInvariant does (as EmailNormalized is stored). Registered on the
            // native handle, once: through SqliteConnection.CreateFunction it was added on every open and removed on
            // every close (a pooled handle), which cost the cached /slots answer a sixth of its time.
            SQLitePCL.raw.sqlite3_create_function(handle, "upper", 1, SQLitePCL.raw.SQLITE_UTF8 | SQLitePCL.raw.SQLITE_DETERMINISTIC, null, Upper);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;";
            command.ExecuteNonQuery();
        }

        private static void Upper(SQLitePCL.sqlite3_context context, object userData, SQLitePCL.sqlite3_value[] args)
        {
            if (SQLitePCL.raw.sqlite3_value_type(args[0]) == SQLitePCL.raw.SQLITE_NULL)
            {
                SQLitePCL.raw.sqlite3_result_null(context);
                return;
            }
            SQLitePCL.raw.sqlite3_result_text(context, SQLitePCL.raw.sqlite3_value_text(args[0]).utf8_to_string().ToUpperInvariant());
        }
    }
}
