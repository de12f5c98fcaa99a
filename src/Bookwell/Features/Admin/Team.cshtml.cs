using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;


/// <summary>The people who sign in: invitations by e-mail with a role, role changes, removal. Owner only.</summary>
[Authorize(Policy = Policies.Owner)]
public sealed class TeamModel(AccountService accounts, UserManager<AppUser> users) : AdminPageModel
{
    public List<AppUser> Members { get; private set; } = [];
    public List<Invitation> Invitations { get; private set; } = [];
    public FormErrors Errors { get; private set; } = new();
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Role { get; set; }
    [BindProperty] public string? StaffKey { get; set; }

    private async Task LoadAsync(CancellationToken ct)
    {
        Members = await Db.Users.AsNoTracking().Where(u => u.TenantId == Db.TenantId).OrderBy(u => u.DisplayName).ToListAsync(ct);
        var hosts = await Db.Tenants.Where(t => t.Id == Db.TenantId).Select(t => new { t.Host, t.PendingHost, t.PendingHostToken, t.IsDefault }).FirstAsync(ct);
        (Domain, PendingDomain, PendingToken, IsDefault) = (hosts.Host, hosts.PendingHost, hosts.PendingHostToken, hosts.IsDefault);
        var now = Clock.GetCurrentInstant();
        Invitations = await Db.Invitations.AsNoTracking().Where(i => i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .OrderByDescending(i => i.CreatedAt).ToListAsync(ct);
    }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken ct)
    {
        var e = new Errors();
        AccountService.CheckEmail(Email, e);
        if (!Roles.TryParse(Role, out var role))
        {
            e.Add("Role", "Choose a role.");
        }
        var staffKeys = Catalog.Pages.Values.SelectMany(p => p.Staff).Select(s => s.Key).ToHashSet();
        if (role == UserRole.Staff && (StaffKey is null || !staffKeys.Contains(StaffKey)))
        {
            e.Add("StaffKey", "Choose which staff member this person is.");
        }
        // Whether the address has an account (here or at another business) is not told: the invitation goes out
        // either way, and only its recipient learns, on accepting, that the address is taken.
        if (e.Any)
        {
            Errors = new FormErrors(e);
            await LoadAsync(ct);
            return Page();
        }
        if (await accounts.InviteAsync(Db.TenantId, Email!, role, role == UserRole.Staff ? StaffKey : null, User.FindFirst(BookwellClaims.Name)?.Value ?? AdminText.L("The owner"),
            BusinessName, ct) is null)
        {
            Errors.Add("Email", AccountService.NoAddress);
            await LoadAsync(ct);
            return Page();
        }
        TempData["Flash"] = AdminText.L("Invitation sent to {0}.", Email!.Trim());
        return Redirect("/admin/team");
    }

    /// <summary>
    /// The business's name and its own domain. A new domain is only recorded as pending: it routes nothing
    /// until <see cref="OnPostVerifyDomainAsync"/> has found the token on it.
    /// </summary>
    public async Task<IActionResult> OnPostBusinessAsync(string? name, string? domain, [FromServices] CustomDomains domains, CancellationToken ct)
    {
        var e = new Errors();
        AccountService.CheckName(name, e, "name");
        var host = CustomDomains.Normalize(domain);
        var tenant = await Db.Tenants.FirstAsync(t => t.Id == Db.TenantId, ct);
        var asked = host is not null && host != tenant.Host && host != tenant.PendingHost;
        if (asked && tenant.IsDefault)
        {
            // The default business's host is the install's own (Bookwell__PublicBaseUrl), set by whoever runs the server.
            e.Add("domain", "The default business answers on this server's own address; its domain is set in the server's configuration (Bookwell__PublicBaseUrl).");
        }
        else if (asked && await domains.RefusalAsync(host!, tenant.Id, ct) is { } refused)
        {
            e.Add("domain", refused);
        }
        if (e.Any)
        {
            Errors = new FormErrors(e);
            await LoadAsync(ct);
            return Page();
        }
        tenant.Name = name!.Trim();
        if (asked)
        {
            CustomDomains.Request(tenant, host!);
        }
        await Db.SaveChangesAsync(ct);
        TempData["Flash"] = asked ? AdminText.L("Saved. The domain takes effect once it is verified: follow the steps below.") : AdminText.L("Saved.");
        return Redirect("/admin/team");
    }

    public async Task<IActionResult> OnPostVerifyDomainAsync([FromServices] CustomDomains domains, CancellationToken ct)
    {
        var tenant = await Db.Tenants.FirstAsync(t => t.Id == Db.TenantId, ct);
        var problem = await domains.VerifyAsync(tenant, ct);
        if (problem is not null)
        {
            TempData["FlashBad"] = AdminText.L(problem);
            return Redirect("/admin/team");
        }
        TempData["Flash"] = AdminText.L("Domain verified: the business now answers on {0}.", tenant.Host!);
        return Redirect("/admin/team");
    }

    public async Task<IActionResult> OnPostCancelDomainAsync(CancellationToken ct)
    {
        await Db.Tenants.Where(t => t.Id == Db.TenantId).ExecuteUpdateAsync(s => s.SetProperty(t => t.PendingHost, (string?)null).SetProperty(t => t.PendingHostToken, (string?)null), ct);
        return Redirect("/admin/team");
    }

    public string? Domain { get; private set; }
    public string? PendingDomain { get; private set; }
    public string? PendingToken { get; private set; }
    public bool IsDefault { get; private set; }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken ct)
    {
        await Db.Invitations.Where(i => i.Id == id && i.AcceptedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, (Instant?)Clock.GetCurrentInstant()), ct);
        return Redirect("/admin/team");
    }

    public async Task<IActionResult> OnPostRoleAsync(Guid id, string? role, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null || user.TenantId != Db.TenantId || !Roles.TryParse(role, out var to))
        {
            return NotFound();
        }
        if (user.Role == UserRole.Owner && to != UserRole.Owner && await Db.Users.CountAsync(u => u.TenantId == Db.TenantId && u.Role == UserRole.Owner, ct) == 1)
        {
            TempData["FlashBad"] = AdminText.L("A business needs at least one owner.");
            return Redirect("/admin/team");
        }
        user.Role = to;
        await users.UpdateAsync(user);
        // Sessions carry the role: a new stamp makes them re-read it within minutes.
        await users.UpdateSecurityStampAsync(user);
        TempData["Flash"] = AdminText.L("Role changed.");
        return Redirect("/admin/team");
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null || user.TenantId != Db.TenantId)
        {
            return NotFound();
        }
        if (user.Id.ToString() == users.GetUserId(User))
        {
            TempData["FlashBad"] = AdminText.L("You cannot remove yourself.");
            return Redirect("/admin/team");
        }
        await users.DeleteAsync(user);
        TempData["Flash"] = AdminText.L("Removed.");
        return Redirect("/admin/team");
    }
}
