using Bookwell.Features.Invoices;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Bookwell.Features.Admin.Invoices;

/// <summary>The business's invoices, newest number last, filtered by status and issue date (managers only).</summary>
public sealed class IndexModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public List<Invoice> Items { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public Errors Problems { get; } = new();
    public Instant Now { get; private set; }


    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        Now = Clock.GetCurrentInstant();
        var query = InvoiceEndpoints.Parse(string.IsNullOrEmpty(From) ? null : From, string.IsNullOrEmpty(To) ? null : To,
            string.IsNullOrEmpty(Status) ? null : Status, "50", string.IsNullOrEmpty(Cursor) ? null : Cursor, Problems);
        if (query is not null)
        {
            (Items, NextCursor) = await InvoiceEndpoints.ReadAsync(Db, query, Now, ct);
        }
        return Page();
    }

    /// <summary>The selection as CSV, every page of it, with formula-safe cells (the same writer as the API's export).</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        var (bytes, errors) = await Refunds.InvoiceCsv.BuildAsync(string.IsNullOrEmpty(From) ? null : From, string.IsNullOrEmpty(To) ? null : To,
            string.IsNullOrEmpty(Status) ? null : Status, Db, Clock, ct);
        return bytes is null ? BadRequest(string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value))) : File(bytes, "text/csv; charset=utf-8", "invoices.csv");
    }
}
