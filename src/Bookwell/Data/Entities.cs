using NodaTime;

namespace Bookwell.Data;

/// <summary>A business using Bookwell. Its whole configuration is one validated document.</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The host this business answers on and links to: a verified own domain, its sign-up subdomain, or for the default business the install's canonical host.</summary>
    public string? Host { get; set; }
    /// <summary>An own domain asked for but not yet proven; it routes nowhere until verified.</summary>
    public string? PendingHost { get; set; }
    /// <summary>What the pending domain must serve at /.well-known/bookwell-verify/&lt;token&gt; (public by design: it is published there).</summary>
    public string? PendingHostToken { get; set; }
    public bool IsDefault { get; set; }
    public string ConfigJson { get; set; } = "{\"pages\":[]}";
    public long ConfigVersion { get; set; }
    public Instant UpdatedAt { get; set; }
    /// <summary>How long a staff dashboard session lasts after the PIN, in minutes.</summary>
    public int StaffSessionMinutes { get; set; } = 720;
    /// <summary>The business turned the open-tracking pixel of organization mailings off.</summary>
    public bool MailOpenTrackingOff { get; set; }
    public Instant CreatedAt { get; set; }
}

public interface ITenantOwned
{
    Guid TenantId { get; set; }
}

public sealed class Customer : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Email { get; set; }
    public required string EmailNormalized { get; set; }
    public required string Name { get; set; }
    public string? Phone { get; set; }
    public bool MarketingOptIn { get; set; }
    /// <summary>The client turned reminders by e-mail off (on unless they say otherwise).</summary>
    public bool EmailRemindersOff { get; set; }
    /// <summary>The client turned reminders by text message off.</summary>
    public bool SmsRemindersOff { get; set; }
    /// <summary>Given by the client in the portal (all optional).</summary>
    public LocalDate? Birthday { get; set; }
    public string? Gender { get; set; }
    public string? Address { get; set; }
    /// <summary>When the marketing opt-in was last given (null when never or withdrawn), and where: booking, portal or admin.</summary>
    public Instant? MarketingOptInAt { get; set; }
    public Features.Bookings.ConsentSource? MarketingOptInSource { get; set; }
    /// <summary>Set when an admin merged this duplicate into another client: its bookings, notes and tags moved there, and a booking under this address goes there too.</summary>
    public Guid? MergedIntoId { get; set; }
    /// <summary>The client opted out of mailings (a mailing's unsubscribe link, or marketing consent withdrawn anywhere): no more mailings and no tracking; cleared when consent is given again.</summary>
    public Instant? MailingsOffAt { get; set; }
    /// <summary>Set when the client deleted their account: the row stays only for the books, anonymised.</summary>
    public Instant? ErasedAt { get; set; }
    /// <summary>Issue 15: the staff member (by key) this client prefers; a booking for anyone goes to them whenever they are able.</summary>
    public string? PreferredStaffKey { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}

public sealed class Booking : ITenantOwned
{
    /// <summary>A detached shallow copy, to show one part of a visit as an item of its own in a list; never saved.</summary>
    public Booking Copy() => (Booking)MemberwiseClone();

    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string PageSlug { get; set; }
    public required string ServiceKey { get; set; }
    public required string ServiceName { get; set; }
    public string? StaffKey { get; set; }
    public string? BranchKey { get; set; }
    public string ResourceKeys { get; set; } = "";
    public Instant StartsAt { get; set; }
    public Instant EndsAt { get; set; }
    public int BufferBeforeMinutes { get; set; }
    public int BufferAfterMinutes { get; set; }
    public required Features.Bookings.BookingStatus Status { get; set; }
    public required string TimeZone { get; set; }
    public Guid CustomerId { get; set; }
    public required string CustomerName { get; set; }
    public required string CustomerEmail { get; set; }
    public string? CustomerPhone { get; set; }
    /// <summary>The phone number in E.164 when it could be read as one; text messages go only there.</summary>
    public string? PhoneE164 { get; set; }
    public string AnswersJson { get; set; } = "{}";
    public string? Notes { get; set; }
    public bool MarketingOptIn { get; set; }
    public bool TermsAccepted { get; set; }
    /// <summary>SHA-256 (hex) of the terms text the client accepted: the page's text may change later, the record must not.</summary>
    public string? TermsHash { get; set; }
    public Instant? TermsAcceptedAt { get; set; }
    public string? LocationJson { get; set; }
    /// <summary>Issue 15: where a mobile booking happens (the client's pin or geocoded address); null on site.</summary>
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    /// <summary>Travel from the previous stop and to the next, as the engine found them when the time was taken; held on
    /// the staff member's (or the page calendar's) allocation before and after the buffers, so the database refuses
    /// anything that would cut into the drive.</summary>
    public int TravelBeforeMinutes { get; set; }
    public int TravelAfterMinutes { get; set; }
    /// <summary>Travel of the booking's vehicle (a resource of a type in <c>settings.mobile.vehicleTypes</c>) from its own
    /// previous stop and to its next, held on the vehicle's allocation around the buffers (issue 15).</summary>
    public int VehicleTravelBeforeMinutes { get; set; }
    public int VehicleTravelAfterMinutes { get; set; }
    public string Language { get; set; } = "en";
    public bool WalkIn { get; set; }
    public string? GroupKey { get; set; }
    public required string ManageTokenHash { get; set; }
    /// <summary>
    /// The manage token sealed with the app's data-protection keys, so messages the business triggers later
    /// (a move in the calendar, a confirmation, a resend) carry the client's own link. Lookups use the hash.
    /// </summary>
    public string? ManageTokenSealed { get; set; }
    public Instant? HoldExpiresAt { get; set; }
    public Instant? AutoNoShowAt { get; set; }
    /// <summary>When staff checked the client in (attendance, e.g. of a class session); null while not checked in. Changed only
    /// through <see cref="Features.Bookings.BookingLifecycle"/> (<see cref="Features.Bookings.Change.CheckIn"/>), each change in the history.</summary>
    public Instant? CheckedInAt { get; set; }
    /// <summary>Pending until the client confirms from the e-mail (double opt-in), not until the business approves.</summary>
    public bool AwaitingClientConfirmation { get; set; }
    /// <summary>The recurring series this booking is an occurrence of (all its occurrences share it); null for a single booking.</summary>
    public Guid? SeriesId { get; set; }
    /// <summary>0-based place of this occurrence in its series as first planned (skipped occurrences leave gaps).</summary>
    public int? SeriesIndex { get; set; }
    /// <summary>A visit of several services (issue 15): its parts in order, as JSON (<see cref="Features.Bookings.Visits"/>); null for one service.</summary>
    public string? VisitPartsJson { get; set; }
    /// <summary>Contract 4.6: the organization whose link made the booking (its key on the booking's page).</summary>
    public string? OrganizationKey { get; set; }
    /// <summary>The organization member who booked, and their member id (student or employee number) as it was then.</summary>
    public Guid? OrganizationMemberId { get; set; }
    public string? MemberNumber { get; set; }
    /// <summary>Issue 15: the work order this booking carries out, in another system (its number, and its address when it has one).
    /// Set by operators only (<see cref="Features.WorkOrders.WorkOrderRules"/>); never shown to the client.</summary>
    public string? WorkOrderReference { get; set; }
    public string? WorkOrderUrl { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
    public List<BookingEvent> History { get; set; } = [];
}

/// <summary>One entry of a booking's history: created, a status change, or a reschedule.</summary>
public sealed class BookingEvent : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BookingId { get; set; }
    public required Features.Bookings.BookingAction Action { get; set; }
    public Features.Bookings.BookingStatus? FromStatus { get; set; }
    public required Features.Bookings.BookingStatus ToStatus { get; set; }
    public Instant? PreviousStart { get; set; }
    public Instant? NewStart { get; set; }
    /// <summary>A <c>work-order</c> entry: the reference before and after (null: none), for the business's audit trail only.</summary>
    public string? PreviousWorkOrder { get; set; }
    public string? NewWorkOrder { get; set; }
    public required string By { get; set; }
    public Instant At { get; set; }
}

/// <summary>
/// Time a booking takes on one unit (staff member, resource seat, or class seat), buffers included.
/// The database refuses two live allocations of the same unit and seat that overlap and belong to different
/// groups: an exclusion constraint on PostgreSQL, a trigger on SQLite.
/// </summary>
public sealed class Allocation : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BookingId { get; set; }
    public required string UnitKey { get; set; }
    public int Seat { get; set; }
    public int Capacity { get; set; } = 1;
    public Instant StartsAt { get; set; }
    public Instant EndsAt { get; set; }
    public required string GroupKey { get; set; }
    public bool Live { get; set; } = true;
    public Instant? HoldExpiresAt { get; set; }
    /// <summary>
    /// The business's busy version (<see cref="BusyVersion"/>) of the transaction that last wrote this row:
    /// the in-memory busy index reads only rows stamped after the version it holds.
    /// </summary>
    public long Stamp { get; set; }
}

/// <summary>
/// One row per business, counted up by every transaction that writes allocations, before it writes them.
/// The update holds the row's lock until commit, so versions commit in order: a node that has read version V
/// has seen every allocation stamped V or lower. Every node reads it per availability question.
/// </summary>
public sealed class BusyVersion
{
    public Guid TenantId { get; set; }
    public long Version { get; set; }
}

/// <summary>
/// An e-mail written in the same transaction as the booking change that causes it, sent later by the
/// outbox worker. The bodies (which hold the manage link) are wiped once the message has been sent.
/// </summary>
public sealed class OutboxMessage : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid? BookingId { get; set; }
    public required Features.Notifications.MessageKind Kind { get; set; }
    /// <summary><c>email</c> or <c>sms</c>.</summary>
    public Features.Notifications.OutboxChannel Channel { get; set; } = Features.Notifications.OutboxChannel.Email;
    /// <summary>The business the client sees as the sender (its page name) and where replies go (its owner address).</summary>
    public string? FromName { get; set; }
    public string? ReplyTo { get; set; }
    public required string To { get; set; }
    public required string Subject { get; set; }
    public string? TextBody { get; set; }
    public string? HtmlBody { get; set; }
    public string? Ics { get; set; }
    public Features.Bookings.IcsMethod? IcsMethod { get; set; }
    /// <summary>
    /// A document the worker attaches when it sends, named by reference (e.g. <c>invoice:{id}</c>) and produced then
    /// by the feature that owns it (<see cref="Features.Notifications.IMailAttachmentSource"/>), so no file is stored twice.
    /// </summary>
    public string? Attachment { get; set; }
    public required Features.Notifications.OutboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public Instant DueAt { get; set; }
    /// <summary>
    /// For a reminder: the booking start it was written for. The worker sends it only while the booking is
    /// still live at that start, whatever path changed the booking since.
    /// </summary>
    public Instant? ForStart { get; set; }
    public Instant? LockedUntil { get; set; }
    public Instant? SentAt { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>A file a client attached to a booking form; referenced from the booking's answers by its id.</summary>
public sealed class Upload : ITenantOwned
{
    public required string Id { get; set; }
    public Guid TenantId { get; set; }
    public required string PageSlug { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public required byte[] Content { get; set; }
    public Guid? BookingId { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>
/// A person who signs in to the admin: the owner, an admin, or a staff member. Accounts are global (one
/// e-mail, one account) and each belongs to exactly one tenant; signing in on another tenant's host fails.
/// </summary>
public sealed class AppUser : Microsoft.AspNetCore.Identity.IdentityUser<Guid>
{
    public Guid TenantId { get; set; }
    public string DisplayName { get; set; } = "";
    public UserRole Role { get; set; } = UserRole.Staff;
    /// <summary>For staff accounts: the staff key in the configuration whose bookings they see.</summary>
    public string? StaffKey { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>
/// What a member of a business may do. Stored as the same strings as before it was an enum (<see cref="Roles.Converter"/>),
/// so rows written by older versions read unchanged.
/// </summary>
public enum UserRole
{
    /// <summary>A stored string this version does not know (a newer version's role, a hand edit): may not sign in.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("unknown")] Unknown,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("owner")] Owner,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("admin")] Admin,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("staff")] Staff,
}

public static class Roles
{
    /// <summary>The roles a person can be given, in the order pickers list them.</summary>
    public static readonly UserRole[] All = [UserRole.Owner, UserRole.Admin, UserRole.Staff];

    /// <summary>One of <see cref="All"/> by its stored string (forms, claims); false for anything else, "unknown" included.</summary>
    public static bool TryParse(string? name, out UserRole role)
    {
        if (Wire<UserRole>.TryParse(name, out role) && role != UserRole.Unknown)
        {
            return true;
        }
        role = UserRole.Unknown;
        return false;
    }

    /// <summary>The role a signed-in principal carries (its role claim); <see cref="UserRole.Unknown"/> when none or not one of ours.</summary>
    public static UserRole Of(System.Security.Claims.ClaimsPrincipal? user) =>
        TryParse(user?.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value, out var role) ? role : UserRole.Unknown;

    /// <summary>The stored (and claim) string, e.g. <c>owner</c>.</summary>
    public static string Name(this UserRole role) => Wire<UserRole>.Name(role);

    /// <summary>
    /// Unlike the other enums' converters, an unknown string is not a broken database here: reading a member's row must not
    /// fail every page that lists the team. It reads as <see cref="UserRole.Unknown"/>, which no policy admits and which
    /// refuses sign-in. Identity rewrites the whole row when it updates a member (a password reset), which then stores
    /// "unknown": still refused, by this version and by older ones.
    /// </summary>
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<UserRole, string> Converter =
        new(v => Wire<UserRole>.Name(v), s => ReadStored(s));

    private static UserRole ReadStored(string stored) => TryParse(stored, out var role) ? role : UserRole.Unknown;
}

/// <summary>A tenant's API key. Only its SHA-256 is kept; the key itself is shown once, when created.</summary>
public sealed class ApiKey : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the key, so a person can tell keys apart.</summary>
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public required string CreatedBy { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant? LastUsedAt { get; set; }
    public Instant? RevokedAt { get; set; }
}

/// <summary>An invitation by e-mail to join a tenant with a role; the link's token is stored hashed.</summary>
public sealed class Invitation : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Email { get; set; }
    public required UserRole Role { get; set; }
    public string? StaffKey { get; set; }
    public required string TokenHash { get; set; }
    public required string InvitedBy { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant ExpiresAt { get; set; }
    public Instant? AcceptedAt { get; set; }
    public Instant? RevokedAt { get; set; }
}

/// <summary>A staff member's personal PIN for the staff dashboard, hashed like a password.</summary>
public sealed class StaffPin : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string StaffKey { get; set; }
    public required string PinHash { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>
/// Failed sign-in attempts for one key (a client address, or a staff account), shared by every node. After
/// too many failures the key is blocked, for longer each time it happens again.
/// </summary>
public sealed class LoginThrottle
{
    public required string Key { get; set; }
    public int Failures { get; set; }
    public Instant WindowStart { get; set; }
    public int Level { get; set; }
    public Instant? BlockedUntil { get; set; }
    public Instant LastFailureAt { get; set; }
}

/// <summary>
/// A data step of an upgrade that has been done in this database (e.g. phones converted to E.164): written when the
/// step finishes, so the next start skips it. Steps that are safe to repeat still are; the marker only saves the work.
/// </summary>
public sealed class OneOffStep
{
    public required string Name { get; set; }
    public Instant DoneAt { get; set; }
}

/// <summary>The data-protection key ring (cookies, antiforgery, sign-in links), shared by every app node.</summary>
public sealed class DataProtectionKey
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
}
