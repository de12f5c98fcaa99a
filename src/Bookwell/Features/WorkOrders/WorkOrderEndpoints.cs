using Bookwell.Data;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.WorkOrders;

/// <summary>
/// Additive (issue 15): <c>PUT</c> and <c>DELETE /api/v1/admin/bookings/{id}/work-order</c>. The link changes neither the
/// booking's time nor its status, but it is written through the lifecycle seam all the same (<see cref="Change.SetWorkOrder"/>):
/// judged on the row as stored now, under the row lock, with a <c>work-order</c> history entry (who, when, the reference
/// before and after) in the same transaction, the business's audit trail of which work order a visit was done for.
/// </summary>
public static class WorkOrderEndpoints
{
    /// <summary>Who the admin API's changes are recorded as, like its other changes of a booking.</summary>
    private const string ApiActor = "admin";

    public static RouteGroupBuilder MapWorkOrders(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var group = admin.MapGroup("/bookings").WithTags("Admin bookings");
        group.MapPut("/{id}/work-order", Set).WithName("SetBookingWorkOrder").Accepts<WorkOrderRequest>("application/json");
        group.MapDelete("/{id}/work-order", Clear).WithName("ClearBookingWorkOrder");
        return admin;
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Set(string id, HttpRequest request, BookwellDb db, CatalogCache cache,
        BookingLifecycle lifecycle, CancellationToken ct)
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
        return await WriteAsync(db, cache, lifecycle, guid, link, ct);
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Clear(string id, BookwellDb db, CatalogCache cache, BookingLifecycle lifecycle,
        CancellationToken ct) =>
        RouteIds.TryParse(id, out var guid) ? await WriteAsync(db, cache, lifecycle, guid, null, ct) : Problems.NotFound("No such booking.");

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> WriteAsync(BookwellDb db, CatalogCache cache, BookingLifecycle lifecycle, Guid id,
        WorkOrderView? link, CancellationToken ct)
    {
        if (await lifecycle.SetWorkOrderAsync(id, link, new Actor(ApiActor), ct) is not WriteResult.Done)
        {
            return Problems.NotFound("No such booking.");
        }
        var booking = await db.Bookings.AsNoTracking().Include(b => b.History).FirstAsync(b => b.Id == id, ct);
        return TypedResults.Ok(await AdminBookingEndpoints.WithPaymentAsync(db, cache, booking, ct));
    }
}
