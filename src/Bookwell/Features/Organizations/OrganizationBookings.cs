using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using NodaTime;

namespace Bookwell.Features.Organizations;

public static class OrganizationBookings
{
    /// <summary>A booking made through an organization link carries the organization and the member (with their member id).</summary>
    public static ValidBooking Stamp(ValidBooking valid, MemberAccess? access)
    {
        ArgumentNullException.ThrowIfNull(valid);
        return access is not { ForOrganization: true }
            ? valid
            : valid with
            {
                OrganizationKey = access.Organization.Key,
                OrganizationMemberId = access.Member.Id,
                MemberNumber = access.Member.MemberNumber,
            };
    }

    /// <summary>
    /// The page as a client moves this booking (issue 17): a booking made through an organization's link moves only within
    /// the organization's view of the page (its services, its time slots, inside its date window); any other booking, or one
    /// whose organization is no longer configured, with the page itself.
    /// </summary>
    public static CompiledPage ViewFor(CompiledPage page, Booking booking)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(booking);
        return booking.OrganizationKey is { } key && page.Organizations.TryGetValue(key, out var organization)
            ? organization.View(page, LinkKind.Organization, booking.ServiceKey)
            : page;
    }

    /// <summary>
    /// Why a new start lies outside the organization's time slots for this booking (in English, for the API's field error);
    /// null when it lies inside them or the booking has no organization. Whether the time is free is the lifecycle's question.
    /// </summary>
    public static string? OutsideSlots(CompiledPage page, Booking booking, ServiceModel service, Instant start)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(service);
        if (booking.OrganizationKey is not { } key || !page.Organizations.TryGetValue(key, out var organization))
        {
            return null;
        }
        var local = start.InZone(page.Zone);
        if (!organization.Inside(local.Date))
        {
            return $"Outside the dates of {organization.Name} ({organization.From?.ToString("yyyy-MM-dd", null) ?? "…"} to {organization.To?.ToString("yyyy-MM-dd", null) ?? "…"}); "
                   + "this booking can only move to one of its time slots.";
        }
        var end = (start + service.Rules.Duration).InZone(page.Zone);
        var from = (local.Hour * 60) + local.Minute;
        var to = end.Date > local.Date ? 24 * 60 : (end.Hour * 60) + end.Minute;
        var inside = organization.HoursFor(service.Key).HoursOn(local.Date).Any(h => h.StartMinute <= from && to <= h.EndMinute);
        return inside ? null : $"Not within a time slot of {organization.Name}; this booking can only move to one of its time slots.";
    }
}
