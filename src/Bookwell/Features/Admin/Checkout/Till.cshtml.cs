using Bookwell.Features.Checkout;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin.Checkout;

/// <summary>
/// The till's day (managers): everything recorded as paid on invoices that day, per payment method (what the
/// drawer and the terminal should hold when the till is closed), and the day's desk checkouts with their tips,
/// discounts and change. The day runs midnight to midnight in the page's time zone.
/// </summary>
public sealed class TillModel : AdminPageModel
{
    public sealed record MethodTotal(InvoicePaymentMethod Method, string Currency, int Count, decimal Amount);

    public CompiledPage? Site { get; private set; }
    public LocalDate Day { get; private set; }
    public List<MethodTotal> Totals { get; private set; } = [];
    public List<DeskSale> Sales { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? site, string? date, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        Site = (site is null ? null : PageOf(site)) ?? Catalog.Pages.Values.FirstOrDefault();
        var zone = Site?.Zone ?? DateTimeZone.Utc;
        Day = Infrastructure.TimeFormats.TryParseDate(date, out var d) ? d : Clock.GetCurrentInstant().InZone(zone).Date;
        var from = Day.AtStartOfDayInZone(zone).ToInstant();
        var to = Day.PlusDays(1).AtStartOfDayInZone(zone).ToInstant();
        var payments = await Db.Set<InvoicePayment>().AsNoTracking().Where(p => p.At >= from && p.At < to)
            .Select(p => new { p.Method, p.Currency, p.Amount }).ToListAsync(ct);
        Totals = [.. payments.GroupBy(p => (p.Method, p.Currency)).OrderBy(g => g.Key.Method).ThenBy(g => g.Key.Currency)
            .Select(g => new MethodTotal(g.Key.Method, g.Key.Currency, g.Count(), g.Sum(p => p.Amount)))];
        var sales = Db.Set<DeskSale>().AsNoTracking().Where(s => s.At >= from && s.At < to);
        if (Site is not null && Catalog.Pages.Count > 1)
        {
            sales = sales.Where(s => s.PageSlug == Site.Doc.Slug);
        }
        Sales = await sales.OrderBy(s => s.At).ToListAsync(ct);
        return Page();
    }
}
