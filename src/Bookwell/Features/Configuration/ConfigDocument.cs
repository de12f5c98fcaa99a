namespace Bookwell.Features.Configuration;

// The config-as-code document exactly as the contract shapes it. Every member is nullable so that a document
// can be read whole and then judged field by field, with per-path errors, instead of failing on the first.

public sealed class ConfigDocument
{
    public List<PageDoc>? Pages { get; set; }
}

public sealed class PageDoc
{
    public string? Slug { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? TimeZone { get; set; }
    public LocationDoc? Location { get; set; }
    public BrandingDoc? Branding { get; set; }
    public SettingsDoc? Settings { get; set; }
    public Dictionary<string, List<List<string>>?>? Schedule { get; set; }
    public List<ExceptionDoc>? Exceptions { get; set; }
    public List<BranchDoc>? Branches { get; set; }
    public List<ServiceDoc>? Services { get; set; }
    public List<StaffDoc>? Staff { get; set; }
    public List<ResourceDoc>? Resources { get; set; }
    /// <summary>Contract 4.6: organizations (a school, a company, a club) with their own services, date window and time slots.</summary>
    public List<OrganizationDoc>? Organizations { get; set; }
}

/// <summary>Contract 4.6. The contact and logo fields are additive.</summary>
public sealed class OrganizationDoc
{
    public string? Key { get; set; }
    public string? Name { get; set; }
    /// <summary>Keys of the page's services its members may book (appointments and sessions alike).</summary>
    public List<string>? Services { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    /// <summary>With <c>true</c>, the organization's services are bookable only through it (never on the public page).</summary>
    public bool? Exclusive { get; set; }
    public List<TimeSlotDoc>? TimeSlots { get; set; }
    /// <summary>Additive: who to talk to at the organization.</summary>
    public string? ContactName { get; set; }
    public string? ContactEmail { get; set; }
    public string? ContactPhone { get; set; }
    /// <summary>Additive: the organization's logo, shown on its members' booking page.</summary>
    public string? LogoUrl { get; set; }
    /// <summary>
    /// Additive (seed 003's separate switches): which of <see cref="Services"/> members may book online as appointments.
    /// Null: those seating one client (capacity 1) and not named in <see cref="SessionServices"/>; empty: appointments are off.
    /// </summary>
    public List<string>? AppointmentServices { get; set; }
    /// <summary>
    /// Additive: which of <see cref="Services"/> members may book online as sessions (classes). Null: those seating more than one
    /// client and not named in <see cref="AppointmentServices"/>; empty: sessions are off.
    /// </summary>
    public List<string>? SessionServices { get; set; }
}

/// <summary>Times published for one organization only: a date and its hours, for some of its services or (null) all.</summary>
public sealed class TimeSlotDoc
{
    public string? Date { get; set; }
    public List<List<string>>? Hours { get; set; }
    public List<string>? Services { get; set; }
    /// <summary>Additive: seats of a class (session) in this slot, 1 up to the service's capacity; null keeps the service's.</summary>
    public int? Capacity { get; set; }
    /// <summary>
    /// Additive: the staff member who serves this slot (null: whoever is free). Members are offered only them in these hours; an
    /// exclusive organization's slot closes only their time on the public page, not the whole page.
    /// </summary>
    public string? Staff { get; set; }
}

public sealed class LocationDoc
{
    public string? Mode { get; set; }
    public string? Details { get; set; }
    public string? MeetingUrl { get; set; }
}

public sealed class BrandingDoc
{
    public string? Theme { get; set; }
    public string? AccentColor { get; set; }
    public string? LogoUrl { get; set; }
    public string? HeroTitle { get; set; }
    public string? HeroDescription { get; set; }
    public string? ConfirmationMessage { get; set; }
    public string? PrivacyPolicyUrl { get; set; }
}

public sealed class SettingsDoc
{
    public int? HorizonDays { get; set; }
    public int? SlotIntervalMinutes { get; set; }
    public int? BufferMinutes { get; set; }
    public int? MinNoticeMinutes { get; set; }
    public List<string>? AllowedDays { get; set; }
    public bool? TermsRequired { get; set; }
    public string? TermsText { get; set; }
    /// <summary>Additive: new bookings wait for the business to confirm them (status <c>pending</c>).</summary>
    public bool? RequiresApproval { get; set; }
    /// <summary>Additive: clients confirm their booking from an e-mail within this many hours (1, 2, 4, 12 or 24), else it is cancelled.</summary>
    public int? DoubleOptInHours { get; set; }
    /// <summary>Additive: payment reminders for unpaid invoices, days before and after the due date (see <see cref="Refunds.InvoiceRemindersDoc"/>).</summary>
    public Refunds.InvoiceRemindersDoc? InvoiceReminders { get; set; }
    /// <summary>Additive: erase clients inactive for this long (see <see cref="Admin.RetentionDoc"/>); off when absent.</summary>
    public Admin.RetentionDoc? Retention { get; set; }
    /// <summary>Additive: how long an unpaid booking holds its time.</summary>
    public int? PaymentHoldMinutes { get; set; }
    /// <summary>Additive: the business's Stripe Connect account (<c>acct_...</c>); payments go there instead of to the platform's account.</summary>
    public string? StripeAccount { get; set; }
    /// <summary>Additive: a confirmed booking nobody started becomes <c>no_show</c> this many minutes after its start.</summary>
    public int? AutoNoShowMinutes { get; set; }
    /// <summary>Additive: when reminders go out, in minutes before the start; default one day, empty for none.</summary>
    public List<int>? ReminderMinutes { get; set; }
    /// <summary>Additive: e-mail the assigned staff member about new, moved and cancelled bookings (default true).</summary>
    public bool? NotifyStaff { get; set; }
    /// <summary>Additive: an address (the owner's) that gets the same notices as staff.</summary>
    public string? OwnerEmail { get; set; }
    /// <summary>Additive: a "we missed you" e-mail with a link to book again when a booking becomes a no-show.</summary>
    public bool? NoShowFollowUp { get; set; }
    /// <summary>Additive: reminders also by text message to clients who gave a phone number (needs an SMS provider).</summary>
    public bool? SmsReminders { get; set; }
    /// <summary>Additive: origins allowed to embed the booking page (widget); empty allows any.</summary>
    public List<string>? EmbedOrigins { get; set; }
    /// <summary>Additive (contract 4.4): clients may join a waitlist for a full day (default false).</summary>
    public bool? Waitlist { get; set; }
    /// <summary>Additive (contract 4.4): how long freed time is held for the waitlist entry it is offered to (default 120).</summary>
    public int? WaitlistHoldMinutes { get; set; }
    /// <summary>Additive: <c>automatic</c> (default) offers freed time to the first in line at once; <c>manual</c> leaves it to
    /// staff, who send an offer with one click from /admin/waitlist.</summary>
    public string? WaitlistMode { get; set; }
    /// <summary>Additive (issue 15, seed 001's optional third waitlist mail): tell a client when the time offered to them ran
    /// out unaccepted and went to the next in line (default false).</summary>
    public bool? WaitlistExpiredMail { get; set; }
    /// <summary>Additive (issue 17): how many messages of an organization mailing go out per minute (default
    /// <see cref="Organizations.Mailings.DefaultPerMinute"/>); the rest wait their turn, so booking mails queued meanwhile go first.</summary>
    public int? MailingsPerMinute { get; set; }
    /// <summary>Additive: the desk checkout offers a tip line (default false).</summary>
    public bool? DeskTips { get; set; }
    /// <summary>Additive: the desk's Stripe Terminal reader (<c>tmr_...</c>); the checkout's card step sends the amount to it.</summary>
    public string? TerminalReader { get; set; }
    /// <summary>Additive (issue 15): service area and travel rule for services that come to the client.</summary>
    public Mobile.MobileDoc? Mobile { get; set; }
    /// <summary>Additive (issue 16): when a staff member's calendar is stale and what the page does then.</summary>
    public Calendars.CalendarsDoc? Calendars { get; set; }
    /// <summary>Additive: the seller's details printed on invoices, tax-inclusive or -exclusive prices, due days, number prefix
    /// (see <see cref="Invoices.InvoicingDoc"/>).</summary>
    public Invoices.InvoicingDoc? Invoicing { get; set; }
    /// <summary>Additive (issue 14): the business's client portal (<c>/account</c>) is open (default true). The portal belongs
    /// to the business, so <c>false</c> on any of its pages switches it off; pages that set it must agree.</summary>
    public bool? ClientPortal { get; set; }
    /// <summary>Additive (issue 14): the visits from which a client is returning, regular or VIP (see <see cref="Admin.LoyaltyDoc"/>); a setting of the business.</summary>
    public Admin.LoyaltyDoc? Loyalty { get; set; }

    /// <summary>A shallow copy, for a branch's settings over the page's (<see cref="BranchSettings.Merge"/>).</summary>
    public SettingsDoc Copy() => (SettingsDoc)MemberwiseClone();
}

public sealed class ExceptionDoc
{
    public string? Date { get; set; }
    public bool? Closed { get; set; }
    public List<List<string>>? Hours { get; set; }
}

public sealed class BranchDoc
{
    public string? Key { get; set; }
    public string? Name { get; set; }
    public string? Address { get; set; }
    public string? City { get; set; }
    public string? Phone { get; set; }
    public Dictionary<string, List<List<string>>?>? Schedule { get; set; }
    public List<ExceptionDoc>? Exceptions { get; set; }
    public bool? Active { get; set; }
    /// <summary>Additive: this branch's own card reader (<c>tmr_...</c>), instead of the page's.</summary>
    public string? TerminalReader { get; set; }
    /// <summary>Additive (issue 15): settings seed 001 keeps per branch; each one absent (null) follows the page's
    /// <see cref="SettingsDoc"/>. Bookings at the branch use these (see <see cref="CompiledPage.SettingsFor"/>).</summary>
    public BranchSettingsDoc? Settings { get; set; }
}

/// <summary>
/// Additive (issue 15): a branch's own values of some of the page's settings, named as in <see cref="SettingsDoc"/>.
/// Null follows the page. <c>autoNoShowMinutes</c> and <c>doubleOptInHours</c> also take 0: off at this branch although
/// the page has it on (on the page itself, off is null).
/// </summary>
public sealed class BranchSettingsDoc
{
    /// <summary>When reminders go out, minutes before the start; empty for none at this branch. A service's own still wins.</summary>
    public List<int>? ReminderMinutes { get; set; }
    /// <summary>A confirmed booking nobody started becomes <c>no_show</c> this many minutes after its start; 0: never at this branch.</summary>
    public int? AutoNoShowMinutes { get; set; }
    /// <summary>Clients confirm from an e-mail within 1, 2, 4, 12 or 24 hours; 0: no confirmation e-mail at this branch.</summary>
    public int? DoubleOptInHours { get; set; }
    /// <summary>Freed time at this branch goes to the waitlist.</summary>
    public bool? Waitlist { get; set; }
    /// <summary>How long freed time is held for the entry it is offered to.</summary>
    public int? WaitlistHoldMinutes { get; set; }
    /// <summary><c>automatic</c> or <c>manual</c>.</summary>
    public string? WaitlistMode { get; set; }
    /// <summary>Whether a client whose offer ran out unaccepted is told so by e-mail.</summary>
    public bool? WaitlistExpiredMail { get; set; }
}

public sealed class MoneyDoc
{
    public decimal? Amount { get; set; }
    public string? Currency { get; set; }
}

public sealed class FieldDoc
{
    public string? Key { get; set; }
    public string? Label { get; set; }
    public string? Type { get; set; }
    public List<string>? Options { get; set; }
    public bool? Required { get; set; }
}

public sealed class ServiceDoc
{
    public string? Key { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public int? DurationMinutes { get; set; }
    public MoneyDoc? Price { get; set; }
    /// <summary>Additive: the tax rate in percent of this service (e.g. 9 or 21); absent: the installation's
    /// <c>Bookwell:Invoices:TaxRatePercent</c>.</summary>
    public decimal? TaxRatePercent { get; set; }
    public string? Payment { get; set; }
    public MoneyDoc? Deposit { get; set; }
    /// <summary>Additive: how much of what was paid online goes back when the client cancels (see <see cref="Refunds.CancellationPolicy"/>).</summary>
    public Refunds.CancellationPolicyDoc? CancellationPolicy { get; set; }
    public int? BufferBeforeMinutes { get; set; }
    public int? BufferAfterMinutes { get; set; }
    public int? MinNoticeMinutes { get; set; }
    public int? MaxAdvanceDays { get; set; }
    public int? SlotIntervalMinutes { get; set; }
    public int? Capacity { get; set; }
    public bool? RequiresStaff { get; set; }
    public List<string>? ResourceTypes { get; set; }
    public List<FieldDoc>? Fields { get; set; }
    /// <summary>Additive: when reminders go out, in minutes before the start (overrides the page's).</summary>
    public List<int>? ReminderMinutes { get; set; }
    public bool? Active { get; set; }
    /// <summary>Additive: charged when a booking of this service becomes <c>no_show</c> (Features/Payments/NoShowFees.cs).</summary>
    public NoShowFeeDoc? NoShowFee { get; set; }
    /// <summary>Additive (issue 15): <c>onsite</c> (the client comes), <c>mobile</c> (we come to the client's address) or
    /// <c>choice</c> (the client picks); null follows the page's location mode.</summary>
    public string? LocationMode { get; set; }
    /// <summary>Additive (issue 15): who gets a booking made for anyone able: <c>first-available</c> (page order; the
    /// default), <c>least-busy</c> (least busy time that local day), <c>round-robin</c> (fewest bookings over the past 7
    /// days) or <c>priority</c> (<see cref="StaffPriority"/>, else page order). See Features/Bookings/AssignmentRules.cs.</summary>
    public string? Assignment { get; set; }
    /// <summary>Additive (issue 15): for <c>priority</c>, staff keys best first; staff not listed follow in page order.</summary>
    public List<string>? StaffPriority { get; set; }
    /// <summary>Additive (issue 15): the service's own weekly hours (as the page's <c>schedule</c>); they only narrow the
    /// page's or branch's hours: a slot must lie inside both. Null: the page's (or branch's) hours.</summary>
    public Dictionary<string, List<List<string>>?>? Schedule { get; set; }
    /// <summary>Additive (issue 15): dates on which the service is closed or has other hours (as the page's <c>exceptions</c>),
    /// again only inside the page's or branch's hours of that date.</summary>
    public List<ExceptionDoc>? Exceptions { get; set; }
    /// <summary>Additive (issue 15): <c>false</c> makes the service bookable by staff only: absent from the public page, its
    /// slots, the widget and organization links; the admin and staff dashboards and the admin API still book it (default true).</summary>
    public bool? OnlineBooking { get; set; }
}

/// <summary>A no-show fee: a fixed <see cref="Amount"/> in the price's currency, or a <see cref="Percent"/> of the price; one of the two.</summary>
public sealed class NoShowFeeDoc
{
    public decimal? Amount { get; set; }
    public decimal? Percent { get; set; }
}

public sealed class StaffDoc
{
    public string? Key { get; set; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public List<string>? Services { get; set; }
    public string? Branch { get; set; }
    public Dictionary<string, List<List<string>>?>? Schedule { get; set; }
    public List<ExceptionDoc>? Exceptions { get; set; }
    public bool? Active { get; set; }
    /// <summary>Additive (contract 4.9): subscribed iCalendar feeds whose events are busy time for this staff member.</summary>
    public List<BusySourceDoc>? BusySources { get; set; }
}

public sealed class BusySourceDoc
{
    public string? Url { get; set; }
}

public sealed class ResourceDoc
{
    public string? Key { get; set; }
    public string? Type { get; set; }
    public string? Name { get; set; }
    public string? Branch { get; set; }
    public int? Capacity { get; set; }
    public Dictionary<string, List<List<string>>?>? Schedule { get; set; }
    public List<ExceptionDoc>? Exceptions { get; set; }
    public bool? Active { get; set; }
}
