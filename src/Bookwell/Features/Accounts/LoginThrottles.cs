using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Accounts;

/// <summary>
/// Counts failed PIN attempts per client address and per staff account in the database, so every node sees
/// the same counts. Five failures within a minute block the key; each further block lasts twice as long as the
/// one before (1, 2, 4 … up to 60 minutes) until a day passes without failures.
/// </summary>
public sealed class LoginThrottles(BookwellDb db, IClock clock)
{
    public const int MaxFailures = 5;
    public static readonly Duration Window = Duration.FromMinutes(1);
    public static readonly Duration FirstBlock = Duration.FromMinutes(1);
    public static readonly Duration LongestBlock = Duration.FromMinutes(60);
    public static readonly Duration Forgiveness = Duration.FromDays(1);

    /// <summary>When the first of these keys that is blocked becomes free again, or null if none is blocked.</summary>
    public async Task<Instant?> BlockedUntilAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var until = await db.LoginThrottles.AsNoTracking().Where(t => keys.Contains(t.Key) && t.BlockedUntil != null)
            .Select(t => t.BlockedUntil).ToListAsync(ct);
        var live = until.Where(u => u > now).ToList();
        return live.Count == 0 ? null : live.Max();
    }

    public async Task FailAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        foreach (var key in keys)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var row = await db.LoginThrottles.FirstOrDefaultAsync(t => t.Key == key, ct);
                    if (row is null)
                    {
                        row = new LoginThrottle { Key = key, WindowStart = now };
                        db.LoginThrottles.Add(row);
                    }
                    if (now - row.LastFailureAt > Forgiveness)
                    {
                        row.Level = 0;
                    }
                    if (now - row.WindowStart > Window)
                    {
                        row.WindowStart = now;
                        row.Failures = 0;
                    }
                    row.Failures++;
                    row.LastFailureAt = now;
                    if (row.Failures >= MaxFailures)
                    {
                        var minutes = Math.Min(FirstBlock.TotalMinutes * Math.Pow(2, row.Level), LongestBlock.TotalMinutes);
                        row.BlockedUntil = now + Duration.FromMinutes(minutes);
                        row.Level++;
                        row.Failures = 0;
                        row.WindowStart = now;
                    }
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    // Another node inserted the same key first; count again on its row.
                    db.ChangeTracker.Clear();
                }
            }
        }
    }

    /// <summary>A right PIN clears the failure counts (not the escalation level, which only time forgives).</summary>
    public Task SucceedAsync(IReadOnlyCollection<string> keys, CancellationToken ct) =>
        db.LoginThrottles.Where(t => keys.Contains(t.Key)).ExecuteUpdateAsync(s => s.SetProperty(t => t.Failures, 0), ct);
}
