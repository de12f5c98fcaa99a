using Bookwell.Data;
using Bookwell.Features.Payments;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin.Payments;

/// <summary>
/// No-show fees due but not charged (managers): owed because no card was saved or the bank declined, or still
/// waiting for the charger. Each owed fee can be charged to the saved card again (a new attempt) or waived.
/// </summary>
public sealed class FeesModel : AdminPageModel
{
    public sealed record Row(NoShowFee Fee, Booking Booking);

    public List<Row> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        Rows = await (from f in Db.Set<NoShowFee>().AsNoTracking()
                      join b in Db.Bookings.AsNoTracking() on f.BookingId equals b.Id
                      where f.State == NoShowFeeState.Owed || f.State == NoShowFeeState.Due
                      orderby f.CreatedAt descending
                      select new Row(f, b)).Take(500).ToListAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostWaiveAsync(Guid fee, Guid? booking, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        bool waived;
        var gate = HttpContext.RequestServices.GetRequiredService<SqliteWriteGate>();
        using (await gate.EnterAsync(Db, ct))
        {
            waived = await NoShowFeeChanges.WaiveAsync(Db, fee, Actor, Clock.GetCurrentInstant(), ct);
        }
        TempData[waived ? "Flash" : "FlashBad"] = FeeText.Words[waived ? "waived" : "not-owed"];
        return Back(booking);
    }

    public async Task<IActionResult> OnPostChargeAsync(Guid fee, Guid? booking, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        bool again;
        var gate = HttpContext.RequestServices.GetRequiredService<SqliteWriteGate>();
        using (await gate.EnterAsync(Db, ct))
        {
            again = await NoShowFeeChanges.RetryAsync(Db, fee, Clock.GetCurrentInstant(), ct);
        }
        if (!again)
        {
            TempData["FlashBad"] = FeeText.Words["not-owed"];
            return Back(booking);
        }
        // Charged now, so the answer can say how it went (the background pass would pick it up within seconds too).
        await HttpContext.RequestServices.GetRequiredService<NoShowFeeCharger>().RunOnceAsync(ct);
        var after = await Db.Set<NoShowFee>().AsNoTracking().FirstAsync(f => f.Id == fee, ct);
        TempData[after.State == NoShowFeeState.Charged ? "Flash" : "FlashBad"] = after.State switch
        {
            NoShowFeeState.Charged => FeeText.Words["charged"],
            NoShowFeeState.Due => FeeText.Words["charge-later"],
            _ => FeeText.Words.Format("declined", after.Reason ?? ""),
        };
        return Back(booking);
    }

    /// <summary>Back where the button was: the booking's page (its fee row) or this list.</summary>
    private RedirectResult Back(Guid? booking) => Redirect(booking is { } id ? $"/admin/bookings/{id}" : "/admin/payments/fees");
}
