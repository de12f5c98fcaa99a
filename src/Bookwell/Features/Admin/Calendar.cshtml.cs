using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Slots;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>Day view (a column per staff member) and week view of one booking page, in that page's time zone.</summary>
public sealed class CalendarModel : AdminPageModel
{
    public const double PixelsPerMinute = 1.2;

    [BindProperty(SupportsGet = true)] public string? View { get; set; }
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    [BindProperty(SupportsGet = true, Name = "site")] public string? PageSlug { get; set; }
    [BindProperty(SupportsGet = true)] public string? Branch { get; set; }
    [BindProperty(SupportsGet = true)] public string? Staff { get; set; }
    [BindProperty(SupportsGet = true)] public string? Service { get; set; }
    /// <summary>Only the bookings made through this organization's links (issue 17).</summary>
    [BindProperty(SupportsGet = true)] public string? Org { get; set; }

    public CompiledPage? Site { get; private set; }
    public LocalDate Day { get; private set; }
    public bool Week => View == "week";
    public int FromMinute { get; private set; } = 8 * 60;
    public int ToMinute { get; private set; } = 18 * 60;
    public List<CalendarColumn> Columns { get; } = [];
    public List<(LocalDate Date, List<Booking> Items)> Days { get; } = [];
    public ServiceModel? FreeFor { get; private set; }
    /// <summary>Parts of visits after the first: shown in their person's column at their own time, but moved only with the visit's first part.</summary>
    public HashSet<Booking> LaterParts { get; } = new(ReferenceEqualityComparer.Instance);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Site = (PageSlug is not null ? PageOf(PageSlug) : null) ?? Catalog.Pages.Values.FirstOrDefault();
        if (Site is null)
        {
            return;
        }
        var zone = Site.Zone;
        var now = Clock.GetCurrentInstant();
        Day = TimeFormats.TryParseDate(Date, out var d) ? d : now.InZone(zone).Date;
        if (Branch is not null && Site.Branches.All(b => b.Key != Branch))
        {
            Branch = null;
        }
        var staffFilter = OnlyStaff ?? Staff;
        if (Week)
        {
            var monday = Day.PlusDays(1 - (int)Day.DayOfWeek);
            var bookings = await LoadAsync(zone.AtStartOfDay(monday).ToInstant(), zone.AtStartOfDay(monday.PlusDays(7)).ToInstant(), staffFilter, ct);
            for (var i = 0; i < 7; i++)
            {
                var date = monday.PlusDays(i);
                Days.Add((date, bookings.Where(b => b.StartsAt.InZone(zone).Date == date).ToList()));
            }
            Day = monday;
            return;
        }
        var dayBookings = await LoadAsync(zone.AtStartOfDay(Day).ToInstant(), zone.AtStartOfDay(Day.PlusDays(1)).ToInstant(), staffFilter, ct);
        var branch = Branch is null ? null : Site.Branches.First(b => b.Key == Branch);
        var baseHours = (branch?.Hours ?? Site.Hours).HoursOn(Day);
        FreeFor = (Service is not null ? Site.ActiveService(Service) : null)
                  ?? Site.Services.Values.FirstOrDefault(s => s.Doc.Active != false && s.Rules.RequiresStaff);
        // Filtered to a service (issue 15): open only where the service's own hours are too, as the slots it offers are.
        if (Service is not null && FreeFor?.Key == Service && FreeFor.Rules.Hours is { } own)
        {
            baseHours = LocalRanges.Intersect(baseHours, own.HoursOn(Day));
        }
        var free = FreeFor is null ? [] : await AvailabilityLoader.FindSlotsAsync(Db, Site, FreeFor, Branch, staffFilter, zone, Day, Day, now, ct);
        // Filtered to a service (issue 15): only the people who give it get a column; the others' bookings are not this view's
        // (they would otherwise land in the "no staff member" column).
        var givers = Service is not null && FreeFor?.Key == Service ? Site.StaffFor(FreeFor.Key).Select(s => s.Key).ToHashSet(StringComparer.Ordinal) : null;
        if (givers is not null)
        {
            dayBookings.RemoveAll(b => b.StaffKey is { } key && !givers.Contains(key) && Site.Staff.Any(s => s.Key == key));
        }
        foreach (var s in Site.Staff.Where(s => s.Doc.Active != false && (Branch is null || s.Branch is null || s.Branch == Branch) &&
                                                (staffFilter is null || s.Key == staffFilter) && (givers is null || givers.Contains(s.Key))))
        {
            var open = s.Hours is null ? baseHours : LocalRanges.Intersect(baseHours, s.Hours.HoursOn(Day));
            Columns.Add(new CalendarColumn(s.Key, s.Name, open, dayBookings.Where(b => b.StaffKey == s.Key).ToList(),
                free.Where(f => f.Staff.Contains(s.Key)).ToList()));
        }
        var others = dayBookings.Where(b => Columns.All(c => c.StaffKey != b.StaffKey)).ToList();
        if (others.Count > 0 || Columns.Count == 0)
        {
            Columns.Add(new CalendarColumn(null, AdminText.L("No staff member"), baseHours, others, FreeFor?.Rules.RequiresStaff == false ? free : []));
        }
        // Show the business day, widened to whatever booking falls outside it.
        var minutes = Columns.SelectMany(c => c.Open.Select(o => (o.StartMinute, o.EndMinute)))
            .Concat(dayBookings.Select(b => (Minute(b.StartsAt), Math.Min(Minute(b.EndsAt) + (b.EndsAt.InZone(zone).Date > Day ? 24 * 60 : 0), 24 * 60)))).ToList();
        if (minutes.Count > 0)
        {
            FromMinute = Math.Max(0, minutes.Min(m => m.Item1) / 60 * 60);
            ToMinute = Math.Min(24 * 60, (minutes.Max(m => m.Item2) + 59) / 60 * 60);
        }
    }

    /// <summary>Free slots grouped into runs of starts that follow each other at the same step.</summary>
    public static IEnumerable<(Slot First, Slot Last)> Runs(IReadOnlyList<Slot> free)
    {
        for (var i = 0; i < free.Count;)
        {
            var j = i;
            while (j + 1 < free.Count && free[j + 1].Start <= free[j].End && (j == i || free[j + 1].Start - free[j].Start == free[i + 1].Start - free[i].Start))
            {
                j++;
            }
            yield return (free[i], free[j]);
            i = j + 1;
        }
    }

    public LocalDate Today() => Clock.GetCurrentInstant().InZone(Site!.Zone).Date;

    public int Minute(Instant at)
    {
        var local = at.InZone(Site!.Zone);
        return local.Date < Day ? 0 : local.Hour * 60 + local.Minute;
    }

    /// <summary>
    /// The bookings of a window, a visit as one item per part (issue 15): each part in its own person's column at its own time,
    /// so the second person of a visit sees their part.
    /// </summary>
    private async Task<List<Booking>> LoadAsync(Instant from, Instant to, string? staff, CancellationToken ct)
    {
        var query = Db.Bookings.AsNoTracking().Where(b => b.PageSlug == Site!.Slug && b.StartsAt < to && b.EndsAt > from);
        if (staff is not null)
        {
            var needle = Visits.StaffNeedle(staff);
            query = query.Where(b => b.StaffKey == staff || (b.VisitPartsJson != null && b.VisitPartsJson.Contains(needle)));
        }
        if (Branch is not null)
        {
            query = query.Where(b => b.BranchKey == Branch || b.BranchKey == null);
        }
        if (Org is { Length: > 0 })
        {
            query = query.Where(b => b.OrganizationKey == Org);
        }
        var items = new List<Booking>();
        foreach (var booking in await query.OrderBy(b => b.StartsAt).Take(2000).ToListAsync(ct))
        {
            var first = true;
            foreach (var part in Visits.PerPerson(booking))
            {
                if (!first)
                {
                    LaterParts.Add(part);
                }
                first = false;
                if ((staff is null || part.StaffKey == staff) && part.StartsAt < to && part.EndsAt > from)
                {
                    items.Add(part);
                }
            }
        }
        return [.. items.OrderBy(b => b.StartsAt)];
    }

    /// <summary>Drag and drop (or the move form) lands here: the same writer and rules as a client's reschedule.</summary>
    public async Task<IActionResult> OnPostMoveAsync(Guid id, string? date, string? time, string? staff, CancellationToken ct)
    {
        var booking = await Db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct);
        var page = booking is null ? null : PageOf(booking.PageSlug);
        if (booking is null || page is null || (OnlyStaff is not null && booking.StaffKey != OnlyStaff))
        {
            return NotFound();
        }
        var day = await MoveAsync(booking, page, date, time, staff, ct);
        return Back(booking, page, day);
    }

    private RedirectResult Back(Booking booking, CompiledPage page, LocalDate? day = null) =>
        Redirect($"/admin/calendar?site={page.Slug}&date={Iso(day ?? booking.StartsAt.InZone(page.Zone).Date)}");
}
