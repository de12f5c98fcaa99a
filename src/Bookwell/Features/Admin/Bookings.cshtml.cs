using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>Every booking, searchable and filtered in SQL, paged 50 at a time.</summary>
public sealed class BookingsModel : AdminPageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Service { get; set; }
    [BindProperty(SupportsGet = true)] public string? Staff { get; set; }
    [BindProperty(SupportsGet = true)] public string? Branch { get; set; }
    [BindProperty(SupportsGet = true)] public string? Source { get; set; }
    /// <summary>Bookings made through an organization's personal links (issue 17).</summary>
    [BindProperty(SupportsGet = true)] public string? Org { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public List<Booking> Items { get; private set; } = [];
    public int Total { get; private set; }
    public FormErrors Errors { get; } = new();

    public async Task OnGetAsync(CancellationToken ct)
    {
        var filtered = Filtered();
        Total = await filtered.CountAsync(ct);
        PageNumber = Math.Clamp(PageNumber, 1, Math.Max(1, (Total + PageSize - 1) / PageSize));
        Items = await Sorted(filtered).Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
    }

    /// <summary>
    /// The same filtered list as CSV (UTF-8 with BOM, so spreadsheet programs read the accents): every row, written to the
    /// response as the database hands it over, so a business's whole history is exported without being held in memory.
    /// </summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken ct)
    {
        var query = Sorted(Filtered());
        if (Errors.Any)
        {
            return BadRequest();
        }
        var staffNames = Catalog.Pages.Values.SelectMany(p => p.Staff).DistinctBy(x => x.Key).ToDictionary(x => x.Key, x => x.Name);
        // The query runs before anything is written, so a failing one is an error page, not a cut-off file.
        await using var rows = query.AsAsyncEnumerable().GetAsyncEnumerator(ct);
        var more = await rows.MoveNextAsync();
        Response.ContentType = "text/csv; charset=utf-8";
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName("bookings.csv");
        Response.Headers.ContentDisposition = disposition.ToString();
        await using var csv = new StreamWriter(Response.Body, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true);
        await csv.WriteAsync('\uFEFF');
        await csv.WriteLineAsync("start,end,time_zone,page,service,staff,branch,status,client,email,phone,walk_in,created,organization,member_id");
        for (; more; more = await rows.MoveNextAsync())
        {
            var b = rows.Current;
            var zone = ZoneOf(b.PageSlug);
            string Local(Instant at) => at.InZone(zone).LocalDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
            await csv.WriteLineAsync(string.Join(',', new[]
            {
                Local(b.StartsAt), Local(b.EndsAt), zone.Id, b.PageSlug, b.ServiceName,
                b.StaffKey is null ? "" : staffNames.GetValueOrDefault(b.StaffKey, b.StaffKey), b.BranchKey ?? "", b.Status.ToWire(),
                b.CustomerName, b.CustomerEmail, b.CustomerPhone ?? "", b.WalkIn ? "yes" : "no", Local(b.CreatedAt),
                b.OrganizationKey ?? "", b.MemberNumber ?? "",
            }.Select(Cell)));
        }
        return new EmptyResult();
    }

    /// <summary>A CSV cell: quoted when needed, and a leading = + - @ defused so a spreadsheet never runs a client's text as a formula.</summary>
    public static string Cell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private IQueryable<Booking> Filtered()
    {
        var query = Db.Bookings.AsNoTracking();
        // Dates are the business's: with one zone per page, the first page's zone is the dashboard's.
        var zone = Catalog.Pages.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
        if (From is { Length: > 0 })
        {
            if (TimeFormats.TryParseDate(From, out var f)) { var at = zone.AtStartOfDay(f).ToInstant(); query = query.Where(b => b.StartsAt >= at); }
            else { Errors.Add("From", "Must be a date as YYYY-MM-DD."); }
        }
        if (To is { Length: > 0 })
        {
            if (TimeFormats.TryParseDate(To, out var t)) { var at = zone.AtStartOfDay(t.PlusDays(1)).ToInstant(); query = query.Where(b => b.StartsAt < at); }
            else { Errors.Add("To", "Must be a date as YYYY-MM-DD."); }
        }
        if (Wire<BookingStatus>.TryParse(Status, out var status))
        {
            query = query.Where(b => b.Status == status);
        }
        if (Service is { Length: > 0 })
        {
            query = query.Where(b => b.ServiceKey == Service);
        }
        var staff = OnlyStaff ?? (Staff is { Length: > 0 } ? Staff : null);
        if (staff is not null)
        {
            query = query.Where(b => b.StaffKey == staff);
        }
        if (Branch is { Length: > 0 })
        {
            query = query.Where(b => b.BranchKey == Branch);
        }
        if (Org is { Length: > 0 })
        {
            query = query.Where(b => b.OrganizationKey == Org);
        }
        query = Source switch
        {
            "walk-in" => query.Where(b => b.WalkIn),
            "online" => query.Where(b => !b.WalkIn && b.History.Any(h => h.Action == BookingAction.Created && h.By == "customer")),
            "operator" => query.Where(b => !b.WalkIn && !b.History.Any(h => h.Action == BookingAction.Created && h.By == "customer")),
            _ => query,
        };
        if (Q is { Length: > 0 })
        {
            var needle = Q.Trim()[..Math.Min(Q.Trim().Length, 200)].ToUpperInvariant();
            query = query.Where(b => b.CustomerName.ToUpper().Contains(needle) || b.CustomerEmail.ToUpper().Contains(needle) ||
                                     (b.CustomerPhone != null && b.CustomerPhone.Contains(needle)));
        }
        return query;
    }

    private IQueryable<Booking> Sorted(IQueryable<Booking> query) =>
        Sort switch
        {
            "start-desc" => query.OrderByDescending(b => b.StartsAt),
            "created" => query.OrderByDescending(b => b.CreatedAt),
            "customer" => query.OrderBy(b => b.CustomerName).ThenBy(b => b.StartsAt),
            "status" => query.OrderBy(b => b.Status).ThenBy(b => b.StartsAt),
            _ => query.OrderBy(b => b.StartsAt),
        };

    public string ExportLink => Link(1) + "&handler=Csv";

    public string Link(int? page = null, string? sort = null) => BookingPage.Links.With("/admin/bookings", new[]
    {
        KeyValuePair.Create("q", Q), KeyValuePair.Create("from", From), KeyValuePair.Create("to", To), KeyValuePair.Create("status", Status),
        KeyValuePair.Create("service", Service), KeyValuePair.Create("staff", Staff), KeyValuePair.Create("branch", Branch),
        KeyValuePair.Create("source", Source), KeyValuePair.Create("org", Org), KeyValuePair.Create("sort", sort ?? Sort), KeyValuePair.Create("p", (string?)(page ?? PageNumber).ToString(System.Globalization.CultureInfo.InvariantCulture)),
    }.Where(kv => !string.IsNullOrEmpty(kv.Value)));
}
