using NodaTime;

namespace Bookwell.Data;

/// <summary>
/// A one-time sign-in link for <c>/me</c>, the install's page of a person's bookings at every business. It proves an
/// e-mail address, not a client of one business, so it belongs to no business (no tenant). Only the SHA-256 of the
/// token is kept; the token exists only in the e-mail, rendered when it is sent.
/// </summary>
public sealed class PlatformSignInToken
{
    public Guid Id { get; set; }
    /// <summary>The proven address, trimmed and upper-cased (as <see cref="Customer.EmailNormalized"/>).</summary>
    public required string EmailNormalized { get; set; }
    public required string TokenHash { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant ExpiresAt { get; set; }
    /// <summary>Set once, by the request that signs in with it.</summary>
    public Instant? UsedAt { get; set; }
}
