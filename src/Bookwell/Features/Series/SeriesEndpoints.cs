using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Series;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Series;

/// <summary>
/// Recurring series (issue 15): check every occurrence of "every week / every 2 weeks / every month on the same weekday,
/// N times or until a date", then book the chosen ones all or nothing through <see cref="SeriesCreator"/>; cancel one
/// occurrence or this one and the following through <see cref="BookingLifecycle"/>.
/// </summary>
public static class SeriesEndpoints
{
    public static RouteGroupBuilder MapSeries(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/pages/{slug}/series/check", Check).WithName("CheckSeries").WithTags("Series")
            .Accepts<SeriesRequest>("application/json").RequireRateLimiting(RateLimits.Bookings);
        api.MapPost("/pages/{slug}/series", Create).WithName("CreateSeries").WithTags("Series")
            .Accepts<SeriesRequest>("application/json").RequireRateLimiting(RateLimits.Bookings);
        var manage = api.MapGroup("/bookings/{token}/series").WithTags("Manage booking").RequireRateLimiting(RateLimits.Manage);
        manage.MapGet("", GetForClient).WithName("GetSeries");
        manage.MapPost("/cancel", CancelForClient).WithName("CancelSeries").Accepts<SeriesCancelRequest>("application/json");
        manage.MapPost("/reschedule", RescheduleForClient).WithName("RescheduleSeries").Accepts<SeriesRescheduleRequest>("application/json");
        return api;
    }

    public static RouteGroupBuilder MapAdminSeries(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapPost("/series/check", AdminCheck).WithName("CheckOperatorSeries").WithTags("Admin bookings").Accepts<SeriesRequest>("application/json");
        admin.MapPost("/series", AdminCreate).WithName("CreateOperatorSeries").WithTags("Admin bookings").Accepts<SeriesRequest>("application/json");
        admin.MapGet("/bookings/{id}/series", AdminGet).WithName("GetAdminSeries").WithTags("Admin bookings");
        admin.MapPost("/bookings/{id}/series/cancel", AdminCancel).WithName("CancelAdminSeries").WithTags("Admin bookings")
            .Accepts<SeriesCancelRequest>("application/json");
        admin.MapPost("/bookings/{id}/series/reschedule", AdminReschedule).WithName("RescheduleAdminSeries").WithTags("Admin bookings")
            .Accepts<SeriesRescheduleRequest>("application/json");
        return admin;
    }

    // ---- check ----

    private static async Task<Results<Ok<SeriesCheck>, ProblemHttpResult>> Check(string slug, HttpRequest request, BookwellDb db, CatalogCache cache,
        IClock clock, Mobile.MobileLocator locator, CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            return Problems.NotFound("No such booking page.");
        }
        return await CheckCore(page, request, db, clock, locator, admin: false, ct);
    }

    private static async Task<Results<Ok<SeriesCheck>, ProblemHttpResult>> AdminCheck(HttpRequest request, BookwellDb db, CatalogCache cache,
        IClock clock, Mobile.MobileLocator locator, CancellationToken ct)
    {
        var (page, problem) = await AdminPageAsync(request, db, cache, ct);
        return page is null ? problem! : await CheckCore(page, request, db, clock, locator, admin: true, ct);
    }

    private static async Task<(CompiledPage? Page, ProblemHttpResult? Problem)> AdminPageAsync(HttpRequest request, BookwellDb db, CatalogCache cache,
        CancellationToken ct)
    {
        request.EnableBuffering();
        var (body, errors) = await JsonBody.ReadAsync<SeriesRequest>(request, BookingEndpoints.MaxBodyBytes, Json.Options);
        request.Body.Position = 0;
        if (body is null)
        {
            return (null, Problems.Validation(errors));
        }
        if (string.IsNullOrWhiteSpace(body.Page))
        {
            return (null, Problems.Validation("page", "Required: the slug of the booking page."));
        }
        var catalog = await cache.GetAsync(db, ct);
        return catalog.Pages.TryGetValue(body.Page, out var page) ? (page, null) : (null, Problems.NotFound("No such booking page."));
    }

    private static async Task<Results<Ok<SeriesCheck>, ProblemHttpResult>> CheckCore(CompiledPage page, HttpRequest request, BookwellDb db, IClock clock,
        Mobile.MobileLocator locator, bool admin, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<SeriesRequest>(request, BookingEndpoints.MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var service = page.ActiveService(body.Service);
        if (service is not null && !admin && !page.IsPublic(service.Key))
        {
            // Reserved for an exclusive organization: to the public, the same answer as an unknown service.
            service = null;
        }
        if (service is null)
        {
            errors.Add("service", body.Service is null ? "Required: the key of a service on this page." : "No active service with this key on this page.");
        }
        if (!TimeFormats.TryParseInstant(body.Start, out var start))
        {
            errors.Add("start", $"Required: the first occurrence's start as ISO-8601 with an offset, {TimeFormats.RangeHint}.");
        }
        if (body.Branch is not null && page.Branches.All(b => b.Key != body.Branch))
        {
            errors.Add("branch", "No active branch with this key on this page.");
        }
        if (body.Staff is not null && service is not null && page.StaffFor(service.Key).All(s => s.Key != body.Staff))
        {
            errors.Add("staff", "This staff member does not offer this service.");
        }
        var zone = body.TimeZone is null ? page.Zone : TimeFormats.Zone(body.TimeZone);
        if (zone is null)
        {
            errors.Add("timeZone", "Must be an IANA time zone id such as Europe/Amsterdam.");
        }
        var rule = SeriesValidation.Rule(body.Repeat, start, page.Zone, errors);
        if (service is not null)
        {
            SeriesValidation.Service(page, service, admin, errors);
        }
        var atClient = service is not null && Mobile.MobileServices.AtClient(page, service, body.Location?.Mode);
        if (atClient && string.IsNullOrWhiteSpace(body.Location?.Address))
        {
            errors.Add("location.address", "Required: where we should come to.");
        }
        else if (atClient && body.Location!.Address!.Length > 300)
        {
            errors.Add("location.address", "At most 300 characters.");
        }
        if (errors.Any || service is null || rule is null || zone is null)
        {
            return Problems.Validation(errors);
        }
        Scheduling.Travel.Trip? trip = null;
        if (atClient)
        {
            // Located once for the whole series; every occurrence is then judged with its own travel.
            var l = body.Location!;
            var place = await locator.LocateAsync(page, l.Address, l.Latitude, l.Longitude, errors, "en", "location.", ct);
            if (errors.Any)
            {
                return Problems.Validation(errors);
            }
            trip = Mobile.MobileServices.TripTo(page, place);
        }
        var occurrences = Recurrence.Expand(start, page.Zone, rule);
        return TypedResults.Ok(await PlanAsync(db, page, service, body.Branch, body.Staff, occurrences, rule, zone, clock.GetCurrentInstant(), ct, trip));
    }

    /// <summary>
    /// Each occurrence checked on its own (a read): bookable at its own time, or the nearest free time that day. With a
    /// <paramref name="trip"/> (a series at the client's address) each occurrence must also leave room for its travel.
    /// </summary>
    public static async Task<SeriesCheck> PlanAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch, string? staff,
        IReadOnlyList<Occurrence> occurrences, RecurrenceRule rule, DateTimeZone viewer, Instant now, CancellationToken ct,
        Scheduling.Travel.Trip? trip = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(occurrences);
        ArgumentNullException.ThrowIfNull(rule);
        var views = new List<OccurrenceView>(occurrences.Count);
        foreach (var o in occurrences)
        {
            var available = await Allocator.AssignAsync(db, page, service, o.Start, branch, staff, null, false, now, ct, trip: trip) is not null;
            Instant? alternative = null;
            if (!available)
            {
                var slots = await AvailabilityLoader.FindSlotsAsync(db, page, service, branch, staff, page.Zone, o.Local.Date, o.Local.Date, now, ct, trip);
                alternative = Recurrence.NearestSameDay(slots, o.Start, page.Zone)?.Start;
            }
            views.Add(new OccurrenceView(o.Index, TimeFormats.FormatDate(o.Local.Date), TimeFormats.Format(o.Start, viewer), available, o.Shifted,
                alternative is { } a ? TimeFormats.Format(a, viewer) : null));
        }
        return new SeriesCheck(FrequencyName(rule.Frequency), occurrences.Count, views);
    }

    public static string FrequencyName(Frequency f) => f switch
    {
        Frequency.Weekly => "weekly",
        Frequency.Biweekly => "biweekly",
        _ => "monthly",
    };

    // ---- create ----

    private static async Task<Results<Created<SeriesResponse>, ProblemHttpResult>> Create(string slug, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesCreator writer, IConfiguration config, IClock clock, CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            return Problems.NotFound("No such booking page.");
        }
        return await CreateCore(page, request, db, writer, config, clock, admin: false, ct);
    }

    private static async Task<Results<Created<SeriesResponse>, ProblemHttpResult>> AdminCreate(HttpRequest request, BookwellDb db, CatalogCache cache,
        SeriesCreator writer, IConfiguration config, IClock clock, CancellationToken ct)
    {
        var (page, problem) = await AdminPageAsync(request, db, cache, ct);
        return page is null ? problem! : await CreateCore(page, request, db, writer, config, clock, admin: true, ct);
    }

    private static async Task<Results<Created<SeriesResponse>, ProblemHttpResult>> CreateCore(CompiledPage page, HttpRequest request, BookwellDb db,
        SeriesCreator writer, IConfiguration config, IClock clock, bool admin, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<SeriesRequest>(request, BookingEndpoints.MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var valid = BookingValidation.Validate(body.ToBooking(), page, errors, admin);
        var rule = SeriesValidation.Rule(body.Repeat, valid?.Start ?? default, page.Zone, errors);
        if (valid is not null)
        {
            SeriesValidation.Service(page, valid.Service, admin, errors);
        }
        if (valid is null || rule is null || errors.Any)
        {
            return Problems.Validation(errors);
        }
        // A series at the client's address: located once here, so the answer after a refusal is judged with travel too.
        var (located, locateErrors) = await writer.LocateAsync(valid, "en", ct);
        if (located is null)
        {
            return Problems.Validation(locateErrors!);
        }
        valid = located;
        var occurrences = Recurrence.Expand(valid.Start, page.Zone, rule);
        var chosen = Choose(occurrences, body.Occurrences, page.Zone, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var mail = MailContexts.For(request, config);
        var result = await writer.CreateSeriesAsync(valid, chosen, admin ? "admin" : "customer", mail, ct);
        if (result is SeriesWriteResult.Done done)
        {
            var first = done.Bookings[0];
            var skipped = occurrences.Select(o => o.Index).Except(chosen.Select(c => c.Index)).ToList();
            return TypedResults.Created($"/api/v1/bookings/{first.Token}/series", new SeriesResponse(done.SeriesId.ToString(), first.Token,
                $"{mail.BaseUrl}/booking/{first.Token}", skipped,
                done.Bookings.Select(b => BookingResponse.From(b.Booking, b.Token, mail.BaseUrl, withHistory: false)).ToList()));
        }
        // Nothing was written: answer with every occurrence as it stands now, so the client can choose again.
        if (result is SeriesWriteResult.Invalid invalid)
        {
            return Problems.Validation(invalid.Errors);
        }
        var check = await PlanAsync(db, page, valid.Service, valid.Branch, valid.Staff, occurrences, rule, valid.TimeZone, clock.GetCurrentInstant(), ct,
            Mobile.MobileServices.TripTo(page, valid.Place));
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = Problems.TypeBase + "slot-unavailable",
            Title = "Time slot no longer available",
            Status = 409,
            Detail = "Some occurrences of the series cannot be booked; nothing was booked. Skip them or choose another time for them.",
        };
        problem.Extensions["taken"] = ((SeriesWriteResult.Taken)result).Indexes;
        problem.Extensions["occurrences"] = check.Occurrences;
        return TypedResults.Problem(problem);
    }

    /// <summary>The occurrences to book after the client's choices: skipped ones left out, moved ones at their new start (same local date).</summary>
    public static List<(int Index, Instant Start)> Choose(IReadOnlyList<Occurrence> occurrences, List<OccurrenceChoice>? choices, DateTimeZone zone, Errors e)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        ArgumentNullException.ThrowIfNull(e);
        var starts = occurrences.ToDictionary(o => o.Index, o => (Instant?)o.Start);
        if (choices is { Count: > SeriesValidation.MaxOccurrences })
        {
            e.Add("occurrences", $"At most {SeriesValidation.MaxOccurrences} entries.");
            return [];
        }
        for (var i = 0; i < (choices?.Count ?? 0); i++)
        {
            var c = choices![i];
            var path = $"occurrences[{i}]";
            if (c is null || c.Index is not { } index || !starts.ContainsKey(index))
            {
                e.Add($"{path}.index", $"Must be the index of an occurrence, 0 to {occurrences.Count - 1}.");
                continue;
            }
            if (c.Skip == true)
            {
                starts[index] = null;
            }
            else if (c.Start is not null)
            {
                if (!TimeFormats.TryParseInstant(c.Start, out var moved))
                {
                    e.Add($"{path}.start", $"Must be ISO-8601 with an offset, {TimeFormats.RangeHint}.");
                }
                else if (moved.InZone(zone).Date != occurrences.First(o => o.Index == index).Local.Date)
                {
                    e.Add($"{path}.start", "Must be on the same date as the occurrence it replaces.");
                }
                else
                {
                    starts[index] = moved;
                }
            }
        }
        var chosen = starts.Where(s => s.Value is not null).Select(s => (s.Key, s.Value!.Value)).OrderBy(s => s.Key).ToList();
        if (!e.Any && chosen.Count == 0)
        {
            e.Add("occurrences", "Every occurrence is skipped: nothing to book.");
        }
        return chosen;
    }

    // ---- manage ----

    public static async Task<Booking?> FindAsync(BookwellDb db, string token, CancellationToken ct) =>
        ManageTokens.LooksValid(token) ? await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.ManageTokenHash == ManageTokens.Hash(token), ct) : null;

    /// <summary>Every occurrence of the booking's series in order of start.</summary>
    public static async Task<SeriesView?> ViewAsync(BookwellDb db, Booking booking, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        if (booking.SeriesId is not { } series)
        {
            return null;
        }
        var zone = TimeFormats.Zone(booking.TimeZone) ?? DateTimeZone.Utc;
        var all = await OccurrencesAsync(db, series, ct);
        return new SeriesView(series.ToString(), all.Select(b => new SeriesItem(b.Id.ToString(), b.SeriesIndex ?? 0, b.Status.ToWire(),
            TimeFormats.Format(b.StartsAt, zone), TimeFormats.Format(b.EndsAt, zone), b.Id == booking.Id)).ToList());
    }

    public static Task<List<Booking>> OccurrencesAsync(BookwellDb db, Guid series, CancellationToken ct) =>
        db.Bookings.AsNoTracking().Where(b => b.SeriesId == series).OrderBy(b => b.StartsAt).ThenBy(b => b.SeriesIndex).ToListAsync(ct);

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> GetForClient(string token, BookwellDb db, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        return await ViewAsync(db, booking, ct) is { } view ? TypedResults.Ok(view) : Problems.NotFound("This booking is not part of a series.");
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> AdminGet(string id, BookwellDb db, CancellationToken ct)
    {
        var booking = RouteIds.TryParse(id, out var guid) ? await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == guid, ct) : null;
        if (booking is null)
        {
            return Problems.NotFound("No such booking.");
        }
        return await ViewAsync(db, booking, ct) is { } view ? TypedResults.Ok(view) : Problems.NotFound("This booking is not part of a series.");
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> CancelForClient(string token, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesCanceller canceller, IConfiguration config, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        return await CancelCore(booking, request, db, cache, canceller, "customer", MailContexts.For(request, config), ct);
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> AdminCancel(string id, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesCanceller canceller, IConfiguration config, CancellationToken ct)
    {
        var booking = RouteIds.TryParse(id, out var guid) ? await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == guid, ct) : null;
        if (booking is null)
        {
            return Problems.NotFound("No such booking.");
        }
        return await CancelCore(booking, request, db, cache, canceller, "admin", MailContexts.For(request, config), ct);
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> RescheduleForClient(string token, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesMover mover, IConfiguration config, CancellationToken ct)
    {
        var booking = await FindAsync(db, token, ct);
        if (booking is null)
        {
            return Problems.NotFound("No booking for this link.");
        }
        return await SeriesRescheduling.RescheduleCore(booking, request, db, cache, mover,
            new Actor("customer", MailContexts.For(request, config), null, token), admin: false, ct);
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> AdminReschedule(string id, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesMover mover, IConfiguration config, CancellationToken ct)
    {
        var booking = RouteIds.TryParse(id, out var guid) ? await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == guid, ct) : null;
        if (booking is null)
        {
            return Problems.NotFound("No such booking.");
        }
        return await SeriesRescheduling.RescheduleCore(booking, request, db, cache, mover, new Actor("admin", MailContexts.For(request, config)),
            admin: true, ct);
    }

    private static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> CancelCore(Booking booking, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesCanceller canceller, string by, MailContext mail, CancellationToken ct)
    {
        if (booking.SeriesId is null)
        {
            return Problems.NotFound("This booking is not part of a series.");
        }
        var (body, errors) = await JsonBody.ReadAsync<SeriesCancelRequest>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (body.Scope is not (null or "one" or "following" or "all"))
        {
            return Problems.Validation("scope", "Must be one, following or all.");
        }
        var all = await OccurrencesAsync(db, booking.SeriesId.Value, ct);
        var from = body.Index is { } index ? all.FirstOrDefault(b => b.SeriesIndex == index) : all.First(b => b.Id == booking.Id);
        if (from is null)
        {
            return Problems.Validation("index", "No occurrence with this index in the series.");
        }
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(booking.PageSlug, out var page);
        // "all" (issue 15): every occurrence still to come, whichever the link belongs to; the past ones stay as they were.
        var now = request.HttpContext.RequestServices.GetRequiredService<IClock>().GetCurrentInstant();
        var targets = body.Scope switch
        {
            "following" => all.Where(b => b.StartsAt >= from.StartsAt).ToList(),
            "all" => all.Where(b => b.StartsAt > now).ToList(),
            _ => [from],
        };
        var open = targets.Where(b => b.Status.IsOpen()).Select(b => b.Id).ToList();
        if (open.Count == 0)
        {
            return Problems.InvalidTransition(from.Status.ToWire(), BookingStatus.Cancelled.ToWire());
        }
        await canceller.CancelAsync(open, by, page, mail, ct);
        return TypedResults.Ok((await ViewAsync(db, booking, ct))!);
    }
}

public static class SeriesRescheduling
{
    /// <summary>
    /// The single reschedule's check (<see cref="Organizations.OrganizationBookings.OutsideSlots"/>) for every occurrence the
    /// move would take: the asked one answers its own message; a later one names itself (index and new start) first.
    /// Judged again by nothing else: the mover places each occurrence in the organization's view, which offers no time outside.
    /// The API asks in English with ISO times; the client's manage page in the visitor's language and with its own
    /// <paramref name="when"/> (a booking outside a series passes itself as <paramref name="all"/>).
    /// </summary>
    public static string? OutsideSlots(CompiledPage site, IReadOnlyList<Booking> all, Booking anchor, Instant start, bool following, Instant now,
        string language = "en", Func<Instant, string>? when = null)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.OrganizationKey is null || site.Services.GetValueOrDefault(anchor.ServiceKey) is not { } service)
        {
            return null;
        }
        foreach (var (occurrence, to, _) in SeriesMover.Plan(all, anchor, start, following, site.Zone, now).OrderBy(p => p.From))
        {
            if (Organizations.OrganizationBookings.OutsideSlots(site, occurrence, service, to, language) is { } outside)
            {
                return occurrence.Id == anchor.Id
                    ? outside
                    : BookingRuleText.Words.FormatIn(language, System.Globalization.CultureInfo.InvariantCulture, "Occurrence {0} (to {1}): {2}",
                        occurrence.SeriesIndex, when?.Invoke(to) ?? TimeFormats.Format(to, site.Zone), outside);
            }
        }
        return null;
    }

    /// <summary>
    /// Reschedules one occurrence (<c>scope</c> <c>one</c>, the default) or it and every open one after it
    /// (<c>following</c>): 200 with the series as it now stands; 409 <c>slot-unavailable</c> naming every occurrence that
    /// cannot move (nothing moved); 400 field by field.
    /// </summary>
    public static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> RescheduleCore(Booking booking, HttpRequest request, BookwellDb db,
        CatalogCache cache, SeriesMover mover, Actor actor, bool admin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(mover);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (booking.SeriesId is null)
        {
            return Problems.NotFound("This booking is not part of a series.");
        }
        var (body, errors) = await JsonBody.ReadAsync<SeriesRescheduleRequest>(request, 4096, Json.Options);
        return await RescheduleAsync(booking, body, errors, request, db, cache, mover, actor, admin, ct);
    }

    /// <summary>
    /// <see cref="RescheduleCore"/> once its body was read: also the MCP tool <c>reschedule_booking</c> with a <c>scope</c>.
    /// A member of an organization moves only within the organization's dates and time slots: an occurrence that would
    /// land outside them is the same <c>start</c> field error as the single reschedule's (nothing moved).
    /// </summary>
    public static async Task<Results<Ok<SeriesView>, ProblemHttpResult>> RescheduleAsync(Booking booking, SeriesRescheduleRequest? body, Errors errors,
        HttpRequest request, BookwellDb db, CatalogCache cache, SeriesMover mover, Actor actor, bool admin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(mover);
        ArgumentNullException.ThrowIfNull(actor);
        if (booking.SeriesId is not { } series)
        {
            return Problems.NotFound("This booking is not part of a series.");
        }
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (body.Scope is not (null or "one" or "following"))
        {
            errors.Add("scope", "Must be one or following.");
        }
        if (!TimeFormats.TryParseInstant(body.Start, out var start))
        {
            errors.Add("start", $"Required: the occurrence's new start as ISO-8601 with an offset, {TimeFormats.RangeHint}.");
        }
        var all = await SeriesEndpoints.OccurrencesAsync(db, series, ct);
        var anchor = body.Index is { } index ? all.FirstOrDefault(b => b.SeriesIndex == index) : all.First(b => b.Id == booking.Id);
        if (anchor is null)
        {
            errors.Add("index", "No occurrence with this index in the series.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var catalog = await cache.GetAsync(db, ct);
        catalog.Pages.TryGetValue(booking.PageSlug, out var site);
        // As the single reschedule: a member's occurrence outside the organization's dates or time slots is a field error.
        if (!admin && site is not null && OutsideSlots(site, all, anchor!, start, body.Scope == "following",
                request.HttpContext.RequestServices.GetRequiredService<IClock>().GetCurrentInstant()) is { } outside)
        {
            return Problems.Validation("start", outside);
        }
        // Issue 17: a member's booking moves only within the organization's view.
        var page = site is null ? null : admin ? site : Organizations.OrganizationBookings.ViewFor(site, booking);
        var service = page is null ? null : admin ? page.Services.GetValueOrDefault(anchor!.ServiceKey) : page.ActiveService(anchor!.ServiceKey);
        if (page is null || service is null)
        {
            return Problems.Make(409, "slot-unavailable", "Time slot no longer available", "This service can no longer be booked online.");
        }
        var result = await mover.MoveAsync(series, anchor!.Id, start, body.Scope == "following", page, service, actor with { Page = site }, ct);
        switch (result)
        {
            case SeriesMoveResult.Done:
                return TypedResults.Ok((await SeriesEndpoints.ViewAsync(db, booking, ct))!);
            case SeriesMoveResult.BadTransition bad:
                return Problems.InvalidTransition(bad.From.ToWire(), "rescheduled");
            case SeriesMoveResult.NoSuchOccurrence:
                return Problems.Validation("index", "No occurrence with this index in the series.");
            default:
                var zone = TimeFormats.Zone(booking.TimeZone) ?? page.Zone;
                var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Type = Problems.TypeBase + "slot-unavailable",
                    Title = "Time slot no longer available",
                    Status = 409,
                    Detail = "Some occurrences cannot move to their new time; nothing was moved.",
                };
                problem.Extensions["blocked"] = ((SeriesMoveResult.Refused)result).Blocked
                    .Select(b => new BlockedView(b.Index, TimeFormats.Format(b.From, zone), TimeFormats.Format(b.To, zone), b.Reason)).ToList();
                return TypedResults.Problem(problem);
        }
    }
}

/// <summary>
/// Cancels several occurrences of a series through <see cref="BookingLifecycle.CancelManyAsync"/> (one transaction, their time
/// freed for the waitlist), with no mail each but one mail to the client listing every date cancelled, and the business's
/// notice once.
/// </summary>
public sealed class SeriesCanceller(BookingLifecycle lifecycle, BookingMessages messages, IClock clock)
{
    public Task<List<Booking>> CancelAsync(IReadOnlyList<Guid> ids, string by, CompiledPage? page, MailContext mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(mail);
        // One transaction for the dates and their one mail: only the call that cancelled a date lists it, so a second cancel of the same
        // series at once (a double submit, the portal and the manage page) finds nothing left and sends nothing.
        return lifecycle.CancelManyAsync(ids, new Actor(by, null, page), cancelled =>
        {
            if (!messages.Mail || cancelled[0].WalkIn)
            {
                return [];
            }
            var now = clock.GetCurrentInstant();
            var first = cancelled[0];
            return [BookingMail.Compose(MessageKind.Cancelled, first, page, null, mail with { Language = first.Language }, now, cancelled.Select(b => b.StartsAt).ToList()),
                .. BookingMail.BusinessNotices("cancelled", first, page, now)];
        }, ct);
    }
}
