using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Classes;

/// <summary>One attendee of a class session: a member booking (one seat each).</summary>
public sealed record Attendee(Booking Booking)
{
    public Guid Id => Booking.Id;

    /// <summary>Seats the booking holds in the session: every member booking holds one (<see cref="Allocator"/>).</summary>
    public int Seats => 1;

    public bool CheckedIn => Booking.CheckedInAt is not null;
}

/// <summary>
/// A class session: the members of a service with capacity above one at one start on one page, which share a group key
/// (<see cref="Units.ClassGroup"/>). <see cref="Capacity"/> is what the configuration seats now.
/// </summary>
public sealed record ClassSession(string Key, string PageSlug, string ServiceKey, string ServiceName, Instant Start, Instant End,
    DateTimeZone Zone, string? StaffKey, string? StaffName, int Capacity, IReadOnlyList<Attendee> Attendees)
{
    /// <summary>Seats taken: members that still hold their seat (every status but cancelled; a no-show keeps its seat on record).</summary>
    public int Booked => Attendees.Count;

    public int CheckedIn => Attendees.Count(a => a.CheckedIn);
}

/// <summary>Reads class sessions from the bookings (there is no session table: a session is its members' shared group key).</summary>
public static class ClassSessions
{
    public const string GroupPrefix = "class:";

    /// <summary>At most this many member bookings are read for one window (a week of a large studio is far below it).</summary>
    public const int MaxMembers = 5000;

    /// <summary>
    /// The sessions that start in [<paramref name="from"/>, <paramref name="to"/>), in start order, with their members who
    /// hold a seat (cancelled ones and holds that ran out left out). <paramref name="staff"/> keeps one teacher's sessions.
    /// </summary>
    public static async Task<List<ClassSession>> ListAsync(BookwellDb db, TenantCatalog catalog, Instant now, Instant from, Instant to,
        string? staff, string? page, string? service, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalog);
        var query = db.Bookings.AsNoTracking()
            .Where(b => b.GroupKey != null && b.GroupKey.StartsWith(GroupPrefix) && b.StartsAt >= from && b.StartsAt < to && b.Status != BookingStatus.Cancelled);
        if (staff is not null)
        {
            query = query.Where(b => b.StaffKey == staff);
        }
        if (page is not null)
        {
            query = query.Where(b => b.PageSlug == page);
        }
        if (service is not null)
        {
            query = query.Where(b => b.ServiceKey == service);
        }
        var rows = await query.OrderBy(b => b.StartsAt).ThenBy(b => b.CreatedAt).ThenBy(b => b.Id).Take(MaxMembers).ToListAsync(ct);
        return Group(rows.Where(b => !(b.HoldExpiresAt <= now)), catalog);
    }

    /// <summary>One session by its key, with its members; null when nobody holds a seat in it.</summary>
    public static async Task<ClassSession?> FindAsync(BookwellDb db, TenantCatalog catalog, Instant now, string key, string? staff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(GroupPrefix, StringComparison.Ordinal) || key.Length > 200)
        {
            return null;
        }
        var query = db.Bookings.AsNoTracking().Where(b => b.GroupKey == key && b.Status != BookingStatus.Cancelled);
        if (staff is not null)
        {
            query = query.Where(b => b.StaffKey == staff);
        }
        var rows = await query.OrderBy(b => b.CreatedAt).ThenBy(b => b.Id).Take(MaxMembers).ToListAsync(ct);
        return Group(rows.Where(b => !(b.HoldExpiresAt <= now)), catalog).FirstOrDefault();
    }

    private static List<ClassSession> Group(IEnumerable<Booking> rows, TenantCatalog catalog) =>
        [.. rows.GroupBy(b => b.GroupKey!, StringComparer.Ordinal).Select(g =>
        {
            var first = g.First();
            catalog.Pages.TryGetValue(first.PageSlug, out var page);
            var service = page?.Services.GetValueOrDefault(first.ServiceKey);
            var staffKey = g.Select(b => b.StaffKey).FirstOrDefault(s => s is not null);
            var staffName = staffKey is null ? null : page?.Staff.FirstOrDefault(s => s.Key == staffKey)?.Name ?? staffKey;
            var zone = page?.Zone ?? Infrastructure.TimeFormats.Zone(first.TimeZone) ?? DateTimeZone.Utc;
            var capacity = page is null || service is null ? g.Count() : CapacityOf(page, service, first.StartsAt, g.Select(b => b.OrganizationKey));
            return new ClassSession(g.Key, first.PageSlug, first.ServiceKey, service?.Doc.Name ?? first.ServiceName, first.StartsAt, first.EndsAt,
                zone, staffKey, staffName, capacity, [.. g.Select(b => new Attendee(b))]);
        }).OrderBy(s => s.Start).ThenBy(s => s.ServiceName, StringComparer.CurrentCulture)];

    /// <summary>
    /// Seats of a session under a configuration: the service's capacity, or, when members came through an organization whose
    /// time slot seats fewer (contract 4.6), that time slot's seats (the most generous of the organizations named).
    /// </summary>
    public static int CapacityOf(CompiledPage page, ServiceModel service, Instant start, IEnumerable<string?> organizations)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(organizations);
        int? seats = null;
        foreach (var key in organizations.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (page.Organizations.TryGetValue(key, out var org))
            {
                var here = org.SeatsAt(page, service, start);
                seats = seats is null ? here : Math.Max(seats.Value, here);
            }
        }
        return seats ?? service.Rules.Capacity;
    }
}
