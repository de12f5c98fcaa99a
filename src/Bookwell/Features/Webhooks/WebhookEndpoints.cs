using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Webhooks;

/// <summary>A delivery as the admin sees it: the event, where it goes, and how it went (no body: it holds client details).</summary>
public sealed record WebhookDelivery(string Id, string WebhookId, string Type, string Endpoint, string? Url, string? BookingId, string Status, int Attempts,
    string? LastError, string CreatedAt, string DueAt, string? SentAt);

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDelivery> Items);

/// <summary>Contract 4.7: the webhook document (PUT, and GET without secrets), plus the delivery log and a test event.</summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var hooks = admin.MapGroup("/webhooks").WithTags("Webhooks");
        hooks.MapGet("", Get).WithName("GetWebhooks");
        hooks.MapPut("", Put).WithName("PutWebhooks");
        hooks.MapGet("/deliveries", Deliveries).WithName("ListWebhookDeliveries");
        hooks.MapPost("/test", Test).WithName("SendTestWebhook");
        return admin;
    }

    private static async Task<Ok<WebhookList>> Get(BookwellDb db, CancellationToken ct) =>
        TypedResults.Ok(WebhookSettings.View(await WebhookSettings.ActiveAsync(db, ct)));

    private static async Task<Results<Ok<WebhookList>, ProblemHttpResult>> Put(HttpRequest request, BookwellDb db, SqliteWriteGate gate,
        IDataProtectionProvider protection, WebhookOptions options, IClock clock, CancellationToken ct)
    {
        var (doc, errors) = await JsonBody.ReadAsync<WebhookDocument>(request, 64 * 1024, Json.Options);
        if (doc is null)
        {
            return Problems.Validation(errors);
        }
        var (result, applyErrors) = await WebhookSettings.ApplyAsync(db, gate, protection, options, doc, clock.GetCurrentInstant(), ct);
        return result is null ? Problems.Validation(applyErrors) : TypedResults.Ok(result);
    }

    private static async Task<Ok<WebhookDeliveryList>> Deliveries(BookwellDb db, CancellationToken ct) =>
        TypedResults.Ok(new WebhookDeliveryList(await RecentAsync(db, 100, ct)));

    /// <summary>Queues the test event to every active endpoint now; 404 when there is none.</summary>
    private static async Task<Results<Accepted<WebhookDeliveryList>, ProblemHttpResult>> Test(BookwellDb db, SqliteWriteGate gate, OutboxSignal signal,
        IClock clock, CancellationToken ct)
    {
        var queued = await QueueTestAsync(db, gate, signal, clock.GetCurrentInstant(), ct);
        if (queued.Count == 0)
        {
            return Problems.NotFound("No webhook endpoints are configured.");
        }
        return TypedResults.Accepted("/api/v1/admin/webhooks/deliveries", new WebhookDeliveryList(await RecentAsync(db, queued.Count, ct)));
    }

    public static async Task<List<OutboxMessage>> QueueTestAsync(BookwellDb db, SqliteWriteGate gate, OutboxSignal signal, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(signal);
        var targets = await WebhookQueue.SubscribersAsync(db, db.TenantId, WebhookEvents.Test, ct);
        var messages = WebhookQueue.Messages(targets, db.TenantId, null, WebhookEvents.Test, new JsonObject { ["test"] = true }, now);
        if (messages.Count == 0)
        {
            return messages;
        }
        using (await gate.EnterAsync(db, ct))
        {
            db.Outbox.AddRange(messages);
            await db.SaveChangesAsync(ct);
        }
        signal.Notify();
        return messages;
    }

    /// <summary>The business's latest webhook deliveries, newest first.</summary>
    public static async Task<List<WebhookDelivery>> RecentAsync(BookwellDb db, int take, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Outbox.AsNoTracking().Where(m => m.Channel == WebhookQueue.Channel)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(take).ToListAsync(ct);
        var urls = await db.WebhookEndpoints.AsNoTracking().ToDictionaryAsync(w => w.Id.ToString(), w => w.Url, ct);
        return [.. rows.Select(m => new WebhookDelivery(m.Id.ToString(), WebhookSender.WebhookId(m.Id), m.Subject, m.To, urls.GetValueOrDefault(m.To),
            m.BookingId?.ToString(), m.Status.ToWire(), m.Attempts, m.LastError, Format(m.CreatedAt), Format(m.DueAt), m.SentAt is { } s ? Format(s) : null))];
    }

    private static string Format(Instant instant) => TimeFormats.Format(instant, DateTimeZone.Utc);
}
