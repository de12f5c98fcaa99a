using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Additive page setting <c>settings.calendars</c> (issue 16): when a staff member's calendar counts as stale, and
/// what the page does then. <c>warn</c> keeps offering their slots and tells the admin; <c>hide</c> offers none
/// (and refuses bookings with them) until a read succeeds again.
/// </summary>
public sealed class CalendarsDoc
{
    /// <summary>A calendar is stale when its newest successful read is older than this (default 30, 5..10080).</summary>
    public int? StaleAfterMinutes { get; set; }

    /// <summary><c>warn</c> (default) or <c>hide</c>.</summary>
    public string? WhenStale { get; set; }
}

/// <summary>
/// Which staff members' calendars are stale: a connection refused for good (broken), a source never read though
/// tried, or a newest successful read older than the page's limit by the app clock. The health behind it is read
/// with the connected staff (<see cref="ConnectedStaff"/>, at most a second old), so asking costs no query.
/// </summary>
public static class StaleCalendars
{
    public const int DefaultStaleAfterMinutes = 30;
    public const string Warn = "warn";
    public const string Hide = "hide";

    public static void Validate(Errors e, string path, SettingsDoc s)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(s);
        if (s.Calendars is not { } c)
        {
            return;
        }
        c.StaleAfterMinutes ??= DefaultStaleAfterMinutes;
        c.WhenStale ??= Warn;
        if (c.StaleAfterMinutes is < 5 or > 10_080)
        {
            // At least one sync pass (5 minutes by default); at most a week.
            e.Add($"{path}.settings.calendars.staleAfterMinutes", "Must be between 5 and 10080.");
        }
        if (c.WhenStale is not (Warn or Hide))
        {
            e.Add($"{path}.settings.calendars.whenStale", "Must be warn or hide.");
        }
    }

    public static Duration Limit(CompiledPage page) =>
        Duration.FromMinutes(page?.Doc.Settings?.Calendars?.StaleAfterMinutes ?? DefaultStaleAfterMinutes);

    public static bool Hides(CompiledPage page) => page?.Doc.Settings?.Calendars?.WhenStale == Hide;

    /// <summary>Whether one staff member's sources, as last read, are stale at <paramref name="now"/> under <paramref name="limit"/>.</summary>
    public static bool IsStale(StaffHealth health, Instant now, Duration limit) =>
        health.Broken || health.FailedNeverRead || (health.OldestSuccess is { } at && now - at > limit);

    /// <summary>One source on its own, by the same rule: refused for good, tried and never read, or its newest successful read too old.
    /// A source not tried yet (just added, before its first sync) is not stale.</summary>
    public static bool IsStale(BusySource source, Instant now, Duration limit)
    {
        ArgumentNullException.ThrowIfNull(source);
        return IsStale(new StaffHealth(source.Broken, source.LastSuccessAt is null && source.LastError is not null, source.LastSuccessAt), now, limit);
    }

    /// <summary>
    /// A staff member's freshness window: the shortest limit of the pages they work on (a calendar stale on any page is
    /// stale, as on <c>/admin/sync</c>); the default for a staff member on no page.
    /// </summary>
    public static Duration LimitFor(TenantCatalog catalog, string staffKey)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Duration? shortest = null;
        foreach (var page in catalog.Pages.Values)
        {
            if (page.Staff.Any(s => s.Key == staffKey) && (shortest is null || Limit(page) < shortest))
            {
                shortest = Limit(page);
            }
        }
        return shortest ?? Duration.FromMinutes(DefaultStaleAfterMinutes);
    }

    /// <summary>The page's staff whose calendars are stale now (sorted by key; empty for most pages).</summary>
    public static async ValueTask<IReadOnlyList<string>> StaffAsync(Data.BookwellDb db, CompiledPage page, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        var health = await ConnectedStaff.HealthAsync(db, ct);
        if (health.Count == 0)
        {
            return [];
        }
        var limit = Limit(page);
        List<string>? stale = null;
        foreach (var s in page.Staff)
        {
            if (health.TryGetValue(s.Key, out var h) && IsStale(h, now, limit))
            {
                (stale ??= []).Add(s.Key);
            }
        }
        if (stale is null)
        {
            return [];
        }
        stale.Sort(StringComparer.Ordinal);
        return stale;
    }

    /// <summary>
    /// The part of a cached slot answer's key (and tag) that stale calendars decide: the hidden staff in hide mode,
    /// empty otherwise. Time passing alone moves a staff member past the limit, so this is asked on every request.
    /// </summary>
    public static async ValueTask<string> HiddenKeyAsync(Data.BookwellDb db, CompiledPage page, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!Hides(page))
        {
            return "";
        }
        var stale = await StaffAsync(db, page, now, ct);
        return stale.Count == 0 ? "" : string.Join(',', stale);
    }

    /// <summary>For the admin: every staff member whose calendar is stale on some page, with whether a page hides their slots.</summary>
    public static async Task<IReadOnlyList<(string Key, string Name, bool Hidden)>> ForAdminAsync(Data.BookwellDb db, TenantCatalog catalog, Instant now,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var result = new Dictionary<string, (string Key, string Name, bool Hidden)>(StringComparer.Ordinal);
        foreach (var page in catalog.Pages.Values)
        {
            var hides = Hides(page);
            foreach (var key in await StaffAsync(db, page, now, ct))
            {
                var name = page.Staff.First(s => s.Key == key).Name;
                result[key] = (key, name, hides || (result.TryGetValue(key, out var seen) && seen.Hidden));
            }
        }
        return [.. result.Values.OrderBy(r => r.Name, StringComparer.CurrentCulture)];
    }
}
