using System.Collections.Concurrent;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The queue in front of the lifecycle seam's group commit (<see cref="BookingWrite.CommitGroup"/>), which owns the group's
/// transaction and everything written in it. Each commit costs a WAL write and sync whatever it holds, and on SQLite
/// the single writer makes that cost serial; writing the bookings that arrive together in one transaction
/// pays it once per group. Nobody waits for a group to fill: the writer takes whatever is queued when it
/// gets there, so an idle server commits a lone booking at once.
/// The writer is one dedicated thread using the databases' synchronous calls. Under load the thread pool's
/// queue holds every request's next step; a writer made of awaits rejoined the back of that queue after
/// each of its round trips (measured on PostgreSQL: a 0.1 ms query took 1.3-1.7 ms of the writer's time),
/// and as every booking waits for the writer, its waiting was everybody's.
/// Correctness does not depend on this class: the database still refuses overlaps (exclusion constraint or
/// trigger). Drafts that overlap an earlier draft of the same group, and every draft of a group the database
/// refused, are answered "try again" and go through <see cref="BookingCreator"/>'s one-by-one path.
/// </summary>
public sealed class BookingBatcher : IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<BookingBatcher> _log;
    private readonly ConcurrentQueue<BookingDraft[]> _queue = new();
    private readonly int _max;
    private readonly ManualResetEventSlim _work = new(false, spinCount: 0);
    private readonly Lazy<Thread> _writer;
    private volatile bool _stopping;

    public BookingBatcher(IServiceScopeFactory scopes, IConfiguration config, ILogger<BookingBatcher> log)
    {
        ArgumentNullException.ThrowIfNull(config);
        (_scopes, _log) = (scopes, log);
        _max = Math.Clamp(config.GetValue("Bookwell:Bookings:GroupCommit", 64), 1, 1000);
        _writer = new Lazy<Thread>(() =>
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "Bookwell group writer" };
            thread.Start();
            return thread;
        });
    }

    /// <summary>Off with <c>Bookwell__Bookings__GroupCommit=1</c>: every booking then writes its own transaction.</summary>
    public bool Enabled => _max > 1;

    public Task<bool> CommitAsync(BookingDraft draft, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(draft);
        Enqueue([draft]);
        return draft.Done.Task.WaitAsync(ct);
    }

    /// <summary>Drafts queued together, kept in one group (an import; the tests).</summary>
    public async Task<bool[]> CommitAllAsync(IReadOnlyList<BookingDraft> drafts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        if (drafts.Count > 0)
        {
            Enqueue([.. drafts]);
        }
        return await Task.WhenAll(drafts.Select(d => d.Done.Task)).WaitAsync(ct);
    }

    private void Enqueue(BookingDraft[] drafts)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _ = _writer.Value;
        _queue.Enqueue(drafts);
        _work.Set();
    }

    /// <summary>
    /// Reset before draining: a draft queued after the last look sets the signal again, so none is left
    /// waiting for a wake-up that already happened.
    /// </summary>
    private void Run()
    {
        var batch = new List<BookingDraft>(_max);
        while (true)
        {
            _work.Wait();
            _work.Reset();
            while (_queue.TryPeek(out _))
            {
                batch.Clear();
                while (batch.Count < _max && _queue.TryDequeue(out var drafts))
                {
                    batch.AddRange(drafts);
                }
                try
                {
                    Write(batch);
                }
                catch (Exception ex)
                {
                    // Write answers every draft itself; this is for a fault outside its own handling. The
                    // thread must outlive it: a dead writer would leave every later booking waiting.
                    _log.LogError(ex, "The group writer failed outside a group; its drafts are retried one by one");
                    foreach (var d in batch)
                    {
                        d.Done.TrySetResult(false);
                    }
                }
            }
            if (_stopping)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _work.Set();
        if (_writer.IsValueCreated)
        {
            _writer.Value.Join(TimeSpan.FromSeconds(10));
        }
        // Anything still queued is answered "try again", which the caller's one-by-one path does itself.
        while (_queue.TryDequeue(out var drafts))
        {
            foreach (var d in drafts)
            {
                d.Done.TrySetResult(false);
            }
        }
    }

    /// <summary>The group goes to the lifecycle seam's group commit, in a scope of its own (one context per group).</summary>
    private void Write(List<BookingDraft> batch)
    {
        using var scope = _scopes.CreateScope();
        // PostgreSQL: contexts from the writer's own pool of connections (DatabaseSetup.OwnPool); SQLite: the usual one.
        var own = scope.ServiceProvider.GetKeyedService<IDbContextFactory<PostgresBookwellDb>>(DatabaseSetup.GroupWriterPool);
        if (own is null)
        {
            scope.ServiceProvider.GetRequiredService<BookingWrite>().CommitGroup(batch, _log);
            return;
        }
        using var db = DatabaseSetup.Lease(scope.ServiceProvider, own);
        ActivatorUtilities.CreateInstance<BookingWrite>(scope.ServiceProvider, db).CommitGroup(batch, _log);
    }
}
