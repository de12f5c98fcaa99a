using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Calendars;

/// <summary>Sync health per busy source, and each staff member's secret feed address with a way to replace it.</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class SyncPageModel(CalendarSync sync, IDataProtectionProvider protection, TenantLinks links, Data.TenantContext tenant) : AdminPageModel
{
    public IReadOnlyList<SourceStatus> Sources { get; private set; } = [];

    public IReadOnlyList<(string Key, string Name, string? Url)> Staff { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Sources = (await CalendarEndpoints.ListAsync(Db, ct)).Items;
        var tokens = await CalendarFeeds.ExistingAsync(Db, protection, CalendarFeeds.StaffKind, ct);
        var baseUrl = links.BaseUrl(tenant);
        Staff = [.. Catalog.Pages.Values.SelectMany(p => p.Staff).DistinctBy(s => s.Key)
            .Select(s => (s.Key, s.Name, tokens.TryGetValue(s.Key, out var t) ? CalendarFeeds.Url(baseUrl, t) : null))];
    }

    public async Task<IActionResult> OnPostSyncAsync(CancellationToken ct)
    {
        await sync.SyncTenantAsync(Db.TenantId, ct);
        TempData["Flash"] = CalendarText.Words["synced"];
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostFeedAsync(string? staff, bool rotate, CancellationToken ct)
    {
        var member = Catalog.Pages.Values.SelectMany(p => p.Staff).FirstOrDefault(s => s.Key == staff);
        if (member is null)
        {
            return NotFound();
        }
        if (rotate)
        {
            await CalendarFeeds.RotateAsync(Db, protection, CalendarFeeds.StaffKind, member.Key, Clock.GetCurrentInstant(), ct);
            TempData["Flash"] = CalendarText.Words.Format("rotated", member.Name);
        }
        else
        {
            await CalendarFeeds.TokenAsync(Db, protection, CalendarFeeds.StaffKind, member.Key, Clock.GetCurrentInstant(), ct);
        }
        return RedirectToPage();
    }
}
