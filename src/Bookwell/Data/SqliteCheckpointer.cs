using Microsoft.EntityFrameworkCore;

namespace Bookwell.Data;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file every second, off the request path. Left
/// to itself SQLite does this inside whichever commit pushes the log past 1,000 pages, so one booking in a
/// few hundred paid for everyone's (measured: the group writer's commit went from 1.0-1.2 ms to 1.5-1.7 ms
/// on average, and that writer is the one serial step of booking on SQLite). Connections therefore run
/// with <c>wal_autocheckpoint=0</c> (<see cref="DatabaseSetup"/>). A passive checkpoint never waits for
/// readers or the writer; what it cannot copy now it copies next time.
/// </summary>
public sealed class SqliteCheckpointer(IServiceScopeFactory scopes, ILogger<SqliteCheckpointer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointAsync("PRAGMA wal_checkpoint(PASSIVE);", stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // A clean stop leaves an empty log behind.
        await CheckpointAsync("PRAGMA wal_checkpoint(TRUNCATE);", CancellationToken.None);
    }

    private async Task CheckpointAsync(string pragma, CancellationToken ct)
    {
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            await db.Database.ExecuteSqlRawAsync(pragma, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning(ex, "SQLite checkpoint failed ({Pragma}); trying again in a second", pragma);
        }
    }
}
