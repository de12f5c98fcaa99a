using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>The provider no longer accepts the stored credentials (wrong password, revoked grant): the connection is broken until made again.</summary>
public sealed class CalendarAuthException(string message) : Exception(message);

/// <summary>A connection as a provider sees it: its row and its unsealed secret, which a token refresh may replace.</summary>
public sealed class Connection(BusySource source, string secret)
{
    public BusySource Source { get; } = source;

    public string Secret { get; private set; } = secret;

    /// <summary>True when <see cref="Secret"/> was replaced (refreshed tokens) and must be sealed and stored again.</summary>
    public bool SecretChanged { get; private set; }

    public void Replace(string secret)
    {
        Secret = secret;
        SecretChanged = true;
    }
}

/// <summary>
/// A replace found our event deleted in the calendar while the connection lets a deletion cancel the booking
/// (<see cref="PushEvent.Recreate"/> false): nothing was written.
/// </summary>
public sealed class CalendarEventGoneException(string message) : Exception(message);

/// <summary>A booking as it is written to a calendar.</summary>
public sealed record PushEvent(Guid BookingId, Instant Start, Instant End, string Summary, string? Location, bool Tentative, int Sequence, Instant Now)
{
    /// <summary>
    /// Whether a replace that finds the event deleted in the calendar writes it again (the default: the booking is what
    /// counts). False when the connection lets a deletion cancel the booking: the provider throws
    /// <see cref="CalendarEventGoneException"/> instead, and the caller cancels.
    /// </summary>
    public bool Recreate { get; init; } = true;

    /// <summary>The event's UID in iCalendar terms, the same one the booking's .ics and the feeds carry.</summary>
    public string Uid => $"{BookingId}@bookwell";
}

/// <summary>What a read found in the window: busy time of other events, and our own events that are there (remote id → ETag).</summary>
public sealed record RemoteRead(List<(Instant Start, Instant End)> Busy, Dictionary<string, string?> Ours);

/// <summary>Our events a read must tell apart from the calendar's own: by remote id, and by iCalendar UID where the protocol has one.</summary>
public sealed record OwnEvents(IReadOnlySet<string> Remotes, IReadOnlySet<string> Uids);

/// <summary>One kind of two-way calendar connection.</summary>
public interface ICalendarProvider
{
    /// <summary><see cref="CalendarKind.CalDav"/>, <see cref="CalendarKind.Google"/> or <see cref="CalendarKind.Microsoft"/>.</summary>
    CalendarKind Kind { get; }

    /// <summary>Busy time in [from, to), recurring events expanded, our own events left out (and reported in <see cref="RemoteRead.Ours"/>).</summary>
    Task<RemoteRead> ReadAsync(Connection connection, Instant from, Instant to, DateTimeZone zone, OwnEvents ours, CancellationToken ct);

    /// <summary>
    /// Creates the event (<paramref name="remote"/> null) or replaces it (where it is, with the ETag last seen).
    /// Returns where it is now and its new ETag, and whether someone else had changed or deleted it meanwhile.
    /// </summary>
    Task<(string Remote, string? ETag, bool Overwrote)> WriteAsync(Connection connection, string? remote, string? etag, PushEvent e, CancellationToken ct);

    /// <summary>Deletes the event; one already gone is fine.</summary>
    Task DeleteAsync(Connection connection, string remote, string? etag, CancellationToken ct);

    /// <summary>
    /// Whether the event is still in the calendar, asked directly (a read over a time range also misses an event moved
    /// out of the range): false only when the calendar says it is gone, null when it cannot tell.
    /// </summary>
    Task<bool?> ExistsAsync(Connection connection, string remote, CancellationToken ct);
}
