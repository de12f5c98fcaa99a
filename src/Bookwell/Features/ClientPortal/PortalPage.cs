using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Configuration;
using Bookwell.Features.Organizations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// What every portal page shares: the business's branding (from the page the client last booked on, else its
/// first page) and the signed-in client, read by id within the request's business only.
/// </summary>
public abstract class PortalPage(BookwellDb db, CatalogCache cache) : PageModel
{
    public CompiledPage? Site { get; private set; }
    public Customer? Client { get; private set; }
    /// <summary>The client's password and Google link, when they have any.</summary>
    public ClientAccount? Account { get; protected set; }

    protected BookwellDb Db => db;

    /// <summary>The install's clock (a session from an organization's link ends when the link expires by it), from the request's services.</summary>
    private IClock Clock => HttpContext.RequestServices.GetRequiredService<IClock>();

    public string BusinessName => Site?.Doc.Name ?? "";

    protected async Task LoadSiteAsync(string? preferredSlug, CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        Site = preferredSlug is not null && catalog.Pages.TryGetValue(preferredSlug, out var page) ? page : catalog.Pages.Values.FirstOrDefault();
        ViewData["Accent"] = Branding.Accent(Site?.Doc.Branding);
        ViewData["NoIndex"] = true;
        // Personal pages: no shared cache keeps them, and they are never framed.
        Response.Headers.CacheControl = "no-store";
    }

    protected async Task<TenantCatalog> CatalogAsync(CancellationToken ct) => await cache.GetAsync(db, ct);

    /// <summary>The client of the session and the branding; false when the session names no client of this business any more.</summary>
    protected async Task<bool> LoadClientAsync(bool track, CancellationToken ct)
    {
        (Client, Account) = await PortalSession.ResolveAsync(db, User, Clock.GetCurrentInstant(), track, ct);
        if (Client is null)
        {
            return false;
        }
        var id = Client.Id;
        var lastSlug = await db.Bookings.AsNoTracking().Where(b => b.CustomerId == id).OrderByDescending(b => b.CreatedAt).Select(b => b.PageSlug).FirstOrDefaultAsync(ct);
        await LoadSiteAsync(lastSlug, ct);
        return true;
    }

    /// <summary>
    /// Signs out a session that no longer holds. One an organization's personal link started and that ended with the link
    /// lands on a sign-in page that says so, and what to do (a new link from the organization, or a sign-in link by mail),
    /// rather than on a bare sign-in form the member never saw before.
    /// </summary>
    protected async Task<IActionResult> EndSessionAsync()
    {
        var state = await PortalSession.OrganizationLinkStateAsync(db, User, Clock.GetCurrentInstant(), HttpContext.RequestAborted);
        await HttpContext.SignOutAsync(ClientPortalSetup.Scheme);
        return Redirect(state switch
        {
            LinkState.Expired => "/account/signin?ended=link-expired",
            LinkState.Revoked => "/account/signin?ended=link-revoked",
            _ => "/account/signin",
        });
    }
}
