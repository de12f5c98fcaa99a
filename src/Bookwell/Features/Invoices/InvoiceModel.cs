using System.Text.Json.Serialization;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Invoices;

/// <summary>
/// An invoice as issued: the client and the amounts are copied in when it is issued, so later changes to the
/// booking, the price list or the client's record never change a document that was sent. Only the payment
/// state moves afterwards. <c>overdue</c> is not stored: it is <c>open</c> past <see cref="DueOn"/> by the
/// app clock in the business's time zone (<see cref="InvoiceStatusRules.Effective"/>), so no job has to keep it right.
/// </summary>
public sealed class Invoice : ITenantOwned, ILogoDocument
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    /// <summary>Position in the business's gapless series (1, 2, 3 ...), from its counter row.</summary>
    public long Sequence { get; set; }
    /// <summary>The number as printed: the sequence zero-padded, so it reads and sorts in order as text and as a number.</summary>
    public required string Number { get; set; }
    public Guid? BookingId { get; set; }
    public required string PageSlug { get; set; }
    public required string BusinessName { get; set; }
    public string? BusinessAddress { get; set; }
    /// <summary>The seller's details as they were at issue (<c>settings.invoicing</c>); never changed afterwards.</summary>
    public string? LegalName { get; set; }
    public string? VatNumber { get; set; }
    public string? RegistrationNumber { get; set; }
    /// <summary>IBAN, compact (no spaces).</summary>
    public string? BankAccount { get; set; }
    /// <summary>The note printed at the foot.</summary>
    public string? Footer { get; set; }
    /// <summary>The page's logo address when the invoice was issued (null: issued without a logo).</summary>
    public string? LogoUrl { get; set; }
    /// <summary>The logo the invoice prints, for ever (<see cref="LogoBlob"/>): the address's capture at issue, or at its first print when the address had never been fetched.</summary>
    public string? LogoSha256 { get; set; }
    /// <summary>
    /// True when the prices were entered without tax (tax added on top of each line). Stored this way round so that
    /// invoices issued before the setting existed (all tax-inclusive) read false without a default.
    /// </summary>
    public bool PricesExcludeTax { get; set; }
    public required string CustomerName { get; set; }
    public required string CustomerEmail { get; set; }
    public string Language { get; set; } = "en";
    public required string TimeZone { get; set; }
    /// <summary><c>open</c>, <c>paid</c> or <c>void</c> (overdue is derived).</summary>
    public required InvoiceStatus Status { get; set; }
    public LocalDate IssuedOn { get; set; }
    public LocalDate DueOn { get; set; }
    public required string Currency { get; set; }
    public decimal Subtotal { get; set; }
    public decimal TaxTotal { get; set; }
    public decimal Total { get; set; }
    public decimal AmountPaid { get; set; }
    public Instant IssuedAt { get; set; }
    public Instant? PaidAt { get; set; }
    public Instant UpdatedAt { get; set; }
    /// <summary>
    /// The number of the invoice this one replaces (void since): a pay-later booking moved to another time has its unpaid
    /// invoice voided and a new one issued for the new date, naming the old (<see cref="InvoiceIssuer"/>), never an edit.
    /// </summary>
    public string? ReplacesNumber { get; set; }
    public List<InvoiceLine> Lines { get; set; } = [];
    public List<InvoicePayment> Payments { get; set; } = [];
}

public sealed class InvoiceLine : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid InvoiceId { get; set; }
    public int Position { get; set; }
    public required string Description { get; set; }
    public decimal Quantity { get; set; }
    /// <summary>Price per unit as the business charges it (tax included).</summary>
    public decimal UnitPrice { get; set; }
    /// <summary>Percent, e.g. 21 for 21 %.</summary>
    public decimal TaxRate { get; set; }
    public decimal Tax { get; set; }
    public decimal Total { get; set; }
}

/// <summary>A payment against an invoice. Append-only: a mistake is corrected by a new entry, never by an edit.</summary>
public sealed class InvoicePayment : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid InvoiceId { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public required InvoicePaymentMethod Method { get; set; }
    public string? Note { get; set; }
    public required string By { get; set; }
    public Instant At { get; set; }
}

/// <summary>
/// The last number of a business's yearly series (a prefix with <c>{yyyy}</c>): one row per business and issue year,
/// moved in the issuing transaction like <see cref="InvoiceCounter"/>, so each year runs 1, 2, 3 ... without gaps.
/// </summary>
public sealed class InvoiceYearCounter
{
    public Guid TenantId { get; set; }
    public int Year { get; set; }
    public long Last { get; set; }
}

/// <summary>The last number issued per business; incremented in the issuing transaction, so a rollback leaves no gap.</summary>
public sealed class InvoiceCounter
{
    public Guid TenantId { get; set; }
    public long Last { get; set; }
}

/// <summary>
/// An invoice's state as stored and as the API writes it (the string each member names, <see cref="Wire{T}"/>).
/// <see cref="Overdue"/> is never stored: see <see cref="InvoiceStatusRules.Effective"/>.
/// </summary>
public enum InvoiceStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("paid")] Paid,
    [JsonStringEnumMemberName("overdue")] Overdue,
    [JsonStringEnumMemberName("void")] Void,
}

/// <summary>How an invoice was paid; stored (and written by the API) as the string each member names.</summary>
public enum InvoicePaymentMethod
{
    [JsonStringEnumMemberName("cash")] Cash,
    [JsonStringEnumMemberName("card")] Card,
    [JsonStringEnumMemberName("bank_transfer")] BankTransfer,
    /// <summary>A receipt of an online payment; never recorded by hand.</summary>
    [JsonStringEnumMemberName("stripe")] Stripe,
}

public static class InvoiceStatusRules
{
    /// <summary>
    /// A booking's invoices, its live one first (a booking has at most one that is not void), then the newest void one:
    /// what a link or a check of "the booking's invoice" means.
    /// </summary>
    public static IQueryable<Invoice> OfBooking(IQueryable<Invoice> invoices, Guid bookingId) =>
        invoices.Where(i => i.BookingId == bookingId).OrderBy(i => i.Status == InvoiceStatus.Void ? 1 : 0).ThenByDescending(i => i.Sequence);

    /// <summary>
    /// The unpaid rest no longer owed on an invoice settled when its booking was cancelled (<see cref="InvoiceIssuer"/>): closed as
    /// <c>paid</c> with less than its total recorded, its payments left as they were received. Zero for every other invoice (paid in
    /// full, open, void): nothing else closes an invoice as paid short of its total.
    /// </summary>
    public static decimal Settled(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return invoice.Status == InvoiceStatus.Paid && invoice.AmountPaid < invoice.Total ? invoice.Total - invoice.AmountPaid : 0m;
    }

    /// <summary>What is still asked of the client: the total less what was paid, less what was settled on cancellation.</summary>
    public static decimal Due(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return invoice.Total - invoice.AmountPaid - Settled(invoice);
    }

    /// <summary>What the client and the business see: open past its due date (in the business's zone, by the app clock) is overdue.</summary>
    public static InvoiceStatus Effective(Invoice invoice, Instant now)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        if (invoice.Status != InvoiceStatus.Open)
        {
            return invoice.Status;
        }
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(invoice.TimeZone) ?? DateTimeZone.Utc;
        return now.InZone(zone).Date > invoice.DueOn ? InvoiceStatus.Overdue : InvoiceStatus.Open;
    }
}

public static class InvoiceModel
{
    /// <summary>Called from <see cref="BookwellDb"/>'s model building; every set is filtered by the context's tenant.</summary>
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        var sqlite = !db.IsPostgres;
        modelBuilder.Entity<Invoice>(e =>
        {
            e.ToTable("Invoices");
            e.HasQueryFilter(i => i.TenantId == db.TenantId);
            e.HasIndex(i => new { i.TenantId, i.Number }).IsUnique();
            e.HasIndex(i => new { i.TenantId, i.Sequence }).IsUnique();
            e.HasIndex(i => new { i.TenantId, i.IssuedOn });
            // One live invoice per booking: a retried or repeated issue finds the first one instead of a second number. Void ones
            // stay on record beside it (a moved booking's replaced invoice, a cancelled and reopened booking's first one).
            e.HasIndex(i => i.BookingId).IsUnique().HasFilter("\"Status\" <> 'void'");
            e.Property(i => i.Number).HasMaxLength(32);
            e.Property(i => i.ReplacesNumber).HasMaxLength(32);
            e.Property(i => i.PageSlug).HasMaxLength(64);
            e.Property(i => i.BusinessName).HasMaxLength(200);
            e.Property(i => i.BusinessAddress).HasMaxLength(500);
            e.Property(i => i.LegalName).HasMaxLength(200);
            e.Property(i => i.VatNumber).HasMaxLength(20);
            e.Property(i => i.RegistrationNumber).HasMaxLength(32);
            e.Property(i => i.BankAccount).HasMaxLength(34);
            e.Property(i => i.Footer).HasMaxLength(500);
            e.Property(i => i.LogoUrl).HasMaxLength(2000);
            e.Property(i => i.LogoSha256).HasMaxLength(64);
            e.Property(i => i.CustomerName).HasMaxLength(200);
            e.Property(i => i.CustomerEmail).HasMaxLength(254);
            e.Property(i => i.Language).HasMaxLength(8);
            e.Property(i => i.TimeZone).HasMaxLength(64);
            e.Property(i => i.Status).HasConversion(Wire<InvoiceStatus>.Converter).HasMaxLength(20);
            e.Property(i => i.Currency).HasMaxLength(3);
            Money(e.Property(i => i.Subtotal));
            Money(e.Property(i => i.TaxTotal));
            Money(e.Property(i => i.Total));
            Money(e.Property(i => i.AmountPaid));
            if (sqlite)
            {
                e.Property(i => i.IssuedOn).HasConversion(IsoDate);
                e.Property(i => i.DueOn).HasConversion(IsoDate);
            }
            e.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId);
            e.HasMany(i => i.Payments).WithOne().HasForeignKey(p => p.InvoiceId);
        });
        modelBuilder.Entity<InvoiceLine>(e =>
        {
            e.ToTable("InvoiceLines");
            e.HasQueryFilter(l => l.TenantId == db.TenantId);
            e.Property(l => l.Description).HasMaxLength(300);
            Money(e.Property(l => l.Quantity));
            Money(e.Property(l => l.UnitPrice));
            Money(e.Property(l => l.TaxRate));
            Money(e.Property(l => l.Tax));
            Money(e.Property(l => l.Total));
        });
        modelBuilder.Entity<InvoicePayment>(e =>
        {
            e.ToTable("InvoicePayments");
            e.HasQueryFilter(p => p.TenantId == db.TenantId);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.Method).HasConversion(Wire<InvoicePaymentMethod>.Converter).HasMaxLength(20);
            e.Property(p => p.Note).HasMaxLength(500);
            e.Property(p => p.By).HasMaxLength(254);
            Money(e.Property(p => p.Amount));
        });
        modelBuilder.Entity<InvoiceCounter>(e =>
        {
            e.ToTable("InvoiceCounters");
            e.HasKey(c => c.TenantId);
        });
        modelBuilder.Entity<InvoiceYearCounter>(e =>
        {
            e.ToTable("InvoiceYearCounters");
            e.HasKey(c => new { c.TenantId, c.Year });
        });
    }

    // Exact decimals on PostgreSQL (numeric); SQLite keeps EF's default, decimal as text, which is exact too.
    private static void Money(Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<decimal> property) => property.HasPrecision(18, 4);

    private static readonly ValueConverter<LocalDate, string> IsoDate = new(
        d => LocalDatePattern.Iso.Format(d), s => LocalDatePattern.Iso.Parse(s).Value);
}
