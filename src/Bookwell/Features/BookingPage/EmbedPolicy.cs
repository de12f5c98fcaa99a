using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Http;

namespace Bookwell.Features.BookingPage;

/// <summary>
/// Which sites may frame the booking pages (the widget's iframe): the page's <c>embedOrigins</c>, or any
/// site when the list is empty, since a booking widget exists to be embedded.
/// </summary>
public static class EmbedPolicy
{
    public static void Apply(HttpResponse response, CompiledPage? page)
    {
        ArgumentNullException.ThrowIfNull(response);
        var origins = page?.Doc.Settings?.EmbedOrigins;
        var ancestors = page is null ? "'self'" : origins is { Count: > 0 } ? "'self' " + string.Join(' ', origins) : "*";
        response.Headers.ContentSecurityPolicy = Infrastructure.SecurityHeadersMiddleware.Csp(ancestors);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
