using System.Text.Json.Serialization;
using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Where a booking is in its life. Stored, and written by the API, as the lowercase string each member names
/// (<see cref="Wire{T}"/>); never write a booking's status directly: <see cref="BookingLifecycle"/> moves it.
/// </summary>
public enum BookingStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("pending_payment")] PendingPayment,
    [JsonStringEnumMemberName("confirmed")] Confirmed,
    [JsonStringEnumMemberName("in_progress")] InProgress,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("no_show")] NoShow,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>What a booking's history entry records (<see cref="BookingEvent.Action"/>); stored as the string each member names.</summary>
public enum BookingAction
{
    [JsonStringEnumMemberName("created")] Created,
    [JsonStringEnumMemberName("rescheduled")] Rescheduled,
    /// <summary>A status change along the state machine.</summary>
    [JsonStringEnumMemberName("status")] Status,
    /// <summary>A dashboard correction: a cancelled booking taken up again.</summary>
    [JsonStringEnumMemberName("reopened")] Reopened,
    /// <summary>A dashboard correction: a no-show set back to confirmed.</summary>
    [JsonStringEnumMemberName("overruled")] Overruled,
    [JsonStringEnumMemberName("paid")] Paid,
    /// <summary>Paid after its hold ran out, while its time was still free: taken up again.</summary>
    [JsonStringEnumMemberName("paid-reopened")] PaidReopened,
    /// <summary>A hold (unpaid or unconfirmed) ran out.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
    /// <summary>Staff recorded that the client came (a class's attendee list, the staff dashboard).</summary>
    [JsonStringEnumMemberName("checked-in")] CheckedIn,
    /// <summary>A check-in taken back before the session ended.</summary>
    [JsonStringEnumMemberName("check-in-undone")] CheckInUndone,
    /// <summary>An operator set an earlier end; the rest of its time was let go.</summary>
    [JsonStringEnumMemberName("shortened")] Shortened,
    /// <summary>An operator set a later end (issue 15, seed 002's start and end); the time it now takes was free.</summary>
    [JsonStringEnumMemberName("extended")] Extended,
    /// <summary>
    /// An operator set, changed or removed the booking's work order link (the reference before and after are kept). The business's
    /// own record: left out of everything the client sees (<see cref="IsForClient"/>).
    /// </summary>
    [JsonStringEnumMemberName("work-order")] WorkOrder,
}

public static class BookingActions
{
    /// <summary>Whether a history entry of this kind is part of the client's view of the booking (and of its calendar sequence).</summary>
    public static bool IsForClient(this BookingAction action) => action != BookingAction.WorkOrder;
}

/// <summary>The booking lifecycle as one explicit table; every change goes through <see cref="CanMoveTo"/>.</summary>
public static class BookingStatusRules
{
    public static bool CanMoveTo(this BookingStatus from, BookingStatus to) => from switch
    {
        BookingStatus.Pending or BookingStatus.PendingPayment => to is BookingStatus.Confirmed or BookingStatus.Cancelled,
        BookingStatus.Confirmed => to is BookingStatus.InProgress or BookingStatus.Completed or BookingStatus.NoShow or BookingStatus.Cancelled,
        BookingStatus.InProgress => to is BookingStatus.Completed or BookingStatus.Cancelled,
        BookingStatus.Completed or BookingStatus.NoShow or BookingStatus.Cancelled => false,
        _ => false,
    };

    /// <summary>
    /// The earliest moment (by the app's clock) a booking in <paramref name="from"/> may become <paramref name="to"/>, or null when
    /// the move does not wait for the appointment. A no-show is only known once the start has passed (before, marking it would charge
    /// the fee early and give the time away); a booking starts (<c>in_progress</c>) from when check-in opens
    /// (<see cref="CheckInWindow.OpensBefore"/> before its start: the client is early and the chair is free); it is completed straight
    /// from confirmed only once it has started. A booking already started may be completed at any time: the work began early.
    /// </summary>
    public static Instant? Earliest(this Booking booking, BookingStatus from, BookingStatus to)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return to switch
        {
            BookingStatus.NoShow => booking.StartsAt,
            BookingStatus.InProgress => CheckInWindow.Opens(booking),
            BookingStatus.Completed when from != BookingStatus.InProgress => booking.StartsAt,
            _ => null,
        };
    }

    /// <summary>Statuses in which the booking still holds its time.</summary>
    public static bool HoldsTime(this BookingStatus status) => status != BookingStatus.Cancelled;

    /// <summary>Statuses a client may still cancel or reschedule from.</summary>
    public static bool IsOpen(this BookingStatus status) => status is BookingStatus.Pending or BookingStatus.PendingPayment or BookingStatus.Confirmed;
}
