using Bookwell.Data;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Classes;

public sealed record AttendeeView(string Booking, string Name, string Email, string? Phone, int Seats, string Status, string? CheckedInAt);

public sealed record SessionView(string Id, string Page, string Service, string ServiceName, string Start, string End, string TimeZone,
    string? Staff, string? StaffName, int Capacity, int Booked, int CheckedIn, IReadOnlyList<AttendeeView> Attendees);

public sealed record SessionList(IReadOnlyList<SessionView> Items);

/// <summary>
/// Admin API for classes: the sessions of a date range with their attendees, and check-in (attendance) of one booking,
/// through the lifecycle seam. Dates are local to each session's page, inclusive, at most 62 days.
/// </summary>
public static class ClassEndpoints
{
    public const int MaxDays = 62;

    public static RouteGroupBuilder MapClasses(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/classes/sessions", List).WithName("ListClassSessions").WithTags("Classes");
        admin.MapPost("/bookings/{id}/check-in", CheckIn).WithName("CheckInBooking").WithTags("Classes");
        admin.MapDelete("/bookings/{id}/check-in", UndoCheckIn).WithName("UndoCheckInBooking").WithTags("Classes");
        return admin;
    }

    private static async Task<Results<Ok<SessionList>, ProblemHttpResult>> List(string? from, string? to, string? page, string? service, string? staff,
        BookwellDb db, CatalogCache cache, IClock clock, CancellationToken ct)
    {
        var e = new Errors();
        if (!TimeFormats.TryParseDate(from, out var fromDate))
        {
            e.Add("from", $"Required: a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
        }
        if (!TimeFormats.TryParseDate(to, out var toDate))
        {
            e.Add("to", $"Required: a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
        }
        else if (!e.Any && toDate < fromDate)
        {
            e.Add("to", "Must not be before from.");
        }
        else if (!e.Any && Period.Between(fromDate, toDate, PeriodUnits.Days).Days + 1 > MaxDays)
        {
            e.Add("to", $"At most {MaxDays} days per request.");
        }
        foreach (var (name, value) in new[] { ("page", page), ("service", service), ("staff", staff) })
        {
            if (value is { Length: > 64 })
            {
                e.Add(name, "At most 64 characters.");
            }
        }
        if (e.Any)
        {
            return Problems.Validation(e);
        }
        var catalog = await cache.GetAsync(db, ct);
        // Dates are local to each session's page: read a day wider on both sides, then cut exactly.
        var lower = fromDate.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() - Duration.FromDays(1);
        var upper = toDate.PlusDays(2).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        var sessions = await ClassSessions.ListAsync(db, catalog, clock.GetCurrentInstant(), lower, upper, staff, page, service, ct);
        var items = sessions.Where(s => s.Start.InZone(s.Zone).Date is var d && d >= fromDate && d <= toDate).Select(View).ToList();
        return TypedResults.Ok(new SessionList(items));
    }

    public static SessionView View(ClassSession s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new SessionView(s.Key, s.PageSlug, s.ServiceKey, s.ServiceName, TimeFormats.Format(s.Start, s.Zone), TimeFormats.Format(s.End, s.Zone),
            s.Zone.Id, s.StaffKey, s.StaffName, s.Capacity, s.Booked, s.CheckedIn,
            [.. s.Attendees.Select(a => new AttendeeView(a.Id.ToString(), a.Booking.CustomerName, a.Booking.CustomerEmail, a.Booking.CustomerPhone, a.Seats,
                a.Booking.Status.ToWire(), a.Booking.CheckedInAt is { } at ? TimeFormats.Format(at, s.Zone) : null))]);
    }

    private static Task<Results<Ok<BookingResponse>, ProblemHttpResult>> CheckIn(string id, BookwellDb db, CatalogCache cache, BookingLifecycle lifecycle,
        CancellationToken ct) => ChangeAsync(id, new Change.CheckIn(), db, cache, lifecycle, ct);

    private static Task<Results<Ok<BookingResponse>, ProblemHttpResult>> UndoCheckIn(string id, BookwellDb db, CatalogCache cache, BookingLifecycle lifecycle,
        CancellationToken ct) => ChangeAsync(id, new Change.UndoCheckIn(), db, cache, lifecycle, ct);

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> ChangeAsync(string id, Change change, BookwellDb db, CatalogCache cache,
        BookingLifecycle lifecycle, CancellationToken ct)
    {
        var slug = RouteIds.TryParse(id, out var guid) ? await db.Bookings.Where(b => b.Id == guid).Select(b => b.PageSlug).FirstOrDefaultAsync(ct) : null;
        if (slug is null)
        {
            return Problems.NotFound("No such booking.");
        }
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(slug, out var page);
        return await lifecycle.TransitionAsync(guid, change, new Actor("admin", null, page), ct) switch
        {
            WriteResult.Done done => TypedResults.Ok(await AdminBookingEndpoints.WithPaymentAsync(db, cache, done.Booking, ct)),
            WriteResult.BadTransition bad => Problems.Make(409, "invalid-transition", "Invalid check-in",
                change is Change.CheckIn
                    ? $"A booking that is '{bad.From}' cannot be checked in: only a confirmed or started one."
                    : "A check-in can be undone only before the booking ends."),
            WriteResult.Missing => Problems.NotFound("No such booking."),
            // Outside the check-in window (an hour before the start until the end): 409 with the field error.
            WriteResult.Invalid invalid => TypedResults.Problem(new HttpValidationProblemDetails(invalid.Errors.ToDictionary())
            {
                Type = Problems.TypeBase + "check-in-closed",
                Title = "Check-in is not open",
                Status = StatusCodes.Status409Conflict,
                Detail = $"A booking can be checked in from {(int)CheckInWindow.OpensBefore.TotalMinutes} minutes before it starts until it ends.",
            }),
            _ => Problems.SlotUnavailable(),
        };
    }
}
