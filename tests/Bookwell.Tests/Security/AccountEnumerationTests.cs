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
