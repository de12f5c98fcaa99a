using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Http;

namespace Bookwell.Features.BookingPage;

/// <summary>
/// Which sites may frame the booking pages (the widget's iframe): the page's <c>embedOrigins</c>, or any
/// site when the list is empty, since a booking widget exists to be embedded.
/// </summary>
public static class EmbedPolicy
{
    /// <param name="checkoutOrigin">Where online payment continues (Stripe Checkout), when the page takes payments online.</param>
    public static void Apply(HttpResponse response, CompiledPage? page, string? checkoutOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var origins = page?.Doc.Settings?.EmbedOrigins;
        var ancestors = page is null ? "'self'" : origins is { Count: > 0 } ? "'self' " + string.Join(' ', origins) : "*";
        var paysOnline = page is not null && page.Services.Values.Any(s => s.Doc.Payment is "now" or "deposit" || s.Doc.NoShowFee is not null);
        var formAction = checkoutOrigin is not null && paysOnline ? $"'self' {checkoutOrigin}" : "'self'";
        response.Headers.ContentSecurityPolicy = Infrastructure.SecurityHeadersMiddleware.Csp(ancestors, formAction);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>The just-booked confirmation: framed like the booking page, otherwise as private as the manage page.</summary>
    public static void ApplyConfirmation(HttpResponse response, CompiledPage? page)
    {
        ApplyPrivate(response, page);
        Apply(response, page);
    }

    /// <summary>
    /// A page opened by a booking's secret link (manage, preferences): framed only by this site and the page's
    /// listed <c>embedOrigins</c> (never any site, since a framing site could overlay the cancel button), not
    /// indexed by search engines, and never kept by a shared cache or the browser's back-forward store.
    /// </summary>
    public static void ApplyPrivate(HttpResponse response, CompiledPage? page)
    {
        ArgumentNullException.ThrowIfNull(response);
        var origins = page?.Doc.Settings?.EmbedOrigins;
        var ancestors = origins is { Count: > 0 } ? "'self' " + string.Join(' ', origins) : "'self'";
        response.Headers.ContentSecurityPolicy = Infrastructure.SecurityHeadersMiddleware.Csp(ancestors);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }
}
