using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Issue 15 (seed 002): who gets a booking made for anyone able. Each service names a strategy
/// (<c>assignment</c>); a client may have a preferred staff member in the CRM, chosen first whenever able. The
/// engine ranks (<see cref="StaffRanking"/>); this edge reads what the engine cannot: the client's preference and,
/// for round robin, each staff member's bookings of the past week (one query on the bookings' (tenant, created)
/// index). Which slots are offered never depends on it: only who gets the booking.
/// </summary>
public static class AssignmentRules
{
    public static readonly string[] Strategies = ["first-available", "least-busy", "round-robin", "priority"];

    /// <summary>Round robin is fair over this rolling window: bookings made (not cancelled) in it are counted.</summary>
    public static readonly Duration RoundRobinWindow = Duration.FromDays(7);

    /// <summary>Field by field: <c>services[i].assignment</c> and <c>services[i].staffPriority[k]</c>. Run after the staff are read.</summary>
    public static void Validate(Errors e, string path, PageDoc page)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(page);
        var staff = new HashSet<string>((page.Staff ?? []).Where(s => s?.Key is not null).Select(s => s.Key!), StringComparer.Ordinal);
        for (var i = 0; i < (page.Services?.Count ?? 0); i++)
        {
            var svc = page.Services![i];
            if (svc is null)
            {
                continue;
            }
            var sp = $"{path}.services[{i}]";
            if (svc.Assignment is { } strategy && !Strategies.Contains(strategy))
            {
                e.Add($"{sp}.assignment", $"Must be one of: {string.Join(", ", Strategies)}.");
            }
            if (svc.StaffPriority is not { } priority)
            {
                continue;
            }
            if (svc.Assignment != "priority")
            {
                e.Add($"{sp}.staffPriority", "Only with assignment 'priority'.");
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var k = 0; k < priority.Count; k++)
            {
                if (priority[k] is not { } key || !staff.Contains(key))
                {
                    e.Add($"{sp}.staffPriority[{k}]", "Must be the key of a staff member on this page.");
                }
                else if (!seen.Add(key))
                {
                    e.Add($"{sp}.staffPriority[{k}]", "Listed twice.");
                }
            }
        }
    }

    public static AssignmentStrategy StrategyOf(ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Doc.Assignment switch
        {
            "least-busy" => AssignmentStrategy.LeastBusy,
            "round-robin" => AssignmentStrategy.RoundRobin,
            "priority" => AssignmentStrategy.Priority,
            _ => AssignmentStrategy.FirstAvailable,
        };
    }

    /// <summary>
    /// The ranking for a booking of <paramref name="service"/> for anyone able, or null when there is nothing to rank
    /// (a staff member was named, the service needs none or has one person, or page order with no client preference).
    /// </summary>
    public static async Task<StaffRanking?> RankingAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? staff, string? clientEmail,
        Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        if (staff is not null || !service.Rules.RequiresStaff || page.StaffFor(service.Key).Take(2).Count() < 2)
        {
            // Nobody to choose between: no reads.
            return null;
        }
        var strategy = StrategyOf(service);
        var preferred = clientEmail is null ? null : await PreferredStaffAsync(db, clientEmail, ct);
        if (strategy == AssignmentStrategy.FirstAvailable && preferred is null)
        {
            return null;
        }
        var counts = strategy == AssignmentStrategy.RoundRobin ? await RecentBookingsAsync(db, page, now, ct) : null;
        return new StaffRanking(strategy, service.Doc.StaffPriority, counts, preferred);
    }

    /// <summary>The preferred staff key of the client with this address (of the client a duplicate was merged into), if any.</summary>
    public static async Task<string?> PreferredStaffAsync(BookwellDb db, string email, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(email);
        var normalized = email.Trim().ToUpperInvariant();
        var c = await db.Customers.AsNoTracking().Where(x => x.EmailNormalized == normalized && x.ErasedAt == null)
            .Select(x => new { x.PreferredStaffKey, x.MergedIntoId }).FirstOrDefaultAsync(ct);
        if (c?.MergedIntoId is { } winner)
        {
            return await db.Customers.AsNoTracking().Where(x => x.Id == winner && x.ErasedAt == null).Select(x => x.PreferredStaffKey).FirstOrDefaultAsync(ct);
        }
        return c?.PreferredStaffKey;
    }

    /// <summary>Bookings per staff member on the page made in the past <see cref="RoundRobinWindow"/>, not cancelled, not lapsed holds.</summary>
    public static async Task<Dictionary<string, int>> RecentBookingsAsync(BookwellDb db, CompiledPage page, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        var since = now - RoundRobinWindow;
        var rows = await db.Bookings.AsNoTracking()
            .Where(b => b.CreatedAt >= since && b.PageSlug == page.Slug && b.StaffKey != null && b.Status != BookingStatus.Cancelled &&
                        (b.HoldExpiresAt == null || b.HoldExpiresAt > now))
            .GroupBy(b => b.StaffKey!)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Key, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// For least busy, the window whose busy time is read: the booking's whole local day (page zone) around
    /// <paramref name="window"/>, so the engine can add up each staff member's busy time that day.
    /// </summary>
    public static Span DayAround(CompiledPage page, Span window)
    {
        ArgumentNullException.ThrowIfNull(page);
        var date = window.StartInstant.InZone(page.Zone).Date;
        var from = page.Zone.AtStartOfDay(date).ToInstant().ToUnixTimeTicks();
        var to = page.Zone.AtStartOfDay(date.PlusDays(1)).ToInstant().ToUnixTimeTicks();
        return new Span(Math.Min(from, window.Start), Math.Max(to, window.End));
    }
}
