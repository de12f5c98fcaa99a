using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Who a client session (the portal's cookie, or the booking page's narrow copy of it) stands for: the client of
/// this business it names, followed to the kept profile when an admin merged it, and only while the account's
/// stamp still matches (a changed password or a deleted account ends every session started before it).
/// </summary>
public static class PortalSession
{
    public static async Task<(Customer? Client, ClientAccount? Account)> ResolveAsync(BookwellDb db, ClaimsPrincipal user, bool track, CancellationToken ct)
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
        return (account?.SecurityStamp ?? "") == (user.FindFirstValue(ClientAccounts.StampClaim) ?? "") ? (client, account) : (null, null);
    }
}
