using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>The admin's calendar sync page: health per source, a staff member's feed address made and replaced by form.</summary>
public sealed class SyncPageTests
{
    [Fact]
    public async Task Page_ShowsSourceHealth_AndMakesAndRotatesAFeed_InDutchToo()
    {
        await using var server = await IcsServer.StartAsync();
        server.Fail("/cal.ics", 500);
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s => s["Bookwell:Calendars:AllowPrivateAddresses"] = "true");
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
}
