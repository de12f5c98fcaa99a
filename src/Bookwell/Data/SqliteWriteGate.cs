namespace Bookwell.Data;

/// <summary>Queues SQLite writers in-process so they do not spin on SQLITE_BUSY; a no-op on PostgreSQL.</summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> EnterAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.IsPostgres)
        {
            return Released.Instance;
        }
        await _gate.WaitAsync(ct);
        return new Releaser(_gate);
    }

    /// <summary>The same gate for a caller on its own thread (the group writer), which may block.</summary>
    public IDisposable Enter(BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.IsPostgres)
        {
            return Released.Instance;
        }
        _gate.Wait();
        return new Releaser(_gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    private sealed class Released : IDisposable
    {
        public static readonly Released Instance = new();

        public void Dispose()
        {
        }
    }
}
