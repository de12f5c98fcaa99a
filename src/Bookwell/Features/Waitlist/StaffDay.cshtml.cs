using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// "View waitlist" in the PIN staff dashboard (seed 001): the staff member's day of the waitlist (their own entries and those
/// for anyone that they could serve) with the dashboard's one-click offer (<see cref="WaitlistDay"/>).
/// </summary>
[Authorize(Policy = Policies.StaffApp)]
public sealed class StaffDayModel(BookwellDb db, CatalogCache cache, WaitlistOfferer offers, IClock clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    public LocalDate Day { get; private set; }
    public List<WaitlistEntry> Items { get; private set; } = [];
    /// <summary>Set when <see cref="Date"/> cannot be read: the page says so at the field and lists no day.</summary>
    public string? DateError { get; private set; }
    public TenantCatalog Catalog { get; private set; } = null!;
    public string StaffKey => User.FindFirstValue(BookwellClaims.StaffKey) ?? "";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Catalog = await cache.GetAsync(db, ct);
        ViewData["Business"] = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.Name).FirstAsync(ct);
        // The staff member's day is in the zone of the page they work on, as on their agenda.
        var zone = Catalog.Pages.Values.FirstOrDefault(p => p.Staff.Any(s => s.Key == StaffKey))?.Zone ?? DateTimeZone.Utc;
        var today = clock.GetCurrentInstant().InZone(zone).Date;
        (Day, DateError) = WaitlistDay.Pick(Date, today, Response);
        if (DateError is null)
        {
            Items = await WaitlistDay.ListAsync(db, Catalog, TimeFormats.FormatDate(Day), StaffKey, ct);
        }
    }

    public async Task<IActionResult> OnPostOfferAsync(Guid id, CancellationToken ct)
    {
        Catalog = await cache.GetAsync(db, ct);
        if (await WaitlistDay.OfferAsync(db, Catalog, offers, id, StaffKey, ct) is not { } outcome)
        {
            return NotFound();
        }
        TempData[outcome.Done ? "Flash" : "FlashBad"] = WaitlistText.Words[outcome.TextKey];
        return Redirect($"/staff/waitlist?date={outcome.Date}");
    }

    public CompiledPage? PageOf(string slug) => Catalog.Pages.TryGetValue(slug, out var p) ? p : null;
}
