using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Features.Me;

/// <summary>
/// Where <c>/me</c>'s sign-in link lands. Opening the link (GET or HEAD) changes nothing: it shows a sign-in button, and
/// only that button's POST (with antiforgery) uses the token, once. So a mail scanner or link preview that follows the
/// link, however browser-like, leaves it working for the person. A used, expired or unknown link is a 410 with the form
/// to ask again, already on GET (a read, nothing written).
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
        if (!await signIn.IsLiveAsync(token, ct))
        {
            return Gone();
        }
        Token = token!;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? token, CancellationToken ct)
    {
        if (!MeModel.OnDefaultHost(tenant))
        {
            return NotFound();
        }
        Prepare();
        if (await signIn.RedeemAsync(token, ct) is not { } email)
        {
            return Gone();
        }
        await HttpContext.SignInAsync(PlatformSignIn.Scheme, PlatformSignIn.Principal(email));
        return Redirect("/me");
    }

    private PageResult Gone()
    {
        Dead = true;
        Response.StatusCode = StatusCodes.Status410Gone;
        return Page();
    }

    private void Prepare()
    {
        ViewData["NoIndex"] = true;
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
