using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Classes;

/// <summary>
/// A check-in (or its undo) asked from a dashboard form: the booking must be one the person may see (a staff account only
/// its own), and the change goes through <see cref="BookingLifecycle"/>. Answers the flash message and whether it was done;
/// null when there is no such booking for this person.
/// </summary>
public static class Attendance
{
    public static async Task<(bool Done, string Message)?> ChangeAsync(BookwellDb db, TenantCatalog catalog, BookingLifecycle lifecycle, Guid id,
        bool undo, string? onlyStaff, string by, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(by);
        var booking = await db.Bookings.AsNoTracking().Where(b => b.Id == id && (onlyStaff == null || b.StaffKey == onlyStaff))
            .Select(b => new { b.PageSlug, b.CustomerName, b.StartsAt, b.EndsAt }).FirstOrDefaultAsync(ct);
        if (booking is null)
        {
            return null;
        }
        catalog.Pages.TryGetValue(booking.PageSlug, out var page);
        Change change = undo ? new Change.UndoCheckIn() : new Change.CheckIn();
        var result = await lifecycle.TransitionAsync(id, change, new Actor(by.Length > 100 ? by[..100] : by, null, page), ct);
        var words = ClassText.Words;
        return result switch
        {
            WriteResult.Done => (true, words.Format(undo ? "undone" : "checked-in", booking.CustomerName)),
            WriteResult.Missing => null,
            // Outside the check-in window (the lifecycle judges it with the app's clock).
            WriteResult.Invalid => (false, words.Format("check-in-closed", booking.CustomerName,
                Admin.AdminPageModel.When(booking.StartsAt - CheckInWindow.OpensBefore, page?.Zone ?? NodaTime.DateTimeZone.Utc),
                Admin.AdminPageModel.When(booking.EndsAt, page?.Zone ?? NodaTime.DateTimeZone.Utc))),
            _ => (false, undo ? words["cannot-undo"] : words.Format("cannot-check-in", booking.CustomerName)),
        };
    }
}
