using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Features.Accounts;

[EnableRateLimiting(RateLimits.Accounts)]
public sealed class SignupModel(AccountService accounts, TenantLinks links) : PageModel
{
    [BindProperty] public string? BusinessName { get; set; }
    [BindProperty] public string? Subdomain { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }

    public FormErrors Errors { get; private set; } = new();
    public string Domain => accounts.TenantDomain;
    public bool Open => accounts.SignupOpen;

    public IActionResult OnGet()
    {
        AllowHandoff();
        return Page();
    }

    /// <summary>The form's answer redirects to the new business's host; CSP form-action must allow that host.</summary>
    private void AllowHandoff()
    {
        Response.Headers.ContentSecurityPolicy = SecurityHeadersMiddleware.Csp("'none'", $"'self' {links.ForHost("*." + Domain)}");
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!Open)
        {
            return NotFound();
        }
        var (owner, tenant, errors) = await accounts.SignupAsync(new SignupRequest(BusinessName ?? "", Subdomain ?? "", Name ?? "", Email ?? "", Password ?? ""), ct);
        if (owner is null || tenant is null)
        {
            AllowHandoff();
            Errors = new FormErrors(errors);
            return Page();
        }
        var baseUrl = links.ForHost(tenant.Host!);
        await accounts.QueueVerificationAsync(owner, ct);
        return Redirect($"{baseUrl}/admin/handoff?ticket={Uri.EscapeDataString(await accounts.HandoffTicketAsync(owner))}");
    }
}
