using Bookwell.Data;
using Bookwell.Features.Notifications;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The status changes people make (staff, the client, a payment, a waitlist offer accepted, attendance): each checks the
/// state machine against the booking as stored now, lets time go or takes it back as the new status needs, and plans or
/// withdraws the messages that go with it.
/// </summary>
public sealed partial class BookingLifecycle
{
    private async Task<WriteResult> SetStatusCoreAsync(Booking booking, BookingStatus to, Actor actor, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.Status == to)
        {
            // Another change got there first (two cancels at once): this one changes nothing and plans no message.
            return new WriteResult.Done(booking, null) { Unchanged = true };
        }
        if (!booking.Status.CanMoveTo(to))
        {
            return new WriteResult.BadTransition(booking.Status, to);
        }
        if (booking.Earliest(booking.Status, to) is { } earliest && now < earliest)
        {
            // Judged under the row lock with the app's clock: an early no-show would charge its fee and give the time away.
            return new WriteResult.TooEarly(to, earliest, actor.Page?.Zone ?? Infrastructure.TimeFormats.Zone(booking.TimeZone) ?? DateTimeZone.Utc);
        }
        booking.History.Add(Event(booking, BookingAction.Status, booking.Status, to, actor.By, now));
        booking.Status = to;
        booking.UpdatedAt = now;
        var page = actor.Page;
        var mail = actor.Mail is null ? null : actor.Mail with { Language = booking.Language };
        if (to is BookingStatus.Cancelled or BookingStatus.Completed or BookingStatus.NoShow)
        {
            // Nothing queued for the appointment may go out once it is over or off.
            await BookingMessages.WithdrawRemindersAsync(db, booking.Id, ct);
        }
        if (to == BookingStatus.NoShow)
        {
            await money.NoShowAsync(db, booking, now, ct);
            await FreeRemainderAsync(booking, now, freed, ct);
        }
        if (to == BookingStatus.Cancelled)
        {
            if (await FreeAsync(booking, ct))
            {
                freed.Add(Freed(booking, booking.StartsAt, booking.EndsAt, "cancelled"));
            }
            if (mail is not null && messages.Mail)
            {
                // A walk-in was never sent a confirmation (and may have no address): no cancellation either.
                if (!booking.WalkIn)
                {
                    db.Outbox.Add(BookingMail.Compose(MessageKind.Cancelled, booking, page, null, mail, now));
                }
                db.Outbox.AddRange(BookingMail.BusinessNotices("cancelled", booking, page, now));
            }
        }
        else if (booking.HoldExpiresAt is not null)
        {
            await ReleaseHoldAsync(booking, ct);
        }
        if (to == BookingStatus.NoShow && mail is not null && messages.Mail && !booking.WalkIn && page?.Doc.Settings?.NoShowFollowUp == true)
        {
            db.Outbox.Add(BookingMail.NoShowFollowUp(booking, page, mail.BaseUrl, now));
        }
        if (to == BookingStatus.Confirmed && mail is not null && messages.Mail && !booking.WalkIn)
        {
            // Confirmed by the business: tell the client, with the link they already have.
            db.Outbox.Add(BookingMail.Compose(MessageKind.Confirmation, booking, page, ManageTokens.Unseal(protection, booking.ManageTokenSealed), mail, now));
        }
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> ClientConfirmCoreAsync(Booking booking, Actor actor, Instant now, CancellationToken ct)
    {
        if (booking.Status == BookingStatus.Confirmed && !booking.AwaitingClientConfirmation)
        {
            return new WriteResult.Done(booking, null);
        }
        if (!booking.AwaitingClientConfirmation || booking.Status != BookingStatus.Pending || booking.HoldExpiresAt <= now)
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.Confirmed);
        }
        booking.History.Add(Event(booking, BookingAction.Status, booking.Status, BookingStatus.Confirmed, actor.By, now));
        booking.Status = BookingStatus.Confirmed;
        booking.AwaitingClientConfirmation = false;
        booking.UpdatedAt = now;
        await ReleaseHoldAsync(booking, ct);
        if (actor.Mail is not null && messages.Mail)
        {
            db.Outbox.AddRange(messages.WithReminders(MessageKind.Confirmation, booking, actor.Page, actor.Token, actor.Mail with { Language = booking.Language }, now));
        }
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> CorrectCoreAsync(Booking booking, BookingStatus to, Actor actor, Instant now, CancellationToken ct)
    {
        var reopen = booking.Status == BookingStatus.Cancelled && to == BookingStatus.Confirmed && booking.StartsAt > now;
        var overrule = booking.Status == BookingStatus.NoShow && to is BookingStatus.Completed or BookingStatus.Confirmed;
        if (!reopen && !overrule)
        {
            return new WriteResult.BadTransition(booking.Status, to);
        }
        booking.History.Add(Event(booking, reopen ? BookingAction.Reopened : BookingAction.Overruled, booking.Status, to, actor.By, now));
        if (overrule)
        {
            // The client came after all: a no-show fee not charged yet is no longer owed.
            await Payments.NoShowFeeChanges.CancelAsync(db, booking, actor.By, now, ct);
        }
        booking.Status = to;
        booking.UpdatedAt = now;
        booking.AutoNoShowAt = null;
        booking.HoldExpiresAt = null;
        if (reopen)
        {
            // The booking takes its time again as it stands now (units, buffers, the page's calendar); if anyone
            // took it meanwhile the database refuses and the reopening is reported as taken.
            var page = actor.Page;
            var service = page?.Services.GetValueOrDefault(booking.ServiceKey);
            var usesCalendar = service is not null ? Units.UsesCalendar(service) : booking.StaffKey is null && booking.ResourceKeys.Length == 0;
            var capacity = service?.Rules.Capacity ?? 1;
            if (booking.GroupKey is not null && service is null)
            {
                return new WriteResult.BadTransition(BookingStatus.Cancelled, to);
            }
            if (!await Allocator.AddAsync(db, booking, Allocator.Rows(booking, page, usesCalendar), capacity, ct, page?.ConfigVersion))
            {
                return new WriteResult.Taken();
            }
        }
        else if (to == BookingStatus.Confirmed && booking.GroupKey is null && now < booking.EndsAt + Duration.FromMinutes(booking.BufferAfterMinutes))
        {
            // The no-show let the rest of its time go; a client who came after all takes it back, if nobody else has meanwhile.
            var service = actor.Page?.Services.GetValueOrDefault(booking.ServiceKey);
            var usesCalendar = service is not null ? Units.UsesCalendar(service) : booking.StaffKey is null && booking.ResourceKeys.Length == 0;
            await Allocator.FreeAsync(db, booking, ct);
            await Allocator.AddAsync(db, booking, Allocator.Rows(booking, actor.Page, usesCalendar), 1, ct);
        }
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> PaymentReceivedCoreAsync(Booking booking, Change.PaymentReceived p, Actor actor, Instant now, CancellationToken ct)
    {
        var reopen = p.Reopen && booking.Status == BookingStatus.Cancelled && booking.StartsAt > now &&
                     booking.History.Where(h => h.Action != BookingAction.WorkOrder).OrderBy(h => h.At).ThenBy(h => h.Id).LastOrDefault()?.Action == BookingAction.Expired;
        if (booking.Status != BookingStatus.PendingPayment && !reopen)
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.Confirmed);
        }
        booking.History.Add(Event(booking, reopen ? BookingAction.PaidReopened : BookingAction.Paid, booking.Status, BookingStatus.Confirmed, actor.By, now));
        booking.Status = BookingStatus.Confirmed;
        booking.UpdatedAt = now;
        if (reopen)
        {
            // Its hold ran out before the money came; it takes its time again only if nobody took it meanwhile.
            booking.HoldExpiresAt = null;
            var page = actor.Page;
            var service = page?.Services.GetValueOrDefault(booking.ServiceKey);
            if (service is null && booking.GroupKey is not null)
            {
                return new WriteResult.Taken();
            }
            var usesCalendar = service is not null ? Units.UsesCalendar(service) : booking.StaffKey is null && booking.ResourceKeys.Length == 0;
            if (!await Allocator.AddAsync(db, booking, Allocator.Rows(booking, page, usesCalendar), service?.Rules.Capacity ?? 1, ct, page?.ConfigVersion))
            {
                return new WriteResult.Taken();
            }
        }
        else
        {
            await ReleaseHoldAsync(booking, ct);
        }
        if (actor.Mail is not null && messages.Mail && !booking.WalkIn)
        {
            var token = ManageTokens.Unseal(protection, booking.ManageTokenSealed);
            var mail = actor.Mail with { Language = booking.Language };
            // The reminders planned with the hold are still queued, unless the expiry withdrew them.
            db.Outbox.AddRange(reopen
                ? messages.WithReminders(MessageKind.Confirmation, booking, actor.Page, token, mail, now)
                : [BookingMail.Compose(MessageKind.Confirmation, booking, actor.Page, token, mail, now)]);
        }
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> AcceptOfferCoreAsync(Booking booking, Change.AcceptOffer a, Actor actor, Instant now, CancellationToken ct)
    {
        var held = booking.Status == BookingStatus.Pending && booking.HoldExpiresAt > now && booking.StartsAt == a.Start &&
                   booking.History.Exists(h => h.Action == BookingAction.Created && h.By == Change.AcceptOffer.OfferBy);
        if (!held || (a.Claim is not null && !await a.Claim(db, now, ct)))
        {
            return new WriteResult.Taken();
        }
        if (a.Checkout is { } checkout)
        {
            // Paid online like any new booking of the service: it waits for the payment, holding its time until the offer's hold
            // ends (the session expires with it, SessionExpiry), and the payment's webhook confirms it.
            booking.History.Add(Event(booking, BookingAction.Status, booking.Status, BookingStatus.PendingPayment, actor.By, now));
            booking.Status = BookingStatus.PendingPayment;
            booking.UpdatedAt = now;
            db.CheckoutSessions.Add(checkout);
            return new WriteResult.Done(booking, null) { PaymentUrl = checkout.Url };
        }
        booking.History.Add(Event(booking, BookingAction.Status, booking.Status, BookingStatus.Confirmed, actor.By, now));
        booking.Status = BookingStatus.Confirmed;
        booking.UpdatedAt = now;
        booking.AutoNoShowAt = a.Page.SettingsFor(booking.BranchKey).AutoNoShowMinutes is { } late ? booking.StartsAt + Duration.FromMinutes(late) : null;
        await ReleaseHoldAsync(booking, ct);
        if (actor.Mail is not null && messages.Mail)
        {
            var token = actor.Token ?? ManageTokens.Unseal(protection, booking.ManageTokenSealed);
            db.Outbox.AddRange(messages.WithReminders(MessageKind.Confirmation, booking, a.Page, token, actor.Mail with { Language = booking.Language }, now));
            db.Outbox.AddRange(BookingMail.BusinessNotices("new", booking, a.Page, now));
        }
        return new WriteResult.Done(booking, null);
    }

    /// <summary>
    /// Attendance: the client came. Read under the row lock, so of two check-ins at once the second finds the first's and
    /// records nothing. Time and allocations stay as they are; the automatic no-show no longer applies.
    /// </summary>
    private static WriteResult CheckInCore(Booking booking, Actor actor, Instant now)
    {
        if (booking.CheckedInAt is not null)
        {
            return new WriteResult.Done(booking, null);
        }
        if (booking.Status is not (BookingStatus.Confirmed or BookingStatus.InProgress))
        {
            return new WriteResult.BadTransition(booking.Status, BookingAction.CheckedIn.ToWire());
        }
        if (!CheckInWindow.IsOpen(booking, now))
        {
            // Judged under the row lock with the app's clock: a week early or after the end is refused, field by field.
            var zone = actor.Page?.Zone ?? Infrastructure.TimeFormats.Zone(booking.TimeZone) ?? DateTimeZone.Utc;
            var errors = new Infrastructure.Errors();
            errors.Add("start", System.FormattableString.Invariant(
                $"Check-in is open from {(int)CheckInWindow.OpensBefore.TotalMinutes} minutes before the booking starts until it ends: from {Infrastructure.TimeFormats.Format(CheckInWindow.Opens(booking), zone)} to {Infrastructure.TimeFormats.Format(booking.EndsAt, zone)}."));
            return new WriteResult.Invalid(errors);
        }
        booking.CheckedInAt = now;
        booking.AutoNoShowAt = null;
        booking.UpdatedAt = now;
        booking.History.Add(Event(booking, BookingAction.CheckedIn, booking.Status, booking.Status, actor.By, now));
        return new WriteResult.Done(booking, null);
    }

    /// <summary>A check-in taken back (a wrong row ticked): only before the booking ends. The page's automatic no-show applies again.</summary>
    private static WriteResult UndoCheckInCore(Booking booking, Actor actor, Instant now)
    {
        if (booking.CheckedInAt is null)
        {
            return new WriteResult.Done(booking, null);
        }
        if (now >= booking.EndsAt)
        {
            return new WriteResult.BadTransition(booking.Status, BookingAction.CheckInUndone.ToWire());
        }
        booking.CheckedInAt = null;
        // The booking's own branch decides, as when it was made (a branch may turn the automatic no-show off).
        if (booking.Status == BookingStatus.Confirmed && actor.Page?.SettingsFor(booking.BranchKey).AutoNoShowMinutes is { } late and > 0)
        {
            booking.AutoNoShowAt = booking.StartsAt + Duration.FromMinutes(late);
        }
        booking.UpdatedAt = now;
        booking.History.Add(Event(booking, BookingAction.CheckInUndone, booking.Status, booking.Status, actor.By, now));
        return new WriteResult.Done(booking, null);
    }
}
