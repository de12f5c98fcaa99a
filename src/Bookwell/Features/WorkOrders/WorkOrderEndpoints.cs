using Bookwell.Data;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.WorkOrders;

/// <summary>
/// Additive (issue 15): <c>PUT</c> and <c>DELETE /api/v1/admin/bookings/{id}/work-order</c>. The link changes neither the
/// booking's time nor its status, so it is written here rather than through the lifecycle; the update touches only the two
/// columns (and the booking's UpdatedAt), so it cannot undo a concurrent change of time or status.
/// </summary>
public static class WorkOrderEndpoints
{
    public static RouteGroupBuilder MapWorkOrders(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var group = admin.MapGroup("/bookings").WithTags("Admin bookings");
        group.MapPut("/{id}/work-order", Set).WithName("SetBookingWorkOrder").Accepts<WorkOrderRequest>("application/json");
        group.MapDelete("/{id}/work-order", Clear).WithName("ClearBookingWorkOrder");
        return admin;
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Set(string id, HttpRequest request, BookwellDb db, CatalogCache cache,
        SqliteWriteGate gate, IClock clock, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid) || !await db.Bookings.AnyAsync(b => b.Id == guid, ct))
        {
            return Problems.NotFound("No such booking.");
        }
        var (body, errors) = await JsonBody.ReadAsync<WorkOrderRequest>(request, 8192, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (WorkOrderRules.Read(body.Reference, body.Url, errors) is not { } link)
        {
            return Problems.Validation(errors);
        }
        return await WriteAsync(db, cache, gate, guid, link, clock.GetCurrentInstant(), ct);
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Clear(string id, BookwellDb db, CatalogCache cache, SqliteWriteGate gate,
        IClock clock, CancellationToken ct) =>
        RouteIds.TryParse(id, out var guid) ? await WriteAsync(db, cache, gate, guid, null, clock.GetCurrentInstant(), ct) : Problems.NotFound("No such booking.");

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> WriteAsync(BookwellDb db, CatalogCache cache, SqliteWriteGate gate, Guid id,
        WorkOrderView? link, Instant now, CancellationToken ct)
    {
        if (await SaveAsync(db, gate, id, link, now, ct) == 0)
        {
            return Problems.NotFound("No such booking.");
        }
        var booking = await db.Bookings.AsNoTracking().Include(b => b.History).FirstAsync(b => b.Id == id, ct);
        return TypedResults.Ok(await AdminBookingEndpoints.WithPaymentAsync(db, cache, booking, ct));
    }

    /// <summary>Sets (or with null clears) a booking's work order; the number of bookings changed (0: none of this tenant).</summary>
    public static async Task<int> SaveAsync(BookwellDb db, SqliteWriteGate gate, Guid id, WorkOrderView? link, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        using (await gate.EnterAsync(db, ct))
        {
            return await db.Bookings.Where(b => b.Id == id).ExecuteUpdateAsync(set => set
                .SetProperty(b => b.WorkOrderReference, link == null ? null : link.Reference)
                .SetProperty(b => b.WorkOrderUrl, link == null ? null : link.Url)
                .SetProperty(b => b.UpdatedAt, now), ct);
        }
    }
}
