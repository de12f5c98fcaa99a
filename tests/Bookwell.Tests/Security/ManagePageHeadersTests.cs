using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>The page behind a booking's secret link is not indexed, not cached, and framed only where the business allows.</summary>
public sealed class ManagePageHeadersTests
{
    private static async Task<(BookwellApp App, string Token)> BookedAsync(JsonArray? embedOrigins)
    {
        var app = await BookwellApp.StartAsync(Db.Sqlite);
        var doc = Config();
        if (embedOrigins is not null)
        {
            doc["pages"]![0]!["settings"]!["embedOrigins"] = embedOrigins;
        }
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var created = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        return (app, created["manageToken"]!.GetValue<string>());
    }

    private static string FrameAncestors(HttpResponseMessage response) =>
        response.Headers.GetValues("Content-Security-Policy").Single().Split(';').Select(d => d.Trim())
            .Single(d => d.StartsWith("frame-ancestors ", StringComparison.Ordinal))["frame-ancestors ".Length..];

    private static void AssertPrivate(HttpResponseMessage response, string html)
    {
        Assert.Contains("noindex", response.Headers.GetValues("X-Robots-Tag").Single(), StringComparison.Ordinal);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Contains("<meta name=\"robots\" content=\"noindex", html, StringComparison.Ordinal);
        Assert.DoesNotContain("*", FrameAncestors(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoEmbedOrigins_ManagePage_FramedBySelfOnly_NoIndex_NoStore()
    {
        var (app, token) = await BookedAsync(null);
        await using var _ = app;
        var client = app.CreateClient();
        foreach (var path in new[] { $"/booking/{token}", $"/booking/{token}?reschedule=1", $"/booking/{token}/preferences" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertPrivate(response, await response.Content.ReadAsStringAsync());
            Assert.Equal("'self'", FrameAncestors(response));
        }
        // A wrong token answers the same way: nothing about it is cacheable or indexable either.
        var missing = await client.GetAsync("/booking/" + new string('A', token.Length));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        AssertPrivate(missing, await missing.Content.ReadAsStringAsync());
        // The public booking page itself stays embeddable anywhere.
        Assert.Equal("*", FrameAncestors(await client.GetAsync($"/book/{Slug}")));
    }

    [Fact]
    public async Task EmbedOrigins_ManagePage_FramedByThemAndSelf()
    {
        var (app, token) = await BookedAsync(new JsonArray("https://shop.example.com"));
        await using var _ = app;
        var response = await app.CreateClient().GetAsync($"/booking/{token}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPrivate(response, await response.Content.ReadAsStringAsync());
        Assert.Equal("'self' https://shop.example.com", FrameAncestors(response));
    }
}
