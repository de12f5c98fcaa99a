using Bookwell.Features.Bookings;

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
}
