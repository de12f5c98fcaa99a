using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Bookwell.Features.Waitlist;

public sealed class AcceptRequest
{
    public string? Start { get; set; }
}

/// <summary>The public waitlist API (contract 4.4).</summary>
public static class WaitlistEndpoints
{
    public static RouteGroupBuilder MapWaitlist(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/pages/{slug}/waitlist", Join).WithName("JoinWaitlist").WithTags("Waitlist")
            .Accepts<JoinRequest>("application/json").RequireRateLimiting(RateLimits.Bookings);
        var manage = api.MapGroup("/waitlist/{token}").WithTags("Waitlist").RequireRateLimiting(RateLimits.Manage);
        manage.MapGet("", Get).WithName("GetWaitlistEntry");
        manage.MapPost("/accept", Accept).WithName("AcceptWaitlistOffer").Accepts<AcceptRequest>("application/json");
        manage.MapPost("/decline", Decline).WithName("DeclineWaitlistOffer");
        manage.MapPost("/leave", Leave).WithName("LeaveWaitlist");
        return api;
    }

    private static async Task<Results<Created<EntryView>, ProblemHttpResult>> Join(string slug, HttpRequest request, BookwellDb db, CatalogCache cache,
        WaitlistService waitlist, IClock clock, CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            return Problems.NotFound("No such booking page.");
        }
        var (body, errors) = await JsonBody.ReadAsync<JoinRequest>(request, WaitlistService.MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (!string.IsNullOrWhiteSpace(body.Service) && WaitlistService.PublicService(page, body.Service) is null)
        {
            return Problems.NotFound("No such service on this page.");
        }
        // On or off per branch (issue 15): the chosen staff member's branch decides; without one, on at any branch will do.
        if (!BranchSettings.WaitlistOn(page, page.Staff.FirstOrDefault(s => s.Key == body.Staff)?.Branch))
        {
            return Problems.Validation("waitlist", WaitlistText.Say(TextSet.CurrentLanguage, "This page has no waitlist."));
        }
        // In the request's language (Accept-Language or ?lang=; English by default), as the address checks below already were.
        var entry = WaitlistService.Validate(body, page, clock.GetCurrentInstant(), errors, TextSet.CurrentLanguage);
        if (entry is null || errors.Any || !await waitlist.LocateAsync(entry, page, TextSet.CurrentLanguage, errors, ct))
        {
            return Problems.Validation(errors);
        }
        if (await waitlist.JoinAsync(entry, page, TextSet.CurrentLanguage, ct) is not { } token)
        {
            return AlreadyWaiting(TextSet.CurrentLanguage);
        }
        return TypedResults.Created($"/api/v1/waitlist/{token}", EntryView.Of(entry, page, token));
    }

    /// <summary>
    /// A second join by the same person (e-mail, in any case) for the same page, service, staff member or anyone, and date. It
    /// names neither the entry there nor its link: the person has that link in the mail the first join sent.
    /// </summary>
    public static ProblemHttpResult AlreadyWaiting(string language) =>
        Problems.Make(StatusCodes.Status409Conflict, "already-waiting", WaitlistText.Say(language, "Already on the waitlist"),
            WaitlistText.Say(language, "This e-mail address is already on the waitlist for this service and day. Use the link in the e-mail we sent to see or leave your place."));

    private static async Task<Results<Ok<EntryView>, ProblemHttpResult>> Get(string token, BookwellDb db, CatalogCache cache, WaitlistService waitlist,
        CancellationToken ct)
    {
        if (await waitlist.FindAsync(token, ct) is not { } entry)
        {
            return Problems.NotFound("No waitlist entry for this link.");
        }
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(entry.PageSlug, out var page);
        return TypedResults.Ok(EntryView.Of(entry, page));
    }

    private static async Task<Results<Created<BookingResponse>, ProblemHttpResult>> Accept(string token, HttpRequest request, WaitlistService waitlist,
        IConfiguration config, CancellationToken ct)
    {
        if (await waitlist.FindAsync(token, ct) is not { } entry)
        {
            return Problems.NotFound("No waitlist entry for this link.");
        }
        var (body, errors) = await JsonBody.ReadAsync<AcceptRequest>(request, WaitlistService.MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (!TimeFormats.TryParseInstant(body.Start, out var start))
        {
            return Problems.Validation("start", $"Required: the offered start as ISO-8601 with an offset, {TimeFormats.RangeHint}.");
        }
        var mail = MailContexts.For(request, config);
        return await waitlist.AcceptAsync(entry, start, mail, ct) switch
        {
            AcceptResult.Booked b => TypedResults.Created($"/api/v1/bookings/{b.Token}",
                BookingResponse.From(b.Booking, b.Token, mail.BaseUrl, withHistory: true) with { PaymentUrl = b.PaymentUrl }),
            AcceptResult.PaymentUnavailable => Payments.PaymentProblems.Unavailable(),
            _ => Problems.SlotUnavailable("This time is not (or no longer) offered to this waitlist entry."),
        };
    }

    private static Task<Results<Ok<EntryView>, ProblemHttpResult>> Decline(string token, BookwellDb db, CatalogCache cache, WaitlistService waitlist,
        CancellationToken ct) => LetGo(token, WaitlistStatus.Declined, db, cache, waitlist, ct);

    private static Task<Results<Ok<EntryView>, ProblemHttpResult>> Leave(string token, BookwellDb db, CatalogCache cache, WaitlistService waitlist,
        CancellationToken ct) => LetGo(token, WaitlistStatus.Left, db, cache, waitlist, ct);

    private static async Task<Results<Ok<EntryView>, ProblemHttpResult>> LetGo(string token, WaitlistStatus to, BookwellDb db, CatalogCache cache,
        WaitlistService waitlist, CancellationToken ct)
    {
        if (await waitlist.FindAsync(token, ct) is not { } entry)
        {
            return Problems.NotFound("No waitlist entry for this link.");
        }
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(entry.PageSlug, out var page);
        if (entry.Status == to)
        {
            return TypedResults.Ok(EntryView.Of(entry, page));
        }
        if (await waitlist.LetGoAsync(entry, to, ct) is { } done)
        {
            return TypedResults.Ok(EntryView.Of(done, page));
        }
        return to == WaitlistStatus.Declined
            ? Problems.Make(409, "not-offered", "Nothing to decline", "This waitlist entry has no open offer.")
            : Problems.Make(409, "invalid-transition", "Invalid status change", "This waitlist entry is no longer waiting.");
    }
}
