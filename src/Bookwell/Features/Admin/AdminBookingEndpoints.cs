using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

public sealed record BookingList(IReadOnlyList<BookingResponse> Items, string? NextCursor);

public sealed class StatusRequest
{
    public string? Status { get; set; }
}

/// <summary>Additive (issue 15): the booking's new, earlier end.</summary>
public sealed class ShortenRequest
{
    public string? End { get; set; }
}

public static class AdminBookingEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapAdminBookings(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var bookings = admin.MapGroup("/bookings").WithTags("Admin bookings");
        bookings.MapGet("", List).WithName("ListBookings");
        bookings.MapPost("", Create).WithName("CreateOperatorBooking").Accepts<BookingRequest>("application/json");
        bookings.MapGet("/{id}", GetOne).WithName("GetAdminBooking");
        bookings.MapPost("/{id}/status", ChangeStatus).WithName("ChangeBookingStatus").Accepts<StatusRequest>("application/json");
        bookings.MapPost("/{id}/shorten", Shorten).WithName("ShortenBooking").Accepts<ShortenRequest>("application/json");
        // The same change under the name that fits a later end too (issue 15: an operator's own start and end).
        bookings.MapPost("/{id}/end", Shorten).WithName("SetBookingEnd").Accepts<ShortenRequest>("application/json");
        return admin;
    }

    private static async Task<Results<Ok<BookingList>, ProblemHttpResult>> List(string? from, string? to, string? status, string? staff,
        string? service, string? q, string? page, string? organization, string? limit, string? cursor, BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        var e = new Errors();
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take) ||
                                  take is < 1 or > MaxLimit))
        {
            e.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
        }
        (Instant At, Guid Id)? after = null;
        if (cursor is not null)
        {
            after = ListCursor.Read(cursor);
            if (after is null)
            {
                e.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page unchanged.");
            }
        }
        LocalDate? fromDate = null, toDate = null;
        if (from is not null)
        {
            if (TimeFormats.TryParseDate(from, out var f)) { fromDate = f; } else { e.Add("from", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        if (to is not null)
        {
            if (TimeFormats.TryParseDate(to, out var t)) { toDate = t; } else { e.Add("to", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        var statuses = (status?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
            .Take(20).Select(s => e.Read<BookingStatus>("status", s)).OfType<BookingStatus>().Distinct().ToArray();
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
        if (organization is not null)
        {
            // Issue 17: the bookings made through an organization's links.
            query = query.Where(b => b.OrganizationKey == organization);
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var needle = q.Trim().ToUpperInvariant();
            query = query.Where(b => b.CustomerEmail.ToUpper().Contains(needle) || b.CustomerName.ToUpper().Contains(needle) ||
                                     (b.CustomerPhone != null && b.CustomerPhone.Contains(needle)) ||
                                     // A work order is looked up by its whole number ("WO-412"), not by any part of it.
                                     (b.WorkOrderReference != null && b.WorkOrderReference.ToUpper() == needle));
        }
        bool InRange(Booking b)
        {
            var zone = catalog.Pages.TryGetValue(b.PageSlug, out var p) ? p.Zone : DateTimeZone.Utc;
            var date = b.StartsAt.InZone(zone).Date;
            return (fromDate is null || date >= fromDate) && (toDate is null || date <= toDate);
        }
        // Keyset on (start, id). Rows outside the local dates are dropped after reading, so read on until the page
        // plus one row (to know whether another page follows) is full or the rows run out.
        var kept = new List<Booking>(take + 1);
        var chunk = Math.Max(take + 1, 100);
        while (kept.Count <= take)
        {
            var next = query;
            if (after is { } last)
            {
                var (at, id) = last;
                next = next.Where(b => b.StartsAt > at || (b.StartsAt == at && b.Id.CompareTo(id) > 0));
            }
            var rows = await next.OrderBy(b => b.StartsAt).ThenBy(b => b.Id).Take(chunk).ToListAsync(ct);
            kept.AddRange(rows.Where(InRange).Take(take + 1 - kept.Count));
            if (rows.Count < chunk)
            {
                break;
            }
            after = (rows[^1].StartsAt, rows[^1].Id);
        }
        var pageRows = kept.Take(take).ToList();
        var nextCursor = kept.Count > take ? ListCursor.Write(pageRows[^1].StartsAt, pageRows[^1].Id) : null;
        var payments = await Bookwell.Features.Payments.PaymentSummary.ForAsync(db, catalog, pageRows, ct);
        var items = pageRows.Select(b => BookingResponse.From(b, null, null, withHistory: true, operatorView: true) with { Payment = payments[b.Id], WorkOrder = WorkOrders.WorkOrderRules.Of(b) }).ToList();
        return TypedResults.Ok(new BookingList(items, nextCursor));
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> GetOne(string id, BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        var booking = RouteIds.TryParse(id, out var guid) ? await db.Bookings.AsNoTracking().Include(b => b.History).FirstOrDefaultAsync(b => b.Id == guid, ct) : null;
        return booking is null ? Problems.NotFound("No such booking.") : TypedResults.Ok(await WithPaymentAsync(db, cache, booking, ct));
    }

    /// <summary>The admin shape of one booking: the public one plus its payment state.</summary>
    public static async Task<BookingResponse> WithPaymentAsync(BookwellDb db, CatalogCache cache, Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var payment = await Bookwell.Features.Payments.PaymentSummary.ForAsync(db, await cache.GetAsync(db, ct), booking, ct);
        return BookingResponse.From(booking, null, null, withHistory: true, operatorView: true) with { Payment = payment, WorkOrder = WorkOrders.WorkOrderRules.Of(booking) };
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
        var written = await BookingEndpoints.WriteCreated(writer, valid, "admin", MailContexts.For(request, config), ct);
        // Issue 15: a refused time names the bookings that hold it (additive member "conflicts"), so the operator sees what to move.
        if (written.Result is ProblemHttpResult { StatusCode: 409 } refused &&
            await ConflictingBookings.FindAsync(db, valid, ct) is { Count: > 0 } conflicts)
        {
            refused.ProblemDetails.Extensions["conflicts"] = conflicts.Select(b => ConflictingBookings.View(b, page.Zone)).ToList();
            refused.ProblemDetails.Detail = "This time overlaps " + string.Join("; ", conflicts.Select(b =>
                $"{b.ServiceName} for {b.CustomerName}, {TimeFormats.Format(b.StartsAt, page.Zone)} to {TimeFormats.Format(b.EndsAt, page.Zone)} (booking {b.Id})")) + ".";
        }
        return written;
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> ChangeStatus(string id, HttpRequest request, BookwellDb db,
        CatalogCache cache, BookingLifecycle lifecycle, IConfiguration config, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid) || !await db.Bookings.AnyAsync(b => b.Id == guid, ct))
        {
            return Problems.NotFound("No such booking.");
        }
        var (body, errors) = await JsonBody.ReadAsync<StatusRequest>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (errors.Read<BookingStatus>("status", body.Status,
                [BookingStatus.Confirmed, BookingStatus.InProgress, BookingStatus.Completed, BookingStatus.NoShow, BookingStatus.Cancelled]) is not { } to)
        {
            return Problems.Validation(errors);
        }
        var slug = await db.Bookings.Where(b => b.Id == guid).Select(b => b.PageSlug).FirstAsync(ct);
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(slug, out var page);
        return await lifecycle.ChangeStatusAsync(guid, to, new Actor("admin", MailContexts.For(request, config), page), ct) switch
        {
            WriteResult.Done done => TypedResults.Ok(await WithPaymentAsync(db, cache, done.Booking, ct)),
            WriteResult.BadTransition bad => Problems.InvalidTransition(bad.From, bad.To),
            WriteResult.TooEarly early => Problems.TooEarly(early.To.ToWire(), early.Earliest, early.Zone),
            _ => Problems.SlotUnavailable(),
        };
    }

    /// <summary>
    /// Additive (issue 15): an operator sets a booking's end (start unchanged), through the lifecycle. Earlier: the rest of its time
    /// is freed at once and offered to the waitlist like any freed time. Later: taken if free, else 409 naming what holds it.
    /// </summary>
    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Shorten(string id, HttpRequest request, BookwellDb db,
        CatalogCache cache, BookingLifecycle lifecycle, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid) || await db.Bookings.Where(b => b.Id == guid).Select(b => b.PageSlug).FirstOrDefaultAsync(ct) is not { } slug)
        {
            return Problems.NotFound("No such booking.");
        }
        var (body, errors) = await JsonBody.ReadAsync<ShortenRequest>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (!TimeFormats.TryParseInstant(body.End, out var end))
        {
            return Problems.Validation("end", $"Required: the new end as ISO-8601 with an offset, {TimeFormats.RangeHint}.");
        }
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(slug, out var page);
        switch (await lifecycle.ShortenAsync(guid, page, end, new Actor("admin", null, page), ct))
        {
            case WriteResult.Done done:
                return TypedResults.Ok(await WithPaymentAsync(db, cache, done.Booking, ct));
            case WriteResult.Invalid invalid:
                return Problems.Validation(invalid.Errors);
            case WriteResult.BadTransition bad:
                return Problems.InvalidTransition(bad.From, bad.To);
            case WriteResult.Missing:
                return Problems.NotFound("No such booking.");
        }
        // A later end that overlaps other bookings: name them (additive member "conflicts", as for a new operator booking).
        var refused = Problems.SlotUnavailable("The new end overlaps another booking.");
        if (await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == guid, ct) is { } current &&
            await ConflictingBookings.FindForEndAsync(db, current, page, end, ct) is { Count: > 0 } conflicts)
        {
            var zone = page?.Zone ?? DateTimeZone.Utc;
            refused.ProblemDetails.Extensions["conflicts"] = conflicts.Select(b => ConflictingBookings.View(b, zone)).ToList();
            refused.ProblemDetails.Detail = "The new end overlaps " + ConflictingBookings.Describe(conflicts, zone) + ".";
        }
        return refused;
    }
}

/// <summary>
/// The admin list's paging position: the last row's start and id, base64url-encoded so clients treat it as
/// opaque (its form may change). Anything that does not read back exactly is refused.
/// </summary>
public static class ListCursor
{
    private const string Version = "b1";

    public static string Write(Instant at, Guid id) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.ASCII.GetBytes(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Version}.{at.ToUnixTimeTicks()}.{id:N}")));

    public static (Instant At, Guid Id)? Read(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (cursor.Length is 0 or > 100 || !System.Buffers.Text.Base64Url.IsValid(cursor))
        {
            return null;
        }
        var parts = System.Text.Encoding.ASCII.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor)).Split('.');
        if (parts.Length != 3 || parts[0] != Version ||
            !long.TryParse(parts[1], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var ticks) ||
            !Guid.TryParseExact(parts[2], "N", out var id) ||
            ticks < Instant.MinValue.ToUnixTimeTicks() || ticks > Instant.MaxValue.ToUnixTimeTicks())
        {
            return null;
        }
        return (Instant.FromUnixTimeTicks(ticks), id);
    }
}
