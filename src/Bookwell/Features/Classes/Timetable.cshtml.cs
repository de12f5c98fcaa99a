using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Bookwell.Features.Classes;

/// <summary>The class timetable: a week's sessions (Monday to Sunday in the business's time zone), each with its staff and seats.</summary>
[Authorize(Policy = Policies.Member)]
public sealed class TimetableModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Week { get; set; }

    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public LocalDate Monday { get; private set; }
    public LocalDate ThisMonday { get; private set; }
    public List<ClassSession> Sessions { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Zone = Catalog.Pages.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
        var now = Clock.GetCurrentInstant();
        ThisMonday = MondayOf(now.InZone(Zone).Date);
        Monday = TimeFormats.TryParseDate(Week, out var asked) && asked.Year is > TimeFormats.MinYear and < TimeFormats.MaxYear ? MondayOf(asked) : ThisMonday;
        var from = Zone.AtStartOfDay(Monday).ToInstant();
        var to = Zone.AtStartOfDay(Monday.PlusDays(7)).ToInstant();
        Sessions = await ClassSessions.ListAsync(Db, Catalog, now, from, to, OnlyStaff, null, null, ct);
    }

    public static LocalDate MondayOf(LocalDate date) => date.PlusDays(-((int)date.DayOfWeek - 1));

    public static string Link(LocalDate monday) => "/admin/classes?week=" + Iso(monday);
}
