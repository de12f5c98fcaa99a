using System.Text.Json.Serialization;

namespace Bookwell.Features.Notifications;

/// <summary>Where an outbox message is; stored (and written by the API) as the lowercase string each member names (<see cref="Data.Wire{T}"/>).</summary>
public enum OutboxStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("sent")] Sent,
    /// <summary>Given up on after too many failed attempts; an operator may retry it.</summary>
    [JsonStringEnumMemberName("parked")] Parked,
    /// <summary>Withdrawn before sending, e.g. a reminder for a booking that moved or was cancelled.</summary>
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
}

/// <summary>How an outbox message travels; stored as the string each member names.</summary>
public enum OutboxChannel
{
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("sms")] Sms,
    [JsonStringEnumMemberName("webhook")] Webhook,
    /// <summary>Web Push to one device of a portal client (<c>To</c> holds the subscription's id).</summary>
    [JsonStringEnumMemberName("push")] Push,
}
