using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// A booking stopped holding time it held: cancelled, expired, or moved away (<paramref name="Reason"/>).
/// Raised once per change, after the change is committed, so a listener (the waitlist, payments) sees only
/// what really happened.
/// </summary>
public sealed record TimeFreed(Guid TenantId, Guid BookingId, string PageSlug, string ServiceKey, string? StaffKey, string? BranchKey,
    Instant Start, Instant End, string Reason);

/// <summary>Something that wants to know when time frees up. Called after the commit; must not throw into the caller.</summary>
public interface ITimeFreedListener
{
    Task OnTimeFreedAsync(TimeFreed freed, CancellationToken ct);
}

/// <summary>Hands each freed span to every listener; a failing listener is logged and never undoes the change.</summary>
public sealed class TimeFreedEvents(IEnumerable<ITimeFreedListener> listeners, ILogger<TimeFreedEvents> log)
{
    private readonly ITimeFreedListener[] _listeners = [.. listeners];

    public async Task RaiseAsync(IReadOnlyList<TimeFreed> freed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freed);
        if (_listeners.Length == 0)
        {
            return;
        }
        foreach (var f in freed)
        {
            foreach (var listener in _listeners)
            {
                try
                {
                    await listener.OnTimeFreedAsync(f, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogError(ex, "A time-freed listener ({Listener}) failed for booking {Booking}", listener.GetType().Name, f.BookingId);
                }
            }
        }
    }
}
