using NodaTime;

namespace Bookwell.Data;

/// <summary>A note on a client by someone of the business: append-only (never edited or deleted, except when the person is erased).</summary>
public sealed class CustomerNote : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public required string Text { get; set; }
    /// <summary>Who wrote it: role and name for a dashboard user, "api" for an API key.</summary>
    public required string Author { get; set; }
    public Instant At { get; set; }
}

/// <summary>A label on a client (lower case, trimmed), one row per client and tag; the customer list filters by it.</summary>
public sealed class CustomerTag : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public required string Tag { get; set; }
    public Instant At { get; set; }
}

/// <summary>Which of a client's choices a <see cref="ConsentChange"/> is about; stored as the string each member names.</summary>
public enum ConsentKind
{
    /// <summary>News by e-mail (<see cref="Customer.MarketingOptIn"/>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("marketing")] Marketing,
    /// <summary>Reminders by e-mail (<see cref="Customer.EmailRemindersOff"/>, stored the other way round).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("email-reminders")] EmailReminders,
    /// <summary>Reminders by text message (<see cref="Customer.SmsRemindersOff"/>, stored the other way round).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("sms-reminders")] SmsReminders,
    /// <summary>An organization's mailings (<see cref="Customer.MailingsOffAt"/> unset means on): an unsubscribe link stops them even when news was already off.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("mailings")] Mailings,
}

/// <summary>
/// One change of a client's consent (issue 14): when, which choice, the old and new value and where it was made
/// (<see cref="Features.Bookings.ConsentSource"/>). Append-only: the database refuses updates and deletes. It holds no
/// personal data (the client by id; a business's user or API key by id), so it stays after an erasure, which adds its own
/// withdrawal. A merged duplicate's history stays under its own id and is read with the kept client's.
/// </summary>
public sealed class ConsentChange : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CustomerId { get; set; }
    public Instant At { get; set; }
    public ConsentKind What { get; set; }
    public bool From { get; set; }
    public bool To { get; set; }
    public Features.Bookings.ConsentSource Source { get; set; }
    /// <summary>For a change the business made: <c>user:&lt;id&gt;</c> or <c>api-key:&lt;id&gt;</c> (<see cref="Features.Admin.CrmAudit.ActorOf"/>).</summary>
    public string? By { get; set; }
}
