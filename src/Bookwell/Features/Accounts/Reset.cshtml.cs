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
public sealed class ResetModel(UserManager<AppUser> users, TenantContext tenant) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "user")] public string? UserId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Token { get; set; }
    [BindProperty] public string? Password { get; set; }
    public FormErrors Errors { get; private set; } = new();
    public bool Done { get; private set; }

    public async Task<IActionResult> OnPostAsync()
    {
        var e = new Errors();
        AccountService.CheckPassword(Password, e);
        if (e.Any)
        {
            Errors = new FormErrors(e);
            return Page();
        }
        // The store parses the id as a Guid and throws on anything else, so only a Guid is looked up.
        var user = Guid.TryParse(UserId, out _) ? await users.FindByIdAsync(UserId!) : null;
        if (user is null || user.TenantId != tenant.TenantId || Token is null)
        {
            Errors.Add("Token", "This link is not valid or has expired. Ask for a new one.");
            return Page();
        }
        var result = await users.ResetPasswordAsync(user, Token, Password!);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                Errors.Add(error.Code == "InvalidToken" ? "Token" : "Password",
                    error.Code == "InvalidToken" ? "This link is not valid or has expired. Ask for a new one." : error.Description);
            }
            return Page();
        }
        // A reset proves the mailbox, and ends a lockout the owner of the account may be stuck in.
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        if (!user.EmailConfirmed)
        {
            user.EmailConfirmed = true;
            await users.UpdateAsync(user);
        }
        Done = true;
        return Page();
    }
}
