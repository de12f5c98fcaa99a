using System.Net;
using System.Net.Http.Headers;
using System.Text;
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
/// The client portal: a sign-in link by e-mail (contract 4.5) that works once for 15 minutes, answers alike for
/// every address, and opens only the bookings of that client at that business.
/// </summary>
public abstract partial class ClientPortalTests(SharedApp shared)
{
    /// <summary>The input checks share one app per database (each on a business of its own); the other tests start their own.</summary>
    private Db Kind => shared.Kind;

    [GeneratedRegex(@"https?://[^\s""<>]+/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*")]
    private static partial Regex LinkPattern();

    private Task<BookwellApp> StartAsync(SmtpSink? sink, Action<Dictionary<string, string?>>? more = null) =>
        BookwellApp.StartAsync(Kind, s =>
        {
            if (sink is not null)
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
                s["Bookwell:Smtp:From"] = "bookings@salon.example";
            }
            more?.Invoke(s);
        });

    private async Task<BookwellApp> ArrangeAsync(SmtpSink? sink, Action<Dictionary<string, string?>>? more = null)
    {
        var app = await StartAsync(sink, more);
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    private static async Task<string> BookAsync(HttpClient client, string start, string service, string staff, string email)
    {
        var response = await Book(client, Booking(start, service, email, staff));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["id"]!.GetValue<string>();
    }

    private static StringContent Email(string email) => Json(new JsonObject { ["email"] = email });

    /// <summary>The first delivered message that carries a sign-in link, and that link.</summary>
    private static async Task<(MimeKit.MimeMessage Mail, string Link)> LinkFromMailAsync(SmtpSink sink)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            foreach (var mail in sink.Messages())
            {
                if (LinkPattern().Match(mail.TextBody ?? "") is { Success: true } m)
                {
                    return (mail, m.Value);
                }
            }
            Assert.True(DateTime.UtcNow < deadline, "no sign-in mail arrived");
            await Task.Delay(50);
        }
    }

    /// <summary>Runs the worker's preparation step on the queued requests (for apps without a mail server) and returns their links.</summary>
    private static async Task<List<string>> PrepareQueuedAsync(BookwellApp app)
    {
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued).ToList());
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued).ExecuteUpdate(s => s.SetProperty(m => m.Status, Bookwell.Features.Notifications.OutboxStatus.Sent)));
        return rows.Where(r => !skipped.ContainsKey(r.Id)).Select(r => LinkPattern().Match(r.TextBody!).Value).ToList();
    }

    private static string PathOf(string link) => new Uri(link).PathAndQuery;

    private static HttpClient Browser(BookwellApp app, string host = "localhost") =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri($"http://{host}") });

    [Fact]
    public async Task Link_ForAKnownClient_ArrivesByMail_SignsInOnce_AndShowsTheirBookings()
    {
        using var sink = SmtpSink.Start();
        await using var app = await ArrangeAsync(sink);
        var client = app.CreateClient();
        var past = await BookAsync(client, "2027-03-02T10:00:00+01:00", "haircut", "bob", "ada@example.com");
        var upcoming = await BookAsync(client, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        var someoneElse = await BookAsync(client, "2027-03-04T12:00:00+01:00", "consult", "anna", "other@example.com");
        Assert.Equal(3, (await sink.WaitForAsync(3)).Count); // the confirmations
        app.Clock.Advance(Duration.FromDays(2)); // 3 March: the haircut is past

        // Asked for on a host nobody configured: the link still names the business's own address.
        var foreign = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://attacker.example") });
        var answer = await foreign.PostAsync("/api/v1/account/link", Email("  ADA@example.com "));
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var (mail, link) = await LinkFromMailAsync(sink);
        Assert.StartsWith("https://book.example.test/account/login?token=", link, StringComparison.Ordinal);
        Assert.Equal("ada@example.com", mail.To.Mailboxes.Single().Address);
        var token = Regex.Match(link, "token=([A-Za-z0-9_-]{43})").Groups[1].Value;

        var browser = Browser(app);
        var landing = await browser.GetAsync(PathOf(link));
        Assert.Equal(HttpStatusCode.Redirect, landing.StatusCode);
        Assert.Equal("/account", landing.Headers.Location?.OriginalString);
        var cookie = landing.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/account", cookie, StringComparison.OrdinalIgnoreCase);

        var page = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"data-booking=\"{upcoming}\"", html, StringComparison.Ordinal);
        Assert.Contains($"data-booking=\"{past}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(someoneElse, html, StringComparison.Ordinal);
        Assert.Contains("/book/salon?service=haircut&amp;staff=bob", html, StringComparison.Ordinal);
        var manage = Regex.Match(html, "href=\"(/booking/[A-Za-z0-9_-]{43})\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(manage)).StatusCode);
        Assert.Contains("Consultation", await (await browser.GetAsync(manage)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Following it again, from anywhere, signs nobody in.
        var again = Browser(app);
        var second = await again.GetAsync(PathOf(link));
        Assert.Equal(HttpStatusCode.Gone, second.StatusCode);
        Assert.False(second.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal)));
        var notIn = await again.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, notIn.StatusCode);
        Assert.StartsWith("/account/signin", notIn.Headers.Location?.PathAndQuery ?? notIn.Headers.Location?.OriginalString, StringComparison.Ordinal);

        // The token is in no stored column and in no log line; only its hash is kept.
        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains(token, StringComparison.Ordinal));
        Assert.Equal(ClientSignIn.Hash(token), app.WithDb(db => db.ClientSignInTokens.IgnoreQueryFilters().Single().TokenHash));
    }

    /// <summary>Every text value of every table, to search for a secret.</summary>
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

    [Fact]
    public async Task UnknownAddress_GetsTheSameAnswer_AndNoMail_AndIsNotKept()
    {
        using var sink = SmtpSink.Start();
        await using var app = await ArrangeAsync(sink);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        await sink.WaitForAsync(1);
        var client = app.CreateClient();
        var unknown = await client.PostAsync("/api/v1/account/link", Email("nobody@example.com"));
        var known = await client.PostAsync("/api/v1/account/link", Email("ada@example.com"));
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Equal(known.Content.Headers.ContentType?.ToString(), unknown.Content.Headers.ContentType?.ToString());

        await sink.WaitForAsync(2);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (app.WithDb(db => db.Outbox.IgnoreQueryFilters().Any(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var mails = sink.Messages();
        Assert.Equal(2, mails.Count);
        Assert.DoesNotContain(mails, m => m.To.Mailboxes.Any(a => a.Address == "nobody@example.com"));
        Assert.DoesNotContain(EveryStoredValue(app), v => v.Contains("nobody@example.com", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, app.WithDb(db => db.ClientSignInTokens.IgnoreQueryFilters().Count()));
    }

    [Theory]
    [InlineData("{}", "email")]
    [InlineData("{\"email\":\"not an address\"}", "email")]
    [InlineData("{\"email\":42}", "email")]
    [InlineData("[1,2]", "$")]
    [InlineData("{\"email\":", "*")]
    public async Task BadInput_Is400_WithFieldErrors(string body, string field)
    {
        var app = await shared.NewBusinessAsync();
        var response = await app.CreateClient().PostAsync("/api/v1/account/link", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Body(response);
        Assert.NotEmpty(problem["errors"]!.AsObject());
        if (field != "*")
        {
            Assert.NotNull(problem["errors"]![field]);
        }
        Assert.EndsWith("/validation", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBody_Is413TooLarge()
    {
        var app = await shared.NewBusinessAsync();
        var response = await app.CreateClient().PostAsync("/api/v1/account/link", Email(new string('a', 10_000) + "@example.com"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.EndsWith("/too-large", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.TenantId == app.Id && m.Kind == ClientSignIn.Kind)));
    }

    [Fact]
    public async Task Link_ExpiresAfter15Minutes()
    {
        await using var app = await ArrangeAsync(null);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        var link = Assert.Single(await PrepareQueuedAsync(app));
        app.Clock.Advance(Duration.FromMinutes(15));
        var browser = Browser(app);
        Assert.Equal(HttpStatusCode.Gone, (await browser.GetAsync(PathOf(link))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        var fresh = Assert.Single(await PrepareQueuedAsync(app));
        app.Clock.Advance(Duration.FromMinutes(14));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(PathOf(fresh))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task TwentyParallelUses_SignInExactlyOnce()
    {
        await using var app = await ArrangeAsync(null);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        var path = PathOf(Assert.Single(await PrepareQueuedAsync(app)));
        using var start = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(0, 20).Select(async _ =>
        {
            var browser = Browser(app);
            await start.WaitAsync();
            var response = await browser.GetAsync(path);
            var cookie = response.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal));
            var signedIn = (await browser.GetAsync("/account")).StatusCode == HttpStatusCode.OK;
            return (response.StatusCode, cookie, signedIn);
        }).ToList();
        start.Release(20);
        var results = await Task.WhenAll(attempts);
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.Redirect);
        Assert.Equal(19, results.Count(r => r.StatusCode == HttpStatusCode.Gone));
        Assert.Single(results, r => r.cookie);
        Assert.Single(results, r => r.signedIn);
    }

    [Fact]
    public async Task PerAddressLimit_QueuesAtMostThreeLinksPer15Minutes_AnsweringAlike()
    {
        await using var app = await ArrangeAsync(null);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        foreach (var address in new[] { "ada@example.com", "nobody@example.com" })
        {
            for (var i = 0; i < 5; i++)
            {
                var response = await app.CreateClient().PostAsync("/api/v1/account/link", Email(i % 2 == 0 ? address : address.ToUpperInvariant()));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }
        Assert.Equal(6, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Kind == ClientSignIn.Kind)));
        app.Clock.Advance(Duration.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        Assert.Equal(7, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Kind == ClientSignIn.Kind)));
    }

    [Fact]
    public async Task PerClientAddressLimit_Answers429()
    {
        await using var app = await ArrangeAsync(null, s => s["Bookwell:RateLimits:AccountsPerMinute"] = "3");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Test-Peer", "203.0.113.9");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/v1/account/link", Email($"p{i}@example.com"))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync("/api/v1/account/link", Email("p9@example.com"))).StatusCode);
    }

    [Fact]
    public async Task ClientOfBusinessA_NeverSeesBusinessB_EvenWithTheSameAddress()
    {
        await using var app = await ArrangeAsync(null);
        var aBooking = await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "same@client.test");
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        var beeApi = app.CreateClient();
        beeApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AccountTests.CreateApiKeyAsync(bee));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(beeApi, Config())).StatusCode);
        var beeHost = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://bee.localhost") });
        var bBooking = await BookAsync(beeHost, "2027-03-03T10:00:00+01:00", "consult", "anna", "same@client.test");

        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("same@client.test"))).StatusCode);
        var aLink = Assert.Single(await PrepareQueuedAsync(app));
        Assert.Equal(HttpStatusCode.Accepted, (await beeHost.PostAsync("/api/v1/account/link", Email("same@client.test"))).StatusCode);
        var bLink = Assert.Single(await PrepareQueuedAsync(app));
        Assert.StartsWith("https://bee.localhost/account/login", bLink, StringComparison.Ordinal);

        // A's token on B's host opens nothing, and is not used up by trying.
        var raw = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        Assert.Equal(HttpStatusCode.Gone, (await raw.GetAsync("http://bee.localhost" + PathOf(aLink))).StatusCode);
        var landing = await raw.GetAsync("http://bee.localhost" + PathOf(bLink));
        Assert.Equal(HttpStatusCode.Redirect, landing.StatusCode);
        var cookie = landing.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal)).Split(';')[0];
        async Task<HttpResponseMessage> WithCookie(string url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Cookie", cookie);
            return await raw.SendAsync(request);
        }
        var bPage = await WithCookie("http://bee.localhost/account");
        Assert.Equal(HttpStatusCode.OK, bPage.StatusCode);
        var bHtml = await bPage.Content.ReadAsStringAsync();
        Assert.Contains(bBooking, bHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(aBooking, bHtml, StringComparison.Ordinal);

        // B's client cookie, carried to A's host, is no session there.
        var refused = await WithCookie("http://localhost/account");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("/account/signin", refused.Headers.Location?.OriginalString, StringComparison.Ordinal);

        // B's booking-page cookie (the portal's narrow copy for /book) fills in B's booking page, and nothing on A's, though A
        // knows a client with the same address and both pages are /book/salon.
        var bookCookie = landing.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ClientPortalSetup.BookCookieName + "=", StringComparison.Ordinal)).Split(';')[0];
        async Task<string> DetailsStepAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{host}/book/salon?service=consult&staff=anna&start=2027-03-03T13%3A00%3A00Z");
            request.Headers.Add("Cookie", bookCookie);
            var response = await raw.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        var onB = await DetailsStepAsync("bee.localhost");
        Assert.Contains("id=\"portal-client\"", onB, StringComparison.Ordinal);
        Assert.Contains("value=\"same@client.test\"", onB, StringComparison.Ordinal);
        Assert.Contains("value=\"Ada Lovelace\"", onB, StringComparison.Ordinal);
        var onA = await DetailsStepAsync("localhost");
        Assert.Contains("id=\"details\"", onA, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"portal-client\"", onA, StringComparison.Ordinal);
        Assert.DoesNotContain("same@client.test", onA, StringComparison.Ordinal);
        Assert.DoesNotContain("Ada Lovelace", onA, StringComparison.Ordinal);

        var aBrowser = Browser(app);
        Assert.Equal(HttpStatusCode.Redirect, (await aBrowser.GetAsync(PathOf(aLink))).StatusCode);
        var aHtml = await aBrowser.GetStringAsync("/account");
        Assert.Contains(aBooking, aHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(bBooking, aHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientSession_NeverOpensAdminOrStaff_AndAStaffCookieIsNoClientSession()
    {
        await using var app = await ArrangeAsync(null);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Alice Owner"), ("Email", "owner@a.test"), ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Client.GetAsync("/admin")).StatusCode);
        var staffSide = await owner.Client.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, staffSide.StatusCode);
        Assert.Contains("/account/signin", staffSide.Headers.Location?.OriginalString, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        var link = Assert.Single(await PrepareQueuedAsync(app));
        var landing = await app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }).GetAsync(PathOf(link));
        var cookie = landing.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal)).Split(';')[0];
        var raw = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        foreach (var path in new[] { "/account", "/admin", "/admin/bookings", "/admin/customers", "/staff" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            // Sent to every path, whatever the cookie's own path says: the server must refuse it by its scheme, not by the browser's manners.
            request.Headers.Add("Cookie", cookie);
            var response = await raw.SendAsync(request);
            if (path == "/account")
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                continue;
            }
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Matches("/(admin|staff)/login", response.Headers.Location?.OriginalString ?? "");
        }
        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/bookings");
        api.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await raw.SendAsync(api)).StatusCode);
    }

    [Fact]
    public async Task Profile_And_Notifications_AreTheClientsOwn_AndValidated()
    {
        await using var app = await ArrangeAsync(null);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        var session = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync(PathOf(Assert.Single(await PrepareQueuedAsync(app))))).StatusCode);

        var bad = await session.PostFormAsync("/account/profile", ("name", "Ada\u202Eevil"), ("phone", "call me"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = await WebSession.TextAsync(bad);
        Assert.Contains("id=\"name-error\"", badHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"phone-error\"", badHtml, StringComparison.Ordinal);
        Assert.Equal("Ada Lovelace", app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Name));

        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/profile", ("name", "Ada King"), ("phone", "06 12345678"))).StatusCode);
        var customer = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM"));
        Assert.Equal(("Ada King", "+31612345678"), (customer.Name, customer.Phone)); // national form read in the page's country, stored in E.164

        // Unchecked boxes are not sent: e-mail reminders off, marketing on.
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/notifications", ("smsReminders", "true"), ("marketing", "true"))).StatusCode);
        customer = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM"));
        Assert.True(customer.EmailRemindersOff);
        Assert.False(customer.SmsRemindersOff);
        Assert.True(customer.MarketingOptIn);

        // A form post without the antiforgery token changes nothing.
        var forged = await session.Client.PostAsync("/account/profile", new FormUrlEncodedContent([KeyValuePair.Create("name", "Forged")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("Ada King", app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Name));

        // Sign out ends the session.
        Assert.Equal(HttpStatusCode.Redirect, (await session.PostFormAsync("/account/signout", [], "/account")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/account")).StatusCode);
    }

    /// <summary>Issue 14's white label: the portal wears its page's accent colour and logo, before sign-in and after.</summary>
    [Fact]
    public async Task Portal_WearsThePagesAccentColourAndLogo()
    {
        await using var app = await StartAsync(null);
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["branding"]!["accentColor"] = "#7C3AED";
        doc["pages"]![0]!["branding"]!["logoUrl"] = "https://cdn.example.com/salon-logo.png";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        await BookAsync(app.CreateClient(), "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");

        var session = WebSession.For(app);
        var signIn = await session.GetAsync("/account/signin");
        Assert.Contains("--accent: #7C3AED;", signIn, StringComparison.Ordinal);
        Assert.Contains("<img src=\"https://cdn.example.com/salon-logo.png\" alt=\"\">", signIn, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync(PathOf(Assert.Single(await PrepareQueuedAsync(app))))).StatusCode);
        foreach (var path in new[] { "/account", "/account/profile", "/account/notifications", "/account/forms" })
        {
            var html = await session.GetAsync(path);
            Assert.Contains("--accent: #7C3AED;", html, StringComparison.Ordinal);
            Assert.Contains("<img src=\"https://cdn.example.com/salon-logo.png\" alt=\"\">", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SignInPage_AnswersAlike_AndLinkLandingIsDutchForADutchClient()
    {
        await using var app = await ArrangeAsync(null);
        var body = Booking("2027-03-04T10:00:00+01:00", "consult", "ada@example.com", "anna");
        Assert.Equal(HttpStatusCode.Created, (await app.CreateClient().PostAsync($"/api/v1/pages/{Slug}/bookings?lang=nl", Json(body))).StatusCode);
        var session = WebSession.For(app);
        var known = await WebSession.TextAsync(await session.PostFormAsync("/account/signin", ("email", "ada@example.com")));
        var unknown = await WebSession.TextAsync(await session.PostFormAsync("/account/signin", ("email", "zed@example.com")));
        static string Strip(string html, string email) => Regex.Replace(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"", "TOKEN").Replace(email, "EMAIL", StringComparison.Ordinal);
        Assert.Equal(Strip(known, "ada@example.com"), Strip(unknown, "zed@example.com"));
        Assert.Contains("id=\"link-sent\"", known, StringComparison.Ordinal);
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Kind == ClientSignIn.Kind).ToList());
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        var sent = Assert.Single(rows, r => !skipped.ContainsKey(r.Id));
        Assert.StartsWith("Je inloglink", sent.Subject, StringComparison.Ordinal);
        Assert.Contains("&lang=nl", sent.TextBody, StringComparison.Ordinal);
    }
}

public sealed class SqliteClientPortalTests(SqliteSharedApp shared) : ClientPortalTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresClientPortalTests(PostgresSharedApp shared) : ClientPortalTests(shared), IClassFixture<PostgresSharedApp>;
