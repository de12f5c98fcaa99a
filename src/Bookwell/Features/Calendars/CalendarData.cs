using System.Text.Json.Serialization;
using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// A secret subscription address for one staff member's (or one page's) bookings. Only the token's SHA-256 is
/// looked up; a sealed copy (ASP.NET Data Protection) lets the admin show the same address again. Rotating
/// replaces the row, so the old address answers 404 from then on.
/// </summary>
public sealed class CalendarFeed : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required CalendarFeedKind Kind { get; set; }
    public required string Key { get; set; }
    public required string TokenHash { get; set; }
    public required string TokenSealed { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>Whose bookings a subscription feed carries; stored as the string each member names (<see cref="Wire{T}"/>).</summary>
public enum CalendarFeedKind
{
    [JsonStringEnumMemberName("staff")] Staff,
    [JsonStringEnumMemberName("page")] Page,
}

/// <summary>What a staff member's calendar is; stored (and written by the API as <c>kind</c>) as the string each member names.</summary>
public enum CalendarKind
{
    /// <summary>A subscribed iCalendar feed from the configuration (read only).</summary>
    [JsonStringEnumMemberName("ics")] Ics,
    [JsonStringEnumMemberName("caldav")] CalDav,
    [JsonStringEnumMemberName("google")] Google,
    [JsonStringEnumMemberName("microsoft")] Microsoft,
}

/// <summary>
/// A staff member's calendar and how its last reads went: a subscribed iCalendar feed from the configuration
/// (<see cref="Kind"/> <c>ics</c>), or a two-way connection made in the admin (<c>caldav</c>, <c>google</c>,
/// <c>microsoft</c>) whose credentials are sealed with ASP.NET Data Protection.
/// </summary>
public sealed class BusySource : ITenantOwned
{
    public const CalendarKind Ics = CalendarKind.Ics;

    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public CalendarKind Kind { get; set; } = Ics;
    public required string StaffKey { get; set; }
    /// <summary>The feed or CalDAV collection address; <c>google:primary</c> or <c>microsoft:me</c> for the OAuth providers.</summary>
    public required string Url { get; set; }
    /// <summary>SHA-256 of the URL: the identity of the source within a staff member (URLs are too long to index).</summary>
    public required string UrlHash { get; set; }
    public Instant? LastAttemptAt { get; set; }
    public Instant? LastSuccessAt { get; set; }
    public string? LastError { get; set; }
    public int BusyCount { get; set; }
    /// <summary>The CalDAV user name (shown in the admin; not a secret).</summary>
    public string? UserName { get; set; }
    /// <summary>The CalDAV password or the OAuth tokens (JSON), sealed with Data Protection.</summary>
    public string? SecretSealed { get; set; }
    /// <summary>The provider refused the credentials for good (revoked, invalid_grant, 401): nothing is read or pushed until connected again.</summary>
    public bool Broken { get; set; }
    /// <summary>Booking events in the calendar now, and when and how the last push went.</summary>
    public int PushedCount { get; set; }
    public Instant? LastPushAt { get; set; }
    public string? LastPushError { get; set; }
    /// <summary>
    /// Booking events that were deleted or changed in the calendar by someone else: written back as the booking says, or,
    /// with <see cref="CancelOnDelete"/>, a deleted one cancelled its booking.
    /// </summary>
    public int ExternalChanges { get; set; }
    /// <summary>
    /// Two-way connections: a booking event deleted in the calendar cancels its booking (through the lifecycle, as the
    /// calendar's doing). Off (the default), the event is written back as the booking says. API <c>whenEventDeleted</c>.
    /// </summary>
    public bool CancelOnDelete { get; set; }
    public Instant? ConnectedAt { get; set; }
}

/// <summary>
/// A booking as pushed to a two-way connection: where it lives there (CalDAV href, Google or Graph event id),
/// its ETag, and a fingerprint of what was written. A push pass compares bookings with these rows and writes
/// only the difference; a failed write stays due with a backoff (the retry).
/// </summary>
public sealed class CalendarEventLink : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid SourceId { get; set; }
    public Guid BookingId { get; set; }
    /// <summary>Where the event is; null until the provider has assigned it (Graph) or the first write went through.</summary>
    public string? Remote { get; set; }
    public string? ETag { get; set; }
    /// <summary>What was written (times, status, texts), hashed; null when it must be written (again).</summary>
    public string? Fingerprint { get; set; }
    public Instant? StartsAt { get; set; }
    public Instant? EndsAt { get; set; }
    public int Sequence { get; set; }
    public int Attempts { get; set; }
    public Instant? RetryAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>One busy span read from a source; a source's spans are replaced together in one transaction.</summary>
public sealed class ExternalBusySpan : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid SourceId { get; set; }
    public required string StaffKey { get; set; }
    public Instant StartsAt { get; set; }
    public Instant EndsAt { get; set; }
}
