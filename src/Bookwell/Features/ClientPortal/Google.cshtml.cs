using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Features.ClientPortal;

/// <summary>Starts "Sign in with Google": a POST with an antiforgery token (no other site can start it), then off to the provider.</summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class GoogleModel(ClientGoogle google) : PageModel
{
    public IActionResult OnGet() => Redirect("/account/signin");

    public IActionResult OnPost() => google.Enabled
        ? Challenge(new AuthenticationProperties { RedirectUri = "/account/google/done" }, ClientGoogle.Scheme)
        : NotFound();
}
