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

public sealed class LogoutModel(SignInManager<AppUser> signIn) : PageModel
{
    public IActionResult OnGet() => Redirect("/admin");

    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        return Redirect("/admin/login");
    }
}

public sealed class DeniedModel : PageModel;

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

[EnableRateLimiting(RateLimits.Accounts)]
public sealed class InviteModel(BookwellDb db, UserManager<AppUser> users, SignInManager<AppUser> signIn, IClock clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Token { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Password { get; set; }
    public Invitation? Invitation { get; private set; }
    public FormErrors Errors { get; private set; } = new();

    private async Task<Invitation?> FindAsync(CancellationToken ct)
    {
        if (Token is not { Length: > 20 and < 100 })
        {
            return null;
        }
        var hash = AccountService.HashToken(Token);
        var now = clock.GetCurrentInstant();
        return await db.Invitations.FirstOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, ct);
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Invitation = await FindAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        Invitation = await FindAsync(ct);
        if (Invitation is null)
        {
            return Page();
        }
        var e = new Errors();
        AccountService.CheckName(Name, e);
        AccountService.CheckPassword(Password, e);
        if (await users.FindByEmailAsync(Invitation.Email) is not null)
        {
            e.Add("Name", "An account with this e-mail address exists already.");
        }
        if (e.Any)
        {
            Errors = new FormErrors(e);
            return Page();
        }
        var now = clock.GetCurrentInstant();
        var user = AccountService.NewUser(Invitation.TenantId, Invitation.Email, Name!, Invitation.Role, Invitation.StaffKey, now);
        // The invitation arrived by e-mail, so following it proves the address.
        user.EmailConfirmed = true;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var created = await users.CreateAsync(user, Password!);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors)
            {
                Errors.Add("Password", error.Description);
            }
            return Page();
        }
        Invitation.AcceptedAt = now;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await signIn.SignInAsync(user, isPersistent: false);
        return Redirect("/admin");
    }
}
