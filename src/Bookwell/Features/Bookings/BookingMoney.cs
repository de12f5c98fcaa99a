using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// What a change of a booking does to its money, inside the change's own transaction: the invoice of an invoice service
/// confirmed by it (or voided, unpaid, by its cancellation; replaced, unpaid, when it moves), the refund a client's cancellation earns under the service's policy, the fee a no-show owes. Kept out
/// of <see cref="BookingLifecycle"/> so the seam decides the change and the money features decide what it costs.
/// </summary>
public sealed class BookingMoney(Invoices.InvoiceIssuer invoices, Refunds.RefundPlanner refunds, Payments.NoShowFees noShowFees)
{
    public async Task AfterChangeAsync(BookwellDb db, Booking booking, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await invoices.AfterChangeAsync(db, booking, actor.Page, ct, actor.By);
        await refunds.AfterChangeAsync(db, booking, actor, ct);
    }

    public Task NoShowAsync(BookwellDb db, Booking booking, Instant now, CancellationToken ct) => noShowFees.RecordAsync(db, booking, now, ct);
}
