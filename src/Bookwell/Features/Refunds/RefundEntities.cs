using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Refunds;

/// <summary>
/// A refund asked of Stripe for a booking. Written (state <c>pending</c>) under the booking's lock before Stripe
/// is called, so what is still refundable always counts the refunds under way: two refunds at once can never add
/// up to more than was paid. Its position per booking (<see cref="Sequence"/>) is unique, so two writers that
/// somehow read the same state collide in the database instead of both passing. The money itself enters the
/// append-only ledger (<see cref="Payment"/>, kind <c>refund</c>) when Stripe has accepted it.
/// </summary>
public sealed class Refund : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BookingId { get; set; }
    /// <summary>1, 2, 3 ... per booking; part of the Stripe idempotency key.</summary>
    public int Sequence { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public required RefundReason Reason { get; set; }
    /// <summary><c>pending</c> (asked, no answer yet), <c>succeeded</c> or <c>failed</c> (nothing was refunded; the amount is refundable again).</summary>
    public required RefundStatus State { get; set; }
    /// <summary>The PaymentIntent refunded.</summary>
    public required string PaymentIntent { get; set; }
    /// <summary>The Connect account the charge went to, when it did.</summary>
    public string? StripeAccount { get; set; }
    /// <summary>Stripe's refund id (<c>re_...</c>) once it answered.</summary>
    public string? StripeRefundId { get; set; }
    /// <summary>Stripe's own status of the refund (<c>succeeded</c>, <c>pending</c>, ...).</summary>
    public string? StripeStatus { get; set; }
    public string? Failure { get; set; }
    public required string IdempotencyKey { get; set; }
    public required string By { get; set; }
    public Guid? CreditNoteId { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>
/// A credit note: a document that credits an invoice, with its own gapless series per business (a counter row moved in the
/// note's own transaction, like invoices; never MAX()+1). Of three kinds (<see cref="CreditNoteKind"/>): money given back (a
/// refund), the unpaid rest of an invoice written off because its booking was cancelled, and the reversal of such a write-off when
/// the booking is reopened. Issued notes are never edited or deleted: a write-off taken back is countered by a reversal note.
/// </summary>
public sealed class CreditNote : ITenantOwned, Invoices.ILogoDocument
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public long Sequence { get; set; }
    /// <summary>As printed: <c>CN-</c> and the sequence zero-padded to six digits.</summary>
    public required string Number { get; set; }
    public Guid BookingId { get; set; }
    /// <summary>The invoice (receipt) it credits, when the booking has one.</summary>
    public Guid? InvoiceId { get; set; }
    public string? InvoiceNumber { get; set; }
    /// <summary>The refund it documents; null for a write-off and its reversal.</summary>
    public Guid? RefundId { get; set; }
    /// <summary>What the note is (stored as its wire name); refund for every note issued before write-offs existed.</summary>
    public CreditNoteKind Kind { get; set; } = CreditNoteKind.Refund;
    /// <summary>The write-off a reversal counters (its id and number); null for the other kinds.</summary>
    public Guid? ReversesId { get; set; }
    public string? ReversesNumber { get; set; }
    /// <summary>What the note credits, positive (its lines are negative); a reversal's is negative (it charges the written-off rest again).</summary>
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public required string CustomerName { get; set; }
    public required string CustomerEmail { get; set; }
    public required RefundReason Reason { get; set; }
    public LocalDate IssuedOn { get; set; }
    public Instant IssuedAt { get; set; }
    /// <summary>The page's logo address when the note was issued (null: none); see <see cref="Invoices.Invoice.LogoUrl"/>.</summary>
    public string? LogoUrl { get; set; }
    /// <summary>The logo the note prints, for ever (<see cref="Invoices.LogoBlob"/>), its own: captured when the note was issued.</summary>
    public string? LogoSha256 { get; set; }
}

/// <summary>What a credit note documents; stored (and written by the API as its <c>kind</c>) as the string each member names.</summary>
public enum CreditNoteKind
{
    /// <summary>Money given back through Stripe (<see cref="CreditNote.RefundId"/>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("refund")] Refund,
    /// <summary>The unpaid rest of an invoice no longer owed: its booking was cancelled after part was paid.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("write_off")] WriteOff,
    /// <summary>Counters a write-off (<see cref="CreditNote.ReversesId"/>): the booking was reopened and the rest is owed again.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("write_off_reversal")] WriteOffReversal,
}

public sealed class CreditNoteCounter
{
    public Guid TenantId { get; set; }
    public long Last { get; set; }
}

public static class RefundModel
{
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<Refund>(e =>
        {
            e.ToTable("Refunds");
            e.HasQueryFilter(r => r.TenantId == db.TenantId);
            e.HasIndex(r => new { r.BookingId, r.Sequence }).IsUnique();
            e.HasIndex(r => r.IdempotencyKey).IsUnique();
            // The retry pass looks across tenants for refunds still waiting for Stripe's answer.
            e.HasIndex(r => new { r.State, r.CreatedAt });
            e.HasIndex(r => new { r.TenantId, r.CreatedAt });
            e.Property(r => r.Amount).HasPrecision(18, 4);
            e.Property(r => r.Currency).HasMaxLength(3);
            e.Property(r => r.Reason).HasConversion(Wire<RefundReason>.Converter).HasMaxLength(20);
            e.Property(r => r.State).HasConversion(Wire<RefundStatus>.Converter).HasMaxLength(20);
            e.Property(r => r.PaymentIntent).HasMaxLength(255);
            e.Property(r => r.StripeAccount).HasMaxLength(255);
            e.Property(r => r.StripeRefundId).HasMaxLength(255);
            e.Property(r => r.StripeStatus).HasMaxLength(40);
            e.Property(r => r.Failure).HasMaxLength(500);
            e.Property(r => r.IdempotencyKey).HasMaxLength(255);
            e.Property(r => r.By).HasMaxLength(254);
        });
        modelBuilder.Entity<CreditNote>(e =>
        {
            e.ToTable("CreditNotes");
            e.HasQueryFilter(c => c.TenantId == db.TenantId);
            e.HasIndex(c => new { c.TenantId, c.Sequence }).IsUnique();
            e.HasIndex(c => new { c.TenantId, c.Number }).IsUnique();
            e.HasIndex(c => c.RefundId).IsUnique();
            // A write-off is countered at most once.
            e.HasIndex(c => c.ReversesId).IsUnique();
            e.HasIndex(c => new { c.TenantId, c.InvoiceId });
            e.Property(c => c.Kind).HasConversion(Wire<CreditNoteKind>.Converter).HasMaxLength(20).HasDefaultValue(CreditNoteKind.Refund);
            e.Property(c => c.ReversesNumber).HasMaxLength(32);
            e.HasIndex(c => new { c.TenantId, c.BookingId });
            e.Property(c => c.Number).HasMaxLength(32);
            e.Property(c => c.InvoiceNumber).HasMaxLength(32);
            e.Property(c => c.Amount).HasPrecision(18, 4);
            e.Property(c => c.Currency).HasMaxLength(3);
            e.Property(c => c.CustomerName).HasMaxLength(200);
            e.Property(c => c.CustomerEmail).HasMaxLength(254);
            e.Property(c => c.Reason).HasConversion(Wire<RefundReason>.Converter).HasMaxLength(20);
            e.Property(c => c.LogoUrl).HasMaxLength(2000);
            e.Property(c => c.LogoSha256).HasMaxLength(64);
            if (!db.IsPostgres)
            {
                e.Property(c => c.IssuedOn).HasConversion(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<LocalDate, string>(
                    d => NodaTime.Text.LocalDatePattern.Iso.Format(d), s => NodaTime.Text.LocalDatePattern.Iso.Parse(s).Value));
            }
        });
        modelBuilder.Entity<CreditNoteCounter>(e =>
        {
            e.ToTable("CreditNoteCounters");
            e.HasKey(c => c.TenantId);
        });
    }
}
