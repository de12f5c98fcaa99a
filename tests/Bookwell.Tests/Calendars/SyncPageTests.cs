using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
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
    /// <summary>
    /// The CalDAV connect and disconnect forms and the Google sign-in start (against a strict CalDAV stand-in): every form
    /// needs its antiforgery token; a bad address or a refused password comes back as that field's error (400, what was
    /// typed kept, never the password), not a 500; a connection stores the password sealed and blocks the calendar's busy
    /// time; the deleted-event switch is saved (English and Dutch); another business's admin cannot disconnect it; a
    /// disconnect removes the connection and its links, frees the busy time and stops reading the calendar.
    /// </summary>
    [Fact]
    public async Task CalDavForms_NeedTheirToken_GiveFieldErrors_SealThePassword_AndDisconnectFreesTheSlots_OnlyForTheirBusiness()
    {
        await using var server = await CalDavStandIn.StartAsync();
        server.Write("/anna/work/dentist.ics", CalDavStandIn.Event("dentist@test", "20270303T120000Z", "20270303T130000Z"));
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Calendars:AllowPrivateAddresses"] = "true";
            s["Bookwell:Calendars:Google:ClientId"] = "client-1";
            s["Bookwell:Calendars:Google:ClientSecret"] = "secret-1";
            s["Bookwell:Calendars:Google:AuthUrl"] = "https://accounts.example.test/auth";
            s["Bookwell:Calendars:Google:TokenUrl"] = "https://accounts.example.test/token";
            s["Bookwell:Calendars:Google:ApiBase"] = "https://api.example.test";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var owner = await OwnerAsync(app);
        var client = app.CreateClient();
        Assert.Contains("2027-03-03T13:00:00+01:00", await SlotStarts(client, "consult", "2027-03-03", "2027-03-03", staff: "anna"));
        int Rows() => app.WithDb(db => db.BusySources.Count(s => s.Kind != Bookwell.Features.Calendars.BusySource.Ics));
        var url = server.Url("/anna/work/");
        KeyValuePair<string, string>[] Form(string address, string password, bool cancel = false) =>
        [
            KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("url", address), KeyValuePair.Create("userName", CalDavStandIn.User),
            KeyValuePair.Create("password", password), .. cancel ? [KeyValuePair.Create("cancelOnDelete", "true")] : Array.Empty<KeyValuePair<string, string>>(),
        ];

        // No token: refused, nothing stored, the calendar never asked.
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Client.PostAsync("/admin/sync?handler=CalDav", new FormUrlEncodedContent(Form(url, CalDavStandIn.Password)))).StatusCode);
        Assert.Equal(0, Rows());
        Assert.Empty(server.Requests);

        // A bad address and a refused password: that field's error on the form, what was typed kept except the password.
        var bad = await owner.PostFormAsync("/admin/sync?handler=CalDav", Form("ftp://calendar.example.com/anna/", "typed-secret"), "/admin/sync");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Matches("id=\"url-anna\"[^>]*value=\"ftp://calendar.example.com/anna/\"[^>]*aria-invalid=\"true\"", html);
        Assert.Contains("<p class=\"error\" id=\"url-error\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("typed-secret", html, StringComparison.Ordinal);
        var refused = await owner.PostFormAsync("/admin/sync?handler=CalDav", Form(url, "wrong"), "/admin/sync");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("<p class=\"error\" id=\"password-error\">", html, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\" aria-describedby=\"password-error\"", html, StringComparison.Ordinal);
        Assert.Equal(0, Rows());

        // Connected, with deleted events cancelling their booking: the password sealed, the busy time blocking its slot.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=CalDav", Form(url, CalDavStandIn.Password, cancel: true), "/admin/sync")).StatusCode);
        var row = app.WithDb(db => db.BusySources.AsNoTracking().Single(s => s.Kind != Bookwell.Features.Calendars.BusySource.Ics));
        Assert.True(row.CancelOnDelete);
        Assert.False(string.IsNullOrEmpty(row.SecretSealed));
        Assert.DoesNotContain(CalDavStandIn.Password, row.SecretSealed, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(CalDavStandIn.Password)), row.SecretSealed, StringComparison.Ordinal);
        Assert.DoesNotContain("2027-03-03T13:00:00+01:00", await SlotStarts(client, "consult", "2027-03-03", "2027-03-03", staff: "anna"));
        html = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Contains("<dd id=\"when-deleted-anna\">Deleted events cancel their booking.</dd>", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=DeletedEvents", [KeyValuePair.Create("staff", "anna")], "/admin/sync")).StatusCode);
        Assert.False(app.WithDb(db => db.BusySources.AsNoTracking().Single(s => s.Id == row.Id).CancelOnDelete));
        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        html = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Contains("<dd id=\"when-deleted-anna\">Verwijderde afspraken worden teruggezet.</dd>", html, StringComparison.Ordinal);
        Assert.Contains("De boeking annuleren (de klant krijgt bericht, de tijd komt vrij)", html, StringComparison.Ordinal);
        owner.Client.DefaultRequestHeaders.AcceptLanguage.Clear();

        // Another business with a staff member of the same key cannot disconnect (or switch) it.
        var other = Guid.NewGuid();
        var (key, apiKey) = Bookwell.Features.Accounts.ApiKeys.Create(other, "other", "test", app.Clock.GetCurrentInstant());
        app.WithDb(db =>
        {
            db.Tenants.Add(new Bookwell.Data.Tenant { Id = other, Name = "Other", Host = "other.example" });
            db.ApiKeys.Add(apiKey);
            return db.SaveChanges();
        });
        var theirs = app.CreateClient();
        theirs.DefaultRequestHeaders.Host = "other.example";
        theirs.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(theirs, Config().Also(c => c["pages"]![0]!["slug"] = "their-salon"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.DeleteAsync("/api/v1/admin/staff/anna/calendar")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.PatchAsync("/api/v1/admin/staff/anna/calendar", Json(new JsonObject { ["whenEventDeleted"] = "cancel" }))).StatusCode);
        Assert.Equal(1, Rows());

        // Disconnect: without the token refused; with it, the connection, its links and its busy time go, and the calendar is not read again.
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Client.PostAsync("/admin/sync?handler=Disconnect",
            new FormUrlEncodedContent([KeyValuePair.Create("staff", "anna")]))).StatusCode);
        Assert.Equal(1, Rows());
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Disconnect", [KeyValuePair.Create("staff", "anna")], "/admin/sync")).StatusCode);
        Assert.Equal(0, Rows());
        Assert.Equal(0, app.WithDb(db => db.ExternalBusy.Count() + db.CalendarEventLinks.Count()));
        Assert.Contains("2027-03-03T13:00:00+01:00", await SlotStarts(client, "consult", "2027-03-03", "2027-03-03", staff: "anna"));
        var seen = server.Requests.Count;
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/sync?handler=Sync", [], tokenFrom: "/admin/sync")).StatusCode);
        Assert.Equal(seen, server.Requests.Count);

        // The Google sign-in start: a form with its token too, PKCE, an unknown provider or staff member is 404.
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Client.PostAsync("/admin/sync?handler=OAuth",
            new FormUrlEncodedContent([KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("provider", "google")]))).StatusCode);
        var start = await owner.PostFormAsync("/admin/sync?handler=OAuth", [KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("provider", "google")], "/admin/sync");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.StartsWith("https://accounts.example.test/auth?", start.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", start.Headers.Location!.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostFormAsync("/admin/sync?handler=OAuth", [KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("provider", "microsoft")], "/admin/sync")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostFormAsync("/admin/sync?handler=OAuth", [KeyValuePair.Create("staff", "nobody"), KeyValuePair.Create("provider", "google")], "/admin/sync")).StatusCode);
        Assert.Equal(0, Rows());
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
