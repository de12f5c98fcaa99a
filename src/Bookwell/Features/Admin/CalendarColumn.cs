using Bookwell.Data;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Slots;

namespace Bookwell.Features.Admin;

/// <summary>One column of the admin calendar: a staff member (or the page itself) with their open hours, bookings and free slots.</summary>
public sealed record CalendarColumn(string? StaffKey, string Title, IReadOnlyList<TimeRange> Open, List<Booking> Bookings, List<Slot> Free);
