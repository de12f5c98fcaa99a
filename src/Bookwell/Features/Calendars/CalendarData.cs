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
    /// <summary><c>staff</c> or <c>page</c>.</summary>
    public required string Kind { get; set; }
    public required string Key { get; set; }
    public required string TokenHash { get; set; }
    public required string TokenSealed { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>A subscribed iCalendar feed of a staff member (from the configuration) and how its last reads went.</summary>
public sealed class BusySource : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string StaffKey { get; set; }
    public required string Url { get; set; }
    /// <summary>SHA-256 of the URL: the identity of the source within a staff member (URLs are too long to index).</summary>
    public required string UrlHash { get; set; }
    public Instant? LastAttemptAt { get; set; }
    public Instant? LastSuccessAt { get; set; }
    public string? LastError { get; set; }
    public int BusyCount { get; set; }
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
