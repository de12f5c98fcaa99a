using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>
/// The pages' policy allows no inline style: no style attribute anywhere, and every style block a page carries is
/// allowed by its own SHA-256 in that response's Content-Security-Policy (an injected block would not be).
/// </summary>
public sealed partial class StylePolicyTests
{
    [Fact]
    public async Task ClientPages_CarryOnlyStyleBlocksTheirPolicyNames()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        var client = app.CreateClient();
        var booked = await Book(client, Booking("2027-03-02T10:00:00+01:00"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var token = (await Body(booked))["manageToken"]!.GetValue<string>();

        foreach (var path in new[] { $"/book/{Slug}", $"/book/{Slug}?service=haircut", $"/booking/{token}", "/account/signin", "/admin/login", "/staff/login" })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
            var html = await response.Content.ReadAsStringAsync();
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            var styleSrc = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("style-src ", StringComparison.Ordinal));
            Assert.DoesNotContain("unsafe-inline", styleSrc, StringComparison.Ordinal);
            Assert.DoesNotMatch(StyleAttribute(), html);
            foreach (Match block in StyleBlock().Matches(html))
            {
                var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(block.Groups[1].Value)));
                Assert.Contains($"'sha256-{hash}'", styleSrc, StringComparison.Ordinal);
            }
        }

        // The booking page's accent colour is its own block: another colour, another hash.
        var before = (await client.GetAsync($"/book/{Slug}")).Headers.GetValues("Content-Security-Policy").Single();
        var doc = Config();
        doc["pages"]![0]!["branding"]!["accentColor"] = "#7C3AED";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        var page = await client.GetAsync($"/book/{Slug}");
        Assert.Contains("--accent: #7C3AED;", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotEqual(before, page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();

    [GeneratedRegex("<[a-zA-Z][^>]*\\sstyle\\s*=", RegexOptions.Singleline)]
    private static partial Regex StyleAttribute();
}
