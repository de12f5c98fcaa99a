using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

public sealed class RescheduleRequest
{
    public string? Start { get; set; }
}

public static class BookingEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapBookings(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/pages/{slug}/bookings", Create).WithName("CreateBooking").WithTags("Bookings")
            .Accepts<BookingRequest>("application/json").RequireRateLimiting(RateLimits.Bookings);
        var manage = api.MapGroup("/bookings/{token}").WithTags("Manage booking").RequireRateLimiting(RateLimits.Manage);
        manage.MapGet("", Get).WithName("GetBooking");
        manage.MapPost("/cancel", Cancel).WithName("CancelBooking");
        manage.MapPost("/confirm", Confirm).WithName("ConfirmBooking");
        manage.MapPost("/reschedule", Reschedule).WithName("RescheduleBooking").Accepts<RescheduleRequest>("application/json");
        manage.MapGet("/ics", Ics).WithName("BookingIcs");
        return api;
    }

    private static async Task<Results<Created<BookingResponse>, ProblemHttpResult>> Create(string slug, HttpRequest request,
        BookwellDb db, CatalogCache cache, BookingCreator writer, IConfiguration config, IClock clock, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<BookingRequest>(request, MaxBodyBytes, Json.Options);
        return await CreateAsync(slug, body, errors, request.Query["access"].FirstOrDefault(), request, db, cache, writer, config, clock, ct);
    }

    /// <summary>
    /// The public booking once its body was read (null, with <paramref name="errors"/>, when it could not be): the one
    /// code path of <c>POST /api/v1/pages/{slug}/bookings</c>, which the MCP tool <c>book</c> calls too.
    /// </summary>
    public static async Task<Results<Created<BookingResponse>, ProblemHttpResult>> CreateAsync(string slug, BookingRequest? body, Errors errors,
        string? queryAccess, HttpRequest request, BookwellDb db, CatalogCache cache, BookingCreator writer, IConfiguration config, IClock clock,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(clock);
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            return Problems.NotFound("No such booking page.");
        }
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (body.WalkIn is not null || body.Resources is not null)
        {
            errors.Add(body.WalkIn is not null ? "walkIn" : "resources", "Only operators may set this.");
        }
        // Contract 4.6: a member's link books in the organization's time slots; an invalid token is no token.
        var token = body.Access ?? queryAccess;
        var member = token is null ? null : await Organizations.OrganizationAccess.ResolveAsync(db, page, token, clock.GetCurrentInstant(), ct);
        if (member is not null)
        {
            page = member.View(body.Service);
            body.Customer ??= new CustomerInput { Name = member.Member.Name, Email = member.Member.Email };
        }
        var valid = BookingValidation.Validate(body, page, errors, admin: false);
        if (valid is null || errors.Any)
        {
            return Problems.Validation(errors);
        }
        valid = Organizations.OrganizationBookings.Stamp(valid, member);
        return await WriteCreated(writer, valid, "customer", MailContexts.For(request, config), ct);
    }

    public static async Task<Results<Created<BookingResponse>, ProblemHttpResult>> WriteCreated(BookingCreator writer, ValidBooking valid,
        string by, MailContext mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(mail);
        return await writer.CreateAsync(valid, by, mail, ct) switch
        {
            WriteResult.Done done => TypedResults.Created($"/api/v1/bookings/{done.ManageToken}", Created(done, mail)),
            WriteResult.Invalid invalid => Problems.Validation(invalid.Errors),
            WriteResult.PaymentUnavailable => Payments.PaymentProblems.Unavailable(),
            _ => Problems.SlotUnavailable(),
        };
    }

    /// <summary>The answer to a new booking; copied with its payment address only when it has one (most have none).</summary>
    private static BookingResponse Created(WriteResult.Done done, MailContext mail)
    {
        var response = BookingResponse.From(done.Booking, done.ManageToken, mail.BaseUrl, withHistory: true);
        return done.PaymentUrl is null ? response : response with { PaymentUrl = done.PaymentUrl };
    }

    private static async Task<Booking?> FindAsync(BookwellDb db, string token, CancellationToken ct) =>
        ManageTokens.LooksValid(token)
            ? await db.Bookings.Include(b => b.History).FirstOrDefaultAsync(b => b.ManageTokenHash == ManageTokens.Hash(token), ct)
            : null;

    public static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Get(string token, HttpRequest request, BookwellDb db,
        IConfiguration config, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        return booking is null
            ? Problems.NotFound("No booking for this link.")
            : TypedResults.Ok(BookingResponse.From(booking, token, TenantLinks.BaseUrl(request), withHistory: true) with
            {
                PaymentUrl = await Payments.PaymentStatus.OpenUrlAsync(db, booking, ct),
            });
    }

    public static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Cancel(string token, HttpRequest request, BookwellDb db,
        CatalogCache cache, BookingLifecycle lifecycle, IConfiguration config, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        var catalog = await cache.GetAsync(db, ct);
        catalog.Pages.TryGetValue(booking.PageSlug, out var page);
        var result = await lifecycle.ChangeStatusAsync(booking.Id, BookingStatus.Cancelled, new Actor("customer", MailContexts.For(request, config), page, token), ct);
        if (result is WriteResult.Done)
        {
            // The refund planned with the cancellation (the service's policy) goes to Stripe now.
            await request.HttpContext.RequestServices.GetRequiredService<Refunds.RefundService>().SendPendingAsync(booking.Id, ct);
        }
        return result switch
        {
            WriteResult.Done done => TypedResults.Ok(BookingResponse.From(done.Booking, token, TenantLinks.BaseUrl(request), withHistory: true)),
            WriteResult.BadTransition bad => Problems.InvalidTransition(bad.From, bad.To),
            _ => Problems.SlotUnavailable(),
        };
    }

    /// <summary>Double opt-in: the client confirms the booking from the link they were mailed.</summary>
    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Confirm(string token, HttpRequest request, BookwellDb db,
        CatalogCache cache, BookingLifecycle lifecycle, IConfiguration config, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(booking.PageSlug, out var page);
        return await lifecycle.ConfirmByClientAsync(booking.Id, new Actor("customer", MailContexts.For(request, config), page, token), ct) switch
        {
            WriteResult.Done done => TypedResults.Ok(BookingResponse.From(done.Booking, token, TenantLinks.BaseUrl(request), withHistory: true)),
            WriteResult.BadTransition bad => Problems.InvalidTransition(bad.From, bad.To),
            _ => Problems.SlotUnavailable(),
        };
    }

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Reschedule(string token, HttpRequest request, BookwellDb db,
        CatalogCache cache, BookingLifecycle lifecycle, IConfiguration config, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<RescheduleRequest>(request, MaxBodyBytes, Json.Options);
        return await RescheduleAsync(token, body, errors, request, db, cache, lifecycle, config, ct);
    }

    /// <summary>
    /// The client's reschedule once its body was read: the one code path of <c>POST /api/v1/bookings/{token}/reschedule</c>,
    /// which the MCP tool <c>reschedule_booking</c> calls too.
    /// </summary>
    public static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> RescheduleAsync(string token, RescheduleRequest? body, Errors errors,
        HttpRequest request, BookwellDb db, CatalogCache cache, BookingLifecycle lifecycle, IConfiguration config, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(lifecycle);
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (!TimeFormats.TryParseInstant(body.Start, out var start))
        {
            return Problems.Validation("start", $"Required: the new start as ISO-8601 with an offset, {TimeFormats.RangeHint}.");
        }
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(booking.PageSlug, out var page) || page.ActiveService(booking.ServiceKey) is not { } service)
        {
            return Problems.Make(409, "slot-unavailable", "Time slot no longer available", "This service can no longer be booked online.");
        }
        // Issue 17: a member's booking moves only within the organization's view (its time slots, its window, its services).
        var view = Organizations.OrganizationBookings.ViewFor(page, booking);
        if (Organizations.OrganizationBookings.OutsideSlots(page, booking, service, start) is { } outside)
        {
            return Problems.Validation("start", outside);
        }
        if (view.ActiveService(booking.ServiceKey) is not { } viewService)
        {
            return Problems.Make(409, "slot-unavailable", "Time slot no longer available", "This service can no longer be booked online.");
        }
        return await lifecycle.RescheduleAsync(booking.Id, view, viewService, start, new Actor("customer", MailContexts.For(request, config), page, token), ct) switch
        {
            WriteResult.Done done => TypedResults.Ok(BookingResponse.From(done.Booking, token, TenantLinks.BaseUrl(request), withHistory: true)),
            WriteResult.BadTransition bad => Problems.InvalidTransition(bad.From, bad.To),
            _ => Problems.SlotUnavailable(),
        };
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Ics(string token, HttpRequest request, HttpResponse response,
        BookwellDb db, CatalogCache cache, IClock clock, IConfiguration config, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        var catalog = await cache.GetAsync(db, ct);
        catalog.Pages.TryGetValue(booking.PageSlug, out var page);
        var location = page?.Doc.Location?.Details ?? page?.Branches.FirstOrDefault(b => b.Key == booking.BranchKey)?.Doc.Address;
        response.Headers.ContentDisposition = $"attachment; filename=\"booking-{booking.Id:N}.ics\"";
        var ics = IcsWriter.Write(booking, page?.Doc.Name ?? booking.PageSlug, location, $"{TenantLinks.BaseUrl(request)}/booking/{token}", clock.GetCurrentInstant());
        return TypedResults.Content(ics, "text/calendar; charset=utf-8");
    }
}
