using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Signs a client in by password, or asks for a sign-in link. Both answer the same for every well-formed
/// address, known or not: the link form says a link is on its way if the address is a client's; the password
/// form says only that address and password do not match (and takes as long either way, see
/// <see cref="ClientAccounts"/>). The address shown back is the one just typed, which the visitor knows already.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class SignInModel(BookwellDb db, CatalogCache cache, ClientSignIn signIn, ClientAccounts accounts, IClock clock, ClientGoogle google) : PortalPage(db, cache)
{
    public override void OnPageHandlerExecuting(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Every answer of this page may carry the Google button, whose form continues at the provider.
        if (google.Enabled && google.Origin is { } origin)
        {
            Response.Headers.ContentSecurityPolicy = SecurityHeadersMiddleware.Csp("'none'", $"'self' {origin}");
        }
        base.OnPageHandlerExecuting(context);
    }

    public string? SentTo { get; private set; }
    public string? PasswordError { get; private set; }
    public string? PasswordEmail { get; private set; }
    public bool GoogleFailed { get; private set; }
    public bool Deleted { get; private set; }
    /// <summary>Why an organization's personal link no longer keeps the visitor signed in: "link-expired" or "link-revoked", else null.</summary>
    public string? Ended { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? google, string? deleted, string? ended, CancellationToken ct)
    {
        await LoadSiteAsync(null, ct);
        GoogleFailed = google == "failed";
        Deleted = deleted == "1";
        Ended = ended is "link-expired" or "link-revoked" ? ended : null;
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

    public async Task<IActionResult> OnPostPasswordAsync(string? email, string? password, CancellationToken ct)
    {
        await LoadSiteAsync(null, ct);
        PasswordEmail = email is { Length: <= 254 } ? email.Trim() : null;
        var ip = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var (outcome, customer, account, retryAt) = await accounts.PasswordSignInAsync(email, password, ip, ct);
        switch (outcome)
        {
            case ClientAccounts.Outcome.SignedIn:
                await HttpContext.SignInAsync(ClientPortalSetup.Scheme, accounts.Principal(customer!, account, "password"));
                return Redirect("/account");
            case ClientAccounts.Outcome.Blocked:
                var minutes = Math.Max(1, (int)Math.Ceiling((retryAt!.Value - clock.GetCurrentInstant()).TotalMinutes));
                PasswordError = PortalText.P("password-blocked", minutes);
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return Page();
            default:
                PasswordError = PortalText.P("password-wrong");
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
        }
    }
}
