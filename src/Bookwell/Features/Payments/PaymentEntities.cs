using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Data;

/// <summary>
/// One movement of money for a booking: a charge or a refund. Append-only: a row is never changed or removed
/// (a refund is a new row). <see cref="ProviderReference"/> is unique per provider, so the same money is never
/// recorded twice however often the provider tells us about it.
/// </summary>
public sealed class Payment : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BookingId { get; set; }
    /// <summary>Always positive; <see cref="Kind"/> says which way it went.</summary>
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public required PaymentKind Kind { get; set; }
    public required PaymentProvider Provider { get; set; }
    /// <summary>The provider's id for this movement: the Checkout Session id for a charge, the refund id for a refund.</summary>
    public required string ProviderReference { get; set; }
    /// <summary>The Stripe PaymentIntent behind a charge, where known (refunds go against it).</summary>
    public string? PaymentIntent { get; set; }
    /// <summary>
    /// The Connect account a charge made without a Checkout Session went to (a card on the desk's Stripe Terminal reader), so
    /// its refund is asked of that account; null for the platform's own, and for Checkout charges (their session keeps it).
    /// </summary>
    public string? StripeAccount { get; set; }
    public Instant At { get; set; }
    /// <summary>
    /// The seller's details when the money was taken (<see cref="Features.Invoices.SellerSnapshot"/>, JSON), for a credit
    /// note of a booking without an invoice; null on refund rows and on rows written before it was kept.
    /// </summary>
    public string? Seller { get; set; }
}

/// <summary>
/// A Stripe Checkout Session opened for a booking: what it asks, where the client pays, and what became of it.
/// Written in the same transaction as the booking it belongs to.
/// </summary>
public sealed class CheckoutSession : ITenantOwned
{
    /// <summary>Stripe's id (<c>cs_...</c>).</summary>
    public required string Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BookingId { get; set; }
    public required CheckoutPurpose Purpose { get; set; }
    /// <summary>What this session charges.</summary>
    public decimal Amount { get; set; }
    /// <summary>The booking's whole price at the time of booking (the deposit's remainder is due later).</summary>
    public decimal Total { get; set; }
    public required string Currency { get; set; }
    public required string Url { get; set; }
    public Instant ExpiresAt { get; set; }
    /// <summary>As last learned from Stripe.</summary>
    public required CheckoutState State { get; set; }
    /// <summary>Money arrived after the booking's time was given away: it must go back to the client.</summary>
    public bool RefundDue { get; set; }
    /// <summary>The Connect account the money goes to, when the business has one.</summary>
    public string? StripeAccount { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>
/// A provider event that has taken effect. Its key is unique and it is written in the same transaction as the
/// effect, so a redelivered event (or twenty at once) changes nothing a second time.
/// </summary>
public sealed class PaymentEvent
{
    public long Id { get; set; }
    public required PaymentProvider Provider { get; set; }
    public required string EventId { get; set; }
    public Guid TenantId { get; set; }
    public required string Type { get; set; }
    public Guid? BookingId { get; set; }
    /// <summary>What the event did, for the operator.</summary>
    public required PaymentOutcome Outcome { get; set; }
    public Instant ReceivedAt { get; set; }
}

/// <summary>Which way a ledger row moved money; stored (and written by the API) as the string each member names (<see cref="Wire{T}"/>).</summary>
public enum PaymentKind
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("charge")] Charge,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("refund")] Refund,
    /// <summary>A no-show fee charged off-session to the saved card.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("fee")] Fee,
}

/// <summary>Who moved the money; stored as the string each member names.</summary>
public enum PaymentProvider
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("stripe")] Stripe,
    /// <summary>Taken at the desk (cash or the card terminal): no PaymentIntent, never refunded through Stripe.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("desk")] Desk,
}

/// <summary>What applying a provider's payment state did (recorded with the event that caused it); stored as its string.</summary>
public enum PaymentOutcome
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("confirmed")] Confirmed,
    /// <summary>Paid after its hold ran out, while its time was still free: the booking was taken up again.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("reopened")] Reopened,
    /// <summary>Paid after its time was given away: the money must go back.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("refund-due")] RefundDue,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("already-paid")] AlreadyPaid,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("cancelled")] Cancelled,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("ignored")] Ignored,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("duplicate")] Duplicate,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("unknown-session")] UnknownSession,
}

/// <summary>What a Checkout Session is for; stored (and sent to Stripe as metadata and in the idempotency key) as the string each member names.</summary>
public enum CheckoutPurpose
{
    /// <summary>The whole price, now.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("full")] Full,
    /// <summary>A deposit now, the rest at the appointment.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("deposit")] Deposit,
    /// <summary>Nothing paid online: the session only saves the card (<c>mode=setup</c>) for a no-show fee.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("card")] Card,
}

/// <summary>A Checkout Session's state as Stripe names it; stored as that string.</summary>
public enum CheckoutState
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("open")] Open,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("complete")] Complete,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>Indexes and sizes of the payment tables (query filters are set by <see cref="BookwellDb"/>, which owns the tenant).</summary>
public static class PaymentModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<Payment>(e =>
        {
            e.HasIndex(p => new { p.Provider, p.ProviderReference }).IsUnique();
            e.HasIndex(p => new { p.TenantId, p.BookingId });
            e.Property(p => p.Amount).HasPrecision(18, 4);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.Kind).HasConversion(Wire<PaymentKind>.Converter).HasMaxLength(10);
            e.Property(p => p.Provider).HasConversion(Wire<PaymentProvider>.Converter).HasMaxLength(20);
            e.Property(p => p.ProviderReference).HasMaxLength(255);
            e.Property(p => p.PaymentIntent).HasMaxLength(255);
            e.Property(p => p.StripeAccount).HasMaxLength(255);
        });
        modelBuilder.Entity<CheckoutSession>(e =>
        {
            e.HasKey(s => s.Id);
            e.HasIndex(s => new { s.TenantId, s.BookingId });
            // The reconciliation pass looks across tenants for open sessions whose hold is about to end.
            e.HasIndex(s => new { s.State, s.ExpiresAt });
            e.Property(s => s.Id).HasMaxLength(255);
            e.Property(s => s.Purpose).HasConversion(Wire<CheckoutPurpose>.Converter).HasMaxLength(10);
            e.Property(s => s.Amount).HasPrecision(18, 4);
            e.Property(s => s.Total).HasPrecision(18, 4);
            e.Property(s => s.Currency).HasMaxLength(3);
            e.Property(s => s.Url).HasMaxLength(2000);
            e.Property(s => s.State).HasConversion(Wire<CheckoutState>.Converter).HasMaxLength(10);
            e.Property(s => s.StripeAccount).HasMaxLength(255);
        });
        modelBuilder.Entity<PaymentEvent>(e =>
        {
            e.HasIndex(p => new { p.Provider, p.EventId }).IsUnique();
            e.Property(p => p.Provider).HasConversion(Wire<PaymentProvider>.Converter).HasMaxLength(20);
            e.Property(p => p.EventId).HasMaxLength(255);
            e.Property(p => p.Type).HasMaxLength(100);
            e.Property(p => p.Outcome).HasConversion(Wire<PaymentOutcome>.Converter).HasMaxLength(20);
        });
    }
}
