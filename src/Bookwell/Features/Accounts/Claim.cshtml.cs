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


/// <summary>
/// The first owner of a single-business install. Always needs the set-up code: the link printed at start-up
/// carries it, or the operator's configured code or bootstrap key. Where the request comes from is no proof.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class ClaimModel(AccountService accounts, SignInManager<AppUser> signIn, TenantContext tenant, IConfiguration config, SetupCodes codes) : PageModel
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? SetupCode { get; set; }
    public FormErrors Errors { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync(string? code, CancellationToken ct)
    {
        if (tenant.TenantId != DefaultTenant.Id || await accounts.HasOwnerAsync(DefaultTenant.Id, ct))
        {
            return Redirect("/admin/login");
        }
        // The start-up link carries the code; the form carries it on, so the person only types their details.
        SetupCode = code is { Length: <= 200 } ? code : null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (tenant.TenantId != DefaultTenant.Id)
        {
            return Redirect("/admin/login");
        }
        if (!codes.Matches(SetupCode))
        {
            Errors.Add("SetupCode", "Enter the set-up code: open the set-up link the server printed when it started.");
            return Page();
        }
        var (owner, errors) = await accounts.ClaimDefaultAsync(Name ?? "", Email ?? "", Password ?? "", ct);
        if (owner is null)
        {
            Errors = new FormErrors(errors);
            return Page();
        }
        if (!await accounts.QueueVerificationAsync(owner, ct))
        {
            TempData["FlashBad"] = AdminText.L(AccountService.NoAddress);
        }
        if (config.GetValue("Bookwell:SeedDemo", true))
        {
            await Configuration.DemoSeed.SeedBookingsAsync(HttpContext.RequestServices, ct);
        }
        await signIn.SignInAsync(owner, isPersistent: false);
        return Redirect("/admin?welcome=1");
    }
}
