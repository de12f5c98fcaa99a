using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Where a booking lands when it moves: the people, branch, seats and travel chosen again at the new start, inside the
/// lifecycle's transaction after the old time was let go. Nothing else of the change (history, messages) happens here.
/// </summary>
public static class BookingMove
{
    /// <summary>Assigns and sets the booking's new time; false when nobody (or no visit of every part) is free then.</summary>
    public static async Task<bool> PlaceAsync(BookwellDb db, Booking booking, Change.Reschedule r, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(r);
        var service = r.Service;
        // A mobile booking moves with its address: travel to and from its new neighbours is checked and held again.
        var startedAt = booking.StartsAt;
        var trip = Mobile.MobileServices.TripTo(r.Page, booking.Latitude is { } lat && booking.Longitude is { } lon
            ? new Scheduling.Travel.GeoPoint(lat, lon)
            : null);
        if (Visits.Parts(booking) is { } parts)
        {
            // A visit moves whole: every part is chosen again at the new start (the same people where they are free).
            if (Visits.Services(r.Page, parts) is not { } services)
            {
                return false;
            }
            var staff = r.ToStaff ?? booking.StaffKey;
            var moved = await Allocator.AssignVisitAsync(db, r.Page, services, r.Start, r.ToStaff is null ? booking.BranchKey : null, staff, false, now, ct)
                        ?? (r.ToStaff is null ? await Allocator.AssignVisitAsync(db, r.Page, services, r.Start, null, null, false, now, ct, booking.CustomerEmail) : null);
            if (moved is null)
            {
                return false;
            }
            Visits.Apply(booking, services, r.Start, moved.Value.Branch, moved.Value.Parts);
        }
        else
        {
            // An operator who drops the booking on a staff member's column means that person, nobody else.
            var assignment = r.ToStaff is not null
                ? await Allocator.AssignAsync(db, r.Page, service, r.Start, null, r.ToStaff, null, false, now, ct, trip: trip)
                : await Allocator.AssignAsync(db, r.Page, service, r.Start, booking.BranchKey, booking.StaffKey, null, false, now, ct, trip: trip)
                  ?? await Allocator.AssignAsync(db, r.Page, service, r.Start, null, null, null, false, now, ct, trip: trip, clientEmail: booking.CustomerEmail);
            if (assignment is null)
            {
                return false;
            }
            booking.StartsAt = r.Start;
            booking.EndsAt = r.Start + service.Rules.Duration;
            booking.BufferBeforeMinutes = (int)service.Rules.BufferBefore.TotalMinutes;
            booking.BufferAfterMinutes = (int)service.Rules.BufferAfter.TotalMinutes;
            booking.StaffKey = assignment.Value.Assignment.Staff;
            booking.BranchKey = assignment.Value.Branch;
            booking.ResourceKeys = Units.FormatSeats(assignment.Value.Assignment.Resources);
            booking.TravelBeforeMinutes = (int)assignment.Value.Assignment.TravelBefore.TotalMinutes;
            booking.TravelAfterMinutes = (int)assignment.Value.Assignment.TravelAfter.TotalMinutes;
            booking.VehicleTravelBeforeMinutes = (int)assignment.Value.Assignment.VehicleTravelBefore.TotalMinutes;
            booking.VehicleTravelAfterMinutes = (int)assignment.Value.Assignment.VehicleTravelAfter.TotalMinutes;
            booking.GroupKey = service.Rules.Capacity > 1 ? Units.ClassGroup(r.Page.Slug, service.Key, r.Start) : null;
        }
        if (booking.StartsAt != startedAt)
        {
            // Attendance belongs to the session the client came to, not to the one the booking moved to.
            booking.CheckedInAt = null;
        }
        booking.AutoNoShowAt = r.Page.SettingsFor(booking.BranchKey).AutoNoShowMinutes is { } late ? r.Start + Duration.FromMinutes(late) : null;
        return true;
    }
}
