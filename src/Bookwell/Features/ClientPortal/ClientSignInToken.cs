using NodaTime;

namespace Bookwell.Data;

/// <summary>
/// A client's one-time sign-in link for the portal of one business. Only the SHA-256 of the token is kept; the
/// token itself exists only in the e-mail, which is rendered when it is sent (the stored outbox row holds none).
/// </summary>
public sealed class ClientSignInToken : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public required string TokenHash { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant ExpiresAt { get; set; }
    /// <summary>Set once, by the request that signs in with it; a second use finds it set and signs nobody in.</summary>
    public Instant? UsedAt { get; set; }
}
