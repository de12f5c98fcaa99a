using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>A client who belongs to an organization of a page (contract 4.6), with an optional member id.</summary>
public sealed class OrganizationMember : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string PageSlug { get; set; }
    public required string OrganizationKey { get; set; }
    /// <summary>The client in the business's client book (created with the member).</summary>
    public Guid CustomerId { get; set; }
    public required string Name { get; set; }
    public required string Email { get; set; }
    /// <summary>Upper-cased, trimmed: one member per address per organization.</summary>
    public required string EmailNormalized { get; set; }
    /// <summary>Student number, employee number: shown on their bookings.</summary>
    public string? MemberNumber { get; set; }
    public Instant CreatedAt { get; set; }
    /// <summary>
    /// When the member's links were last revoked (one by one, with the organization, or by an erasure). Links are made
    /// when a mail is sent, so a mail queued before this time makes none, and no link made before it opens anything: a
    /// revocation reaches links that did not exist yet when it was given.
    /// </summary>
    public Instant? LinksRevokedAt { get; set; }
}

/// <summary>
/// A personal link (contract 4.6): 256 random bits shown once in the link; only the SHA-256 is stored. It works
/// until it expires or is revoked (per member or for the whole organization).
/// </summary>
public sealed class OrganizationLink : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid MemberId { get; set; }
    public required string PageSlug { get; set; }
    public required string OrganizationKey { get; set; }
    public required LinkKind Kind { get; set; }
    public required string TokenHash { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant ExpiresAt { get; set; }
    public Instant? RevokedAt { get; set; }
}
