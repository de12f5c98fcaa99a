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


/// <summary>API keys for integrations: named, shown once, stored hashed, revocable. Owner only.</summary>
[Authorize(Policy = Policies.Owner)]
public sealed class ApiKeysModel : AdminPageModel
{
    public List<ApiKey> Keys { get; private set; } = [];
    public string? NewKey { get; private set; }
    public FormErrors Errors { get; private set; } = new();

    public async Task OnGetAsync(CancellationToken ct) =>
        Keys = await Db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? name, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            Errors.Add("name", "Give the key a name of at most 100 characters, such as 'Website'.");
            await OnGetAsync(ct);
            return Page();
        }
        var (key, row) = ApiKeys.Create(Db.TenantId, name.Trim(), User.FindFirst(BookwellClaims.Name)?.Value ?? "owner", Clock.GetCurrentInstant());
        Db.ApiKeys.Add(row);
        await Db.SaveChangesAsync(ct);
        NewKey = key;
        await OnGetAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken ct)
    {
        await Db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, (Instant?)Clock.GetCurrentInstant()), ct);
        TempData["Flash"] = AdminText.L("Key revoked.");
        return Redirect("/admin/api-keys");
    }
}
