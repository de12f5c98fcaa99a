using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Two-way calendar connections (CalDAV, Google, Microsoft 365), one per staff member, made in the admin.
/// <para>
/// Push: the bookings table is the wanted state and <see cref="CalendarEventLink"/> rows are what the calendar
/// holds; a pass writes the difference (create, replace, delete) and records each outcome. The lifecycle stays
/// the only writer of bookings: a pass runs after every committed change (woken through
/// <see cref="OutboxSignal"/>), on every sync, and again for anything that failed once its backoff is over,
/// so a calendar that is down for an hour is brought up to date when it is back (a state-based outbox).
/// </para>
/// <para>
/// Pull: busy time of the calendar's other events over the staff member's horizon, replacing the stored spans in
/// one transaction with a busy-version bump (cached availability answers go). Our own events are recognised
/// (remote id or UID) and never counted as busy; one of them deleted or changed by someone else is noticed
/// and written back as the booking says; or, when the connection says so (<see cref="BusySource.CancelOnDelete"/>), one
/// deleted there cancels its booking through the lifecycle (<see cref="CancelDeletedAsync"/>), recorded as the calendar's doing.
/// </para>
/// </summary>
public sealed class CalendarConnections(IServiceScopeFactory scopes, IEnumerable<ICalendarProvider> providers, IDataProtectionProvider protection,
    IClock clock, SqliteWriteGate gate, IConfiguration config, Infrastructure.TenantLinks links, ILogger<CalendarConnections> log)
{
    private const string Purpose = "bookwell.calendar-connection";

    /// <summary>Who a booking's history names when a deletion in the calendar cancelled it.</summary>
    public const string CalendarActor = "calendar";
    public const int MaxAttempts = 10;

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _running = new();

    public ICalendarProvider? Provider(CalendarKind kind) => providers.FirstOrDefault(p => p.Kind == kind);

    public string Seal(string secret) => protection.CreateProtector(Purpose).Protect(secret);

    private string? Unseal(string? sealedSecret)
    {
        if (sealedSecret is null)
        {
            return null;
        }
        try
        {
            return protection.CreateProtector(Purpose).Unprotect(sealedSecret);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static string Hash(CalendarKind kind, string url) => CalendarSync.Hash($"{kind.ToWire()}:{url}");

    /// <summary>
    /// Stores the staff member's connection (replacing any other of theirs, whose booking events are removed from
    /// that calendar first, as far as it answers) and syncs it at once.
    /// </summary>
    public async Task<BusySource> ConnectAsync(BookwellDb db, string staff, CalendarKind kind, string url, string? userName, string secret, CancellationToken ct,
        bool cancelOnDelete = false)
    {
        ArgumentNullException.ThrowIfNull(db);
        await DisconnectAsync(db, staff, ct);
        var source = new BusySource
        {
            Id = Guid.NewGuid(),
            TenantId = db.TenantId,
            Kind = kind,
            StaffKey = staff,
            Url = url,
            UrlHash = Hash(kind, url),
            UserName = userName,
            SecretSealed = Seal(secret),
            ConnectedAt = clock.GetCurrentInstant(),
            CancelOnDelete = cancelOnDelete,
        };
        using (await gate.EnterAsync(db, ct))
        {
            db.BusySources.Add(source);
            await db.SaveChangesAsync(ct);
        }
        ConnectedStaff.Invalidate(db);
        ForgetPushList();
        await SyncAsync(db.TenantId, source.Id, ct);
        return await db.BusySources.AsNoTracking().FirstAsync(s => s.Id == source.Id, ct);
    }

    /// <summary>Sets what a booking event deleted in the staff member's calendar does; false when they have no connection.</summary>
    public async Task<bool> SetCancelOnDeleteAsync(BookwellDb db, string staff, bool cancel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        using (await gate.EnterAsync(db, ct))
        {
            return await db.BusySources.Where(s => s.StaffKey == staff && s.Kind != BusySource.Ics)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.CancelOnDelete, cancel), ct) > 0;
        }
    }

    /// <summary>Removes the staff member's connection: its booking events are deleted from the calendar (best effort), then its row, links and busy spans.</summary>
    public async Task<bool> DisconnectAsync(BookwellDb db, string staff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.BusySources.AsNoTracking().Where(s => s.StaffKey == staff && s.Kind != BusySource.Ics).ToListAsync(ct);
        foreach (var row in rows)
        {
            var lk = _running.GetOrAdd(row.Id, _ => new SemaphoreSlim(1, 1));
            await lk.WaitAsync(ct);
            try
            {
                if (!row.Broken && Provider(row.Kind) is { } provider && Unseal(row.SecretSealed) is { } secret)
                {
                    var connection = new Connection(row, secret);
                    var links = await db.CalendarEventLinks.AsNoTracking().Where(l => l.SourceId == row.Id && l.Remote != null).ToListAsync(ct);
                    foreach (var link in links)
                    {
                        try
                        {
                            await provider.DeleteAsync(connection, link.Remote!, link.ETag, ct);
                        }
                        catch (Exception ex) when (ex is FeedException or CalendarAuthException)
                        {
                            log.LogInformation("Booking event of connection {SourceId} left in the calendar on disconnect: {Error}", row.Id, ex.Message);
                            break;
                        }
                    }
                }
                using (await gate.EnterAsync(db, ct))
                {
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    await Availability.BusyVersions.BumpAsync(db, db.TenantId, ct);
                    await db.BusySources.Where(s => s.Id == row.Id).ExecuteDeleteAsync(ct);
                    await tx.CommitAsync(ct);
                }
            }
            finally
            {
                lk.Release();
            }
        }
        ConnectedStaff.Invalidate(db);
        ForgetPushList();
        return rows.Count > 0;
    }

    /// <summary>Every connection of one business: pushed, then read (the admin's and the schedule's sync).</summary>
    public async Task SyncTenantAsync(Guid tenantId, CancellationToken ct)
    {
        List<Guid> ids;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.TenantId = tenantId;
            ids = await db.BusySources.AsNoTracking().Where(s => s.Kind != BusySource.Ics).Select(s => s.Id).ToListAsync(ct);
        }
        foreach (var id in ids)
        {
            await SyncAsync(tenantId, id, ct);
        }
    }

    /// <summary>Push, read, and when the read noticed our events changed or deleted by someone else, push again (they are written back).</summary>
    public async Task SyncAsync(Guid tenantId, Guid sourceId, CancellationToken ct)
    {
        var lk = _running.GetOrAdd(sourceId, _ => new SemaphoreSlim(1, 1));
        await lk.WaitAsync(ct);
        try
        {
            await PushLockedAsync(tenantId, sourceId, ct);
            if (await PullLockedAsync(tenantId, sourceId, ct))
            {
                await PushLockedAsync(tenantId, sourceId, ct);
            }
        }
        finally
        {
            lk.Release();
        }
    }

    /// <summary>
    /// The connections to push to, read at most every 15 seconds: the worker wakes after every committed booking
    /// change, and under a booking load re-reading the list each time was 5 % of the app's CPU with no connection
    /// at all. Changes made on this node forget the list at once; another node's new connection is seen within the
    /// recheck, and its first pass pushes everything it has missed.
    /// </summary>
    private static readonly TimeSpan PushListRecheck = TimeSpan.FromSeconds(15);

    private volatile PushList? _pushList;

    private sealed record PushList(List<(Guid TenantId, Guid Id)> Sources, long At);

    private int _pushListVersion;

    private void ForgetPushList()
    {
        Interlocked.Increment(ref _pushListVersion);
        _pushList = null;
    }

    private async Task<List<(Guid TenantId, Guid Id)>> PushSourcesAsync(CancellationToken ct)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_pushList is { } list && System.Diagnostics.Stopwatch.GetElapsedTime(list.At, now) < PushListRecheck)
        {
            return list.Sources;
        }
        // A list read while a connection was being made may miss it: kept only when nothing was forgotten meanwhile.
        var version = Volatile.Read(ref _pushListVersion);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var all = (await db.BusySources.IgnoreQueryFilters().AsNoTracking().Where(s => s.Kind != BusySource.Ics && !s.Broken)
            .Select(s => new { s.TenantId, s.Id }).ToListAsync(ct)).Select(s => (s.TenantId, s.Id)).ToList();
        if (Volatile.Read(ref _pushListVersion) == version)
        {
            _pushList = new PushList(all, now);
        }
        return all;
    }

    /// <summary>Pushes every connection of every business (after a booking change; cheap when nothing differs).</summary>
    public async Task PushAllAsync(CancellationToken ct)
    {
        var all = await PushSourcesAsync(ct);
        foreach (var (tenantId, id) in all)
        {
            var lk = _running.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
            await lk.WaitAsync(ct);
            try
            {
                await PushLockedAsync(tenantId, id, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Pushing bookings to connection {SourceId} failed", id);
            }
            finally
            {
                lk.Release();
            }
        }
    }

    private sealed record StaffPlace(DateTimeZone Zone, int HorizonDays, CompiledPage Page);

    private static StaffPlace? Place(TenantCatalog catalog, string staff)
    {
        foreach (var page in catalog.Pages.Values)
        {
            if (page.Staff.Any(s => s.Key == staff))
            {
                var horizon = Math.Max(page.Doc.Settings?.HorizonDays ?? 60, page.Services.Values.Max(s => s.Doc.MaxAdvanceDays) ?? 0);
                return new StaffPlace(page.Zone, Math.Clamp(horizon, 1, 730), page);
            }
        }
        return null;
    }

    /// <summary>What a booking looks like in the calendar; a change of any of it is written.</summary>
    private static string Fingerprint(PushEvent e) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.Start}|{e.End}|{e.Tentative}|{e.Summary}|{e.Location}")));

    private async Task PushLockedAsync(Guid tenantId, Guid sourceId, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        db.TenantId = tenantId;
        var source = await db.BusySources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sourceId, ct);
        if (source is null || source.Broken || Provider(source.Kind) is not { } provider)
        {
            return;
        }
        var secret = Unseal(source.SecretSealed);
        if (secret is null)
        {
            await MarkBrokenAsync(db, sourceId, "The stored credentials can no longer be opened (the key ring changed): connect again.", ct);
            return;
        }
        var connection = new Connection(source, secret);
        var catalog = await scope.ServiceProvider.GetRequiredService<CatalogCache>().GetAsync(db, ct);
        var now = clock.GetCurrentInstant();
        var since = now - CalendarSync.Lookback;
        var links = await db.CalendarEventLinks.AsNoTracking().Where(l => l.SourceId == sourceId).ToListAsync(ct);
        var linked = links.Select(l => l.BookingId).ToList();
        var staff = source.StaffKey;
        var unit = Units.Staff(staff);
        // Theirs by the booking's staff member or by a live allocation (the parts of a visit they serve, also when not the first).
        var bookings = await db.Bookings.AsNoTracking()
            .Where(b => ((b.StaffKey == staff || db.Allocations.Any(a => a.BookingId == b.Id && a.UnitKey == unit && a.Live)) && b.EndsAt >= since) ||
                        linked.Contains(b.Id))
            .Select(b => new
            {
                b.Id,
                b.StaffKey,
                b.StartsAt,
                b.EndsAt,
                b.Status,
                b.HoldExpiresAt,
                b.ServiceName,
                b.CustomerName,
                b.PageSlug,
                b.BranchKey,
                b.VisitPartsJson,
            })
            .ToListAsync(ct);
        var byId = links.ToDictionary(l => l.BookingId);
        var seen = new HashSet<Guid>();
        string? error = null;
        var wrote = false;
        foreach (var b in bookings)
        {
            seen.Add(b.Id);
            byId.TryGetValue(b.Id, out var link);
            if (link is { RetryAt: { } retry } && retry > now)
            {
                continue;
            }
            var share = CalendarFeeds.StaffShare(staff, b.StaffKey, b.VisitPartsJson, b.StartsAt, b.EndsAt, b.ServiceName);
            var live = share is not null && b.Status != BookingStatus.Cancelled && (b.HoldExpiresAt == null || b.HoldExpiresAt > now);
            try
            {
                if (live)
                {
                    var (shareStart, shareEnd, service) = share!.Value;
                    catalog.Pages.TryGetValue(b.PageSlug, out var page);
                    var location = page?.Branches.FirstOrDefault(x => x.Key == b.BranchKey)?.Doc.Address ?? page?.Doc.Location?.Details;
                    var e = new PushEvent(b.Id, shareStart, shareEnd, $"{service} – {b.CustomerName}", location,
                        b.Status is BookingStatus.Pending or BookingStatus.PendingPayment, (link?.Sequence ?? -1) + 1, now)
                    {
                        Recreate = !source.CancelOnDelete,
                    };
                    var fingerprint = Fingerprint(e);
                    if (link?.Fingerprint == fingerprint)
                    {
                        continue;
                    }
                    if (b.EndsAt < since)
                    {
                        // Over: the event stays in the calendar as history; the link is not followed any more.
                        if (link is not null)
                        {
                            await DropLinkAsync(db, link.Id, ct);
                        }
                        continue;
                    }
                    wrote = true;
                    (string Remote, string? ETag, bool Overwrote) written;
                    try
                    {
                        written = await provider.WriteAsync(connection, link?.Remote, link?.ETag, e, ct);
                    }
                    catch (CalendarEventGoneException)
                    {
                        // Deleted in the calendar before a pull saw it, and this connection lets that cancel the booking.
                        if (await CancelDeletedAsync(tenantId, sourceId, b.Id, ct))
                        {
                            continue;
                        }
                        // Not cancellable any more (started, over): written back after all, once.
                        written = await provider.WriteAsync(connection, link?.Remote, null, e with { Recreate = true }, ct);
                        written.Overwrote = true;
                    }
                    var (remote, etag, overwrote) = written;
                    await SaveLinkAsync(db, sourceId, b.Id, l =>
                    {
                        l.Remote = remote;
                        l.ETag = etag;
                        l.Fingerprint = fingerprint;
                        l.StartsAt = e.Start;
                        l.EndsAt = e.End;
                        l.Sequence = e.Sequence;
                        l.Attempts = 0;
                        l.RetryAt = null;
                        l.LastError = null;
                    }, overwrote, ct);
                }
                else if (link is not null)
                {
                    wrote = true;
                    if (link.Remote is not null)
                    {
                        await provider.DeleteAsync(connection, link.Remote, link.ETag, ct);
                    }
                    await DropLinkAsync(db, link.Id, ct);
                }
            }
            catch (CalendarAuthException ex)
            {
                await MarkBrokenAsync(db, sourceId, ex.Message, ct);
                return;
            }
            catch (FeedException ex)
            {
                error = ex.Message;
                await FailLinkAsync(db, sourceId, b.Id, link?.Attempts ?? 0, ex.Message, now, ct);
            }
        }
        // A booking that no longer exists at all (a test business wiped): its event goes too.
        foreach (var link in links.Where(l => !seen.Contains(l.BookingId)))
        {
            wrote = true;
            try
            {
                if (link.Remote is not null)
                {
                    await provider.DeleteAsync(connection, link.Remote, link.ETag, ct);
                }
                await DropLinkAsync(db, link.Id, ct);
            }
            catch (CalendarAuthException ex)
            {
                await MarkBrokenAsync(db, sourceId, ex.Message, ct);
                return;
            }
            catch (FeedException ex)
            {
                error = ex.Message;
                await FailLinkAsync(db, sourceId, link.BookingId, link.Attempts, ex.Message, now, ct);
            }
        }
        if (wrote || connection.SecretChanged)
        {
            var count = await db.CalendarEventLinks.CountAsync(l => l.SourceId == sourceId && l.Remote != null && l.Fingerprint != null, ct);
            var sealedSecret = connection.SecretChanged ? Seal(connection.Secret) : null;
            using (await gate.EnterAsync(db, ct))
            {
                await db.BusySources.Where(s => s.Id == sourceId).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.PushedCount, count).SetProperty(x => x.LastPushAt, now)
                    .SetProperty(x => x.LastPushError, error)
                    .SetProperty(x => x.SecretSealed, x => sealedSecret ?? x.SecretSealed), ct);
            }
        }
    }

    private async Task SaveLinkAsync(BookwellDb db, Guid sourceId, Guid bookingId, Action<CalendarEventLink> set, bool overwrote, CancellationToken ct)
    {
        using (await gate.EnterAsync(db, ct))
        {
            db.ChangeTracker.Clear();
            var link = await db.CalendarEventLinks.FirstOrDefaultAsync(l => l.SourceId == sourceId && l.BookingId == bookingId, ct);
            if (link is null)
            {
                link = new CalendarEventLink { TenantId = db.TenantId, SourceId = sourceId, BookingId = bookingId };
                db.CalendarEventLinks.Add(link);
            }
            set(link);
            await db.SaveChangesAsync(ct);
            if (overwrote)
            {
                await db.BusySources.Where(s => s.Id == sourceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.ExternalChanges, x => x.ExternalChanges + 1), ct);
            }
        }
    }

    private async Task DropLinkAsync(BookwellDb db, long linkId, CancellationToken ct)
    {
        using (await gate.EnterAsync(db, ct))
        {
            await db.CalendarEventLinks.Where(l => l.Id == linkId).ExecuteDeleteAsync(ct);
        }
    }

    /// <summary>A failed write stays due: retried with backoff (2^n seconds, capped at an hour) on the passes after.</summary>
    private async Task FailLinkAsync(BookwellDb db, Guid sourceId, Guid bookingId, int attempts, string error, Instant now, CancellationToken ct)
    {
        log.LogWarning("Writing booking {BookingId} to connection {SourceId} failed: {Error}", bookingId, sourceId, error);
        var retry = now + OutboxWorker.Backoff(Math.Min(attempts + 1, 12));
        await SaveLinkAsync(db, sourceId, bookingId, l =>
        {
            l.Attempts = attempts + 1;
            l.RetryAt = retry;
            l.LastError = error.Length > 500 ? error[..500] : error;
        }, false, ct);
    }

    private async Task MarkBrokenAsync(BookwellDb db, Guid sourceId, string error, CancellationToken ct)
    {
        log.LogWarning("Calendar connection {SourceId} is broken: {Error}", sourceId, error);
        var now = clock.GetCurrentInstant();
        using (await gate.EnterAsync(db, ct))
        {
            await db.BusySources.Where(s => s.Id == sourceId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Broken, true).SetProperty(x => x.LastError, error).SetProperty(x => x.LastAttemptAt, now), ct);
        }
        // A broken connection is stale at once (StaleCalendars).
        ConnectedStaff.Invalidate(db);
        ForgetPushList();
    }

    /// <summary>Reads busy time; true when our own events were found deleted or changed in the calendar (they are due again, or their booking was cancelled).</summary>
    private async Task<bool> PullLockedAsync(Guid tenantId, Guid sourceId, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        db.TenantId = tenantId;
        var source = await db.BusySources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sourceId, ct);
        if (source is null || source.Broken || Provider(source.Kind) is not { } provider)
        {
            return false;
        }
        var secret = Unseal(source.SecretSealed);
        if (secret is null)
        {
            await MarkBrokenAsync(db, sourceId, "The stored credentials can no longer be opened (the key ring changed): connect again.", ct);
            return false;
        }
        var catalog = await scope.ServiceProvider.GetRequiredService<CatalogCache>().GetAsync(db, ct);
        var place = Place(catalog, source.StaffKey);
        var now = clock.GetCurrentInstant();
        var from = now - CalendarSync.Lookback;
        var to = now + Duration.FromDays((place?.HorizonDays ?? 60) + 1);
        var links = await db.CalendarEventLinks.AsNoTracking().Where(l => l.SourceId == sourceId).ToListAsync(ct);
        var ours = new OwnEvents(links.Where(l => l.Remote != null).Select(l => l.Remote!).ToHashSet(StringComparer.Ordinal),
            links.Select(l => $"{l.BookingId}@bookwell").ToHashSet(StringComparer.Ordinal));
        var connection = new Connection(source, secret);
        RemoteRead? read = null;
        string? error = null;
        try
        {
            read = await provider.ReadAsync(connection, from, to, place?.Zone ?? DateTimeZone.Utc, ours, ct);
        }
        catch (CalendarAuthException ex)
        {
            await MarkBrokenAsync(db, sourceId, ex.Message, ct);
            return false;
        }
        catch (FeedException ex)
        {
            error = ex.Message;
        }
        var noticed = 0;
        // Our events the read no longer found, on a connection where a deletion cancels the booking: asked about one by one after the commit.
        var missing = new List<(Guid BookingId, string Remote)>();
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Only changed busy time empties the cached slot answers (the version first, before any write).
            var changed = read is not null && !await CalendarSync.SameSpansAsync(db, sourceId, read.Busy, ct);
            if (changed)
            {
                await Availability.BusyVersions.BumpAsync(db, tenantId, ct);
            }
            var row = await db.BusySources.FirstOrDefaultAsync(s => s.Id == sourceId, ct);
            if (row is null)
            {
                return false;
            }
            row.LastAttemptAt = now;
            if (connection.SecretChanged)
            {
                row.SecretSealed = Seal(connection.Secret);
            }
            if (read is null)
            {
                row.LastError = error!.Length > 500 ? error[..500] : error;
                log.LogWarning("Calendar connection {SourceId} of staff {Staff} could not be read: {Error}", sourceId, source.StaffKey, error);
            }
            else
            {
                if (changed)
                {
                    await db.ExternalBusy.Where(b => b.SourceId == sourceId).ExecuteDeleteAsync(ct);
                    db.ExternalBusy.AddRange(read.Busy.Select(s => new ExternalBusySpan
                    {
                        TenantId = tenantId,
                        SourceId = sourceId,
                        StaffKey = source.StaffKey,
                        StartsAt = s.Start,
                        EndsAt = s.End,
                    }));
                }
                row.LastSuccessAt = now;
                row.LastError = null;
                row.BusyCount = read.Busy.Count;
                // Our events in the window that the calendar no longer has, or has with another ETag: someone deleted or moved them.
                var tracked = await db.CalendarEventLinks.Where(l => l.SourceId == sourceId && l.Remote != null && l.Fingerprint != null &&
                                                                     l.StartsAt < to && l.EndsAt > from).ToListAsync(ct);
                foreach (var link in tracked)
                {
                    if (!read.Ours.TryGetValue(link.Remote!, out var etag))
                    {
                        if (row.CancelOnDelete)
                        {
                            missing.Add((link.BookingId, link.Remote!));
                            continue;
                        }
                        link.Fingerprint = null;
                        link.ETag = null;
                        noticed++;
                    }
                    else if (link.ETag is null)
                    {
                        link.ETag = etag;
                    }
                    else if (etag is not null && etag != link.ETag)
                    {
                        link.Fingerprint = null;
                        link.ETag = etag;
                        noticed++;
                    }
                }
                row.ExternalChanges += noticed;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        ConnectedStaff.Invalidate(db);
        foreach (var (bookingId, remote) in missing)
        {
            bool? exists;
            try
            {
                // The read covers a time range: an event moved far away is missing from it too, so the calendar is asked.
                exists = await provider.ExistsAsync(connection, remote, ct);
            }
            catch (Exception ex) when (ex is FeedException or CalendarAuthException)
            {
                exists = null;
            }
            if (exists is null)
            {
                // Cannot tell now: nothing changes, the next pull asks again.
                continue;
            }
            if (exists == false && await CancelDeletedAsync(tenantId, sourceId, bookingId, ct))
            {
                // Pushed again at once: the freed time may have gone to someone on the waitlist.
                noticed++;
                continue;
            }
            // Moved out of the window (an external move), or deleted but no longer cancellable: written back as the booking says.
            using (await gate.EnterAsync(db, ct))
            {
                await db.CalendarEventLinks.Where(l => l.SourceId == sourceId && l.BookingId == bookingId)
                    .ExecuteUpdateAsync(l => l.SetProperty(x => x.Fingerprint, (string?)null).SetProperty(x => x.ETag, (string?)null), ct);
                await db.BusySources.Where(s => s.Id == sourceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.ExternalChanges, x => x.ExternalChanges + 1), ct);
            }
            noticed++;
        }
        if (missing.Count > 0 && connection.SecretChanged)
        {
            // A token refreshed while asking about the missing events: kept, like a refresh during the read.
            var sealedSecret = Seal(connection.Secret);
            using (await gate.EnterAsync(db, ct))
            {
                await db.BusySources.Where(s => s.Id == sourceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.SecretSealed, sealedSecret), ct);
            }
        }
        return noticed > 0;
    }

    /// <summary>
    /// A booking whose event was deleted in the calendar, on a connection where that cancels it: cancelled through the
    /// lifecycle as the calendar's doing (history <c>by</c> "calendar", the client's usual cancellation mail, the time freed
    /// for the waitlist), then its link goes (the event is gone already). False when the status no longer allows it.
    /// </summary>
    private async Task<bool> CancelDeletedAsync(Guid tenantId, Guid sourceId, Guid bookingId, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var tenant = scope.ServiceProvider.GetRequiredService<TenantContext>();
        tenant.TenantId = tenantId;
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        db.TenantId = tenantId;
        var booking = await db.Bookings.AsNoTracking().Where(b => b.Id == bookingId).Select(b => new { b.PageSlug, b.Language, b.Status }).FirstOrDefaultAsync(ct);
        if (booking is null || !booking.Status.CanMoveTo(BookingStatus.Cancelled))
        {
            return false;
        }
        tenant.Host = await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Host).FirstOrDefaultAsync(ct);
        var catalog = await scope.ServiceProvider.GetRequiredService<CatalogCache>().GetAsync(db, ct);
        catalog.Pages.TryGetValue(booking.PageSlug, out var page);
        var mail = new MailContext(links.BaseUrl(tenant), booking.Language, config["Bookwell:Smtp:From"]);
        var result = await scope.ServiceProvider.GetRequiredService<BookingLifecycle>()
            .TransitionAsync(bookingId, new Change.SetStatus(BookingStatus.Cancelled), new Actor(CalendarActor, mail, page), ct);
        if (result is not WriteResult.Done)
        {
            return false;
        }
        log.LogInformation("Booking {BookingId} cancelled: its event was deleted in calendar connection {SourceId}", bookingId, sourceId);
        using (await gate.EnterAsync(db, ct))
        {
            db.ChangeTracker.Clear();
            await db.CalendarEventLinks.Where(l => l.SourceId == sourceId && l.BookingId == bookingId).ExecuteDeleteAsync(ct);
            var count = await db.CalendarEventLinks.CountAsync(l => l.SourceId == sourceId && l.Remote != null && l.Fingerprint != null, ct);
            await db.BusySources.Where(s => s.Id == sourceId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.ExternalChanges, x => x.ExternalChanges + 1).SetProperty(x => x.PushedCount, count), ct);
        }
        return true;
    }
}

/// <summary>How a staff member's calendars were last read, over all their sources (see <see cref="StaleCalendars"/>).</summary>
/// <param name="Broken">A connection was refused for good.</param>
/// <param name="FailedNeverRead">A source was tried and never read successfully.</param>
/// <param name="OldestSuccess">The oldest of the sources' newest successful reads.</param>
public sealed record StaffHealth(bool Broken, bool FailedNeverRead, Instant? OldestSuccess);

/// <summary>
/// Which staff members of a business have a two-way connection, and how every staff member's sources were last
/// read, re-read at most once a second (like the configuration) and at once after a sync on this node, so
/// availability and booking know whose calendar to consult, and whose is stale, without a query per request.
/// </summary>
public static class ConnectedStaff
{
    private sealed record Entry(HashSet<string> Keys, Dictionary<string, StaffHealth> Health);

    /// <summary>Read again after a second, as the configuration catalog is; a change on this node drops it at once.</summary>
    private static readonly TenantCache<Entry> Entries = new(TimeSpan.FromSeconds(1));

    public static void Invalidate(BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(db);
        Entries.Invalidate(db, db.TenantId);
    }

    public static async ValueTask<IReadOnlySet<string>> GetAsync(BookwellDb db, CancellationToken ct) => (await EntryAsync(db, ct)).Keys;

    /// <summary>Per staff member with at least one stored source: how its reads went.</summary>
    public static async ValueTask<IReadOnlyDictionary<string, StaffHealth>> HealthAsync(BookwellDb db, CancellationToken ct) => (await EntryAsync(db, ct)).Health;

    private static ValueTask<Entry> EntryAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Entries.GetAsync(db, db.TenantId, ReadAsync, ct);
    }

    private static async Task<Entry> ReadAsync(BookwellDb db, CancellationToken ct)
    {
        var rows = await db.BusySources.AsNoTracking()
            .Select(s => new { s.StaffKey, s.Kind, s.Broken, s.LastSuccessAt, Failed = s.LastError != null })
            .ToListAsync(ct);
        var keys = rows.Where(r => r.Kind != BusySource.Ics).Select(r => r.StaffKey).ToHashSet(StringComparer.Ordinal);
        var health = new Dictionary<string, StaffHealth>(StringComparer.Ordinal);
        foreach (var g in rows.GroupBy(r => r.StaffKey))
        {
            var successes = g.Where(r => r.LastSuccessAt is not null).Select(r => r.LastSuccessAt!.Value).ToList();
            health[g.Key] = new StaffHealth(g.Any(r => r.Broken), g.Any(r => r.LastSuccessAt is null && r.Failed),
                successes.Count == 0 ? null : successes.Min());
        }
        return new Entry(keys, health);
    }
}

/// <summary>
/// Pushes bookings to calendar connections after each committed booking change (the lifecycle and the creator
/// notify the outbox signal after their commit), and every 15 seconds for writes whose retry is due.
/// </summary>
public sealed class CalendarPushWorker(CalendarConnections connections, OutboxSignal signal, ILogger<CalendarPushWorker> log) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already woken
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.Notified += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(15), stoppingToken);
                    await connections.PushAllAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogError(ex, "Calendar push pass failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
        finally
        {
            signal.Notified -= Wake;
        }
    }
}
