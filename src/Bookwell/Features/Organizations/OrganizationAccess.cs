using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>A valid personal link: who it is for, their organization, and what the link may show.</summary>
public sealed record MemberAccess(OrganizationMember Member, OrganizationModel Organization, LinkKind Kind, CompiledPage Page, string Token, Guid LinkId)
{
    /// <summary>The page as this link shows it, for a service (or for the list of services with null).</summary>
    public CompiledPage View(string? service) => Organization.View(Page, Kind, service);

    public bool ForOrganization => LinkKinds.IsOrganization(Kind);
}

/// <summary>Whether a personal link works; a link that is gone (its member erased with it) counts as revoked.</summary>
public enum LinkState
{
    Live,
    Expired,
    Revoked,
}

/// <summary>
/// Personal links (contract 4.6). A link is <c>{base}/book/{slug}?access={token}</c>, the base being the
/// business's own address (<see cref="TenantLinks"/>, never the request's Host). The token is 256 random bits;
/// the database keeps only its SHA-256, with the member, the kind, the expiry and a revocation time. A
/// token that is changed, expired, revoked, for another page or another business, or whose organization is
/// gone resolves to nothing, and every caller then acts as if no token had been given.
/// </summary>
public sealed class OrganizationAccess(BookwellDb db, IClock clock, SqliteWriteGate gate, TenantLinks links, TenantContext tenant, IConfiguration config)
{
    /// <summary>Days a link works (<c>Bookwell:Organizations:LinkDays</c>, 1–365, default 30).</summary>
    public int LinkDays => Math.Clamp(config.GetValue("Bookwell:Organizations:LinkDays", 30), 1, 365);

    public static async Task<MemberAccess?> ResolveAsync(BookwellDb db, CompiledPage page, string? token, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        if (!ManageTokens.LooksValid(token))
        {
            return null;
        }
        var hash = ManageTokens.Hash(token!);
        var link = await db.OrganizationLinks.AsNoTracking()
            .FirstOrDefaultAsync(l => l.TokenHash == hash && l.PageSlug == page.Slug && l.RevokedAt == null && l.ExpiresAt > now, ct);
        if (link is null || !page.Organizations.TryGetValue(link.OrganizationKey, out var organization))
        {
            return null;
        }
        var member = await db.OrganizationMembers.AsNoTracking().FirstOrDefaultAsync(m => m.Id == link.MemberId, ct);
        return member is null || member.OrganizationKey != organization.Key || member.LinksRevokedAt > link.CreatedAt
            ? null
            : new MemberAccess(member, organization, link.Kind, page, token!, link.Id);
    }

    /// <summary>
    /// Whether a link (by its row's id) still works at <paramref name="now"/>: the portal session it started lasts that long.
    /// A link made before its member's last revocation counts as revoked (a mail being sent while the revocation was given
    /// may have made one); a revocation outranks an expiry, as it was someone's decision and its words are the truer ones.
    /// </summary>
    public static async Task<LinkState> StateAsync(BookwellDb db, Guid linkId, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var link = await db.OrganizationLinks.AsNoTracking().Where(l => l.Id == linkId)
            .Select(l => new
            {
                l.ExpiresAt,
                Revoked = l.RevokedAt != null ||
                          !db.OrganizationMembers.Any(m => m.Id == l.MemberId && (m.LinksRevokedAt == null || m.LinksRevokedAt <= l.CreatedAt)),
            })
            .FirstOrDefaultAsync(ct);
        return link is null || link.Revoked ? LinkState.Revoked : link.ExpiresAt <= now ? LinkState.Expired : LinkState.Live;
    }

    /// <summary>
    /// Why a mail queued at <paramref name="queuedAt"/> must make no link for <paramref name="member"/> when it is sent, or
    /// null: the client was erased, or the member's links were revoked after it was queued.
    /// </summary>
    public static async Task<string?> NoLinkReasonAsync(BookwellDb db, OrganizationMember member, Instant queuedAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(member);
        if (await db.Customers.AsNoTracking().AnyAsync(c => c.Id == member.CustomerId && c.ErasedAt != null, ct))
        {
            return Admin.ClientErasure.Reason + " Nothing was sent.";
        }
        return member.LinksRevokedAt >= queuedAt ? "The member's links were revoked after this message was queued; nothing was sent." : null;
    }

    public static string Normalize(string email) => email.Trim().ToUpperInvariant();

    public const int MaxMemberId = 64;

    /// <summary>
    /// A member id as the organization's own records have it (optional): at most 64 characters on one line, without the
    /// control characters and text-direction overrides a name may not hold either (it is printed in mailings and on bookings).
    /// </summary>
    public static bool IsMemberId(string? value) =>
        value is null || (value.Length <= MaxMemberId && !Bookings.ContactRules.HasForbiddenCharacters(value));

    /// <summary>Adds the member (and the client behind it) or updates their name and member id; one per address per organization.</summary>
    public async Task<OrganizationMember> UpsertMemberAsync(CompiledPage page, OrganizationModel organization, string email, string name, string? memberNumber,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(name);
        using (await gate.EnterAsync(db, ct))
        {
            var member = await UpsertTrackedAsync(page.Slug, organization.Key, email, name, memberNumber, clock.GetCurrentInstant(), ct);
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            return member;
        }
    }

    /// <summary>The same, inside a caller's transaction and gate (the CSV import writes all rows or none).</summary>
    internal async Task<OrganizationMember> UpsertTrackedAsync(string slug, string organization, string email, string name, string? memberNumber, Instant now,
        CancellationToken ct)
    {
        var address = email.Trim();
        var normalized = Normalize(address);
        var member = db.OrganizationMembers.Local.FirstOrDefault(m => m.PageSlug == slug && m.OrganizationKey == organization && m.EmailNormalized == normalized)
                     ?? await db.OrganizationMembers.FirstOrDefaultAsync(m => m.PageSlug == slug && m.OrganizationKey == organization && m.EmailNormalized == normalized, ct);
        var customer = db.Customers.Local.FirstOrDefault(c => c.EmailNormalized == address.ToUpperInvariant())
                       ?? await CustomerBook.UpsertAsync(db, address, name.Trim(), null, false, now, null, ct);
        if (member is null)
        {
            member = new OrganizationMember
            {
                Id = Ids.New(),
                TenantId = db.TenantId,
                PageSlug = slug,
                OrganizationKey = organization,
                CustomerId = customer.Id,
                Name = name.Trim(),
                Email = address,
                EmailNormalized = normalized,
                MemberNumber = string.IsNullOrWhiteSpace(memberNumber) ? null : memberNumber.Trim(),
                CreatedAt = now,
            };
            db.OrganizationMembers.Add(member);
        }
        else
        {
            member.Name = name.Trim();
            member.MemberNumber = string.IsNullOrWhiteSpace(memberNumber) ? member.MemberNumber : memberNumber.Trim();
        }
        return member;
    }

    /// <summary>A new personal link for a member; the token is returned once, inside the URL, and never stored.</summary>
    public async Task<(string Url, Instant ExpiresAt)> IssueAsync(CompiledPage page, OrganizationMember member, LinkKind kind, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        var (token, expires) = await CreateTokenAsync(db, gate, member, kind, clock.GetCurrentInstant(), LinkDays, ct);
        return (Url(links.BaseUrl(tenant), page.Slug, token), expires);
    }

    /// <summary>Stores a new link's hash and hands the token back (also used by the outbox worker, at send time).</summary>
    public static async Task<(string Token, Instant ExpiresAt)> CreateTokenAsync(BookwellDb db, SqliteWriteGate gate, OrganizationMember member, LinkKind kind,
        Instant now, int days, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(member);
        var token = ManageTokens.Create();
        var expires = now + Duration.FromDays(days);
        using (await gate.EnterAsync(db, ct))
        {
            db.OrganizationLinks.Add(new OrganizationLink
            {
                Id = Ids.New(),
                TenantId = db.TenantId,
                MemberId = member.Id,
                PageSlug = member.PageSlug,
                OrganizationKey = member.OrganizationKey,
                Kind = kind,
                TokenHash = ManageTokens.Hash(token),
                CreatedAt = now,
                ExpiresAt = expires,
            });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        return (token, expires);
    }

    public static string Url(string baseUrl, string slug, string token) => $"{baseUrl}/book/{slug}?access={token}";

    /// <summary>
    /// Revokes the live links of one member, or (member null) of the whole organization; returns how many. The members are
    /// stamped too, so links that mails queued before now would make are never made, and the portal sessions these links
    /// started end (<see cref="StateAsync"/>).
    /// </summary>
    public async Task<int> RevokeAsync(string slug, string organization, Guid? member, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.OrganizationMembers.Where(m => m.PageSlug == slug && m.OrganizationKey == organization && (member == null || m.Id == member))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LinksRevokedAt, now), ct);
            var count = await db.OrganizationLinks
                .Where(l => l.PageSlug == slug && l.OrganizationKey == organization && l.RevokedAt == null && (member == null || l.MemberId == member))
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.RevokedAt, now), ct);
            await tx.CommitAsync(ct);
            return count;
        }
    }
}
