using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>The waitlist of one day in the dashboard, in join order, with a one-click offer of the first free time that fits.</summary>
[Authorize(Policy = Policies.Member)]
public sealed class AdminDayModel(WaitlistOfferer offers) : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    public LocalDate Day { get; private set; }
    public List<WaitlistEntry> Items { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Day = TimeFormats.TryParseDate(Date, out var d) ? d
            : Clock.GetCurrentInstant().InZone(Catalog.Pages.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc).Date;
        var day = Iso(Day);
        var query = Db.WaitlistEntries.AsNoTracking().Where(w => w.Date == day);
        if (OnlyStaff is { } mine)
        {
            query = query.Where(w => w.StaffKey == null || w.StaffKey == mine);
        }
        Items = await query.OrderBy(w => w.Id).Take(500).ToListAsync(ct);
    }

    public async Task<IActionResult> OnPostOfferAsync(Guid id, CancellationToken ct)
    {
        var entry = await Db.WaitlistEntries.AsNoTracking().FirstOrDefaultAsync(w => w.Key == id, ct);
        if (entry is null || (OnlyStaff is { } mine && entry.StaffKey is not null && entry.StaffKey != mine))
        {
            return NotFound();
        }
        var page = PageOf(entry.PageSlug);
        var done = page is not null && entry.Status == WaitlistStatus.Waiting && await offers.OfferAsync(entry, page, null, ct);
        TempData[done ? "Flash" : "FlashBad"] = WaitlistText.Words[done ? "admin-offered" : "admin-no-time"];
        return Redirect($"/admin/waitlist?date={entry.Date}");
    }
}
