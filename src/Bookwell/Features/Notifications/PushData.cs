using NodaTime;

namespace Bookwell.Data;

/// <summary>
/// One browser (device) of a portal client that agreed to Web Push: the push service's endpoint and the browser's
/// keys for RFC 8291 (<c>p256dh</c>, the client's P-256 public key; <c>auth</c>, its 16-byte secret). Kept per client
/// of one business; a push service answering 404 or 410 removes the row.
/// </summary>
public sealed class ClientPushSubscription : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public required string Endpoint { get; set; }
    public required string P256dh { get; set; }
    public required string Auth { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>
/// The install's VAPID key pair (RFC 8292), made at the first start and shared by every node: the public key in the
/// clear (browsers are given it), the private key sealed with the app's data protection (so a copy of the database
/// alone cannot sign as this server). One row, id 1.
/// </summary>
public sealed class VapidKey
{
    public int Id { get; set; }
    public required string PublicKey { get; set; }
    public required string PrivateKeySealed { get; set; }
    public Instant CreatedAt { get; set; }
}
