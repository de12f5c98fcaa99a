using System.Collections.Concurrent;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Slots;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Configuration;

public sealed record BranchModel(BranchDoc Doc, string Key, Schedule Hours);

public sealed record ServiceModel(ServiceDoc Doc, string Key, ServiceRules Rules);

public sealed record StaffModel(StaffDoc Doc, string Key, string Name, string? Branch, IReadOnlySet<string> Services, Schedule? Hours);

public sealed record ResourceModel(ResourceDoc Doc, string Key, string Type, string? Branch, int Capacity, Schedule? Hours);

/// <summary>A page compiled from its document into what the engine and the endpoints need.</summary>
public sealed record CompiledPage(
    PageDoc Doc,
    string Slug,
    DateTimeZone Zone,
    Schedule Hours,
    IReadOnlySet<IsoDayOfWeek> AllowedDays,
    IReadOnlyList<BranchModel> Branches,
    IReadOnlyDictionary<string, ServiceModel> Services,
    IReadOnlyList<StaffModel> Staff,
    IReadOnlyList<ResourceModel> Resources)
{
    /// <summary>Active services only; deactivated ones stay in storage for the bookings that name them.</summary>
    public ServiceModel? ActiveService(string? key) =>
        key is not null && Services.TryGetValue(key, out var s) && s.Doc.Active != false ? s : null;

    public IReadOnlyList<StaffModel> StaffFor(string serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        // Asked several times for every booking and slot answer: worked out once per service of this staff list, kept beside
        // the list (not in this record, whose equality and copies stay as they were). A key that is not one of the page's
        // services (a stored key from an older configuration) is answered, not kept.
        return Services.ContainsKey(serviceKey)
            ? StaffByService.GetValue(Staff, static _ => new(StringComparer.Ordinal)).GetOrAdd(serviceKey, Offering, Staff)
            : Offering(serviceKey, Staff);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<StaffModel>,
        ConcurrentDictionary<string, StaffModel[]>> StaffByService = new();

    private static StaffModel[] Offering(string serviceKey, IReadOnlyList<StaffModel> staff) =>
        [.. staff.Where(s => s.Doc.Active != false && s.Services.Contains(serviceKey))];

    /// <summary>
    /// No allocation of this business is longer than this, so a busy-time read may start its index scan
    /// this far before the window instead of the validator's 72-hour cap (see CatalogCache).
    /// </summary>
    public Duration Lookback { get; init; } = Availability.AvailabilityLoader.MaxAllocation;

    /// <summary>
    /// The longest travel leg a mobile booking of the business may hold (<see cref="Mobile.MobileServices.LongestLeg"/>):
    /// part of the travel rule, so no allocation outgrows <see cref="Lookback"/>. Null when no page comes to its clients.
    /// </summary>
    public Duration? MaxLeg { get; init; }

    /// <summary>The configuration version it was compiled from: part of every cached availability answer's key.</summary>
    public long ConfigVersion { get; init; }

    /// <summary>The page's own opening hours, before an exclusive organization's time slots close parts of them (<see cref="Hours"/>).</summary>
    public Schedule? PublishedHours { get; init; }

    /// <summary>The staff with their own hours, before an exclusive organization's time slots that name them close parts of them (<see cref="CompiledPage.Staff"/>).</summary>
    public IReadOnlyList<StaffModel>? PublishedStaff { get; init; }

    /// <summary>Contract 4.6: the page's organizations by key.</summary>
    public IReadOnlyDictionary<string, Organizations.OrganizationModel> Organizations { get; init; } =
        new Dictionary<string, Organizations.OrganizationModel>(StringComparer.Ordinal);

    /// <summary>Services of exclusive organizations: bookable only through the organization, never on the public page.</summary>
    public IReadOnlySet<string> Reserved { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Empty for the public page; for an organization's view of it (its hours are the organization's time slots), names the view.</summary>
    public string Variant { get; init; } = "";

    /// <summary>For an organization's view of the page: the organization, whose time slots may seat fewer than a class's capacity.</summary>
    public Organizations.OrganizationModel? Organization { get; init; }

    /// <summary>Seats a class of <paramref name="service"/> starting at <paramref name="start"/> has here: the service's capacity, or a time slot's smaller one.</summary>
    public int SeatsAt(ServiceModel service, Instant start)
    {
        ArgumentNullException.ThrowIfNull(service);
        return Organization?.SeatsAt(this, service, start) ?? service.Rules.Capacity;
    }

    /// <summary>Whether the business's client portal is open (<c>settings.clientPortal</c>, a setting of the whole business: off when any page says false).</summary>
    public bool ClientPortal { get; init; } = true;

    /// <summary>Services with <c>onlineBooking: false</c> (issue 15): booked by staff only, never online (not even through an organization's link).</summary>
    public IReadOnlySet<string> StaffOnly { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether the public (a client without an organization's link) may book this service here.</summary>
    public bool IsPublic(string serviceKey) => (Variant.Length > 0 || !Reserved.Contains(serviceKey)) && !StaffOnly.Contains(serviceKey);

    /// <summary>Each active branch's settings: the page's with the branch's own values over them (issue 15).</summary>
    public IReadOnlyDictionary<string, SettingsDoc> BranchSettings { get; init; } = new Dictionary<string, SettingsDoc>(StringComparer.Ordinal);

    /// <summary>
    /// The settings that hold for a booking at <paramref name="branch"/>: reminders, automatic no-show, double opt-in and the
    /// waitlist as the branch sets them, the rest (and everything for no branch or an unknown one) as the page's.
    /// </summary>
    public SettingsDoc SettingsFor(string? branch) =>
        branch is not null && BranchSettings.TryGetValue(branch, out var own) ? own : Doc.Settings!;
}

public sealed record TenantCatalog(long Version, ConfigDocument Document, IReadOnlyDictionary<string, CompiledPage> Pages);

/// <summary>
/// Compiled configuration per tenant, rebuilt when the tenant's config version moves. The version (a
/// primary-key lookup) is re-read at most once a second per tenant, so another node's change shows here
/// within a second; a change applied on this node shows at once.
/// </summary>
public sealed class CatalogCache(TimeProvider time)
{
    /// <summary>
    /// One version check at a time per business: requests that find the catalog due for its check together wait for the
    /// same one (<see cref="TenantCache{T}"/>); each used to read the version itself, on a pooled connection of its own.
    /// </summary>
    private readonly TenantCache<TenantCatalog> _cache = new(TimeSpan.FromSeconds(1), time);

    public void Invalidate(Guid tenantId) => _cache.Invalidate(tenantId);

    public async Task<TenantCatalog> GetAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await _cache.GetAsync(db, db.TenantId, ReadAsync, ct);
    }

    private static async Task<TenantCatalog> ReadAsync(BookwellDb db, TenantCatalog? cached, CancellationToken ct)
    {
        var version = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.ConfigVersion).FirstAsync(ct);
        if (cached is not null && cached.Version == version)
        {
            return cached;
        }
        var row = await db.Tenants.AsNoTracking().Where(t => t.Id == db.TenantId).Select(t => new { t.ConfigJson, t.ConfigVersion }).FirstAsync(ct);
        var doc = JsonSerializer.Deserialize<ConfigDocument>(row.ConfigJson, Json.Options) ?? new ConfigDocument { Pages = [] };
        return Compile(row.ConfigVersion, doc, await LongestStoredAsync(db, ct));
    }

    /// <summary>
    /// The longest allocation the business has stored, under any configuration it ever had. Read only when
    /// the configuration changes (or on a node's first request); allocations made later come from the
    /// configuration compiled with it, whose longest service also bounds the lookback.
    /// </summary>
    private static async Task<Duration> LongestStoredAsync(BookwellDb db, CancellationToken ct)
    {
        var tenant = db.TenantId;
        var seconds = db.IsPostgres
            ? await db.Database.SqlQuery<long?>($"""SELECT CAST(EXTRACT(EPOCH FROM MAX("EndsAt" - "StartsAt")) AS bigint) AS "Value" FROM "Allocations" WHERE "TenantId" = {tenant}""").ToListAsync(ct)
            : await db.Database.SqlQuery<long?>($"""SELECT MAX("EndsAt" - "StartsAt") / 10000000 AS "Value" FROM "Allocations" WHERE "TenantId" = {tenant}""").ToListAsync(ct);
        return Duration.FromSeconds((seconds.FirstOrDefault() ?? 0) + 1);
    }

    public static TenantCatalog Compile(long version, ConfigDocument doc, Duration? longestStored = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var pages = new Dictionary<string, CompiledPage>(StringComparer.Ordinal);
        foreach (var p in doc.Pages ?? [])
        {
            var pageHours = ToSchedule(p.Schedule, p.Exceptions)!;
            var branches = p.Branches!.Where(b => b.Active != false).Select(b => new BranchModel(b, b.Key!,
                b.Schedule is null
                    ? ToSchedule(p.Schedule, Merge(p.Exceptions, b.Exceptions))!
                    : ToSchedule(b.Schedule, Merge(p.Exceptions, b.Exceptions))!)).ToList();
            var settings = p.Settings!;
            var services = p.Services!.ToDictionary(s => s.Key!, s => new ServiceModel(s, s.Key!, new ServiceRules(
                Duration.FromMinutes(s.DurationMinutes!.Value),
                Duration.FromMinutes(s.BufferBeforeMinutes ?? 0),
                Duration.FromMinutes(s.BufferAfterMinutes ?? settings.BufferMinutes ?? 0),
                Duration.FromMinutes(s.SlotIntervalMinutes ?? settings.SlotIntervalMinutes ?? 30),
                Duration.FromMinutes(s.MinNoticeMinutes ?? settings.MinNoticeMinutes ?? 0),
                s.MaxAdvanceDays ?? settings.HorizonDays ?? 60,
                s.Capacity ?? 1,
                s.RequiresStaff ?? true,
                s.ResourceTypes ?? [],
                ToSchedule(s.Schedule, s.Exceptions))), StringComparer.Ordinal);
            var staff = p.Staff!.Select(s => new StaffModel(s, s.Key!, s.Name!, s.Branch,
                s.Services!.ToHashSet(StringComparer.Ordinal), ToSchedule(s.Schedule, s.Exceptions))).ToList();
            var resources = p.Resources!.Where(r => r.Active != false).Select(r => new ResourceModel(r, r.Key!, r.Type!, r.Branch,
                r.Capacity ?? 1, ToSchedule(r.Schedule, r.Exceptions))).ToList();
            var allowed = settings.AllowedDays!.Select(DayOf).ToHashSet();
            var organizations = (p.Organizations ?? []).ToDictionary(o => o.Key!, o => new Organizations.OrganizationModel(o), StringComparer.Ordinal);
            // Issue 17: an exclusive organization's time slots are its time. The public page (and each branch) is closed
            // in those hours; the organization's own view replaces the page's hours with its slots, so its members keep them.
            // A time slot naming a staff member closes only that staff member's time, leaving the others bookable.
            var reserved = organizations.Values.Where(o => o.Exclusive).SelectMany(o => o.SlotHours).ToList();
            var exclusive = reserved.Where(x => x.Staff is null).GroupBy(x => x.Date)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<TimeRange>)[.. g.SelectMany(x => x.Hours)]);
            var publishedHours = pageHours;
            var publishedStaff = staff;
            if (exclusive.Count > 0)
            {
                pageHours = pageHours.Without(exclusive);
                branches = [.. branches.Select(b => b with { Hours = b.Hours.Without(exclusive) })];
            }
            var perStaff = reserved.Where(x => x.Staff is not null).GroupBy(x => x.Staff!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.GroupBy(x => x.Date).ToDictionary(d => d.Key, d => (IReadOnlyList<TimeRange>)[.. d.SelectMany(x => x.Hours)]),
                    StringComparer.Ordinal);
            if (perStaff.Count > 0)
            {
                staff = [.. staff.Select(s => perStaff.TryGetValue(s.Key, out var closed) ? s with { Hours = (s.Hours ?? Schedule.AlwaysOpen).Without(closed) } : s)];
            }
            pages[p.Slug!] = new CompiledPage(p, p.Slug!, DateTimeZoneProviders.Tzdb[p.TimeZone!], pageHours, allowed, branches, services, staff, resources)
            {
                PublishedHours = publishedHours,
                PublishedStaff = publishedStaff,
                ConfigVersion = version,
                Organizations = organizations,
                Reserved = organizations.Values.Where(o => o.Exclusive).SelectMany(o => o.Services).ToHashSet(StringComparer.Ordinal),
                StaffOnly = p.Services!.Where(s => s.OnlineBooking == false).Select(s => s.Key!).ToHashSet(StringComparer.Ordinal),
                BranchSettings = branches.ToDictionary(b => b.Key, b => BranchSettings.Merge(settings, b.Doc.Settings), StringComparer.Ordinal),
            };
        }
        // The client portal is the business's, not one page's: every page carries the business's answer.
        var portal = !(doc.Pages ?? []).Any(p => p.Settings?.ClientPortal == false);
        if (!portal)
        {
            foreach (var key in pages.Keys.ToList())
            {
                pages[key] = pages[key] with { ClientPortal = false };
            }
        }
        // Units are shared across pages (a staff key is one person), so the bounds are the business's.
        var longestService = pages.Values.SelectMany(p => p.Services.Values)
            .Select(s => s.Rules.BufferBefore + s.Rules.Duration + s.Rules.BufferAfter)
            .DefaultIfEmpty(Duration.Zero).Max();
        // A mobile booking holds its travel legs on the same allocation as the service, one either side.
        var leg = Mobile.MobileServices.LongestLeg(doc.Pages ?? [], Availability.AvailabilityLoader.MaxAllocation - longestService);
        if (leg is not null)
        {
            foreach (var key in pages.Keys.ToList())
            {
                pages[key] = pages[key] with { MaxLeg = leg };
            }
        }
        if (longestStored is { } stored)
        {
            var longest = Duration.Max(longestService + ((leg ?? Duration.Zero) * 2), stored);
            foreach (var key in pages.Keys.ToList())
            {
                pages[key] = pages[key] with { Lookback = longest };
            }
        }
        return new TenantCatalog(version, doc, pages);
    }

    private static List<ExceptionDoc> Merge(List<ExceptionDoc>? page, List<ExceptionDoc>? own)
    {
        var byDate = (page ?? []).ToDictionary(x => x.Date!, StringComparer.Ordinal);
        foreach (var x in own ?? [])
        {
            byDate[x.Date!] = x;
        }
        return [.. byDate.Values];
    }

    public static IsoDayOfWeek DayOf(string name) => (IsoDayOfWeek)(Array.IndexOf(ConfigValidator.DayNames, name) + 1);

    /// <summary>Null when neither weekly hours nor exceptions are given: the unit follows its page.</summary>
    private static Schedule? ToSchedule(Dictionary<string, List<List<string>>?>? weekly, List<ExceptionDoc>? exceptions)
    {
        if (weekly is null && exceptions is not { Count: > 0 })
        {
            return null;
        }
        var days = weekly is null
            ? Enumerable.Range(1, 7).ToDictionary(d => (IsoDayOfWeek)d, _ => (IReadOnlyList<TimeRange>)[new TimeRange(0, TimeRange.MinutesPerDay)])
            : weekly.ToDictionary(kv => DayOf(kv.Key), kv => Ranges(kv.Value));
        var dated = (exceptions ?? []).ToDictionary(
            x => NodaTime.Text.LocalDatePattern.Iso.Parse(x.Date!).Value,
            x => x.Closed == true ? [] : Ranges(x.Hours));
        return new Schedule(days, dated);
    }

    private static IReadOnlyList<TimeRange> Ranges(List<List<string>>? ranges) =>
        (ranges ?? []).Select(r => TimeRange.Parse(r[0], r[1])).ToList();
}
