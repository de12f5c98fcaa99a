using System.Net.Http.Headers;
using Bookwell.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace Bookwell.Tests.Infrastructure;

public enum Db
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One Bookwell instance on its own fresh database: a temporary SQLite file, or a new database on the
/// PostgreSQL server named by BOOKWELL_TEST_POSTGRES (the test script starts one on loopback).
/// </summary>
public sealed class BookwellApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    // Only the instance that copied the file deletes it, as only the one that created a PostgreSQL database drops it:
    // a restarted instance shares the file.
    private bool _ownsSqliteFile;

    private BookwellApp(Db db, string connectionString, string? databaseName, FakeClock clock, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        Kind = db;
        ConnectionString = connectionString;
        DatabaseName = databaseName;
        Clock = clock;
        _settings = settings;
        _services = services;
    }

    /// <summary>Everything the app logged, as an operator reads it on the console.</summary>
    public LogSink Logs { get; } = new();

    public Db Kind { get; }
    public string ConnectionString { get; }
    public string? DatabaseName { get; }
    public FakeClock Clock { get; }

    /// <summary>Monday 1 March 2027, 08:00 in Amsterdam: a fixed "now" for every test.</summary>
    public static readonly Instant DefaultNow = Instant.FromUtc(2027, 3, 1, 7, 0);

    public static async Task<BookwellApp> StartAsync(Db db, Action<Dictionary<string, string?>>? configure = null, Instant? now = null,
        Action<IServiceCollection>? services = null)
    {
        var (cs, name) = db == Db.Sqlite ? (SqliteFile(), null) : await CreatePostgresDatabaseAsync();
        var app = Start(db, cs, name, new FakeClock(now ?? DefaultNow), configure, services);
        app._ownsSqliteFile = db == Db.Sqlite;
        return app;
    }

    /// <summary>Bookwell pointed at a PostgreSQL database that does not exist yet (dropped again on dispose).</summary>
    public static BookwellApp StartOnMissingPostgresDatabase(Action<Dictionary<string, string?>>? configure = null)
    {
        var name = $"bw_{Guid.NewGuid():N}";
        var cs = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, MaxPoolSize = 100 }.ConnectionString;
        return Start(Db.Postgres, cs, name, new FakeClock(DefaultNow), configure, null);
    }

    /// <summary>A second instance on the same database, as after a restart (or another node beside this one).</summary>
    public BookwellApp Restart(Action<Dictionary<string, string?>>? configure = null, Action<IServiceCollection>? services = null) =>
        Start(Kind, ConnectionString, null, Clock, configure, services);

    private static BookwellApp Start(Db db, string cs, string? name, FakeClock clock, Action<Dictionary<string, string?>>? configure,
        Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Bookwell:Database"] = db == Db.Postgres ? "postgres" : "sqlite",
            ["ConnectionStrings:Bookwell"] = cs,
            ["Bookwell:SeedDemo"] = "false",
            ["Bookwell:BootstrapApiKey"] = AdminKey,
            ["Bookwell:RateLimits:SlotsPerMinute"] = "0",
            ["Bookwell:RateLimits:BookingsPerMinute"] = "0",
            ["Bookwell:PublicBaseUrl"] = "https://book.example.test",
            // Online payment needs a provider (contract 4.2); the shared stand-in plays Stripe unless a test brings its own or removes it.
            ["Bookwell:Stripe:SecretKey"] = StripeStandIn.SecretKey,
            ["Bookwell:Stripe:WebhookSecret"] = StripeStandIn.WebhookSecret,
            ["Bookwell:Stripe:ApiBase"] = StripeStandIn.Shared.BaseUrl,
        };
        configure?.Invoke(settings);
        var app = new BookwellApp(db, cs, name, clock, settings, services);
        _ = app.Server; // start now, so migrations run before the test body
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IClock>(Clock);
            services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestPeerFilter>();
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
            // Each app's JSON options get their own reflection resolver, so every app of the process worked out the
            // contract of every type it reads or writes anew (reflection, emitted accessors). Options with equal settings
            // and the same resolver share System.Text.Json's type cache; the resolver is the framework's default one,
            // swapped only while it is that default (unmodified), so what is read and written stays exactly the same.
            services.PostConfigure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o =>
            {
                if (o.SerializerOptions.TypeInfoResolver is System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers.Count: 0 } resolver
                    && resolver.GetType() == typeof(System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver))
                {
                    o.SerializerOptions.TypeInfoResolver = SharedJsonResolver;
                }
            });
            // Razor Pages builds every page's application model when the endpoints are mapped, and most of that is MVC's
            // model metadata of each page model's properties and handler parameters (attributes, nullability, binding
            // info: reflection, read anew by each app's own provider; about a quarter of an app cycle's CPU outside the
            // JIT in a profile of AppCycleMeasurement). The metadata depends only on the types and on MVC's options, which
            // the app leaves at the framework's defaults (no localizer, no added metadata or validator providers), so one
            // provider, made from the first app's own details providers and options, serves every app of the process
            // whose MVC providers are the same kinds (checked per app). Its metadata is immutable once built and the
            // provider is a thread-safe cache, as it is for the requests of one app.
            services.AddSingleton<Microsoft.AspNetCore.Mvc.ModelBinding.IModelMetadataProvider>(SharedModelMetadata);
            // EF checks the model against the migrations' snapshot on every migrate: it builds both models and diffs
            // them, a third of an app's start-up CPU, repeated on each of the suite's ~1,400 app starts. The same model
            // is checked once per test process where every test database comes from (the templates migrate with EF's
            // default, throwing, setting), by ModelMatchesMigrationsTests, and on every start of a Node process.
            if (Kind == Db.Sqlite)
            {
                services.ConfigureDbContext<SqliteBookwellDb>(SkipPendingModelCheck, ServiceLifetime.Singleton);
            }
            else
            {
                services.ConfigureDbContext<PostgresBookwellDb>(SkipPendingModelCheck, ServiceLifetime.Singleton);
            }
        });
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    private static readonly System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver SharedJsonResolver = new();

    private static (Microsoft.AspNetCore.Mvc.ModelBinding.Metadata.DefaultModelMetadataProvider Provider, string Shape)? _sharedModelMetadata;
    /// <summary>
    /// The process's shared metadata provider, for every app whose MVC metadata and validator providers are the same
    /// kinds, in the same order, as the first app's; an app configured otherwise (none is today) gets its own, as in production.
    /// </summary>
    private static Microsoft.AspNetCore.Mvc.ModelBinding.IModelMetadataProvider SharedModelMetadata(IServiceProvider services)
    {
        var details = services.GetRequiredService<Microsoft.AspNetCore.Mvc.ModelBinding.Metadata.ICompositeMetadataDetailsProvider>();
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Mvc.MvcOptions>>();
        var shape = string.Join(',', options.Value.ModelMetadataDetailsProviders.Select(p => p.GetType().FullName)
            .Concat(options.Value.ModelValidatorProviders.Select(p => p.GetType().FullName)));
        (Microsoft.AspNetCore.Mvc.ModelBinding.Metadata.DefaultModelMetadataProvider Provider, string Shape) shared;
        lock (SharedMetadataGate)
        {
            shared = _sharedModelMetadata ??= (new Microsoft.AspNetCore.Mvc.ModelBinding.Metadata.DefaultModelMetadataProvider(details, options), shape);
        }
        return shared.Shape == shape ? shared.Provider : new Microsoft.AspNetCore.Mvc.ModelBinding.Metadata.DefaultModelMetadataProvider(details, options);
    }

    private static readonly Lock SharedMetadataGate = new();

    private static void SkipPendingModelCheck(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning));

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    public T WithDb<T>(Func<BookwellDb, T> read)
    {
        using var scope = Services.CreateScope();
        return read(scope.ServiceProvider.GetRequiredService<BookwellDb>());
    }

    private static string SqliteFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bookwell-test-{Guid.NewGuid():N}.db");
        File.Copy(SqliteTemplate.Value, path);
        return $"Data Source={path}";
    }

    /// <summary>
    /// Every test starts on a freshly migrated database. Applying the migrations was most of an app's start (hundreds
    /// of tests, each on its own database), so they run once per test process into a template that each test copies:
    /// a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL. Only the migrations go into it; the app's
    /// own start-up (default business, host pinning, keys) still runs against every copy, as on a first start.
    /// </summary>
    private static readonly Lazy<string> SqliteTemplate = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"bookwell-template-{Guid.NewGuid():N}.db");
        var options = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<SqliteBookwellDb>().UseSqlite($"Data Source={path};Pooling=False").Options;
        using (var db = new SqliteBookwellDb(options))
        {
            db.Database.Migrate();
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    private static readonly Lazy<Task<string>> PostgresTemplate = new(async () =>
    {
        var name = $"bw_template_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(PostgresServer))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, Pooling = false }.ConnectionString;
        var options = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<PostgresBookwellDb>().UseNpgsql(cs, n => n.UseNodaTime()).Options;
        await using (var db = new PostgresBookwellDb(options))
        {
            await db.Database.MigrateAsync();
        }
        return name;
    });

    public static string PostgresServer =>
        Environment.GetEnvironmentVariable("BOOKWELL_TEST_POSTGRES")
        ?? throw new InvalidOperationException("BOOKWELL_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");

    /// <summary>A new PostgreSQL database, a copy of the migrated template: its connection string and name (the caller drops it).</summary>
    internal static async Task<(string ConnectionString, string Name)> CreatePostgresDatabaseAsync()
    {
        var name = $"bw_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(PostgresServer))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{await PostgresTemplate.Value}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, MaxPoolSize = 100 };
        return (builder.ConnectionString, name);
    }

    /// <summary>
    /// Each test's copy of the template is deleted with its instance (a run left thousands of them, gigabytes, in the
    /// temporary directory). The pool of this file is cleared first, so no pooled connection keeps the deleted file open.
    /// </summary>
    private void DeleteSqliteFile()
    {
        using (var own = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(own);
        }
        var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }

    /// <summary>Stops this instance but keeps its database for the instance that replaces it.</summary>
    public async Task DisposeForRestartAsync() => await base.DisposeAsync();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsSqliteFile)
        {
            DeleteSqliteFile();
        }
        if (DatabaseName is not null)
        {
            // Only this database's pool: clearing every pool made the tests running beside this one reconnect.
            await using (var own = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(own);
            }
            await using var connection = new NpgsqlConnection(PostgresServer);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>
/// The test server has no sockets, so every request comes from "no address". A test that needs distinct
/// clients names the socket's peer address in X-Test-Peer; this stands in for the TCP connection, not for
/// any header a real client could send.
/// </summary>
internal sealed class TestPeerFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
{
    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(nextMiddleware => context =>
        {
            if (context.Request.Headers.TryGetValue("X-Test-Peer", out var peer) && System.Net.IPAddress.TryParse(peer.ToString(), out var address))
            {
                context.Connection.RemoteIpAddress = address;
            }
            return nextMiddleware(context);
        });
        next(app);
    };
}
