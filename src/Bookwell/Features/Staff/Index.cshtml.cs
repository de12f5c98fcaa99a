using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Staff;


/// <summary>The staff member's day: agenda with statuses, status changes, and a walk-in in one click.</summary>
public sealed class IndexModel(BookwellDb db, CatalogCache cache, BookingCreator writer, BookingLifecycle lifecycle, IClock clock, IConfiguration config) : PageModel
{
    public string Name => User.FindFirstValue(BookwellClaims.Name) ?? "";
    public string StaffKey => User.FindFirstValue(BookwellClaims.StaffKey) ?? "";
    public List<Booking> Agenda { get; private set; } = [];
    public TenantCatalog Catalog { get; private set; } = null!;
    public List<(CompiledPage Page, ServiceModel Service)> WalkInServices { get; private set; } = [];
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public LocalDate Today { get; private set; }
    /// <summary>The day's visits at a client's address, by booking: the route in order of the agenda.</summary>
    public Dictionary<Guid, RouteStop> Route { get; private set; } = [];
    /// <summary>
    /// The desk checkout lives in the dashboard (/admin/checkout), behind the dashboard's own sign-in: a manager sees every
    /// booking there, a staff account only its own. The PIN session is not that sign-in, so "Check out" shows only when
    /// this browser is also signed in to the dashboard as someone allowed to check out this staff member's bookings.
    /// </summary>
    public bool CanCheckOut { get; private set; }
    /// <summary>Today's bookings already checked out at the desk, with their receipt.</summary>
    public Dictionary<Guid, Guid> Receipts { get; private set; } = [];
    /// <summary>Today's class sessions this staff member teaches, with their attendees (shown as sessions, not one row per member).</summary>
    public List<Classes.ClassSession> Sessions { get; private set; } = [];

    /// <summary>Whether a page this staff member works on has a waitlist: the day's waitlist is then a link away.</summary>
    public bool HasWaitlist { get; private set; }

    /// <summary>The app's clock when the page was made (the check-in button shows only inside a booking's check-in window).</summary>
    public Instant Now { get; private set; }

    private async Task LoadAsync(CancellationToken ct)
    {
        Catalog = await cache.GetAsync(db, ct);
        ViewData["Business"] = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.Name).FirstAsync(ct);
        var pages = Catalog.Pages.Values.Where(p => p.Staff.Any(s => s.Key == StaffKey)).ToList();
        Zone = pages.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
        HasWaitlist = pages.Exists(p => BranchSettings.WaitlistOn(p, null));
        var now = clock.GetCurrentInstant();
        Now = now;
        Today = now.InZone(Zone).Date;
        var from = Zone.AtStartOfDay(Today).ToInstant();
        var to = Zone.AtStartOfDay(Today.PlusDays(1)).ToInstant();
        // Each part of a visit is its own person's, at its own time (issue 15): the second person sees their part, not the first's.
        var needle = Visits.StaffNeedle(StaffKey);
        var candidates = await db.Bookings.AsNoTracking()
            .Where(b => (b.StaffKey == StaffKey || (b.VisitPartsJson != null && b.VisitPartsJson.Contains(needle))) && b.StartsAt < to && b.EndsAt > from)
            .ToListAsync(ct);
        Agenda = [.. candidates.SelectMany(Visits.PerPerson)
            .Where(b => b.StaffKey == StaffKey && b.StartsAt >= from && b.StartsAt < to && b.GroupKey?.StartsWith(Classes.ClassSessions.GroupPrefix, StringComparison.Ordinal) != true)
            .OrderBy(b => b.StartsAt)];
        Sessions = await Classes.ClassSessions.ListAsync(db, Catalog, now, from, to, StaffKey, null, null, ct);
        Route = RouteStop.For(Agenda, Catalog);
        var dashboard = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (dashboard.Succeeded && dashboard.Principal.FindFirstValue(BookwellClaims.Tenant) == db.TenantId.ToString())
        {
            var onlyStaff = AccountSetup.StaffKeyOf(dashboard.Principal);
            CanCheckOut = onlyStaff is null || onlyStaff == StaffKey;
        }
        var ids = Agenda.Select(b => (Guid?)b.Id).Distinct().ToList();
        Receipts = await db.Set<Checkout.DeskSale>().AsNoTracking().Where(s => ids.Contains(s.BookingId)).ToDictionaryAsync(s => s.BookingId!.Value, s => s.Id, ct);
        WalkInServices = pages.SelectMany(p => p.Services.Values
            .Where(s => s.Doc.Active != false && s.Rules.Capacity == 1 && p.StaffFor(s.Key).Any(x => x.Key == StaffKey))
            .Select(s => (p, s))).ToList();
    }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostStatusAsync(Guid id, string? to, CancellationToken ct)
    {
        var needle = Visits.StaffNeedle(StaffKey);
        var booking = await db.Bookings.AsNoTracking()
            .FirstOrDefaultAsync(b => b.Id == id && (b.StaffKey == StaffKey || (b.VisitPartsJson != null && b.VisitPartsJson.Contains(needle))), ct);
        if (booking is not null && !Visits.PerPerson(booking).Any(p => p.StaffKey == StaffKey))
        {
            booking = null;
        }
        var target = new Errors().Read<BookingStatus>("to", to, [BookingStatus.Confirmed, BookingStatus.InProgress, BookingStatus.Completed, BookingStatus.NoShow]);
        if (booking is null || target is not { } next)
        {
            return NotFound();
        }
        var catalog = await cache.GetAsync(db, ct);
        catalog.Pages.TryGetValue(booking.PageSlug, out var page);
        var by = $"staff:{Name}";
        var result = booking.Status == BookingStatus.NoShow
            ? await lifecycle.CorrectAsync(id, next, new Actor(by[..Math.Min(by.Length, 100)], null, page), ct)
            : await lifecycle.ChangeStatusAsync(id, next, new Actor(by[..Math.Min(by.Length, 100)], MailContexts.For(Request, config), page), ct);
        TempData[result is WriteResult.Done ? "Flash" : "FlashBad"] = result switch
        {
            WriteResult.Done => AdminText.L("Done."),
            WriteResult.TooEarly early => AdminPageModel.TooEarlyText(early),
            _ => AdminText.L("That change is not possible now."),
        };
        return Redirect("/staff");
    }

    public Task<IActionResult> OnPostCheckInAsync(Guid booking, CancellationToken ct) => AttendanceAsync(booking, undo: false, ct);

    public Task<IActionResult> OnPostUndoCheckInAsync(Guid booking, CancellationToken ct) => AttendanceAsync(booking, undo: true, ct);

    /// <summary>Checks an attendee of one of this staff member's sessions in (or undoes it), through the lifecycle seam.</summary>
    private async Task<IActionResult> AttendanceAsync(Guid booking, bool undo, CancellationToken ct)
    {
        var outcome = await Classes.Attendance.ChangeAsync(db, await cache.GetAsync(db, ct), lifecycle, booking, undo, StaffKey, $"staff:{Name}", ct);
        if (outcome is not { } o)
        {
            return NotFound();
        }
        TempData[o.Done ? "Flash" : "FlashBad"] = o.Message;
        return Redirect("/staff#attendee-" + booking);
    }

    public async Task<IActionResult> OnPostWalkInAsync(string? site, string? service, string? name, CancellationToken ct)
    {
        await LoadAsync(ct);
        var choice = WalkInServices.FirstOrDefault(x => x.Page.Slug == site && x.Service.Key == service);
        if (choice.Page is null)
        {
            return NotFound();
        }
        var clientName = string.IsNullOrWhiteSpace(name) ? AdminText.L("Walk-in client") : name.Trim();
        var errors = new Errors();
        var valid = BookingValidation.Validate(new BookingRequest
        {
            Service = choice.Service.Key,
            Staff = StaffKey,
            WalkIn = true,
            // No address: the walk-in books under the business's one walk-in client (CustomerBook.WalkInAsync), in
            // the booking's own transaction; the booking keeps the name given.
            Customer = new CustomerInput { Name = clientName.Length > 200 ? clientName[..200] : clientName },
        }, choice.Page, errors, admin: true, TextSet.CurrentLanguage);
        if (valid is null)
        {
            TempData["FlashBad"] = string.Join(" ", errors.ToDictionary().SelectMany(kv => kv.Value));
            return Redirect("/staff");
        }
        var by = $"staff:{Name}"[..Math.Min(Name.Length + 6, 100)];
        // The client is in the chair: the walk-in is in progress from the start, written as such in one go.
        var result = await writer.CreateAsync(valid, by, MailContexts.For(Request, config), ct, startNow: true);
        TempData[result is WriteResult.Done ? "Flash" : "FlashBad"] = result is WriteResult.Done
            ? AdminText.L("Walk-in started: {0}.", choice.Service.Doc.Name ?? "")
            : AdminText.L("You are not free right now for this service.");
        return Redirect("/staff");
    }

    public async Task<IActionResult> OnPostLogoutAsync()
    {
        await HttpContext.SignOutAsync(AccountSetup.StaffScheme);
        return Redirect("/staff/login");
    }
}
