using Bookwell.Features.Invoices;
using Bookwell.Features.Refunds;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin.Payments;

/// <summary>Refunding a booking's online payment (managers only): what is left, the amount, a confirmation box, and the refunds so far.</summary>
public sealed class RefundModel : AdminPageModel
{
    public Data.Booking? Booking { get; private set; }
    public decimal Refundable { get; private set; }
    public string? Currency { get; private set; }
    public List<Refund> Refunds { get; private set; } = [];
    public Dictionary<Guid, string> Notes { get; private set; } = [];
    public Errors Problems { get; private set; } = new();

    [BindProperty] public string? Amount { get; set; }
    [BindProperty] public bool Confirm { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        return await LoadAsync(id, ct) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var w = RefundText.Words;
        if (!Confirm)
        {
            Problems.Add("confirm", w["refund-confirm-needed"]);
            return Page();
        }
        decimal? amount = null;
        var text = (Amount ?? "").Trim().Replace(',', '.');
        if (text.Length is > 0 and <= 20 && text.Count(c => c == '.') <= 1 &&
            decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            amount = parsed;
        }
        else
        {
            Problems.Add("amount", w["refund-amount"]);
            return Page();
        }
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        var result = await HttpContext.RequestServices.GetRequiredService<RefundService>().RefundAsync(id, amount, Currency, Actor, ct);
        switch (result)
        {
            case RefundResult.Done done:
                var note = await Db.Set<CreditNote>().AsNoTracking().Where(c => c.RefundId == done.Refund.Id).Select(c => c.Number).FirstOrDefaultAsync(ct);
                TempData["Flash"] = w.Format("refund-done", InvoiceMoney.Format(done.Refund.Amount, done.Refund.Currency, culture), note ?? "");
                return Redirect($"/admin/bookings/{id}/refund");
            case RefundResult.Pending pending:
                TempData["Flash"] = w.Format("refund-pending", InvoiceMoney.Format(pending.Refund.Amount, pending.Refund.Currency, culture));
                return Redirect($"/admin/bookings/{id}/refund");
            case RefundResult.Refused refused:
                TempData["FlashBad"] = w.Format("refund-refused", refused.Refund.Failure ?? "");
                return Redirect($"/admin/bookings/{id}/refund");
            case RefundResult.Invalid bad:
                foreach (var (_, messages) in bad.Errors.ToDictionary())
                {
                    foreach (var m in messages)
                    {
                        Problems.Add("amount", m);
                    }
                }
                await LoadAsync(id, ct);
                return Page();
            default:
                return NotFound();
        }
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        Booking = await Db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct);
        if (Booking is null)
        {
            return false;
        }
        (Refundable, Currency) = await RefundService.RefundableAsync(Db, id, ct);
        Refunds = await Db.Set<Refund>().AsNoTracking().Where(r => r.BookingId == id).OrderBy(r => r.Sequence).ToListAsync(ct);
        Notes = await Db.Set<CreditNote>().AsNoTracking().Where(c => c.BookingId == id && c.RefundId != null).ToDictionaryAsync(c => c.RefundId!.Value, c => c.Number, ct);
        return true;
    }
}
