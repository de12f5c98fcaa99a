using Bookwell.Data;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Accounts;


[EnableRateLimiting(RateLimits.Accounts)]
public sealed class ForgotModel(UserManager<AppUser> users, TenantContext tenant, AccountService accounts) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    public bool Sent { get; private set; }
    /// <summary>No reset link can be sent from this business at all (no canonical address); said to everyone alike.</summary>
    public bool NoAddress { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // The answer is the same whether or not the address has an account here.
        if (await accounts.AccountBaseUrlAsync(tenant.TenantId, ct) is null)
        {
            NoAddress = true;
            return Page();
        }
        Sent = true;
        var user = string.IsNullOrWhiteSpace(Email) || Email.Length > 254 ? null : await users.FindByEmailAsync(Email.Trim());
        if (user is not null && user.TenantId == tenant.TenantId)
        {
            await accounts.QueueResetAsync(user, ct);
        }
        return Page();
    }
}
