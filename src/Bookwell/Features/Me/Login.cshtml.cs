using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Features.Me;

/// <summary>
/// Where <c>/me</c>'s sign-in link lands: a plain GET uses it (once) and signs in; HEAD and prefetches get a button
/// (a POST with antiforgery) instead, as the portal's link page does. A used, expired or unknown link is a 410.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class MeLoginModel(TenantContext tenant, PlatformSignIn signIn) : PageModel
{
    public bool Dead { get; private set; }
    public string Token { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken ct)
    {
        if (!MeModel.OnDefaultHost(tenant))
        {
            return NotFound();
        }
        Prepare();
        if (HttpMethods.IsHead(Request.Method) || IsPrefetch(Request.Headers))
        {
            Token = token ?? "";
            return Page();
        }
        return await RedeemAsync(token, ct);
    }

    public async Task<IActionResult> OnPostAsync(string? token, CancellationToken ct)
    {
        if (!MeModel.OnDefaultHost(tenant))
        {
            return NotFound();
        }
        Prepare();
        return await RedeemAsync(token, ct);
    }

    private void Prepare()
    {
        ViewData["NoIndex"] = true;
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static bool IsPrefetch(IHeaderDictionary headers) =>
        headers["Sec-Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
        headers["Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
        headers["X-Moz"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase);

    private async Task<IActionResult> RedeemAsync(string? token, CancellationToken ct)
    {
        if (await signIn.RedeemAsync(token, ct) is not { } email)
        {
            Dead = true;
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }
        await HttpContext.SignInAsync(PlatformSignIn.Scheme, PlatformSignIn.Principal(email));
        return Redirect("/me");
    }
}
