using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using QRCoder;

namespace Bookwell.Features.Admin;


/// <summary>Where staff find their dashboard: link, QR code for a tablet, and how long a PIN session lasts.</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class StaffAppModel : AdminPageModel
{
    public int SessionMinutes { get; private set; }
    public int WithPin { get; private set; }
    public FormErrors Errors { get; } = new();

    public async Task OnGetAsync(CancellationToken ct)
    {
        SessionMinutes = await Db.Tenants.Where(t => t.Id == Db.TenantId).Select(t => t.StaffSessionMinutes).FirstAsync(ct);
        SessionMinutes = SessionMinutes > 0 ? SessionMinutes : 720;
        WithPin = await Db.StaffPins.CountAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(string? minutes, CancellationToken ct)
    {
        if (!int.TryParse(minutes, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) || m is < 5 or > 7 * 24 * 60)
        {
            Errors.Add("minutes", "Between 5 minutes and 7 days (10080 minutes).");
            await OnGetAsync(ct);
            return Page();
        }
        await Db.Tenants.Where(t => t.Id == Db.TenantId).ExecuteUpdateAsync(s => s.SetProperty(t => t.StaffSessionMinutes, m), ct);
        TempData["Flash"] = AdminText.L("Saved.");
        return Redirect("/admin/staff-app");
    }
}
