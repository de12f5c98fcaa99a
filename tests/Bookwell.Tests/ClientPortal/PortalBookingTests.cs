using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.ClientPortal;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// The portal's Book section and its overview under a long history: a signed-in client finds their details filled in
/// on the booking page through a cookie that reaches only <c>/book</c> and is no session anywhere else; and 500 past
/// bookings come twenty to a page, every one of them reachable.
/// </summary>
public abstract partial class PortalBookingTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex(@"https?://[^\s""<>]+/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"id=""past-older"" href=""([^""]+)""")]
    private static partial Regex OlderPattern();

    [GeneratedRegex(@"data-booking=""([0-9a-f-]{36})""")]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"id=""forms-older"" href=""([^""]+)""")]
    private static partial Regex OlderFormsPattern();

    private const string DetailsStep = "/book/salon?service=consult&staff=anna&start=2027-03-03T13%3A00%3A00Z";

    private async Task<BookwellApp> ArrangeAsync()
    {
        var app = await BookwellApp.StartAsync(Kind);
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var booked = await Book(app.CreateClient(), Booking("2027-03-04T10:00:00+01:00", "consult", "ada@example.com", "anna"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        return app;
    }

    /// <summary>A browser session signed in by a sign-in link (made as the outbox worker makes it), and the cookies its landing set.</summary>
    private static async Task<(WebSession Session, List<string> Cookies)> SignInAsync(BookwellApp app, string email = "ada@example.com")
    {
        var session = WebSession.For(app);
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/signin", ("email", email))).StatusCode);
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued).ToList());
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued)
            .ExecuteUpdate(s => s.SetProperty(m => m.Status, Bookwell.Features.Notifications.OutboxStatus.Sent)));
        var link = LinkPattern().Match(Assert.Single(rows, r => !skipped.ContainsKey(r.Id)).TextBody!).Value;
        var landing = await session.Client.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, landing.StatusCode);
        return (session, landing.Headers.GetValues("Set-Cookie").ToList());
    }

    private static bool Filled(string html) =>
        html.Contains("id=\"portal-client\"", StringComparison.Ordinal) && html.Contains("value=\"Ada Lovelace\"", StringComparison.Ordinal);

    [Fact]
    public async Task BookSection_FillsInTheSignedInClient_ThroughACookieThatReachesOnlyBook()
    {
        await using var app = await ArrangeAsync();
        var (session, cookies) = await SignInAsync(app);
        var signal = Assert.Single(cookies, c => c.StartsWith(ClientPortalSetup.BookCookieName + "=", StringComparison.Ordinal));
        Assert.Contains("path=/book;", signal + ";", StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", signal, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", signal, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/account", Assert.Single(cookies, c => c.StartsWith(ClientPortalSetup.CookieName + "=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);

        // The portal's Book section is the business's normal booking page.
        var overview = await session.GetAsync("/account");
        Assert.Contains("href=\"/book/salon\" id=\"nav-book\"", overview, StringComparison.Ordinal);

        // The details step: name, e-mail and phone as the client's profile holds them, on a page no cache keeps.
        var step = await session.Client.GetAsync(DetailsStep);
        Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        var html = await step.Content.ReadAsStringAsync();
        Assert.True(Filled(html), "the booking page did not fill in the signed-in client");
        Assert.Contains("value=\"ada@example.com\"", html, StringComparison.Ordinal);
        var phone = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Phone);
        Assert.False(string.IsNullOrEmpty(phone));
        Assert.Contains($"id=\"phone\" name=\"phone\" type=\"tel\" autocomplete=\"tel\" maxlength=\"30\" value=\"{System.Text.Encodings.Web.HtmlEncoder.Default.Encode(phone!)}\"", html, StringComparison.Ordinal);
        Assert.Contains("no-store", step.Headers.CacheControl?.ToString(), StringComparison.Ordinal);

        // The profile is read afresh: a new phone number shows at once.
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/profile", ("name", "Ada Lovelace"), ("phone", "+31 6 11112222"))).StatusCode);
        Assert.Contains($"value=\"{System.Text.Encodings.Web.HtmlEncoder.Default.Encode("+31611112222")}\"", await session.GetAsync(DetailsStep), StringComparison.Ordinal);

        // Inside a frame (the widget on another site) and for anyone else, the page stays blank.
        using (var framed = new HttpRequestMessage(HttpMethod.Get, DetailsStep))
        {
            framed.Headers.Add("Sec-Fetch-Dest", "iframe");
            Assert.False(Filled(await (await session.Client.SendAsync(framed)).Content.ReadAsStringAsync()));
        }
        Assert.False(Filled(await WebSession.For(app).GetAsync(DetailsStep)));

        // The booking page's cookie is no session: not as the portal's cookie, not at /admin, not at /account.
        var value = signal.Split(';')[0][(ClientPortalSetup.BookCookieName.Length + 1)..];
        var raw = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        foreach (var (path, cookie) in new[]
                 {
                     ("/account", $"{ClientPortalSetup.CookieName}={value}"),
                     ("/account", $"{ClientPortalSetup.BookCookieName}={value}"),
                     ("/admin/customers", $"{ClientPortalSetup.BookCookieName}={value}"),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", cookie);
            var response = await raw.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Matches("/(account/signin|admin/login)", response.Headers.Location?.OriginalString ?? "");
        }
        // Sent as itself to the booking page, it fills in (what a browser would do): the refusals above are the scheme's, not the path's.
        using (var itself = new HttpRequestMessage(HttpMethod.Get, DetailsStep))
        {
            itself.Headers.Add("Cookie", $"{ClientPortalSetup.BookCookieName}={value}");
            Assert.True(Filled(await (await raw.SendAsync(itself)).Content.ReadAsStringAsync()));
        }

        // The booking is still the form's: a cross-site post with other details books those, and the cookie adds nothing.
        var posted = await session.Client.PostAsync("/book/salon?service=consult&staff=anna", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["start"] = "2027-03-03T13:00:00Z",
            ["step"] = "confirm",
            ["name"] = "Someone Else",
            ["email"] = "else@example.com",
            ["terms"] = "true",
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var made = app.WithDb(db => db.Bookings.IgnoreQueryFilters().AsNoTracking().Single(b => b.StartsAt == Instant.FromUtc(2027, 3, 3, 13, 0)));
        Assert.Equal(("Someone Else", "else@example.com"), (made.CustomerName, made.CustomerEmail));

        // Signing out removes the booking page's copy too.
        var signedOut = await session.PostFormAsync("/account/signout", [], "/account");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Contains(signedOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ClientPortalSetup.BookCookieName + "=;", StringComparison.Ordinal) &&
                                                                          c.Contains("path=/book", StringComparison.OrdinalIgnoreCase));
        Assert.False(Filled(await session.GetAsync(DetailsStep)));

        // A password set elsewhere (another device) ends the copy with the session it came from.
        var (second, _) = await SignInAsync(app);
        Assert.True(Filled(await second.GetAsync(DetailsStep)));
        var customerId = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Id);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ClientAccounts>().SetPasswordAsync(customerId, "correct horse battery", CancellationToken.None);
        }
        Assert.False(Filled(await second.GetAsync(DetailsStep)));
    }

    [Fact]
    public async Task Overview_With500PastBookings_ShowsTwentyAPage_AndPagingReachesTheOldest()
    {
        await using var app = await ArrangeAsync();
        var customerId = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Id);
        // 500 past visits, one a day back from the day before the clock's; every 25th (from the 13th) shares its start with
        // the one before, so only the id orders those two. Written straight to the table: the writers refuse times in the past.
        var last = Instant.FromUtc(2027, 2, 28, 9, 0);
        var rows = new List<Booking>();
        for (var i = 0; i < 500; i++)
        {
            var at = last - Duration.FromDays(i % 25 == 12 ? i - 1 : i);
            rows.Add(new Booking
            {
                Id = Guid.NewGuid(),
                TenantId = DefaultTenant.Id,
                CustomerId = customerId,
                PageSlug = "salon",
                ServiceKey = "consult",
                ServiceName = "Consultation",
                StaffKey = "anna",
                StartsAt = at,
                EndsAt = at + Duration.FromHours(1),
                Status = i % 7 == 3 ? BookingStatus.Cancelled : BookingStatus.Completed,
                TimeZone = "Europe/Amsterdam",
                CustomerName = "Ada Lovelace",
                CustomerEmail = "ada@example.com",
                ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
                CreatedAt = at - Duration.FromDays(1),
                UpdatedAt = at,
            });
        }
        app.WithDb(db =>
        {
            db.Bookings.AddRange(rows);
            return db.SaveChanges();
        });
        var (session, _) = await SignInAsync(app);

        var first = await session.GetAsync("/account");
        Assert.Equal(20, PastIds(first).Count);
        Assert.Equal(rows[0].Id.ToString(), PastIds(first)[0]); // the latest first
        Assert.Single(RowPattern().Matches(UpcomingOf(first))); // the upcoming booking, on its own list
        // Twenty rows, not five hundred: the page stays small (a full list would be well over 200 KB).
        Assert.True(first.Length < 48_000, $"the overview is {first.Length} characters");
        Assert.DoesNotContain("id=\"past-newer\"", first, StringComparison.Ordinal);

        // "Older bookings" walks every page: each booking once, in order, and the last page ends with the oldest.
        var seen = new List<string>(PastIds(first));
        var html = first;
        var pages = 1;
        while (OlderPattern().Match(html) is { Success: true } older)
        {
            html = await session.GetAsync(WebUtility.HtmlDecode(older.Groups[1].Value));
            Assert.Contains("id=\"past-newer\"", html, StringComparison.Ordinal);
            seen.AddRange(PastIds(html));
            Assert.True(++pages <= 25, "the pages never end");
        }
        Assert.Equal(25, pages);
        // Each booking exactly once, newest to oldest (the database orders the twenty that share a start with another by id).
        Assert.Equal(rows.Select(b => b.Id.ToString()).Order(), seen.Order());
        var starts = seen.Select(id => rows.Single(b => b.Id.ToString() == id).StartsAt).ToList();
        Assert.Equal(starts.OrderDescending(), starts);
        Assert.Equal(rows[499].Id.ToString(), seen[^1]);

        // Past the end: nothing listed, a way back. A page number that is no number is the first page.
        var beyond = await session.GetAsync("/account?past=26");
        Assert.Empty(PastIds(beyond));
        Assert.Contains("id=\"past-newer\"", beyond, StringComparison.Ordinal);
        foreach (var odd in new[] { "abc", "-3", "0", "99999999999999999999" })
        {
            var page = await session.Client.GetAsync($"/account?past={odd}");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var body = await page.Content.ReadAsStringAsync();
            Assert.Equal(seen.GetRange(0, 20), PastIds(body));
        }
    }

    [Fact]
    public async Task Forms_With130AnsweredBookings_ShowTwentyAPage_AndPagingReachesEveryOne()
    {
        await using var app = await ArrangeAsync();
        var customerId = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Id);
        // 130 past visits with answers (more than the hundred the page once stopped at, without a word), one a day back; every
        // 20th shares its start with the one before, so only the id orders those two. Written straight to the table: the
        // writers refuse times in the past.
        var last = Instant.FromUtc(2027, 2, 28, 9, 0);
        var rows = new List<Booking>();
        for (var i = 0; i < 130; i++)
        {
            var at = last - Duration.FromDays(i % 20 == 7 ? i - 1 : i);
            rows.Add(new Booking
            {
                Id = Guid.NewGuid(),
                TenantId = DefaultTenant.Id,
                CustomerId = customerId,
                PageSlug = "salon",
                ServiceKey = "consult",
                ServiceName = "Consultation",
                StaffKey = "anna",
                StartsAt = at,
                EndsAt = at + Duration.FromHours(1),
                Status = BookingStatus.Completed,
                TimeZone = "Europe/Amsterdam",
                CustomerName = "Ada Lovelace",
                CustomerEmail = "ada@example.com",
                AnswersJson = $$"""{"note":"visit {{i}}"}""",
                ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
                CreatedAt = at - Duration.FromDays(1),
                UpdatedAt = at,
            });
        }
        app.WithDb(db =>
        {
            db.Bookings.AddRange(rows);
            return db.SaveChanges();
        });
        var (session, _) = await SignInAsync(app);

        var first = await session.GetAsync("/account/forms");
        Assert.Equal(20, RowPattern().Matches(first).Count);
        Assert.Contains("visit 0", first, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"forms-newer\"", first, StringComparison.Ordinal);
        var seen = RowPattern().Matches(first).Select(m => m.Groups[1].Value).ToList();
        var html = first;
        var pages = 1;
        while (OlderFormsPattern().Match(html) is { Success: true } older)
        {
            html = await session.GetAsync(WebUtility.HtmlDecode(older.Groups[1].Value));
            Assert.Contains("id=\"forms-newer\"", html, StringComparison.Ordinal);
            seen.AddRange(RowPattern().Matches(html).Select(m => m.Groups[1].Value));
            Assert.True(++pages <= 7, "the pages never end");
        }
        Assert.Equal(7, pages);
        Assert.Equal(10, RowPattern().Matches(html).Count);
        Assert.Contains("visit 129", html, StringComparison.Ordinal);
        // Each answered booking exactly once, newest to oldest.
        Assert.Equal(rows.Select(b => b.Id.ToString()).Order(), seen.Order());
        var starts = seen.Select(id => rows.Single(b => b.Id.ToString() == id).StartsAt).ToList();
        Assert.Equal(starts.OrderDescending(), starts);
        // In Dutch, the pager speaks Dutch; a page number that is no number is the first page.
        Assert.Contains("Oudere formulieren", await session.GetAsync("/account/forms?lang=nl"), StringComparison.Ordinal);
        Assert.Equal(seen.GetRange(0, 20), RowPattern().Matches(await session.GetAsync("/account/forms?p=abc")).Select(m => m.Groups[1].Value).ToList());
    }

    private static string UpcomingOf(string html)
    {
        var start = html.IndexOf("id=\"upcoming\"", StringComparison.Ordinal);
        var end = html.IndexOf("id=\"past\"", StringComparison.Ordinal);
        return html[start..end];
    }

    private static List<string> PastIds(string html) =>
        RowPattern().Matches(html[html.IndexOf("id=\"past\"", StringComparison.Ordinal)..]).Select(m => m.Groups[1].Value).ToList();
}

public sealed class SqlitePortalBookingTests : PortalBookingTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPortalBookingTests : PortalBookingTests
{
    protected override Db Kind => Db.Postgres;
}
