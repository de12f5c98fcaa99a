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
public sealed class SignupModel(AccountService accounts) : PageModel
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
        if (existing is not null)
        {
            // The address has an account: its owner hears about the attempt, the visitor sees what a new sign-up sees.
            await accounts.QueueSignupAttemptAsync(existing, ct);
            Sent = true;
            return Page();
        }
        if (owner is null || tenant is null)
        {
            Errors = new FormErrors(errors);
            return Page();
        }
        // The owner confirms the address from the e-mail and signs in on the new address, as anyone whose
        // address was taken would be told to: the answer does not say which addresses have accounts.
        await accounts.QueueVerificationAsync(owner, ct);
        Sent = true;
        return Page();
    }
}
