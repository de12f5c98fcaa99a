using System.Text.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Webhooks;

/// <summary>An endpoint subscribed to an event, as the queue needs it (no secret: the sender opens that at delivery).</summary>
public sealed record WebhookTarget(Guid Id, string Events);

/// <summary>
/// Queues webhook deliveries as outbox messages (channel <c>webhook</c>), written by the caller in the same transaction
/// as the change they announce: one message per subscribed endpoint, its id the <c>webhook-id</c> of every attempt.
/// The body is fixed when queued; only the signature's timestamp changes between attempts.
/// </summary>
public static class WebhookQueue
{
    public const Notifications.OutboxChannel Channel = Notifications.OutboxChannel.Webhook;
    public const MessageKind Kind = MessageKind.Webhook;

    /// <summary>
    /// A node's copy of each business's endpoints, read again after a second. Every new booking asks for them, and reading
    /// them was most of a booking request's own time (one query per request, measured with dotnet-trace: 63 % of the
    /// creator's thread time on SQLite). A change made on this node is seen at once (<see cref="Invalidate"/>); one made on
    /// another node within the second, as the configuration catalog and calendar connections are.
    /// </summary>
    private static readonly TenantCache<List<WebhookTarget>> Endpoints = new(TimeSpan.FromSeconds(1));

    /// <summary>Forget this node's copy of a business's endpoints (after they changed).</summary>
    public static void Invalidate(BookwellDb db, Guid tenantId) => Endpoints.Invalidate(db, tenantId);

    /// <summary>The business's active endpoints subscribed to <paramref name="type"/> (every endpoint for the test event).</summary>
    public static async Task<List<WebhookTarget>> SubscribersAsync(BookwellDb db, Guid tenantId, string type, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Read across the query filter by the booking's own tenant: the time-rules worker serves every business with one context.
        var rows = await Endpoints.GetAsync(db, tenantId, (context, token) => context.WebhookEndpoints.IgnoreQueryFilters().AsNoTracking()
            .Where(w => w.TenantId == tenantId && w.Active).Select(w => new WebhookTarget(w.Id, w.Events)).ToListAsync(token), ct);
        if (rows.Count == 0)
        {
            return [];
        }
        return type == WebhookEvents.Test ? [.. rows] : rows.FindAll(r => r.Events.Split(',').Contains(type));
    }

    /// <summary>The event's messages for a booking change; <paramref name="member"/> adds a sibling of <c>booking</c> under <c>data</c> (<c>payment</c>, <c>invoice</c>).</summary>
    public static List<OutboxMessage> Messages(IReadOnlyList<WebhookTarget> targets, string type, Booking booking, Instant now, string? member = null,
        JsonNode? value = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(booking);
        if (targets.Count == 0)
        {
            return [];
        }
        var data = new JsonObject { ["booking"] = BookingNode(booking) };
        if (member is not null)
        {
            data[member] = value;
        }
        return Messages(targets, booking.TenantId, booking.Id, type, data, now);
    }

    public static List<OutboxMessage> Messages(IReadOnlyList<WebhookTarget> targets, Guid tenantId, Guid? bookingId, string type, JsonObject data, Instant now)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var body = new JsonObject
        {
            ["type"] = type,
            ["timestamp"] = TimeFormats.Format(now, DateTimeZone.Utc),
            ["data"] = data,
        }.ToJsonString(Json.Options);
        return [.. targets.Select(t => new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = tenantId,
            BookingId = bookingId,
            Kind = Kind,
            Channel = Channel,
            To = t.Id.ToString(),
            Subject = type,
            TextBody = body,
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        })];
    }

    /// <summary>The booking as the admin API writes it (without its manage token: a webhook receiver is not the client).</summary>
    public static JsonNode BookingNode(Booking booking) =>
        JsonSerializer.SerializeToNode(BookingResponse.From(booking, null, null, withHistory: true), Json.Options)!;

    /// <summary>Adds the event's messages for a booking to the context (saved with the caller's transaction).</summary>
    public static async Task QueueAsync(BookwellDb db, string type, Booking booking, Instant now, CancellationToken ct, string? member = null,
        JsonNode? value = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var targets = await SubscribersAsync(db, booking.TenantId, type, ct);
        db.Outbox.AddRange(Messages(targets, type, booking, now, member, value));
    }

    /// <summary>
    /// An invoice event (<c>invoice.issued</c>, <c>invoice.paid</c>, <c>invoice.voided</c>): <c>data.invoice</c> as the invoices API writes it, and
    /// <c>data.booking</c> for an invoice of a booking (null for one written by hand), in the caller's transaction.
    /// </summary>
    public static async Task QueueInvoiceAsync(BookwellDb db, string type, Invoices.Invoice invoice, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(invoice);
        var targets = await SubscribersAsync(db, invoice.TenantId, type, ct);
        if (targets.Count == 0)
        {
            return;
        }
        Booking? booking = null;
        if (invoice.BookingId is { } bookingId)
        {
            booking = db.Bookings.Local.FirstOrDefault(b => b.Id == bookingId)
                      ?? await db.Bookings.IgnoreQueryFilters().AsNoTracking().Include(b => b.History)
                          .FirstOrDefaultAsync(b => b.Id == bookingId && b.TenantId == invoice.TenantId, ct);
        }
        var data = new JsonObject
        {
            ["booking"] = booking is null ? null : BookingNode(booking),
            ["invoice"] = JsonSerializer.SerializeToNode(Invoices.InvoiceResponse.From(invoice, now), Json.Options),
        };
        db.Outbox.AddRange(Messages(targets, invoice.TenantId, booking?.Id, type, data, now));
    }

    /// <summary>
    /// The booking event a lifecycle change amounts to: a move is <c>booking.rescheduled</c>; otherwise the status it reached
    /// (confirmed, cancelled (also an expired hold), completed, no_show); nothing for <c>in_progress</c> or no change.
    /// </summary>
    public static string? ForChange(BookingStatus before, BookingStatus after, bool moved)
    {
        if (moved)
        {
            return WebhookEvents.BookingRescheduled;
        }
        if (before == after)
        {
            return null;
        }
        return after switch
        {
            BookingStatus.Confirmed => WebhookEvents.BookingConfirmed,
            BookingStatus.Cancelled => WebhookEvents.BookingCancelled,
            BookingStatus.Completed => WebhookEvents.BookingCompleted,
            BookingStatus.NoShow => WebhookEvents.BookingNoShow,
            _ => null,
        };
    }
}
