using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Calendars;

public sealed record FeedUrl(string Url);

public sealed record SourceStatus(string Staff, string Source, string? LastSuccessAt, string? LastError, int BusyCount, string? LastAttemptAt);

public sealed record SourceStatusList(IReadOnlyList<SourceStatus> Items);

/// <summary>Contract 4.9: sync trigger and status, and the secret feeds of staff members and pages.</summary>
public static class CalendarEndpoints
{
    public static RouteGroupBuilder MapCalendarsAdmin(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/calendars", Status).WithName("GetCalendarSync").WithTags("Calendars");
        admin.MapPost("/calendars/sync", Sync).WithName("SyncCalendars").WithTags("Calendars");
        admin.MapGet("/staff/{key}/feed", (string key, HttpRequest r, BookwellDb db, CatalogCache c, IDataProtectionProvider p, IClock clock, CancellationToken ct) =>
            Feed(CalendarFeeds.StaffKind, key, rotate: false, r, db, c, p, clock, ct)).WithName("GetStaffFeed").WithTags("Calendars");
        admin.MapPost("/staff/{key}/feed/rotate", (string key, HttpRequest r, BookwellDb db, CatalogCache c, IDataProtectionProvider p, IClock clock, CancellationToken ct) =>
            Feed(CalendarFeeds.StaffKind, key, rotate: true, r, db, c, p, clock, ct)).WithName("RotateStaffFeed").WithTags("Calendars");
        admin.MapDelete("/staff/{key}/feed", (string key, BookwellDb db, CatalogCache c, CancellationToken ct) =>
            Revoke(CalendarFeeds.StaffKind, key, db, c, ct)).WithName("RevokeStaffFeed").WithTags("Calendars");
        admin.MapGet("/pages/{slug}/feed", (string slug, HttpRequest r, BookwellDb db, CatalogCache c, IDataProtectionProvider p, IClock clock, CancellationToken ct) =>
            Feed(CalendarFeeds.PageKind, slug, rotate: false, r, db, c, p, clock, ct)).WithName("GetPageFeed").WithTags("Calendars");
        admin.MapPost("/pages/{slug}/feed/rotate", (string slug, HttpRequest r, BookwellDb db, CatalogCache c, IDataProtectionProvider p, IClock clock, CancellationToken ct) =>
            Feed(CalendarFeeds.PageKind, slug, rotate: true, r, db, c, p, clock, ct)).WithName("RotatePageFeed").WithTags("Calendars");
        admin.MapDelete("/pages/{slug}/feed", (string slug, BookwellDb db, CatalogCache c, CancellationToken ct) =>
            Revoke(CalendarFeeds.PageKind, slug, db, c, ct)).WithName("RevokePageFeed").WithTags("Calendars");
        return admin;
    }

    /// <summary>The public end of a feed: the token is the only credential, so an unknown or rotated one is a plain 404.</summary>
    public static IEndpointRouteBuilder MapCalendarFeeds(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/feeds/{token}.ics", Serve).WithName("CalendarFeed").WithTags("Calendars");
        return app;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Serve(string token, HttpResponse response, BookwellDb db, CatalogCache cache,
        IClock clock, CancellationToken ct)
    {
        var ics = await CalendarFeeds.RenderAsync(db, await cache.GetAsync(db, ct), token, clock.GetCurrentInstant(), ct);
        if (ics is null)
        {
            return Problems.NotFound("No calendar feed at this address.");
        }
        response.Headers.CacheControl = "private, no-store";
        response.Headers["X-Robots-Tag"] = "noindex";
        return TypedResults.Content(ics, "text/calendar; charset=utf-8");
    }

    private static bool Exists(TenantCatalog catalog, string kind, string key) =>
        kind == CalendarFeeds.StaffKind ? catalog.Pages.Values.Any(p => p.Staff.Any(s => s.Key == key)) : catalog.Pages.ContainsKey(key);

    private static async Task<Results<Ok<FeedUrl>, ProblemHttpResult>> Feed(string kind, string key, bool rotate, HttpRequest request, BookwellDb db,
        CatalogCache cache, IDataProtectionProvider protection, IClock clock, CancellationToken ct)
    {
        if (!Exists(await cache.GetAsync(db, ct), kind, key))
        {
            return Problems.NotFound(kind == CalendarFeeds.StaffKind ? "No staff member with this key." : "No page with this slug.");
        }
        var now = clock.GetCurrentInstant();
        var token = rotate
            ? await CalendarFeeds.RotateAsync(db, protection, kind, key, now, ct)
            : await CalendarFeeds.TokenAsync(db, protection, kind, key, now, ct);
        return TypedResults.Ok(new FeedUrl(CalendarFeeds.Url(TenantLinks.BaseUrl(request), token)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(string kind, string key, BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        if (!Exists(await cache.GetAsync(db, ct), kind, key))
        {
            return Problems.NotFound(kind == CalendarFeeds.StaffKind ? "No staff member with this key." : "No page with this slug.");
        }
        await CalendarFeeds.RevokeAsync(db, kind, key, ct);
        return TypedResults.NoContent();
    }

    public static async Task<SourceStatusList> ListAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.BusySources.AsNoTracking().OrderBy(s => s.StaffKey).ThenBy(s => s.Url).ToListAsync(ct);
        return new SourceStatusList([.. rows.Select(s => new SourceStatus(s.StaffKey, s.Url, Format(s.LastSuccessAt), s.LastError, s.BusyCount, Format(s.LastAttemptAt)))]);
    }

    private static string? Format(Instant? instant) => instant is { } i ? TimeFormats.Format(i, DateTimeZone.Utc) : null;

    private static async Task<Ok<SourceStatusList>> Status(BookwellDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct));

    /// <summary>Reads every source of the business now and answers when done (202: the work is accepted; a failing source says so in its status).</summary>
    private static async Task<Accepted<SourceStatusList>> Sync(BookwellDb db, CalendarSync sync, CancellationToken ct)
    {
        await sync.SyncTenantAsync(db.TenantId, ct);
        return TypedResults.Accepted("/api/v1/admin/calendars", await ListAsync(db, ct));
    }
}
