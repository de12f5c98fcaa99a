using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Admin;

/// <summary>What every dashboard page needs: the tenant's name for the header, its catalog, and whether the
/// signed-in person is a staff member who sees only their own bookings.</summary>
public abstract class AdminPageModel : PageModel
{
    protected BookwellDb Db => HttpContext.RequestServices.GetRequiredService<BookwellDb>();

    protected IClock Clock => HttpContext.RequestServices.GetRequiredService<IClock>();

    public TenantCatalog Catalog { get; private set; } = null!;

    public string BusinessName { get; private set; } = "";

    /// <summary>Null for owners and admins; the staff key for a staff account.</summary>
    public string? OnlyStaff => AccountSetup.StaffKeyOf(User);

    public bool IsManager => OnlyStaff is null;

    /// <summary>Who did it, for a booking's history: the role and the person's name.</summary>
    public string Actor
    {
        get
        {
            var who = $"{User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "admin"}:{User.FindFirst(BookwellClaims.Name)?.Value}";
            return who.Length > 100 ? who[..100] : who;
        }
    }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var db = Db;
        Catalog = await HttpContext.RequestServices.GetRequiredService<CatalogCache>().GetAsync(db, HttpContext.RequestAborted);
        BusinessName = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.Name).FirstOrDefaultAsync(HttpContext.RequestAborted) ?? "";
        ViewData["Business"] = BusinessName;
        await next();
    }

    /// <summary>
    /// Moves a booking to a local date and time on its page (and to another staff member if named), through
    /// the same writer and rules as a client's reschedule, and says what happened in the flash message.
    /// Used by the calendar's drag and drop and by the booking's reschedule form.
    /// </summary>
    protected async Task<LocalDate?> MoveAsync(Booking booking, CompiledPage page, string? date, string? time, string? staff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(page);
        var service = page.Services.GetValueOrDefault(booking.ServiceKey);
        if (service is null || !Infrastructure.TimeFormats.TryParseDate(date, out var day) ||
            !Scheduling.Availability.TimeRange.TryParseMinute(time, out var minute) || minute >= 24 * 60)
        {
            TempData["FlashBad"] = AdminText.L("Choose a date and a time.");
            return null;
        }
        var start = page.Zone.AtLeniently(day.At(new LocalTime(minute / 60, minute % 60))).ToInstant();
        if (string.IsNullOrEmpty(staff) || page.Staff.All(s => s.Key != staff) || (OnlyStaff is not null && staff != OnlyStaff))
        {
            staff = null;
        }
        var lifecycle = HttpContext.RequestServices.GetRequiredService<Bookings.BookingLifecycle>();
        var mail = Notifications.MailContexts.For(Request, HttpContext.RequestServices.GetRequiredService<IConfiguration>());
        var result = await lifecycle.RescheduleAsync(booking.Id, page, service, start, new Bookings.Actor(Actor, mail, page), ct,
            toStaff: staff == booking.StaffKey ? null : staff);
        TempData[result is Bookings.WriteResult.Done ? "Flash" : "FlashBad"] = result switch
        {
            Bookings.WriteResult.Done => AdminText.L("Booking moved."),
            Bookings.WriteResult.BadTransition => AdminText.L("This booking can no longer be moved."),
            _ => AdminText.L("That time is not free. The booking was not moved."),
        };
        return day;
    }

    public CompiledPage? PageOf(string slug) => Catalog.Pages.TryGetValue(slug, out var p) ? p : null;

    /// <summary>An organization's name as the owner gave it (its key when it is no longer configured), for bookings that carry one.</summary>
    public string OrganizationNameOf(string slug, string key) =>
        PageOf(slug)?.Organizations.TryGetValue(key, out var organization) == true ? organization.Name : key;

    public DateTimeZone ZoneOf(string slug) => PageOf(slug)?.Zone ?? DateTimeZone.Utc;

    public static string HourMinute(Instant at, DateTimeZone zone) => at.InZone(zone).TimeOfDay.ToString("t", CultureInfo.CurrentCulture);

    public static string When(Instant at, DateTimeZone zone) =>
        at.InZone(zone).Date.ToString("ddd d MMM yyyy", CultureInfo.CurrentCulture) + " " + HourMinute(at, zone);

    public static string LongDate(LocalDate date) => date.ToString("dddd d MMMM yyyy", CultureInfo.CurrentCulture);

    public static string Iso(LocalDate date) => LocalDatePattern.Iso.Format(date);

    public static string StatusLabel(Bookings.BookingStatus status) => AdminText.L(status switch
    {
        Bookings.BookingStatus.Pending => "Pending",
        Bookings.BookingStatus.PendingPayment => "Awaiting payment",
        Bookings.BookingStatus.Confirmed => "Confirmed",
        Bookings.BookingStatus.InProgress => "In progress",
        Bookings.BookingStatus.Completed => "Completed",
        Bookings.BookingStatus.NoShow => "No-show",
        Bookings.BookingStatus.Cancelled => "Cancelled",
        _ => status.ToWire(),
    });

    /// <summary>For a status as the API names it (a refused move's "rescheduled" is shown as it is).</summary>
    /// <summary>Why a status cannot be set yet (a no-show before the start), with the moment it can, in the business's time.</summary>
    public static string TooEarlyText(Bookings.WriteResult.TooEarly early)
    {
        ArgumentNullException.ThrowIfNull(early);
        var local = early.Earliest.InZone(early.Zone).LocalDateTime;
        return AdminText.L("Too early: this booking can be marked {0} from {1}.", StatusLabel(early.To),
            LongDate(local.Date) + " " + local.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string StatusLabel(string status) => Data.Wire<Bookings.BookingStatus>.TryParse(status, out var s) ? StatusLabel(s) : status;
}
