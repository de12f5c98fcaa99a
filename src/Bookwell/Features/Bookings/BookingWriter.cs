using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;

namespace Bookwell.Features.Bookings;

public abstract record WriteResult
{
    public sealed record Done(Booking Booking, string? ManageToken) : WriteResult;
    public sealed record Taken : WriteResult;
    public sealed record BadTransition(string From, string To) : WriteResult;
    public sealed record Invalid(Infrastructure.Errors Errors) : WriteResult;
}

/// <summary>
/// Every write that takes or frees time. Each runs in one transaction: the engine checks the time is free
/// and the database refuses an overlap anyway (exclusion constraint / trigger), so a lost race surfaces as a
/// conflict, which is retried a few times (another staff member or seat may still be free) and then reported.
/// On SQLite the writers also queue on one in-process gate, as SQLite has a single writer in any case.
/// </summary>
public sealed class BookingWriter(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IEnumerable<IEmailSender> senders,
    IEnumerable<ISmsSender> smsSenders, IConfiguration config, Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection,
    BookingBatcher batcher)
{
    private const int Attempts = 4;

    // Without a sender for a channel nothing would ever drain its messages, so none are queued.
    private readonly bool _mail = senders.Any();
    private readonly bool _sms = smsSenders.Any();
    private readonly string _region = SmsOptions.DefaultRegion(config);

    public async Task<WriteResult> CreateAsync(ValidBooking v, string by, MailContext? mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        // Group classes pick a seat and file answers claim uploads inside the transaction; those go one by one.
        var groupable = batcher.Enabled && v.Service.Rules.Capacity == 1 && !v.Service.Doc.Fields!.Exists(f => f.Type == "file");
        for (var attempt = 1; ; attempt++)
        {
            // Choosing staff and resources only reads, so it runs outside the write lock; the database
            // refuses the insert if someone else took the time meanwhile, and the loop chooses again.
            var now = clock.GetCurrentInstant();
            var start = v.Start == default ? now : v.Start;
            // With the staff member named and no resource to pick, busy time cannot change which assignment is
            // made, only whether it can be: the group writer answers that for its whole group in one query
            // (BookingBatcher: Taken / TakenAndCustomers) instead of each request reading on its own.
            var rulesOnly = groupable && attempt == 1 && v.Staff is not null && !v.WalkIn && v.Service.Rules.RequiresStaff &&
                            v.Service.Rules.ResourceTypes.Count == 0;
            var assignment = await AssignAsync(v.Page, v.Service, start, v.Branch, v.Staff, v.Resources, v.WalkIn, now, ct, rulesOnly);
            if (assignment is null)
            {
                return new WriteResult.Taken();
            }
            var token = ManageTokens.Create();
            var draft = Draft(v, by, mail, token, start, assignment.Value.Branch, assignment.Value.Assignment, now);
            if (groupable && attempt == 1)
            {
                if (await batcher.CommitAsync(draft, ct))
                {
                    return new WriteResult.Done(draft.Booking, token);
                }
                continue;
            }
            using var _ = await gate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                if (attempt > 1)
                {
                    // Expired holds still block in the database until released; they only matter after a refusal.
                    await ExpireHoldsAsync(now, ct);
                }
                var booking = draft.Booking;
                booking.CustomerId = (await UpsertCustomerAsync(v, now, ct)).Id;
                db.Bookings.Add(booking);
                if (await AttachUploadsAsync(booking, v, ct) is { Any: true } bad)
                {
                    return new WriteResult.Invalid(bad);
                }
                await AllocateAsync(booking, draft.Allocations, v.Service, ct);
                db.Outbox.AddRange(draft.Messages);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                outbox.Notify();
                return new WriteResult.Done(booking, token);
            }
            catch (DbUpdateException ex) when (IsConflict(ex) && attempt < Attempts)
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateException ex) when (IsConflict(ex))
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return new WriteResult.Taken();
            }
        }
    }

    /// <summary>The booking, its time allocations and its messages, built in memory; the customer is linked when written.</summary>
    private BookingDraft Draft(ValidBooking v, string by, MailContext? mail, string token, Instant start, string? branch, Assignment assignment, Instant now)
    {
        var settings = v.Page.Doc.Settings!;
        var optIn = by == "customer" && settings.DoubleOptInHours is not null && settings.RequiresApproval != true &&
                    v.Service.Doc.Payment is not ("now" or "deposit");
        var status = (settings.RequiresApproval == true && by == "customer") || optIn ? BookingStatus.Pending
            : v.Service.Doc.Payment is "now" or "deposit" && by == "customer" ? BookingStatus.PendingPayment
            : BookingStatus.Confirmed;
        Instant? holdUntil = status switch
        {
            BookingStatus.PendingPayment => now + Duration.FromMinutes(settings.PaymentHoldMinutes ?? 30),
            BookingStatus.Pending => now + Duration.FromHours(optIn ? settings.DoubleOptInHours!.Value : 24),
            _ => null,
        };
        var booking = new Booking
        {
            Id = Guid.CreateVersion7(),
            TenantId = db.TenantId,
            PageSlug = v.Page.Slug,
            ServiceKey = v.Service.Key,
            ServiceName = v.Service.Doc.Name!,
            StaffKey = assignment.Staff,
            BranchKey = branch,
            ResourceKeys = AvailabilityLoader.FormatSeats(assignment.Resources),
            StartsAt = start,
            EndsAt = start + v.Service.Rules.Duration,
            BufferBeforeMinutes = (int)v.Service.Rules.BufferBefore.TotalMinutes,
            BufferAfterMinutes = (int)v.Service.Rules.BufferAfter.TotalMinutes,
            Status = status,
            TimeZone = v.TimeZone.Id,
            CustomerName = v.CustomerName,
            CustomerEmail = v.CustomerEmail,
            CustomerPhone = v.CustomerPhone,
            PhoneE164 = Phone.ToE164(v.CustomerPhone, _region),
            AnswersJson = v.AnswersJson,
            Notes = v.Notes,
            MarketingOptIn = v.MarketingOptIn,
            TermsAccepted = v.TermsAccepted,
            LocationJson = v.LocationJson,
            Language = mail?.Language ?? "en",
            WalkIn = v.WalkIn,
            GroupKey = v.Service.Rules.Capacity > 1 ? AvailabilityLoader.GroupKey(v.Page.Slug, v.Service.Key, start) : null,
            ManageTokenHash = ManageTokens.Hash(token),
            ManageTokenSealed = ManageTokens.Seal(protection, token),
            HoldExpiresAt = holdUntil,
            AwaitingClientConfirmation = optIn,
            AutoNoShowAt = settings.AutoNoShowMinutes is { } late ? start + Duration.FromMinutes(late) : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        booking.History.Add(Event(booking, "created", null, status, by, now));
        var messages = new List<OutboxMessage>();
        if (_mail && !v.WalkIn)
        {
            if (mail is not null && optIn)
            {
                messages.Add(BookingMail.Compose("confirm-request", booking, v.Page, token, mail, now));
            }
            else if (mail is not null)
            {
                messages.AddRange(WithReminders("confirmation", booking, v.Page, token, mail, now));
            }
            messages.AddRange(BookingMail.BusinessNotices("new", booking, v.Page, now));
        }
        else if (_sms && !v.WalkIn && !optIn && mail is not null)
        {
            messages.AddRange(SmsReminders(booking, v.Page, token, mail, now));
        }
        return new BookingDraft
        {
            Booking = booking,
            Allocations = Allocations(booking, v.Page, v.Service, assignment),
            Messages = messages,
            Lookback = v.Page.Lookback,
            CustomerEmail = v.CustomerEmail,
            CustomerName = v.CustomerName,
            CustomerPhone = v.CustomerPhone,
            MarketingOptIn = v.MarketingOptIn,
            Now = now,
        };
    }

    public async Task<WriteResult> RescheduleAsync(Booking booking, CompiledPage page, ServiceModel service, Instant start, string by,
        MailContext? mail, string? token, CancellationToken ct, string? toStaff = null)
    {
        ArgumentNullException.ThrowIfNull(booking);
        token ??= ManageTokens.Unseal(protection, booking.ManageTokenSealed);
        if (!BookingStatus.IsOpen(booking.Status))
        {
            return new WriteResult.BadTransition(booking.Status, "rescheduled");
        }
        var id = booking.Id;
        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var now = clock.GetCurrentInstant();
                await ExpireHoldsAsync(now, ct);
                var current = await db.Bookings.Include(b => b.History).FirstAsync(b => b.Id == id, ct);
                if (!BookingStatus.IsOpen(current.Status))
                {
                    return new WriteResult.BadTransition(current.Status, "rescheduled");
                }
                // Free the old time inside the transaction so the booking may move to an overlapping slot.
                await db.Allocations.Where(a => a.BookingId == id && a.Live).ExecuteUpdateAsync(s => s.SetProperty(a => a.Live, false), ct);
                // An operator who drops the booking on a staff member's column means that person, nobody else.
                var assignment = toStaff is not null
                    ? await AssignAsync(page, service, start, null, toStaff, null, false, now, ct)
                    : await AssignAsync(page, service, start, current.BranchKey, current.StaffKey, null, false, now, ct)
                      ?? await AssignAsync(page, service, start, null, null, null, false, now, ct);
                if (assignment is null)
                {
                    await tx.RollbackAsync(ct);
                    return new WriteResult.Taken();
                }
                var previous = current.StartsAt;
                current.StartsAt = start;
                current.EndsAt = start + service.Rules.Duration;
                current.StaffKey = assignment.Value.Assignment.Staff;
                current.BranchKey = assignment.Value.Branch;
                current.ResourceKeys = AvailabilityLoader.FormatSeats(assignment.Value.Assignment.Resources);
                current.GroupKey = service.Rules.Capacity > 1 ? AvailabilityLoader.GroupKey(page.Slug, service.Key, start) : null;
                current.AutoNoShowAt = page.Doc.Settings!.AutoNoShowMinutes is { } late ? start + Duration.FromMinutes(late) : null;
                current.UpdatedAt = now;
                var evt = Event(current, "rescheduled", current.Status, current.Status, by, now);
                evt.PreviousStart = previous;
                evt.NewStart = start;
                current.History.Add(evt);
                await AllocateAsync(current, Allocations(current, page, service, assignment.Value.Assignment), service, ct);
                if (mail is not null && _mail)
                {
                    var context = mail with { Language = current.Language };
                    await WithdrawRemindersAsync(id, ct);
                    QueueWithReminder("rescheduled", current, page, token, context, now);
                    db.Outbox.AddRange(BookingMail.BusinessNotices("rescheduled", current, page, now));
                }
                else if (mail is not null && _sms)
                {
                    await WithdrawRemindersAsync(id, ct);
                    QueueSmsReminders(current, page, token, mail with { Language = current.Language }, now);
                }
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                outbox.Notify();
                return new WriteResult.Done(current, null);
            }
            catch (DbUpdateException ex) when (IsConflict(ex))
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                if (attempt >= Attempts)
                {
                    return new WriteResult.Taken();
                }
            }
        }
    }

    /// <summary>The client confirms a double opt-in booking from the link in the e-mail.</summary>
    public async Task<WriteResult> ConfirmByClientAsync(Guid id, CompiledPage? page, MailContext? mail, string token, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetCurrentInstant();
        var booking = await db.Bookings.Include(b => b.History).FirstAsync(b => b.Id == id, ct);
        if (booking.Status == BookingStatus.Confirmed && !booking.AwaitingClientConfirmation)
        {
            return new WriteResult.Done(booking, null);
        }
        if (!booking.AwaitingClientConfirmation || booking.Status != BookingStatus.Pending || booking.HoldExpiresAt <= now)
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.Confirmed);
        }
        booking.History.Add(Event(booking, "status", booking.Status, BookingStatus.Confirmed, "customer", now));
        booking.Status = BookingStatus.Confirmed;
        booking.AwaitingClientConfirmation = false;
        booking.HoldExpiresAt = null;
        booking.UpdatedAt = now;
        await db.Allocations.Where(a => a.BookingId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.HoldExpiresAt, (Instant?)null), ct);
        if (mail is not null && _mail)
        {
            QueueWithReminder("confirmation", booking, page, token, mail with { Language = booking.Language }, now);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Notify();
        return new WriteResult.Done(booking, null);
    }

    /// <summary>Moves a booking along the state machine; leaving the live states frees its time at once.</summary>
    public async Task<WriteResult> ChangeStatusAsync(Guid id, string to, string by, CancellationToken ct, MailContext? mail = null, CompiledPage? page = null)
    {
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetCurrentInstant();
        var booking = await db.Bookings.Include(b => b.History).FirstAsync(b => b.Id == id, ct);
        if (booking.Status == to)
        {
            return new WriteResult.Done(booking, null);
        }
        if (!BookingStatus.CanMove(booking.Status, to))
        {
            return new WriteResult.BadTransition(booking.Status, to);
        }
        booking.History.Add(Event(booking, "status", booking.Status, to, by, now));
        booking.Status = to;
        booking.UpdatedAt = now;
        if (to == BookingStatus.Cancelled)
        {
            await db.Allocations.Where(a => a.BookingId == id && a.Live).ExecuteUpdateAsync(s => s.SetProperty(a => a.Live, false), ct);
            await WithdrawRemindersAsync(id, ct);
            if (mail is not null && _mail)
            {
                db.Outbox.Add(BookingMail.Compose("cancelled", booking, page, null, mail with { Language = booking.Language }, now));
                db.Outbox.AddRange(BookingMail.BusinessNotices("cancelled", booking, page, now));
            }
        }
        else if (booking.HoldExpiresAt is not null)
        {
            booking.HoldExpiresAt = null;
            await db.Allocations.Where(a => a.BookingId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.HoldExpiresAt, (Instant?)null), ct);
        }
        if (to == BookingStatus.NoShow && mail is not null && _mail && !booking.WalkIn && page?.Doc.Settings?.NoShowFollowUp == true)
        {
            db.Outbox.Add(BookingMail.NoShowFollowUp(booking, page, mail.BaseUrl, now));
        }
        if (to == BookingStatus.Confirmed && mail is not null && _mail && !booking.WalkIn)
        {
            // Confirmed by the business: tell the client, with the link they already have.
            db.Outbox.Add(BookingMail.Compose("confirmation", booking, page, ManageTokens.Unseal(protection, booking.ManageTokenSealed),
                mail with { Language = booking.Language }, now));
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Notify();
        return new WriteResult.Done(booking, null);
    }

    /// <summary>
    /// Dashboard-only corrections outside the public state machine: reopening a cancelled booking (only if its
    /// time is still free; the database decides) and overruling a no-show (the client did come, or the
    /// booking stands again).
    /// </summary>
    public async Task<WriteResult> CorrectAsync(Guid id, string to, string by, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetCurrentInstant();
        var booking = await db.Bookings.Include(b => b.History).FirstAsync(b => b.Id == id, ct);
        var reopen = booking.Status == BookingStatus.Cancelled && to == BookingStatus.Confirmed && booking.StartsAt > now;
        var overrule = booking.Status == BookingStatus.NoShow && to is BookingStatus.Completed or BookingStatus.Confirmed;
        if (!reopen && !overrule)
        {
            return new WriteResult.BadTransition(booking.Status, to);
        }
        booking.History.Add(Event(booking, reopen ? "reopened" : "overruled", booking.Status, to, by, now));
        booking.Status = to;
        booking.UpdatedAt = now;
        booking.AutoNoShowAt = null;
        booking.HoldExpiresAt = null;
        try
        {
            if (reopen)
            {
                // The latest allocation set is the booking's current time; older ones are from before a reschedule.
                var latest = await db.Allocations.Where(a => a.BookingId == id).MaxAsync(a => (long?)a.Id, ct);
                var first = await db.Allocations.Where(a => a.BookingId == id && a.StartsAt == booking.StartsAt - Duration.FromMinutes(booking.BufferBeforeMinutes))
                    .Select(a => a.Id).ToListAsync(ct);
                var ids = first.Count > 0 ? first : latest is { } l ? [l] : [];
                await db.Allocations.Where(a => ids.Contains(a.Id)).ExecuteUpdateAsync(s => s.SetProperty(a => a.Live, true).SetProperty(a => a.HoldExpiresAt, (Instant?)null), ct);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception ex) when (ex is DbUpdateException du && IsConflict(du) || ex is PostgresException or SqliteException)
        {
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return new WriteResult.Taken();
        }
        return new WriteResult.Done(booking, null);
    }

    /// <summary>
    /// Sends the confirmation (with reminders) or a reminder again, with the client's own manage link from its
    /// sealed copy; queued reminders are rewritten so none goes out twice.
    /// </summary>
    public async Task<bool> ResendAsync(Guid id, string kind, CompiledPage? page, MailContext mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (!_mail)
        {
            return false;
        }
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetCurrentInstant();
        var booking = await db.Bookings.FirstOrDefaultAsync(b => b.Id == id, ct);
        if (booking is null || booking.Status is BookingStatus.Cancelled or BookingStatus.Completed or BookingStatus.NoShow)
        {
            return false;
        }
        // The client's own link when it can be opened; a booking from before sealed copies gets a new one.
        var token = ManageTokens.Unseal(protection, booking.ManageTokenSealed);
        if (token is null)
        {
            token = ManageTokens.Create();
            booking.ManageTokenHash = ManageTokens.Hash(token);
            booking.ManageTokenSealed = ManageTokens.Seal(protection, token);
        }
        booking.UpdatedAt = now;
        await WithdrawRemindersAsync(id, ct);
        var context = mail with { Language = booking.Language };
        if (kind == "reminder")
        {
            db.Outbox.Add(BookingMail.Compose("reminder", booking, page, token, context, now));
            db.Outbox.AddRange(BookingMail.Reminders(booking, page, token, context, now));
        }
        else
        {
            QueueWithReminder("confirmation", booking, page, token, context, now);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Notify();
        return true;
    }

    private async Task<(string? Branch, Assignment Assignment)?> AssignAsync(CompiledPage page, ServiceModel service, Instant start,
        string? branch, string? staff, IReadOnlyList<string>? resources, bool walkIn, Instant now, CancellationToken ct, bool rulesOnly = false)
    {
        var window = new Span(start.ToUnixTimeTicks(), start.ToUnixTimeTicks() + 1);
        var occupancy = rulesOnly ? Occupancy.None : await AvailabilityLoader.LoadAsync(db, page, service, window, now, ct, staff);
        foreach (var (b, request) in AvailabilityLoader.Requests(page, service, branch, staff, occupancy, now, window, walkIn))
        {
            if (SlotEngine.Assign(request, start, staff, resources, offGrid: walkIn) is { } a)
            {
                return (b, a);
            }
        }
        return null;
    }

    private async Task AllocateAsync(Booking booking, IEnumerable<Allocation> allocations, ServiceModel service, CancellationToken ct)
    {
        db.Allocations.AddRange(allocations);
        if (booking.GroupKey is not null)
        {
            await AllocateSeatAsync(booking, service, ct);
        }
    }

    private static Allocation Make(Booking booking, string unit, int seat, int capacity, string groupKey, Instant s, Instant e) => new()
    {
        TenantId = booking.TenantId,
        BookingId = booking.Id,
        UnitKey = unit,
        Seat = seat,
        Capacity = capacity,
        StartsAt = s,
        EndsAt = e,
        GroupKey = groupKey,
        HoldExpiresAt = booking.HoldExpiresAt,
    };

    /// <summary>The staff member's and resources' time, buffers included; class members share it under the class's group key.</summary>
    private static List<Allocation> Allocations(Booking booking, CompiledPage page, ServiceModel service, Assignment assignment)
    {
        var from = booking.StartsAt - service.Rules.BufferBefore;
        var to = booking.EndsAt + service.Rules.BufferAfter;
        var group = booking.GroupKey ?? booking.Id.ToString();
        var result = new List<Allocation>(1 + assignment.Resources.Count);
        if (assignment.Staff is not null)
        {
            result.Add(Make(booking, AvailabilityLoader.StaffUnit(assignment.Staff), 0, 1, group, from, to));
        }
        foreach (var seat in assignment.Resources)
        {
            var capacity = page.Resources.FirstOrDefault(r => r.Key == seat.Key)?.Capacity ?? seat.Seat + 1;
            result.Add(Make(booking, AvailabilityLoader.ResourceUnit(seat.Key), seat.Seat, capacity, group, from, to));
        }
        return result;
    }

    /// <summary>Each member of a class holds one numbered seat; two members on one seat collide in the database.</summary>
    private async Task AllocateSeatAsync(Booking booking, ServiceModel service, CancellationToken ct)
    {
        var taken = await db.Allocations.Where(a => a.UnitKey == booking.GroupKey && a.Live).Select(a => a.Seat).ToListAsync(ct);
        var seat = Enumerable.Range(0, service.Rules.Capacity).Cast<int?>().FirstOrDefault(s => !taken.Contains(s!.Value));
        if (seat is null)
        {
            throw new DbUpdateException("allocation_overlap: class is full");
        }
        db.Allocations.Add(Make(booking, booking.GroupKey!, seat.Value, service.Rules.Capacity, booking.Id.ToString(), booking.StartsAt, booking.EndsAt));
    }

    private async Task<Customer> UpsertCustomerAsync(ValidBooking v, Instant now, CancellationToken ct)
    {
        var normalized = v.CustomerEmail.ToUpperInvariant();
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.EmailNormalized == normalized, ct);
        if (customer is null)
        {
            customer = NewCustomer(db.TenantId, v.CustomerEmail, v.CustomerName, now);
            db.Customers.Add(customer);
        }
        Update(customer, v.CustomerName, v.CustomerPhone, v.MarketingOptIn, now);
        return customer;
    }

    /// <summary>Customers are keyed by e-mail address, compared without case.</summary>
    public static Customer NewCustomer(Guid tenantId, string email, string name, Instant now) => new()
    {
        Id = Guid.CreateVersion7(),
        TenantId = tenantId,
        Email = email,
        EmailNormalized = email.ToUpperInvariant(),
        Name = name,
        CreatedAt = now,
    };

    /// <summary>The latest booking's name and phone win; a marketing opt-in, once given, stays until withdrawn.</summary>
    public static void Update(Customer customer, string name, string? phone, bool marketingOptIn, Instant now)
    {
        ArgumentNullException.ThrowIfNull(customer);
        customer.Name = name;
        customer.Phone = phone ?? customer.Phone;
        customer.MarketingOptIn |= marketingOptIn;
        customer.UpdatedAt = now;
    }

    private Task WithdrawRemindersAsync(Guid bookingId, CancellationToken ct) => WithdrawRemindersAsync(db, bookingId, ct);

    /// <summary>The client's mail about this change, plus the reminders for the (new) start that are still ahead.</summary>
    private void QueueWithReminder(string kind, Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now) =>
        db.Outbox.AddRange(WithReminders(kind, booking, page, token, mail, now));

    private void QueueSmsReminders(Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now) =>
        db.Outbox.AddRange(SmsReminders(booking, page, token, mail, now));

    private IEnumerable<OutboxMessage> WithReminders(string kind, Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now) =>
        BookingMail.Reminders(booking, page, token, mail, now).Prepend(BookingMail.Compose(kind, booking, page, token, mail, now))
            .Concat(SmsReminders(booking, page, token, mail, now));

    /// <summary>Text-message reminders, where an SMS provider is set up, the page wants them and the number reads as E.164.</summary>
    private IEnumerable<OutboxMessage> SmsReminders(Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now) =>
        _sms && page?.Doc.Settings?.SmsReminders == true && booking.PhoneE164 is not null
            ? BookingMail.SmsReminders(booking, page, token, mail, now)
            : [];

    /// <summary>Each file answer must name an upload of this page not yet attached elsewhere; it is attached here.</summary>
    private async Task<Infrastructure.Errors?> AttachUploadsAsync(Booking booking, ValidBooking v, CancellationToken ct)
    {
        var files = v.Service.Doc.Fields!.Where(f => f.Type == "file").Select(f => f.Key!).ToList();
        if (files.Count == 0)
        {
            return null;
        }
        var errors = new Infrastructure.Errors();
        using var answers = System.Text.Json.JsonDocument.Parse(v.AnswersJson);
        foreach (var key in files)
        {
            if (!answers.RootElement.TryGetProperty(key, out var value) || value.GetString() is not { } id)
            {
                continue;
            }
            var attached = await db.Uploads.Where(u => u.Id == id && u.PageSlug == v.Page.Slug && u.BookingId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.BookingId, booking.Id), ct);
            if (attached != 1)
            {
                errors.Add($"answers.{key}", "No such upload for this page (or it belongs to another booking).");
            }
        }
        return errors;
    }

    /// <summary>Reminders not yet sent no longer fit once a booking moves or ends; their bodies are wiped too.</summary>
    public static Task WithdrawRemindersAsync(BookwellDb db, Guid bookingId, CancellationToken ct) =>
        db.Outbox.IgnoreQueryFilters().Where(m => m.BookingId == bookingId && m.Kind == "reminder" && m.Status == OutboxStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Withdrawn)
                .SetProperty(m => m.TextBody, (string?)null).SetProperty(m => m.HtmlBody, (string?)null), ct);

    /// <summary>Unpaid or unconfirmed holds past their time are cancelled before anyone competes for it.</summary>
    private Task ExpireHoldsAsync(Instant now, CancellationToken ct) => TimeRules.ApplyAsync(db, now, allTenants: false, ct);

    private static BookingEvent Event(Booking b, string action, string? from, string to, string by, Instant at) =>
        Event(b.TenantId, b.Id, action, from, to, by, at);

    public static BookingEvent Event(Guid tenantId, Guid bookingId, string action, string? from, string to, string by, Instant at) => new()
    {
        TenantId = tenantId,
        BookingId = bookingId,
        Action = action,
        FromStatus = from,
        ToStatus = to,
        By = by,
        At = at,
    };

    /// <summary>A lost race, not a fault: overlap refused by the database, a duplicate row, or a busy SQLite.</summary>
    public static bool IsConflict(DbUpdateException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.Message.StartsWith("allocation_overlap", StringComparison.Ordinal) || IsConflictError(ex.InnerException);
    }

    /// <summary>The database's own error for a lost race (what EF wraps, or what a bulk insert throws as is).</summary>
    public static bool IsConflictError(Exception? error) => error switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.ExclusionViolation or PostgresErrorCodes.UniqueViolation
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        SqliteException sl => sl.SqliteErrorCode is 5 or 6 ||
            (sl.SqliteErrorCode == 19 && (sl.Message.Contains("allocation_overlap", StringComparison.Ordinal) || sl.Message.Contains("UNIQUE", StringComparison.Ordinal))),
        DbUpdateException update => IsConflict(update),
        _ => false,
    };
}

/// <summary>Queues SQLite writers in-process so they do not spin on SQLITE_BUSY; a no-op on PostgreSQL.</summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> EnterAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.IsPostgres)
        {
            return Released.Instance;
        }
        await _gate.WaitAsync(ct);
        return new Releaser(_gate);
    }

    /// <summary>The same gate for a caller on its own thread (the group writer), which may block.</summary>
    public IDisposable Enter(BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.IsPostgres)
        {
            return Released.Instance;
        }
        _gate.Wait();
        return new Releaser(_gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    private sealed class Released : IDisposable
    {
        public static readonly Released Instance = new();

        public void Dispose()
        {
        }
    }
}
