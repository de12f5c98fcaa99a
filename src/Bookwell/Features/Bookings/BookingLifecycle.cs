using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The one way a booking's time or status changes. Every change loads the booking fresh under the write lock
/// (SQLite: the single writer; PostgreSQL: <c>SELECT ... FOR UPDATE</c> on its row), checks the state machine
/// against what is stored now, frees or moves its allocations, writes its history, plans and withdraws its
/// messages, and after the commit raises one <see cref="TimeFreed"/> for time it let go. Two changes of one
/// booking therefore run one after the other and the second sees the first's outcome.
/// </summary>
public sealed class BookingLifecycle(BookwellDb db, IClock clock, BookingWrite write, BookingMessages messages, IDataProtectionProvider protection,
    BookingMoney money)
{
    private const int Attempts = 4;

    public Task<WriteResult> RescheduleAsync(Guid id, CompiledPage page, ServiceModel service, Instant start, Actor actor, CancellationToken ct,
        string? toStaff = null) => TransitionAsync(id, new Change.Reschedule(page, service, start, toStaff), actor, ct);

    public Task<WriteResult> ChangeStatusAsync(Guid id, BookingStatus to, Actor actor, CancellationToken ct) =>
        TransitionAsync(id, new Change.SetStatus(to), actor, ct);

    public Task<WriteResult> ConfirmByClientAsync(Guid id, Actor actor, CancellationToken ct) =>
        TransitionAsync(id, new Change.ClientConfirm(), actor, ct);

    public Task<WriteResult> CorrectAsync(Guid id, BookingStatus to, Actor actor, CancellationToken ct) =>
        TransitionAsync(id, new Change.Correct(to), actor, ct);

    public Task<WriteResult> ShortenAsync(Guid id, CompiledPage? page, Instant end, Actor actor, CancellationToken ct) =>
        TransitionAsync(id, new Change.Shorten(page, end), actor, ct);

    /// <summary>Runs one change in its own transaction (<see cref="BookingWrite"/>); a refusal by the database (someone took the time) is retried, then reported as taken.</summary>
    public Task<WriteResult> TransitionAsync(Guid id, Change change, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(actor);
        // Fresh: nothing read before the lock may decide anything. The busy version is locked before the booking's row.
        return write.RunAsync<WriteResult>(Attempts, new WriteResult.Taken(), async attempt =>
        {
            var booking = await LockAsync(db, id, ct);
            if (booking is null)
            {
                return attempt.Answer(new WriteResult.Missing());
            }
            var result = await ApplyAsync(booking, change, actor, clock.GetCurrentInstant(), attempt.Freed, ct);
            if (result is not WriteResult.Done)
            {
                return attempt.Answer(result);
            }
            await money.AfterChangeAsync(db, booking, actor, ct);
            return attempt.Commit(result);
        }, ct);
    }

    /// <summary>
    /// A change inside the caller's transaction, for work that must commit together with its own records (a
    /// payment and the provider event that announced it). The caller holds the write gate, has begun the
    /// transaction, read the booking through <see cref="LockAsync"/>, saves, commits, and then calls
    /// <see cref="RaiseAsync"/> with <paramref name="freed"/>.
    /// </summary>
    public Task<WriteResult> ApplyLockedAsync(Booking booking, Change change, Actor actor, List<TimeFreed> freed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(actor);
        return ApplyAsync(booking, change, actor, clock.GetCurrentInstant(), freed, ct);
    }

    /// <summary>
    /// Reads the booking with its history for a change: on PostgreSQL its row is locked until the transaction
    /// ends, so a concurrent change of the same booking waits and then reads this one's result. A copy already
    /// tracked (read before the lock) is let go first; EF would otherwise hand it back unchanged.
    /// </summary>
    public static async Task<Booking?> LockAsync(BookwellDb db, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        foreach (var entry in db.ChangeTracker.Entries<Booking>().Where(e => e.Entity.Id == id).ToList())
        {
            foreach (var evt in entry.Entity.History)
            {
                db.Entry(evt).State = EntityState.Detached;
            }
            entry.State = EntityState.Detached;
        }
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Bookings" WHERE "Id" = {id} AND "TenantId" = {db.TenantId} FOR UPDATE""", ct);
        }
        return await db.Bookings.Include(b => b.History).FirstOrDefaultAsync(b => b.Id == id, ct);
    }

    /// <summary>The change itself, inside the caller's transaction on a booking read by <see cref="LockAsync"/>.</summary>
    private async Task<WriteResult> ApplyAsync(Booking booking, Change change, Actor actor, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        var before = booking.Status;
        var result = await ApplyCoreAsync(booking, change, actor, now, freed, ct);
        if (result is WriteResult.Done)
        {
            await AnnounceAsync(booking, before, change is Change.Reschedule or Change.Shorten, now, ct);
        }
        return result;
    }

    /// <summary>Queues the webhook event the change amounts to (contract 4.7), in the change's own transaction.</summary>
    private Task AnnounceAsync(Booking booking, BookingStatus before, bool moved, Instant now, CancellationToken ct) =>
        Webhooks.WebhookQueue.ForChange(before, booking.Status, moved) is { } type
            ? Webhooks.WebhookQueue.QueueAsync(db, type, booking, now, ct)
            : Task.CompletedTask;

    private async Task<WriteResult> ApplyCoreAsync(Booking booking, Change change, Actor actor, Instant now, List<TimeFreed> freed, CancellationToken ct) =>
        change switch
        {
            Change.Reschedule r => await RescheduleCoreAsync(booking, r, actor, now, freed, ct),
            Change.SetStatus s => await SetStatusCoreAsync(booking, s.To, actor, now, freed, ct),
            Change.ClientConfirm => await ClientConfirmCoreAsync(booking, actor, now, ct),
            Change.Correct c => await CorrectCoreAsync(booking, c.To, actor, now, ct),
            Change.Expire => await ExpireCoreAsync(booking, now, freed, ct),
            Change.AutoNoShow => await AutoNoShowCoreAsync(booking, now, freed, ct),
            Change.AcceptOffer a => await AcceptOfferCoreAsync(booking, a, actor, now, ct),
            Change.PaymentReceived p => await PaymentReceivedCoreAsync(booking, p, actor, now, ct),
            Change.CheckoutExpired => await ExpireCoreAsync(booking, now, freed, ct, checkoutEnded: true),
            Change.CheckIn => CheckInCore(booking, actor, now),
            Change.UndoCheckIn => UndoCheckInCore(booking, actor, now),
            Change.Shorten sh => await ShortenCoreAsync(booking, sh, actor, now, freed, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

    private async Task<WriteResult> RescheduleCoreAsync(Booking booking, Change.Reschedule r, Actor actor, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (!booking.Status.IsOpen())
        {
            return new WriteResult.BadTransition(booking.Status, "rescheduled");
        }
        if (booking.HoldExpiresAt <= now)
        {
            // Its own hold ran out: the time rules cancel it; it cannot move.
            return new WriteResult.BadTransition(booking.Status, "rescheduled");
        }
        // Expired holds still block in the database; let them go before competing for the new time.
        await ApplyTimeRulesAsync(now, allTenants: false, freed, null, ct);
        var previousStart = booking.StartsAt;
        var left = Freed(booking, booking.StartsAt, booking.EndsAt, "rescheduled");
        // Free the old time inside the transaction so the booking may move to an overlapping slot.
        await FreeAsync(booking, ct);
        if (!await BookingMove.PlaceAsync(db, booking, r, now, ct))
        {
            return new WriteResult.Taken();
        }
        var service = r.Service;
        booking.UpdatedAt = now;
        var evt = Event(booking, BookingAction.Rescheduled, booking.Status, booking.Status, actor.By, now);
        evt.PreviousStart = previousStart;
        evt.NewStart = r.Start;
        booking.History.Add(evt);
        if (!await Allocator.AddAsync(db, booking, Allocator.Rows(booking, r.Page, Units.UsesCalendar(service)), service.Rules.Capacity, ct, r.Page.ConfigVersion))
        {
            return new WriteResult.Taken();
        }
        await BookingMessages.WithdrawRemindersAsync(db, booking.Id, ct);
        if (actor.Mail is not null)
        {
            var token = actor.Token ?? ManageTokens.Unseal(protection, booking.ManageTokenSealed);
            var context = actor.Mail with { Language = booking.Language };
            if (r.InSeries)
            {
                db.Outbox.AddRange(messages.Reminders(booking, r.Page, token, context, now));
            }
            else if (messages.Mail)
            {
                db.Outbox.AddRange(messages.WithReminders(MessageKind.Rescheduled, booking, r.Page, token, context, now));
                db.Outbox.AddRange(BookingMail.BusinessNotices("rescheduled", booking, r.Page, now));
            }
            else
            {
                db.Outbox.AddRange(messages.SmsReminders(booking, r.Page, token, context, now));
            }
        }
        freed.Add(left);
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> SetStatusCoreAsync(Booking booking, BookingStatus to, Actor actor, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.Status == to)
        {
            return new WriteResult.Done(booking, null);
        }
        if (!booking.Status.CanMoveTo(to))
        {
            return new WriteResult.BadTransition(booking.Status, to);
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
                     booking.History.OrderBy(h => h.At).ThenBy(h => h.Id).LastOrDefault()?.Action == BookingAction.Expired;
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

    private async Task<WriteResult> ExpireCoreAsync(Booking booking, Instant now, List<TimeFreed> freed, CancellationToken ct, bool checkoutEnded = false)
    {
        if (booking.Status is not (BookingStatus.Pending or BookingStatus.PendingPayment) ||
            (checkoutEnded ? booking.Status != BookingStatus.PendingPayment : booking.HoldExpiresAt is null || booking.HoldExpiresAt > now))
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.Cancelled);
        }
        booking.History.Add(Event(booking, BookingAction.Expired, booking.Status, BookingStatus.Cancelled, "system", now));
        booking.Status = BookingStatus.Cancelled;
        booking.UpdatedAt = now;
        await BookingMessages.WithdrawRemindersAsync(db, booking.Id, ct);
        if (await FreeAsync(booking, ct))
        {
            freed.Add(Freed(booking, booking.StartsAt, booking.EndsAt, "expired"));
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

    /// <summary>
    /// An earlier end, judged under the row lock against the booking as stored now. Its units are let go and taken again for the
    /// shorter time (buffers and travel after it move with the end), all inside this transaction, so the remainder is free the
    /// moment it commits and is raised as freed time (reason <c>shortened</c>) for the waitlist.
    /// </summary>
    private async Task<WriteResult> ShortenCoreAsync(Booking booking, Change.Shorten s, Actor actor, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.Status is not (BookingStatus.Pending or BookingStatus.PendingPayment or BookingStatus.Confirmed or BookingStatus.InProgress))
        {
            return new WriteResult.BadTransition(booking.Status, BookingAction.Shortened.ToWire());
        }
        var zone = s.Page?.Zone ?? Infrastructure.TimeFormats.Zone(booking.TimeZone) ?? DateTimeZone.Utc;
        var errors = new Infrastructure.Errors();
        if (booking.GroupKey is not null || booking.VisitPartsJson is not null)
        {
            // A class seat ends with its class; a visit's parts each hold their own time.
            errors.Add("end", "A seat in a class or a visit of several services cannot be shortened.");
            return new WriteResult.Invalid(errors);
        }
        if (s.End <= booking.StartsAt || s.End >= booking.EndsAt)
        {
            errors.Add("end", System.FormattableString.Invariant(
                $"Must be after the start ({Infrastructure.TimeFormats.Format(booking.StartsAt, zone)}) and before the current end ({Infrastructure.TimeFormats.Format(booking.EndsAt, zone)})."));
            return new WriteResult.Invalid(errors);
        }
        var service = s.Page?.Services.GetValueOrDefault(booking.ServiceKey);
        var usesCalendar = service is not null ? Units.UsesCalendar(service) : booking.StaffKey is null && booking.ResourceKeys.Length == 0;
        var previousEnd = booking.EndsAt;
        await FreeAsync(booking, ct);
        booking.EndsAt = s.End;
        booking.UpdatedAt = now;
        booking.History.Add(Event(booking, BookingAction.Shortened, booking.Status, booking.Status, actor.By, now));
        if (!await Allocator.AddAsync(db, booking, Allocator.Rows(booking, s.Page, usesCalendar), 1, ct, s.Page?.ConfigVersion))
        {
            return new WriteResult.Taken();
        }
        freed.Add(Freed(booking, s.End, previousEnd, "shortened"));
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> AutoNoShowCoreAsync(Booking booking, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.Status != BookingStatus.Confirmed || booking.AutoNoShowAt is null || booking.AutoNoShowAt > now || booking.CheckedInAt is not null)
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.NoShow);
        }
        booking.History.Add(Event(booking, BookingAction.Status, booking.Status, BookingStatus.NoShow, "system", now));
        booking.Status = BookingStatus.NoShow;
        booking.UpdatedAt = now;
        await BookingMessages.WithdrawRemindersAsync(db, booking.Id, ct);
        await money.NoShowAsync(db, booking, now, ct);
        await FreeRemainderAsync(booking, now, freed, ct);
        return new WriteResult.Done(booking, null);
    }

    /// <summary>
    /// A no-show leaves the rest of its time unused: it is let go (for the waitlist and anyone else) from now on.
    /// Class members keep their seat on record; the class itself goes on.
    /// </summary>
    private async Task FreeRemainderAsync(Booking booking, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.GroupKey is not null || now >= booking.EndsAt + Duration.FromMinutes(booking.BufferAfterMinutes))
        {
            return;
        }
        if (await Allocator.TrimAsync(db, booking, now, ct) && now < booking.EndsAt)
        {
            freed.Add(Freed(booking, now > booking.StartsAt ? now : booking.StartsAt, booking.EndsAt, "no_show"));
        }
    }

    /// <summary>
    /// Expiries and automatic no-shows that are due, each through the same change as any other, inside the
    /// caller's transaction (the time-rules worker's, or a booking's that needs expired holds out of the way).
    /// </summary>
    /// <returns>How many bookings changed.</returns>
    public async Task<int> ApplyTimeRulesAsync(Instant now, bool allTenants, List<TimeFreed> freed, List<Guid>? noShows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freed);
        // The worker serves every tenant; requests stay inside their own.
        var bookings = allTenants ? db.Bookings.IgnoreQueryFilters() : db.Bookings;
        var due = await bookings
            .Where(b => b.HoldExpiresAt != null && b.HoldExpiresAt <= now && (b.Status == BookingStatus.Pending || b.Status == BookingStatus.PendingPayment))
            .OrderBy(b => b.HoldExpiresAt).Select(b => new { b.Id, b.TenantId, NoShow = false })
            .Take(TimeRules.BatchSize).ToListAsync(ct);
        due.AddRange(await bookings
            .Where(b => b.AutoNoShowAt != null && b.AutoNoShowAt <= now && b.Status == BookingStatus.Confirmed)
            .OrderBy(b => b.AutoNoShowAt).Select(b => new { b.Id, b.TenantId, NoShow = true })
            .Take(TimeRules.BatchSize).ToListAsync(ct));
        // Busy versions are locked business by business in one order on every node (see BusyVersions).
        due = [.. due.OrderBy(b => b.TenantId)];
        Guid? locked = null;
        var changed = 0;
        var tenant = db.TenantId;
        try
        {
            foreach (var b in due)
            {
                db.TenantId = b.TenantId;
                if (locked != b.TenantId)
                {
                    await BusyVersions.BumpAsync(db, b.TenantId, ct);
                    locked = b.TenantId;
                }
                var booking = await LockAsync(db, b.Id, ct);
                if (booking is null)
                {
                    continue;
                }
                var before = booking.Status;
                var result = b.NoShow ? await AutoNoShowCoreAsync(booking, now, freed, ct) : await ExpireCoreAsync(booking, now, freed, ct);
                if (result is WriteResult.Done)
                {
                    await AnnounceAsync(booking, before, moved: false, now, ct);
                    changed++;
                    if (b.NoShow)
                    {
                        noShows?.Add(b.Id);
                    }
                }
            }
        }
        finally
        {
            db.TenantId = tenant;
        }
        return changed;
    }

    /// <summary>After the commit: tells listeners which time came free.</summary>
    public Task RaiseAsync(IReadOnlyList<TimeFreed> freed, CancellationToken ct) => write.RaiseAsync(freed, ct);

    private Task<bool> FreeAsync(Booking booking, CancellationToken ct) => Allocator.FreeAsync(db, booking, ct);

    private Task ReleaseHoldAsync(Booking booking, CancellationToken ct) => Allocator.ReleaseHoldAsync(db, booking, ct);

    private static TimeFreed Freed(Booking b, Instant start, Instant end, string reason) =>
        new(b.TenantId, b.Id, b.PageSlug, b.ServiceKey, b.StaffKey, b.BranchKey, start, end, reason);

    public static BookingEvent Event(Booking b, BookingAction action, BookingStatus? from, BookingStatus to, string by, Instant at)
    {
        ArgumentNullException.ThrowIfNull(b);
        return Event(b.TenantId, b.Id, action, from, to, by, at);
    }

    public static BookingEvent Event(Guid tenantId, Guid bookingId, BookingAction action, BookingStatus? from, BookingStatus to, string by, Instant at) => new()
    {
        TenantId = tenantId,
        BookingId = bookingId,
        Action = action,
        FromStatus = from,
        ToStatus = to,
        By = by,
        At = at,
    };
}
