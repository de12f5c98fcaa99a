using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Calendars;

public sealed record FeedUrl(string Url);

/// <summary>Contract 4.9's status item; <c>kind</c> and the push figures are additions for two-way connections.</summary>
/// <param name="Stale">Additive: the source has not been read successfully within its freshness window (see
/// <see cref="StaleCalendars.IsStale(BusySource, Instant, Duration)"/>).</param>
/// <param name="WhenEventDeleted">Additive, two-way connections only: what a booking event deleted in the calendar does,
/// <c>restore</c> (written back; the default) or <c>cancel</c> (the booking is cancelled).</param>
public sealed record SourceStatus(string Staff, string Source, string? LastSuccessAt, string? LastError, int BusyCount, string? LastAttemptAt,
    string Kind = "ics", bool Broken = false, string? UserName = null, int PushedCount = 0, string? LastPushAt = null,
    string? LastPushError = null, int ExternalChanges = 0, bool Stale = false, string? WhenEventDeleted = null);

/// <summary>A CalDAV connection as asked for; Google and Microsoft 365 are connected through OAuth in the admin.</summary>
/// <param name="WhenEventDeleted">Optional: <c>restore</c> (default) or <c>cancel</c>, see <see cref="SourceStatus"/>.</param>
public sealed record ConnectionRequest(string? Kind, string? Url, string? UserName, string? Password, string? WhenEventDeleted = null);

/// <summary>A connection's settings changed in place (<c>PATCH /api/v1/admin/staff/{key}/calendar</c>).</summary>
public sealed record ConnectionSettings(string? WhenEventDeleted);

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
        admin.MapPut("/staff/{key}/calendar", Connect).WithName("ConnectStaffCalendar").WithTags("Calendars");
        admin.MapDelete("/staff/{key}/calendar", Disconnect).WithName("DisconnectStaffCalendar").WithTags("Calendars");
        admin.MapPatch("/staff/{key}/calendar", Update).WithName("UpdateStaffCalendar").WithTags("Calendars");
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

    private static bool Exists(TenantCatalog catalog, CalendarFeedKind kind, string key) =>
        kind == CalendarFeeds.StaffKind ? catalog.Pages.Values.Any(p => p.Staff.Any(s => s.Key == key)) : catalog.Pages.ContainsKey(key);

    private static async Task<Results<Ok<FeedUrl>, ProblemHttpResult>> Feed(CalendarFeedKind kind, string key, bool rotate, HttpRequest request, BookwellDb db,
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

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(CalendarFeedKind kind, string key, BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        if (!Exists(await cache.GetAsync(db, ct), kind, key))
        {
            return Problems.NotFound(kind == CalendarFeeds.StaffKind ? "No staff member with this key." : "No page with this slug.");
        }
        await CalendarFeeds.RevokeAsync(db, kind, key, ct);
        return TypedResults.NoContent();
    }

    /// <summary>Every source of the business with its health; <c>stale</c> judged at <paramref name="now"/> by the pages' limits.</summary>
    public static async Task<SourceStatusList> ListAsync(BookwellDb db, TenantCatalog catalog, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.BusySources.AsNoTracking().OrderBy(s => s.StaffKey).ThenBy(s => s.Url).ToListAsync(ct);
        return new SourceStatusList([.. rows.Select(s => Item(s, catalog, now))]);
    }

    public static SourceStatus Item(BusySource s, TenantCatalog catalog, Instant now)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new SourceStatus(s.StaffKey, s.Url, Format(s.LastSuccessAt), s.LastError, s.BusyCount, Format(s.LastAttemptAt), s.Kind.ToWire(), s.Broken, s.UserName,
            s.PushedCount, Format(s.LastPushAt), s.LastPushError, s.ExternalChanges, StaleCalendars.IsStale(s, now, StaleCalendars.LimitFor(catalog, s.StaffKey)),
            s.Kind == BusySource.Ics ? null : s.CancelOnDelete ? Cancel : Restore);
    }

    public const string Restore = "restore";
    public const string Cancel = "cancel";

    /// <summary>Whether <c>whenEventDeleted</c> asks to cancel (true), to write back (false); null (with a field error) for another word.</summary>
    public static bool? ParseWhenDeleted(string? value, Errors errors, bool whenMissing)
    {
        ArgumentNullException.ThrowIfNull(errors);
        switch (value)
        {
            case null:
                return whenMissing;
            case Restore:
                return false;
            case Cancel:
                return true;
            default:
                errors.Add("whenEventDeleted", $"Must be \"{Restore}\" (the event is written back) or \"{Cancel}\" (the booking is cancelled).");
                return null;
        }
    }

    /// <summary>
    /// Connects a staff member's CalDAV calendar (Nextcloud, Fastmail, iCloud with an app-specific password…): the
    /// address is checked by the SSRF rules and the credentials by one calendar query before anything is stored;
    /// the password is stored sealed (Data Protection) and never shown again.
    /// </summary>
    private static async Task<Results<Ok<SourceStatus>, ProblemHttpResult>> Connect(string key, HttpRequest request, BookwellDb db, CatalogCache cache,
        CalendarConnections connections, CalendarOptions options, IClock clock, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<ConnectionRequest>(request, 8192, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (!Exists(await cache.GetAsync(db, ct), CalendarFeeds.StaffKind, key))
        {
            return Problems.NotFound("No staff member with this key.");
        }
        var (checkedErrors, url) = await CheckCalDavAsync(body, connections, options, clock.GetCurrentInstant(), ct);
        if (checkedErrors.Any)
        {
            return Problems.Validation(checkedErrors);
        }
        var row = await connections.ConnectAsync(db, key, CalendarKind.CalDav, url!, body.UserName!.Trim(), body.Password!, ct,
            cancelOnDelete: body.WhenEventDeleted == Cancel);
        return TypedResults.Ok(Item(row, await cache.GetAsync(db, ct), clock.GetCurrentInstant()));
    }

    /// <summary>Changes a connection's settings without connecting again (the credentials stay as they are).</summary>
    private static async Task<Results<Ok<SourceStatus>, ProblemHttpResult>> Update(string key, HttpRequest request, BookwellDb db, CatalogCache cache,
        CalendarConnections connections, IClock clock, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<ConnectionSettings>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var catalog = await cache.GetAsync(db, ct);
        if (!Exists(catalog, CalendarFeeds.StaffKind, key))
        {
            return Problems.NotFound("No staff member with this key.");
        }
        var invalid = new Errors();
        var row = await db.BusySources.AsNoTracking().FirstOrDefaultAsync(s => s.StaffKey == key && s.Kind != BusySource.Ics, ct);
        if (ParseWhenDeleted(body.WhenEventDeleted, invalid, row?.CancelOnDelete ?? false) is not { } cancel)
        {
            return Problems.Validation(invalid);
        }
        if (row is null || !await connections.SetCancelOnDeleteAsync(db, key, cancel, ct))
        {
            return Problems.NotFound("This staff member has no calendar connected.");
        }
        row = await db.BusySources.AsNoTracking().FirstAsync(s => s.Id == row.Id, ct);
        return TypedResults.Ok(Item(row, catalog, clock.GetCurrentInstant()));
    }

    /// <summary>Field errors for a CalDAV connection, including a refused password or an unreachable calendar (one query is made).</summary>
    public static async Task<(Errors Errors, string? Url)> CheckCalDavAsync(ConnectionRequest body, CalendarConnections connections, CalendarOptions options,
        Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new Errors();
        if (body.Kind is not (null or CalDavProvider.KindName))
        {
            errors.Add("kind", body.Kind is "google" or "microsoft"
                ? "Google and Microsoft 365 calendars are connected through their sign-in, on the admin's calendar sync page."
                : "Must be \"caldav\".");
        }
        ParseWhenDeleted(body.WhenEventDeleted, errors, false);
        if (CalDavProvider.Problem(body.Url, options.AllowPrivateAddresses) is { } problem)
        {
            errors.Add("url", problem);
        }
        if (string.IsNullOrWhiteSpace(body.UserName) || body.UserName.Length > 200 || body.UserName.Contains(':', StringComparison.Ordinal) || body.UserName.Any(char.IsControl))
        {
            errors.Add("userName", "Required: at most 200 characters, no colon.");
        }
        if (string.IsNullOrEmpty(body.Password) || body.Password.Length > 1000 || body.Password.Any(char.IsControl))
        {
            errors.Add("password", "Required: at most 1000 characters.");
        }
        if (errors.Any)
        {
            return (errors, null);
        }
        var url = CalDavProvider.Collection(body.Url!.Trim());
        var probe = new BusySource { Kind = CalendarKind.CalDav, StaffKey = "", Url = url, UrlHash = "", UserName = body.UserName!.Trim() };
        try
        {
            await connections.Provider(CalendarKind.CalDav)!.ReadAsync(new Connection(probe, body.Password!), now, now + Duration.FromDays(1), DateTimeZone.Utc,
                new OwnEvents(new HashSet<string>(), new HashSet<string>()), ct);
        }
        catch (CalendarAuthException ex)
        {
            errors.Add("password", ex.Message);
        }
        catch (FeedException ex)
        {
            errors.Add("url", ex.Message);
        }
        return (errors, url);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Disconnect(string key, BookwellDb db, CatalogCache cache, CalendarConnections connections,
        CancellationToken ct)
    {
        if (!Exists(await cache.GetAsync(db, ct), CalendarFeeds.StaffKind, key))
        {
            return Problems.NotFound("No staff member with this key.");
        }
        return await connections.DisconnectAsync(db, key, ct) ? TypedResults.NoContent() : Problems.NotFound("This staff member has no calendar connected.");
    }

    private static string? Format(Instant? instant) => instant is { } i ? TimeFormats.Format(i, DateTimeZone.Utc) : null;

    private static async Task<Ok<SourceStatusList>> Status(BookwellDb db, CatalogCache cache, IClock clock, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, await cache.GetAsync(db, ct), clock.GetCurrentInstant(), ct));

    /// <summary>Reads every source of the business now and answers when done (202: the work is accepted; a failing source says so in its status).</summary>
    private static async Task<Accepted<SourceStatusList>> Sync(BookwellDb db, CalendarSync sync, CatalogCache cache, IClock clock, CancellationToken ct)
    {
        await sync.SyncTenantAsync(db.TenantId, ct);
        return TypedResults.Accepted("/api/v1/admin/calendars", await ListAsync(db, await cache.GetAsync(db, ct), clock.GetCurrentInstant(), ct));
    }
}
