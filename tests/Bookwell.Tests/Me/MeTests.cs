using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.ClientPortal;
using Bookwell.Features.Me;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Me;

/// <summary>
/// <c>/me</c> on the install's default host: a person proves an address by a one-time link and sees their bookings at
/// every business, each with a link to that business's own portal (none where the portal is off); nobody else's
/// bookings, and nothing on a business's own host.
/// </summary>
public abstract partial class MeTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex(@"https?://[^\s""<>]+/me/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*")]
    private static partial Regex LinkPattern();

    private static JsonObject SalonConfig(bool? portal = null)
    {
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        if (portal is { } on)
        {
            doc["pages"]![0]!["settings"]!["clientPortal"] = on;
        }
        return doc;
    }

    private async Task<BookwellApp> ArrangeAsync()
    {
        var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), SalonConfig())).StatusCode);
        return app;
    }

    private static async Task<string> BookAsync(HttpClient client, string start, string email)
    {
        var response = await Book(client, Booking(start, "consult", email, "anna"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["id"]!.GetValue<string>();
    }

    /// <summary>Asks for a link on the default host's form; the answer page.</summary>
    private static async Task<HttpResponseMessage> AskAsync(BookwellApp app, string email) =>
        await WebSession.For(app).PostFormAsync("/me", ("email", email));

    /// <summary>Runs the outbox worker's preparation on the queued /me requests; the links of those that would be sent, and the skipped ones.</summary>
    private static async Task<(List<string> Links, Dictionary<Guid, string> Skipped)> PrepareAsync(BookwellApp app)
    {
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Kind == PlatformSignIn.Kind && m.Status == OutboxStatus.Queued).ToList());
        var skipped = new Dictionary<Guid, string>();
        await PlatformSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == PlatformSignIn.Kind && m.Status == OutboxStatus.Queued)
            .ExecuteUpdate(s => s.SetProperty(m => m.Status, OutboxStatus.Sent)));
        return (rows.Where(r => !skipped.ContainsKey(r.Id)).Select(r => LinkPattern().Match(r.TextBody!).Value).ToList(), skipped);
    }

    private static async Task<string> LinkAsync(BookwellApp app, string email)
    {
        Assert.Equal(HttpStatusCode.OK, (await AskAsync(app, email)).StatusCode);
        return Assert.Single((await PrepareAsync(app)).Links);
    }

    private static string PathOf(string link) => new Uri(link).PathAndQuery;

    private static string TokenOf(string link) => Regex.Match(link, "token=([A-Za-z0-9_-]{43})").Groups[1].Value;

    /// <summary>Follows the link as a person does: opens it (a page with a button), then presses the button (a POST with antiforgery).</summary>
    private static async Task<HttpResponseMessage> FollowAsync(WebSession session, string link)
    {
        var opened = await session.Client.GetAsync(PathOf(link));
        if (opened.StatusCode != HttpStatusCode.OK)
        {
            return opened;
        }
        Assert.Contains("id=\"continue-sign-in\"", await opened.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return await session.PostFormAsync("/me/login", [new("token", TokenOf(link))], PathOf(link));
    }

    [Fact]
    public async Task OnePersonAtTwoBusinesses_SeesBoth_WithEachPortalOnItsOwnHost_AndNobodyElses()
    {
        await using var app = await ArrangeAsync();
        var salon = app.CreateClient();
        var adaAtSalon = await BookAsync(salon, "2027-03-04T10:00:00+01:00", "ada@example.com");
        var otherAtSalon = await BookAsync(salon, "2027-03-04T11:00:00+01:00", "other@example.com");
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        var beeApi = app.CreateClient();
        beeApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AccountTests.CreateApiKeyAsync(bee));
        var beeConfig = Config();
        beeConfig["pages"]![0]!["name"] = "Bee Studio";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(beeApi, beeConfig)).StatusCode);
        var beeHost = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://bee.localhost") });
        var adaAtBee = await BookAsync(beeHost, "2027-03-03T10:00:00+01:00", " Ada@Example.com");
        var otherAtBee = await BookAsync(beeHost, "2027-03-03T11:00:00+01:00", "other@example.com");
        var beeId = app.WithDb(db => db.Bookings.IgnoreQueryFilters().Single(b => b.Id == Guid.Parse(adaAtBee)).TenantId);

        var link = await LinkAsync(app, "ADA@example.com");
        Assert.StartsWith("https://book.example.test/me/login?token=", link, StringComparison.Ordinal);
        var me = WebSession.For(app);
        var landing = await FollowAsync(me, link);
        Assert.Equal(HttpStatusCode.Redirect, landing.StatusCode);
        Assert.Equal("/me", landing.Headers.Location?.OriginalString);
        var cookie = landing.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(PlatformSignIn.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/me", cookie, StringComparison.OrdinalIgnoreCase);

        var page = await me.Client.GetAsync("/me");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"data-booking=\"{adaAtSalon}\"", html, StringComparison.Ordinal);
        Assert.Contains($"data-booking=\"{adaAtBee}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(otherAtSalon, html, StringComparison.Ordinal);
        Assert.DoesNotContain(otherAtBee, html, StringComparison.Ordinal);
        Assert.Contains($"href=\"https://book.example.test/account\" data-portal=\"{DefaultTenant.Id}\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"https://bee.localhost/account\" data-portal=\"{beeId}\"", html, StringComparison.Ordinal);
        Assert.Contains("Bee Studio", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);

        // Bee switches its portal off: still listed, without a link to it.
        beeConfig["pages"]![0]!["settings"]!["clientPortal"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(beeApi, beeConfig)).StatusCode);
        var after = await me.GetAsync("/me");
        Assert.Contains($"data-business=\"{beeId}\"", after, StringComparison.Ordinal);
        Assert.Contains($"data-booking=\"{adaAtBee}\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain("bee.localhost/account", after, StringComparison.Ordinal);
        Assert.Contains($"data-portal=\"{DefaultTenant.Id}\"", after, StringComparison.Ordinal);

        // Only on the default host: a business's own host has no /me, with or without the session's cookie.
        using var onBee = new HttpRequestMessage(HttpMethod.Get, "http://bee.localhost/me");
        onBee.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).SendAsync(onBee)).StatusCode);

        // Another person signed in sees only their own.
        var other = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await FollowAsync(other, await LinkAsync(app, "other@example.com"))).StatusCode);
        var theirs = await other.GetAsync("/me");
        Assert.Contains(otherAtSalon, theirs, StringComparison.Ordinal);
        Assert.Contains(otherAtBee, theirs, StringComparison.Ordinal);
        Assert.DoesNotContain(adaAtSalon, theirs, StringComparison.Ordinal);
        Assert.DoesNotContain(adaAtBee, theirs, StringComparison.Ordinal);

        // Signing out ends the session.
        Assert.Equal(HttpStatusCode.Redirect, (await me.PostFormAsync("/me?handler=signout", [], "/me")).StatusCode);
        Assert.DoesNotContain(adaAtSalon, await me.GetAsync("/me"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterACrmMerge_EitherAddressOfThePerson_SeesTheBookingsOfBothProfiles_AndNobodyElses()
    {
        await using var app = await ArrangeAsync();
        var salon = app.CreateClient();
        var home = await BookAsync(salon, "2027-03-04T10:00:00+01:00", "ada@example.com");
        var work = await BookAsync(salon, "2027-03-04T11:00:00+01:00", "ada.work@example.com");
        var other = await BookAsync(salon, "2027-03-04T12:00:00+01:00", "other@example.com");
        Guid IdOf(string email) => app.WithDb(db => db.Customers.Single(c => c.EmailNormalized == email.ToUpperInvariant()).Id);
        var kept = IdOf("ada@example.com");
        var duplicate = IdOf("ada.work@example.com");
        // The business merges her work address's profile into her home one: the bookings move to the kept client.
        Assert.True((await app.Admin().PostAsync($"/api/v1/admin/customers/{kept}/merge", Json(new JsonObject { ["from"] = duplicate.ToString() }))).IsSuccessStatusCode);
        Assert.Equal(kept, app.WithDb(db => db.Customers.Single(c => c.Id == duplicate).MergedIntoId));
        Assert.Equal(kept, app.WithDb(db => db.Bookings.Single(b => b.Id == Guid.Parse(work)).CustomerId));

        foreach (var address in new[] { "ada.work@example.com", "ada@example.com" })
        {
            var me = WebSession.For(app);
            Assert.Equal(HttpStatusCode.Redirect, (await FollowAsync(me, await LinkAsync(app, address))).StatusCode);
            var html = await me.GetAsync("/me");
            Assert.Contains($"data-booking=\"{home}\"", html, StringComparison.Ordinal);
            Assert.Contains($"data-booking=\"{work}\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain(other, html, StringComparison.Ordinal);
            Assert.Single(Regex.Matches(html, "data-business=\""));
        }

        // Someone merged into nobody else sees only their own.
        var stranger = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await FollowAsync(stranger, await LinkAsync(app, "other@example.com"))).StatusCode);
        var theirs = await stranger.GetAsync("/me");
        Assert.Contains(other, theirs, StringComparison.Ordinal);
        Assert.DoesNotContain(home, theirs, StringComparison.Ordinal);
        Assert.DoesNotContain(work, theirs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_OpeningChangesNothing_ItsButtonWorksOnce_AndNotAfter15Minutes_AndOnlyItsHashIsKept()
    {
        await using var app = await ArrangeAsync();
        var booking = await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "ada@example.com");

        var link = await LinkAsync(app, "ada@example.com");
        var token = TokenOf(link);
        Assert.Equal(ClientSignIn.Hash(token), app.WithDb(db => db.PlatformSignInTokens.Single().TokenHash));
        Assert.False(app.WithDb(db => db.Outbox.IgnoreQueryFilters().Any(m => m.TextBody != null && m.TextBody.Contains(token))));
        // The request row lives under the default business for the worker, but that business learns nothing from it:
        // the address is gone from the row once handled, and its messages (page and API) never list the request.
        Assert.Equal(ClientSignIn.NotAClient, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Kind == PlatformSignIn.Kind).To));
        using (var owner = app.CreateClient())
        {
            owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
            var listed = await owner.GetStringAsync("/api/v1/admin/messages");
            Assert.DoesNotContain("platform-sign-in", listed, StringComparison.Ordinal);
        }
        // Opening the link (a mail scanner, a preview, a prefetch, the person) changes nothing: a page with a button, no session,
        // the token still unused; so it works after being opened twice.
        var hash = ClientSignIn.Hash(token);
        foreach (var purpose in new[] { null, "prefetch", null })
        {
            using var open = new HttpRequestMessage(HttpMethod.Get, PathOf(link));
            if (purpose is not null)
            {
                open.Headers.Add("Sec-Purpose", purpose);
            }
            var preview = await WebSession.For(app).Client.SendAsync(open);
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            var html = await preview.Content.ReadAsStringAsync();
            Assert.Contains("<form method=\"post\" action=\"/me/login\"", html, StringComparison.Ordinal);
            Assert.Contains("name=\"__RequestVerificationToken\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain(PlatformSignIn.CookieName + "=", string.Join(";", preview.Headers.TryGetValues("Set-Cookie", out var set) ? set : []), StringComparison.Ordinal);
            Assert.Null(app.WithDb(db => db.PlatformSignInTokens.Single(t => t.TokenHash == hash).UsedAt));
        }
        using (var head = new HttpRequestMessage(HttpMethod.Head, PathOf(link)))
        {
            Assert.Equal(HttpStatusCode.OK, (await WebSession.For(app).Client.SendAsync(head)).StatusCode);
        }
        Assert.Null(app.WithDb(db => db.PlatformSignInTokens.Single(t => t.TokenHash == hash).UsedAt));
        // The button's POST without the page's antiforgery token is refused and uses nothing.
        var forged = await WebSession.For(app).Client.PostAsync("/me/login", new FormUrlEncodedContent([new("token", token)]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(app.WithDb(db => db.PlatformSignInTokens.Single(t => t.TokenHash == hash).UsedAt));

        // The button's POST uses it and signs in.
        var first = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await FollowAsync(first, link)).StatusCode);
        Assert.Equal(app.Clock.GetCurrentInstant(), app.WithDb(db => db.PlatformSignInTokens.Single(t => t.TokenHash == hash).UsedAt));
        Assert.Contains(booking, await first.GetAsync("/me"), StringComparison.Ordinal);
        // Used: opening it again says so (410), and a second POST (with a valid antiforgery token from another page) is refused.
        var second = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Gone, (await second.Client.GetAsync(PathOf(link))).StatusCode);
        var again = await second.PostFormAsync("/me/login", [new("token", token)], "/me");
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.DoesNotContain(PlatformSignIn.CookieName + "=", string.Join(";", again.Headers.TryGetValues("Set-Cookie", out var after) ? after : []), StringComparison.Ordinal);
        Assert.DoesNotContain(booking, await second.GetAsync("/me"), StringComparison.Ordinal);

        var late = await LinkAsync(app, "ada@example.com");
        var inTime = await LinkAsync(app, "ada@example.com");
        app.Clock.Advance(Duration.FromMinutes(14));
        Assert.Equal(HttpStatusCode.Redirect, (await FollowAsync(WebSession.For(app), inTime)).StatusCode);
        app.Clock.Advance(Duration.FromMinutes(1));
        var expired = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Gone, (await expired.Client.GetAsync(PathOf(late))).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await expired.PostFormAsync("/me/login", [new("token", TokenOf(late))], "/me")).StatusCode);
        Assert.DoesNotContain(booking, await expired.GetAsync("/me"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAddress_GetsTheSameAnswer_NoMail_AndIsNotKept()
    {
        await using var app = await ArrangeAsync();
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "ada@example.com");
        var known = await AskAsync(app, "ada@example.com");
        var unknown = await AskAsync(app, "zed@example.com");
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        static string Strip(string html, string email) =>
            Regex.Replace(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"", "TOKEN").Replace(email, "EMAIL", StringComparison.Ordinal);
        Assert.Equal(Strip(await WebSession.TextAsync(known), "ada@example.com"), Strip(await WebSession.TextAsync(unknown), "zed@example.com"));

        var (links, skipped) = await PrepareAsync(app);
        Assert.Single(links);
        var withdrawn = Assert.Single(skipped);
        Assert.Contains("No business has a client", withdrawn.Value, StringComparison.Ordinal);
        Assert.Equal(ClientSignIn.NotAClient, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Id == withdrawn.Key).To));
        Assert.False(app.WithDb(db => db.Outbox.IgnoreQueryFilters().Any(m => m.To.Contains("zed@"))));
        Assert.Equal(1, app.WithDb(db => db.PlatformSignInTokens.Count()));

        // A malformed address is a 400 with the field's message, never a 500; an unknown token is a 410.
        Assert.Equal(HttpStatusCode.BadRequest, (await AskAsync(app, "not-an-address")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await WebSession.For(app).Client.GetAsync("/me/login?token=" + new string('A', 43))).StatusCode);
    }
}

public sealed class SqliteMeTests : MeTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMeTests : MeTests
{
    protected override Db Kind => Db.Postgres;
}
