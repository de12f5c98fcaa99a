using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Tests.Security;

/// <summary>Sign-in, sign-up and invitations answer the same whether or not an address has an account.</summary>
public sealed partial class AccountEnumerationTests
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"")]
    private static partial Regex TokenPattern();

    /// <summary>The body with its per-request antiforgery token and the echoed address taken out.</summary>
    private static async Task<(HttpStatusCode, string)> Answer(HttpResponseMessage response, string email) =>
        (response.StatusCode, TokenPattern().Replace(await response.Content.ReadAsStringAsync(), "TOKEN").Replace(email, "EMAIL", StringComparison.Ordinal));

    [Fact]
    public async Task Login_KnownUnknownAndLockedAddresses_AnswerAlike()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        await AccountTests.SignUpAsync(app);
        var session = WebSession.For(app, "acme.localhost");
        var unknown = await Answer(await session.LoginAsync("nobody@acme.test", "wrong password"), "nobody@acme.test");
        Assert.Equal(HttpStatusCode.OK, unknown.Item1);
        Assert.Equal(unknown, await Answer(await session.LoginAsync("owner@acme.test", "wrong password"), "owner@acme.test"));
        for (var i = 0; i < 5; i++)
        {
            await session.LoginAsync("owner@acme.test", "wrong password");
        }
        Assert.NotNull(app.WithDb(db => db.Users.Single(u => u.Email == "owner@acme.test").LockoutEnd));
        Assert.Equal(unknown, await Answer(await session.LoginAsync("owner@acme.test", "wrong password"), "owner@acme.test"));
        Assert.Equal(unknown, await Answer(await session.LoginAsync("owner@acme.test", AccountTests.Password), "owner@acme.test"));
    }

    [Fact]
    public async Task Login_KnownUnknownAndLockedAddresses_TakeTheSameOrderOfTime()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        await AccountTests.SignUpAsync(app);
        var peer = 0;
        async Task<long> Timed(string email, string password)
        {
            // Each try from its own address, so only the account's own lockout is at work.
            var session = WebSession.For(app, "acme.localhost");
            session.Client.DefaultRequestHeaders.Add("X-Test-Peer", $"203.0.113.{++peer}");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var answer = await session.LoginAsync(email, password);
            var took = watch.ElapsedMilliseconds;
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            return took;
        }
        // Warm both paths first (the first hash of a process builds the dummy hash).
        await Timed("nobody@acme.test", "wrong password");
        var unknown = new List<long>();
        var known = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            unknown.Add(await Timed($"nobody{i}@acme.test", "wrong password"));
            known.Add(await Timed("owner@acme.test", "wrong password"));
        }
        await Timed("owner@acme.test", "wrong password");
        Assert.NotNull(app.WithDb(db => db.Users.Single(u => u.Email == "owner@acme.test").LockoutEnd));
        var locked = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            locked.Add(await Timed("owner@acme.test", AccountTests.Password));
        }
        // A password hash is checked on every path: the fastest tries are of the same order (a path without one is 10-20x
        // faster). The fastest, not the median: a busy machine only ever adds time, and it did to single tries in full runs.
        var (k, u, l) = (known.Min(), unknown.Min(), locked.Min());
        Assert.True(u * 3 >= k && k * 3 >= u && l * 3 >= k && k * 3 >= l, $"known {k} ms, unknown {u} ms, locked {l} ms");
    }

    [Fact]
    public async Task SignUp_WithAnExistingAddress_AnswersLikeANewSignUp_AndMailsTheAddresssOwner()
    {
        using var sink = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "accounts@bookwell.example";
        });
        async Task<HttpResponseMessage> SignUp(string sub, string email) =>
            await WebSession.For(app).PostFormAsync("/signup", ("BusinessName", "Studio"), ("Subdomain", sub), ("Name", "Olga Owner"), ("Email", email), ("Password", AccountTests.Password));
        Assert.Equal(HttpStatusCode.OK, (await SignUp("acme", "owner@acme.test")).StatusCode);

        var fresh = await Answer(await SignUp("bee", "owner@bee.test"), "owner@bee.test");
        var taken = await Answer(await SignUp("cee", "OWNER@acme.test"), "OWNER@acme.test");
        Assert.Equal(fresh, taken);
        Assert.Contains("Check your e-mail", fresh.Item2, StringComparison.Ordinal);

        Assert.False(app.WithDb(db => db.Tenants.Any(t => t.Host == "cee.localhost")));
        var mails = await sink.WaitForAsync(3);
        var attempt = Assert.Single(mails, m => m.Subject != null && m.Subject.Contains("tried to sign up", StringComparison.Ordinal));
        Assert.Equal("owner@acme.test", attempt.To.Mailboxes.Single().Address);
        Assert.Contains("https://acme.localhost/admin/forgot", attempt.TextBody!, StringComparison.Ordinal);
        Assert.Equal(2, mails.Count(m => m.Subject != null && m.Subject.Contains("Confirm your e-mail", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Invitation_ToAnAddressWithAnAccountElsewhere_AnswersLikeAnyOther()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var owner = await AccountTests.SignUpAsync(app);
        await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        async Task<(HttpStatusCode, string?)> Invite(string email)
        {
            var response = await owner.PostFormAsync("/admin/team?handler=Invite",
                [KeyValuePair.Create("Email", email), KeyValuePair.Create("Role", "admin"), KeyValuePair.Create("StaffKey", "")], "/admin/team");
            return (response.StatusCode, response.Headers.Location?.OriginalString);
        }
        var fresh = await Invite("new@elsewhere.test");
        Assert.Equal((HttpStatusCode.Redirect, "/admin/team"), fresh);
        Assert.Equal(fresh, await Invite("owner@bee.test"));
        Assert.Equal(2, app.WithDb(db => db.Invitations.IgnoreQueryFilters().Count()));
    }
}
