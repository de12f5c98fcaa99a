using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Calendars;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// SSRF: a busy-source URL is chosen by whoever edits the configuration; private, loopback, link-local and
/// metadata addresses are refused in the document and, whatever the name resolves to, at connect time. The document
/// checks share one app, each on a business of its own.
/// </summary>
public sealed class BusySourceSafetyTests(SqliteSharedApp shared) : IClassFixture<SqliteSharedApp>
{
    private static JsonObject ConfigWith(string url)
    {
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray(new JsonObject { ["url"] = url });
        return doc;
    }

    [Theory]
    [InlineData("http://127.0.0.1/cal.ics")]
    [InlineData("http://10.1.2.3/cal.ics")]
    [InlineData("http://192.168.1.10/cal.ics")]
    [InlineData("http://172.20.0.5/cal.ics")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]/cal.ics")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[::ffff:127.0.0.1]/cal.ics")]
    [InlineData("http://2130706433/cal.ics")]
    [InlineData("http://localhost/cal.ics")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://calendar.example.com/cal.ics")]
    [InlineData("https://user:secret@calendar.example.com/cal.ics")]
    [InlineData("not a url")]
    public async Task HostileUrls_AreRefusedAtTheirPath(string url)
    {
        var app = await shared.NewBusinessAsync();
        var response = await PutConfig(app.Admin(), ConfigWith(url));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].staff[0].busySources[0].url"), errors.ToJsonString());
    }

    [Fact]
    public async Task TooManySources_AndTooLongUrls_AreRefused_PublicUrlsAccepted()
    {
        var app = await shared.NewBusinessAsync();
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray([.. Enumerable.Range(0, 6).Select(i => (JsonNode)new JsonObject { ["url"] = $"https://calendar.example.com/{i}.ics" })]);
        var response = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey("pages[0].staff[0].busySources"));
        Assert.Equal(HttpStatusCode.BadRequest, (await PutConfig(app.Admin(), ConfigWith("https://calendar.example.com/" + new string('a', 2000)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ConfigWith("https://calendar.example.com/anna.ics"))).StatusCode);
        var staff = (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["staff"]![0]!;
        Assert.Equal("https://calendar.example.com/anna.ics", staff["busySources"]![0]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task PrivateAddresses_AreAllowed_WhenTheOperatorSaysSo()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s => s["Bookwell:Calendars:AllowPrivateAddresses"] = "true");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ConfigWith("http://127.0.0.1:8080/cal.ics"))).StatusCode);
    }

    private static FeedFetcher Fetcher(bool allowPrivate = false) =>
        new(new CalendarOptions(allowPrivate, TimeSpan.FromMinutes(5), 2 * 1024 * 1024, TimeSpan.FromSeconds(5)));

    /// <summary>
    /// Past the document (a URL stored before, a redirect, a name that resolves to loopback), the connect-time
    /// check refuses; the server on loopback never sees a request.
    /// </summary>
    [Fact]
    public async Task AtConnectTime_LoopbackByNameOrAddress_IsRefused_WithZeroRequests()
    {
        await using var server = await IcsServer.StartAsync();
        server.Serve("/cal.ics", CalendarSyncTests.Feed());
        using var fetcher = Fetcher();
        foreach (var url in new[]
                 {
                     $"http://localhost:{server.Port}/cal.ics", $"http://127.0.0.1:{server.Port}/cal.ics", $"http://[::1]:{server.Port}/cal.ics",
                     $"http://[::ffff:127.0.0.1]:{server.Port}/cal.ics", $"http://2130706433:{server.Port}/cal.ics", "http://169.254.169.254/latest/meta-data/",
                     "http://10.0.0.1/cal.ics",
                 })
        {
            var ex = await Assert.ThrowsAsync<FeedException>(() => fetcher.FetchAsync(new Uri(url), CancellationToken.None));
            Assert.StartsWith("Refused", ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, server.Hits);

        // The same server is read when the operator allows private addresses: the refusals above were the rule, not a dead server.
        using var allowed = Fetcher(allowPrivate: true);
        Assert.Contains("BEGIN:VCALENDAR", await allowed.FetchAsync(new Uri($"http://localhost:{server.Port}/cal.ics"), CancellationToken.None));
        Assert.Equal(1, server.Hits);
    }

    [Fact]
    public async Task Redirects_AreFollowedOnlyToHttp_AndSizeAndTimeAreLimited()
    {
        await using var server = await IcsServer.StartAsync();
        server.Serve("/cal.ics", CalendarSyncTests.Feed());
        server.Handle("/moved", c =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "/cal.ics";
            return Task.CompletedTask;
        });
        server.Handle("/to-file", c =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "file:///etc/passwd";
            return Task.CompletedTask;
        });
        server.Handle("/loop", c =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "/loop";
            return Task.CompletedTask;
        });
        server.Handle("/huge", async c =>
        {
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 64; i++)
            {
                await c.Response.Body.WriteAsync(chunk);
            }
        });
        server.Handle("/slow", async c => await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted));
        // 5 s, not 1: the fetches that must succeed or fail for another reason (two hops, 2 MiB) ran past 1 s on a loaded runner.
        using var fetcher = new FeedFetcher(new CalendarOptions(true, TimeSpan.FromMinutes(5), 2 * 1024 * 1024, TimeSpan.FromSeconds(5)));
        Assert.Contains("BEGIN:VCALENDAR", await fetcher.FetchAsync(new Uri(server.Url("/moved")), CancellationToken.None));
        Assert.Contains("http", (await Assert.ThrowsAsync<FeedException>(() => fetcher.FetchAsync(new Uri(server.Url("/to-file")), CancellationToken.None))).Message);
        Assert.Contains("redirects", (await Assert.ThrowsAsync<FeedException>(() => fetcher.FetchAsync(new Uri(server.Url("/loop")), CancellationToken.None))).Message);
        Assert.Contains("larger than", (await Assert.ThrowsAsync<FeedException>(() => fetcher.FetchAsync(new Uri(server.Url("/huge")), CancellationToken.None))).Message);
        Assert.Contains("did not answer", (await Assert.ThrowsAsync<FeedException>(() => fetcher.FetchAsync(new Uri(server.Url("/slow")), CancellationToken.None))).Message);
    }

    [Theory]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.255.0.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("127.8.8.8", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("2002:7f00:1::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("93.184.216.34", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void AddressClasses(string address, bool isPublic) => Assert.Equal(isPublic, AddressRules.IsPublic(IPAddress.Parse(address)));
}
