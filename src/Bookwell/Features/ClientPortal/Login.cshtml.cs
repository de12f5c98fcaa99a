using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Where the sign-in link lands. A plain GET uses the token and signs the client in: the contract says following
/// the link signs in, and a confirm button would need a second click (an auto-submitting form would need script,
/// which the pages do without). Requests that are not a person following the link are kept from using it up:
/// HEAD, and browser or proxy prefetches (<c>Sec-Purpose</c>/<c>Purpose: prefetch</c>) get a page with a
/// sign-in button (a form POST with antiforgery) instead. A scanner that fetches the link like a browser does
/// use it; the client then sees "this link no longer works" and asks for another, which is the safe failure.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class LoginModel(BookwellDb db, CatalogCache cache, ClientSignIn signIn, ClientAccounts accounts, IDataProtectionProvider protection, IClock clock,
    SqliteWriteGate gate) : PortalPage(db, cache)
{
    public bool Dead { get; private set; }
    public string Token { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken ct)
    {
        await PrepareAsync(ct);
        if (IsPrefetch())
        {
            Token = token ?? "";
            return Page();
        }
        return await RedeemAsync(token, ct);
    }

    public async Task<IActionResult> OnPostAsync(string? token, CancellationToken ct)
    {
        await PrepareAsync(ct);
        return await RedeemAsync(token, ct);
    }

    private async Task PrepareAsync(CancellationToken ct)
    {
        await LoadSiteAsync(null, ct);
        // The token is in this page's address: no other site hears of it through a Referer.
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private bool IsPrefetch()
    {
        var headers = Request.Headers;
        return HttpMethods.IsHead(Request.Method) ||
               headers["Sec-Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
               headers["Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
               headers["X-Moz"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase);
    }

    private async Task<IActionResult> RedeemAsync(string? token, CancellationToken ct)
    {
        if (await signIn.RedeemAsync(token, ct) is not { } customer)
        {
            Dead = true;
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }
        // A Google account that asked, in this browser, to be linked to this address is linked now: the link proved the mailbox.
        var linked = false;
        if (ClientGoogle.TakePending(HttpContext, protection, customer.TenantId, clock.GetCurrentInstant()) is { } pending &&
            pending.EmailNormalized == customer.EmailNormalized)
        {
            linked = await LinkGoogleAsync(customer, pending.Subject, ct);
        }
        var account = await accounts.FindAsync(customer.Id, ct);
        await HttpContext.SignInAsync(ClientPortalSetup.Scheme, accounts.Principal(customer, account, "link"));
        return Redirect(linked ? "/account/profile?google=linked" : "/account");
    }

    private async Task<bool> LinkGoogleAsync(Customer customer, string subject, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        using (await gate.EnterAsync(Db, ct))
        {
            if (await Db.ClientAccounts.AnyAsync(a => a.GoogleSubject == subject, ct))
            {
                return false;
            }
            var account = await Db.ClientAccounts.FirstOrDefaultAsync(a => a.CustomerId == customer.Id, ct);
            if (account is null)
            {
                account = new ClientAccount { Id = Ids.New(), TenantId = customer.TenantId, CustomerId = customer.Id, SecurityStamp = "", CreatedAt = now };
                Db.ClientAccounts.Add(account);
            }
            account.GoogleSubject = subject;
            account.UpdatedAt = now;
            try
            {
                await Db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException)
            {
                return false;
            }
            finally
            {
                Db.ChangeTracker.Clear();
            }
        }
    }
}
