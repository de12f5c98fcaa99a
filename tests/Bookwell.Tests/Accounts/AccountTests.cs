using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Accounts;

/// <summary>Sign-up, sign-in, lockout, reset, two-step sign-in, invitations and API keys, through the pages as a browser uses them.</summary>
public abstract partial class AccountTests
{
    protected abstract Db Kind { get; }

    public const string Password = "a long enough password";

    [GeneratedRegex(@"(/admin/(?:reset|verify|invite)\?[^\s""<]+)")]
    private static partial Regex LinkPattern();

    private static string LinkIn(string text) => WebUtility.HtmlDecode(LinkPattern().Match(text).Groups[1].Value);

    /// <summary>Signs up "Acme" at acme.localhost, confirms the address from the mail, and returns a session signed in there.</summary>
    public static async Task<WebSession> SignUpAsync(BookwellApp app, string sub = "acme", string email = "owner@acme.test")
    {
        var home = WebSession.For(app);
        var response = await home.PostFormAsync("/signup", ("BusinessName", "Acme " + sub), ("Subdomain", sub), ("Name", "Olga Owner"), ("Email", email), ("Password", Password));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(CheckYourMail, await WebSession.TextAsync(response));
        var mail = app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountVerify && m.To == email).OrderBy(m => m.CreatedAt).Last());
        var session = WebSession.For(app, $"{sub}.localhost");
        Assert.Contains("your e-mail address is confirmed", await session.GetAsync(LinkIn(mail.TextBody!)));
        Assert.Equal("/admin", (await session.LoginAsync(email, Password)).Headers.Location?.OriginalString);
        return session;
    }

    private const string CheckYourMail = "Check your e-mail: we sent a message to the address you entered.";

    [Fact]
    public async Task SignUp_CreatesBusinessAndOwner_ConfirmsByMail_ThenSignsInOnItsOwnHost()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var home = WebSession.For(app);
        var response = await home.PostFormAsync("/signup", ("BusinessName", "Acme Cuts"), ("Subdomain", "acme"), ("Name", "Olga Owner"), ("Email", "owner@acme.test"), ("Password", Password));
        Assert.Contains(CheckYourMail, await WebSession.TextAsync(response));

        var tenant = app.WithDb(db => db.Tenants.Single(t => t.Host == "acme.localhost"));
        Assert.Equal("Acme Cuts", tenant.Name);
        var owner = app.WithDb(db => db.Users.Single(u => u.Email == "owner@acme.test"));
        Assert.Equal((tenant.Id, UserRole.Owner, false), (owner.TenantId, owner.Role, owner.EmailConfirmed));
        Assert.NotEqual(Password, owner.PasswordHash);
        var mail = app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountVerify));
        Assert.Equal("owner@acme.test", mail.To);
        Assert.Contains("https://acme.localhost/admin/verify?", mail.TextBody, StringComparison.Ordinal);

        // Following the e-mail link confirms the address; signing in works on the business's own host only.
        var session = WebSession.For(app, "acme.localhost");
        var verify = await session.GetAsync(LinkIn(mail.TextBody!));
        Assert.Contains("your e-mail address is confirmed", verify);
        Assert.True(app.WithDb(db => db.Users.Single(u => u.Email == "owner@acme.test").EmailConfirmed));
        Assert.Equal("/admin", (await session.LoginAsync("owner@acme.test", Password)).Headers.Location?.OriginalString);
        Assert.Contains("Acme Cuts", await session.GetAsync("/admin"));
    }

    [Fact]
    public async Task SignUp_BadInput_ErrorsPerField_NothingCreated()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        await SignUpAsync(app);
        var tenants = app.WithDb(db => db.Tenants.Count());
        var home = WebSession.For(app);
        var response = await home.PostFormAsync("/signup", ("BusinessName", ""), ("Subdomain", "Not Valid!"), ("Name", "X"), ("Email", "nope"), ("Password", "short"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await WebSession.TextAsync(response);
        foreach (var field in new[] { "BusinessName", "Subdomain", "Email", "Password" })
        {
            Assert.Contains($"id=\"{field}-error\"", html);
        }
        Assert.Contains("reserved", await WebSession.TextAsync(await home.PostFormAsync("/signup", ("BusinessName", "B"), ("Subdomain", "admin"), ("Name", "X"), ("Email", "x@b.test"), ("Password", Password))));
        Assert.Contains("taken", await WebSession.TextAsync(await home.PostFormAsync("/signup", ("BusinessName", "B"), ("Subdomain", "acme"), ("Name", "X"), ("Email", "x@b.test"), ("Password", Password))));
        Assert.Equal(tenants, app.WithDb(db => db.Tenants.Count()));
        Assert.Equal(1, app.WithDb(db => db.Users.Count()));
    }

    [Fact]
    public async Task Login_OnAnotherTenantsHost_FailsLikeAWrongPassword_AndACarriedCookieOpensNothing()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        await SignUpAsync(app);
        // Take the session cookie the way a thief would: straight from the response.
        var raw = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri("http://acme.localhost") });
        var signedIn = await WebSession.For(app, "acme.localhost").LoginAsync("owner@acme.test", Password);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("bw_admin=", StringComparison.Ordinal));
        using (var own = new HttpRequestMessage(HttpMethod.Get, "/admin/bookings"))
        {
            own.Headers.Add("Cookie", cookie);
            Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(own)).StatusCode);
        }
        var elsewhere = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri("http://localhost") });
        using var carried = new HttpRequestMessage(HttpMethod.Get, "/admin/bookings");
        carried.Headers.Add("Cookie", cookie);
        var response = await elsewhere.SendAsync(carried);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/admin/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        var login = await WebSession.For(app, "localhost").LoginAsync("owner@acme.test", Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("is not right", await WebSession.TextAsync(login));
    }

    [Fact]
    public async Task Login_FiveWrongPasswords_LockTheAccount_EvenTheRightPasswordThen()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        await SignUpAsync(app);
        var session = WebSession.For(app, "acme.localhost");
        for (var i = 0; i < 4; i++)
        {
            Assert.Contains("is not right", await WebSession.TextAsync(await session.LoginAsync("owner@acme.test", "wrong password " + i)));
        }
        Assert.Contains("is not right", await WebSession.TextAsync(await session.LoginAsync("owner@acme.test", "wrong password 5")));
        // Locked: the right password is refused too, with the same words as a wrong one (nothing confirms the account).
        var right = await session.LoginAsync("owner@acme.test", Password);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("is not right", await WebSession.TextAsync(right));
        Assert.DoesNotContain("locked", await WebSession.TextAsync(right));
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task PasswordReset_ByEmailLink_NewPasswordWorks_OldDoesNot_UnknownAddressesLookTheSame()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        await SignUpAsync(app);
        var session = WebSession.For(app, "acme.localhost");
        var known = await WebSession.TextAsync(await session.PostFormAsync("/admin/forgot", ("Email", "owner@acme.test")));
        var unknown = await WebSession.TextAsync(await session.PostFormAsync("/admin/forgot", ("Email", "nobody@acme.test")));
        Assert.Contains("If this address has an account here", known);
        Assert.Contains("If this address has an account here", unknown);
        var mail = app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountReset));
        var link = LinkIn(mail.TextBody!);
        var user = Regex.Match(link, "user=([^&]+)").Groups[1].Value;
        var token = Uri.UnescapeDataString(Regex.Match(link, "token=([^&]+)").Groups[1].Value);
        var done = await session.PostFormAsync("/admin/reset", [KeyValuePair.Create("user", user), KeyValuePair.Create("Token", token), KeyValuePair.Create("Password", "a brand new password")], link);
        Assert.Contains("Your password has been changed", await WebSession.TextAsync(done));
        // The link is spent: the same token does not work twice.
        var again = await session.PostFormAsync("/admin/reset", [KeyValuePair.Create("user", user), KeyValuePair.Create("Token", token), KeyValuePair.Create("Password", "yet another password")], link);
        Assert.Contains("not valid or has expired", await WebSession.TextAsync(again));
        Assert.Contains("is not right", await WebSession.TextAsync(await WebSession.For(app, "acme.localhost").LoginAsync("owner@acme.test", Password)));
        Assert.Equal("/admin", (await WebSession.For(app, "acme.localhost").LoginAsync("owner@acme.test", "a brand new password")).Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TwoStepSignIn_OnceEnabled_AsksForTheAuthenticatorCode()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var session = await SignUpAsync(app);
        var page = await session.GetAsync("/admin/account");
        var key = Regex.Match(page, "id=\"authenticator-key\">([A-Z2-7]+)<").Groups[1].Value;
        Assert.NotEmpty(key);
        Assert.Contains("That code is not right", await WebSession.TextAsync(await session.PostFormAsync("/admin/account?handler=Enable", [KeyValuePair.Create("code", "000000")], "/admin/account")));
        // Identity checks codes against the real clock, so the code is made for the real now.
        var enabled = await session.PostFormAsync("/admin/account?handler=Enable", [KeyValuePair.Create("code", WebSession.Totp(key, DateTimeOffset.UtcNow))], "/admin/account");
        Assert.Contains("recovery codes", await WebSession.TextAsync(enabled));

        var fresh = WebSession.For(app, "acme.localhost");
        var step1 = await WebSession.TextAsync(await fresh.LoginAsync("owner@acme.test", Password));
        Assert.Contains("Code from your authenticator app", step1);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.Client.GetAsync("/admin")).StatusCode);
        var wrong = await fresh.PostFormAsync("/admin/login?handler=Code", [KeyValuePair.Create("Code", "123456")], "/admin/login");
        Assert.Contains("That code is not right", await WebSession.TextAsync(wrong));
        var right = await fresh.PostFormAsync("/admin/login?handler=Code", [KeyValuePair.Create("Code", WebSession.Totp(key, DateTimeOffset.UtcNow))], "/admin/login");
        Assert.Equal("/admin", right.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await fresh.Client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task Invitation_StaffAccount_SeesOnlyOwnBookings_AndNoSetup()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var owner = await SignUpAsync(app);
        var tenant = app.WithDb(db => db.Tenants.Single(t => t.Host == "acme.localhost").Id);
        var key = await CreateApiKeyAsync(owner);
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(api, Config())).StatusCode);
        var annas = await Body(await api.PostAsync("/api/v1/admin/bookings", Json(Operator("2027-03-02T10:00:00+01:00", "anna", "ann@client.test"))));
        var bobs = await Body(await api.PostAsync("/api/v1/admin/bookings", Json(Operator("2027-03-02T11:00:00+01:00", "bob", "bob@client.test"))));

        var invited = await owner.PostFormAsync("/admin/team?handler=Invite", [KeyValuePair.Create("Email", "anna@acme.test"), KeyValuePair.Create("Role", "staff"), KeyValuePair.Create("StaffKey", "anna")], "/admin/team");
        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        var mail = app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountInvite));
        Assert.Equal(tenant, mail.TenantId);
        var link = LinkIn(mail.TextBody!);
        var anna = WebSession.For(app, "acme.localhost");
        var joined = await anna.PostFormAsync(link, [KeyValuePair.Create("Token", Regex.Match(link, "token=(.+)$").Groups[1].Value), KeyValuePair.Create("Name", "Anna"), KeyValuePair.Create("Password", Password)], link);
        Assert.Equal("/admin", joined.Headers.Location?.OriginalString);

        var list = await anna.GetAsync("/admin/bookings");
        Assert.Contains("ann@client.test", list);
        Assert.DoesNotContain("bob@client.test", list);
        Assert.Equal(HttpStatusCode.NotFound, (await anna.Client.GetAsync($"/admin/bookings/{bobs["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anna.Client.GetAsync($"/admin/bookings/{annas["id"]}")).StatusCode);
        Assert.StartsWith("/admin/denied", (await anna.Client.GetAsync("/admin/setup")).Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.StartsWith("/admin/denied", (await anna.Client.GetAsync("/admin/team")).Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        // The invitation is spent.
        Assert.Contains("not valid any more", await anna.GetAsync(link));
    }

    private static System.Text.Json.Nodes.JsonObject Operator(string start, string staff, string email)
    {
        var body = Booking(start, email: email, staff: staff);
        body["page"] = Slug;
        return body;
    }

    /// <summary>Creates an API key through the page and returns the key, which the page shows once.</summary>
    public static async Task<string> CreateApiKeyAsync(WebSession owner)
    {
        var page = await WebSession.TextAsync(await owner.PostFormAsync("/admin/api-keys?handler=Create", [KeyValuePair.Create("name", "Website")], "/admin/api-keys"));
        var key = Regex.Match(page, "id=\"new-key\">(bwk_[A-Za-z0-9_-]+)<").Groups[1].Value;
        Assert.NotEmpty(key);
        return key;
    }

    [Fact]
    public async Task ApiKey_WorksForItsTenantOnly_StoredHashed_RevokedIsRefused()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var owner = await SignUpAsync(app);
        var key = await CreateApiKeyAsync(owner);
        Assert.DoesNotContain(app.WithDb(db => db.ApiKeys.IgnoreQueryFilters().Select(k => k.Hash).ToList()), h => h.Contains(key[4..], StringComparison.Ordinal));
        // The key is never shown again.
        Assert.DoesNotContain(key, await owner.GetAsync("/admin/api-keys"));
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(api, Config())).StatusCode);
        var acmeTenant = app.WithDb(db => db.Tenants.Single(t => t.Host == "acme.localhost").Id);
        Assert.Equal(1, app.WithDb(db => db.Tenants.Single(t => t.Id == acmeTenant).ConfigVersion));
        Assert.Equal(0, app.WithDb(db => db.Tenants.Single(t => t.Id == DefaultTenant.Id).ConfigVersion));

        var id = app.WithDb(db => db.ApiKeys.IgnoreQueryFilters().Single().Id);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/api-keys?handler=Revoke&id={id}", [], "/admin/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/admin/config")).StatusCode);
    }

    // Own domains and the first-owner claim: see Security/HostSecurityTests.

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example/steal")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task Login_ReturnUrlElsewhere_LandsOnTheDashboard(string returnUrl)
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        await SignUpAsync(app);
        var session = WebSession.For(app, "acme.localhost");
        var response = await session.PostFormAsync("/admin/login", ("Email", "owner@acme.test"), ("Password", Password), ("ReturnUrl", returnUrl));
        Assert.Equal("/admin", response.Headers.Location?.OriginalString);
    }

    /// <summary>
    /// Every few minutes the sign-in cookie's security stamp is checked against the account and the cookie issued anew; a
    /// session that outlives that check (here: a check on every request) stays signed in with the same rights.
    /// </summary>
    [Fact]
    public async Task SessionOutlivingTheStampCheck_StaysSignedIn()
    {
        await using var app = await BookwellApp.StartAsync(Kind, services: s =>
            s.PostConfigure<Microsoft.AspNetCore.Identity.SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero));
        var session = await SignUpAsync(app);
        for (var i = 0; i < 3; i++)
        {
            var response = await session.Client.GetAsync("/admin/team");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Olga Owner", await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>
    /// Opening the account page makes an authenticator key to show; that must not renew the security stamp, or the owner is
    /// signed out of every device at the next stamp check (the admin sweep met this five minutes into its run). Turning
    /// two-step sign-in on or off does renew it: the other devices are signed out, the one that did it stays.
    /// </summary>
    [Fact]
    public async Task OpeningTheAccountPage_KeepsEverySessionSignedIn_TwoStepOnEndsTheOthersOnly()
    {
        await using var app = await BookwellApp.StartAsync(Kind, services: s =>
            s.PostConfigure<Microsoft.AspNetCore.Identity.SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero));
        var desk = await SignUpAsync(app);
        var phone = WebSession.For(app, "acme.localhost");
        Assert.Equal("/admin", (await phone.LoginAsync("owner@acme.test", Password)).Headers.Location?.OriginalString);
        var stamp = app.WithDb(db => db.Users.Single(u => u.Email == "owner@acme.test").SecurityStamp);

        var page = await desk.GetAsync("/admin/account");
        var key = Regex.Match(page, "id=\"authenticator-key\">([A-Z2-7]+)<").Groups[1].Value;
        Assert.NotEmpty(key);
        Assert.Equal(stamp, app.WithDb(db => db.Users.Single(u => u.Email == "owner@acme.test").SecurityStamp));
        // The same key on the next visit (it is what the person scans), and both devices still signed in.
        Assert.Contains($"id=\"authenticator-key\">{key}<", await desk.GetAsync("/admin/account"));
        Assert.Equal(HttpStatusCode.OK, (await desk.Client.GetAsync("/admin/team")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.Client.GetAsync("/admin/team")).StatusCode);

        var enabled = await desk.PostFormAsync("/admin/account?handler=Enable", [KeyValuePair.Create("code", WebSession.Totp(key, DateTimeOffset.UtcNow))], "/admin/account");
        Assert.Contains("recovery codes", await WebSession.TextAsync(enabled));
        Assert.Equal(HttpStatusCode.OK, (await desk.Client.GetAsync("/admin/team")).StatusCode);
        var signedOut = await phone.Client.GetAsync("/admin/team");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith("/admin/login", signedOut.Headers.Location?.PathAndQuery ?? signedOut.Headers.Location?.OriginalString, StringComparison.Ordinal);

        var off = await desk.PostFormAsync("/admin/account?handler=Disable", [], "/admin/account");
        Assert.Equal(HttpStatusCode.Redirect, off.StatusCode);
        Assert.Contains("Two-step sign-in is off", await desk.GetAsync("/admin/account"));
        Assert.Equal(HttpStatusCode.OK, (await desk.Client.GetAsync("/admin/team")).StatusCode);
    }

    [Fact]
    public async Task SecurityHeaders_OnDashboardAndBookingPage()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var session = WebSession.For(app, "book.example.test", "https");
        var login = await session.Client.GetAsync("/admin/login");
        var csp = login.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline'; img", csp.Split("script-src")[1].Split(';')[0] + "; img");
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.True(login.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", login.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("<form method=\"post\"", await login.Content.ReadAsStringAsync());
        Assert.Contains("__RequestVerificationToken", await login.Content.ReadAsStringAsync());
        // A form without its antiforgery token is refused.
        var forged = await session.Client.PostAsync("/admin/login", new FormUrlEncodedContent([KeyValuePair.Create("Email", "a@b.c"), KeyValuePair.Create("Password", "x")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }
}

public sealed class SqliteAccountTests : AccountTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresAccountTests : AccountTests
{
    protected override Db Kind => Db.Postgres;
}
