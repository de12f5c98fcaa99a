using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>Page setting <c>settings.retention</c>: <c>{ "inactiveClientMonths": 24 }</c>. Absent: clients are kept until erased by hand.</summary>
public sealed class RetentionDoc
{
    public int? InactiveClientMonths { get; set; }
}

/// <summary>
/// The retention rule for inactive clients: a business whose every page sets <c>settings.retention.inactiveClientMonths</c>
/// (the longest applies when pages differ; a page without it keeps everyone, clients being the business's, not the
/// page's) has each client erased through <see cref="ClientErasure"/> — the same path and audit log as an erase by
/// hand, actor <c>retention</c> — once that many months have passed with no booking made or taking place, no note and
/// no change to the client record (a booking, the portal, a tag). Clients with a booking still to come are never
/// inactive. About once an hour; at most <see cref="BatchSize"/> clients a business per pass.
/// </summary>
public sealed class ClientRetention(IServiceScopeFactory scopes, IClock clock, ILogger<ClientRetention> log) : BackgroundService
{
    public const int MinMonths = 1;
    public const int MaxMonths = 240;
    public const int BatchSize = 200;

    public static void Validate(Errors e, string path, RetentionDoc? doc)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (doc?.InactiveClientMonths is { } months && months is < MinMonths or > MaxMonths)
        {
            e.Add($"{path}.inactiveClientMonths", $"Whole months, {MinMonths} to {MaxMonths}.");
        }
    }

    /// <summary>The business's period, or null when the rule is off (some page does not set it).</summary>
    public static int? MonthsOf(TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var months = catalog.Pages.Values.Select(p => p.Doc.Settings?.Retention?.InactiveClientMonths).ToList();
        return months.Count > 0 && months.All(m => m is not null) ? months.Max() : null;
    }

    /// <summary>One pass over every business; the number of clients erased.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        List<Guid> tenants;
        using (var scope = scopes.CreateScope())
        {
            tenants = await scope.ServiceProvider.GetRequiredService<BookwellDb>().Tenants.AsNoTracking().OrderBy(t => t.Id).Select(t => t.Id).ToListAsync(ct);
        }
        var erased = 0;
        foreach (var tenant in tenants)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.TenantId = tenant;
            scope.ServiceProvider.GetRequiredService<TenantContext>().TenantId = tenant;
            if (MonthsOf(await scope.ServiceProvider.GetRequiredService<CatalogCache>().GetAsync(db, ct)) is not { } months)
            {
                continue;
            }
            var cutoff = now.InUtc().LocalDateTime.PlusMonths(-months).InUtc().ToInstant();
            var inactive = await db.Customers.AsNoTracking()
                .Where(c => c.ErasedAt == null && c.MergedIntoId == null && c.CreatedAt < cutoff && c.UpdatedAt < cutoff)
                .Where(c => !db.Customers.Any(d => d.MergedIntoId == c.Id && d.UpdatedAt >= cutoff))
                .Where(c => !db.Bookings.Any(b => b.CustomerId == c.Id && (b.StartsAt >= cutoff || b.EndsAt >= cutoff || b.CreatedAt >= cutoff)))
                .Where(c => !db.CustomerNotes.Any(n => n.CustomerId == c.Id && n.At >= cutoff))
                .OrderBy(c => c.Id).Select(c => c.Id).Take(BatchSize).ToListAsync(ct);
            var erasure = scope.ServiceProvider.GetRequiredService<ClientErasure>();
            foreach (var id in inactive)
            {
                if (await erasure.EraseAsync(id, CrmAudit.Retention, ct) is not null)
                {
                    erased++;
                }
            }
        }
        return erased;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Client retention pass failed");
            }
        }
    }
}
