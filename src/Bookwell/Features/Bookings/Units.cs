using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Slots;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The bookable units an allocation holds (<see cref="Data.Allocation.UnitKey"/>) and how a booking names what it
/// holds: a staff member (<c>staff:anna</c>), a resource (<c>res:chair</c>, seats as <c>#n</c>), the page's own
/// calendar (<c>cal:page</c> or <c>cal:page@branch</c>, contract 4.1), and a group class's key. The writer
/// (<see cref="Allocator"/>), the busy index and availability all name units through here.
/// </summary>
public static class Units
{
    public static string Staff(string key) => "staff:" + key;

    public static string Resource(string key) => "res:" + key;

    /// <summary>The page's own calendar (contract 4.1): one per page, or one per branch where the page has branches.</summary>
    public static string Calendar(string page, string? branch) => branch is null ? "cal:" + page : $"cal:{page}@{branch}";

    /// <summary>Every calendar unit of a page: its own, or one per branch.</summary>
    public static IEnumerable<string> Calendars(CompiledPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.Branches.Count == 0 ? [Calendar(page.Slug, null)] : page.Branches.Select(b => Calendar(page.Slug, b.Key));
    }

    /// <summary>A service with neither a staff member nor a resource to hold books the page's own calendar.</summary>
    public static bool UsesCalendar(ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return !service.Rules.RequiresStaff && service.Rules.ResourceTypes.Count == 0;
    }

    /// <summary>The group key every member of one group-class session shares (allocations of one group may overlap).</summary>
    public static string ClassGroup(string page, string service, Instant start) => $"class:{page}/{service}@{start.ToUnixTimeTicks()}";

    /// <summary>A booking's resource seats (<see cref="Data.Booking.ResourceKeys"/>) are stored as "key#seat" joined by commas.</summary>
    public static IReadOnlyList<ResourceSeat> ParseSeats(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : text.Split(',').Select(p =>
        {
            var hash = p.LastIndexOf('#');
            return hash < 0 ? new ResourceSeat(p, 0) : new ResourceSeat(p[..hash], int.Parse(p[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
    }

    public static string FormatSeats(IEnumerable<ResourceSeat> seats) =>
        string.Join(',', seats.Select(s => s.Seat == 0 ? s.Key : $"{s.Key}#{s.Seat}"));
}
