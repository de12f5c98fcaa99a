using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// When a booking may be checked in (attendance, issue 15): from <see cref="OpensBefore"/> before it starts until it ends.
/// Staff cannot tick a client off a week early, nor long after the session; the lifecycle refuses it and the pages offer
/// the button only inside the window.
/// </summary>
public static class CheckInWindow
{
    /// <summary>How long before the start check-in opens (doors open, early arrivals).</summary>
    public static readonly Duration OpensBefore = Duration.FromMinutes(60);

    public static Instant Opens(Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return booking.StartsAt - OpensBefore;
    }

    /// <summary>Whether <paramref name="now"/> lies in the booking's check-in window (its end excluded).</summary>
    public static bool IsOpen(Booking booking, Instant now)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return now >= Opens(booking) && now < booking.EndsAt;
    }
}
