using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Accounts;

public sealed record SignupRequest(string BusinessName, string Subdomain, string Name, string Email, string Password);

/// <summary>Creating businesses and accounts, and the e-mails and one-time links that go with them.</summary>
public sealed partial class AccountService(BookwellDb db, UserManager<AppUser> users, IClock clock, IConfiguration config,
    IDataProtectionProvider protection, TenantHosts hosts, OutboxSignal outbox, TenantLinks links)
{
    /// <summary>Why an account e-mail was not sent: its link would have no trustworthy address to point to.</summary>
    public const string NoAddress = "Account e-mails are off: this server does not know its public address. The administrator sets Bookwell__PublicBaseUrl.";

    public static readonly string[] ReservedSubdomains = ["www", "admin", "api", "app", "mail", "staff", "static", "assets", "bookwell", "help", "support", "status"];

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")]
    private static partial Regex SubdomainPattern();

    public string TenantDomain => (config["Bookwell:TenantDomain"] ?? "localhost").Trim().TrimStart('.').ToLowerInvariant();

    public bool SignupOpen => config.GetValue("Bookwell:AllowSignup", true);

    public static void CheckPassword(string? password, Errors e, string field = "Password")
    {
        if (string.IsNullOrEmpty(password) || password.Length < 10)
        {
            e.Add(field, "Use at least 10 characters.");
        }
        else if (password.Length > 200)
        {
            e.Add(field, "At most 200 characters.");
        }
    }

    public static void CheckName(string? name, Errors e, string field = "Name")
    {
        if (ContactRules.NameProblem(name) is { } problem)
        {
            e.Add(field, problem);
        }
    }

    public static void CheckEmail(string? email, Errors e, string field = "Email")
    {
        if (string.IsNullOrWhiteSpace(email) || !ContactRules.IsEmail(email.Trim()))
        {
            e.Add(field, "Enter an e-mail address such as name@example.com.");
        }
    }

    /// <summary>
    /// A new business with its owner; the tenant gets its own host under the configured domain. When the address
    /// has an account already, nothing is created and that account comes back as <c>Existing</c>: the caller
    /// answers as for a new business and mails the address's owner, so the form tells nobody who has an account.
    /// </summary>
    public async Task<(AppUser? Owner, Tenant? Tenant, Errors Errors, AppUser? Existing)> SignupAsync(SignupRequest r, CancellationToken ct)
    {
        var e = new Errors();
        CheckName(r.BusinessName, e, "BusinessName");
        var sub = (r.Subdomain ?? "").Trim().ToLowerInvariant();
        if (!SubdomainPattern().IsMatch(sub) || sub.Contains("--", StringComparison.Ordinal))
        {
            e.Add("Subdomain", "Use 3 to 40 lowercase letters, digits and single dashes.");
        }
        else if (ReservedSubdomains.Contains(sub))
        {
            e.Add("Subdomain", "This address is reserved; choose another.");
        }
        CheckName(r.Name, e);
        CheckEmail(r.Email, e);
        CheckPassword(r.Password, e);
        if (e.Any)
        {
            return (null, null, e, null);
        }
        var host = $"{sub}.{TenantDomain}";
        if (await db.Tenants.AnyAsync(t => t.Host == host, ct))
        {
            e.Add("Subdomain", "This address is taken; choose another.");
            return (null, null, e, null);
        }
        if (await users.FindByEmailAsync(r.Email.Trim()) is { } existing)
        {
            // A new account would hash the password; so does this answer, to take about as long.
            DummyHash.Verify(users.PasswordHasher, r.Password);
            return (null, null, e, existing);
        }
        var now = clock.GetCurrentInstant();
        var tenant = new Tenant { Id = Ids.New(), Name = r.BusinessName.Trim(), Host = host, UpdatedAt = now, CreatedAt = now };
        var owner = NewUser(tenant.Id, r.Email, r.Name, UserRole.Owner, null, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Tenants.Add(tenant);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            e.Add("Subdomain", "This address is taken; choose another.");
            return (null, null, e, null);
        }
        var created = await users.CreateAsync(owner, r.Password);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors)
            {
                e.Add(error.Code.Contains("Password", StringComparison.Ordinal) ? "Password" : "Email", error.Description);
            }
            return (null, null, e, null);
        }
        await tx.CommitAsync(ct);
        hosts.Remember(host, tenant.Id);
        return (owner, tenant, e, null);
    }

    /// <summary>The first owner of the default tenant (a single-business install).</summary>
    public async Task<(AppUser? Owner, Errors Errors)> ClaimDefaultAsync(string name, string email, string password, CancellationToken ct)
    {
        var e = new Errors();
        CheckName(name, e);
        CheckEmail(email, e);
        CheckPassword(password, e);
        if (e.Any)
        {
            return (null, e);
        }
        if (await HasOwnerAsync(DefaultTenant.Id, ct))
        {
            e.Add("Email", "This business has an owner already. Sign in instead.");
            return (null, e);
        }
        var owner = NewUser(DefaultTenant.Id, email, name, UserRole.Owner, null, clock.GetCurrentInstant());
        var created = await users.CreateAsync(owner, password);
        foreach (var error in created.Errors)
        {
            e.Add(error.Code.Contains("Password", StringComparison.Ordinal) ? "Password" : "Email", error.Description);
        }
        return (created.Succeeded ? owner : null, e);
    }

    public Task<bool> HasOwnerAsync(Guid tenantId, CancellationToken ct) =>
        db.Users.AnyAsync(u => u.TenantId == tenantId && u.Role == UserRole.Owner, ct);

    public static AppUser NewUser(Guid tenantId, string email, string name, UserRole role, string? staffKey, Instant now) => new()
    {
        Id = Ids.New(),
        TenantId = tenantId,
        UserName = email.Trim(),
        Email = email.Trim(),
        DisplayName = name.Trim(),
        Role = role,
        StaffKey = staffKey,
        CreatedAt = now,
    };

    /// <summary>
    /// The base of an account e-mail's link: the business's stored host, or the install's configured address
    /// for the default business; null when neither is known (then the mail is not sent at all, since a link
    /// built from the request's Host would hand the token to whoever sent that Host).
    /// </summary>
    public async Task<string?> AccountBaseUrlAsync(Guid tenantId, CancellationToken ct)
    {
        if (tenantId == DefaultTenant.Id)
        {
            return links.InstallBaseUrl;
        }
        var host = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.Host).FirstOrDefaultAsync(ct);
        return host is null ? null : links.ForHost(host);
    }

    /// <summary>False when no canonical address is known, so nothing was sent.</summary>
    public async Task<bool> QueueVerificationAsync(AppUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await AccountBaseUrlAsync(user.TenantId, ct) is not { } baseUrl)
        {
            return false;
        }
        await QueueLinkAsync(user, MessageKind.AccountVerify,
            $"{baseUrl}/admin/verify?user={user.Id}&token={Uri.EscapeDataString(await users.GenerateEmailConfirmationTokenAsync(user))}", ct);
        return true;
    }

    /// <summary>False when no canonical address is known, so nothing was sent.</summary>
    public async Task<bool> QueueResetAsync(AppUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await AccountBaseUrlAsync(user.TenantId, ct) is not { } baseUrl)
        {
            return false;
        }
        await QueueLinkAsync(user, MessageKind.AccountReset,
            $"{baseUrl}/admin/reset?user={user.Id}&token={Uri.EscapeDataString(await users.GeneratePasswordResetTokenAsync(user))}", ct);
        return true;
    }

    /// <summary>Tells the owner of an address that someone tried to sign up with it, and how to get back in.</summary>
    public async Task<bool> QueueSignupAttemptAsync(AppUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await AccountBaseUrlAsync(user.TenantId, ct) is not { } baseUrl)
        {
            return false;
        }
        await QueueLinkAsync(user, MessageKind.AccountSignupAttempt, $"{baseUrl}/admin/forgot", ct);
        return true;
    }

    /// <summary>In the language of the request that asked for it: accounts keep none of their own.</summary>
    private async Task QueueLinkAsync(AppUser user, MessageKind kind, string link, CancellationToken ct)
    {
        db.Outbox.Add(AccountMail.Compose(user.TenantId, kind, user.Email!, TextSet.CurrentLanguage, link, clock.GetCurrentInstant(), user.DisplayName));
        await db.SaveChangesAsync(ct);
        outbox.Notify();
    }

    /// <summary>The invitation's token, or null when no canonical address is known (nothing is stored or sent then).</summary>
    public async Task<string?> InviteAsync(Guid tenantId, string email, UserRole role, string? staffKey, string invitedBy, string businessName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        if (await AccountBaseUrlAsync(tenantId, ct) is not { } baseUrl)
        {
            return null;
        }
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetCurrentInstant();
        db.Invitations.Add(new Invitation
        {
            Id = Ids.New(),
            TenantId = tenantId,
            Email = email.Trim(),
            Role = role,
            StaffKey = staffKey,
            TokenHash = HashToken(token),
            InvitedBy = invitedBy,
            CreatedAt = now,
            ExpiresAt = now + Duration.FromDays(7),
        });
        // The invitee's language is unknown: the inviter's (the request's) is the best guess.
        var language = TextSet.CurrentLanguage;
        db.Outbox.Add(AccountMail.Compose(tenantId, MessageKind.AccountInvite, email.Trim(), language, $"{baseUrl}/admin/invite?token={token}", now,
            businessName, invitedBy, AccountMail.Role(role, language)));
        await db.SaveChangesAsync(ct);
        outbox.Notify();
        return token;
    }

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// A two-minute link that signs the new owner in on their business's own host (cookies do not cross
    /// hosts). It carries a random nonce that is also stored with the user and removed when used, so it works once.
    /// </summary>
    public async Task<string> HandoffTicketAsync(AppUser user)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await users.SetAuthenticationTokenAsync(user, "bookwell", "handoff", nonce);
        return protection.CreateProtector("bookwell.handoff").ToTimeLimitedDataProtector()
            .Protect($"{user.Id}|{nonce}|{user.TenantId}", TimeSpan.FromMinutes(2));
    }

    public async Task<AppUser?> RedeemHandoffAsync(string ticket, Guid tenantId)
    {
        string payload;
        try
        {
            payload = protection.CreateProtector("bookwell.handoff").ToTimeLimitedDataProtector().Unprotect(ticket);
        }
        catch (CryptographicException)
        {
            return null;
        }
        var parts = payload.Split('|');
        if (parts.Length != 3 || parts[2] != tenantId.ToString())
        {
            return null;
        }
        var user = await users.FindByIdAsync(parts[0]);
        var stored = user is null ? null : await users.GetAuthenticationTokenAsync(user, "bookwell", "handoff");
        if (user is null || stored is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(parts[1])))
        {
            return null;
        }
        var removed = await users.RemoveAuthenticationTokenAsync(user, "bookwell", "handoff");
        return removed.Succeeded ? user : null;
    }
}
