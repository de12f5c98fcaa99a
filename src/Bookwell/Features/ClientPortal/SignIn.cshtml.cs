using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Asks for a sign-in link. The answer is the same for every well-formed address, known or not; the address
/// shown back is the one just typed, which the visitor knows already.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class SignInModel(BookwellDb db, CatalogCache cache, ClientSignIn signIn) : PortalPage(db, cache)
{
    public string? SentTo { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadSiteAsync(null, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? email, CancellationToken ct)
    {
        await LoadSiteAsync(null, ct);
        if (!ClientSignIn.IsValidEmail(email))
        {
            ViewData["EmailError"] = PortalText.P("email-invalid");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await signIn.RequestAsync(email!, ct);
        SentTo = email!.Trim();
        return Page();
    }
}
