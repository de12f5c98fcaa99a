using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Accounts;

/// <summary>
/// Counts PIN attempts per key (client address, staff account, trusted device) in the database, so every node
/// sees the same counts. An attempt is reserved before the PIN is checked, by one conditional update per key,
/// so parallel guesses cannot all pass a check made before any of them counted: at most five are checked within
/// a minute. Five failures block the key; each further block lasts twice as long as the one before (1, 2, 4 …
/// up to 60 minutes) until a day passes without failures. A right PIN gives the attempts back.
/// </summary>
public sealed class LoginThrottles(BookwellDb db, IClock clock)
{
    public const int MaxFailures = 5;
    public static readonly Duration Window = Duration.FromMinutes(1);
    public static readonly Duration FirstBlock = Duration.FromMinutes(1);
    public static readonly Duration LongestBlock = Duration.FromMinutes(60);
    public static readonly Duration Forgiveness = Duration.FromDays(1);

    /// <summary>
    /// Takes one attempt on every key, or on none: null when the attempt may go ahead, otherwise when the
    /// first of the refusing keys may try again.
    /// </summary>
    public async Task<Instant?> TryReserveAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var now = clock.GetCurrentInstant();
        var windowStart = now - Window;
        var forgiven = now - Forgiveness;
        var taken = new List<string>();
        foreach (var key in keys)
        {
            await EnsureRowAsync(key, now, ct);
            // One statement decides and counts: the database serialises concurrent updates of the row, and each
            // sees the count the one before it left.
            var reserved = await db.LoginThrottles
                .Where(t => t.Key == key && (t.BlockedUntil == null || t.BlockedUntil <= now) && (t.Failures < MaxFailures || t.WindowStart < windowStart))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Level, t => t.LastFailureAt < forgiven ? 0 : t.Level)
                    .SetProperty(t => t.Failures, t => t.WindowStart < windowStart ? 1 : t.Failures + 1)
                    .SetProperty(t => t.WindowStart, t => t.WindowStart < windowStart ? now : t.WindowStart), ct);
            if (reserved == 0)
            {
                // Keys already counted give their attempt back: this attempt never reached the PIN.
                await ReleaseAsync(taken, ct);
                var row = await db.LoginThrottles.AsNoTracking().FirstAsync(t => t.Key == key, ct);
                return row.BlockedUntil is { } until && until > now ? until : row.WindowStart + Window;
            }
            taken.Add(key);
        }
        return null;
    }

    private async Task EnsureRowAsync(string key, Instant now, CancellationToken ct)
    {
        if (await db.LoginThrottles.AnyAsync(t => t.Key == key, ct))
        {
            return;
        }
        db.LoginThrottles.Add(new LoginThrottle { Key = key, WindowStart = now, LastFailureAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another request (or node) inserted the same key first; its row serves.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private async Task ReleaseAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        if (keys.Count > 0)
        {
            await db.LoginThrottles.Where(t => keys.Contains(t.Key) && t.Failures > 0)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Failures, t => t.Failures - 1), ct);
        }
    }

    /// <summary>A wrong PIN: the reserved attempt stays counted, and the key that reached the limit is blocked.</summary>
    public async Task FailAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var now = clock.GetCurrentInstant();
        foreach (var key in keys)
        {
            var row = await db.LoginThrottles.AsNoTracking().FirstOrDefaultAsync(t => t.Key == key, ct);
            if (row is null)
            {
                continue;
            }
            if (row.Failures >= MaxFailures && !(row.BlockedUntil > now))
            {
                var minutes = Math.Min(FirstBlock.TotalMinutes * Math.Pow(2, row.Level), LongestBlock.TotalMinutes);
                var until = now + Duration.FromMinutes(minutes);
                // Only the first of the parallel failures that see the full count blocks (and escalates) the key.
                await db.LoginThrottles
                    .Where(t => t.Key == key && t.Level == row.Level && t.Failures >= MaxFailures && (t.BlockedUntil == null || t.BlockedUntil <= now))
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(t => t.BlockedUntil, until)
                        .SetProperty(t => t.Level, t => t.Level + 1)
                        .SetProperty(t => t.Failures, 0)
                        .SetProperty(t => t.WindowStart, now)
                        .SetProperty(t => t.LastFailureAt, now), ct);
            }
            else
            {
                await db.LoginThrottles.Where(t => t.Key == key).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastFailureAt, now), ct);
            }
        }
    }

    /// <summary>A right PIN clears the attempt counts (not the escalation level, which only time forgives).</summary>
    public Task SucceedAsync(IReadOnlyCollection<string> keys, CancellationToken ct) =>
        db.LoginThrottles.Where(t => keys.Contains(t.Key)).ExecuteUpdateAsync(s => s.SetProperty(t => t.Failures, 0), ct);
}
