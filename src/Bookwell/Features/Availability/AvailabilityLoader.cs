using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Availability;

/// <summary>What the database says is taken around a window: busy time per unit and open group classes.</summary>
public sealed record Occupancy(IReadOnlyDictionary<string, List<Span>> Busy, IReadOnlyDictionary<Instant, GroupInstance> Groups);

/// <summary>Loads occupancy and turns a page, service and choices into engine requests, one per branch.</summary>
public static class AvailabilityLoader
{
    // The hottest queries of /slots and bookings, compiled once per provider (each provider has its own model).
    private static readonly Func<BookwellDb, Instant, Instant, Instant, Instant, IAsyncEnumerable<BusyRow>> SqliteBusyQuery = CompileBusyQuery();
    private static readonly Func<BookwellDb, Instant, Instant, Instant, Instant, IAsyncEnumerable<BusyRow>> PostgresBusyQuery = CompileBusyQuery();
    private static readonly Func<BookwellDb, string[], Instant, Instant, Instant, Instant, IAsyncEnumerable<BusyRow>> SqliteUnitsQuery = CompileUnitsQuery();
    private static readonly Func<BookwellDb, string[], Instant, Instant, Instant, Instant, IAsyncEnumerable<BusyRow>> PostgresUnitsQuery = CompileUnitsQuery();

    private static Func<BookwellDb, Instant, Instant, Instant, Instant, IAsyncEnumerable<BusyRow>> CompileBusyQuery() =>
        EF.CompileAsyncQuery((BookwellDb db, Instant earliestStart, Instant to, Instant from, Instant now) =>
            db.Allocations.AsNoTracking()
                .Where(a => a.StartsAt >= earliestStart && a.StartsAt < to && a.EndsAt > from && a.Live && (a.HoldExpiresAt == null || a.HoldExpiresAt > now))
                .OrderBy(a => a.StartsAt)
                .Select(a => new BusyRow(a.UnitKey, a.Seat, a.StartsAt, a.EndsAt)));

    /// <summary>The same, for a few named units: the (tenant, unit, start) index then reads only their rows.</summary>
    private static Func<BookwellDb, string[], Instant, Instant, Instant, Instant, IAsyncEnumerable<BusyRow>> CompileUnitsQuery() =>
        EF.CompileAsyncQuery((BookwellDb db, string[] units, Instant earliestStart, Instant to, Instant from, Instant now) =>
            db.Allocations.AsNoTracking()
                .Where(a => units.Contains(a.UnitKey) && a.StartsAt >= earliestStart && a.StartsAt < to && a.EndsAt > from && a.Live &&
                            (a.HoldExpiresAt == null || a.HoldExpiresAt > now))
                .OrderBy(a => a.StartsAt)
                .Select(a => new BusyRow(a.UnitKey, a.Seat, a.StartsAt, a.EndsAt)));

    private sealed record BusyRow(string UnitKey, int Seat, Instant StartsAt, Instant EndsAt);

    /// <summary>Longest possible allocation: a 24-hour service with 24-hour buffers either side (the validator's caps).</summary>
    public static readonly Duration MaxAllocation = Duration.FromHours(72);

    public static string StaffUnit(string key) => "staff:" + key;

    public static string ResourceUnit(string key) => "res:" + key;

    public static string GroupKey(string page, string service, Instant start) => $"class:{page}/{service}@{start.ToUnixTimeTicks()}";

    /// <summary>
    /// Reads the live allocations that can touch a slot starting inside <paramref name="window"/>: those
    /// overlapping the window widened by the service's buffers and duration (allocations carry their own
    /// buffers already). One indexed range query; with one staff member chosen, only the units that could
    /// serve (that person and the service's resources).
    /// </summary>
    public static async Task<Occupancy> LoadAsync(BookwellDb db, CompiledPage page, ServiceModel service, Span window, Instant now, CancellationToken ct,
        string? staff = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var from = window.StartInstant - service.Rules.BufferBefore;
        var to = window.EndInstant + service.Rules.Duration + service.Rules.BufferAfter;
        // No allocation is longer than the page's lookback, so a lower bound on the start keeps the index
        // scan to the window instead of everything before it.
        var earliestStart = from - page.Lookback;
        var busy = new Dictionary<string, List<Span>>(StringComparer.Ordinal);
        var rows = staff is null
            ? (db.IsPostgres ? PostgresBusyQuery : SqliteBusyQuery)(db, earliestStart, to, from, now)
            : (db.IsPostgres ? PostgresUnitsQuery : SqliteUnitsQuery)(db, Units(page, service, staff), earliestStart, to, from, now);
        await foreach (var r in rows.WithCancellation(ct))
        {
            var key = r.Seat == 0 ? r.UnitKey : $"{r.UnitKey}#{r.Seat}";
            if (!busy.TryGetValue(key, out var list))
            {
                busy[key] = list = [];
            }
            list.Add(Span.Of(r.StartsAt, r.EndsAt));
        }

        var groups = new Dictionary<Instant, GroupInstance>();
        if (service.Rules.Capacity > 1)
        {
            var members = await db.Bookings.AsNoTracking()
                .Where(b => b.PageSlug == page.Slug && b.ServiceKey == service.Key && b.GroupKey != null &&
                            b.StartsAt >= from && b.StartsAt < to && b.Status != BookingStatus.Cancelled &&
                            (b.HoldExpiresAt == null || b.HoldExpiresAt > now))
                .Select(b => new { b.StartsAt, b.StaffKey, b.ResourceKeys })
                .ToListAsync(ct);
            foreach (var g in members.GroupBy(m => m.StartsAt))
            {
                var first = g.First();
                groups[g.Key] = new GroupInstance(g.Key, g.Count(), first.StaffKey, ParseSeats(first.ResourceKeys));
            }
        }
        return new Occupancy(busy, groups);
    }

    private static string[] Units(CompiledPage page, ServiceModel service, string staff) =>
        [StaffUnit(staff), .. page.Resources.Where(r => service.Rules.ResourceTypes.Contains(r.Type)).Select(r => ResourceUnit(r.Key))];

    /// <summary>Resource seats are stored as "key#seat" joined by commas.</summary>
    public static IReadOnlyList<ResourceSeat> ParseSeats(string text) =>
        text.Length == 0 ? [] : text.Split(',').Select(p =>
        {
            var hash = p.LastIndexOf('#');
            return hash < 0 ? new ResourceSeat(p, 0) : new ResourceSeat(p[..hash], int.Parse(p[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();

    public static string FormatSeats(IEnumerable<ResourceSeat> seats) =>
        string.Join(',', seats.Select(s => s.Seat == 0 ? s.Key : $"{s.Key}#{s.Seat}"));

    /// <summary>One engine request per branch that could serve the booking (a page without branches has one).</summary>
    public static List<(string? Branch, SlotRequest Request)> Requests(CompiledPage page, ServiceModel service, string? branch, string? staff,
        Occupancy occupancy, Instant now, Span window, bool walkIn)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(occupancy);
        List<BranchModel?> branches = branch is not null
            ? [.. page.Branches.Where(b => b.Key == branch)]
            : page.Branches.Count > 0 ? [.. page.Branches] : [null];
        var result = new List<(string?, SlotRequest)>(branches.Count);
        foreach (var b in branches)
        {
            var hours = b?.Hours ?? page.Hours;
            var staffUnits = service.Rules.RequiresStaff
                ? page.StaffFor(service.Key)
                    .Where(s => (b is null || s.Branch is null || s.Branch == b.Key) && (staff is null || s.Key == staff))
                    .Select(s => new BookableUnit(s.Key, 0, null, s.Hours is null ? [] : [s.Hours], Busy(occupancy, StaffUnit(s.Key), 0)))
                    .ToList()
                : [];
            var resourceUnits = new List<BookableUnit>();
            foreach (var r in page.Resources)
            {
                if (!service.Rules.ResourceTypes.Contains(r.Type) || (b is not null && r.Branch is not null && r.Branch != b.Key))
                {
                    continue;
                }
                for (var seat = 0; seat < r.Capacity; seat++)
                {
                    resourceUnits.Add(new BookableUnit(r.Key, seat, r.Type, r.Hours is null ? [] : [r.Hours], Busy(occupancy, ResourceUnit(r.Key), seat)));
                }
            }
            result.Add((b?.Key, new SlotRequest(page.Zone, [hours], page.AllowedDays, service.Rules, staffUnits, resourceUnits,
                occupancy.Groups, now, window, walkIn)));
        }
        return result;
    }

    private static List<Span> Busy(Occupancy occupancy, string unit, int seat) =>
        occupancy.Busy.TryGetValue(seat == 0 ? unit : $"{unit}#{seat}", out var list) ? list : [];

    /// <summary>Bookable slots for local dates <paramref name="from"/>..<paramref name="to"/> (inclusive) in <paramref name="zone"/>.</summary>
    public static async Task<List<Slot>> FindSlotsAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch, string? staff,
        DateTimeZone zone, LocalDate from, LocalDate to, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var window = Span.Of(zone.AtStartOfDay(from).ToInstant(), zone.AtStartOfDay(to.PlusDays(1)).ToInstant());
        var occupancy = await LoadAsync(db, page, service, window, now, ct, staff);
        return FindSlots(Requests(page, service, branch, staff, occupancy, now, window, walkIn: false));
    }

    /// <summary>Slots over every branch, merged by start: staff lists are joined and the best remaining kept.</summary>
    public static List<Slot> FindSlots(IReadOnlyList<(string? Branch, SlotRequest Request)> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 1)
        {
            return [.. SlotEngine.FindSlots(requests[0].Request)];
        }
        var merged = new SortedDictionary<Instant, Slot>();
        foreach (var (_, request) in requests)
        {
            foreach (var slot in SlotEngine.FindSlots(request))
            {
                merged[slot.Start] = merged.TryGetValue(slot.Start, out var existing)
                    ? existing with { Staff = existing.Staff.Union(slot.Staff).ToArray(), Remaining = Math.Max(existing.Remaining, slot.Remaining) }
                    : slot;
            }
        }
        return [.. merged.Values];
    }
}
