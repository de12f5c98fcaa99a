using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Checkout;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Payments;

/// <summary>Money as the contract writes it.</summary>
public sealed record MoneyView(decimal Amount, string Currency);

/// <summary>
/// A booking's payment state (contract 4.2), computed, never stored: <c>paid</c> is what the ledger holds (charges
/// less refunds) plus what was recorded by hand on the booking's invoice (cash, card or bank transfer through
/// <c>POST /api/v1/admin/invoices/{id}/payments</c> or the invoice page), <c>due</c> what is still owed on a live
/// booking (its price less what was paid; nothing on a cancelled one).
/// </summary>
/// <param name="Status"><c>none</c> (nothing asked online), <c>unpaid</c>, <c>deposit_paid</c>, <c>paid</c>, <c>refunded</c>.</param>
/// <param name="RefundDue">Additive: money came after the booking's time was given away and must go back.</param>
public sealed record PaymentView(string Status, MoneyView Paid, MoneyView Due, bool RefundDue = false)
{
    public const string None = "none";
    public const string Unpaid = "unpaid";
    public const string DepositPaid = "deposit_paid";
    public const string PaidInFull = "paid";
    public const string Refunded = "refunded";
}

public static class PaymentSummary
{
    /// <summary>The payment state of each booking, in three queries whatever the number of bookings.</summary>
    public static async Task<Dictionary<Guid, PaymentView>> ForAsync(BookwellDb db, TenantCatalog catalog, IReadOnlyCollection<Booking> bookings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(bookings);
        var ids = bookings.Select(b => b.Id).ToList();
        var ledger = ids.Count == 0 ? [] : await db.Payments.AsNoTracking().Where(p => ids.Contains(p.BookingId))
            .Select(p => new { p.BookingId, p.Amount, p.Currency, p.Kind }).ToListAsync(ct);
        var sessions = ids.Count == 0 ? [] : await db.CheckoutSessions.AsNoTracking().Where(s => ids.Contains(s.BookingId))
            .Select(s => new { s.BookingId, s.Total, s.Currency, s.RefundDue, s.CreatedAt }).ToListAsync(ct);
        // Money recorded by hand on a booking's invoice is in no ledger row. A Stripe receipt's payment and a desk sale's
        // (its invoice is the sale's) are in the ledger already, so they are left out here.
        var keys = ids.Select(id => (Guid?)id).ToList();
        var byHand = ids.Count == 0 ? [] : await (
            from p in db.Set<InvoicePayment>().AsNoTracking()
            join i in db.Set<Invoice>().AsNoTracking() on p.InvoiceId equals i.Id
            where keys.Contains(i.BookingId) && p.Method != InvoicePaymentMethod.Stripe && !db.Set<DeskSale>().Any(d => d.InvoiceId == i.Id)
            select new { i.BookingId, p.Amount, p.Currency }).ToListAsync(ct);
        var result = new Dictionary<Guid, PaymentView>(ids.Count);
        foreach (var b in bookings)
        {
            var session = sessions.Where(s => s.BookingId == b.Id).OrderByDescending(s => s.CreatedAt).FirstOrDefault();
            // A visit is priced as one (its parts' prices summed).
            var service = Visits.Billing(catalog.Pages.GetValueOrDefault(b.PageSlug), b);
            var moves = ledger.Where(p => p.BookingId == b.Id).ToList();
            var currency = session?.Currency ?? moves.FirstOrDefault()?.Currency ?? service?.Price?.Currency ?? "EUR";
            // The price the client agreed to when booking; the catalog's current one only where nothing was stored.
            var total = session?.Total ?? service?.Price?.Amount ?? 0m;
            var charged = moves.Where(p => p.Kind == PaymentKind.Charge && p.Currency == currency).Sum(p => p.Amount) +
                          byHand.Where(p => p.BookingId == b.Id && p.Currency == currency).Sum(p => p.Amount);
            var refunded = moves.Where(p => p.Kind == PaymentKind.Refund && p.Currency == currency).Sum(p => p.Amount);
            var asked = session is not null || service?.Payment is "now" or "deposit" or "invoice";
            result[b.Id] = View(b.Status, total, charged, refunded, asked, currency, session?.RefundDue ?? false);
        }
        return result;
    }

    public static PaymentView View(BookingStatus bookingStatus, decimal total, decimal charged, decimal refunded, bool asked, string currency, bool refundDue)
    {
        var paid = charged - refunded;
        var status = refunded > 0 && paid <= 0 ? PaymentView.Refunded
            : paid > 0 && paid >= total ? PaymentView.PaidInFull
            : paid > 0 ? PaymentView.DepositPaid
            : asked ? PaymentView.Unpaid
            : PaymentView.None;
        var due = bookingStatus == BookingStatus.Cancelled ? 0m : Math.Max(total - paid, 0m);
        return new PaymentView(status, new MoneyView(MinorUnits.Round(paid, currency), currency), new MoneyView(MinorUnits.Round(due, currency), currency), refundDue);
    }

    public static async Task<PaymentView> ForAsync(BookwellDb db, TenantCatalog catalog, Booking booking, CancellationToken ct) =>
        (await ForAsync(db, catalog, [booking], ct))[booking.Id];
}
