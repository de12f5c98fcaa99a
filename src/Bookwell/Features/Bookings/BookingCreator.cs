using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

public abstract record WriteResult
{
    public sealed record Done(Booking Booking, string? ManageToken) : WriteResult
    {
        /// <summary>Where the client pays, for a booking that waits for payment.</summary>
        public string? PaymentUrl { get; init; }
    }
    public sealed record Taken : WriteResult;
    /// <summary>The move is not allowed from where the booking is; both named as the API writes them.</summary>
    public sealed record BadTransition(string From, string To) : WriteResult
    {
        public BadTransition(BookingStatus from, BookingStatus to)
            : this(from.ToWire(), to.ToWire())
        {
        }

        public BadTransition(BookingStatus from, string to)
            : this(from.ToWire(), to)
        {
        }
    }
    public sealed record Invalid(Infrastructure.Errors Errors) : WriteResult;
    public sealed record Missing : WriteResult;
    /// <summary>The booking must be paid online and the payment provider could not be reached: nothing was written.</summary>
    public sealed record PaymentUnavailable : WriteResult;
}

/// <summary>What writing a recurring series came to: all its occurrences, or none and which were taken.</summary>
public abstract record SeriesWriteResult
{
    public sealed record Done(Guid SeriesId, IReadOnlyList<(Booking Booking, string Token)> Bookings) : SeriesWriteResult;

    /// <summary>Nothing was written. <paramref name="Indexes"/>: the occurrences found taken (empty when the database kept refusing).</summary>
    public sealed record Taken(IReadOnlyList<int> Indexes) : SeriesWriteResult;

    /// <summary>Nothing was written: the address of a series at the client's place could not be located or is outside the area.</summary>
    public sealed record Invalid(Infrastructure.Errors Errors) : SeriesWriteResult;
}

/// <summary>
/// New bookings. The engine chooses the time's units outside any lock (it only reads); the database refuses
/// the insert if someone else took the time meanwhile, and the loop chooses again a few times (another staff
/// member or seat may still be free) before reporting the time as taken. Most bookings go through the group
/// writer (<see cref="BookingBatcher"/>); class members and file answers go one by one.
/// </summary>
public sealed class BookingCreator(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, BookingMessages messages,
    BookingLifecycle lifecycle, IConfiguration config, IDataProtectionProvider protection, BookingBatcher batcher, Invoices.InvoiceIssuer invoices,
    Payments.PaymentCheckout payments, Mobile.MobileLocator locator)
{
    private const int Attempts = 4;

    private readonly string _region = SmsOptions.DefaultRegion(config);

    /// <param name="startNow">An operator's walk-in that begins at once: written <c>in_progress</c> in the same
    /// transaction, so it is never seen as merely confirmed. Ignored for anything but walk-ins.</param>
    public async Task<WriteResult> CreateAsync(ValidBooking v, string by, MailContext? mail, CancellationToken ct, bool startNow = false)
    {
        ArgumentNullException.ThrowIfNull(v);
        // Group classes pick a seat and file answers claim uploads inside the transaction; those go one by one.
        // Invoice services issue their invoice in the booking's own transaction, so they go one by one too, and so
        // do walk-ins (they book under the business's walk-in client, found or added in their own transaction).
        var invoiced = v.Service.Doc.Payment == "invoice";
        // A visit of several services goes one by one: its parts are chosen together and written together.
        var groupable = batcher.Enabled && v.Service.Rules.Capacity == 1 && !v.Service.Doc.Fields!.Exists(f => f.Type == "file") && !invoiced && !v.WalkIn &&
                        v.Visit is null;
        var (located, locateErrors) = await LocateAsync(v, mail?.Language ?? "en", ct);
        if (located is null)
        {
            return new WriteResult.Invalid(locateErrors!);
        }
        v = located;
        var trip = Mobile.MobileServices.TripTo(v.Page, v.Place);
        // Mobile bookings are judged again inside their own transaction (WriteOneAsync), never in a group.
        groupable &= trip is null;
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetCurrentInstant();
            var start = v.Start == default ? now : v.Start;
            if (v.Visit is { } visit)
            {
                var parts = await Allocator.AssignVisitAsync(db, v.Page, visit, start, v.Branch, v.Staff, v.WalkIn, now, ct, v.CustomerEmail);
                if (parts is null)
                {
                    return new WriteResult.Taken();
                }
                var visitToken = ManageTokens.Create();
                var visitHooks = await Webhooks.WebhookQueue.SubscribersAsync(db, db.TenantId, Webhooks.WebhookEvents.BookingCreated, ct);
                var visitDraft = Draft(v, by, mail, visitToken, start, parts.Value.Branch, parts.Value.Parts[0], now, startNow, visitHooks, (visit, parts.Value.Parts));
                if (await WriteOneAsync(v, visitDraft, visitToken, null, invoiced: false, attempt, ct) is { } written)
                {
                    return written;
                }
                continue;
            }
            // With the staff member named and no resource to pick, busy time cannot change which assignment is
            // made, only whether it can be: the group writer answers that for its whole group in one query
            // (BookingBatcher: Taken / TakenAndCustomers) instead of each request reading on its own.
            var rulesOnly = groupable && attempt == 1 && trip is null && v.Staff is not null && !v.WalkIn && v.Service.Rules.RequiresStaff &&
                            v.Service.Rules.ResourceTypes.Count == 0 && !await Calendars.ExternalBusy.HasSourcesAsync(db, v.Page, v.Staff, ct);
            var assignment = await Allocator.AssignAsync(db, v.Page, v.Service, start, v.Branch, v.Staff, v.Resources, v.WalkIn, now, ct, rulesOnly, trip, v.CustomerEmail);
            if (assignment is null)
            {
                return new WriteResult.Taken();
            }
            var token = ManageTokens.Create();
            var hooks = await Webhooks.WebhookQueue.SubscribersAsync(db, db.TenantId, Webhooks.WebhookEvents.BookingCreated, ct);
            var draft = Draft(v, by, mail, token, start, assignment.Value.Branch, assignment.Value.Assignment, now, startNow, hooks);
            CheckoutSession? checkout = null;
            if (draft.Booking.Status == BookingStatus.PendingPayment)
            {
                // Asked before anything is written: without a way to pay, a hold would only block the time.
                try
                {
                    checkout = await payments.OpenAsync(draft.Booking, v.Page, v.Service, token, ct);
                }
                catch (Payments.StripeUnavailableException)
                {
                    return new WriteResult.PaymentUnavailable();
                }
                if (checkout is null)
                {
                    return new WriteResult.PaymentUnavailable();
                }
            }
            if (groupable && attempt == 1 && checkout is null)
            {
                if (await batcher.CommitAsync(draft, ct))
                {
                    return new WriteResult.Done(draft.Booking, token);
                }
                continue;
            }
            var result = await WriteOneAsync(v, draft, token, checkout, invoiced, attempt, ct, trip);
            if (result is WriteResult.Done)
            {
                return result;
            }
            if (checkout is not null)
            {
                await payments.AbandonAsync(checkout, ct);
            }
            if (result is not null)
            {
                return result;
            }
        }
    }

    /// <summary>
    /// A mobile booking's address located (pin, else the cached geocoder) and checked against the service area, once, before
    /// any time is chosen: the booking with its <see cref="ValidBooking.Place"/>, or null and the field errors (under
    /// <c>location.</c>). A booking with no address, or already located, comes back as it is.
    /// </summary>
    public async Task<(ValidBooking? Booking, Infrastructure.Errors? Errors)> LocateAsync(ValidBooking v, string language, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.LocationJson is null || v.Place is not null)
        {
            return (v, null);
        }
        var location = System.Text.Json.JsonSerializer.Deserialize<LocationInput>(v.LocationJson, Infrastructure.Json.Options)!;
        var errors = new Infrastructure.Errors();
        var place = await locator.LocateAsync(v.Page, location.Address, location.Latitude, location.Longitude, errors, language, "location.", ct);
        return errors.Any ? (null, errors) : (v with { Place = place }, null);
    }

    /// <summary>
    /// A recurring series: every chosen occurrence in one transaction, all or none. Each occurrence is assigned by the
    /// engine on its own (a read), then written with its own allocations; the database refuses any that overlaps a live
    /// allocation, the whole series rolls back, and the loop chooses again a few times before reporting which
    /// occurrences are taken. One confirmation lists every date (on the first occurrence); each occurrence keeps its
    /// own reminders and manage link. Services paid online, invoiced, with file answers or group classes are refused
    /// by validation before this is called (<see cref="Series.SeriesValidation"/>).
    /// </summary>
    public async Task<SeriesWriteResult> CreateSeriesAsync(ValidBooking v, IReadOnlyList<(int Index, Instant Start)> occurrences, string by,
        MailContext? mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(occurrences);
        // A series at the client's address: located once, and every occurrence holds its own travel like a single booking.
        var (located, locateErrors) = await LocateAsync(v, mail?.Language ?? "en", ct);
        if (located is null)
        {
            return new SeriesWriteResult.Invalid(locateErrors!);
        }
        v = located;
        var trip = Mobile.MobileServices.TripTo(v.Page, v.Place);
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetCurrentInstant();
            var seriesId = Guid.CreateVersion7();
            var drafts = new List<(BookingDraft Draft, string Token)>(occurrences.Count);
            var taken = new List<int>();
            foreach (var (index, start) in occurrences.OrderBy(o => o.Start))
            {
                var assignment = await Allocator.AssignAsync(db, v.Page, v.Service, start, v.Branch, v.Staff, v.Resources, false, now, ct, trip: trip,
                    clientEmail: v.CustomerEmail);
                if (assignment is null)
                {
                    taken.Add(index);
                    continue;
                }
                var token = ManageTokens.Create();
                var draft = Draft(v, by, null, token, start, assignment.Value.Branch, assignment.Value.Assignment, now, startNow: false);
                draft.Booking.SeriesId = seriesId;
                draft.Booking.SeriesIndex = index;
                draft.Booking.Language = mail?.Language ?? "en";
                drafts.Add((draft, token));
            }
            if (taken.Count > 0)
            {
                return new SeriesWriteResult.Taken(taken);
            }
            using var writeLock = await gate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var freed = new List<TimeFreed>();
            try
            {
                await BusyVersions.BumpAsync(db, db.TenantId, ct);
                if (attempt > 1)
                {
                    await lifecycle.ApplyTimeRulesAsync(now, allTenants: false, freed, null, ct);
                }
                if (trip is not null && !await TravelStillFitsAsync(v, drafts, trip, now, ct))
                {
                    // A neighbour written since the engine chose leaves too little travel time: as a refusal, so the loop chooses again.
                    await tx.RollbackAsync(ct);
                    db.ChangeTracker.Clear();
                    if (attempt >= Attempts)
                    {
                        return new SeriesWriteResult.Taken([]);
                    }
                    continue;
                }
                var customer = (await CustomerBook.ForBookingAsync(db, v, now, ct)).Id;
                var starts = drafts.Select(d => d.Draft.Booking.StartsAt).ToList();
                for (var i = 0; i < drafts.Count; i++)
                {
                    var (draft, token) = drafts[i];
                    var booking = draft.Booking;
                    booking.CustomerId = customer;
                    db.Bookings.Add(booking);
                    if (!await Allocator.AddAsync(db, booking, draft.Allocations, v.Service.Rules.Capacity, ct, v.Page.ConfigVersion))
                    {
                        throw new InvalidOperationException("Series are never group classes.");
                    }
                    db.Outbox.AddRange(SeriesMessages(booking, v.Page, token, mail, i == 0 ? starts : null, now));
                    await Webhooks.WebhookQueue.QueueAsync(db, Webhooks.WebhookEvents.BookingCreated, booking, now, ct);
                }
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                outbox.Notify();
                writeLock.Dispose();
                await lifecycle.RaiseAsync(freed, ct);
                return new SeriesWriteResult.Done(seriesId, drafts.Select(d => (d.Draft.Booking, d.Token)).ToList());
            }
            catch (DbUpdateException ex) when (Conflicts.IsConflict(ex))
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                if (attempt >= Attempts)
                {
                    return Conflicts.Exhausted<SeriesWriteResult>(ex, new SeriesWriteResult.Taken([]));
                }
            }
        }
    }

    /// <summary>Every occurrence's travel judged again inside the series' transaction (see the single booking's check below).</summary>
    private async Task<bool> TravelStillFitsAsync(ValidBooking v, List<(BookingDraft Draft, string Token)> drafts, Scheduling.Travel.Trip trip, Instant now,
        CancellationToken ct)
    {
        foreach (var (draft, _) in drafts)
        {
            if (!await TravelStillFitsAsync(v, draft, trip, now, ct))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>One confirmation for the whole series (on its first occurrence, listing every date), reminders per occurrence.</summary>
    private IEnumerable<OutboxMessage> SeriesMessages(Booking booking, CompiledPage page, string token, MailContext? mail, IReadOnlyList<Instant>? dates, Instant now)
    {
        if (booking.WalkIn)
        {
            yield break;
        }
        if (messages.Mail)
        {
            if (mail is not null)
            {
                if (dates is not null)
                {
                    yield return BookingMail.Compose(MessageKind.Confirmation, booking, page, token, mail, now, dates);
                }
                foreach (var m in BookingMail.Reminders(booking, page, token, mail, now))
                {
                    yield return m;
                }
            }
            if (dates is not null)
            {
                foreach (var m in BookingMail.BusinessNotices("new", booking, page, now))
                {
                    yield return m;
                }
            }
        }
        if (mail is not null)
        {
            foreach (var m in messages.SmsReminders(booking, page, token, mail, now))
            {
                yield return m;
            }
        }
    }

    /// <summary>One booking in its own transaction (with its checkout session); null when the database refused and another try may succeed.</summary>
    private async Task<WriteResult?> WriteOneAsync(ValidBooking v, BookingDraft draft, string token, CheckoutSession? checkout, bool invoiced, int attempt,
        CancellationToken ct, Scheduling.Travel.Trip? trip = null)
    {
        var now = draft.Now;
        using var writeLock = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var freed = new List<TimeFreed>();
        try
        {
            // The business's busy version is locked first, by every writer (BusyVersions).
            await BusyVersions.BumpAsync(db, db.TenantId, ct);
            if (attempt > 1)
            {
                // Expired holds still block in the database until released; they only matter after a refusal.
                await lifecycle.ApplyTimeRulesAsync(now, allTenants: false, freed, null, ct);
            }
            var booking = draft.Booking;
            if (trip is not null && !await TravelStillFitsAsync(v, draft, trip, now, ct))
            {
                // A neighbour written since the engine chose leaves too little travel time: as a refusal, so the loop chooses again.
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return attempt >= Attempts ? new WriteResult.Taken() : null;
            }
            booking.CustomerId = (await CustomerBook.ForBookingAsync(db, v, now, ct)).Id;
            db.Bookings.Add(booking);
            if (await AttachUploadsAsync(booking, v, ct) is { Any: true } bad)
            {
                return new WriteResult.Invalid(bad);
            }
            // A class in an organization's time slot seats at most the slot's capacity: the member takes a seat below it,
            // and the database's check (seat < capacity) and seat overlap refuse one more.
            if (!await Allocator.AddAsync(db, booking, draft.Allocations, v.Page.SeatsAt(v.Service, booking.StartsAt), ct, v.Page.ConfigVersion))
            {
                return new WriteResult.Taken();
            }
            db.Outbox.AddRange(draft.Messages);
            if (checkout is not null)
            {
                db.CheckoutSessions.Add(checkout);
            }
            if (invoiced)
            {
                await invoices.AfterChangeAsync(db, booking, v.Page, ct);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            outbox.Notify();
            // Listeners write too (the waitlist holds freed time): on SQLite they would wait for this lock forever.
            writeLock.Dispose();
            await lifecycle.RaiseAsync(freed, ct);
            return new WriteResult.Done(booking, token) { PaymentUrl = checkout?.Url };
        }
        catch (DbUpdateException ex) when (Conflicts.IsConflict(ex))
        {
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return attempt >= Attempts ? Conflicts.Exhausted<WriteResult>(ex, new WriteResult.Taken()) : null;
        }
    }

    /// <summary>
    /// Travel for a mobile booking, judged once more after the busy-version bump: from there on the business's writers go one
    /// at a time (PostgreSQL's row lock on the version, SQLite's single writer), and the read inside the transaction sees
    /// every committed booking. Two clients taking neighbouring times at once could otherwise each miss the other's address,
    /// and their allocations, each without the other's leg, would not overlap. The legs found now are the ones held.
    /// </summary>
    private async Task<bool> TravelStillFitsAsync(ValidBooking v, BookingDraft draft, Scheduling.Travel.Trip trip, Instant now, CancellationToken ct)
    {
        var booking = draft.Booking;
        var again = await Allocator.AssignAsync(db, v.Page, v.Service, booking.StartsAt, booking.BranchKey, booking.StaffKey, v.Resources, v.WalkIn, now, ct,
            trip: trip);
        if (again is null)
        {
            return false;
        }
        var before = (int)again.Value.Assignment.TravelBefore.TotalMinutes;
        var after = (int)again.Value.Assignment.TravelAfter.TotalMinutes;
        if (before != booking.TravelBeforeMinutes || after != booking.TravelAfterMinutes)
        {
            booking.TravelBeforeMinutes = before;
            booking.TravelAfterMinutes = after;
            draft.Allocations = Allocator.Rows(booking, v.Page, Units.UsesCalendar(v.Service));
        }
        return true;
    }

    /// <summary>The booking, its time allocations and its messages, built in memory; the customer is linked when written.</summary>
    private BookingDraft Draft(ValidBooking v, string by, MailContext? mail, string token, Instant start, string? branch,
        Scheduling.Slots.Assignment assignment, Instant now, bool startNow, IReadOnlyList<Webhooks.WebhookTarget>? hooks = null,
        (IReadOnlyList<ServiceModel> Services, IReadOnlyList<Scheduling.Slots.Assignment> Parts)? visit = null)
    {
        // Double opt-in and automatic no-show as the booking's branch sets them (issue 15), else the page's.
        var settings = v.Page.SettingsFor(branch);
        var online = v.Service.Doc.Payment is "now" or "deposit" || payments.SavesCardOnly(v.Service.Doc);
        var optIn = by == "customer" && settings.DoubleOptInHours is not null && settings.RequiresApproval != true && !online;
        var status = (settings.RequiresApproval == true && by == "customer") || optIn ? BookingStatus.Pending
            : online && by == "customer" ? BookingStatus.PendingPayment
            : startNow && v.WalkIn && by != "customer" && start == now ? BookingStatus.InProgress
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
            ResourceKeys = Units.FormatSeats(assignment.Resources),
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
            TermsHash = v.TermsAccepted ? v.TermsHash : null,
            TermsAcceptedAt = v.TermsAccepted ? now : null,
            LocationJson = v.LocationJson,
            Latitude = v.Place?.Latitude,
            Longitude = v.Place?.Longitude,
            TravelBeforeMinutes = (int)assignment.TravelBefore.TotalMinutes,
            TravelAfterMinutes = (int)assignment.TravelAfter.TotalMinutes,
            Language = mail?.Language ?? "en",
            WalkIn = v.WalkIn,
            GroupKey = v.Service.Rules.Capacity > 1 ? Units.ClassGroup(v.Page.Slug, v.Service.Key, start) : null,
            ManageTokenHash = ManageTokens.Hash(token),
            ManageTokenSealed = ManageTokens.Seal(protection, token),
            HoldExpiresAt = holdUntil,
            AwaitingClientConfirmation = optIn,
            OrganizationKey = v.OrganizationKey,
            OrganizationMemberId = v.OrganizationMemberId,
            MemberNumber = v.MemberNumber,
            AutoNoShowAt = settings.AutoNoShowMinutes is { } late ? start + Duration.FromMinutes(late) : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (visit is { } vp)
        {
            // Its parts, and from them its service name, end, units and buffers; each part writes its own allocations.
            Visits.Apply(booking, vp.Services, start, branch, vp.Parts);
        }
        booking.History.Add(BookingLifecycle.Event(booking, BookingAction.Created, null, status, by, now));
        return new BookingDraft
        {
            Booking = booking,
            Allocations = Allocator.Rows(booking, v.Page, Units.UsesCalendar(v.Service)),
            // booking.created goes out with the booking's own write (the group writer inserts these messages with it).
            Messages = hooks is { Count: > 0 } ? [.. messages.ForNew(booking, v.Page, token, mail, optIn, now), .. Webhooks.WebhookQueue.Messages(hooks,
                Webhooks.WebhookEvents.BookingCreated, booking, now)] : messages.ForNew(booking, v.Page, token, mail, optIn, now),
            Lookback = v.Page.Lookback,
            CustomerEmail = v.CustomerEmail,
            CustomerName = v.CustomerName,
            CustomerPhone = v.CustomerPhone,
            MarketingOptIn = v.MarketingOptIn,
            Now = now,
        };
    }

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
}
