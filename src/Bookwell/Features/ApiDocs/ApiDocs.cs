using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Infrastructure;
using Scalar.AspNetCore;

namespace Bookwell.Features.ApiDocs;

/// <summary>
/// The interactive API reference at <c>/docs</c> (Scalar, served by the app itself: no CDN). Its page starts
/// the reference with one inline script; rather than allowing inline scripts, the page's CSP names that
/// script by its SHA-256, computed from the page as served.
/// </summary>
public static partial class ApiDocs
{
    public const string Path = "/docs";

    public static void MapApiDocs(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(c => c.Request.Path.Equals(Path + "/", StringComparison.Ordinal), branch => branch.Use(HashInlineScripts));
        app.MapScalarApiReference(Path, o => o.WithTitle("Bookwell API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
    }

    private static async Task HashInlineScripts(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        var html = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var hashes = InlineScript().Matches(html)
            .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'");
        context.Response.Headers.ContentSecurityPolicy = SecurityHeadersMiddleware.Csp("'none'")
            .Replace("script-src 'self'", $"script-src 'self' {string.Join(' ', hashes)}", StringComparison.Ordinal)
            // The reference UI inserts its own style elements at run time; this page only shows the API description.
            .Replace("style-src 'self'", "style-src 'self' 'unsafe-inline'", StringComparison.Ordinal);
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScript();
}
