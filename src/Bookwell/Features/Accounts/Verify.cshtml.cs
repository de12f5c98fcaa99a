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


public sealed class VerifyModel(UserManager<AppUser> users, TenantContext tenant) : PageModel
{
    public bool Ok { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? user, string? token)
    {
        var account = Guid.TryParse(user, out _) && token is { Length: < 2000 } ? await users.FindByIdAsync(user!) : null;
        Ok = account is not null && account.TenantId == tenant.TenantId && (await users.ConfirmEmailAsync(account, token!)).Succeeded;
        return Page();
    }
}
