using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Accounts;

/// <summary>Tenant API keys: <c>bwk_</c> plus 32 random bytes; only the SHA-256 is stored.</summary>
public static class ApiKeys
{
    public const string Marker = "bwk_";

    public static (string Key, ApiKey Row) Create(Guid tenantId, string name, string createdBy, Instant now)
    {
        var key = Marker + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, new ApiKey
        {
            Id = Ids.New(),
            TenantId = tenantId,
            Name = name,
            Prefix = key[..12],
            Hash = Hash(key),
            CreatedBy = createdBy,
            CreatedAt = now,
        });
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The tenant a presented key belongs to, if it is a live key; records when it was last used.</summary>
    public static async Task<(Guid Tenant, Guid Key)?> FindTenantAsync(BookwellDb db, string presented, Instant now, CancellationToken ct)
    {
        if (!presented.StartsWith(Marker, StringComparison.Ordinal) || presented.Length > 100)
        {
            return null;
        }
        var hash = Hash(presented);
        var row = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking()
            .Where(k => k.Hash == hash && k.RevokedAt == null).Select(k => new { k.Id, k.TenantId, k.LastUsedAt }).FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }
        // Written at most once a minute per key, so a busy integration does not turn every read into a write.
        if (row.LastUsedAt is null || now - row.LastUsedAt.Value > Duration.FromMinutes(1))
        {
            await db.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        return (row.TenantId, row.Id);
    }
}
