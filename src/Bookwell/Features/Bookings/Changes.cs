using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>A change to an existing booking's time or status, as asked; <see cref="BookingLifecycle"/> decides whether it may happen.</summary>
public abstract record Change
{
    /// <summary>
    /// To a new start; <paramref name="ToStaff"/> when an operator drops it on someone's column. <paramref name="InSeries"/>:
    /// one of several occurrences of a series moved together (<see cref="Series.SeriesMover"/>), which sends one mail for all;
    /// this change then plans only the booking's own reminders.
    /// </summary>
    public sealed record Reschedule(CompiledPage Page, ServiceModel Service, Instant Start, string? ToStaff = null, bool InSeries = false) : Change;

    /// <summary>Along the public state machine (<see cref="BookingStatusRules.CanMoveTo"/>).</summary>
    public sealed record SetStatus(BookingStatus To) : Change;

    /// <summary>The client confirms a double opt-in booking from the link in the e-mail.</summary>
    public sealed record ClientConfirm : Change;

    /// <summary>
    /// Dashboard-only corrections outside the public state machine: reopening a cancelled booking (only while
    /// its time is still free; the database decides) and overruling a no-show.
    /// </summary>
    public sealed record Correct(BookingStatus To) : Change;

    /// <summary>An unpaid or unconfirmed hold ran out (time rules).</summary>
    public sealed record Expire : Change;

    /// <summary>A confirmed booking nobody started, past its no-show moment (time rules).</summary>
    public sealed record AutoNoShow : Change;

    /// <summary>
    /// The client takes time held for them (a waitlist offer: a <c>pending</c> booking created by
    /// <see cref="OfferBy"/> with a hold): only at its own start and only while the hold lasts. <paramref name="Claim"/>
    /// runs inside the same transaction and may refuse (the offer was withdrawn meanwhile). With <paramref name="Checkout"/> (a
    /// service paid online, contract 4.2) the booking becomes <c>pending_payment</c> instead of <c>confirmed</c>, still held until
    /// the offer's hold ends, and the session is written with it.
    /// </summary>
    public sealed record AcceptOffer(CompiledPage Page, Instant Start, Func<BookwellDb, Instant, CancellationToken, Task<bool>>? Claim = null,
        CheckoutSession? Checkout = null) : Change
    {
        /// <summary>Who creates held offers, as recorded in the booking's history.</summary>
        public const string OfferBy = "waitlist";
    }

    /// <summary>
    /// The client paid (a payment provider says so). An unpaid hold becomes confirmed. When <paramref name="Reopen"/>
    /// and the hold had already run out (cancelled as <c>expired</c>), the booking takes its time again if it is
    /// still free; the database decides, and a refusal is reported as taken.
    /// </summary>
    public sealed record PaymentReceived(bool Reopen) : Change;

    /// <summary>
    /// Staff record that the client came (attendance): only a confirmed or started booking; checking in twice records one
    /// check-in. The status stays; a checked-in client is never made a no-show automatically.
    /// </summary>
    public sealed record CheckIn : Change;

    /// <summary>A check-in taken back, only before the booking's end.</summary>
    public sealed record UndoCheckIn : Change;

    /// <summary>
    /// An operator sets the booking's end (seed 002: "Select start and end date/time"): the start stays, the end moves to
    /// <paramref name="End"/>, after the start. Earlier: the remainder is freed like any freed time. Later: the extra time is
    /// taken like any booked time (the database refuses an overlap), up to the business's longest allocation.
    /// </summary>
    public sealed record Shorten(CompiledPage? Page, Instant End) : Change;

    /// <summary>The provider ended the checkout unpaid: a booking still waiting for payment is cancelled as <c>expired</c>.</summary>
    public sealed record CheckoutExpired : Change;

    /// <summary>
    /// An operator links the booking to a work order in another system (<paramref name="Link"/>), changes it, or removes it (null).
    /// Neither time nor status moves; it goes through the seam so the change is judged on the row as stored now and leaves its
    /// history entry (who, when, the reference before and after) in the same transaction.
    /// </summary>
    public sealed record SetWorkOrder(WorkOrders.WorkOrderView? Link) : Change;
}

/// <summary>Who asks, and where the messages the change causes point.</summary>
/// <param name="By">Recorded in the history: "customer", "admin", a person's name, "system".</param>
/// <param name="Mail">Link base and language for client mails; null sends no client mail.</param>
/// <param name="Page">The booking's page (branding, reminders, notices), when known.</param>
/// <param name="Token">The client's manage token when the client is the one asking (their link goes in the mail).</param>
public sealed record Actor(string By, MailContext? Mail = null, CompiledPage? Page = null, string? Token = null)
{
    public static Actor System { get; } = new("system");
}
