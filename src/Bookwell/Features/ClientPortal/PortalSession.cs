using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Who a client session (the portal's cookie, or the booking page's narrow copy of it) stands for: the client of
/// this business it names, followed to the kept profile when an admin merged it, and only while the account's
/// stamp still matches (a changed password or a deleted account ends every session started before it) and, for a session
/// an organization's personal link started, while that link is neither revoked nor expired.
/// </summary>
public static class PortalSession
{
    public static async Task<(Customer? Client, ClientAccount? Account)> ResolveAsync(BookwellDb db, ClaimsPrincipal user, Instant now, bool track, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        if (!Guid.TryParse(user.FindFirstValue(ClientPortalSetup.CustomerClaim), out var id) ||
            user.FindFirstValue(BookwellClaims.Tenant) != db.TenantId.ToString())
        {
            return (null, null);
        }
        var query = track ? db.Customers : db.Customers.AsNoTracking();
        var client = await query.FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, ct);
        if (client?.MergedIntoId is { } kept)
        {
            // Merged by an admin while signed in: the session goes on as the kept profile, which holds the bookings now.
            client = await query.FirstOrDefaultAsync(c => c.Id == kept && c.ErasedAt == null, ct);
            id = kept;
        }
        if (client is null)
        {
            return (null, null);
        }
        var account = await db.ClientAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.CustomerId == id, ct);
        return (account?.SecurityStamp ?? "") == (user.FindFirstValue(ClientAccounts.StampClaim) ?? "") && await OrganizationLinkHoldsAsync(db, user, now, ct)
            ? (client, account)
            : (null, null);
    }

    /// <summary>
    /// False when the session was started by an organization's personal link that has been revoked or has expired since (or
    /// names none, as sessions from before links were named did): the session lasts only as long as the link that opened it,
    /// however long its cookie would last. True for every other session.
    /// </summary>
    public static async Task<bool> OrganizationLinkHoldsAsync(BookwellDb db, ClaimsPrincipal user, Instant now, CancellationToken ct) =>
        await OrganizationLinkStateAsync(db, user, now, ct) is null or LinkState.Live;

    /// <summary>The state of the organization link behind the session, or null when no such link started it.</summary>
    public static async Task<LinkState?> OrganizationLinkStateAsync(BookwellDb db, ClaimsPrincipal user, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        var named = user.FindFirstValue(ClientAccounts.OrganizationLinkClaim);
        if (named is null && user.FindFirstValue(ClientAccounts.MethodClaim) != ClientAccounts.OrganizationLinkMethod)
        {
            return null;
        }
        return Guid.TryParse(named, out var link) ? await OrganizationAccess.StateAsync(db, link, now, ct) : LinkState.Revoked;
    }
}
