using System.Text.Json.Serialization;
using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// A client waiting for time on a full day (contract 4.4). The key's order is the join order. While an offer
/// is open, <see cref="OfferBookingId"/> names the held booking (status <c>pending</c> with a hold until
/// <see cref="OfferExpiresAt"/>): its allocations keep the time for this entry only, as the database enforces
/// for every booking.
/// </summary>
public sealed class WaitlistEntry : ITenantOwned
{
    public long Id { get; set; }
    /// <summary>The public id; also what queued mails name, so the outbox renders the entry's link at send time.</summary>
    public Guid Key { get; set; }
    public Guid TenantId { get; set; }
    public required string PageSlug { get; set; }
    public required string ServiceKey { get; set; }
    public string? StaffKey { get; set; }
    /// <summary>The branch the client waits at (issue 15), on a page with branches; offers come only from time freed there.</summary>
    public string? BranchKey { get; set; }
    /// <summary>The local date in the page's zone, YYYY-MM-DD (sorts and compares as text).</summary>
    public required string Date { get; set; }
    /// <summary>Minutes after local midnight; null means from the start (or to the end) of the day.</summary>
    public int? FromMinute { get; set; }
    public int? ToMinute { get; set; }
    public required string CustomerName { get; set; }
    public required string CustomerEmail { get; set; }
    /// <summary>
    /// <see cref="CustomerEmail"/> trimmed and in lower case: who the entry is, for the rule that a person has one live entry
    /// (waiting or offered) per page, service, staff member or "anyone", and date, which unique filtered indexes enforce.
    /// Null only on entries stored before the rule.
    /// </summary>
    public string? EmailKey { get; set; }

    public const string LiveForStaffIndex = "IX_WaitlistEntries_LivePerPerson_Staff";
    public const string LiveForAnyoneIndex = "IX_WaitlistEntries_LivePerPerson_Anyone";

    public static string EmailKeyOf(string email) => (email ?? "").Trim().ToLowerInvariant();
    public string? CustomerPhone { get; set; }
    public string Language { get; set; } = "en";
    /// <summary>The client's zone: offered times are written in it.</summary>
    public required string TimeZone { get; set; }
    public required string TokenHash { get; set; }
    public string? TokenSealed { get; set; }
    /// <summary>
    /// For a service at the client's address (issue 15): where they want it, as a booking's <c>location</c> (address,
    /// pin, details, mode), and the place it was located at. An offer is only made where travel fits, and books there.
    /// </summary>
    public string? LocationJson { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    /// <summary>The postcode the geocoder gave for the entry's address, when it gave one: an offer checks it against the service area as it is then.</summary>
    public string? Postcode { get; set; }
    public required WaitlistStatus Status { get; set; }
    public Guid? OfferBookingId { get; set; }
    public Instant? OfferStart { get; set; }
    public Instant? OfferExpiresAt { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>Where a waitlist entry is; stored (and written by the API) as the lowercase string each member names (<see cref="Wire{T}"/>).</summary>
public enum WaitlistStatus
{
    [JsonStringEnumMemberName("waiting")] Waiting,
    [JsonStringEnumMemberName("offered")] Offered,
    [JsonStringEnumMemberName("booked")] Booked,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("left")] Left,
    /// <summary>The held booking was cancelled by someone else (the business).</summary>
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
}
