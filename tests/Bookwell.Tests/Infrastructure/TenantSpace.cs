using System.Net.Http.Headers;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// A business of its own on a shared app: its own tenant row, host and API key, so tests that share one server (one
/// app per class) stay independent of each other and of their order. Its clients answer on its host; its admin client
/// carries its API key (an admin key decides the tenant, as the bootstrap key does for the default business); reads
/// through <see cref="WithDb{T}"/> see only its rows.
/// </summary>
public sealed class TenantSpace
{
    private TenantSpace(BookwellApp app, Guid id, string host, string key)
    {
        App = app;
        Id = id;
        Host = host;
        Key = key;
    }

    public BookwellApp App { get; }
    public Guid Id { get; }
    public string Host { get; }
    public string Key { get; }

    /// <summary>A new business on <paramref name="app"/>, with nothing configured yet.</summary>
    public static TenantSpace Create(BookwellApp app, string name = "Test business")
    {
        ArgumentNullException.ThrowIfNull(app);
        var id = Guid.NewGuid();
        var host = $"t{id:N}.example.test";
        var key = app.WithDb(db =>
        {
            var now = app.Clock.GetCurrentInstant();
            db.Tenants.Add(new Tenant { Id = id, Name = name, Host = host, CreatedAt = now, UpdatedAt = now });
            var (key, row) = ApiKeys.Create(id, "tests", "tests", now);
            db.ApiKeys.Add(row);
            db.SaveChanges();
            return key;
        });
        return new TenantSpace(app, id, host, key);
    }

    /// <summary>
    /// The install's default business on <paramref name="app"/>: the bootstrap key's, answering on any host no business
    /// claims (here "localhost", the test client's). Shared by everything on that app that does not use a business of its own.
    /// </summary>
    public static TenantSpace Default(BookwellApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new TenantSpace(app, DefaultTenant.Id, "localhost", BookwellApp.AdminKey);
    }

    /// <summary>An anonymous client on this business's host.</summary>
    public HttpClient CreateClient() => App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{Host}") });

    /// <summary>A browser-like session (cookies, antiforgery tokens, no auto-redirects) on this business's host.</summary>
    public WebSession Session() => WebSession.For(App, Host);

    /// <summary>
    /// A session signed in as an owner of this business: an owner account of its own (a unique address, as sign-up makes
    /// one), signed in through the login form on this business's host. The default business is claimed with its set-up
    /// code instead (<c>/admin/claim</c>); a business of its own has no set-up code.
    /// </summary>
    public async Task<WebSession> OwnerAsync(string name = "Olga Owner", string password = "a long enough password")
    {
        var email = OwnerEmail;
        using (var scope = CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var created = await users.CreateAsync(AccountService.NewUser(Id, email, name, UserRole.Owner, null, Clock.GetCurrentInstant()), password);
            Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        }
        var session = Session();
        var login = await session.LoginAsync(email, password);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);
        return session;
    }

    /// <summary>The address of the owner account <see cref="OwnerAsync"/> makes.</summary>
    public string OwnerEmail => $"owner-{Id:N}@example.test";

    /// <summary>A client with this business's API key.</summary>
    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    public NodaTime.Testing.FakeClock Clock => App.Clock;

    /// <summary>A scope acting for this business, as one of its requests does: its tenant is set before anything reads it.</summary>
    public IServiceScope CreateScope()
    {
        var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().TenantId = Id;
        return scope;
    }

    /// <summary>Reads (or writes) this business's rows only: the tenant filters apply as for one of its requests.</summary>
    public T WithDb<T>(Func<BookwellDb, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        using var scope = CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        Assert.Equal(Id, db.TenantId);
        return read(db);
    }
}

/// <summary>
/// One app for a whole test class (an xUnit class fixture: each class gets its own), on which each test takes a
/// business of its own (<see cref="NewBusinessAsync"/>), so the class pays for one app start instead of one per test. Tests
/// of one class run one after another, so a test that sets the shared fake clock does not disturb another;
/// <see cref="NewBusinessAsync"/> puts it back at the suite's "now" first.
/// <para>
/// Both databases share: sharing first showed, on PostgreSQL, the busy-version reader answering with another business's
/// version (a kept command auto-prepared by Npgsql), a bug one business per app never met; see BusyIndexTests.
/// </para>
/// </summary>
public abstract class SharedApp : IAsyncLifetime
{
    public abstract Db Kind { get; }

    private BookwellApp? _app;

    /// <summary>The shared app.</summary>
    public BookwellApp App => _app ?? throw new InvalidOperationException("No app yet: call NewBusinessAsync or DefaultBusinessAsync first.");

    /// <summary>Settings the class's app starts with beside the suite's (a class fixture that needs, say, a rate limit off).</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        _app = await BookwellApp.StartAsync(Kind, Configure);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>A business of its own, with nothing configured yet; the clock at the suite's "now".</summary>
    public Task<TenantSpace> NewBusinessAsync()
    {
        App.Clock.Reset(BookwellApp.DefaultNow);
        return Task.FromResult(TenantSpace.Create(App));
    }

    /// <summary>
    /// The app's default business (the bootstrap key's, the setup code's), for a test about what only it does; the clock at
    /// the suite's "now". On the shared app at most one test of a class may use it.
    /// </summary>
    public Task<TenantSpace> DefaultBusinessAsync()
    {
        App.Clock.Reset(BookwellApp.DefaultNow);
        return Task.FromResult(TenantSpace.Default(App));
    }
}

public sealed class SqliteSharedApp : SharedApp
{
    public override Db Kind => Db.Sqlite;
}

public sealed class PostgresSharedApp : SharedApp
{
    public override Db Kind => Db.Postgres;
}

/// <summary>
/// A shared app without the per-address limit on account forms (sign-in and sign-up posts, a real-time minute's window):
/// on one app the limit would count the posts of every test of the class together, and these classes judge the answers.
/// </summary>
public abstract class AccountFormsApp : SharedApp
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:RateLimits:AccountsPerMinute"] = "0";
}

public sealed class SqliteAccountFormsApp : AccountFormsApp
{
    public override Db Kind => Db.Sqlite;
}

public sealed class PostgresAccountFormsApp : AccountFormsApp
{
    public override Db Kind => Db.Postgres;
}
