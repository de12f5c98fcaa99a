using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Payments;

public static class PaymentProblems
{
    /// <summary>503 with Retry-After semantics: nothing was written, the same request may simply be sent again.</summary>
    public static ProblemHttpResult Unavailable() => Problems.Make(503, "payment-unavailable", "Payment provider unavailable",
        "This service is paid when booking and the payment provider cannot be reached right now. Nothing was booked; please try again in a minute.");
}

/// <summary>What the client's manage page shows about money.</summary>
/// <param name="CardSaved">A card-only session (no-show fee) completed: the card is saved and nothing was charged.</param>
/// <param name="Deposit">What was asked online is (or holds) a deposit; false for a visit whose online part is paid in full and whose
/// other parts are paid at the appointment (<see cref="Visits.TakesDeposit(CompiledPage?, Booking, bool)"/>): "paid online", not "deposit paid".</param>
/// <param name="Invoiced">A visit with an invoiced part: the rest is invoiced, not paid at the appointment (<see cref="Visits.InvoicesRest(CompiledPage?, Booking)"/>).</param>
public sealed record ManagePayment(PaymentView View, string? PayUrl, string? PayBefore, bool Waiting, string Purpose, MoneyView? DueNow, bool CardSaved = false,
    bool Deposit = true, bool Invoiced = false)
{
    /// <summary>The session only saves a card (<c>mode=setup</c>): nothing is paid online.</summary>
    public bool CardOnly => Purpose == "card";
}

/// <summary>
/// The client's view of a booking's payment, for its manage page. It trusts neither the return URL nor a
/// query string: what the ledger holds decides, and while a session is still open and the ledger holds
/// nothing, Stripe itself is asked (a payment whose event has not arrived yet is applied like its event).
/// </summary>
public sealed class PaymentStatus(BookwellDb db, CatalogCache cache, IServiceProvider services, IClock clock, ILogger<PaymentStatus> log)
{
    /// <summary>The URL where an unpaid booking is paid, while its session is open and its hold lasts.</summary>
    public static async Task<string?> OpenUrlAsync(BookwellDb db, Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        if (booking.Status != BookingStatus.PendingPayment)
        {
            return null;
        }
        return await db.CheckoutSessions.AsNoTracking().Where(s => s.BookingId == booking.Id && s.State == CheckoutState.Open)
            .OrderByDescending(s => s.CreatedAt).Select(s => s.Url).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Asks Stripe about a booking still waiting for payment whose session is open and applies what it says;
    /// true when something changed (the caller reads the booking again).
    /// </summary>
    public async Task<bool> RefreshAsync(Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        if (booking.Status != BookingStatus.PendingPayment || services.GetService<StripeGateway>() is not { } gateway)
        {
            return false;
        }
        var session = await db.CheckoutSessions.AsNoTracking().Where(s => s.BookingId == booking.Id && s.State == CheckoutState.Open)
            .OrderByDescending(s => s.CreatedAt).FirstOrDefaultAsync(ct);
        if (session is null || await db.Payments.AnyAsync(p => p.BookingId == booking.Id, ct))
        {
            return false;
        }
        try
        {
            var state = await gateway.GetSessionAsync(session.Id, session.StripeAccount, ct);
            if (state.Status == "open")
            {
                return false;
            }
            await services.GetRequiredService<PaymentApplier>().ApplyAsync(null, "manage-page", state, ct);
            return true;
        }
        catch (StripeUnavailableException ex)
        {
            // The ledger's answer stands ("waiting for payment"); the event or the reconciliation pass settles it.
            log.LogWarning(ex, "Could not look up checkout session {Session}", session.Id);
            return false;
        }
    }

    /// <summary>Null for a booking nothing was ever asked for online.</summary>
    public async Task<ManagePayment?> ForManageAsync(Booking booking, DateTimeZone zone, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var session = await db.CheckoutSessions.AsNoTracking().Where(s => s.BookingId == booking.Id).OrderByDescending(s => s.CreatedAt).FirstOrDefaultAsync(ct);
        if (session is null)
        {
            return null;
        }
        var catalog = await cache.GetAsync(db, ct);
        var view = await PaymentSummary.ForAsync(db, catalog, booking, ct);
        var waiting = booking.Status == BookingStatus.PendingPayment && view.Paid.Amount <= 0;
        var payable = waiting && session.State == CheckoutState.Open && (booking.HoldExpiresAt ?? session.ExpiresAt) > clock.GetCurrentInstant();
        return new ManagePayment(view with { RefundDue = session.RefundDue }, payable ? session.Url : null, payable ? BookingPage.SlotPicker.FormatWhen(booking.HoldExpiresAt ?? session.ExpiresAt, zone) : null,
            waiting, session.Purpose.ToWire(), new MoneyView(session.Amount, session.Currency),
            session.Purpose == CheckoutPurpose.Card && session.State == CheckoutState.Complete && booking.Status != BookingStatus.Cancelled,
            Visits.TakesDeposit(catalog.Pages.GetValueOrDefault(booking.PageSlug), booking, session.Purpose == CheckoutPurpose.Deposit),
            Visits.InvoicesRest(catalog.Pages.GetValueOrDefault(booking.PageSlug), booking));
    }
}
