using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Payments;

/// <summary>
/// Applies what Stripe says about a Checkout Session to its booking, in one transaction: the money in the
/// ledger, the booking's change (through <see cref="BookingLifecycle"/>), the session's state and the event id.
/// Used by the webhook, by the manage page's fresh look at an unpaid session, and by the reconciliation pass;
/// the same state applied twice changes nothing the second time.
/// </summary>
/// <remarks>
/// Out of order: <c>expired</c> after <c>completed</c> finds the booking confirmed and does nothing.
/// <c>completed</c> after the hold ran out (the booking was cancelled as <c>expired</c>) records the money and
/// reopens the booking if its time is still free and still ahead; otherwise the booking stays cancelled and
/// the session is marked <see cref="CheckoutSession.RefundDue"/>, shown to the business and the client.
/// </remarks>
public sealed class PaymentApplier(BookwellDb db, SqliteWriteGate gate, BookingLifecycle lifecycle, CatalogCache cache, TenantLinks links,
    IConfiguration config, IClock clock, ILogger<PaymentApplier> log, Invoices.InvoiceIssuer invoices, OutboxSignal outbox)
{
    public const PaymentProvider Provider = PaymentProvider.Stripe;
    private const int Attempts = 4;

    /// <param name="eventId">The provider event that announced the state, or null for a state read from the API.</param>
    public async Task<PaymentOutcome> ApplyAsync(string? eventId, string eventType, SessionState session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var row = await db.CheckoutSessions.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(s => s.Id == session.Id, ct);
        if (row is null && session.BookingId is { } bookingId)
        {
            // A signed event about a session we have no row for (e.g. recreated from Stripe's dashboard) still names
            // its booking; it is applied to that booking's own session record.
            row = await db.CheckoutSessions.IgnoreQueryFilters().AsNoTracking().Where(s => s.BookingId == bookingId)
                .OrderByDescending(s => s.CreatedAt).FirstOrDefaultAsync(ct);
        }
        if (row is null)
        {
            // Not ours (another app on the same Stripe account), or a session whose booking was never written.
            return PaymentOutcome.UnknownSession;
        }
        db.TenantId = row.TenantId;
        var catalog = await cache.GetAsync(db, ct);
        var host = await db.Tenants.Where(t => t.Id == row.TenantId).Select(t => t.Host).FirstOrDefaultAsync(ct);
        var baseUrl = links.BaseUrl(new TenantContext { TenantId = row.TenantId, Host = host });
        var allowReopen = true;
        for (var attempt = 1; ; attempt++)
        {
            var freed = new List<TimeFreed>();
            PaymentOutcome? outcome;
            try
            {
                outcome = await AttemptAsync(eventId, eventType, session, row, baseUrl, catalog, allowReopen, freed, ct);
            }
            catch (DbUpdateException ex) when (Conflicts.IsLostRace(ex) && attempt < Attempts)
            {
                db.ChangeTracker.Clear();
                // Either a reopened booking lost its time to someone else (try again without reopening), or a
                // duplicate won the race for the event or ledger row (the next attempt sees it and stops).
                allowReopen = false;
                continue;
            }
            if (outcome is null)
            {
                allowReopen = false;
                continue;
            }
            outbox.Notify();
            // Outside the write gate: a listener may itself write (and take the gate).
            await lifecycle.RaiseAsync(freed, ct);
            if (outcome == PaymentOutcome.RefundDue)
            {
                log.LogWarning("Payment for booking {Booking} arrived after its time was given away: refund due (session {Session})", row.BookingId, row.Id);
            }
            return outcome.Value;
        }
    }

    /// <summary>One transaction; null when a reopening was refused and the money must be recorded without it.</summary>
    private async Task<PaymentOutcome?> AttemptAsync(string? eventId, string eventType, SessionState session, CheckoutSession row, string baseUrl,
        TenantCatalog catalog, bool allowReopen, List<TimeFreed> freed, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ChangeTracker.Clear();
        // The busy version before the booking's row, in the order every booking writer takes them (BusyVersions):
        // a client's cancel racing this event would otherwise hold the version and wait for the booking while this
        // holds the booking and waits for the version (a deadlock on PostgreSQL).
        await Availability.BusyVersions.BumpAsync(db, row.TenantId, ct);
        var booking = await BookingLifecycle.LockAsync(db, row.BookingId, ct);
        if (booking is null)
        {
            return PaymentOutcome.UnknownSession;
        }
        // Under the booking's lock: a duplicate delivered at the same moment waits here and then sees this one.
        if (eventId is not null && await db.PaymentEvents.AnyAsync(e => e.Provider == Provider && e.EventId == eventId, ct))
        {
            return PaymentOutcome.Duplicate;
        }
        var stored = await db.CheckoutSessions.FirstAsync(s => s.Id == row.Id, ct);
        catalog.Pages.TryGetValue(booking.PageSlug, out var page);
        var actor = new Actor("stripe", new MailContext(baseUrl, booking.Language, config["Bookwell:Smtp:From"]), page);
        var now = clock.GetCurrentInstant();
        var outcome = session.Status == "complete" && session.PaymentStatus is "paid" or "no_payment_required"
            ? await PaidAsync(booking, stored, session, actor, allowReopen, freed, now, ct)
            : session.Status == "expired"
                ? await ExpiredAsync(booking, stored, actor, freed, now, ct)
                : PaymentOutcome.Ignored;
        if (outcome is null)
        {
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            freed.Clear();
            return null;
        }
        if (eventId is not null)
        {
            db.PaymentEvents.Add(new PaymentEvent
            {
                Provider = Provider,
                EventId = eventId,
                TenantId = row.TenantId,
                Type = eventType,
                BookingId = booking.Id,
                Outcome = outcome.Value,
                ReceivedAt = now,
            });
        }
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            await tx.RollbackAsync(ct);
            freed.Clear();
            throw;
        }
        return outcome;
    }

    /// <returns>Null when the reopening was refused: the caller rolls back and records the money without it.</returns>
    private async Task<PaymentOutcome?> PaidAsync(Booking booking, CheckoutSession stored, SessionState session, Actor actor, bool allowReopen,
        List<TimeFreed> freed, Instant now, CancellationToken ct)
    {
        var already = await db.Payments.AnyAsync(p => p.Provider == Provider && p.ProviderReference == stored.Id, ct);
        var currency = session.Currency ?? stored.Currency;
        var amount = session.AmountTotal is { } minor ? MinorUnits.FromMinor(minor, currency) : stored.Amount;
        // A session that only saved a card (setup mode) moved no money.
        var charged = !already && stored.Purpose != CheckoutPurpose.Card;
        if (charged)
        {
            db.Payments.Add(new Payment
            {
                Id = Ids.New(),
                TenantId = booking.TenantId,
                BookingId = booking.Id,
                Amount = amount,
                Currency = currency,
                Kind = PaymentKind.Charge,
                Provider = Provider,
                ProviderReference = stored.Id,
                PaymentIntent = session.PaymentIntent,
                At = now,
                Seller = Invoices.SellerSnapshot.For(actor.Page)?.ToJson(),
            });
        }
        stored.State = CheckoutState.Complete;
        stored.UpdatedAt = now;
        var wasCancelled = booking.Status == BookingStatus.Cancelled;
        var result = await lifecycle.ApplyLockedAsync(booking, new Change.PaymentReceived(allowReopen), actor, freed, ct);
        if (charged && result is not WriteResult.Taken)
        {
            // Contract 4.7: the money is in the ledger with this transaction, whatever became of the booking.
            await Webhooks.WebhookQueue.QueueAsync(db, Webhooks.WebhookEvents.PaymentSucceeded, booking, now, ct, "payment", new System.Text.Json.Nodes.JsonObject
            {
                ["provider"] = Provider.ToWire(),
                ["reference"] = stored.Id,
                ["amount"] = new System.Text.Json.Nodes.JsonObject { ["amount"] = amount, ["currency"] = currency },
                ["at"] = TimeFormats.Format(now, TimeFormats.Zone(booking.TimeZone) ?? DateTimeZone.Utc),
            });
        }
        if (result is WriteResult.Done)
        {
            stored.RefundDue = false;
            if (charged)
            {
                // The receipt: the booking's invoice, issued paid (or, for a deposit, with the deposit paid), in this
                // transaction. A booking has one invoice (unique index), so a repeated event never issues a second.
                await ReceiptIssuer.IssueAsync(invoices, db, booking, actor.Page, amount, currency, stored.Id, ct);
            }
            return wasCancelled ? PaymentOutcome.Reopened : PaymentOutcome.Confirmed;
        }
        if (result is WriteResult.Taken)
        {
            // The reopening was refused (the class filled up); nothing of it may be written with the money.
            return null;
        }
        if (booking.Status == BookingStatus.Cancelled)
        {
            stored.RefundDue = true;
            return PaymentOutcome.RefundDue;
        }
        return PaymentOutcome.AlreadyPaid;
    }

    private async Task<PaymentOutcome> ExpiredAsync(Booking booking, CheckoutSession stored, Actor actor, List<TimeFreed> freed, Instant now, CancellationToken ct)
    {
        if (stored.State != CheckoutState.Complete)
        {
            stored.State = CheckoutState.Expired;
            stored.UpdatedAt = now;
        }
        // Money already in the ledger for this booking means it was paid, whatever this late event says.
        if (await db.Payments.AnyAsync(p => p.BookingId == booking.Id && p.Kind == PaymentKind.Charge, ct))
        {
            return PaymentOutcome.Ignored;
        }
        var result = await lifecycle.ApplyLockedAsync(booking, new Change.CheckoutExpired(), actor with { Mail = null }, freed, ct);
        return result is WriteResult.Done ? PaymentOutcome.Cancelled : PaymentOutcome.Ignored;
    }
}
