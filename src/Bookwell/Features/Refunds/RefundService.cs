using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Refunds;

public abstract record RefundResult
{
    /// <summary>Stripe accepted it: in the ledger, with its credit note.</summary>
    public sealed record Done(Refund Refund) : RefundResult;
    /// <summary>Recorded, but Stripe could not be reached: the retry pass asks again with the same key.</summary>
    public sealed record Pending(Refund Refund) : RefundResult;
    /// <summary>Stripe refused it; nothing was refunded and the amount is refundable again.</summary>
    public sealed record Refused(Refund Refund) : RefundResult;
    public sealed record Invalid(Errors Errors) : RefundResult;
    public sealed record Missing : RefundResult;
}

/// <summary>
/// Gives money back through Stripe. A refund is first written as <c>pending</c> under the booking's lock
/// (PostgreSQL: <c>FOR UPDATE</c> on the booking row; SQLite: the write gate), checked against what was paid
/// less every refund not failed, so refunds racing each other never exceed the payment; its (booking, position)
/// is unique besides. Stripe is then asked with an idempotency key derived from that booking and position, and
/// its answer is written in a second transaction: the ledger's refund row (unique per Stripe refund id) and a
/// credit note from the business's own gapless series.
/// </summary>
public sealed class RefundService(BookwellDb db, SqliteWriteGate gate, IClock clock, CatalogCache cache, IServiceProvider services,
    ILogger<RefundService> log)
{
    public const RefundReason Cancellation = RefundReason.Cancellation;
    public const RefundReason Manual = RefundReason.Manual;
    public const int MaxRefundsPerBooking = 100;

    /// <summary>What is still refundable on a booking: paid online, less refunds pending or done.</summary>
    public static async Task<(decimal Amount, string? Currency)> RefundableAsync(BookwellDb db, Guid bookingId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var charges = await db.Payments.AsNoTracking().Where(p => p.BookingId == bookingId && p.Kind == PaymentKind.Charge && p.PaymentIntent != null)
            .Select(p => new { p.Amount, p.Currency }).ToListAsync(ct);
        if (charges.Count == 0)
        {
            return (0m, null);
        }
        var currency = charges[0].Currency;
        var refunds = await db.Set<Refund>().AsNoTracking().Where(r => r.BookingId == bookingId && r.State != RefundStatus.Failed)
            .Select(r => new { r.Amount, r.Currency }).ToListAsync(ct);
        return (charges.Where(c => c.Currency == currency).Sum(c => c.Amount) - refunds.Where(r => r.Currency == currency).Sum(r => r.Amount), currency);
    }

    /// <summary>What the client gets back when cancelling now (for the manage page); null when nothing was paid online.</summary>
    public async Task<RefundQuote?> QuoteAsync(Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var (paid, currency) = await RefundableAsync(db, booking.Id, ct);
        if (currency is null || paid <= 0)
        {
            return null;
        }
        // A visit's policy is the strictest of its paid parts' (Visits.Billing).
        var policy = Visits.Billing((await cache.GetAsync(db, ct)).Pages.GetValueOrDefault(booking.PageSlug), booking)?.CancellationPolicy;
        return CancellationPolicy.Quote(policy, booking.StartsAt, clock.GetCurrentInstant(), paid, currency);
    }

    /// <summary>
    /// Inside the lifecycle's transaction, after a change: a booking the client has just cancelled gets its refund
    /// by its service's policy, written as pending with the cancellation, so it is sent even if the process stops
    /// right after the commit (the retry pass finds it).
    /// </summary>
    internal static async Task PlanCancellationAsync(BookwellDb db, Booking booking, Actor actor, CompiledPage? page, CatalogCache cache, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.By != "customer" || booking.Status != BookingStatus.Cancelled ||
            db.Entry(booking).Property(b => b.Status).OriginalValue == BookingStatus.Cancelled)
        {
            return;
        }
        if (await db.Set<Refund>().AnyAsync(r => r.BookingId == booking.Id && r.Reason == Cancellation && r.State != RefundStatus.Failed, ct))
        {
            return;
        }
        var (paid, currency) = await RefundableAsync(db, booking.Id, ct);
        if (currency is null || paid <= 0)
        {
            return;
        }
        page ??= (await cache.GetAsync(db, ct)).Pages.GetValueOrDefault(booking.PageSlug);
        var policy = Visits.Billing(page, booking)?.CancellationPolicy;
        var quote = CancellationPolicy.Quote(policy, booking.StartsAt, now, paid, currency);
        if (quote.Back.Amount <= 0)
        {
            return;
        }
        await PlanAsync(db, booking.Id, quote.Back.Amount, currency, Cancellation, "customer", now, ct);
    }

    /// <summary>A refund asked by staff (the booking detail's button, the admin API): all that is left when no amount is given.</summary>
    public async Task<RefundResult> RefundAsync(Guid bookingId, decimal? amount, string? currency, string by, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        Refund? planned;
        var errors = new Errors();
        for (var attempt = 1; ; attempt++)
        {
            using (await gate.EnterAsync(db, ct))
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                db.ChangeTracker.Clear();
                if (db.IsPostgres)
                {
                    await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Bookings" WHERE "Id" = {bookingId} AND "TenantId" = {db.TenantId} FOR UPDATE""", ct);
                }
                if (!await db.Bookings.AnyAsync(b => b.Id == bookingId, ct))
                {
                    return new RefundResult.Missing();
                }
                var (left, paidIn) = await RefundableAsync(db, bookingId, ct);
                var value = amount ?? left;
                if (paidIn is null || left <= 0)
                {
                    errors.Add("amount", "Nothing paid online is left to refund on this booking.");
                }
                else
                {
                    if (amount is not null && currency is null)
                    {
                        errors.Add("amount.currency", $"Required: {paidIn}.");
                    }
                    else if (currency is not null && currency != paidIn)
                    {
                        errors.Add("amount.currency", $"Must be {paidIn}, the currency it was paid in.");
                    }
                    if (value <= 0 || !InvoiceMoney.Fits(value, paidIn))
                    {
                        errors.Add("amount.amount", $"Must be above zero with at most {MinorUnits.Exponent(paidIn)} decimals.");
                    }
                    else if (value > left)
                    {
                        errors.Add("amount.amount", $"At most {InvoiceMoney.Normalize(left, paidIn)} {paidIn} is left to refund.");
                    }
                }
                if (errors.Any)
                {
                    return new RefundResult.Invalid(errors);
                }
                try
                {
                    planned = await PlanAsync(db, bookingId, value, paidIn!, Manual, by, clock.GetCurrentInstant(), ct);
                    if (planned is null)
                    {
                        errors.Add("amount.amount", "No single payment of this booking has that much left to refund; refund it in parts.");
                        return new RefundResult.Invalid(errors);
                    }
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                    break;
                }
                catch (DbUpdateException ex) when (Conflicts.IsLostRace(ex) && attempt < 4)
                {
                    // Another refund of this booking took the same position: read again and re-check what is left.
                    await tx.RollbackAsync(ct);
                    db.ChangeTracker.Clear();
                }
            }
        }
        return await SendAsync(planned.Id, ct);
    }

    /// <summary>Sends every pending refund of a booking (after a cancellation, or from the retry pass).</summary>
    public async Task<IReadOnlyList<RefundResult>> SendPendingAsync(Guid bookingId, CancellationToken ct)
    {
        var ids = await db.Set<Refund>().AsNoTracking().Where(r => r.BookingId == bookingId && r.State == RefundStatus.Pending)
            .OrderBy(r => r.Sequence).Select(r => r.Id).ToListAsync(ct);
        var results = new List<RefundResult>();
        foreach (var id in ids)
        {
            results.Add(await SendAsync(id, ct));
        }
        return results;
    }

    /// <summary>Asks Stripe for one pending refund (same key every time) and records its answer.</summary>
    public async Task<RefundResult> SendAsync(Guid refundId, CancellationToken ct)
    {
        var refund = await db.Set<Refund>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == refundId, ct);
        if (refund is null)
        {
            return new RefundResult.Missing();
        }
        if (refund.State != RefundStatus.Pending)
        {
            return refund.State == RefundStatus.Succeeded ? new RefundResult.Done(refund) : new RefundResult.Refused(refund);
        }
        if (services.GetService<StripeRefundGateway>() is not { } gateway)
        {
            return new RefundResult.Pending(refund);
        }
        RefundState? answer = null;
        string? refusal = null;
        try
        {
            answer = await gateway.CreateAsync(new RefundRequest(refund.PaymentIntent, MinorUnits.ToMinor(refund.Amount, refund.Currency), refund.IdempotencyKey,
                refund.StripeAccount, refund.Id, refund.BookingId), ct);
        }
        catch (StripeUnavailableException ex)
        {
            log.LogWarning(ex, "Refund {Refund} could not reach Stripe; it stays pending and is asked again later", refund.Id);
            return new RefundResult.Pending(refund);
        }
        catch (StripeRefusedException ex)
        {
            log.LogWarning("Stripe refused refund {Refund} ({Code})", refund.Id, ex.Code);
            refusal = ex.Message;
        }
        return await RecordAsync(refund.Id, answer, refusal, ct);
    }

    private async Task<RefundResult> RecordAsync(Guid refundId, RefundState? answer, string? refusal, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.ChangeTracker.Clear();
            try
            {
                var refund = await db.Set<Refund>().FirstAsync(r => r.Id == refundId, ct);
                if (db.IsPostgres)
                {
                    await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Refunds" WHERE "Id" = {refundId} FOR UPDATE""", ct);
                    await db.Entry(refund).ReloadAsync(ct);
                }
                if (refund.State != RefundStatus.Pending)
                {
                    // Another pass recorded it first.
                    return refund.State == RefundStatus.Succeeded ? new RefundResult.Done(refund) : new RefundResult.Refused(refund);
                }
                var now = clock.GetCurrentInstant();
                refund.UpdatedAt = now;
                if (answer is null || answer.Status is "failed" or "canceled")
                {
                    refund.State = RefundStatus.Failed;
                    refund.StripeRefundId = answer?.Id;
                    refund.StripeStatus = answer?.Status;
                    var failure = refusal ?? answer?.FailureReason ?? "refused";
                    refund.Failure = failure.Length > 500 ? failure[..500] : failure;
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                    return new RefundResult.Refused(refund);
                }
                refund.State = RefundStatus.Succeeded;
                refund.StripeRefundId = answer.Id;
                refund.StripeStatus = answer.Status;
                db.Payments.Add(new Payment
                {
                    Id = Ids.New(),
                    TenantId = refund.TenantId,
                    BookingId = refund.BookingId,
                    Amount = refund.Amount,
                    Currency = refund.Currency,
                    Kind = PaymentKind.Refund,
                    Provider = PaymentApplier.Provider,
                    ProviderReference = answer.Id,
                    PaymentIntent = refund.PaymentIntent,
                    At = now,
                });
                var note = await CreditNotes.IssueAsync(db, refund, now, services.GetServices<Notifications.IEmailSender>().Any(), ct);
                refund.CreditNoteId = note.Id;
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                services.GetService<Notifications.OutboxSignal>()?.Notify();
                return new RefundResult.Done(refund);
            }
            catch (DbUpdateException ex) when (Conflicts.IsLostRace(ex) && attempt < 4)
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>
    /// Writes a pending refund inside the caller's transaction (the booking is locked, the amount checked); null
    /// when no single charge has that much left (refunds go against one PaymentIntent each).
    /// </summary>
    private static async Task<Refund?> PlanAsync(BookwellDb db, Guid bookingId, decimal amount, string currency, RefundReason reason, string by, Instant now,
        CancellationToken ct)
    {
        var charges = await db.Payments.AsNoTracking().Where(p => p.BookingId == bookingId && p.Kind == PaymentKind.Charge && p.PaymentIntent != null && p.Currency == currency)
            .OrderBy(p => p.At).Select(p => new { p.Amount, p.PaymentIntent, p.ProviderReference, p.TenantId, p.StripeAccount }).ToListAsync(ct);
        var refunds = await db.Set<Refund>().AsNoTracking().Where(r => r.BookingId == bookingId).Select(r => new { r.PaymentIntent, r.Amount, r.State, r.Sequence })
            .ToListAsync(ct);
        var charge = charges.FirstOrDefault(c => c.Amount - refunds.Where(r => r.PaymentIntent == c.PaymentIntent && r.State != RefundStatus.Failed).Sum(r => r.Amount) >= amount);
        if (charge is null || refunds.Count >= MaxRefundsPerBooking)
        {
            return null;
        }
        // A Checkout charge's account is its session's; a desk Terminal charge keeps its own.
        var account = charge.StripeAccount
                      ?? await db.CheckoutSessions.AsNoTracking().Where(s => s.Id == charge.ProviderReference).Select(s => s.StripeAccount).FirstOrDefaultAsync(ct);
        var sequence = refunds.Count == 0 ? 1 : refunds.Max(r => r.Sequence) + 1;
        var refund = new Refund
        {
            Id = Ids.New(),
            TenantId = charge.TenantId,
            BookingId = bookingId,
            Sequence = sequence,
            Amount = MinorUnits.Round(amount, currency),
            Currency = currency,
            Reason = reason,
            State = RefundStatus.Pending,
            PaymentIntent = charge.PaymentIntent!,
            StripeAccount = account,
            IdempotencyKey = StripeRefundGateway.IdempotencyKey(bookingId, sequence),
            By = by.Length > 254 ? by[..254] : by,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Set<Refund>().Add(refund);
        return refund;
    }
}

/// <summary>The lifecycle's hook: plans the refund of a booking the client cancels, in the cancellation's own transaction.</summary>
public sealed class RefundPlanner(CatalogCache cache, IClock clock)
{
    public Task AfterChangeAsync(BookwellDb db, Booking booking, Actor actor, CancellationToken ct) =>
        RefundService.PlanCancellationAsync(db, booking, actor, actor?.Page, cache, clock.GetCurrentInstant(), ct);
}

/// <summary>Why money went back; stored (and written by the API) as the string each member names.</summary>
public enum RefundReason
{
    /// <summary>The client cancelled; the service's policy decided the amount.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("cancellation")] Cancellation,
    /// <summary>Staff refunded by hand.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("manual")] Manual,
    /// <summary>A write-off's (<see cref="CreditNoteKind.WriteOff"/>): the booking was cancelled, the unpaid rest is not owed. Never a refund's.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("not_owed")] NotOwed,
    /// <summary>A write-off's reversal (<see cref="CreditNoteKind.WriteOffReversal"/>): the booking was reopened, the rest is owed again. Never a refund's.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("reopened")] Reopened,
}

/// <summary>Where a refund is; stored (and written by the API as its status) as the string each member names.</summary>
public enum RefundStatus
{
    /// <summary>Asked of Stripe, no answer yet.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("pending")] Pending,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("succeeded")] Succeeded,
    /// <summary>Nothing was refunded; the amount is refundable again.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Credit notes: their own gapless series per business, numbered in the note's own transaction.</summary>
public static class CreditNotes
{
    private static async Task<string> PageNameAsync(BookwellDb db, Guid tenant, string slug, CancellationToken ct)
    {
        var json = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant).Select(t => t.ConfigJson).FirstAsync(ct);
        var doc = System.Text.Json.JsonSerializer.Deserialize<ConfigDocument>(json, Json.Options);
        return doc?.Pages?.FirstOrDefault(p => p.Slug == slug)?.Name ?? slug;
    }

    public static string FormatNumber(long sequence) => "CN-" + sequence.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Numbers and adds the refund's credit note inside the caller's transaction; with <paramref name="mail"/> (a mail
    /// sender is configured) its e-mail to the client joins the outbox in the same transaction, the PDF attached when sent.
    /// </summary>
    public static async Task<CreditNote> IssueAsync(BookwellDb db, Refund refund, Instant now, bool mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(refund);
        var tenant = refund.TenantId;
        var invoice = await InvoiceStatusRules.OfBooking(db.Set<Invoice>().IgnoreQueryFilters().AsNoTracking().Where(i => i.TenantId == tenant), refund.BookingId)
            .Select(i => new InvoiceRef(i.Id, i.Number, i.TimeZone, i.PageSlug)).FirstOrDefaultAsync(ct);
        return await AddAsync(db, tenant, refund.BookingId, invoice, CreditNoteKind.Refund, refund.Reason, refund.Amount, refund.Currency, refund.Id, null, now, mail, ct);
    }

    /// <summary>
    /// The write-off of an invoice's unpaid rest (<paramref name="amount"/>, above zero) when its booking was cancelled after part was
    /// paid, inside the settling transaction (the invoice locked): numbered from the same counter as refund notes, crediting the
    /// invoice, its lines the unpaid share of each invoice line (<see cref="CreditNoteDocument.ForAsync"/>), mailed like a refund's note.
    /// </summary>
    public static Task<CreditNote> IssueWriteOffAsync(BookwellDb db, Invoice invoice, decimal amount, Instant now, bool mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(invoice);
        return AddAsync(db, invoice.TenantId, invoice.BookingId!.Value, new InvoiceRef(invoice.Id, invoice.Number, invoice.TimeZone, invoice.PageSlug),
            CreditNoteKind.WriteOff, RefundReason.NotOwed, amount, invoice.Currency, null, null, now, mail, ct);
    }

    /// <summary>
    /// The invoice's write-off not yet countered (the one its last settling wrote), or null. Notes are never edited: a reopened booking's
    /// write-off is countered by a reversal note (<see cref="ReverseWriteOffAsync"/>).
    /// </summary>
    public static Task<CreditNote?> OpenWriteOffAsync(BookwellDb db, Guid invoiceId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var notes = db.Set<CreditNote>().AsNoTracking();
        return notes.Where(c => c.InvoiceId == invoiceId && c.Kind == CreditNoteKind.WriteOff && !notes.Any(r => r.ReversesId == c.Id))
            .OrderByDescending(c => c.Sequence).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Counters a write-off, inside the reopening transaction (the invoice locked): a note of the same series, its amount and lines
    /// the write-off's with the sign turned, naming the note it reverses. The write-off stays as issued; together they credit nothing.
    /// </summary>
    public static Task<CreditNote> ReverseWriteOffAsync(BookwellDb db, Invoice invoice, CreditNote writeOff, Instant now, bool mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(writeOff);
        return AddAsync(db, invoice.TenantId, writeOff.BookingId, new InvoiceRef(invoice.Id, invoice.Number, invoice.TimeZone, invoice.PageSlug),
            CreditNoteKind.WriteOffReversal, RefundReason.Reopened, -writeOff.Amount, writeOff.Currency, null, writeOff, now, mail, ct);
    }

    private sealed record InvoiceRef(Guid Id, string Number, string TimeZone, string PageSlug);

    /// <summary>Numbers (the business's credit-note counter, in the caller's transaction) and adds a note, with its e-mail when <paramref name="mail"/>.</summary>
    private static async Task<CreditNote> AddAsync(BookwellDb db, Guid tenant, Guid bookingId, InvoiceRef? invoice, CreditNoteKind kind, RefundReason reason,
        decimal amount, string currency, Guid? refundId, CreditNote? reverses, Instant now, bool mail, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<long>($"""
            INSERT INTO "CreditNoteCounters" ("TenantId", "Last") VALUES ({tenant}, 1)
            ON CONFLICT ("TenantId") DO UPDATE SET "Last" = "CreditNoteCounters"."Last" + 1
            RETURNING "Last" AS "Value"
            """).ToListAsync(ct);
        var sequence = rows[0];
        var booking = await db.Bookings.IgnoreQueryFilters().AsNoTracking().FirstAsync(b => b.Id == bookingId && b.TenantId == tenant, ct);
        // The note's own logo: its page's as last fetched (the database only, inside the recording transaction), kept for ever.
        var (logoUrl, logoSha) = await InvoiceLogo.AtIssueAsync(db, tenant,
            await InvoiceLogo.PageLogoUrlAsync(db, tenant, invoice?.PageSlug ?? booking.PageSlug, ct), ct);
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(invoice?.TimeZone ?? booking.TimeZone) ?? DateTimeZone.Utc;
        var note = new CreditNote
        {
            Id = Ids.New(),
            TenantId = tenant,
            Sequence = sequence,
            Number = FormatNumber(sequence),
            BookingId = bookingId,
            InvoiceId = invoice?.Id,
            InvoiceNumber = invoice?.Number,
            RefundId = refundId,
            Kind = kind,
            ReversesId = reverses?.Id,
            ReversesNumber = reverses?.Number,
            Amount = amount,
            Currency = currency,
            CustomerName = booking.CustomerName.Length > 200 ? booking.CustomerName[..200] : booking.CustomerName,
            CustomerEmail = booking.CustomerEmail,
            Reason = reason,
            IssuedOn = now.InZone(zone).Date,
            IssuedAt = now,
            LogoUrl = logoUrl,
            LogoSha256 = logoSha,
        };
        db.Set<CreditNote>().Add(note);
        // The shared walk-in client's address (.invalid) reaches nobody.
        if (mail && !string.IsNullOrWhiteSpace(note.CustomerEmail) && note.CustomerEmail != CustomerBook.WalkInEmail)
        {
            var invoiced = await db.Set<Invoice>().IgnoreQueryFilters().AsNoTracking().Where(i => i.Id == note.InvoiceId && i.TenantId == tenant)
                .Select(i => new { i.Language, i.BusinessName }).FirstOrDefaultAsync(ct);
            var businessName = invoiced?.BusinessName ?? (await CreditNoteDocument.SellerAsync(db, tenant, note, ct))?.Name ?? await PageNameAsync(db, tenant, booking.PageSlug, ct);
            // The lines the PDF will print, from the same reader, so the mail says per part what was credited.
            var document = await CreditNoteDocument.ForAsync(db, tenant, note, ct);
            db.Outbox.Add(CreditNoteMail.Compose(note, invoiced?.Language ?? Infrastructure.TextSet.Normalize(booking.Language), businessName, now, document.Lines));
        }
        return note;
    }
}
