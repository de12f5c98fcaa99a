using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Tests.Security;

/// <summary>
/// Sign-in, sign-up and invitations answer the same whether or not an address has an account. On both databases,
/// one app per database for the class: each test signs up businesses and addresses of its own.
/// </summary>
public abstract partial class AccountEnumerationTests(AccountEnumerationTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public async Task InitializeAsync() =>
            // The per-address limit on account forms counts every test's posts against one minute; what these tests judge is the answers.
            App = await BookwellApp.StartAsync(Kind, s => s["Bookwell:RateLimits:AccountsPerMinute"] = "0");

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"")]
    private static partial Regex TokenPattern();

    /// <summary>The body with its per-request antiforgery token and the echoed address taken out.</summary>
    private static async Task<(HttpStatusCode, string)> Answer(HttpResponseMessage response, string email) =>
        (response.StatusCode, TokenPattern().Replace(await response.Content.ReadAsStringAsync(), "TOKEN").Replace(email, "EMAIL", StringComparison.Ordinal));

    [Fact]
    public async Task Login_KnownUnknownAndLockedAddresses_AnswerAlike()
    {
        var app = shared.App;
        await AccountTests.SignUpAsync(app, "lgn", "owner@lgn.test");
        var session = WebSession.For(app, "lgn.localhost");
        var unknown = await Answer(await session.LoginAsync("nobody@lgn.test", "wrong password"), "nobody@lgn.test");
        Assert.Equal(HttpStatusCode.OK, unknown.Item1);
        Assert.Equal(unknown, await Answer(await session.LoginAsync("owner@lgn.test", "wrong password"), "owner@lgn.test"));
        for (var i = 0; i < 5; i++)
        {
            await session.LoginAsync("owner@lgn.test", "wrong password");
        }
        Assert.NotNull(app.WithDb(db => db.Users.Single(u => u.Email == "owner@lgn.test").LockoutEnd));
        Assert.Equal(unknown, await Answer(await session.LoginAsync("owner@lgn.test", "wrong password"), "owner@lgn.test"));
        Assert.Equal(unknown, await Answer(await session.LoginAsync("owner@lgn.test", AccountTests.Password), "owner@lgn.test"));
    }

    [Fact]
    public async Task Login_KnownUnknownAndLockedAddresses_TakeTheSameOrderOfTime()
    {
        var app = shared.App;
        // One account locked up front and two to fail against (each takes four wrong tries, one short of its lockout), so
        // every round times all three paths back to back: a busy spell of the shared machine falls on a whole round.
        await AccountTests.SignUpAsync(app, "tmg", "owner@tmg.test");
        await AccountTests.SignUpAsync(app, "tmh", "owner@tmh.test");
        await AccountTests.SignUpAsync(app, "tml", "owner@tml.test");
        var peer = 0;
        async Task<long> Timed(string host, string email, string password)
        {
            // Each try from its own address, so only the account's own lockout is at work.
            var session = WebSession.For(app, host);
            session.Client.DefaultRequestHeaders.Add("X-Test-Peer", $"203.0.113.{++peer}");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var answer = await session.LoginAsync(email, password);
            var took = watch.ElapsedMilliseconds;
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            return took;
        }
        for (var i = 0; i < 5; i++)
        {
            await Timed("tml.localhost", "owner@tml.test", "wrong password");
        }
        Assert.NotNull(app.WithDb(db => db.Users.Single(u => u.Email == "owner@tml.test").LockoutEnd));
        // Warm the unknown path too (the first hash of a process builds the dummy hash).
        await Timed("tmg.localhost", "nobody@tmg.test", "wrong password");
        var (unknown, known, locked) = (new List<long>(), new List<long>(), new List<long>());
        for (var i = 0; i < 8; i++)
        {
            unknown.Add(await Timed("tmg.localhost", $"nobody{i}@tmg.test", "wrong password"));
            known.Add(i % 2 == 0
                ? await Timed("tmg.localhost", "owner@tmg.test", "wrong password")
                : await Timed("tmh.localhost", "owner@tmh.test", "wrong password"));
            locked.Add(await Timed("tml.localhost", "owner@tml.test", AccountTests.Password));
        }
        Assert.Null(app.WithDb(db => db.Users.Single(u => u.Email == "owner@tmg.test").LockoutEnd));
        // A password hash is checked on every path, so the fastest tries are of the same order; a path without one is
        // 10-20x faster. The known path also writes its failure count, which a busy database makes slower, hence 4x. The
        // fastest, not the median: a busy machine only ever adds time, and it did to single tries in full runs.
        var (k, u, l) = (known.Min(), unknown.Min(), locked.Min());
        Assert.True(u * 4 >= k && k * 4 >= u && l * 4 >= k && k * 4 >= l, $"known {k} ms, unknown {u} ms, locked {l} ms");
    }

    [Fact]
    public async Task SignUp_WithAnExistingAddress_AnswersLikeANewSignUp_AndMailsTheAddresssOwner()
    {
        var app = shared.App;
        async Task<HttpResponseMessage> SignUp(string sub, string email) =>
            await WebSession.For(app).PostFormAsync("/signup", ("BusinessName", "Studio"), ("Subdomain", sub), ("Name", "Olga Owner"), ("Email", email), ("Password", AccountTests.Password));
        Assert.Equal(HttpStatusCode.OK, (await SignUp("sua", "owner@sua.test")).StatusCode);

        var fresh = await Answer(await SignUp("sub", "owner@sub.test"), "owner@sub.test");
        var taken = await Answer(await SignUp("suc", "OWNER@sua.test"), "OWNER@sua.test");
        Assert.Equal(fresh, taken);
        Assert.Contains("Check your e-mail", fresh.Item2, StringComparison.Ordinal);

        Assert.False(app.WithDb(db => db.Tenants.Any(t => t.Host == "suc.localhost")));
        // The mails as queued for sending (the outbox is what the mail worker sends, word for word).
        string[] addresses = ["owner@sua.test", "owner@sub.test", "OWNER@sua.test"];
        var mails = app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => addresses.Contains(m.To)).ToList());
        var attempt = Assert.Single(mails, m => m.Kind == MessageKind.AccountSignupAttempt);
        Assert.Equal("owner@sua.test", attempt.To);
        Assert.Contains("tried to sign up", attempt.Subject, StringComparison.Ordinal);
        Assert.Contains("https://sua.localhost/admin/forgot", attempt.TextBody!, StringComparison.Ordinal);
        Assert.Equal(["owner@sua.test", "owner@sub.test"], mails.Where(m => m.Kind == MessageKind.AccountVerify).Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.Equal(3, mails.Count);
    }

    [Fact]
    public async Task Invitation_ToAnAddressWithAnAccountElsewhere_AnswersLikeAnyOther()
    {
        var app = shared.App;
        var owner = await AccountTests.SignUpAsync(app, "inv", "owner@inv.test");
        await AccountTests.SignUpAsync(app, "oth", "owner@oth.test");
        async Task<(HttpStatusCode, string?)> Invite(string email)
        {
            var response = await owner.PostFormAsync("/admin/team?handler=Invite",
                [KeyValuePair.Create("Email", email), KeyValuePair.Create("Role", "admin"), KeyValuePair.Create("StaffKey", "")], "/admin/team");
            return (response.StatusCode, response.Headers.Location?.OriginalString);
        }
        var fresh = await Invite("new@elsewhere.test");
        Assert.Equal((HttpStatusCode.Redirect, "/admin/team"), fresh);
        Assert.Equal(fresh, await Invite("owner@oth.test"));
        var tenant = app.WithDb(db => db.Tenants.Single(t => t.Host == "inv.localhost").Id);
        Assert.Equal(["new@elsewhere.test", "owner@oth.test"],
            app.WithDb(db => db.Invitations.IgnoreQueryFilters().Where(i => i.TenantId == tenant).Select(i => i.Email).ToList()).Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteAccountEnumerationShared : AccountEnumerationTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresAccountEnumerationShared : AccountEnumerationTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteAccountEnumerationTests(SqliteAccountEnumerationShared shared) : AccountEnumerationTests(shared), IClassFixture<SqliteAccountEnumerationShared>;

public sealed class PostgresAccountEnumerationTests(PostgresAccountEnumerationShared shared) : AccountEnumerationTests(shared), IClassFixture<PostgresAccountEnumerationShared>;
