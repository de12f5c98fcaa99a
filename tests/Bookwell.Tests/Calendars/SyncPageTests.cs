using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// The admin's calendar sync page: health per source, feed addresses of staff members and booking pages made,
/// replaced and switched off by form (and the page feed's revoke through the API), the connection intro.
/// </summary>
public abstract class SyncPageTests
{
    protected abstract Db Kind { get; }

    private static async Task<WebSession> OwnerAsync(BookwellApp app)
    {
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        return owner;
    }

    private static string? PageFeed(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "id=\"page-feed-salon\">([^<]+)<") is { Success: true } m ? m.Groups[1].Value : null;

    [Fact]
    public async Task Page_ShowsSourceHealth_AndMakesAndRotatesAFeed_InDutchToo()
    {
        await using var server = await IcsServer.StartAsync();
        server.Fail("/cal.ics", 500);
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Calendars:AllowPrivateAddresses"] = "true");
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray(new JsonObject { ["url"] = server.Url("/cal.ics") });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Sync", [], tokenFrom: "/admin/sync")).StatusCode);
        var html = await owner.GetAsync("/admin/sync");
        Assert.Contains("The calendar answered HTTP 500.", html);
        Assert.Contains(server.Url("/cal.ics"), html);
        Assert.DoesNotContain("/feeds/", html);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Feed", [KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("rotate", "false")], "/admin/sync")).StatusCode);
        var first = System.Text.RegularExpressions.Regex.Match(await owner.GetAsync("/admin/sync"), "id=\"feed-anna\">([^<]+)<").Groups[1].Value;
        Assert.StartsWith("https://book.example.test/feeds/", first, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync(new Uri(first).AbsolutePath)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Feed", [KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("rotate", "true")], "/admin/sync")).StatusCode);
        var second = System.Text.RegularExpressions.Regex.Match(await owner.GetAsync("/admin/sync"), "id=\"feed-anna\">([^<]+)<").Groups[1].Value;
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync(new Uri(first).AbsolutePath)).StatusCode);

        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        Assert.Contains("Agendakoppeling", await owner.GetAsync("/admin/sync"));
    }

    [Fact]
    public async Task ASourceReadWell_ShowsItsLastReadTimeAndBusyCount()
    {
        await using var server = await IcsServer.StartAsync();
        server.Serve("/cal.ics", CalendarSyncTests.Feed());
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Calendars:AllowPrivateAddresses"] = "true");
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray(new JsonObject { ["url"] = server.Url("/cal.ics") });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var owner = await OwnerAsync(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Sync", [], tokenFrom: "/admin/sync")).StatusCode);
        var html = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        // Read at the fake clock's now; the feed gives four busy times (three weekly occurrences and an all-day event).
        var row = System.Text.RegularExpressions.Regex.Match(html, "<td>anna<br>.*?</tr>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        Assert.Contains("<td>2027-03-01T07:00:00+00:00</td>", row, StringComparison.Ordinal);
        Assert.Contains("<td>OK</td>", row, StringComparison.Ordinal);
        Assert.Contains("<td>4</td>", row, StringComparison.Ordinal);
        Assert.DoesNotContain("never", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionIntro_NamesAppleICloud_WithAnAppSpecificPassword_InEnglishAndDutch()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var owner = await OwnerAsync(app);
        var english = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Contains("CalDAV works with Nextcloud, Fastmail, Radicale and Apple iCloud (use an app-specific password", english, StringComparison.Ordinal);
        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        var dutch = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Contains("CalDAV werkt met Nextcloud, Fastmail, Radicale en Apple iCloud (gebruik een app-specifiek wachtwoord", dutch, StringComparison.Ordinal);
    }

    /// <summary>A booking page's feed: made, replaced and switched off on the page (CSRF-protected forms, no script), and revoked through the API.</summary>
    [Fact]
    public async Task PageFeed_IsMadeRotatedAndSwitchedOffByForm_AndRevokedByTheApi()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna"))).StatusCode);
        var owner = await OwnerAsync(app);
        var anonymous = app.CreateClient();
        var html = await owner.GetAsync("/admin/sync");
        Assert.Contains("Whole-page feeds", html, StringComparison.Ordinal);
        Assert.Null(PageFeed(html));

        // Without the antiforgery token the form is refused and nothing is made.
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Client.PostAsync("/admin/sync?handler=Feed",
            new FormUrlEncodedContent([KeyValuePair.Create("page", "salon"), KeyValuePair.Create("rotate", "false")]))).StatusCode);
        Assert.Null(PageFeed(await owner.GetAsync("/admin/sync")));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostFormAsync("/admin/sync?handler=Feed", [KeyValuePair.Create("page", "nope"), KeyValuePair.Create("rotate", "false")], "/admin/sync")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Feed", [KeyValuePair.Create("page", "salon"), KeyValuePair.Create("rotate", "false")], "/admin/sync")).StatusCode);
        var first = PageFeed(await owner.GetAsync("/admin/sync"));
        Assert.StartsWith("https://book.example.test/feeds/", first, StringComparison.Ordinal);
        var served = await anonymous.GetAsync(new Uri(first!).AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("Consultation – Ada Lovelace", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(first, (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/pages/salon/feed"))!["url"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Feed", [KeyValuePair.Create("page", "salon"), KeyValuePair.Create("rotate", "true")], "/admin/sync")).StatusCode);
        var second = PageFeed(await owner.GetAsync("/admin/sync"));
        Assert.NotNull(second);
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri(first!).AbsolutePath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(second!).AbsolutePath)).StatusCode);

        // Switched off by form: the address stops working and the page offers to make one again.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=RevokeFeed", [KeyValuePair.Create("page", "salon")], "/admin/sync")).StatusCode);
        html = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Null(PageFeed(html));
        Assert.Contains("The address for Test Salon no longer works.", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri(second!).AbsolutePath)).StatusCode);

        // Revoked through the API (contract 4.9): 204, the address is gone; unknown page 404; no key 401.
        var third = (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/pages/salon/feed"))!["url"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(third).AbsolutePath)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync("/api/v1/admin/pages/salon/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(third).AbsolutePath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().DeleteAsync("/api/v1/admin/pages/nope/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin().DeleteAsync("/api/v1/admin/pages/salon/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri(third).AbsolutePath)).StatusCode);
        Assert.Null(PageFeed(await owner.GetAsync("/admin/sync")));

        // A staff member's feed is switched off the same way.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Feed", [KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("rotate", "false")], "/admin/sync")).StatusCode);
        var staffFeed = System.Text.RegularExpressions.Regex.Match(await owner.GetAsync("/admin/sync"), "id=\"feed-anna\">([^<]+)<").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(staffFeed).AbsolutePath)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=RevokeFeed", [KeyValuePair.Create("staff", "anna")], "/admin/sync")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri(staffFeed).AbsolutePath)).StatusCode);
        Assert.DoesNotContain("id=\"feed-anna\"", await owner.GetAsync("/admin/sync"), StringComparison.Ordinal);

        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        html = await owner.GetAsync("/admin/sync");
        Assert.Contains("Abonnementen per boekingspagina", html, StringComparison.Ordinal);
    }
}

public sealed class SqliteSyncPageTests : SyncPageTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresSyncPageTests : SyncPageTests
{
    protected override Db Kind => Db.Postgres;
}
