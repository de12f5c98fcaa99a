using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Reads every busy source of a business and stores what it says is busy. Each source's spans are replaced in
/// one transaction, so a reader sees the old set or the new one, never half. A source that fails keeps its
/// last good spans and records the error: a calendar server that is down for a minute must not make the
/// staff member look free.
/// </summary>
public sealed class CalendarSync(IServiceScopeFactory scopes, FeedFetcher fetcher, IClock clock, SqliteWriteGate gate, CalendarConnections connections,
    IHostApplicationLifetime lifetime, ILogger<CalendarSync> log)
{
    /// <summary>Busy time is read from a day ago (an event still running) to the page's horizon.</summary>
    public static readonly Duration Lookback = Duration.FromDays(1);

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _running = new();

    public sealed record Wanted(string StaffKey, string Url, DateTimeZone Zone, int HorizonDays);

    /// <summary>The sources the configuration names, one per staff member and URL.</summary>
    public static List<Wanted> FromCatalog(TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var wanted = new Dictionary<(string, string), Wanted>();
        foreach (var page in catalog.Pages.Values)
        {
            var horizon = Math.Max(page.Doc.Settings?.HorizonDays ?? 60, page.Services.Values.Max(s => s.Doc.MaxAdvanceDays) ?? 0);
            foreach (var staff in page.Staff)
            {
                foreach (var source in staff.Doc.BusySources ?? [])
                {
                    if (source.Url is { } url)
                    {
                        wanted.TryAdd((staff.Key, url), new Wanted(staff.Key, url, page.Zone, Math.Clamp(horizon, 1, 730)));
                    }
                }
            }
        }
        return [.. wanted.Values];
    }

    public static string Hash(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));

    /// <summary>
    /// After a configuration change: when the document's busy sources (or what they are read for: a staff member's page
    /// zone, the horizon) differ from before, the business's subscribed calendars are read now rather than at the next
    /// scheduled pass (up to <see cref="CalendarOptions.SyncInterval"/> later), so a calendar just subscribed blocks its
    /// busy time at once and shows in the status list. The read runs on its own (a slow calendar cannot hold the request
    /// past <paramref name="wait"/>; it carries on and records its result).
    /// </summary>
    public async Task ReadChangedSourcesAsync(Guid tenantId, TenantCatalog before, TenantCatalog after, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (FromCatalog(before).ToHashSet().SetEquals(FromCatalog(after)))
        {
            return;
        }
        var stopping = lifetime.ApplicationStopping;
        var read = Task.Run(async () =>
        {
            try
            {
                await SyncTenantAsync(tenantId, stopping, connectionsToo: false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                log.LogError(ex, "Calendar read after a configuration change of business {TenantId} failed", tenantId);
            }
        }, CancellationToken.None);
        await Task.WhenAny(read, Task.Delay(wait, stopping));
    }

    /// <summary>Reads every source of one business now (one pass at a time per business on this node).</summary>
    public async Task SyncTenantAsync(Guid tenantId, CancellationToken ct) => await SyncTenantAsync(tenantId, ct, connectionsToo: true);

    private async Task SyncTenantAsync(Guid tenantId, CancellationToken ct, bool connectionsToo)
    {
        var running = _running.GetOrAdd(tenantId, _ => new SemaphoreSlim(1, 1));
        await running.WaitAsync(ct);
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.TenantId = tenantId;
            var catalog = await scope.ServiceProvider.GetRequiredService<CatalogCache>().GetAsync(db, ct);
            var wanted = FromCatalog(catalog);
            var sources = await ReconcileAsync(db, wanted, ct);
            using var parallel = new SemaphoreSlim(4);
            await Task.WhenAll(wanted.Select(async w =>
            {
                await parallel.WaitAsync(ct);
                try
                {
                    await SyncSourceAsync(tenantId, sources[(w.StaffKey, Hash(w.Url))], w, ct);
                }
                finally
                {
                    parallel.Release();
                }
            }));
            // Two-way connections: bookings pushed, busy time read.
            if (connectionsToo)
            {
                await connections.SyncTenantAsync(tenantId, ct);
            }
        }
        finally
        {
            running.Release();
        }
    }

    /// <summary>Adds rows for new sources and removes those no longer configured (their spans go with them).</summary>
    private async Task<Dictionary<(string, string), Guid>> ReconcileAsync(BookwellDb db, List<Wanted> wanted, CancellationToken ct)
    {
        var want = wanted.ToDictionary(w => (w.StaffKey, Hash(w.Url)));
        using (await gate.EnterAsync(db, ct))
        {
            // Connections made in the admin are not the configuration's business.
            var existing = await db.BusySources.Where(s => s.Kind == BusySource.Ics).ToListAsync(ct);
            var gone = existing.Where(s => !want.ContainsKey((s.StaffKey, s.UrlHash))).ToList();
            db.BusySources.RemoveRange(gone);
            foreach (var (key, w) in want)
            {
                if (!existing.Any(s => (s.StaffKey, s.UrlHash) == key))
                {
                    db.BusySources.Add(new BusySource { Id = Guid.NewGuid(), TenantId = db.TenantId, StaffKey = w.StaffKey, Url = w.Url, UrlHash = key.Item2 });
                }
            }
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another node added the same source at the same moment; its row serves as well.
                db.ChangeTracker.Clear();
            }
            if (gone.Count > 0)
            {
                // Their busy spans went with them: cached availability answers must go too (BusyVersions).
                await Availability.BusyVersions.BumpAsync(db, db.TenantId, ct);
            }
        }
        return await db.BusySources.AsNoTracking().Where(s => s.Kind == BusySource.Ics).ToDictionaryAsync(s => (s.StaffKey, s.UrlHash), s => s.Id, ct);
    }

    private async Task SyncSourceAsync(Guid tenantId, Guid sourceId, Wanted w, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        List<(Instant Start, Instant End)>? spans = null;
        string? error = null;
        try
        {
            var text = await fetcher.FetchAsync(new Uri(w.Url), ct);
            spans = BusyExpander.Expand(text, now - Lookback, now + Duration.FromDays(w.HorizonDays + 1), w.Zone);
        }
        catch (FeedException ex)
        {
            error = ex.Message;
        }
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        db.TenantId = tenantId;
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // External busy time is busy time: when it changed, cached availability answers of this business must go
            // (BusyVersions), and the version is bumped before anything is written. Unchanged spans keep the caches.
            var changed = spans is not null && !await SameSpansAsync(db, sourceId, spans, ct);
            if (changed)
            {
                await Availability.BusyVersions.BumpAsync(db, tenantId, ct);
            }
            var source = await db.BusySources.FirstOrDefaultAsync(s => s.Id == sourceId, ct);
            if (source is null)
            {
                return;
            }
            source.LastAttemptAt = now;
            if (spans is null)
            {
                source.LastError = error!.Length > 500 ? error[..500] : error;
                // Source ids only: the URL may carry a secret token of the calendar's owner.
                log.LogWarning("Busy source {SourceId} of staff {Staff} could not be read: {Error}", sourceId, w.StaffKey, error);
            }
            else
            {
                if (changed)
                {
                    await db.ExternalBusy.Where(b => b.SourceId == sourceId).ExecuteDeleteAsync(ct);
                    db.ExternalBusy.AddRange(spans.Select(s => new ExternalBusySpan
                    {
                        TenantId = tenantId,
                        SourceId = sourceId,
                        StaffKey = w.StaffKey,
                        StartsAt = s.Start,
                        EndsAt = s.End,
                    }));
                }
                source.LastSuccessAt = now;
                source.LastError = null;
                source.BusyCount = spans.Count;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        // Read or failed: whose calendar is stale may have changed (StaleCalendars).
        ConnectedStaff.Invalidate(db);
    }

    /// <summary>
    /// Whether the source's stored spans are exactly <paramref name="spans"/> (as a set of start and end pairs): a
    /// pass that read the same calendar again changes nothing and leaves cached slot answers alone.
    /// </summary>
    internal static async Task<bool> SameSpansAsync(BookwellDb db, Guid sourceId, IReadOnlyCollection<(Instant Start, Instant End)> spans, CancellationToken ct)
    {
        var stored = await db.ExternalBusy.AsNoTracking().Where(b => b.SourceId == sourceId).Select(b => new { b.StartsAt, b.EndsAt }).ToListAsync(ct);
        if (stored.Count != spans.Count)
        {
            return false;
        }
        var have = stored.Select(b => (b.StartsAt, b.EndsAt)).Order().ToList();
        var want = spans.Order().ToList();
        return have.SequenceEqual(want);
    }

    /// <summary>Every business with at least one busy source configured or stored.</summary>
    public async Task SyncAllAsync(CancellationToken ct)
    {
        List<Guid> tenants;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            tenants = await db.Tenants.IgnoreQueryFilters().Where(t => t.ConfigJson.Contains("busySources\":[{"))
                .Select(t => t.Id).ToListAsync(ct);
            tenants.AddRange(await db.BusySources.IgnoreQueryFilters().Select(s => s.TenantId).Distinct().ToListAsync(ct));
        }
        foreach (var tenant in tenants.Distinct())
        {
            try
            {
                await SyncTenantAsync(tenant, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Calendar sync of business {TenantId} failed", tenant);
            }
        }
    }
}

/// <summary>Reads every business's busy sources on a schedule (Bookwell__Calendars__SyncMinutes, default 5).</summary>
public sealed class CalendarSyncWorker(CalendarSync sync, CalendarOptions options, ILogger<CalendarSyncWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SyncInterval);
        do
        {
            try
            {
                await sync.SyncAllAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Calendar sync pass failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
