using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Bookwell.Data;

/// <summary>
/// A node's copy of something about a business that many requests read (its webhook endpoints, its connected calendars).
/// The copy is read again once it is older than the recheck interval, so a change made on another node shows within that
/// time. A change made on this node drops the copy (<see cref="Invalidate"/>) and shows at once.
/// Callers that find the copy missing or stale at the same moment share one read. Before, each of them read for itself. On
/// a node's first requests that meant one query per request, each on a new pooled connection: 64 clients opened 66
/// PostgreSQL backends at start, and starting those backends and filling their catalog caches was most of the
/// database's CPU in the node's first seconds.
/// The copies are kept per app (keyed by its busy index, one per process in production; a test process runs several apps
/// that share tenant ids) and per business.
/// </summary>
public sealed class TenantCache<T>(TimeSpan recheck, TimeProvider? time = null)
    where T : class
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private sealed record Entry(Task<T> Value, long At);

    private readonly ConditionalWeakTable<object, ConcurrentDictionary<Guid, Entry>> _caches = new();

    private static readonly object NoIndex = new();

    private ConcurrentDictionary<Guid, Entry> For(BookwellDb db) => _caches.GetValue(db.BusyIndex ?? NoIndex, _ => new());

    /// <summary>Forget this node's copy for the business (after a change to what it holds).</summary>
    public void Invalidate(BookwellDb db, Guid tenantId)
    {
        ArgumentNullException.ThrowIfNull(db);
        For(db).TryRemove(tenantId, out _);
    }

    /// <summary>Forget every app's copy for the business (a cache owned by one app: the configuration catalog).</summary>
    public void Invalidate(Guid tenantId)
    {
        foreach (var (_, cache) in _caches)
        {
            cache.TryRemove(tenantId, out _);
        }
    }

    /// <summary>
    /// The copy, or a fresh one read with <paramref name="read"/> on the caller's own context. A caller that joins another's
    /// read and sees it fail (that caller's request was cancelled, or the database refused) reads for itself.
    /// </summary>
    public ValueTask<T> GetAsync(BookwellDb db, Guid tenantId, Func<BookwellDb, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(read);
        return GetAsync(db, tenantId, (context, _, token) => read(context, token), ct);
    }

    /// <summary>As above, the read also given the stale copy (null if none), to keep it when what it came from has not changed.</summary>
    public async ValueTask<T> GetAsync(BookwellDb db, Guid tenantId, Func<BookwellDb, T?, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(read);
        var cache = For(db);
        while (true)
        {
            var now = _time.GetTimestamp();
            cache.TryGetValue(tenantId, out var entry);
            if (entry is not null && _time.GetElapsedTime(entry.At, now) < recheck)
            {
                if (entry.Value.IsCompletedSuccessfully)
                {
                    return entry.Value.Result;
                }
                try
                {
                    return await entry.Value.WaitAsync(ct);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // The reader removed its failed entry before failing it; the next round reads afresh.
                    continue;
                }
            }
            var source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            var mine = new Entry(source.Task, now);
            if (!(entry is null ? cache.TryAdd(tenantId, mine) : cache.TryUpdate(tenantId, mine, entry)))
            {
                // Another caller put its read in first: share it.
                continue;
            }
            try
            {
                var stale = entry is { Value.IsCompletedSuccessfully: true } ? entry.Value.Result : null;
                var value = await read(db, stale, ct);
                source.SetResult(value);
                return value;
            }
            catch (Exception ex)
            {
                cache.TryRemove(KeyValuePair.Create(tenantId, mine));
                source.SetException(ex);
                // Observed here, so a failure nobody else waited for is not reported again as unobserved.
                _ = source.Task.Exception;
                throw;
            }
        }
    }
}
