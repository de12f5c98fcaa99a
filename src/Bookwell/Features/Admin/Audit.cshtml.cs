using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;

/// <summary>
/// Settings → client data log: every erase, merge, export and import of a client, newest first, 50 a page. The
/// log holds ids only; the page shows the current name of the user, key and client they point at. Owner only.
/// </summary>
[Authorize(Policy = Policies.Owner)]
public sealed class AuditModel : AdminPageModel
{
    public const int PageSize = 50;
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;
    public List<CrmAuditEntry> Items { get; private set; } = [];
    public int Total { get; private set; }
    public Dictionary<string, string> Actors { get; } = new(StringComparer.Ordinal);
    public Dictionary<Guid, string> Clients { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var rows = CrmAudit.Newest(Db, null);
        Total = await rows.CountAsync(ct);
        PageNumber = Math.Clamp(PageNumber, 1, Math.Max(1, (Total + PageSize - 1) / PageSize));
        Items = await rows.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        var users = Items.Select(a => a.Actor).Where(a => a.StartsWith("user:", StringComparison.Ordinal)).Select(a => Guid.TryParse(a[5..], out var g) ? g : Guid.Empty).ToList();
        foreach (var u in await Db.Users.AsNoTracking().Where(u => users.Contains(u.Id) && u.TenantId == Db.TenantId).Select(u => new { u.Id, u.DisplayName }).ToListAsync(ct))
        {
            Actors["user:" + u.Id.ToString("D", CultureInfo.InvariantCulture)] = u.DisplayName;
        }
        var keys = Items.Select(a => a.Actor).Where(a => a.StartsWith("api-key:", StringComparison.Ordinal)).Select(a => Guid.TryParse(a[8..], out var g) ? g : Guid.Empty).ToList();
        foreach (var k in await Db.ApiKeys.AsNoTracking().Where(k => keys.Contains(k.Id)).Select(k => new { k.Id, k.Name }).ToListAsync(ct))
        {
            Actors["api-key:" + k.Id.ToString("D", CultureInfo.InvariantCulture)] = AdminText.L("API key {0}", k.Name);
        }
        var clients = Items.Select(a => a.CustomerId).Concat(Items.Where(a => a.OtherCustomerId != null).Select(a => a.OtherCustomerId!.Value)).Distinct().ToList();
        Clients = await Db.Customers.AsNoTracking().Where(c => clients.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
    }

    public string Who(string actor) => Actors.TryGetValue(actor, out var name) ? name : actor switch
    {
        CrmAudit.Client => AdminText.L("the client (portal)"),
        CrmAudit.Retention => AdminText.L("retention rule"),
        "bootstrap-key" => AdminText.L("setup key"),
        _ => actor,
    };

    public static string What(CrmAuditAction action) => action switch
    {
        CrmAuditAction.Erase => AdminText.L("Erased"),
        CrmAuditAction.Merge => AdminText.L("Merged a duplicate"),
        CrmAuditAction.Export => AdminText.L("Exported data"),
        _ => AdminText.L("Imported"),
    };
}
