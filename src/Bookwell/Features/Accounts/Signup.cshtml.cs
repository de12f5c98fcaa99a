using Bookwell.Data;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Accounts;

[EnableRateLimiting(RateLimits.Accounts)]
public sealed class SignupModel(AccountService accounts, BookwellDb db) : PageModel
{
    [BindProperty] public string? BusinessName { get; set; }
    [BindProperty] public string? Subdomain { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }

    public FormErrors Errors { get; private set; } = new();
    public string Domain => accounts.TenantDomain;
    public bool Open => accounts.SignupOpen;

    /// <summary>The form went through: the same answer whether the address was new or had an account already.</summary>
    public bool Sent { get; private set; }

    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!Open)
        {
            return NotFound();
        }
        var (owner, tenant, errors, existing) = await accounts.SignupAsync(new SignupRequest(BusinessName ?? "", Subdomain ?? "", Name ?? "", Email ?? "", Password ?? ""), ct);
        var port = Request.Host.Port is { } p && p is not 80 and not 443 ? $":{p}" : "";
        if (existing is not null)
        {
            // The address has an account: its owner hears about the attempt, the visitor sees what a new sign-up sees.
            var host = await db.Tenants.Where(t => t.Id == existing.TenantId).Select(t => t.Host).FirstOrDefaultAsync(ct) ?? Request.Host.Host;
            await accounts.QueueSignupAttemptAsync(existing, $"{Request.Scheme}://{host}{port}", ct);
            Sent = true;
            return Page();
        }
        if (owner is null || tenant is null)
        {
            Errors = new FormErrors(errors);
            return Page();
        }
        // The owner signs in after confirming the address from the e-mail, as anyone whose address was taken would.
        await accounts.QueueVerificationAsync(owner, $"{Request.Scheme}://{tenant.Host}{port}", ct);
        Sent = true;
        return Page();
    }
}
