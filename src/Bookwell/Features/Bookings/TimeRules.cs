using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Status changes that time alone causes: unpaid or unconfirmed holds expire (freeing their time), and a
/// confirmed booking nobody started becomes a no-show. Each goes through <see cref="BookingLifecycle"/> like
/// any other change, so a request and the worker (or two nodes) racing for one booking record it once.
/// </summary>
public static class TimeRules
{
    public const int BatchSize = 200;
}

/// <summary>Runs <see cref="TimeRules"/> for every tenant about once a second, so holds free up and
/// no-shows are marked even when nobody books.</summary>
public sealed class TimeRulesWorker(IServiceScopeFactory scopes, IClock clock, SqliteWriteGate gate, ILogger<TimeRulesWorker> log,
    CatalogCache catalogs, TenantLinks links, IEnumerable<IEmailSender> senders, OutboxSignal outbox) : BackgroundService
{
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var now = clock.GetCurrentInstant();
        if (!await AnythingDueAsync(db, now, ct))
        {
            // Most passes find nothing; they should not take the write lock that bookings wait on.
            return 0;
        }
        var lifecycle = scope.ServiceProvider.GetRequiredService<BookingLifecycle>();
        using var writeLock = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var noShows = new List<Guid>();
        var freed = new List<TimeFreed>();
        var changed = await lifecycle.ApplyTimeRulesAsync(now, allTenants: true, freed, noShows, ct);
        var followUps = senders.Any() ? await FollowUpsAsync(db, noShows, now, ct) : 0;
        // Files uploaded for a booking that was never made are the client's data with no purpose: a day is enough.
        var cutoff = now - Duration.FromDays(1);
        changed += await db.Uploads.IgnoreQueryFilters().Where(u => u.BookingId == null && u.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (followUps > 0)
        {
            outbox.Notify();
        }
        // Listeners write too (the waitlist holds freed time): on SQLite they would wait for this lock forever.
        writeLock.Dispose();
        await lifecycle.RaiseAsync(freed, ct);
        return changed;
    }

    /// <summary>"We missed you" for automatic no-shows, where the page asks for it; written with the status change.</summary>
    private async Task<int> FollowUpsAsync(BookwellDb db, List<Guid> ids, Instant now, CancellationToken ct)
    {
        var queued = 0;
        foreach (var booking in await db.Bookings.IgnoreQueryFilters().AsNoTracking().Where(b => ids.Contains(b.Id) && !b.WalkIn).ToListAsync(ct))
        {
            var tenantDb = db.TenantId;
            db.TenantId = booking.TenantId;
            var catalog = await catalogs.GetAsync(db, ct);
            db.TenantId = tenantDb;
            if (!catalog.Pages.TryGetValue(booking.PageSlug, out var page) || page.Doc.Settings?.NoShowFollowUp != true)
            {
                continue;
            }
            var host = await db.Tenants.Where(t => t.Id == booking.TenantId).Select(t => t.Host).FirstOrDefaultAsync(ct);
            // The business's own address, as every other mail of it builds its links (scheme and port follow the install's).
            var baseUrl = links.BaseUrl(new TenantContext { TenantId = booking.TenantId, Host = host });
            db.Outbox.Add(BookingMail.NoShowFollowUp(booking, page, baseUrl, now));
            queued++;
        }
        return queued;
    }

    private static async Task<bool> AnythingDueAsync(BookwellDb db, Instant now, CancellationToken ct)
    {
        var bookings = db.Bookings.IgnoreQueryFilters();
        var uploadCutoff = now - Duration.FromDays(1);
        return await bookings.AnyAsync(b => b.HoldExpiresAt != null && b.HoldExpiresAt <= now &&
                                            (b.Status == BookingStatus.Pending || b.Status == BookingStatus.PendingPayment), ct) ||
               await bookings.AnyAsync(b => b.AutoNoShowAt != null && b.AutoNoShowAt <= now && b.Status == BookingStatus.Confirmed, ct) ||
               await db.Uploads.IgnoreQueryFilters().AnyAsync(u => u.BookingId == null && u.CreatedAt < uploadCutoff, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Time rules pass failed");
            }
        }
    }
}
