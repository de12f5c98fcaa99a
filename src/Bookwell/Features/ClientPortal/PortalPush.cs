using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

public sealed class PushSubscriptionKeys
{
    public string? P256dh { get; set; }
    public string? Auth { get; set; }
}

/// <summary>What the browser's <c>PushSubscription.toJSON()</c> gives (its <c>expirationTime</c> is ignored).</summary>
public sealed class PushSubscriptionBody
{
    public string? Endpoint { get; set; }
    public PushSubscriptionKeys? Keys { get; set; }
}

/// <summary>
/// The portal's Web Push subscriptions: the Notifications page's script (no inline script) posts the browser's
/// subscription here with the page's antiforgery token. One row per device: an endpoint already stored (the same
/// browser, perhaps now signed in as someone else) is given to the client who sent it. At most
/// <see cref="MaxDevices"/> per client; the oldest gives way.
/// </summary>
public static class PortalPush
{
    public const int MaxDevices = 10;
    private const int MaxBodyBytes = 4 * 1024;

    public static IEndpointRouteBuilder MapPortalPush(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account/push").RequireAuthorization(ClientPortalSetup.Policy).ExcludeFromDescription();
        group.MapPost("/subscriptions", Subscribe);
        group.MapPost("/subscriptions/remove", Unsubscribe);
        return app;
    }

    /// <summary>The signed-in client's id, when the session still holds (client not erased, account stamp unchanged, its organization link neither revoked nor expired) and the request carries the antiforgery token.</summary>
    private static async Task<(Guid? Client, IResult? Refusal)> ClientAsync(HttpContext http, BookwellDb db, IAntiforgery antiforgery, IClock clock, CancellationToken ct)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return (null, Problems.Make(400, "antiforgery", "The request is not valid", "The page's antiforgery token is missing or wrong; reload the page."));
        }
        if (!Guid.TryParse(http.User.FindFirstValue(ClientPortalSetup.CustomerClaim), out var id) ||
            !await db.Customers.AnyAsync(c => c.Id == id && c.ErasedAt == null && c.MergedIntoId == null, ct))
        {
            return (null, Problems.Unauthorized());
        }
        var stamp = await db.ClientAccounts.Where(a => a.CustomerId == id).Select(a => a.SecurityStamp).FirstOrDefaultAsync(ct) ?? "";
        return stamp == (http.User.FindFirstValue(ClientAccounts.StampClaim) ?? "") && await PortalSession.OrganizationLinkHoldsAsync(db, http.User, clock.GetCurrentInstant(), ct)
            ? (id, null)
            : (null, Problems.Unauthorized());
    }

    private static async Task<IResult> Subscribe(HttpContext http, BookwellDb db, IAntiforgery antiforgery, WebPushSender push, SqliteWriteGate gate, IClock clock,
        CancellationToken ct)
    {
        var (client, refusal) = await ClientAsync(http, db, antiforgery, clock, ct);
        if (client is not { } customerId)
        {
            return refusal!;
        }
        var (body, errors) = await JsonBody.ReadAsync<PushSubscriptionBody>(http.Request, MaxBodyBytes, Json.Options);
        if (body is not null)
        {
            if (!push.AcceptsEndpoint(body.Endpoint))
            {
                errors.Add("endpoint", "Required: the push service's https address, at most 2048 characters.");
            }
            // RFC 8291: the browser's key is an uncompressed P-256 point (65 bytes, 0x04 first) and its secret 16 bytes.
            if (PushKeys.FromBase64Url(body.Keys?.P256dh) is not { Length: 65 } point || point[0] != 0x04)
            {
                errors.Add("keys.p256dh", "Required: the browser's P-256 public key (65 bytes, URL-safe base64).");
            }
            if (PushKeys.FromBase64Url(body.Keys?.Auth) is not { Length: 16 })
            {
                errors.Add("keys.auth", "Required: the browser's 16-byte authentication secret (URL-safe base64).");
            }
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var now = clock.GetCurrentInstant();
        Guid id;
        using (await gate.EnterAsync(db, ct))
        {
            var row = await db.ClientPushSubscriptions.FirstOrDefaultAsync(s => s.Endpoint == body!.Endpoint, ct);
            if (row is null)
            {
                row = new ClientPushSubscription { Id = Ids.New(), TenantId = db.TenantId, CustomerId = customerId, Endpoint = body!.Endpoint!, P256dh = "", Auth = "", CreatedAt = now };
                db.ClientPushSubscriptions.Add(row);
            }
            row.CustomerId = customerId;
            row.P256dh = body!.Keys!.P256dh!;
            row.Auth = body.Keys.Auth!;
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The same endpoint arrived twice at once: the other request stored it.
                db.ChangeTracker.Clear();
                return Results.Json(new { status = "subscribed" }, Json.Options, statusCode: StatusCodes.Status200OK);
            }
            id = row.Id;
            db.ChangeTracker.Clear();
            var extra = await db.ClientPushSubscriptions.Where(s => s.CustomerId == customerId).OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
                .Skip(MaxDevices).Select(s => s.Id).ToListAsync(ct);
            if (extra.Count > 0)
            {
                await db.ClientPushSubscriptions.Where(s => extra.Contains(s.Id)).ExecuteDeleteAsync(ct);
            }
        }
        return Results.Json(new { status = "subscribed", id }, Json.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Unsubscribe(HttpContext http, BookwellDb db, IAntiforgery antiforgery, SqliteWriteGate gate, IClock clock, CancellationToken ct)
    {
        var (client, refusal) = await ClientAsync(http, db, antiforgery, clock, ct);
        if (client is not { } customerId)
        {
            return refusal!;
        }
        var (body, errors) = await JsonBody.ReadAsync<PushSubscriptionBody>(http.Request, MaxBodyBytes, Json.Options);
        if (body is not null && body.Endpoint is not { Length: > 0 and <= 2048 })
        {
            errors.Add("endpoint", "Required: the subscription's endpoint.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        using (await gate.EnterAsync(db, ct))
        {
            await db.ClientPushSubscriptions.Where(s => s.CustomerId == customerId && s.Endpoint == body!.Endpoint).ExecuteDeleteAsync(ct);
        }
        return Results.NoContent();
    }
}
