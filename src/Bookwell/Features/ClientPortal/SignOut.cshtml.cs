using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Bookwell.Features.ClientPortal;

/// <summary>Signing out is a POST with an antiforgery token, so no other site can sign a client out with a link.</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/account");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ClientPortalSetup.Scheme);
        return Redirect("/account/signin");
    }
}
