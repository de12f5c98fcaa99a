using Bookwell.Data;
using Bookwell.Features.Configuration;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// A business may switch its client portal off (<c>settings.clientPortal: false</c>; the setting is the business's,
/// so false on any of its pages turns it off, see <see cref="CompiledPage.ClientPortal"/>). Then everything under
/// <c>/account</c> (its pages, sign-in link landing, push endpoints and scripts) is a plain 404, before any sign-in
/// redirect could hint that a portal exists; mails and pages carry no "Your bookings" link; and a sign-in link
/// request (<c>POST /api/v1/account/link</c>) still answers its 202 but queues nothing. Web Push belongs to the portal
/// (a device is subscribed from it): while the portal is off, no booking mail is pushed to the client's devices and a push
/// already queued is withdrawn; the subscriptions are kept, so switching the portal on again resumes pushing.
/// </summary>
public static class PortalSwitch
{
    public static bool IsOn(TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return !catalog.Pages.Values.Any(p => !p.ClientPortal);
    }

    /// <summary>For a page (a mail, a booking page): an unknown page leaves the link in, as before the setting existed.</summary>
    public static bool IsOn(CompiledPage? page) => page?.ClientPortal != false;

    /// <summary>Whether the portal of the database's current business is open.</summary>
    public static async Task<bool> IsOnAsync(BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return IsOn(await cache.GetAsync(db, ct));
    }

    public static async Task<bool> IsOnAsync(HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var services = http.RequestServices;
        return await IsOnAsync(services.GetRequiredService<BookwellDb>(), services.GetRequiredService<CatalogCache>(), ct);
    }

    /// <summary>
    /// For the outbox worker, which serves every business: those of <paramref name="tenantIds"/> whose portal is switched off
    /// (each read through the catalog cache, so a change made on this node counts at once).
    /// </summary>
    public static async Task<HashSet<Guid>> ClosedAsync(IServiceScopeFactory scopes, IEnumerable<Guid> tenantIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(tenantIds);
        var closed = new HashSet<Guid>();
        foreach (var tenantId in tenantIds.Distinct())
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.TenantId = tenantId;
            if (!await IsOnAsync(db, scope.ServiceProvider.GetRequiredService<CatalogCache>(), ct))
            {
                closed.Add(tenantId);
            }
        }
        return closed;
    }

    /// <summary>Placed after the tenant is known and before authentication: a switched-off portal is 404 for everyone.</summary>
    public static IApplicationBuilder UsePortalSwitch(this IApplicationBuilder app) =>
        // Only the portal's own paths wait for the switch; everything else passes straight on.
        app.Use((context, next) => context.Request.Path.StartsWithSegments("/account", StringComparison.OrdinalIgnoreCase) ? PortalAsync(context, next) : next(context));

    private static async Task PortalAsync(HttpContext context, RequestDelegate next)
    {
        if (!await IsOnAsync(context, context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await next(context);
    }
}
