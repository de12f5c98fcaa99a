using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;

namespace Bookwell.Data;

/// <summary>The tenant a request works for; resolved once per request.</summary>
public sealed class TenantContext
{
    public Guid TenantId { get; set; } = DefaultTenant.Id;

    public bool IsAdmin { get; set; }

    /// <summary>The tenant API key the request came with (null for the bootstrap key, a session or no key): who acted, for the CRM audit log.</summary>
    public Guid? ApiKeyId { get; set; }

    /// <summary>The tenant's own host as stored (never the request's): where its links point. Null for the default tenant.</summary>
    public string? Host { get; set; }
}

public static class DefaultTenant
{
    /// <summary>Fixed so that several nodes starting together create the same row, not two.</summary>
    public static readonly Guid Id = new("00000000-0000-0000-0000-000000000001");
}

/// <summary>
/// One model for both providers; each provider has its own subclass only so that each keeps its own
/// migration set. Every tenant-owned set is filtered by the request's tenant. Contexts are pooled, so the
/// tenant is set on each lease (see <see cref="DatabaseSetup"/>) rather than injected.
/// </summary>
public abstract class BookwellDb(DbContextOptions options) : IdentityUserContext<AppUser, Guid>(options)
{
    private Guid _tenantId = DefaultTenant.Id;

    public Guid TenantId
    {
        get => _tenantId;
        set => _tenantId = value;
    }

    /// <summary>
    /// The node's in-memory busy time, handed to each lease (like the tenant) so every availability read
    /// finds it; null in design-time and bare contexts, which then read the database.
    /// </summary>
    public Features.Availability.BusyIndex? BusyIndex { get; set; }

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<CustomerNote> CustomerNotes => Set<CustomerNote>();
    public DbSet<CustomerTag> CustomerTags => Set<CustomerTag>();
    public DbSet<Booking> Bookings => Set<Booking>();
    public DbSet<BookingEvent> BookingEvents => Set<BookingEvent>();
    public DbSet<Allocation> Allocations => Set<Allocation>();
    public DbSet<BusyVersion> BusyVersions => Set<BusyVersion>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<Upload> Uploads => Set<Upload>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<StaffPin> StaffPins => Set<StaffPin>();
    public DbSet<LoginThrottle> LoginThrottles => Set<LoginThrottle>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Features.Waitlist.WaitlistEntry> WaitlistEntries => Set<Features.Waitlist.WaitlistEntry>();
    public DbSet<ClientSignInToken> ClientSignInTokens => Set<ClientSignInToken>();
    /// <summary>Sign-in links for <c>/me</c>: they prove an address across businesses, so they have no tenant and no filter.</summary>
    public DbSet<PlatformSignInToken> PlatformSignInTokens => Set<PlatformSignInToken>();
    public DbSet<ClientAccount> ClientAccounts => Set<ClientAccount>();
    public DbSet<Payment> Payments => Set<Payment>();
    public DbSet<CheckoutSession> CheckoutSessions => Set<CheckoutSession>();
    public DbSet<PaymentEvent> PaymentEvents => Set<PaymentEvent>();
    public DbSet<Features.Calendars.CalendarFeed> CalendarFeeds => Set<Features.Calendars.CalendarFeed>();
    public DbSet<Features.Calendars.BusySource> BusySources => Set<Features.Calendars.BusySource>();
    public DbSet<Features.Calendars.ExternalBusySpan> ExternalBusy => Set<Features.Calendars.ExternalBusySpan>();
    public DbSet<Features.Organizations.OrganizationMember> OrganizationMembers => Set<Features.Organizations.OrganizationMember>();
    public DbSet<Features.Organizations.OrganizationLink> OrganizationLinks => Set<Features.Organizations.OrganizationLink>();
    public DbSet<Features.Organizations.Mailing> Mailings => Set<Features.Organizations.Mailing>();
    public DbSet<Features.Organizations.MailingRecipient> MailingRecipients => Set<Features.Organizations.MailingRecipient>();
    public DbSet<Features.Calendars.CalendarEventLink> CalendarEventLinks => Set<Features.Calendars.CalendarEventLink>();
    public DbSet<Features.Webhooks.WebhookEndpoint> WebhookEndpoints => Set<Features.Webhooks.WebhookEndpoint>();
    public DbSet<ClientPushSubscription> ClientPushSubscriptions => Set<ClientPushSubscription>();
    public DbSet<VapidKey> VapidKeys => Set<VapidKey>();
    /// <summary>Data steps of an upgrade done once per database (not per business), by name.</summary>
    public DbSet<OneOffStep> OneOffSteps => Set<OneOffStep>();

    public abstract bool IsPostgres { get; }

    /// <summary>
    /// PostgreSQL: a key made by the app and only ever compared for equality (a hash, an upper-cased address, a unit's key)
    /// is compared byte by byte (collation "C"), not by the database's language rules, in its indexes, the exclusion
    /// constraint's among them. Every booking adds such keys to four indexes; text comparisons there were about a tenth of
    /// PostgreSQL's CPU per booking. Measured (docs/performance.md, "Issue 12, thirty-third session"): an index insert of
    /// such a key 4-15 % cheaper in "C", more under an ICU collation; on bookings/s, less than this machine's noise.
    /// Equality is the same under both; nothing orders by these.
    /// </summary>
    private void MachineKey(Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<string> property)
    {
        if (IsPostgres)
        {
            property.UseCollation("C");
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<AppUser>(e =>
        {
            // Not filtered by tenant: e-mail addresses are unique across the installation, and sign-in
            // checks the tenant itself.
            e.HasIndex(u => u.TenantId);
            e.Property(u => u.DisplayName).HasMaxLength(200);
            e.Property(u => u.Role).HasConversion(Roles.Converter).HasMaxLength(20);
            e.Property(u => u.StaffKey).HasMaxLength(64);
        });
        modelBuilder.Entity<ApiKey>(e =>
        {
            e.HasQueryFilter(k => k.TenantId == _tenantId);
            e.HasIndex(k => k.Hash).IsUnique();
            e.Property(k => k.Name).HasMaxLength(100);
            e.Property(k => k.Prefix).HasMaxLength(16);
            e.Property(k => k.Hash).HasMaxLength(64);
            e.Property(k => k.CreatedBy).HasMaxLength(254);
        });
        modelBuilder.Entity<Invitation>(e =>
        {
            e.HasQueryFilter(i => i.TenantId == _tenantId);
            e.HasIndex(i => i.TokenHash).IsUnique();
            e.Property(i => i.Email).HasMaxLength(254);
            e.Property(i => i.Role).HasConversion(Roles.Converter).HasMaxLength(20);
            e.Property(i => i.StaffKey).HasMaxLength(64);
            e.Property(i => i.TokenHash).HasMaxLength(64);
            e.Property(i => i.InvitedBy).HasMaxLength(254);
        });
        modelBuilder.Entity<StaffPin>(e =>
        {
            e.HasQueryFilter(p => p.TenantId == _tenantId);
            e.HasKey(p => new { p.TenantId, p.StaffKey });
            e.Property(p => p.StaffKey).HasMaxLength(64);
            e.Property(p => p.PinHash).HasMaxLength(200);
        });
        modelBuilder.Entity<LoginThrottle>(e =>
        {
            e.HasKey(t => t.Key);
            e.Property(t => t.Key).HasMaxLength(200);
        });
        modelBuilder.Entity<DataProtectionKey>(e => e.Property(k => k.FriendlyName).HasMaxLength(200));
        modelBuilder.Entity<Tenant>(e =>
        {
            e.Property(t => t.Name).HasMaxLength(200);
            e.Property(t => t.Host).HasMaxLength(253);
            e.Property(t => t.PendingHost).HasMaxLength(253);
            e.Property(t => t.PendingHostToken).HasMaxLength(64);
            e.HasIndex(t => t.Host).IsUnique();
            e.Property(t => t.ConfigVersion).IsConcurrencyToken();
        });
        modelBuilder.Entity<Customer>(e =>
        {
            e.HasQueryFilter(c => c.TenantId == _tenantId);
            e.HasIndex(c => new { c.TenantId, c.EmailNormalized }).IsUnique();
            e.Property(c => c.Email).HasMaxLength(254);
            MachineKey(e.Property(c => c.EmailNormalized).HasMaxLength(254));
            e.Property(c => c.Name).HasMaxLength(200);
            e.Property(c => c.Phone).HasMaxLength(40);
            e.Property(c => c.Gender).HasMaxLength(40);
            e.Property(c => c.Address).HasMaxLength(500);
            e.Property(c => c.PreferredStaffKey).HasMaxLength(64);
            e.Property(c => c.MarketingOptInSource).HasConversion(Wire<Features.Bookings.ConsentSource>.Converter).HasMaxLength(20);
            // Only merged duplicates: the queries that use it look for the clients merged into one (MergedIntoId = id), so a
            // client who was never merged (nearly all, and every new one a booking writes) adds no entry. As a full index it was
            // also the smallest one led by the tenant, and a plan made on a young table's statistics took it for the email
            // lookup and read every client of the business (bench: 3,000 scans of ~1,500 rows during the seed).
            e.HasIndex(c => new { c.TenantId, c.MergedIntoId }).HasFilter("\"MergedIntoId\" IS NOT NULL");
            if (!IsPostgres)
            {
                e.Property(c => c.Birthday).HasConversion(new ValueConverter<LocalDate, string>(
                    d => NodaTime.Text.LocalDatePattern.Iso.Format(d), s => NodaTime.Text.LocalDatePattern.Iso.Parse(s).Value));
            }
        });
        modelBuilder.Entity<CustomerNote>(e =>
        {
            e.HasQueryFilter(n => n.TenantId == _tenantId);
            e.HasIndex(n => new { n.TenantId, n.CustomerId, n.At });
            e.Property(n => n.Text).HasMaxLength(2000);
            e.Property(n => n.Author).HasMaxLength(100);
        });
        modelBuilder.Entity<CustomerTag>(e =>
        {
            e.HasQueryFilter(t => t.TenantId == _tenantId);
            e.HasKey(t => new { t.TenantId, t.CustomerId, t.Tag });
            e.HasIndex(t => new { t.TenantId, t.Tag });
            e.Property(t => t.Tag).HasMaxLength(40);
        });
        modelBuilder.Entity<ClientPushSubscription>(e =>
        {
            e.HasQueryFilter(s => s.TenantId == _tenantId);
            e.HasIndex(s => new { s.TenantId, s.Endpoint }).IsUnique();
            e.HasIndex(s => new { s.TenantId, s.CustomerId });
            e.Property(s => s.Endpoint).HasMaxLength(2048);
            e.Property(s => s.P256dh).HasMaxLength(128);
            e.Property(s => s.Auth).HasMaxLength(64);
        });
        modelBuilder.Entity<VapidKey>(e =>
        {
            e.Property(k => k.Id).ValueGeneratedNever();
            e.Property(k => k.PublicKey).HasMaxLength(128);
            e.Property(k => k.PrivateKeySealed).HasMaxLength(2000);
        });
        modelBuilder.Entity<ClientAccount>(e =>
        {
            e.HasQueryFilter(a => a.TenantId == _tenantId);
            e.HasIndex(a => new { a.TenantId, a.CustomerId }).IsUnique();
            e.HasIndex(a => new { a.TenantId, a.GoogleSubject }).IsUnique();
            e.Property(a => a.PasswordHash).HasMaxLength(200);
            e.Property(a => a.GoogleSubject).HasMaxLength(255);
            e.Property(a => a.SecurityStamp).HasMaxLength(64);
        });
        modelBuilder.Entity<Booking>(e =>
        {
            e.HasQueryFilter(b => b.TenantId == _tenantId);
            e.HasIndex(b => new { b.TenantId, b.StartsAt });
            e.HasIndex(b => b.ManageTokenHash).IsUnique();
            // Partial indexes on the mostly empty columns: a booking without a hold, a no-show rule, a series or an
            // organization adds no entry to them (the queries that use them all compare the column, so they imply the filter).
            e.HasIndex(b => new { b.TenantId, b.HoldExpiresAt }).HasFilter("\"HoldExpiresAt\" IS NOT NULL");
            e.HasIndex(b => new { b.Status, b.AutoNoShowAt }).HasFilter("\"AutoNoShowAt\" IS NOT NULL");
            // The time-rules worker looks across tenants for holds that have run out.
            e.HasIndex(b => new { b.Status, b.HoldExpiresAt }).HasFilter("\"HoldExpiresAt\" IS NOT NULL");
            e.HasIndex(b => new { b.TenantId, b.SeriesId }).HasFilter("\"SeriesId\" IS NOT NULL");
            // Round robin (issue 15) counts each staff member's bookings made in the past week.
            e.HasIndex(b => new { b.TenantId, b.CreatedAt });
            // A client's own bookings by time: the portal's overview and its pages of past bookings, the CRM's visit history.
            e.HasIndex(b => new { b.TenantId, b.CustomerId, b.StartsAt });
            MachineKey(e.Property(b => b.ManageTokenHash).HasMaxLength(64));
            e.Property(b => b.ManageTokenSealed).HasMaxLength(400);
            e.Property(b => b.OrganizationKey).HasMaxLength(64);
            e.Property(b => b.MemberNumber).HasMaxLength(64);
            e.Property(b => b.WorkOrderReference).HasMaxLength(Features.WorkOrders.WorkOrderRules.MaxReferenceLength);
            e.Property(b => b.WorkOrderUrl).HasMaxLength(Features.WorkOrders.WorkOrderRules.MaxUrlLength);
            e.HasIndex(b => new { b.TenantId, b.OrganizationKey, b.StartsAt }).HasFilter("\"OrganizationKey\" IS NOT NULL");
            e.Property(b => b.Status).HasConversion(Wire<Features.Bookings.BookingStatus>.Converter).HasMaxLength(20);
            e.Property(b => b.PageSlug).HasMaxLength(64);
            e.Property(b => b.ServiceKey).HasMaxLength(64);
            e.Property(b => b.StaffKey).HasMaxLength(64);
            e.Property(b => b.BranchKey).HasMaxLength(64);
            e.Property(b => b.TimeZone).HasMaxLength(64);
            e.Property(b => b.Language).HasMaxLength(8);
            e.Property(b => b.PhoneE164).HasMaxLength(20);
            e.HasMany(b => b.History).WithOne().HasForeignKey(h => h.BookingId);
        });
        modelBuilder.Entity<BookingEvent>(e =>
        {
            e.HasQueryFilter(h => h.TenantId == _tenantId);
            e.Property(h => h.Action).HasConversion(Wire<Features.Bookings.BookingAction>.Converter).HasMaxLength(20);
            e.Property(h => h.FromStatus).HasConversion(Wire<Features.Bookings.BookingStatus>.Converter);
            e.Property(h => h.ToStatus).HasConversion(Wire<Features.Bookings.BookingStatus>.Converter);
            e.Property(h => h.PreviousWorkOrder).HasMaxLength(Features.WorkOrders.WorkOrderRules.MaxReferenceLength);
            e.Property(h => h.NewWorkOrder).HasMaxLength(Features.WorkOrders.WorkOrderRules.MaxReferenceLength);
            e.Property(h => h.By).HasMaxLength(100);
        });
        modelBuilder.Entity<Upload>(e =>
        {
            e.HasQueryFilter(u => u.TenantId == _tenantId);
            e.Property(u => u.Id).HasMaxLength(64);
            e.Property(u => u.PageSlug).HasMaxLength(64);
            e.Property(u => u.FileName).HasMaxLength(200);
            e.Property(u => u.ContentType).HasMaxLength(100);
            e.HasIndex(u => u.BookingId);
        });
        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("OutboxMessages");
            e.HasQueryFilter(m => m.TenantId == _tenantId);
            // The worker's claim reads only messages still to send (queued, or sending with a lapsed lease); sent, withdrawn and
            // parked rows, nearly all of the table in time, leave the index when they change.
            e.HasIndex(m => new { m.Status, m.DueAt }).HasFilter("\"Status\" IN ('queued', 'sending')");
            e.HasIndex(m => m.BookingId);
            e.Property(m => m.Kind).HasConversion(Wire<Features.Notifications.MessageKind>.Converter).HasMaxLength(40);
            e.Property(m => m.Channel).HasConversion(Wire<Features.Notifications.OutboxChannel>.Converter).HasMaxLength(10);
            e.Property(m => m.FromName).HasMaxLength(200);
            e.Property(m => m.ReplyTo).HasMaxLength(254);
            e.Property(m => m.To).HasMaxLength(254);
            e.Property(m => m.Subject).HasMaxLength(300);
            e.Property(m => m.Status).HasConversion(Wire<Features.Notifications.OutboxStatus>.Converter).HasMaxLength(20);
            e.Property(m => m.IcsMethod).HasConversion(Wire<Features.Bookings.IcsMethod>.Converter).HasMaxLength(20);
            e.Property(m => m.Attachment).HasMaxLength(100);
            // The admin's webhook delivery log reads a business's latest webhook messages.
            e.HasIndex(m => new { m.TenantId, m.Channel, m.CreatedAt });
        });
        modelBuilder.Entity<Features.Webhooks.WebhookEndpoint>(e =>
        {
            e.ToTable("WebhookEndpoints");
            e.HasQueryFilter(w => w.TenantId == _tenantId);
            e.HasIndex(w => new { w.TenantId, w.UrlHash }).IsUnique();
            e.Property(w => w.Url).HasMaxLength(Features.Webhooks.WebhookOptions.MaxUrlLength);
            e.Property(w => w.UrlHash).HasMaxLength(64);
            e.Property(w => w.Events).HasMaxLength(400);
            e.Property(w => w.SecretSealed).HasMaxLength(2000);
            e.Ignore(w => w.EventList);
        });
        modelBuilder.Entity<Features.Waitlist.WaitlistEntry>(e =>
        {
            e.HasQueryFilter(w => w.TenantId == _tenantId);
            e.HasIndex(w => w.Key).IsUnique();
            e.HasIndex(w => w.TokenHash).IsUnique();
            e.HasIndex(w => new { w.TenantId, w.PageSlug, w.Date, w.Status });
            e.HasIndex(w => w.OfferBookingId);
            // One live entry per person per page, service, staff member (or anyone) and date, whatever the concurrency. Two
            // indexes because a null StaffKey ("anyone") is never equal to another null in a unique index, on either database.
            e.HasIndex(w => new { w.TenantId, w.PageSlug, w.ServiceKey, w.Date, w.EmailKey, w.StaffKey }, Features.Waitlist.WaitlistEntry.LiveForStaffIndex)
                .IsUnique().HasFilter("\"EmailKey\" IS NOT NULL AND \"StaffKey\" IS NOT NULL AND \"Status\" IN ('waiting', 'offered')");
            e.HasIndex(w => new { w.TenantId, w.PageSlug, w.ServiceKey, w.Date, w.EmailKey }, Features.Waitlist.WaitlistEntry.LiveForAnyoneIndex)
                .IsUnique().HasFilter("\"EmailKey\" IS NOT NULL AND \"StaffKey\" IS NULL AND \"Status\" IN ('waiting', 'offered')");
            e.Property(w => w.EmailKey).HasMaxLength(254);
            e.Property(w => w.PageSlug).HasMaxLength(64);
            e.Property(w => w.ServiceKey).HasMaxLength(64);
            e.Property(w => w.StaffKey).HasMaxLength(64);
            e.Property(w => w.BranchKey).HasMaxLength(64);
            e.Property(w => w.Postcode).HasMaxLength(40);
            e.Property(w => w.Date).HasMaxLength(10);
            e.Property(w => w.CustomerName).HasMaxLength(200);
            e.Property(w => w.CustomerEmail).HasMaxLength(254);
            e.Property(w => w.CustomerPhone).HasMaxLength(40);
            e.Property(w => w.Language).HasMaxLength(8);
            e.Property(w => w.TimeZone).HasMaxLength(64);
            e.Property(w => w.TokenHash).HasMaxLength(64);
            e.Property(w => w.TokenSealed).HasMaxLength(400);
            // No length: the address fields are limited before they are serialized, where every non-ASCII letter grows sixfold.
            e.Property(w => w.Status).HasConversion(Wire<Features.Waitlist.WaitlistStatus>.Converter).HasMaxLength(20);
        });
        modelBuilder.Entity<Features.Organizations.OrganizationMember>(e =>
        {
            e.HasQueryFilter(m => m.TenantId == _tenantId);
            e.HasIndex(m => new { m.TenantId, m.PageSlug, m.OrganizationKey, m.EmailNormalized }).IsUnique();
            e.HasIndex(m => new { m.TenantId, m.CustomerId });
            e.Property(m => m.PageSlug).HasMaxLength(64);
            e.Property(m => m.OrganizationKey).HasMaxLength(64);
            e.Property(m => m.Name).HasMaxLength(200);
            e.Property(m => m.Email).HasMaxLength(254);
            e.Property(m => m.EmailNormalized).HasMaxLength(254);
            e.Property(m => m.MemberNumber).HasMaxLength(64);
        });
        modelBuilder.Entity<Features.Organizations.Mailing>(e =>
        {
            e.HasQueryFilter(m => m.TenantId == _tenantId);
            e.HasIndex(m => new { m.TenantId, m.PageSlug, m.OrganizationKey, m.CreatedAt });
            e.Property(m => m.PageSlug).HasMaxLength(64);
            e.Property(m => m.OrganizationKey).HasMaxLength(64);
            e.Property(m => m.Subject).HasMaxLength(200);
            e.Property(m => m.Body).HasMaxLength(20_000);
            e.Property(m => m.Audience).HasMaxLength(16);
            e.Property(m => m.Language).HasMaxLength(8);
        });
        modelBuilder.Entity<Features.Organizations.MailingRecipient>(e =>
        {
            e.HasQueryFilter(r => r.TenantId == _tenantId);
            // One message per member per mailing, whatever runs twice.
            e.HasIndex(r => new { r.MailingId, r.MemberId }).IsUnique();
            e.Property(r => r.Name).HasMaxLength(200);
            e.Property(r => r.Email).HasMaxLength(254);
        });
        modelBuilder.Entity<Features.Organizations.OrganizationLink>(e =>
        {
            e.HasQueryFilter(l => l.TenantId == _tenantId);
            e.HasIndex(l => l.TokenHash).IsUnique();
            e.HasIndex(l => new { l.TenantId, l.PageSlug, l.OrganizationKey });
            e.HasIndex(l => l.MemberId);
            e.Property(l => l.PageSlug).HasMaxLength(64);
            e.Property(l => l.OrganizationKey).HasMaxLength(64);
            e.Property(l => l.Kind).HasConversion(Wire<Features.Organizations.LinkKind>.Converter).HasMaxLength(32);
            e.Property(l => l.TokenHash).HasMaxLength(64);
        });
        modelBuilder.Entity<PlatformSignInToken>(e =>
        {
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.Property(t => t.TokenHash).HasMaxLength(64);
            e.Property(t => t.EmailNormalized).HasMaxLength(254);
        });
        modelBuilder.Entity<ClientSignInToken>(e =>
        {
            e.HasQueryFilter(t => t.TenantId == _tenantId);
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.HasIndex(t => new { t.TenantId, t.CustomerId, t.CreatedAt });
            e.Property(t => t.TokenHash).HasMaxLength(64);
        });
        modelBuilder.Entity<Features.Calendars.CalendarFeed>(e =>
        {
            e.HasQueryFilter(f => f.TenantId == _tenantId);
            e.HasIndex(f => new { f.TenantId, f.Kind, f.Key }).IsUnique();
            e.HasIndex(f => f.TokenHash).IsUnique();
            e.Property(f => f.Kind).HasConversion(Wire<Features.Calendars.CalendarFeedKind>.Converter).HasMaxLength(10);
            e.Property(f => f.Key).HasMaxLength(64);
            e.Property(f => f.TokenHash).HasMaxLength(64);
            e.Property(f => f.TokenSealed).HasMaxLength(400);
        });
        modelBuilder.Entity<Features.Calendars.BusySource>(e =>
        {
            e.HasQueryFilter(s => s.TenantId == _tenantId);
            e.HasIndex(s => new { s.TenantId, s.StaffKey, s.UrlHash }).IsUnique();
            e.Property(s => s.StaffKey).HasMaxLength(64);
            e.Property(s => s.Url).HasMaxLength(2000);
            e.Property(s => s.UrlHash).HasMaxLength(64);
            e.Property(s => s.LastError).HasMaxLength(500);
            e.Property(s => s.Kind).HasConversion(Wire<Features.Calendars.CalendarKind>.Converter).HasMaxLength(16).HasDefaultValue(Features.Calendars.BusySource.Ics);
            e.Property(s => s.UserName).HasMaxLength(200);
            e.Property(s => s.SecretSealed).HasMaxLength(8000);
            e.Property(s => s.LastPushError).HasMaxLength(500);
        });
        modelBuilder.Entity<Features.Calendars.CalendarEventLink>(e =>
        {
            e.HasQueryFilter(l => l.TenantId == _tenantId);
            e.HasIndex(l => new { l.SourceId, l.BookingId }).IsUnique();
            e.Property(l => l.Remote).HasMaxLength(2000);
            e.Property(l => l.ETag).HasMaxLength(200);
            e.Property(l => l.Fingerprint).HasMaxLength(64);
            e.Property(l => l.LastError).HasMaxLength(500);
            e.HasOne<Features.Calendars.BusySource>().WithMany().HasForeignKey(l => l.SourceId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Features.Calendars.ExternalBusySpan>(e =>
        {
            e.ToTable("ExternalBusySpans");
            e.HasQueryFilter(b => b.TenantId == _tenantId);
            e.HasIndex(b => new { b.TenantId, b.StaffKey, b.StartsAt });
            e.HasIndex(b => b.SourceId);
            e.Property(b => b.StaffKey).HasMaxLength(64);
            e.HasOne<Features.Calendars.BusySource>().WithMany().HasForeignKey(b => b.SourceId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Allocation>(e =>
        {
            e.HasQueryFilter(a => a.TenantId == _tenantId);
            e.HasIndex(a => new { a.TenantId, a.UnitKey, a.StartsAt });
            e.HasIndex(a => new { a.TenantId, a.StartsAt });
            e.HasIndex(a => a.BookingId);
            e.HasIndex(a => new { a.TenantId, a.Stamp });
            MachineKey(e.Property(a => a.UnitKey).HasMaxLength(200));
            MachineKey(e.Property(a => a.GroupKey).HasMaxLength(200));
            e.ToTable(t => t.HasCheckConstraint("CK_Allocations_Seat", "\"Seat\" >= 0 AND \"Seat\" < \"Capacity\" AND \"StartsAt\" < \"EndsAt\""));
        });
        modelBuilder.Entity<BusyVersion>(e => e.HasKey(v => v.TenantId));
        modelBuilder.Entity<OneOffStep>(e =>
        {
            e.HasKey(s => s.Name);
            e.Property(s => s.Name).HasMaxLength(100);
        });
        Features.Invoices.InvoiceModel.Configure(modelBuilder, this);
        Features.Invoices.InvoiceLogo.Configure(modelBuilder, this);
        PaymentModel.Configure(modelBuilder);
        Features.Refunds.RefundModel.Configure(modelBuilder, this);
        Features.Payments.NoShowFees.Configure(modelBuilder, this);
        Features.Payments.StripeConnect.Configure(modelBuilder, this);
        Features.Checkout.DeskSaleModel.Configure(modelBuilder, this);
        Features.Admin.CrmAudit.Configure(modelBuilder, this);
        Features.Bookings.Consents.Configure(modelBuilder, this);
        modelBuilder.Entity<Payment>().HasQueryFilter(p => p.TenantId == _tenantId);
        modelBuilder.Entity<CheckoutSession>().HasQueryFilter(s => s.TenantId == _tenantId);
    }
}

public sealed class SqliteBookwellDb(DbContextOptions<SqliteBookwellDb> options) : BookwellDb(options)
{
    public override bool IsPostgres => false;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // SQLite has no instant type; Unix ticks keep ordering and range comparisons in SQL correct.
        configurationBuilder.Properties<Instant>().HaveConversion<InstantTicksConverter>();
    }

    private sealed class InstantTicksConverter() : ValueConverter<Instant, long>(i => i.ToUnixTimeTicks(), t => Instant.FromUnixTimeTicks(t));
}

public sealed class PostgresBookwellDb(DbContextOptions<PostgresBookwellDb> options) : BookwellDb(options)
{
    public override bool IsPostgres => true;
}
