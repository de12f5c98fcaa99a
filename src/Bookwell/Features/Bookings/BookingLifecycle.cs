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
/// This file holds the way in (the write loop, the row lock, the dispatch) and the move in time; the status changes
/// people make are in BookingLifecycle.Status.cs, the ones the clock makes (expiry, automatic no-show) in
/// BookingLifecycle.TimeRules.cs.
/// </summary>
public sealed partial class BookingLifecycle(BookwellDb db, IClock clock, BookingWrite write, BookingMessages messages, IDataProtectionProvider protection,
    BookingMoney money)
{
    private const int Attempts = 4;

    // Fields, not the constructor's parameters, so every part of the class reads the same ones.
    private readonly BookwellDb db = db;
    private readonly BookingMessages messages = messages;
    private readonly IDataProtectionProvider protection = protection;
    private readonly BookingMoney money = money;
    private readonly IClock clock = clock;
    private readonly BookingWrite write = write;

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

    public Task<WriteResult> SetWorkOrderAsync(Guid id, WorkOrders.WorkOrderView? link, Actor actor, CancellationToken ct) =>
        TransitionAsync(id, new Change.SetWorkOrder(link), actor, ct);

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
    /// Cancels several bookings (a series' remaining dates) in one transaction, each through the state machine as stored now, and
    /// plans the one message <paramref name="compose"/> makes for the ones this call cancelled, in the same transaction. Two such calls
    /// at once run one after the other (the business's busy version, then each row): the second finds every date cancelled already,
    /// cancels nothing and plans no message. Answers the bookings this call cancelled.
    /// </summary>
    public Task<List<Booking>> CancelManyAsync(IReadOnlyList<Guid> ids, Actor actor, Func<IReadOnlyList<Booking>, IEnumerable<OutboxMessage>> compose,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(compose);
        return write.RunAsync<List<Booking>>(Attempts, [], async attempt =>
        {
            var now = clock.GetCurrentInstant();
            var cancelled = new List<Booking>();
            // One order for every caller, so two of them never wait for each other's rows.
            foreach (var id in ids.Distinct().Order())
            {
                if (await LockAsync(db, id, ct) is not { } booking)
                {
                    continue;
                }
                if (await ApplyAsync(booking, new Change.SetStatus(BookingStatus.Cancelled), actor, now, attempt.Freed, ct) is WriteResult.Done { Unchanged: false })
                {
                    await money.AfterChangeAsync(db, booking, actor, ct);
                    cancelled.Add(booking);
                }
            }
            if (cancelled.Count == 0)
            {
                return attempt.Answer(cancelled);
            }
            cancelled.Sort((a, b) => a.StartsAt.CompareTo(b.StartsAt));
            db.Outbox.AddRange(compose(cancelled));
            return attempt.Commit(cancelled);
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
            Change.SetWorkOrder w => WorkOrderCore(booking, w, actor, now),
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
        if (s.End <= booking.StartsAt || s.End == booking.EndsAt)
        {
            errors.Add("end", System.FormattableString.Invariant(
                $"Must be after the start ({Infrastructure.TimeFormats.Format(booking.StartsAt, zone)}) and differ from the current end ({Infrastructure.TimeFormats.Format(booking.EndsAt, zone)})."));
            return new WriteResult.Invalid(errors);
        }
        // Busy time is read back only as far as the business's longest allocation (the page's lookback): a booking made
        // longer than that would be missed by the reads that keep others off it.
        var longest = s.Page?.Lookback ?? Availability.AvailabilityLoader.MaxAllocation;
        var held = s.End - booking.StartsAt + Duration.FromMinutes(booking.BufferBeforeMinutes + booking.BufferAfterMinutes +
                                                                      Math.Max(booking.TravelBeforeMinutes, booking.VehicleTravelBeforeMinutes) +
                                                                      Math.Max(booking.TravelAfterMinutes, booking.VehicleTravelAfterMinutes));
        if (s.End > booking.EndsAt && held > longest)
        {
            var latest = booking.StartsAt + longest - (held - (s.End - booking.StartsAt));
            errors.Add("end", System.FormattableString.Invariant(
                $"At most {Infrastructure.TimeFormats.Format(latest, zone)}: a booking may not run longer than the business's longest service with its buffers."));
            return new WriteResult.Invalid(errors);
        }
        var service = s.Page?.Services.GetValueOrDefault(booking.ServiceKey);
        var usesCalendar = service is not null ? Units.UsesCalendar(service) : booking.StaffKey is null && booking.ResourceKeys.Length == 0;
        var previousEnd = booking.EndsAt;
        var longer = s.End > previousEnd;
        await FreeAsync(booking, ct);
        booking.EndsAt = s.End;
        booking.UpdatedAt = now;
        booking.History.Add(Event(booking, longer ? BookingAction.Extended : BookingAction.Shortened, booking.Status, booking.Status, actor.By, now));
        // A later end is judged by the database like any taken time: the units' exclusion refuses an overlap.
        if (!await Allocator.AddAsync(db, booking, Allocator.Rows(booking, s.Page, usesCalendar), 1, ct, s.Page?.ConfigVersion))
        {
            return new WriteResult.Taken();
        }
        if (!longer)
        {
            freed.Add(Freed(booking, s.End, previousEnd, "shortened"));
        }
        return new WriteResult.Done(booking, null);
    }

    /// <summary>The same link again records nothing; any other change (the address alone included) records the references before and after.</summary>
    private static WriteResult WorkOrderCore(Booking booking, Change.SetWorkOrder w, Actor actor, Instant now)
    {
        var (reference, url) = (w.Link?.Reference, w.Link?.Url);
        if (booking.WorkOrderReference == reference && booking.WorkOrderUrl == url)
        {
            return new WriteResult.Done(booking, null) { Unchanged = true };
        }
        var evt = Event(booking, BookingAction.WorkOrder, booking.Status, booking.Status, actor.By, now);
        evt.PreviousWorkOrder = booking.WorkOrderReference;
        evt.NewWorkOrder = reference;
        booking.History.Add(evt);
        booking.WorkOrderReference = reference;
        booking.WorkOrderUrl = url;
        booking.UpdatedAt = now;
        return new WriteResult.Done(booking, null);
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
