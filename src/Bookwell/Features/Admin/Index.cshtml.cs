using Bookwell.Data;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

public sealed class IndexModel(UserManager<AppUser> users) : AdminPageModel
{
    public List<Booking> Today { get; private set; } = [];
    public int Upcoming { get; private set; }
    public int Pending { get; private set; }
    public bool EmailConfirmed { get; private set; } = true;
    public bool MailSetUp { get; private set; }
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public LocalDate Date { get; private set; }
    /// <summary>Just after the owner claimed or signed up: the first steps are shown once.</summary>
    public bool Welcome { get; private set; }
    /// <summary>Staff members whose calendar is stale (issue 16), for managers.</summary>
    public IReadOnlyList<(string Key, string Name, bool Hidden)> StaleCalendars { get; private set; } = [];

    public async Task OnGetAsync(string? welcome, CancellationToken ct)
    {
        Welcome = welcome is "1" or "true";
        Zone = Catalog.Pages.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
        var now = Clock.GetCurrentInstant();
        Date = now.InZone(Zone).Date;
        var from = Zone.AtStartOfDay(Date).ToInstant();
        var to = Zone.AtStartOfDay(Date.PlusDays(1)).ToInstant();
        var query = Db.Bookings.AsNoTracking();
        if (OnlyStaff is not null)
        {
            query = query.Where(b => b.StaffKey == OnlyStaff);
        }
        Today = await query.Where(b => b.StartsAt >= from && b.StartsAt < to).OrderBy(b => b.StartsAt).Take(500).ToListAsync(ct);
        Upcoming = await query.CountAsync(b => b.StartsAt >= now && b.Status != BookingStatus.Cancelled, ct);
        Pending = await query.CountAsync(b => (b.Status == BookingStatus.Pending || b.Status == BookingStatus.PendingPayment) && b.StartsAt >= now, ct);
        var me = await users.GetUserAsync(User);
        EmailConfirmed = me?.EmailConfirmed ?? true;
        MailSetUp = HttpContext.RequestServices.GetServices<Notifications.IEmailSender>().Any();
        if (IsManager)
        {
            StaleCalendars = await Calendars.StaleCalendars.ForAdminAsync(Db, Catalog, now, ct);
        }
    }
}
