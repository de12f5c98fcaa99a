using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Tests.Infrastructure;

namespace Bookwell.Tests.ApiDocs;

/// <summary>The interactive reference at /docs is served by the app and runs under a CSP without inline-script allowances.</summary>
public sealed class ApiDocsTests
{
    [Fact]
    public async Task Docs_ServesTheReference_WithItsInlineScriptAllowedByHashOnly()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var client = app.CreateClient();
        var page = await client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        var scriptSrc = csp.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal));
        Assert.DoesNotContain("unsafe-inline", scriptSrc, StringComparison.Ordinal);
        var inline = Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>(.*?)</script>", RegexOptions.Singleline);
        Assert.NotEmpty(inline);
        foreach (Match m in inline)
        {
            var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)));
            Assert.Contains($"'sha256-{hash}'", scriptSrc, StringComparison.Ordinal);
        }
        // Its script comes from the app itself, and it reads the app's own OpenAPI document.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/docs/scalar.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
