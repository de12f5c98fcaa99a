using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Bookwell.Features.BookingPage;

/// <summary>
/// Static assets read once from the assembly: book.js for the pages, widget.js for third-party sites, and the
/// admin and staff dashboards' script, style sheet, service worker and icons.
/// </summary>
public static class Scripts
{
    private sealed record Script(byte[] Bytes, string ETag);

    private static readonly Dictionary<string, string> Routes = new(StringComparer.Ordinal)
    {
        ["book.js"] = "/book.js",
        ["widget.js"] = "/widget.js",
        ["admin.js"] = "/assets/admin.js",
        ["receipt-print.js"] = "/assets/receipt-print.js",
        ["admin.css"] = "/assets/admin.css",
        ["staff-sw.js"] = "/staff/sw.js",
        ["icon.svg"] = "/assets/icon.svg",
        ["portal-push.js"] = "/account/push.js",
        ["portal-sw.js"] = "/account/sw.js",
    };

    private static readonly Dictionary<string, Script> Files = Routes.Keys.ToDictionary(name => name, name =>
    {
        using var stream = typeof(Scripts).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"{name} is not embedded");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        return new Script(bytes, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
    });

    public static IEndpointRouteBuilder MapScripts(this IEndpointRouteBuilder app)
    {
        foreach (var (name, script) in Files)
        {
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "text/javascript; charset=utf-8",
            };
            app.MapGet(Routes[name], (HttpContext context) =>
            {
                // The service worker must be fetched fresh so that a new version reaches installed tablets.
                context.Response.Headers.CacheControl = name is "staff-sw.js" or "portal-sw.js" ? "no-cache" : "public, max-age=3600";
                if (name == "staff-sw.js")
                {
                    // Lets the worker control /staff itself, not only paths below /staff/.
                    context.Response.Headers["Service-Worker-Allowed"] = "/staff";
                }
                context.Response.Headers.ETag = script.ETag;
                context.Response.Headers.AccessControlAllowOrigin = "*";
                if (context.Request.Headers.IfNoneMatch == script.ETag)
                {
                    return Results.StatusCode(StatusCodes.Status304NotModified);
                }
                return Results.Bytes(script.Bytes, type);
            }).ExcludeFromDescription();
        }
        return app;
    }
}
