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
    /// Why a new start lies outside the organization's time slots for this booking (a field error of <c>start</c>, in
    /// <paramref name="language"/>: English for the API, the visitor's language on the manage page); null when it lies inside
    /// them or the booking has no organization. Whether the time is free is the lifecycle's question.
    /// </summary>
    public static string? OutsideSlots(CompiledPage page, Booking booking, ServiceModel service, Instant start, string language = "en")
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
            return Say(language, "Outside the dates of {0} ({1} to {2}); this booking can only move to one of its time slots.",
                organization.Name, organization.From?.ToString("yyyy-MM-dd", null) ?? "…", organization.To?.ToString("yyyy-MM-dd", null) ?? "…");
        }
        var end = (start + service.Rules.Duration).InZone(page.Zone);
        var from = (local.Hour * 60) + local.Minute;
        var to = end.Date > local.Date ? 24 * 60 : (end.Hour * 60) + end.Minute;
        var inside = organization.HoursFor(service.Key).HoursOn(local.Date).Any(h => h.StartMinute <= from && to <= h.EndMinute);
        return inside ? null : Say(language, "Not within a time slot of {0}; this booking can only move to one of its time slots.", organization.Name);
    }

    /// <summary>A reschedule rule's message in <paramref name="language"/>, from the booking rules' texts (<see cref="BookingRuleText"/>).</summary>
    private static string Say(string language, string english, params object?[] args) =>
        BookingRuleText.Words.FormatIn(language, System.Globalization.CultureInfo.InvariantCulture, english, args);
}
