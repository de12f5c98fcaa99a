using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Notifications;

/// <summary>A message's delivery record: what was sent to whom, or why not yet.</summary>
public sealed record DeliveryRecord(string Id, string? BookingId, string Kind, string To, string Subject, string Status, int Attempts,
    string? LastError, string DueAt, string? SentAt);

public sealed record DeliveryList(IReadOnlyList<DeliveryRecord> Items);

public static class OutboxEndpoints
{
    public static RouteGroupBuilder MapOutbox(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var outbox = admin.MapGroup("/messages").WithTags("Notifications");
        outbox.MapGet("", List).WithName("ListMessages");
        outbox.MapPost("/{id}/retry", Retry).WithName("RetryMessage");
        return admin;
    }

    public static DeliveryRecord Record(OutboxMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new DeliveryRecord(m.Id.ToString(), m.BookingId?.ToString(), m.Kind.ToWire(), m.To, m.Subject, m.Status.ToWire(), m.Attempts, m.LastError,
            TimeFormats.Format(m.DueAt, DateTimeZone.Utc), m.SentAt is { } s ? TimeFormats.Format(s, DateTimeZone.Utc) : null);
    }

    private static async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> List(string? status, string? booking, BookwellDb db, CancellationToken ct)
    {
        var errors = new Errors();
        var wanted = status is null ? null : errors.Read<OutboxStatus>("status", status);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        Guid? bookingId = null;
        if (booking is not null)
        {
            if (!Guid.TryParse(booking, out var b))
            {
                return Problems.Validation("booking", "Must be a booking id.");
            }
            bookingId = b;
        }
        var query = db.Outbox.AsNoTracking().OfBusiness();
        if (wanted is { } w)
        {
            query = query.Where(m => m.Status == w);
        }
        if (bookingId is not null)
        {
            query = query.Where(m => m.BookingId == bookingId);
        }
        var rows = await query.OrderByDescending(m => m.CreatedAt).Take(500).ToListAsync(ct);
        return TypedResults.Ok(new DeliveryList(rows.Select(Record).ToList()));
    }

    public static async Task<int> RequeueAsync(BookwellDb db, SqliteWriteGate gate, Instant now, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        using (await gate.EnterAsync(db, ct))
        {
            return await db.Outbox.OfBusiness().Where(m => m.Id == id && (m.Status == OutboxStatus.Parked || m.Status == OutboxStatus.Queued))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Queued).SetProperty(m => m.Attempts, 0)
                    .SetProperty(m => m.DueAt, now).SetProperty(m => m.LockedUntil, (Instant?)null), ct);
        }
    }

    /// <summary>Puts a parked (or failing) message back in the queue, due now, with a fresh set of attempts.</summary>
    private static async Task<Results<Ok<DeliveryRecord>, ProblemHttpResult>> Retry(string id, BookwellDb db, IClock clock, OutboxSignal signal,
        SqliteWriteGate gate, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid))
        {
            return Problems.NotFound("No such message.");
        }
        var changed = await RequeueAsync(db, gate, clock.GetCurrentInstant(), guid, ct);
        var message = await db.Outbox.AsNoTracking().OfBusiness().FirstOrDefaultAsync(m => m.Id == guid, ct);
        if (message is null)
        {
            return Problems.NotFound("No such message.");
        }
        if (changed == 0)
        {
            return Problems.Make(409, "invalid-transition", "Message cannot be retried", $"The message is {message.Status.ToWire()}.");
        }
        signal.Notify();
        return TypedResults.Ok(Record(message));
    }
}
