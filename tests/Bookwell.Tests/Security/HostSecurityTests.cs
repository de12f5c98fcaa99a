using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Infrastructure;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>
/// The outside review's findings: host takeover through an unverified own domain, links built from a forged
/// Host header, the first-owner claim open to anyone behind a local proxy; and start-up (missing PostgreSQL
/// database, noisy first start, key ring stored in the clear).
/// </summary>
public abstract partial class HostSecurityTests(AccountFormsApp shared)
{
    /// <summary>The database of this class; every test but the refused-domains one starts an app (or two) of its own on it.</summary>
    protected Db Kind => shared.Kind;

    [GeneratedRegex(@"Set up: (\S+/admin/claim\?code=([A-Za-z0-9_-]+))")]
    private static partial Regex SetupLink();

    /// <summary>A small web server standing in for the domain owner's own site, on a loopback port.</summary>
    private sealed class OwnerSite : IAsyncDisposable
    {
        private readonly WebApplication _app;

        public string? Serves { get; set; }

        public int Port { get; }

        private OwnerSite(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public static async Task<OwnerSite> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            OwnerSite? site = null;
            app.MapGet("/.well-known/bookwell-verify/{token}", (string token) =>
                site!.Serves is { } body ? Results.Text(body) : Results.NotFound());
            await app.StartAsync();
            var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
            site = new OwnerSite(app, port);
            return site;
        }

        /// <summary>Every domain the check looks up is answered by this site, as if its DNS pointed here.</summary>
        public void RouteChecksHere(IServiceCollection services) =>
            services.AddHttpClient(CustomDomains.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            });

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static Task<HttpResponseMessage> SaveDomain(WebSession owner, string name, string domain) =>
        owner.PostFormAsync("/admin/team?handler=Business", [KeyValuePair.Create("name", name), KeyValuePair.Create("domain", domain)], "/admin/team");

    [Fact]
    public async Task OwnDomain_TakesEffectOnlyOnceTheDomainServesTheToken()
    {
        await using var site = await OwnerSite.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, services: site.RouteChecksHere);
        var owner = await AccountTests.SignUpAsync(app);
        Assert.Equal(HttpStatusCode.Redirect, (await SaveDomain(owner, "Acme", "Book.Acme.TEST")).StatusCode);
        var tenant = app.WithDb(db => db.Tenants.Single(t => t.Name == "Acme"));
        Assert.Equal(("acme.localhost", "book.acme.test"), (tenant.Host, tenant.PendingHost));
        Assert.Contains(tenant.PendingHostToken!, await owner.GetAsync("/admin/team"));

        // Pending: the domain leads to the default business, not to Acme; and Bookwell never vouches for itself.
        var there = WebSession.For(app, "book.acme.test");
        Assert.Contains("is not right", await WebSession.TextAsync(await there.LoginAsync("owner@acme.test", AccountTests.Password)));
        Assert.Equal(HttpStatusCode.NotFound, (await there.Client.GetAsync($"/.well-known/bookwell-verify/{tenant.PendingHostToken}")).StatusCode);

        async Task<string> Check()
        {
            var checkedNow = await owner.PostFormAsync("/admin/team?handler=VerifyDomain", [], "/admin/team");
            Assert.True(checkedNow.StatusCode == HttpStatusCode.Redirect, $"{checkedNow.StatusCode}: {await checkedNow.Content.ReadAsStringAsync()}");
            return await owner.GetAsync("/admin/team");
        }
        site.Serves = null;
        Assert.Contains("answered 404", await Check());
        site.Serves = "some other text";
        Assert.Contains("not with the token", await Check());
        Assert.Equal("acme.localhost", app.WithDb(db => db.Tenants.Single(t => t.Id == tenant.Id).Host));

        site.Serves = tenant.PendingHostToken + "\n";
        // Verified: the business moves to its domain, so its old host no longer shows its dashboard.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/team?handler=VerifyDomain", [], "/admin/team")).StatusCode);
        Assert.Equal(("book.acme.test", (string?)null), app.WithDb(db => db.Tenants.Where(t => t.Id == tenant.Id).Select(t => new { t.Host, t.PendingHost }).Single()) is var v ? (v.Host, v.PendingHost) : default);
        Assert.Equal("/admin", (await WebSession.For(app, "book.acme.test").LoginAsync("owner@acme.test", AccountTests.Password)).Headers.Location?.OriginalString);

        // Verified and held: another business cannot even ask for it.
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        Assert.Contains("belongs to another business", await WebSession.TextAsync(await SaveDomain(bee, "Bee", "book.acme.test")));
    }

    [Theory]
    [InlineData("book.example.test")]
    [InlineData("www.book.example.test")]
    [InlineData("localhost")]
    [InlineData("unclaimed.localhost")]
    [InlineData("acme.localhost")]
    [InlineData("https://x.test/path")]
    public async Task OwnDomain_TheInstallsOwnHostsAndOtherBusinessesHosts_AreRefused(string domain)
    {
        // On the class's shared app: two businesses signed up under names of this case's own ("acme.localhost" in the
        // data is the other business's host), so the cases do not meet.
        var app = shared.App;
        var n = Guid.NewGuid().ToString("N")[..8];
        var (acme, beeSub) = ($"acme{n}", $"bee{n}");
        await AccountTests.SignUpAsync(app, acme, $"owner@{acme}.test");
        var bee = await AccountTests.SignUpAsync(app, beeSub, $"owner@{beeSub}.test");
        if (domain == "acme.localhost")
        {
            domain = $"{acme}.localhost";
        }
        var answer = await WebSession.TextAsync(await SaveDomain(bee, "Bee", domain));
        Assert.Contains("id=\"domain-error\"", answer);
        var stored = app.WithDb(db => db.Tenants.Where(t => t.Host == $"{beeSub}.localhost").Select(t => new { t.Host, t.PendingHost }).Single());
        Assert.Null(stored.PendingHost);
        // The install's own host still leads to the default business.
        var login = await WebSession.For(app, "book.example.test").LoginAsync($"owner@{beeSub}.test", AccountTests.Password);
        Assert.Contains("is not right", await WebSession.TextAsync(login));
    }

    [Fact]
    public async Task DefaultBusiness_IsPinnedToTheConfiguredHost_ABusinessHoldingItLosesIt()
    {
        await using var first = await BookwellApp.StartAsync(Kind);
        Assert.Equal("book.example.test", first.WithDb(db => db.Tenants.Single(t => t.Id == DefaultTenant.Id).Host));
        var squatter = Guid.CreateVersion7();
        first.WithDb(db =>
        {
            // As a business could before the check existed: the install's host moved to another name, and it took the old one.
            db.Tenants.Where(t => t.Id == DefaultTenant.Id).ExecuteUpdate(s => s.SetProperty(t => t.Host, (string?)null));
            db.Tenants.Add(new Tenant { Id = squatter, Name = "Squatter", Host = "book.example.test" });
            return db.SaveChanges();
        });
        await first.DisposeForRestartAsync();
        await using var second = first.Restart();
        Assert.Equal("book.example.test", second.WithDb(db => db.Tenants.Single(t => t.Id == DefaultTenant.Id).Host));
        Assert.Null(second.WithDb(db => db.Tenants.Single(t => t.Id == squatter).Host));
        Assert.Contains(second.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("held this server's own host", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForgotPassword_WithAForgedHost_MailsALinkToTheConfiguredAddress()
    {
        // No public URL configured: a local install, whose own address is the one Kestrel uses by default.
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:PublicBaseUrl"] = null);
        var claim = WebSession.For(app);
        var code = SetupLink().Match(string.Join('\n', app.Logs.Entries.Select(e => e.Message))).Groups[2].Value;
        Assert.Equal(HttpStatusCode.Redirect, (await claim.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@default.test"), ("Password", AccountTests.Password), ("SetupCode", code))).StatusCode);

        var attacker = WebSession.For(app, "evil.example");
        Assert.Contains("If this address has an account here", await WebSession.TextAsync(await attacker.PostFormAsync("/admin/forgot", ("Email", "owner@default.test"))));
        var mail = app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountReset));
        Assert.Contains("http://localhost:5000/admin/reset?user=", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", mail.TextBody + mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_WithAForgedHost_ManageLinksUseTheBusinessesOwnHost()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var owner = await AccountTests.SignUpAsync(app);
        var key = await AccountTests.CreateApiKeyAsync(owner);
        var api = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://evil.example") });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(api, Config())).StatusCode);
        var body = Booking("2027-03-02T10:00:00+01:00", email: "ann@client.test");
        body["page"] = Slug;
        var booked = await Body(await api.PostAsync("/api/v1/admin/bookings", Json(body)));
        // The install's scheme (https, from its public URL) on the business's own stored host.
        Assert.StartsWith("https://acme.localhost/booking/", booked["manageUrl"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountMails_AreRefused_WhenTheServerDoesNotKnowItsAddress()
    {
        // Listening on every interface with no public URL: no address is trustworthy for a link.
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:PublicBaseUrl"] = null;
            s["urls"] = "http://0.0.0.0:8080";
            s["Bookwell:SetupCode"] = "a configured set-up code for tests";
        });
        var claim = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await claim.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@default.test"), ("Password", AccountTests.Password), ("SetupCode", "a configured set-up code for tests"))).StatusCode);
        var forgot = await WebSession.TextAsync(await WebSession.For(app).PostFormAsync("/admin/forgot", ("Email", "owner@default.test")));
        Assert.Contains("Bookwell__PublicBaseUrl", forgot);
        Assert.Equal(0, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountVerify || m.Kind == Bookwell.Features.Notifications.MessageKind.AccountReset || m.Kind == Bookwell.Features.Notifications.MessageKind.AccountSignupAttempt || m.Kind == Bookwell.Features.Notifications.MessageKind.AccountInvite)));
    }

    [Fact]
    public async Task Claim_AlwaysNeedsTheCode_EvenFromTheServerItself_TheStartupLinkCarriesIt()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var link = SetupLink().Match(string.Join('\n', app.Logs.Entries.Select(e => e.Message)));
        Assert.True(link.Success, "no set-up link in the start-up log");
        Assert.StartsWith("https://book.example.test/admin/claim?code=", link.Groups[1].Value, StringComparison.Ordinal);
        var code = link.Groups[2].Value;
        Assert.True(code.Length >= 40);

        async Task<HttpResponseMessage> Claim(string peer, string? code)
        {
            var session = WebSession.For(app);
            session.Client.DefaultRequestHeaders.Add("X-Test-Peer", peer);
            var fields = new List<(string, string)> { ("Name", "Olga"), ("Email", "owner@default.test"), ("Password", AccountTests.Password) };
            if (code is not null)
            {
                fields.Add(("SetupCode", code));
            }
            return await session.PostFormAsync("/admin/claim", [.. fields]);
        }
        // A reverse proxy on the same machine that adds no X-Forwarded-For makes every visitor loopback.
        Assert.Equal(HttpStatusCode.OK, (await Claim("127.0.0.1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Claim("::1", "wrong code")).StatusCode);
        Assert.Equal(0, app.WithDb(db => db.Users.Count()));
        // The link fills the code in; posting the form as shown claims the business.
        var page = WebSession.For(app);
        Assert.Contains($"value=\"{code}\"", await page.GetAsync(new Uri(link.Groups[1].Value).PathAndQuery));
        Assert.Equal("/admin?welcome=1", (await Claim("203.0.113.9", code)).Headers.Location?.OriginalString);
        Assert.Equal(UserRole.Owner, app.WithDb(db => db.Users.Single().Role));
        Assert.NotEqual("/admin?welcome=1", (await Claim("127.0.0.1", code)).Headers.Location?.OriginalString);
        Assert.Equal(1, app.WithDb(db => db.Users.Count()));
    }

    [Fact]
    public async Task FirstStart_LogsNoErrors()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Error);
        // The key ring is encrypted, so data protection has nothing to warn about ("stored unencrypted", "no XML encryptor").
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal));
        // Instead, one line says where the keys are and what protects them: here the certificate generated beside the app.
        var keyRing = Assert.Single(app.Logs.Entries, e => e.Message.StartsWith("Key ring: ", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, keyRing.Level);
        Assert.Contains($"in the database, each key encrypted with the certificate {Path.GetFullPath(KeyRingProtection.FileName)}", keyRing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQueryLimitingRowsWithoutAnOrder_FailsOutsideProduction()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Throws<InvalidOperationException>(() => app.WithDb(db => db.Bookings.IgnoreQueryFilters().Take(1).ToList()));
        Assert.Empty(app.WithDb(db => db.Bookings.IgnoreQueryFilters().Where(b => b.Id == Guid.Empty).OrderBy(b => b.Id).Take(1).ToList()));
    }

    [Fact]
    public async Task KeyRing_IsEncryptedInTheDatabase_AndStillReadAfterARestart()
    {
        await using var first = await BookwellApp.StartAsync(Kind);
        var owner = await AccountTests.SignUpAsync(first);
        var keys = first.WithDb(db => db.DataProtectionKeys.Select(k => k.Xml).ToList());
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
        // A reset token made with the key by this instance...
        await WebSession.For(first, "acme.localhost").PostFormAsync("/admin/forgot", ("Email", "owner@acme.test"));
        var link = Regex.Match(first.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountReset).TextBody!), @"/admin/reset\?user=([^&]+)&token=(\S+)");
        await first.DisposeForRestartAsync();
        await using var second = first.Restart();
        // ...is read by the next one, which can only decrypt the stored key with the certificate.
        var session = WebSession.For(second, "acme.localhost");
        var done = await session.PostFormAsync("/admin/reset",
            [KeyValuePair.Create("user", link.Groups[1].Value), KeyValuePair.Create("Token", Uri.UnescapeDataString(link.Groups[2].Value)), KeyValuePair.Create("Password", "a brand new password")], link.Value);
        Assert.Contains("Your password has been changed", await WebSession.TextAsync(done));
        GC.KeepAlive(owner);
    }
}

public sealed class SqliteHostSecurityTests(SqliteAccountFormsApp shared) : HostSecurityTests(shared), IClassFixture<SqliteAccountFormsApp>;

public sealed class PostgresHostSecurityTests(PostgresAccountFormsApp shared) : HostSecurityTests(shared), IClassFixture<PostgresAccountFormsApp>
{
    [Fact]
    public async Task Start_OnADatabaseThatDoesNotExistYet_CreatesIt()
    {
        await using var app = BookwellApp.StartOnMissingPostgresDatabase();
        Assert.True(app.WithDb(db => db.Tenants.Any(t => t.Id == DefaultTenant.Id)));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    /// <summary>
    /// A node starting while another holds the migration lock waits for it, however long the connection's command timeout:
    /// here 2 s, with the lock held 4 s past the moment the new node is seen waiting (before, it died after 2 s).
    /// </summary>
    [Fact]
    public async Task Start_WhileAnotherNodeHoldsTheMigrationLock_WaitsPastTheCommandTimeout()
    {
        await using var first = await BookwellApp.StartAsync(Kind);
        var name = new Npgsql.NpgsqlConnectionStringBuilder(first.ConnectionString).Database;
        await using var holder = new Npgsql.NpgsqlConnection(first.ConnectionString);
        await holder.OpenAsync();
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(7307199480130105)", holder))
        {
            await take.ExecuteNonQueryAsync();
        }
        var shortTimeout = new Npgsql.NpgsqlConnectionStringBuilder(first.ConnectionString) { CommandTimeout = 2 }.ConnectionString;
        var starting = Task.Run(() => first.Restart(s => s["ConnectionStrings:Bookwell"] = shortTimeout));
        await using (var probe = new Npgsql.NpgsqlConnection(BookwellApp.PostgresServer))
        {
            await probe.OpenAsync();
            await using var waiting = new Npgsql.NpgsqlCommand(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = @n", probe);
            waiting.Parameters.AddWithValue("n", name!);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while ((long)(await waiting.ExecuteScalarAsync())! == 0)
            {
                Assert.False(starting.IsCompleted, "the second node finished starting without waiting for the lock");
                Assert.True(DateTime.UtcNow < deadline, "the second node never asked for the migration lock");
                await Task.Delay(50);
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(4)); // twice the command timeout, counted from when the node is known to wait
        Assert.False(starting.IsCompleted, "the second node stopped waiting while the lock was still held");
        await using (var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock(7307199480130105)", holder))
        {
            await release.ExecuteNonQueryAsync();
        }
        await using var second = await starting;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await second.CreateClient().GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Start_OnAMissingDatabase_WithoutTheRightToCreateIt_SaysWhatToDo()
    {
        var role = $"bw_role_{Guid.NewGuid():N}";
        await using (var admin = new Npgsql.NpgsqlConnection(BookwellApp.PostgresServer))
        {
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE ROLE \"{role}\" LOGIN NOCREATEDB PASSWORD 'pw-{role}'", admin);
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            var cs = new Npgsql.NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Username = role, Password = $"pw-{role}", Database = $"bw_{Guid.NewGuid():N}", Pooling = false }.ConnectionString;
            var ex = await Assert.ThrowsAsync<StartupException>(() => DatabaseSetup.EnsurePostgresDatabaseAsync(cs, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
            Assert.Contains("CREATE DATABASE", ex.Message, StringComparison.Ordinal);
            Assert.Contains(role, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await using var admin = new Npgsql.NpgsqlConnection(BookwellApp.PostgresServer);
            await admin.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP ROLE \"{role}\"", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}

public sealed class KeyRingConfigurationTests
{
    private sealed class Env(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Bookwell";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Fact]
    public void Production_ReachableFromOtherMachines_WithoutACertificate_RefusesToStart()
    {
        var ex = Assert.Throws<StartupException>(() => KeyRingProtection.Configure(new ServiceCollection(), Config(("urls", "http://0.0.0.0:8080")), new Env("Production")));
        Assert.Contains("Bookwell__DataProtection__CertificatePath", ex.Message, StringComparison.Ordinal);
        Assert.Throws<StartupException>(() => KeyRingProtection.Configure(new ServiceCollection(), Config(("Bookwell:PublicBaseUrl", "https://book.example.com")), new Env("Production")));
    }

    [Fact]
    public void LocalInstall_GetsAGeneratedCertificateInItsDataDirectory_ReadableByItsOwnerOnly()
    {
        var dir = Directory.CreateTempSubdirectory("bookwell-keys-").FullName;
        var line = KeyRingProtection.Configure(new ServiceCollection(), Config(("Bookwell:DataDirectory", dir)), new Env("Production"));
        var file = Path.Combine(dir, KeyRingProtection.FileName);
        Assert.True(File.Exists(file));
        Assert.Contains(file, line, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }
}
