using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>
/// An e-mail to an organization's members (seed 003's Communication Wizard). Its id is chosen by whoever composes it
/// (the form carries it from the preview to the send), so sending it twice, or again after a crash, finds the first.
/// The recipients and their outbox messages are written in the same transaction as this row: all or none.
/// </summary>
public sealed class Mailing : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string PageSlug { get; set; }
    public required string OrganizationKey { get; set; }
    public required string Subject { get; set; }
    /// <summary>Plain text with merge fields (<see cref="MailingMerge.Fields"/>).</summary>
    public required string Body { get; set; }
    /// <summary><c>all</c>, <c>not-booked</c> or <c>booked</c> (the organization's live bookings).</summary>
    public required string Audience { get; set; }
    /// <summary>The language of the mail's own words (greeting line, footer).</summary>
    public required string Language { get; set; }
    /// <summary>The business's open-tracking setting when the mailing was sent (the pixel).</summary>
    public bool TrackOpens { get; set; }
    public int Recipients { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>
/// One member's copy of a mailing. Its id is the id of its outbox message (derived from the mailing and the member),
/// and (mailing, member) is unique: the database, not the code, keeps every member to one message per mailing.
/// </summary>
public sealed class MailingRecipient : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid MailingId { get; set; }
    public Guid MemberId { get; set; }
    public Guid CustomerId { get; set; }
    public required string Name { get; set; }
    public required string Email { get; set; }
    /// <summary>Links go through the click redirect (and the pixel, when the mailing tracks opens); false for a client who unsubscribed from tracking.</summary>
    public bool Tracked { get; set; }
    /// <summary>First time the pixel was fetched (later fetches change nothing).</summary>
    public Instant? OpenedAt { get; set; }
    /// <summary>First time a link in the mail was followed.</summary>
    public Instant? ClickedAt { get; set; }
}
