using Bookwell.Data;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Features.Accounts;

[EnableRateLimiting(RateLimits.Accounts)]
public sealed class LoginModel(SignInManager<AppUser> signIn, UserManager<AppUser> users, TenantContext tenant, AccountService accounts) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public bool Remember { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public bool AskCode { get; private set; }
    public bool CanClaim { get; private set; }
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        CanClaim = tenant.TenantId == DefaultTenant.Id && !await accounts.HasOwnerAsync(DefaultTenant.Id, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = string.IsNullOrWhiteSpace(Email) || Email.Length > 254 ? null : await users.FindByEmailAsync(Email.Trim());
        // Another tenant's account fails exactly like a wrong password: nothing tells who has an account where.
        if (user is null || user.TenantId != tenant.TenantId || string.IsNullOrEmpty(Password) || Password.Length > 200)
        {
            // A password is hashed either way, so the answer takes as long for an unknown address as for a known one.
            DummyHash.Verify(users.PasswordHasher, Password);
            Message = L("The e-mail address or password is not right.");
            return Page();
        }
        if (await users.IsLockedOutAsync(user))
        {
            // Identity answers a locked account without hashing; hash anyway so it takes as long as the others.
            DummyHash.Verify(users.PasswordHasher, Password);
            Message = L("The e-mail address or password is not right.");
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(user, Password, Remember, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(SafeReturn(ReturnUrl));
        }
        if (result.RequiresTwoFactor)
        {
            AskCode = true;
            return Page();
        }
        // A locked account answers like a wrong password: a different message would confirm the address has an
        // account. Its owner gets back in by resetting the password, which also ends the lockout.
        Message = L("The e-mail address or password is not right.");
        return Page();
    }

    public async Task<IActionResult> OnPostCodeAsync()
    {
        var code = (Code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (code.Length is < 6 or > 12)
        {
            AskCode = true;
            Message = L("Enter the 6-digit code from your authenticator app.");
            return Page();
        }
        var result = code.Length == 6
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, Remember, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(code);
        if (result.Succeeded)
        {
            return LocalRedirect(SafeReturn(ReturnUrl));
        }
        AskCode = !result.IsLockedOut;
        Message = result.IsLockedOut ? L("Too many attempts: this account is locked for 15 minutes. Try again later or reset your password.") : L("That code is not right. Try the newest code.");
        return Page();
    }

    /// <summary>Only paths inside the dashboard: no other site, no protocol-relative or backslash tricks.</summary>
    public static string SafeReturn(string? url) =>
        url is { Length: > 0 and < 500 } && url.StartsWith("/admin", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) &&
        !url.Contains('\\', StringComparison.Ordinal) && !url.Contains("://", StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url
            : "/admin";

    private static string L(string english) => AdminText.L(english);
}
