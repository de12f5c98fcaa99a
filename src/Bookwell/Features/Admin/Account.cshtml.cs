using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;


/// <summary>The signed-in person's own account: password and two-step sign-in with an authenticator app.</summary>
public sealed class AccountModel(UserManager<AppUser> users, SignInManager<AppUser> signIn, IUserStore<AppUser> store) : AdminPageModel
{
    public AppUser Me { get; private set; } = null!;
    public string? AuthenticatorKey { get; private set; }
    public string? AuthenticatorUri { get; private set; }
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }
    public FormErrors Errors { get; private set; } = new();

    private async Task<bool> LoadAsync()
    {
        var me = await users.GetUserAsync(User);
        if (me is null)
        {
            return false;
        }
        Me = me;
        if (!me.TwoFactorEnabled)
        {
            var key = await users.GetAuthenticatorKeyAsync(me);
            if (string.IsNullOrEmpty(key))
            {
                // Not ResetAuthenticatorKeyAsync: that also renews the security stamp, and merely opening this page would sign
                // this person out of every device (this one too) at the next stamp check, a few minutes later.
                key = users.GenerateNewAuthenticatorKey();
                await ((IUserAuthenticatorKeyStore<AppUser>)store).SetAuthenticatorKeyAsync(me, key, HttpContext.RequestAborted);
                await users.UpdateAsync(me);
            }
            AuthenticatorKey = key;
            AuthenticatorUri = $"otpauth://totp/{Uri.EscapeDataString("Bookwell:" + me.Email)}?secret={key}&issuer=Bookwell&digits=6";
        }
        return true;
    }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : Challenge();

    public async Task<IActionResult> OnPostPasswordAsync(string? current, string? password)
    {
        if (!await LoadAsync())
        {
            return Challenge();
        }
        var e = new Errors();
        AccountService.CheckPassword(password, e, "password");
        if (!e.Any)
        {
            var result = await users.ChangePasswordAsync(Me, current ?? "", password!);
            foreach (var error in result.Errors)
            {
                e.Add(error.Code == "PasswordMismatch" ? "current" : "password", error.Code == "PasswordMismatch" ? "This is not your current password." : error.Description);
            }
            if (result.Succeeded)
            {
                await signIn.RefreshSignInAsync(Me);
                TempData["Flash"] = AdminText.L("Password changed.");
                return Redirect("/admin/account");
            }
        }
        Errors = new FormErrors(e);
        return Page();
    }

    public async Task<IActionResult> OnPostEnableAsync(string? code)
    {
        if (!await LoadAsync())
        {
            return Challenge();
        }
        var clean = (code ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(Me, users.Options.Tokens.AuthenticatorTokenProvider, clean))
        {
            Errors.Add("code", "That code is not right. Try the newest code.");
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(Me, true);
        // Turning two-step sign-in on renews the stamp, which ends the other sessions; this one is issued anew and stays.
        await signIn.RefreshSignInAsync(Me);
        RecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(Me, 10))?.ToList();
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync()
    {
        if (!await LoadAsync())
        {
            return Challenge();
        }
        await users.SetTwoFactorEnabledAsync(Me, false);
        await users.ResetAuthenticatorKeyAsync(Me);
        await signIn.RefreshSignInAsync(Me);
        TempData["Flash"] = AdminText.L("Two-step sign-in is off.");
        return Redirect("/admin/account");
    }

    public async Task<IActionResult> OnPostVerifyAsync([FromServices] AccountService accounts, CancellationToken ct)
    {
        if (!await LoadAsync())
        {
            return Challenge();
        }
        if (!await accounts.QueueVerificationAsync(Me, ct))
        {
            TempData["FlashBad"] = AdminText.L(AccountService.NoAddress);
            return Redirect("/admin/account");
        }
        TempData["Flash"] = AdminText.L("We sent you a new link.");
        return Redirect("/admin/account");
    }
}
