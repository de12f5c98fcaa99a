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


public sealed class HandoffModel(AccountService accounts, SignInManager<AppUser> signIn, TenantContext tenant) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string? ticket)
    {
        var user = ticket is { Length: < 2000 } ? await accounts.RedeemHandoffAsync(ticket, tenant.TenantId) : null;
        if (user is null)
        {
            return Redirect("/admin/login");
        }
        await signIn.SignInAsync(user, isPersistent: false);
        return Redirect("/admin?welcome=1");
    }
}
