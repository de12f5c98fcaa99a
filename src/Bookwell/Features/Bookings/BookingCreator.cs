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
        /// <summary>The booking already stood where the change would take it: nothing was written, no message planned.</summary>
        public bool Unchanged { get; init; }

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
    /// <summary>The move is allowed, but not yet: the booking may become <paramref name="To"/> from <paramref name="Earliest"/> (a no-show
    /// before the start, see <see cref="BookingStatusRules.Earliest"/>).</summary>
    public sealed record TooEarly(BookingStatus To, NodaTime.Instant Earliest, NodaTime.DateTimeZone Zone) : WriteResult;
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
/// New bookings, one at a time. The engine chooses the time's units outside any lock (it only reads); the database refuses
/// the insert if someone else took the time meanwhile, and the loop chooses again a few times (another staff member or seat
/// may still be free) before reporting the time as taken. Most bookings go through the group writer
/// (<see cref="BookingBatcher"/>); class members, file answers, invoiced, paid-online, mobile and walk-in bookings and
/// visits go one by one, each in one <see cref="BookingWrite"/> unit of work. The booking is built by
/// <see cref="BookingDrafts"/>; locating, checkout and invoice are <see cref="BookingExtras"/>. A recurring series is
/// <see cref="Series.SeriesCreator"/>'s job.
/// </summary>
public sealed class BookingCreator(BookwellDb db, IClock clock, BookingWrite write, BookingLifecycle lifecycle, BookingDrafts drafts, BookingExtras extras,
    BookingBatcher batcher)
{
    private const int Attempts = 4;

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
        var (located, locateErrors) = await extras.LocateAsync(v, mail?.Language ?? "en", ct);
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
                var visitDraft = drafts.Draft(v, by, mail, visitToken, start, parts.Value.Branch, parts.Value.Parts[0], now, startNow, visitHooks, (visit, parts.Value.Parts));
                // One payment for the whole visit: one checkout session for its summed amount, or one invoice with a line per part.
                var billing = Visits.Billing([.. visit.Select(s => s.Doc)]);
                CheckoutSession? visitCheckout = null;
                if (visitDraft.Booking.Status == BookingStatus.PendingPayment)
                {
                    visitCheckout = await extras.OpenCheckoutAsync(visitDraft.Booking, v.Page, v.Service with { Doc = billing }, visitToken, ct);
                    if (visitCheckout is null)
                    {
                        return new WriteResult.PaymentUnavailable();
                    }
                }
                var written = await WriteOneAsync(v, visitDraft, visitToken, visitCheckout, billing.Payment == "invoice", attempt, ct);
                if (written is WriteResult.Done)
                {
                    return written;
                }
                if (visitCheckout is not null)
                {
                    await extras.AbandonCheckoutAsync(visitCheckout, ct);
                }
                if (written is not null)
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
            var draft = drafts.Draft(v, by, mail, token, start, assignment.Value.Branch, assignment.Value.Assignment, now, startNow, hooks);
            CheckoutSession? checkout = null;
            if (draft.Booking.Status == BookingStatus.PendingPayment)
            {
                // Asked before anything is written: without a way to pay, a hold would only block the time.
                checkout = await extras.OpenCheckoutAsync(draft.Booking, v.Page, v.Service, token, ct);
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
                await extras.AbandonCheckoutAsync(checkout, ct);
            }
            if (result is not null)
            {
                return result;
            }
        }
    }

    /// <summary>
    /// A mobile booking's address located and checked against the service area, once, before any time is chosen
    /// (<see cref="BookingExtras.LocateAsync"/>).
    /// </summary>
    public Task<(ValidBooking? Booking, Infrastructure.Errors? Errors)> LocateAsync(ValidBooking v, string language, CancellationToken ct) =>
        extras.LocateAsync(v, language, ct);

    /// <summary>One booking in its own transaction (with its checkout session); null when the database refused and another try may succeed.</summary>
    private Task<WriteResult?> WriteOneAsync(ValidBooking v, BookingDraft draft, string token, CheckoutSession? checkout, bool invoiced, int attempt,
        CancellationToken ct, Scheduling.Travel.Trip? trip = null)
    {
        var now = draft.Now;
        // Not fresh: the draft was chosen before the lock and is written as it is; the busy version is locked first.
        return write.TryAsync<WriteResult>(attempt, Attempts, new WriteResult.Taken(), async current =>
        {
            if (current.Number > 1)
            {
                // Expired holds still block in the database until released; they only matter after a refusal.
                await lifecycle.ApplyTimeRulesAsync(now, allTenants: false, current.Freed, null, ct);
            }
            var booking = draft.Booking;
            if (trip is not null && !await drafts.TravelStillFitsAsync(v, draft, trip, now, ct))
            {
                // A neighbour written since the engine chose leaves too little travel time: as a refusal, so the loop chooses again.
                return current.Retry(new WriteResult.Taken());
            }
            booking.CustomerId = (await CustomerBook.ForBookingAsync(db, v, now, ct)).Id;
            db.Bookings.Add(booking);
            if (await AttachUploadsAsync(booking, v, ct) is { Any: true } bad)
            {
                return current.Answer(new WriteResult.Invalid(bad));
            }
            // A class in an organization's time slot seats at most the slot's capacity: the member takes a seat below it,
            // and the database's check (seat < capacity) and seat overlap refuse one more.
            if (!await Allocator.AddAsync(db, booking, draft.Allocations, v.Page.SeatsAt(v.Service, booking.StartsAt), ct, v.Page.ConfigVersion))
            {
                return current.Answer(new WriteResult.Taken());
            }
            db.Outbox.AddRange(draft.Messages);
            if (checkout is not null)
            {
                db.CheckoutSessions.Add(checkout);
            }
            if (invoiced)
            {
                await extras.InvoiceAsync(db, booking, v.Page, ct);
            }
            return current.Commit(new WriteResult.Done(booking, token) { PaymentUrl = checkout?.Url });
        }, ct, fresh: false);
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
