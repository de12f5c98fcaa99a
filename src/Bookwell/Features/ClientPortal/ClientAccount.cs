using NodaTime;

namespace Bookwell.Data;

/// <summary>
/// How a client of one business signs in besides a sign-in link: a password (hashed by ASP.NET Core Identity's
/// <c>PasswordHasher</c>) and a Google account (its stable <c>sub</c>). One row per client, in a table of its own:
/// it has nothing to do with the business's staff accounts (<see cref="AppUser"/>), so no client credential ever
/// opens <c>/admin</c> or <c>/staff</c>.
/// </summary>
public sealed class ClientAccount : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public string? PasswordHash { get; set; }
    public Instant? PasswordChangedAt { get; set; }
    /// <summary>Google's <c>sub</c> for this client, linked only after the client proved the address by a sign-in link.</summary>
    public string? GoogleSubject { get; set; }
    /// <summary>Changes when the password changes or the account is deleted: every session that carries another stamp ends.</summary>
    public required string SecurityStamp { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}
