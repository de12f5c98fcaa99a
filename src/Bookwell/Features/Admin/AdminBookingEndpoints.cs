using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

public sealed record BookingList(IReadOnlyList<BookingResponse> Items);

public sealed class StatusRequest
{
    public string? Status { get; set; }
}

public static class AdminBookingEndpoints
{
    public const int MaxItems = 1000;

    public static RouteGroupBuilder MapAdminBookings(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var bookings = admin.MapGroup("/bookings").WithTags("Admin bookings");
        bookings.MapGet("", List).WithName("ListBookings");
        bookings.MapPost("", Create).WithName("CreateOperatorBooking").Accepts<BookingRequest>("application/json");
        bookings.MapGet("/{id}", GetOne).WithName("GetAdminBooking");
        bookings.MapPost("/{id}/status", ChangeStatus).WithName("ChangeBookingStatus").Accepts<StatusRequest>("application/json");
        return admin;
    }

    private static async Task<Results<Ok<BookingList>, ProblemHttpResult>> List(string? from, string? to, string? status, string? staff,
        string? service, string? q, string? page, BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        var e = new Errors();
        LocalDate? fromDate = null, toDate = null;
        if (from is not null)
        {
            if (TimeFormats.TryParseDate(from, out var f)) { fromDate = f; } else { e.Add("from", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        if (to is not null)
        {
            if (TimeFormats.TryParseDate(to, out var t)) { toDate = t; } else { e.Add("to", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        var statuses = status?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (var s in statuses.Where(s => !BookingStatus.All.Contains(s)))
        {
            e.Add("status", $"Unknown status '{s}'; use {string.Join(", ", BookingStatus.All)}.");
        }
        if (q is { Length: > 200 })
        {
            e.Add("q", "At most 200 characters.");
        }
        if (e.Any)
        {
            return Problems.Validation(e);
        }
        var catalog = await cache.GetAsync(db, ct);
        var query = db.Bookings.AsNoTracking().Include(b => b.History).AsQueryable();
        // Dates are local to each booking's page; widen by a day in SQL and cut exactly below.
        if (fromDate is { } fd)
        {
            var lower = fd.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() - Duration.FromDays(1);
            query = query.Where(b => b.StartsAt >= lower);
        }
        if (toDate is { } td)
        {
            var upper = td.PlusDays(2).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
            query = query.Where(b => b.StartsAt < upper);
        }
        if (statuses.Length > 0)
        {
            query = query.Where(b => statuses.Contains(b.Status));
        }
        if (staff is not null)
        {
            query = query.Where(b => b.StaffKey == staff);
        }
        if (service is not null)
        {
            query = query.Where(b => b.ServiceKey == service);
        }
        if (page is not null)
        {
            query = query.Where(b => b.PageSlug == page);
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var needle = q.Trim().ToUpperInvariant();
            query = query.Where(b => b.CustomerEmail.ToUpper().Contains(needle) || b.CustomerName.ToUpper().Contains(needle) ||
                                     (b.CustomerPhone != null && b.CustomerPhone.Contains(needle)));
        }
        var rows = await query.OrderBy(b => b.StartsAt).Take(MaxItems * 2).ToListAsync(ct);
        var items = rows.Where(b =>
        {
            var zone = catalog.Pages.TryGetValue(b.PageSlug, out var p) ? p.Zone : DateTimeZone.Utc;
            var date = b.StartsAt.InZone(zone).Date;
            return (fromDate is null || date >= fromDate) && (toDate is null || date <= toDate);
        }).Take(MaxItems).Select(b => BookingResponse.From(b, null, null, withHistory: true)).ToList();
        return TypedResults.Ok(new BookingList(items));
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> GetOne(string id, BookwellDb db, CancellationToken ct)
    {
        var booking = Guid.TryParse(id, out var guid) ? await db.Bookings.AsNoTracking().Include(b => b.History).FirstOrDefaultAsync(b => b.Id == guid, ct) : null;
        return booking is null ? Problems.NotFound("No such booking.") : TypedResults.Ok(BookingResponse.From(booking, null, null, withHistory: true));
    }

    private static async Task<Results<Created<BookingResponse>, ProblemHttpResult>> Create(HttpRequest request, BookwellDb db, CatalogCache cache,
        BookingCreator writer, IConfiguration config, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<BookingRequest>(request, BookingEndpoints.MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var catalog = await cache.GetAsync(db, ct);
        if (string.IsNullOrWhiteSpace(body.Page))
        {
            return Problems.Validation("page", "Required: the slug of the booking page.");
        }
        if (!catalog.Pages.TryGetValue(body.Page, out var page))
        {
            return Problems.NotFound("No such booking page.");
        }
        var valid = BookingValidation.Validate(body, page, errors, admin: true);
        if (valid is null || errors.Any)
        {
            return Problems.Validation(errors);
        }
        return await BookingEndpoints.WriteCreated(writer, valid, "admin", MailContexts.For(request, config), ct);
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> ChangeStatus(string id, HttpRequest request, BookwellDb db,
        CatalogCache cache, BookingLifecycle lifecycle, IConfiguration config, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid) || !await db.Bookings.AnyAsync(b => b.Id == guid, ct))
        {
            return Problems.NotFound("No such booking.");
        }
        var (body, errors) = await JsonBody.ReadAsync<StatusRequest>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        string[] allowed = [BookingStatus.Confirmed, BookingStatus.InProgress, BookingStatus.Completed, BookingStatus.NoShow, BookingStatus.Cancelled];
        if (body.Status is null || !allowed.Contains(body.Status))
        {
            return Problems.Validation("status", $"Must be one of: {string.Join(", ", allowed)}.");
        }
        var slug = await db.Bookings.Where(b => b.Id == guid).Select(b => b.PageSlug).FirstAsync(ct);
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(slug, out var page);
        return await lifecycle.ChangeStatusAsync(guid, body.Status, new Actor("admin", MailContexts.For(request, config), page), ct) switch
        {
            WriteResult.Done done => TypedResults.Ok(BookingResponse.From(done.Booking, null, null, withHistory: true)),
            WriteResult.BadTransition bad => Problems.InvalidTransition(bad.From, bad.To),
            _ => Problems.SlotUnavailable(),
        };
    }
}
