using System.Globalization;
using System.Text;
using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;

/// <summary>The clients of the business: search by name, e-mail or phone, filters, sorting, paging, and the same list as CSV.</summary>
public sealed class CustomersModel : AdminPageModel
{
    public const int PageSize = 50;
    public const int MaxExport = 50_000;
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Tag { get; set; }
    [BindProperty(SupportsGet = true)] public string? NoShows { get; set; }
    [BindProperty(SupportsGet = true)] public string? Before { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }
    [BindProperty(SupportsGet = true)] public string? Marketing { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true)] public string? Tier { get; set; }
    /// <summary>The rows ticked for "tag selected".</summary>
    [BindProperty] public List<Guid> Selected { get; set; } = [];
    [BindProperty] public string? BulkTag { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;
    public List<CustomerRow> Items { get; } = [];
    public Dictionary<Guid, List<string>> Tags { get; private set; } = [];
    public List<string> AllTags { get; private set; } = [];
    public int Total { get; private set; }
    public FormErrors Errors { get; private set; } = new();

    private CustomerFilter Read(out Errors e)
    {
        e = new Errors();
        var filter = CustomerFilter.Read(Q, Tag, NoShows, Before, After, Marketing, Sort, e, Tier);
        // The page's field names for the API's.
        Errors = new FormErrors(e);
        foreach (var (api, page) in new[] { ("query", "q"), ("noShows", "noshows"), ("lastVisitBefore", "before"), ("lastVisitAfter", "after") })
        {
            if (Errors.Has(api))
            {
                foreach (var (_, m) in Errors.All.Where(x => x.Field.Equals(api, StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    Errors.Add(page, m);
                }
            }
        }
        return filter;
    }

    public LoyaltyTiers Tiers => LoyaltyTiers.Of(Catalog);

    public async Task OnGetAsync(CancellationToken ct)
    {
        var filter = Read(out var e);
        if (e.Any)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            filter = new CustomerFilter();
        }
        await LoadAsync(filter, ct);
    }

    private async Task LoadAsync(CustomerFilter filter, CancellationToken ct)
    {
        AllTags = await CustomerDirectory.AllTagsAsync(Db, ct);
        var query = CustomerDirectory.Query(Db, filter, Clock.GetCurrentInstant(), AdminCustomerEndpoints.ZoneOf(Catalog), OnlyStaff, Tiers);
        Total = await query.CountAsync(ct);
        PageNumber = Math.Clamp(PageNumber, 1, Math.Max(1, (Total + PageSize - 1) / PageSize));
        Items.AddRange(await query.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct));
        Tags = await CustomerDirectory.TagsOfAsync(Db, Items.Select(r => r.Customer.Id).ToList(), ct);
    }

    /// <summary>The filtered list as CSV (UTF-8 with BOM; a cell never becomes a spreadsheet formula).</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken ct)
    {
        var filter = Read(out var e);
        if (e.Any)
        {
            return BadRequest(new HttpValidationProblemDetails(e.ToDictionary()) { Type = Problems.TypeBase + "validation", Title = "The request is not valid", Status = 400 });
        }
        var query = CustomerDirectory.Query(Db, filter, Clock.GetCurrentInstant(), AdminCustomerEndpoints.ZoneOf(Catalog), OnlyStaff, Tiers);
        var total = await query.CountAsync(ct);
        if (total > MaxExport)
        {
            return BadRequest(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["query"] = [$"At most {MaxExport} clients per export: narrow the filters."] })
            { Type = Problems.TypeBase + "validation", Title = "The request is not valid", Status = 400 });
        }
        var rows = await query.ToListAsync(ct);
        var tags = await CustomerDirectory.TagsOfAsync(Db, rows.Select(r => r.Customer.Id).ToList(), ct);
        var zone = AdminCustomerEndpoints.ZoneOf(Catalog);
        var csv = new StringBuilder();
        csv.AppendLine("name,email,phone,bookings,visits,no_shows,last_visit,marketing_opt_in,marketing_opt_in_at,tags,created,tier");
        foreach (var r in rows)
        {
            var c = r.Customer;
            csv.AppendJoin(',', new[]
            {
                c.Name, c.Email, c.Phone ?? "", r.Bookings.ToString(CultureInfo.InvariantCulture), r.Visits.ToString(CultureInfo.InvariantCulture),
                r.NoShows.ToString(CultureInfo.InvariantCulture), r.LastVisit is { } lv ? lv.InZone(zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "",
                c.MarketingOptIn ? "yes" : "no", c.MarketingOptInAt is { } at ? at.InZone(zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "",
                string.Join(' ', tags.GetValueOrDefault(c.Id) ?? []), c.CreatedAt.InZone(zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), r.Tier.ToWire(),
            }.Select(BookingsModel.Cell)).AppendLine();
        }
        return File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv.ToString())).ToArray(), "text/csv; charset=utf-8", "customers.csv");
    }

    /// <summary>"Tag selected": the tag on every ticked client (managers only; another business's ids are never found).</summary>
    public async Task<IActionResult> OnPostTagSelectedAsync(CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        var tag = CustomerDirectory.NormalizeTag(BulkTag);
        if (tag is null)
        {
            Errors.Add("bulktag", CustomerDirectory.TagRule);
        }
        if (Selected.Count == 0)
        {
            Errors.Add("bulktag", AdminText.L("Tick at least one client."));
        }
        else if (Selected.Count > CustomerDirectory.MaxBulk)
        {
            Errors.Add("bulktag", AdminText.L("At most {0} clients at once.", CustomerDirectory.MaxBulk));
        }
        if (Errors.Any)
        {
            var errors = Errors;
            var filter = Read(out var e);
            Errors = errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync(e.Any ? new CustomerFilter() : filter, ct);
            return Page();
        }
        var (tagged, _) = await CustomerDirectory.TagManyAsync(Db, HttpContext.RequestServices.GetRequiredService<SqliteWriteGate>(), Selected, tag!, Clock.GetCurrentInstant(), ct);
        TempData["Flash"] = AdminText.L("Tag \"{0}\" added to {1} clients.", tag!, tagged.Count);
        return Redirect(Link(PageNumber));
    }

    public string ExportLink => Link(1) + "&handler=Csv";

    public string Link(int page) => BookingPage.Links.With("/admin/customers", new[]
    {
        KeyValuePair.Create("q", Q), KeyValuePair.Create("tag", Tag), KeyValuePair.Create("noshows", NoShows), KeyValuePair.Create("before", Before),
        KeyValuePair.Create("after", After), KeyValuePair.Create("marketing", Marketing), KeyValuePair.Create("sort", Sort), KeyValuePair.Create("tier", Tier),
        KeyValuePair.Create("p", (string?)page.ToString(CultureInfo.InvariantCulture)),
    }.Where(kv => !string.IsNullOrEmpty(kv.Value)));
}
