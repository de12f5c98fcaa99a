using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>The waitlist of one day in the dashboard, in join order, with a one-click offer of the first free time that fits.</summary>
[Authorize(Policy = Policies.Member)]
public sealed class AdminDayModel(WaitlistOfferer offers) : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    public LocalDate Day { get; private set; }
    public List<WaitlistEntry> Items { get; private set; } = [];
    /// <summary>Set when <see cref="Date"/> cannot be read: the page says so at the field and lists no day.</summary>
    public string? DateError { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var today = Clock.GetCurrentInstant().InZone(Catalog.Pages.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc).Date;
        (Day, DateError) = WaitlistDay.Pick(Date, today, Response);
        if (DateError is null)
        {
            Items = await WaitlistDay.ListAsync(Db, Catalog, Iso(Day), OnlyStaff, ct);
        }
    }

    public async Task<IActionResult> OnPostOfferAsync(Guid id, CancellationToken ct)
    {
        if (await WaitlistDay.OfferAsync(Db, Catalog, offers, id, OnlyStaff, ct) is not { } outcome)
        {
            return NotFound();
        }
        TempData[outcome.Done ? "Flash" : "FlashBad"] = WaitlistText.Words[outcome.TextKey];
        return Redirect($"/admin/waitlist?date={outcome.Date}");
    }
}
