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
        // An invitation to a role this version does not know leads nowhere, like an expired one: its member could not sign in.
        return await db.Invitations.FirstOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, ct)
            is { Role: not UserRole.Unknown } found ? found : null;
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
