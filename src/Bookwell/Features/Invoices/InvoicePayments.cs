using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Invoices;

public abstract record PaymentResult
{
    public sealed record Done(Invoice Invoice) : PaymentResult;
    public sealed record Missing : PaymentResult;
    public sealed record Invalid(Errors Errors) : PaymentResult;
    /// <summary>The invoice's state forbids it (voiding a paid, part-paid or void invoice).</summary>
    public sealed record Refused(string Message) : PaymentResult;
}

/// <summary>
/// Records a payment by hand (cash, card at the desk, bank transfer). The invoice row is locked for the
/// transaction (PostgreSQL: FOR UPDATE; SQLite: the write gate), and the amount is checked against what is
/// still due after the lock, so payments racing each other can never add up to more than the total.
/// </summary>
public sealed class InvoicePayments(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox)
{
    /// <summary>What staff and the API may record by hand.</summary>
    public static readonly InvoicePaymentMethod[] Methods = [InvoicePaymentMethod.Cash, InvoicePaymentMethod.Card, InvoicePaymentMethod.BankTransfer];
    public const int MaxNote = 500;

    /// <param name="language">The language of the error messages (the API answers in English, pages in the user's).</param>
    public async Task<PaymentResult> RecordAsync(Guid id, decimal? amount, string? currency, string? method, string? note, string by, string language,
        CancellationToken ct)
    {
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        string F(string key, params object[] args) => InvoiceText.Words.FormatIn(language, culture, key, args);
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ChangeTracker.Clear();
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Invoices" WHERE "Id" = {id} AND "TenantId" = {db.TenantId} FOR UPDATE""", ct);
        }
        var invoice = await db.Set<Invoice>().Include(i => i.Lines).Include(i => i.Payments).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return new PaymentResult.Missing();
        }
        var errors = new Errors();
        var due = invoice.Total - invoice.AmountPaid;
        if (invoice.Status is InvoiceStatus.Paid or InvoiceStatus.Void)
        {
            errors.Add("amount.amount", F("err-closed", InvoiceText.Words.Get("status-" + invoice.Status.ToWire(), language)));
        }
        else if (amount is not { } value || value <= 0 || !InvoiceMoney.Fits(value, invoice.Currency))
        {
            errors.Add("amount.amount", F("err-amount", invoice.Currency, InvoiceMoney.MinorUnits(invoice.Currency)));
        }
        else if (value > due)
        {
            errors.Add("amount.amount", F("err-over", InvoiceMoney.Format(due, invoice.Currency, culture)));
        }
        if (!string.Equals(currency, invoice.Currency, StringComparison.Ordinal))
        {
            errors.Add("amount.currency", F("err-currency", invoice.Currency));
        }
        if (!Wire<InvoicePaymentMethod>.TryParse(method, out var paidBy) || !Methods.Contains(paidBy))
        {
            errors.Add("method", F("err-method"));
        }
        if (note is { Length: > MaxNote })
        {
            errors.Add("note", F("err-note"));
        }
        if (errors.Any)
        {
            return new PaymentResult.Invalid(errors);
        }
        var now = clock.GetCurrentInstant();
        invoice.Payments.Add(new InvoicePayment
        {
            TenantId = invoice.TenantId,
            InvoiceId = invoice.Id,
            Amount = amount!.Value,
            Currency = invoice.Currency,
            Method = paidBy,
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
            By = by.Length > 254 ? by[..254] : by,
            At = now,
        });
        invoice.AmountPaid += amount.Value;
        invoice.UpdatedAt = now;
        if (invoice.AmountPaid >= invoice.Total)
        {
            invoice.Status = InvoiceStatus.Paid;
            invoice.PaidAt = now;
            await Webhooks.WebhookQueue.QueueInvoiceAsync(db, Webhooks.WebhookEvents.InvoicePaid, invoice, now, ct);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // The webhook events queued with it go out now rather than at the worker's next look.
        outbox.Notify();
        return new PaymentResult.Done(invoice);
    }

    /// <summary>
    /// Voids an open invoice with nothing paid on it, under the same lock as a payment (so a payment and a void never
    /// both win). The invoice keeps its number: the series stays gapless, and the voided document stays on record.
    /// </summary>
    public async Task<PaymentResult> VoidAsync(Guid id, string language, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ChangeTracker.Clear();
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Invoices" WHERE "Id" = {id} AND "TenantId" = {db.TenantId} FOR UPDATE""", ct);
        }
        var invoice = await db.Set<Invoice>().Include(i => i.Lines).Include(i => i.Payments).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return new PaymentResult.Missing();
        }
        if (invoice.Status != InvoiceStatus.Open || invoice.AmountPaid != 0)
        {
            var now0 = clock.GetCurrentInstant();
            var state = invoice.AmountPaid != 0 && invoice.Status == InvoiceStatus.Open ? "paid" : InvoiceStatusRules.Effective(invoice, now0).ToWire();
            var culture = CultureInfo.GetCultureInfo(language == "nl" ? "nl-NL" : "en-GB");
            return new PaymentResult.Refused(InvoiceText.Words.FormatIn(language, culture, "err-void", InvoiceText.Words.Get("status-" + state, language).ToLowerInvariant()));
        }
        var now = clock.GetCurrentInstant();
        invoice.Status = InvoiceStatus.Void;
        invoice.UpdatedAt = now;
        await Webhooks.WebhookQueue.QueueInvoiceAsync(db, Webhooks.WebhookEvents.InvoiceVoided, invoice, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // The webhook events queued with it go out now rather than at the worker's next look.
        outbox.Notify();
        return new PaymentResult.Done(invoice);
    }
}
