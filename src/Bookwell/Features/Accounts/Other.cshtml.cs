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
public sealed class ForgotModel(UserManager<AppUser> users, TenantContext tenant, AccountService accounts, IConfiguration config) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    public bool Sent { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // The answer is the same whether or not the address has an account here.
        Sent = true;
        var user = string.IsNullOrWhiteSpace(Email) || Email.Length > 254 ? null : await users.FindByEmailAsync(Email.Trim());
        if (user is not null && user.TenantId == tenant.TenantId)
        {
            await accounts.QueueResetAsync(user, BookingEndpoints.BaseUrl(Request, config), ct);
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
/// The first owner of a single-business install. Allowed from the machine itself, or from anywhere with
/// the bootstrap key as the set-up code, so a public server cannot be claimed by a passer-by.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class ClaimModel(AccountService accounts, SignInManager<AppUser> signIn, TenantContext tenant, IConfiguration config) : PageModel
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? SetupCode { get; set; }
    public FormErrors Errors { get; private set; } = new();
    /// <summary>
    /// Only a browser on the server itself skips the code. A request that came through a proxy (it carries
    /// X-Forwarded-For, and a proxy on the same machine would make every visitor look local) always needs it.
    /// </summary>
    public bool NeedsCode => HttpContext.Connection.RemoteIpAddress is not { } ip || !System.Net.IPAddress.IsLoopback(ip) ||
                             HttpContext.Request.Headers.ContainsKey("X-Forwarded-For") || HttpContext.Request.Headers.ContainsKey("Forwarded");

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) =>
        tenant.TenantId != DefaultTenant.Id || await accounts.HasOwnerAsync(DefaultTenant.Id, ct) ? Redirect("/admin/login") : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (tenant.TenantId != DefaultTenant.Id)
        {
            return Redirect("/admin/login");
        }
        if (NeedsCode && (config["Bookwell:BootstrapApiKey"] is not { Length: > 0 } key || !string.Equals(SetupCode, key, StringComparison.Ordinal)))
        {
            Errors.Add("SetupCode", "Enter the set-up code (the server's bootstrap key).");
            return Page();
        }
        var (owner, errors) = await accounts.ClaimDefaultAsync(Name ?? "", Email ?? "", Password ?? "", ct);
        if (owner is null)
        {
            Errors = new FormErrors(errors);
            return Page();
        }
        await accounts.QueueVerificationAsync(owner, BookingEndpoints.BaseUrl(Request, config), ct);
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
