using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Checkout;

/// <summary>
/// One checkout at the desk (seed 001's till): a booking's (or a walk-in's) bill paid in cash, by card at the
/// terminal, or both, with its invoice issued paid in the same transaction. <see cref="Key"/> is the checkout
/// form's own one-time key and is unique per business, and a booking has at most one desk checkout
/// (<see cref="BookingId"/> is unique): the database, not the page, makes a double submit pay once.
/// </summary>
public sealed class DeskSale : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    /// <summary>The form's one-time key (a fresh GUID each time the checkout page is opened).</summary>
    public required string Key { get; set; }
    public Guid? BookingId { get; set; }
    public Guid InvoiceId { get; set; }
    public required string InvoiceNumber { get; set; }
    public required string PageSlug { get; set; }
    public required string CustomerName { get; set; }
    public required string Currency { get; set; }
    /// <summary>What the client paid in all (lines, less the discount, plus the tip).</summary>
    public decimal Total { get; set; }
    public decimal Discount { get; set; }
    public decimal Tip { get; set; }
    /// <summary>The part paid in cash (what goes into the drawer), and what the client handed over for it.</summary>
    public decimal Cash { get; set; }
    public decimal Tendered { get; set; }
    public decimal Change { get; set; }
    /// <summary>The part paid by card at the terminal.</summary>
    public decimal Card { get; set; }
    /// <summary>The terminal's receipt or transaction number, as staff typed it (optional).</summary>
    public string? CardReference { get; set; }
    public required string By { get; set; }
    public Instant At { get; set; }
}

public static class DeskSaleModel
{
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<DeskSale>(e =>
        {
            e.ToTable("DeskSales");
            e.HasQueryFilter(s => s.TenantId == db.TenantId);
            // The same form submitted twice (or ten times at once) is one sale.
            e.HasIndex(s => new { s.TenantId, s.Key }).IsUnique();
            // A booking is checked out once, whichever form tried (NULLs, walk-ins, never collide).
            e.HasIndex(s => s.BookingId).IsUnique();
            e.HasIndex(s => new { s.TenantId, s.At });
            e.Property(s => s.Key).HasMaxLength(64);
            e.Property(s => s.InvoiceNumber).HasMaxLength(32);
            e.Property(s => s.PageSlug).HasMaxLength(64);
            e.Property(s => s.CustomerName).HasMaxLength(200);
            e.Property(s => s.Currency).HasMaxLength(3);
            e.Property(s => s.CardReference).HasMaxLength(100);
            e.Property(s => s.By).HasMaxLength(254);
            foreach (var money in new[] { nameof(DeskSale.Total), nameof(DeskSale.Discount), nameof(DeskSale.Tip), nameof(DeskSale.Cash), nameof(DeskSale.Tendered),
                         nameof(DeskSale.Change), nameof(DeskSale.Card) })
            {
                e.Property<decimal>(money).HasPrecision(18, 4);
            }
        });
    }
}
