using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Classes;

/// <summary>
/// A configuration may not seat a future class session below the seats already booked in it: a service's capacity or an
/// organization's time slot's capacity that would is refused, under its JSON path, naming the session (local date and time,
/// service) and its booked count. Only a lowering counts: a session that is already over its seats (booked before this
/// guard existed) does not block unrelated changes.
/// </summary>
public static class ClassCapacityGuard
{
    /// <summary>Messages per field at most; the rest are counted in one line.</summary>
    private const int MaxPerPath = 5;

    private sealed record Booked(string GroupKey, string PageSlug, string ServiceKey, Instant StartsAt, string? OrganizationKey, int Count);

    /// <summary>Adds an error for every future session <paramref name="doc"/> (validated) would seat below its booked count.</summary>
    public static async Task CheckAsync(BookwellDb db, TenantCatalog current, ConfigDocument doc, Instant now, Errors errors, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(errors);
        var rows = await db.Bookings.AsNoTracking()
            .Where(b => b.GroupKey != null && b.GroupKey.StartsWith(ClassSessions.GroupPrefix) && b.StartsAt > now &&
                        b.Status != BookingStatus.Cancelled && (b.HoldExpiresAt == null || b.HoldExpiresAt > now))
            .GroupBy(b => new { b.GroupKey, b.PageSlug, b.ServiceKey, b.StartsAt, b.OrganizationKey })
            .Select(g => new { g.Key.GroupKey, g.Key.PageSlug, g.Key.ServiceKey, g.Key.StartsAt, g.Key.OrganizationKey, Count = g.Count() })
            .ToListAsync(ct);
        if (rows.Count == 0)
        {
            return;
        }
        var next = CatalogCache.Compile(0, doc);
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var session in rows.GroupBy(r => r.GroupKey!, StringComparer.Ordinal).OrderBy(g => g.First().StartsAt))
        {
            var first = session.First();
            var booked = session.Sum(r => r.Count);
            var organizations = session.Select(r => r.OrganizationKey).ToList();
            if (!next.Pages.TryGetValue(first.PageSlug, out var page) || !page.Services.TryGetValue(first.ServiceKey, out var service))
            {
                // The page or service left the document: its sessions keep their seats (nothing is offered any more).
                continue;
            }
            var seats = ClassSessions.CapacityOf(page, service, first.StartsAt, organizations);
            if (seats >= booked)
            {
                continue;
            }
            var before = current.Pages.TryGetValue(first.PageSlug, out var oldPage) && oldPage.Services.TryGetValue(first.ServiceKey, out var oldService)
                ? ClassSessions.CapacityOf(oldPage, oldService, first.StartsAt, organizations)
                : int.MaxValue;
            if (seats >= before)
            {
                continue;
            }
            var local = first.StartsAt.InZone(page.Zone).LocalDateTime;
            var path = PathOf(doc, first.PageSlug, first.ServiceKey, local.Date, organizations, booked, service.Rules.Capacity < booked);
            var message = string.Create(CultureInfo.InvariantCulture,
                $"The session of '{service.Doc.Name ?? service.Key}' on {LocalDatePattern.Iso.Format(local.Date)} at {local:HH:mm} ({page.Zone.Id}) has {booked} seats booked: its capacity cannot go below {booked} (asked: {seats}).");
            if (!found.TryGetValue(path, out var list))
            {
                found[path] = list = [];
            }
            list.Add(message);
        }
        foreach (var (path, list) in found)
        {
            foreach (var message in list.Take(MaxPerPath))
            {
                errors.Add(path, message);
            }
            if (list.Count > MaxPerPath)
            {
                errors.Add(path, string.Create(CultureInfo.InvariantCulture, $"And {list.Count - MaxPerPath} more sessions booked above that capacity."));
            }
        }
    }

    /// <summary>The field that seats the session too few: the service's capacity, or the organization's time slot that lowers it.</summary>
    private static string PathOf(ConfigDocument doc, string slug, string serviceKey, LocalDate date, List<string?> organizations, int booked, bool serviceTooSmall)
    {
        var p = doc.Pages!.FindIndex(x => x?.Slug == slug);
        var pageDoc = doc.Pages[p];
        var s = pageDoc.Services!.FindIndex(x => x?.Key == serviceKey);
        if (!serviceTooSmall)
        {
            var day = LocalDatePattern.Iso.Format(date);
            for (var o = 0; o < (pageDoc.Organizations?.Count ?? 0); o++)
            {
                var org = pageDoc.Organizations![o];
                if (!organizations.Contains(org.Key))
                {
                    continue;
                }
                for (var t = 0; t < (org.TimeSlots?.Count ?? 0); t++)
                {
                    var slot = org.TimeSlots![t];
                    if (slot.Date == day && slot.Capacity < booked && (slot.Services is null || slot.Services.Contains(serviceKey)))
                    {
                        return $"pages[{p}].organizations[{o}].timeSlots[{t}].capacity";
                    }
                }
            }
        }
        return $"pages[{p}].services[{s}].capacity";
    }
}
