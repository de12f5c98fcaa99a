using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.ClientPortal;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// Client passwords, "Sign in with Google" against a stand-in OpenID Connect provider, the profile (details,
/// password, delete my account), forms, the portal link in mails, and a tenant-isolation matrix for client sessions.
/// </summary>
public abstract partial class ClientAccountTests
{
    protected abstract Db Kind { get; }

    internal const string Password = "correct horse battery";

    [GeneratedRegex(@"https?://[^\s""<>]+/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*")]
    private static partial Regex LinkPattern();

    private Task<BookwellApp> ArrangeAsync(Action<Dictionary<string, string?>>? more = null) => ArrangeAsync(Kind, more);

    internal static async Task<BookwellApp> ArrangeAsync(Db kind, Action<Dictionary<string, string?>>? more = null)
    {
        var app = await BookwellApp.StartAsync(kind, more);
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    internal static async Task<string> BookAsync(HttpClient client, string start, string service, string staff, string email)
    {
        var response = await Book(client, Booking(start, service, email, staff));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["id"]!.GetValue<string>();
    }

    /// <summary>Runs the outbox worker's preparation of queued sign-in requests and returns their links (these apps have no mail server).</summary>
    private static async Task<List<string>> PrepareQueuedAsync(BookwellApp app)
    {
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued).ToList());
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued).ExecuteUpdate(s => s.SetProperty(m => m.Status, Bookwell.Features.Notifications.OutboxStatus.Sent)));
        return rows.Where(r => !skipped.ContainsKey(r.Id)).Select(r => LinkPattern().Match(r.TextBody!).Value).ToList();
    }

    private static string PathOf(string link) => new Uri(link).PathAndQuery;

    /// <summary>A browser session on the host, signed in by a sign-in link for the address.</summary>
    internal static async Task<WebSession> LinkSessionAsync(BookwellApp app, string email, string host = "localhost")
    {
        var session = WebSession.For(app, host);
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/signin", ("email", email))).StatusCode);
        var link = Assert.Single(await PrepareQueuedAsync(app));
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync(PathOf(link))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/account")).StatusCode);
        return session;
    }

    internal static Task<HttpResponseMessage> PasswordSignInAsync(WebSession session, string email, string password) =>
        session.PostFormAsync("/account/signin?handler=password", [KeyValuePair.Create("email", email), KeyValuePair.Create("password", password)], "/account/signin");

    [Fact]
    public async Task Password_SetAfterALink_SignsIn_WrongAndUnknownAnswerAlike_AndTheOldSessionEnds()
    {
        await using var app = await ArrangeAsync();
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        var first = await LinkSessionAsync(app, "ada@example.com");
        var other = await LinkSessionAsync(app, "ada@example.com");

        // Rules: at least 10 characters, the two the same; without the antiforgery token nothing happens.
        var short1 = await first.PostFormAsync("/account/profile?handler=password", [KeyValuePair.Create("password", "short"), KeyValuePair.Create("confirm", "short")], "/account/profile");
        Assert.Equal(HttpStatusCode.BadRequest, short1.StatusCode);
        Assert.Contains("id=\"password-error\"", await short1.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var forged = await first.Client.PostAsync("/account/profile?handler=password",
            new FormUrlEncodedContent([KeyValuePair.Create("password", Password), KeyValuePair.Create("confirm", Password)]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(0, app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Count()));

        // A session a link opened just now sets the password without an old one (the reset by e-mail).
        var set = await first.PostFormAsync("/account/profile?handler=password", [KeyValuePair.Create("password", Password), KeyValuePair.Create("confirm", Password)], "/account/profile");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var hash = app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Single().PasswordHash)!;
        Assert.StartsWith("AQAAAA", hash, StringComparison.Ordinal); // Identity's v3 format
        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains(Password, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await first.Client.GetAsync("/account")).StatusCode);
        // The other session predates the password: it is over.
        Assert.Equal(HttpStatusCode.Redirect, (await other.Client.GetAsync("/account")).StatusCode);

        var fresh = WebSession.For(app);
        var ok = await PasswordSignInAsync(fresh, " ADA@example.com", Password);
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Equal("/account", ok.Headers.Location?.OriginalString);
        Assert.Contains("data-booking", await fresh.GetAsync("/account"), StringComparison.Ordinal);

        // Wrong password, unknown address, client without a password: one answer.
        static string Strip(string html) => Regex.Replace(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"", "TOKEN");
        var wrong = await PasswordSignInAsync(WebSession.For(app), "ada@example.com", "not the password");
        var unknown = await PasswordSignInAsync(WebSession.For(app), "ada@example.com".Replace("ada", "zed", StringComparison.Ordinal), "not the password");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(wrong.StatusCode, unknown.StatusCode);
        Assert.Equal(Strip(await wrong.Content.ReadAsStringAsync()).Replace("ada@", "X@", StringComparison.Ordinal),
            Strip(await unknown.Content.ReadAsStringAsync()).Replace("zed@", "X@", StringComparison.Ordinal));

        // Changing it later asks for the current one (the link session's grace is over).
        app.Clock.Advance(Duration.FromMinutes(31));
        var signedIn = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await PasswordSignInAsync(signedIn, "ada@example.com", Password)).StatusCode);
        var noCurrent = await signedIn.PostFormAsync("/account/profile?handler=password", [KeyValuePair.Create("password", "another long one"), KeyValuePair.Create("confirm", "another long one")], "/account/profile");
        Assert.Equal(HttpStatusCode.BadRequest, noCurrent.StatusCode);
        Assert.Contains("id=\"current-error\"", await noCurrent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var changed = await signedIn.PostFormAsync("/account/profile?handler=password",
            [KeyValuePair.Create("current", Password), KeyValuePair.Create("password", "another long one"), KeyValuePair.Create("confirm", "another long one")], "/account/profile");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.Client.GetAsync("/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await signedIn.Client.GetAsync("/account")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PasswordSignInAsync(WebSession.For(app), "ada@example.com", "another long one")).StatusCode);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains(Password, StringComparison.Ordinal) || e.Message.Contains("another long one", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Password_FiveWrongBlock_KnownAndUnknownAlike()
    {
        await using var app = await ArrangeAsync();
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        var session = await LinkSessionAsync(app, "ada@example.com");
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/profile?handler=password",
            [KeyValuePair.Create("password", Password), KeyValuePair.Create("confirm", Password)], "/account/profile")).StatusCode);

        // The time each path takes is ClientPasswordTimingTests' (it runs alone, after the parallel classes).
        for (var i = 0; i < 5; i++)
        {
            // Each from its own network address, so only the per-address count is at work.
            foreach (var address in new[] { "ada@example.com", "nobody@example.com" })
            {
                var s = WebSession.For(app);
                s.Client.DefaultRequestHeaders.Add("X-Test-Peer", $"203.0.113.{i * 2 + (address[0] == 'a' ? 1 : 2)}");
                Assert.Equal(HttpStatusCode.BadRequest, (await PasswordSignInAsync(s, address, "wrong password " + i)).StatusCode);
            }
        }
        foreach (var address in new[] { "ada@example.com", "nobody@example.com" })
        {
            var s = WebSession.For(app);
            s.Client.DefaultRequestHeaders.Add("X-Test-Peer", "198.51.100.7");
            // Blocked now, even with the right password, and for the unknown address the same way.
            var blocked = await PasswordSignInAsync(s, address, Password);
            Assert.Equal((HttpStatusCode)429, blocked.StatusCode);
            Assert.Contains("id=\"password-error\"", await blocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        app.Clock.Advance(Duration.FromMinutes(2));
        var later = WebSession.For(app);
        later.Client.DefaultRequestHeaders.Add("X-Test-Peer", "198.51.100.8");
        Assert.Equal(HttpStatusCode.Redirect, (await PasswordSignInAsync(later, "ada@example.com", Password)).StatusCode);
    }

    /// <summary>Through the provider and back, as a browser does it: our POST, the provider's authorize, our callback, the landing page.</summary>
    private static async Task<HttpResponseMessage> GoogleAsync(WebSession session, Func<string, string>? tamperCallback = null)
    {
        var start = await session.PostFormAsync("/account/google", [], "/account/signin");
        Assert.True(start.StatusCode == HttpStatusCode.Redirect, await start.Content.ReadAsStringAsync());
        var authorize = start.Headers.Location!;
        Assert.Contains("nonce=", authorize.Query, StringComparison.Ordinal);
        Assert.Contains("state=", authorize.Query, StringComparison.Ordinal);
        Assert.Contains("code_challenge=", authorize.Query, StringComparison.Ordinal);
        using var provider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var answer = await provider.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var back = answer.Headers.Location!;
        // The provider was told the business's own address, not the request's host.
        Assert.Equal("https://book.example.test/account/google/callback", back.GetLeftPart(UriPartial.Path));
        var callback = back.PathAndQuery;
        var landed = await session.Client.GetAsync(tamperCallback is null ? callback : tamperCallback(callback));
        Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
        var next = landed.Headers.Location!.OriginalString;
        return next.StartsWith("/account/google/done", StringComparison.Ordinal) ? await session.Client.GetAsync(next) : landed;
    }

    private async Task<(BookwellApp App, OidcStandIn Idp)> ArrangeGoogleAsync()
    {
        var idp = await OidcStandIn.StartAsync();
        var app = await ArrangeAsync(s =>
        {
            s["Bookwell:Google:ClientId"] = OidcStandIn.ClientId;
            s["Bookwell:Google:ClientSecret"] = OidcStandIn.ClientSecret;
            s["Bookwell:Google:Authority"] = idp.BaseUrl;
        });
        return (app, idp);
    }

    [Fact]
    public async Task GoogleButton_OnlyWhenConfigured()
    {
        await using var plain = await ArrangeAsync();
        Assert.DoesNotContain("sign-in-google", await WebSession.For(plain).GetAsync("/account/signin"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await WebSession.For(plain).PostFormAsync("/account/google", [], "/account/signin")).StatusCode);
        var (app, idp) = await ArrangeGoogleAsync();
        await using (app)
        await using (idp)
        {
            Assert.Contains("sign-in-google", await WebSession.For(app).GetAsync("/account/signin"), StringComparison.Ordinal);
            // The button's form continues at the provider: a form-action of 'self' alone makes Chromium hold that redirect.
            var signIn = await WebSession.For(app).Client.GetAsync("/account/signin");
            var csp = signIn.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains($"form-action 'self' {new Uri(idp.BaseUrl).GetLeftPart(UriPartial.Authority)};", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        }
        var plainCsp = (await WebSession.For(plain).Client.GetAsync("/account/signin")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("form-action 'self';", plainCsp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Google_NewVerifiedAddress_BecomesAClient_UnverifiedIsRefused()
    {
        var (app, idp) = await ArrangeGoogleAsync();
        await using var _ = app;
        await using var __ = idp;
        idp.NextUser = new OidcStandIn.User("sub-unverified", "eve@example.com", false, "Eve");
        var refused = await GoogleAsync(WebSession.For(app));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("id=\"google-unverified\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDb(db => db.Customers.IgnoreQueryFilters().Count(c => c.EmailNormalized == "EVE@EXAMPLE.COM")));

        idp.NextUser = new OidcStandIn.User("sub-new", "new@example.com", true, "Nina New");
        var session = WebSession.For(app);
        var done = await GoogleAsync(session);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/account", done.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/account")).StatusCode);
        var account = app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Single());
        Assert.Equal("sub-new", account.GoogleSubject);
        Assert.Equal("Nina New", app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.Id == account.CustomerId).Name));
        // The code went to the token endpoint with the PKCE verifier.
        Assert.Contains(idp.TokenRequests, r => r.Contains("code_verifier", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Google_ExistingClient_IsNotLinkedSilently_OnlyAfterTheLinkInThisBrowser()
    {
        var (app, idp) = await ArrangeGoogleAsync();
        await using var _ = app;
        await using var __ = idp;
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        idp.NextUser = new OidcStandIn.User("sub-ada", "ada@example.com", true, "Ada (Google)");
        var session = WebSession.For(app);
        var first = await GoogleAsync(session);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("id=\"google-link-sent\"", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/account")).StatusCode); // not signed in
        Assert.Equal(0, app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Count()));
        var link = Assert.Single(await PrepareQueuedAsync(app));

        // The same link opened in another browser signs in but links nothing.
        var elsewhere = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.Client.GetAsync(PathOf(link))).StatusCode);
        Assert.Equal(0, app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Count(a => a.GoogleSubject != null)));

        // Google again, a new link, opened in the browser that came from Google: now they are linked.
        Assert.Equal(HttpStatusCode.OK, (await GoogleAsync(session)).StatusCode);
        var second = Assert.Single(await PrepareQueuedAsync(app));
        var landing = await session.Client.GetAsync(PathOf(second));
        Assert.Equal("/account/profile?google=linked", landing.Headers.Location?.OriginalString);
        Assert.Equal("sub-ada", app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Single().GoogleSubject));
        Assert.Equal("Ada Lovelace", app.WithDb(db => db.Customers.IgnoreQueryFilters().Single().Name));

        // From then on Google signs Ada in directly, in any browser.
        var direct = WebSession.For(app);
        var done = await GoogleAsync(direct);
        Assert.Equal("/account", done.Headers.Location?.OriginalString);
        Assert.Contains("data-booking", await direct.GetAsync("/account"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Google_StateAndNonce_AreChecked()
    {
        var (app, idp) = await ArrangeGoogleAsync();
        await using var _ = app;
        await using var __ = idp;
        idp.NextUser = new OidcStandIn.User("sub-x", "x@example.com", true, "Xavier");

        // A state that is not the one this browser was given.
        var tampered = await GoogleAsync(WebSession.For(app), cb => Regex.Replace(cb, "state=[^&]+", "state=" + new string('A', 80)));
        Assert.Equal("/account/signin?google=failed", tampered.Headers.Location?.OriginalString);

        // The right state but the callback in another browser (no correlation cookie).
        var start = WebSession.For(app);
        var go = await start.PostFormAsync("/account/google", [], "/account/signin");
        using var provider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var back = (await provider.GetAsync(go.Headers.Location!)).Headers.Location!;
        var stranger = await WebSession.For(app).Client.GetAsync(back.PathAndQuery);
        Assert.Equal("/account/signin?google=failed", stranger.Headers.Location?.OriginalString);

        // An id_token signed for another nonce.
        idp.NonceOverride = "not-the-nonce";
        var wrongNonce = await GoogleAsync(WebSession.For(app));
        Assert.Equal("/account/signin?google=failed", wrongNonce.Headers.Location?.OriginalString);
        Assert.Equal(0, app.WithDb(db => db.Customers.IgnoreQueryFilters().Count(c => c.EmailNormalized == "X@EXAMPLE.COM")));
        Assert.Equal(0, app.WithDb(db => db.ClientAccounts.IgnoreQueryFilters().Count()));
    }

    [Fact]
    public async Task Profile_SavesDetails_FormsShowAnswers_DeleteErasesThePerson()
    {
        await using var app = await ArrangeAsync();
        var client = app.CreateClient();
        var past = await BookAsync(client, "2027-03-02T10:00:00+01:00", "haircut", "bob", "ada@example.com");
        var upcoming = await BookAsync(client, "2027-03-09T10:00:00+01:00", "consult", "anna", "ada@example.com");
        app.Clock.Advance(Duration.FromDays(2));
        var session = await LinkSessionAsync(app, "ada@example.com");

        var bad = await session.PostFormAsync("/account/profile", ("name", "Ada"), ("birthday", "2999-01-01"), ("gender", "other"), ("address", ""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Contains("id=\"birthday-error\"", badHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"gender-error\"", badHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/profile",
            ("name", "Ada King"), ("phone", "+31 6 12345678"), ("birthday", "1990-12-10"), ("gender", "female"), ("address", "Keizersgracht 1\nAmsterdam"))).StatusCode);
        var c = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single());
        Assert.Equal((new LocalDate(1990, 12, 10), "female", "Keizersgracht 1\nAmsterdam"), (c.Birthday!.Value, c.Gender, c.Address));

        var forms = await session.GetAsync("/account/forms");
        Assert.Contains($"data-booking=\"{past}\"", forms, StringComparison.Ordinal);
        Assert.Contains("Hair length", forms, StringComparison.Ordinal);
        Assert.Contains("short", forms, StringComparison.Ordinal);

        // Delete: a box to tick first, then the person is gone from every table; the bookings stay, nameless.
        Assert.Equal(HttpStatusCode.BadRequest, (await session.PostFormAsync("/account/profile?handler=delete", [], "/account/profile")).StatusCode);
        var deleted = await session.PostFormAsync("/account/profile?handler=delete", [KeyValuePair.Create("confirmDelete", "true")], "/account/profile");
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/account")).StatusCode);
        var values = EveryStoredValue(app);
        foreach (var personal in new[] { "Ada King", "Ada Lovelace", "ada@example.com", "+31600000000", "12345678", "Keizersgracht" })
        {
            Assert.DoesNotContain(values, v => v.Contains(personal, StringComparison.OrdinalIgnoreCase));
        }
        var bookings = app.WithDb(db => db.Bookings.IgnoreQueryFilters().AsNoTracking().ToList());
        Assert.Equal(2, bookings.Count);
        Assert.Equal(Bookwell.Features.Bookings.BookingStatus.Cancelled, bookings.Single(b => b.Id.ToString() == upcoming).Status);
        Assert.Equal("{}", bookings.Single(b => b.Id.ToString() == past).AnswersJson);
        Assert.DoesNotContain(app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().ToList()), m => m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued && m.BookingId.ToString() == upcoming && m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder);

        // Nothing signs the person in any more.
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Json(new JsonObject { ["email"] = "ada@example.com" }))).StatusCode);
        Assert.Empty(await PrepareQueuedAsync(app));
    }

    [Fact]
    public async Task ClientMails_CarryAYourBookingsLink_ToTheBusinessesOwnAddress()
    {
        using var sink = SmtpSink.Start();
        await using var app = await ArrangeAsync(s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
        });
        var foreign = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://attacker.example") });
        await BookAsync(foreign, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        var mail = Assert.Single(await sink.WaitForAsync(1));
        Assert.Contains("Your bookings: https://book.example.test/account", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("href=\"https://book.example.test/account\"", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolationMatrix_AClientOfA_NeitherSeesNorActsOnB_AndNeverOpensAdminStaffOrAnothersBooking()
    {
        await using var app = await ArrangeAsync();
        var aBooking = await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "same@client.test");
        var otherA = await BookAsync(app.CreateClient(), "2027-03-04T12:00:00+01:00", "consult", "anna", "other@client.test");
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        var beeApi = app.CreateClient();
        beeApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AccountTests.CreateApiKeyAsync(bee));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(beeApi, Config())).StatusCode);
        var beeHost = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://bee.localhost") });
        var bBooking = await BookAsync(beeHost, "2027-03-03T10:00:00+01:00", "consult", "anna", "same@client.test");

        var a = await LinkSessionAsync(app, "same@client.test");
        Assert.Equal(HttpStatusCode.OK, (await a.PostFormAsync("/account/profile?handler=password",
            [KeyValuePair.Create("password", Password), KeyValuePair.Create("confirm", Password)], "/account/profile")).StatusCode);
        var raw = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var aCookie = (await PasswordSignInAsync(WebSession.For(app), "same@client.test", Password)).Headers.GetValues("Set-Cookie")
            .Single(c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal)).Split(';')[0];
        async Task<HttpResponseMessage> As(HttpMethod method, string url, HttpContent? body = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body };
            request.Headers.Add("Cookie", aCookie);
            return await raw.SendAsync(request);
        }

        // On A: only A's own things.
        var home = await (await As(HttpMethod.Get, "http://localhost/account")).Content.ReadAsStringAsync();
        Assert.Contains(aBooking, home, StringComparison.Ordinal);
        Assert.DoesNotContain(bBooking, home, StringComparison.Ordinal);
        Assert.DoesNotContain(otherA, home, StringComparison.Ordinal);
        Assert.DoesNotContain(bBooking, await (await As(HttpMethod.Get, "http://localhost/account/forms")).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // On B's host every portal page and form refuses A's session; B's client's password is not A's.
        foreach (var path in new[] { "/account", "/account/profile", "/account/forms", "/account/notifications" })
        {
            var get = await As(HttpMethod.Get, "http://bee.localhost" + path);
            Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
            Assert.Contains("/account/signin", get.Headers.Location?.OriginalString, StringComparison.Ordinal);
            var post = await As(HttpMethod.Post, "http://bee.localhost" + path, new FormUrlEncodedContent([KeyValuePair.Create("name", "Hijack")]));
            Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        }
        Assert.Equal("Ada Lovelace", app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.TenantId != DefaultTenant.Id).Name));
        var onB = WebSession.For(app, "bee.localhost");
        Assert.Equal(HttpStatusCode.BadRequest, (await PasswordSignInAsync(onB, "same@client.test", Password)).StatusCode);

        // Never the staff side, never another client's booking by id.
        foreach (var path in new[] { "/admin", "/admin/bookings", $"/admin/bookings/{otherA}", "/admin/customers", "/staff" })
        {
            var r = await As(HttpMethod.Get, "http://localhost" + path);
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
            Assert.Matches("/(admin|staff)/login", r.Headers.Location?.OriginalString ?? "");
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(HttpMethod.Get, $"http://localhost/api/v1/admin/bookings/{otherA}")).StatusCode);
        var page = await (await As(HttpMethod.Get, "http://localhost/account")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(otherA, page, StringComparison.Ordinal);
    }

    /// <summary>Every text value of every table, to search for a secret or a person.</summary>
    private static List<string> EveryStoredValue(BookwellApp app) => app.WithDb(db =>
    {
        var values = new List<string>();
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).Where(t => t is not null).Distinct().ToList();
        var connection = db.Database.GetDbConnection();
        connection.Open();
        foreach (var table in tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (!reader.IsDBNull(i))
                    {
                        values.Add(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
                    }
                }
            }
        }
        return values;
    });
}

public sealed class SqliteClientAccountTests : ClientAccountTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresClientAccountTests : ClientAccountTests
{
    protected override Db Kind => Db.Postgres;
}
