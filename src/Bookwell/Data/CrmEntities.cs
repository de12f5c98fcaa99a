using NodaTime;

namespace Bookwell.Data;

/// <summary>A note on a client by someone of the business: append-only (never edited or deleted, except when the person is erased).</summary>
public sealed class CustomerNote : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public required string Text { get; set; }
    /// <summary>Who wrote it: role and name for a dashboard user, "api" for an API key.</summary>
    public required string Author { get; set; }
    public Instant At { get; set; }
}

/// <summary>A label on a client (lower case, trimmed), one row per client and tag; the customer list filters by it.</summary>
public sealed class CustomerTag : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public required string Tag { get; set; }
    public Instant At { get; set; }
}
