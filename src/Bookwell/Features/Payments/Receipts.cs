using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;

namespace Bookwell.Features.Payments;

/// <summary>
/// The receipt of an online payment: the booking's invoice, issued with the money already recorded against it
/// (paid in full, or open for the rest after a deposit). Runs inside the transaction that records the payment,
/// so the ledger row and the receipt commit together or not at all.
/// </summary>
public static class ReceiptIssuer
{
    public static async Task<Invoice> IssueAsync(InvoiceIssuer invoices, BookwellDb db, Booking booking, CompiledPage? page, decimal amount, string currency,
        string sessionId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(invoices);
        return await invoices.IssueForBookingAsync(db, booking, page, new InvoicePaid(amount, InvoicePaymentMethod.Stripe, $"Stripe {sessionId}", currency), ct);
    }
}
