namespace Bookwell.Infrastructure;

/// <summary>
/// Headers every response carries unless a feature set its own: a CSP that allows scripts only from this
/// origin (no inline script anywhere) and styles from this origin plus the page's own hashed style blocks, no framing except where a feature opens it (the booking pages follow
/// their embed settings), no MIME sniffing, and a referrer policy that keeps paths (and tokens in them) home.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    // Images may come from anywhere a business hosts its logo (the configuration allows http and https).
    public static string Csp(string frameAncestors, string formAction = "'self'") =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; " +
        $"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action {formAction}; frame-ancestors {frameAncestors}";

    /// <summary>The policy of a response no feature set one for (most API answers), made once instead of per response.</summary>
    private static readonly string Default = Csp("'none'");

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.OnStarting(() =>
        {
            var h = context.Response.Headers;
            h.ContentSecurityPolicy = InlineStyles.Allow(context, h.ContainsKey("Content-Security-Policy") ? h.ContentSecurityPolicy.ToString() : Default);
            if (!h.ContainsKey("Referrer-Policy"))
            {
                h["Referrer-Policy"] = "same-origin";
            }
            h.XContentTypeOptions = "nosniff";
            h["Permissions-Policy"] = "camera=(), microphone=(), payment=(self)";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
