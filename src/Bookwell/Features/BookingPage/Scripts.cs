using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Bookwell.Features.BookingPage;

/// <summary>The two scripts (book.js for the pages, widget.js for third-party sites), read once from the assembly.</summary>
public static class Scripts
{
    private sealed record Script(byte[] Bytes, string ETag);

    private static readonly Dictionary<string, Script> Files = new[] { "book.js", "widget.js" }.ToDictionary(name => name, name =>
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
            app.MapGet("/" + name, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=3600";
                context.Response.Headers.ETag = script.ETag;
                context.Response.Headers.AccessControlAllowOrigin = "*";
                if (context.Request.Headers.IfNoneMatch == script.ETag)
                {
                    return Results.StatusCode(StatusCodes.Status304NotModified);
                }
                return Results.Bytes(script.Bytes, "text/javascript; charset=utf-8");
            }).ExcludeFromDescription();
        }
        return app;
    }
}
