using System.Text.Json.Serialization;
using Bookwell.Data;

namespace Bookwell.Features.Notifications;

/// <summary>Where an outbox message is; stored (and written by the API) as the lowercase string each member names (<see cref="Data.Wire{T}"/>).</summary>
public enum OutboxStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("sent")] Sent,
    /// <summary>Given up on after too many failed attempts; an operator may retry it.</summary>
    [JsonStringEnumMemberName("parked")] Parked,
    /// <summary>Withdrawn before sending, e.g. a reminder for a booking that moved or was cancelled.</summary>
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    /// <summary>
    /// Being handed to its sender now: the worker took it from <see cref="Queued"/> with one conditional update just before
    /// sending, so a customer erasure withdraws only what no sender holds and waits for what one does (ClientErasure).
    /// Back to queued (or parked) when the send fails; a node that died mid-send leaves it to be taken again after its lease.
    /// </summary>
    [JsonStringEnumMemberName("sending")] Sending,
}

/// <summary>How an outbox message travels; stored as the string each member names.</summary>
public enum OutboxChannel
{
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("sms")] Sms,
    [JsonStringEnumMemberName("webhook")] Webhook,
    /// <summary>Web Push to one device of a portal client (<c>To</c> holds the subscription's id).</summary>
    [JsonStringEnumMemberName("push")] Push,
}

/// <summary>
/// Which message an outbox row is; stored as the string each member names (the strings stored before this enum).
/// Client mails' words are keyed by the same string in their feature's text set.
/// </summary>
public enum MessageKind
{
    [JsonStringEnumMemberName("confirmation")] Confirmation,
    /// <summary>The double opt-in request: the client confirms by the link.</summary>
    [JsonStringEnumMemberName("confirm-request")] ConfirmRequest,
    [JsonStringEnumMemberName("rescheduled")] Rescheduled,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("reminder")] Reminder,
    /// <summary>The follow-up after a no-show.</summary>
    [JsonStringEnumMemberName("no-show")] NoShow,
    [JsonStringEnumMemberName("business-new")] BusinessNew,
    [JsonStringEnumMemberName("business-rescheduled")] BusinessRescheduled,
    [JsonStringEnumMemberName("business-cancelled")] BusinessCancelled,
    [JsonStringEnumMemberName("waitlist-joined")] WaitlistJoined,
    [JsonStringEnumMemberName("waitlist-offer")] WaitlistOffer,
    /// <summary>The optional mail that an offered time ran out unaccepted (setting <c>waitlistExpiredMail</c>).</summary>
    [JsonStringEnumMemberName("waitlist-expired")] WaitlistExpired,
    [JsonStringEnumMemberName("account-verify")] AccountVerify,
    [JsonStringEnumMemberName("account-reset")] AccountReset,
    [JsonStringEnumMemberName("account-signup-attempt")] AccountSignupAttempt,
    [JsonStringEnumMemberName("account-invite")] AccountInvite,
    [JsonStringEnumMemberName("client-sign-in")] ClientSignIn,
    /// <summary>A sign-in link for <c>/me</c>, the install's page of a person's bookings at every business.</summary>
    [JsonStringEnumMemberName("platform-sign-in")] PlatformSignIn,
    [JsonStringEnumMemberName("organization-link")] OrganizationLink,
    [JsonStringEnumMemberName("invoice")] Invoice,
    [JsonStringEnumMemberName("invoice-reminder")] InvoiceReminder,
    /// <summary>A credit note (money given back) with its PDF.</summary>
    [JsonStringEnumMemberName("credit-note")] CreditNote,
    /// <summary>One member's copy of a mailing to an organization.</summary>
    [JsonStringEnumMemberName("organization-mailing")] OrganizationMailing,
    /// <summary>A webhook delivery (channel <c>webhook</c>).</summary>
    [JsonStringEnumMemberName("webhook")] Webhook,
}

/// <summary>Which outbox rows a business may see and act on.</summary>
public static class BusinessOutbox
{
    /// <summary>
    /// A business's own messages: the install's /me sign-in requests are kept under the default business for the outbox
    /// worker's sake but are nobody's business, so they never show in its views or API (they would tell it other
    /// businesses' clients' addresses).
    /// </summary>
    public static IQueryable<OutboxMessage> OfBusiness(this IQueryable<OutboxMessage> rows) =>
        rows.Where(m => m.Kind != MessageKind.PlatformSignIn);
}
