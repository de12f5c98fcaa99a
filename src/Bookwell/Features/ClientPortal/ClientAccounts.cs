using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Passwords and linked Google accounts of a business's clients. Hashing is ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, versioned, rehashed when Identity's defaults move); the rules
/// are the staff accounts' (at least 10 characters). Attempts are counted per address and per network
/// address in <see cref="LoginThrottles"/> (five wrong passwords block for a minute, then longer), whether or
/// not the address is a client's, and an unknown address costs a hash check too: neither the answer nor its
/// time tells who has an account.
/// </summary>
public sealed class ClientAccounts(BookwellDb db, IClock clock, SqliteWriteGate gate, LoginThrottles throttles)
{
    public const int MinLength = 10;
    public const int MaxLength = 200;
    public const string StampClaim = "bw:client-stamp";
    /// <summary>How the session was started: <c>link</c> (a sign-in link, so the mailbox was just proved), <c>password</c> or <c>google</c>.</summary>
    public const string MethodClaim = "bw:client-method";
    public const string AuthTimeClaim = "bw:client-auth-time";
    /// <summary>The method of a session an organization's personal link started (<see cref="OrganizationLinkClaim"/> names the link).</summary>
    public const string OrganizationLinkMethod = "organization-link";
    /// <summary>The personal link (its row's id, never the token) behind an organization-link session: revoking it ends the session.</summary>
    public const string OrganizationLinkClaim = "bw:client-org-link";
    /// <summary>A session that came from a sign-in link may set a new password without the old one for this long (the reset by e-mail).</summary>
    public static readonly Duration ResetWindow = Duration.FromMinutes(30);

    private static readonly PasswordHasher<ClientAccount> Hasher = new();
    private static readonly ClientAccount Nobody = new() { SecurityStamp = "" };
    private static readonly Lazy<string> DummyHash = new(() => Hasher.HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));

    public enum Outcome { SignedIn, Wrong, Blocked }

    /// <summary>The text key of what is wrong with a new password, or null.</summary>
    public static string? PasswordProblem(string? password, string? email)
    {
        if (password is null || password.Length < MinLength)
        {
            return "password-short";
        }
        if (password.Length > MaxLength)
        {
            return "password-long";
        }
        return email is not null && string.Equals(password.Trim(), email.Trim(), StringComparison.OrdinalIgnoreCase) ? "password-is-email" : null;
    }

    /// <summary>
    /// The client a sign-in stands for: a profile an admin merged into another signs in as the kept one (whose
    /// bookings it now holds). Merges keep the pointer one hop long. Null when the kept profile was erased.
    /// </summary>
    public static async Task<Customer?> SurvivorAsync(BookwellDb db, Customer? customer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (customer?.MergedIntoId is not { } kept)
        {
            return customer;
        }
        return await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == kept && c.ErasedAt == null, ct);
    }

    public Task<ClientAccount?> FindAsync(Guid customerId, CancellationToken ct) =>
        db.ClientAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.CustomerId == customerId, ct);

    private static string EmailKey(Guid tenant, string email) =>
        $"client-pw:{tenant:N}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToUpperInvariant())))}";

    /// <summary>
    /// Checks an address and password. The attempt is counted before the password is checked (so parallel
    /// guesses cannot outrun the count); a right password gives the attempts back.
    /// </summary>
    public async Task<(Outcome Outcome, Customer? Customer, ClientAccount? Account, Instant? RetryAt)> PasswordSignInAsync(
        string? email, string? password, string ip, CancellationToken ct)
    {
        var address = (email ?? "").Trim();
        string[] keys = [EmailKey(db.TenantId, address), $"client-pw-ip:{db.TenantId:N}:{ip}"];
        Instant? until;
        using (await gate.EnterAsync(db, ct))
        {
            until = await throttles.TryReserveAsync(keys, ct);
        }
        if (until is not null)
        {
            return (Outcome.Blocked, null, null, until);
        }
        var normalized = address.ToUpperInvariant();
        var customer = address.Length is 0 or > 254 ? null
            : await SurvivorAsync(db, await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.EmailNormalized == normalized && c.ErasedAt == null, ct), ct);
        var account = customer is null ? null : await FindAsync(customer.Id, ct);
        var candidate = password is { Length: > 0 and <= MaxLength } ? password : "-";
        var result = account?.PasswordHash is { } hash
            ? Hasher.VerifyHashedPassword(account, hash, candidate)
            : VerifyNobody(candidate);
        using (await gate.EnterAsync(db, ct))
        {
            if (result == PasswordVerificationResult.Failed || account is null)
            {
                await throttles.FailAsync(keys, ct);
                return (Outcome.Wrong, null, null, null);
            }
            await throttles.SucceedAsync(keys, ct);
            if (result == PasswordVerificationResult.SuccessRehashNeeded)
            {
                var rehashed = Hasher.HashPassword(account, candidate);
                await db.ClientAccounts.Where(a => a.Id == account.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.PasswordHash, rehashed), ct);
            }
        }
        return (Outcome.SignedIn, customer, account, null);
    }

    /// <summary>The same work as checking a real password, for an address with none: the answer takes as long.</summary>
    private static PasswordVerificationResult VerifyNobody(string candidate)
    {
        _ = Hasher.VerifyHashedPassword(Nobody, DummyHash.Value, candidate);
        return PasswordVerificationResult.Failed;
    }

    public static bool Verify(ClientAccount account, string? password)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.PasswordHash is { } hash && password is { Length: > 0 and <= MaxLength } &&
               Hasher.VerifyHashedPassword(account, hash, password) != PasswordVerificationResult.Failed;
    }

    /// <summary>Sets (or replaces) the client's password; the stamp changes, so every other session of the client ends.</summary>
    public async Task<ClientAccount> SetPasswordAsync(Guid customerId, string password, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        using (await gate.EnterAsync(db, ct))
        {
            var account = await db.ClientAccounts.FirstOrDefaultAsync(a => a.CustomerId == customerId, ct);
            if (account is null)
            {
                account = new ClientAccount { Id = Ids.New(), TenantId = db.TenantId, CustomerId = customerId, SecurityStamp = NewStamp(), CreatedAt = now };
                db.ClientAccounts.Add(account);
            }
            account.PasswordHash = Hasher.HashPassword(account, password);
            account.PasswordChangedAt = now;
            account.SecurityStamp = NewStamp();
            account.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            return account;
        }
    }

    public static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The session of a client: their id, their business, the stamp of their account ("" without one) and how they signed in.</summary>
    public ClaimsPrincipal Principal(Customer customer, ClientAccount? account, string method, Guid? organizationLink = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, customer.Id.ToString()),
            new Claim(ClientPortalSetup.CustomerClaim, customer.Id.ToString()),
            new Claim(BookwellClaims.Tenant, customer.TenantId.ToString()),
            new Claim(StampClaim, account?.SecurityStamp ?? ""),
            new Claim(MethodClaim, method),
            new Claim(AuthTimeClaim, clock.GetCurrentInstant().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], ClientPortalSetup.Scheme);
        if (organizationLink is { } link)
        {
            identity.AddClaim(new Claim(OrganizationLinkClaim, link.ToString()));
        }
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// True when the session shows that its holder controls the client's address or knows their password (a sign-in link,
    /// the password, a linked Google account). An organization's personal link does not: the organization knows the person,
    /// which says nothing of who reads the mailbox now, so such a session sets no password and deletes no account.
    /// </summary>
    public static bool ProvedOwnership(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(MethodClaim) is "link" or "password" or "google";
    }

    /// <summary>True when the session came from a sign-in link within <see cref="ResetWindow"/>: the mailbox was proved just now.</summary>
    public bool RecentlyProvedEmail(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(MethodClaim) == "link" &&
               long.TryParse(user.FindFirstValue(AuthTimeClaim), System.Globalization.CultureInfo.InvariantCulture, out var at) &&
               clock.GetCurrentInstant() - Instant.FromUnixTimeSeconds(at) <= ResetWindow;
    }
}
