using Bookwell.Data;
using Bookwell.Features.Configuration;

namespace Bookwell.Features.BookingPage;

/// <summary>
/// Cross-origin writes to a page's public booking and upload endpoints follow the same list as framing:
/// the page's <c>embedOrigins</c>, or any origin when it is empty. No credentials are ever allowed, so a
/// foreign site can book only what its visitor could book anyway.
/// </summary>
public sealed class EmbedCorsMiddleware(RequestDelegate next)
{
    // Every other request passes straight on, without an async state machine of its own.
    public Task InvokeAsync(HttpContext context, CatalogCache cache)
    {
        ArgumentNullException.ThrowIfNull(context);
        var origin = context.Request.Headers.Origin.ToString();
        var path = context.Request.Path.Value ?? "";
        return origin.Length == 0 || !path.StartsWith("/api/v1/pages/", StringComparison.Ordinal) ||
               !(path.EndsWith("/bookings", StringComparison.Ordinal) || path.EndsWith("/uploads", StringComparison.Ordinal))
            ? next(context)
            : EmbeddedAsync(context, cache, origin, path);
    }

    private async Task EmbeddedAsync(HttpContext context, CatalogCache cache, string origin, string path)
    {
        var slug = path["/api/v1/pages/".Length..].Split('/')[0];
        // Resolved only here, so other requests do not lease a database context for nothing.
        var catalog = await cache.GetAsync(context.RequestServices.GetRequiredService<BookwellDb>(), context.RequestAborted);
        var allowed = catalog.Pages.TryGetValue(slug, out var page) &&
                      page.Doc.Settings?.EmbedOrigins is { } origins && (origins.Count == 0 || origins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase));
        context.Response.Headers.Vary = "Origin";
        if (allowed)
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
        }
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            if (allowed)
            {
                context.Response.Headers.AccessControlAllowMethods = "POST";
                context.Response.Headers.AccessControlAllowHeaders = "Content-Type";
                context.Response.Headers.AccessControlMaxAge = "600";
            }
            context.Response.StatusCode = allowed ? StatusCodes.Status204NoContent : StatusCodes.Status403Forbidden;
            return;
        }
        await next(context);
    }
}
