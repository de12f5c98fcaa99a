using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

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
        if (!Guid.TryParse(User.FindFirstValue(ClientPortalSetup.CustomerClaim), out var id))
        {
            return false;
        }
        var query = track ? db.Customers : db.Customers.AsNoTracking();
        Client = await query.FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, ct);
        if (Client?.MergedIntoId is { } kept)
        {
            // Merged by an admin while signed in: the session goes on as the kept profile, which holds the bookings now.
            Client = await query.FirstOrDefaultAsync(c => c.Id == kept && c.ErasedAt == null, ct);
            id = kept;
        }
        if (Client is null)
        {
            return false;
        }
        // A changed password (or a deleted account) ends every session that was started before it.
        Account = await db.ClientAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.CustomerId == id, ct);
        if ((Account?.SecurityStamp ?? "") != (User.FindFirstValue(ClientAccounts.StampClaim) ?? ""))
        {
            Client = null;
            Account = null;
            return false;
        }
        var lastSlug = await db.Bookings.AsNoTracking().Where(b => b.CustomerId == id).OrderByDescending(b => b.CreatedAt).Select(b => b.PageSlug).FirstOrDefaultAsync(ct);
        await LoadSiteAsync(lastSlug, ct);
        return true;
    }

    protected async Task<IActionResult> EndSessionAsync()
    {
        await HttpContext.SignOutAsync(ClientPortalSetup.Scheme);
        return Redirect("/account/signin");
    }
}
