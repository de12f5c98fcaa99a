using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

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
public sealed class LoginModel(BookwellDb db, CatalogCache cache, ClientSignIn signIn) : PortalPage(db, cache)
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
        await HttpContext.SignInAsync(ClientPortalSetup.Scheme, ClientSignIn.Principal(customer));
        return Redirect("/account");
    }
}
