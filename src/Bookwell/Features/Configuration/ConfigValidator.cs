using System.Globalization;
using System.Text.RegularExpressions;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Configuration;

/// <summary>
/// Judges a whole configuration document, collecting every error under its JSON path, and fills defaults so
/// that the stored document (and what GET returns) is explicit.
/// </summary>
public static partial class ConfigValidator
{
    public static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    public static readonly string[] Themes = ["slate", "ocean", "violet", "emerald", "rose", "amber"];
    public static readonly string[] LocationModes = ["in-person", "virtual", "mobile"];
    public static readonly string[] PaymentModes = ["none", "now", "deposit", "invoice"];
    public static readonly string[] FieldTypes = ["text", "longtext", "number", "choice", "multichoice", "checkbox", "date", "file"];

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex ColorPattern();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    public static Errors Validate(ConfigDocument doc, bool allowPrivateAddresses = false)
    {
        var e = new Errors();
        if (doc.Pages is null)
        {
            e.Add("pages", "Required: a list of pages (it may be empty).");
            return e;
        }
        // JSON allows null inside any list; every check below dereferences the items, so nulls are refused first.
        if (ReportNulls(e, doc))
        {
            return e;
        }
        // The client portal belongs to the business: pages that name the setting must agree (unset pages follow them).
        var portalSetBy = doc.Pages.FindIndex(p => p.Settings?.ClientPortal is not null);
        for (var i = portalSetBy + 1; portalSetBy >= 0 && i < doc.Pages.Count; i++)
        {
            if (doc.Pages[i].Settings?.ClientPortal is { } other && other != doc.Pages[portalSetBy].Settings!.ClientPortal)
            {
                e.Add($"pages[{i}].settings.clientPortal",
                    $"The client portal belongs to the whole business: every page that sets it must give the same value (pages[{portalSetBy}] says {(other ? "false" : "true")}).");
            }
        }
        Admin.LoyaltyTiers.ValidateAgreement(e, doc);
        var slugs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < doc.Pages.Count; i++)
        {
            var p = doc.Pages[i];
            var path = $"pages[{i}]";
            if (string.IsNullOrWhiteSpace(p.Slug) || !SlugPattern().IsMatch(p.Slug))
            {
                e.Add($"{path}.slug", "Required: lowercase letters, digits and dashes, at most 63 characters.");
            }
            else if (!slugs.Add(p.Slug))
            {
                e.Add($"{path}.slug", $"Duplicate slug '{p.Slug}'.");
            }
            Text(e, $"{path}.name", p.Name, 200, required: true);
            Text(e, $"{path}.description", p.Description, 2000);
            if (string.IsNullOrWhiteSpace(p.TimeZone) || DateTimeZoneProviders.Tzdb.GetZoneOrNull(p.TimeZone) is null)
            {
                e.Add($"{path}.timeZone", "Required: an IANA time zone id such as Europe/Amsterdam.");
            }
            p.Location ??= new LocationDoc { Mode = "in-person" };
            p.Location.Mode ??= "in-person";
            if (!LocationModes.Contains(p.Location.Mode))
            {
                e.Add($"{path}.location.mode", $"Must be one of: {string.Join(", ", LocationModes)}.");
            }
            Text(e, $"{path}.location.details", p.Location.Details, 500);
            Url(e, $"{path}.location.meetingUrl", p.Location.MeetingUrl);
            ValidateBranding(e, path, p);
            ValidateSettings(e, path, p);
            Invoices.InvoiceSettings.Validate(e, $"{path}.settings.invoicing", p.Settings!.Invoicing, doc.Pages[0], i == 0);
            ValidateHours(e, $"{path}.schedule", p.Schedule, required: false);
            ValidateExceptions(e, $"{path}.exceptions", p.Exceptions);
            p.Schedule ??= [];
            p.Exceptions ??= [];

            p.Branches ??= [];
            var branchKeys = Keys(e, $"{path}.branches", p.Branches, b => b.Key);
            for (var b = 0; b < p.Branches.Count; b++)
            {
                var branch = p.Branches[b];
                Text(e, $"{path}.branches[{b}].name", branch.Name, 200, required: true);
                Text(e, $"{path}.branches[{b}].address", branch.Address, 300);
                Text(e, $"{path}.branches[{b}].city", branch.City, 100);
                Text(e, $"{path}.branches[{b}].phone", branch.Phone, 40);
                ValidateHours(e, $"{path}.branches[{b}].schedule", branch.Schedule, required: false);
                ValidateExceptions(e, $"{path}.branches[{b}].exceptions", branch.Exceptions);
                branch.Exceptions ??= [];
                branch.Active ??= true;
                ValidateBranchSettings(e, $"{path}.branches[{b}].settings", branch.Settings);
            }

            p.Resources ??= [];
            Keys(e, $"{path}.resources", p.Resources, r => r.Key);
            var resourceTypes = new HashSet<string>(StringComparer.Ordinal);
            for (var r = 0; r < p.Resources.Count; r++)
            {
                var res = p.Resources[r];
                var rp = $"{path}.resources[{r}]";
                if (string.IsNullOrWhiteSpace(res.Type) || !KeyPattern().IsMatch(res.Type))
                {
                    e.Add($"{rp}.type", "Required: a short key such as 'chair'.");
                }
                else if (res.Active != false)
                {
                    resourceTypes.Add(res.Type);
                }
                res.Name ??= res.Key;
                Text(e, $"{rp}.name", res.Name, 200);
                res.Capacity ??= 1;
                Range(e, $"{rp}.capacity", res.Capacity, 1, 100);
                Reference(e, $"{rp}.branch", res.Branch, branchKeys, "branch");
                ValidateHours(e, $"{rp}.schedule", res.Schedule, required: false);
                ValidateExceptions(e, $"{rp}.exceptions", res.Exceptions);
                res.Exceptions ??= [];
                res.Active ??= true;
            }

            p.Services ??= [];
            var serviceKeys = Keys(e, $"{path}.services", p.Services, s => s.Key);
            for (var s = 0; s < p.Services.Count; s++)
            {
                ValidateService(e, $"{path}.services[{s}]", p.Services[s], resourceTypes);
            }

            p.Staff ??= [];
            Keys(e, $"{path}.staff", p.Staff, s => s.Key);
            for (var s = 0; s < p.Staff.Count; s++)
            {
                var st = p.Staff[s];
                var sp = $"{path}.staff[{s}]";
                if (Bookings.ContactRules.NameProblem(st.Name) is { } nameProblem)
                {
                    e.Add($"{sp}.name", nameProblem);
                }
                if (st.Email is not null && !Bookings.ContactRules.IsEmail(st.Email))
                {
                    e.Add($"{sp}.email", "Must be an e-mail address.");
                }
                st.Services ??= p.Services.Select(x => x.Key!).Where(k => k is not null).ToList();
                for (var k = 0; k < st.Services.Count; k++)
                {
                    Reference(e, $"{sp}.services[{k}]", st.Services[k], serviceKeys, "service");
                }
                Reference(e, $"{sp}.branch", st.Branch, branchKeys, "branch");
                ValidateHours(e, $"{sp}.schedule", st.Schedule, required: false);
                ValidateExceptions(e, $"{sp}.exceptions", st.Exceptions);
                st.Exceptions ??= [];
                st.Active ??= true;
                st.BusySources ??= [];
                Calendars.BusySourceRules.Validate(e, $"{sp}.busySources", st.BusySources, allowPrivateAddresses);
            }

            Bookings.AssignmentRules.Validate(e, path, p);
            p.Organizations ??= [];
            ValidateOrganizations(e, path, p, serviceKeys);
        }
        return e;
    }

    private const string NotNull = "Must not be null.";

    private static bool ReportNulls(Errors e, ConfigDocument doc)
    {
        for (var i = 0; i < doc.Pages!.Count; i++)
        {
            var p = doc.Pages[i];
            var path = $"pages[{i}]";
            if (p is null)
            {
                e.Add(path, NotNull);
                continue;
            }
            Nulls(e, $"{path}.branches", p.Branches);
            Nulls(e, $"{path}.services", p.Services);
            Nulls(e, $"{path}.staff", p.Staff);
            Nulls(e, $"{path}.resources", p.Resources);
            HoursNulls(e, $"{path}.schedule", p.Schedule);
            ExceptionNulls(e, $"{path}.exceptions", p.Exceptions);
            Nulls(e, $"{path}.settings.allowedDays", p.Settings?.AllowedDays);
            Nulls(e, $"{path}.settings.embedOrigins", p.Settings?.EmbedOrigins);
            for (var b = 0; p.Branches is not null && b < p.Branches.Count; b++)
            {
                HoursNulls(e, $"{path}.branches[{b}].schedule", p.Branches[b]?.Schedule);
                ExceptionNulls(e, $"{path}.branches[{b}].exceptions", p.Branches[b]?.Exceptions);
            }
            for (var r = 0; p.Resources is not null && r < p.Resources.Count; r++)
            {
                HoursNulls(e, $"{path}.resources[{r}].schedule", p.Resources[r]?.Schedule);
                ExceptionNulls(e, $"{path}.resources[{r}].exceptions", p.Resources[r]?.Exceptions);
            }
            for (var s = 0; p.Services is not null && s < p.Services.Count; s++)
            {
                var svc = p.Services[s];
                Nulls(e, $"{path}.services[{s}].fields", svc?.Fields);
                HoursNulls(e, $"{path}.services[{s}].schedule", svc?.Schedule);
                ExceptionNulls(e, $"{path}.services[{s}].exceptions", svc?.Exceptions);
                Nulls(e, $"{path}.services[{s}].resourceTypes", svc?.ResourceTypes);
                for (var f = 0; svc?.Fields is not null && f < svc.Fields.Count; f++)
                {
                    Nulls(e, $"{path}.services[{s}].fields[{f}].options", svc.Fields[f]?.Options);
                }
            }
            for (var s = 0; p.Staff is not null && s < p.Staff.Count; s++)
            {
                Nulls(e, $"{path}.staff[{s}].services", p.Staff[s]?.Services);
                HoursNulls(e, $"{path}.staff[{s}].schedule", p.Staff[s]?.Schedule);
                ExceptionNulls(e, $"{path}.staff[{s}].exceptions", p.Staff[s]?.Exceptions);
                Nulls(e, $"{path}.staff[{s}].busySources", p.Staff[s]?.BusySources);
            }
            Nulls(e, $"{path}.organizations", p.Organizations);
            for (var o = 0; p.Organizations is not null && o < p.Organizations.Count; o++)
            {
                var org = p.Organizations[o];
                var op = $"{path}.organizations[{o}]";
                Nulls(e, $"{op}.services", org?.Services);
                Nulls(e, $"{op}.appointmentServices", org?.AppointmentServices);
                Nulls(e, $"{op}.sessionServices", org?.SessionServices);
                Nulls(e, $"{op}.timeSlots", org?.TimeSlots);
                for (var t = 0; org?.TimeSlots is not null && t < org.TimeSlots.Count; t++)
                {
                    var slot = org.TimeSlots[t];
                    Nulls(e, $"{op}.timeSlots[{t}].hours", slot?.Hours);
                    for (var h = 0; slot?.Hours is not null && h < slot.Hours.Count; h++)
                    {
                        Nulls(e, $"{op}.timeSlots[{t}].hours[{h}]", slot.Hours[h]);
                    }
                    Nulls(e, $"{op}.timeSlots[{t}].services", slot?.Services);
                }
            }
        }
        return e.Any;
    }

    private static void Nulls<T>(Errors e, string path, List<T>? items)
    {
        for (var i = 0; items is not null && i < items.Count; i++)
        {
            if (items[i] is null)
            {
                e.Add($"{path}[{i}]", NotNull);
            }
        }
    }

    private static void HoursNulls(Errors e, string path, Dictionary<string, List<List<string>>?>? hours)
    {
        foreach (var (day, ranges) in hours ?? [])
        {
            Nulls(e, $"{path}.{day}", ranges);
            for (var i = 0; ranges is not null && i < ranges.Count; i++)
            {
                Nulls(e, $"{path}.{day}[{i}]", ranges[i]);
            }
        }
    }

    private static void ExceptionNulls(Errors e, string path, List<ExceptionDoc>? exceptions)
    {
        Nulls(e, path, exceptions);
        for (var i = 0; exceptions is not null && i < exceptions.Count; i++)
        {
            var hours = exceptions[i]?.Hours;
            Nulls(e, $"{path}[{i}].hours", hours);
            for (var h = 0; hours is not null && h < hours.Count; h++)
            {
                Nulls(e, $"{path}[{i}].hours[{h}]", hours[h]);
            }
        }
    }

    /// <summary>Contract 4.6: at most this many time slots per organization (a bulk action makes thousands at most).</summary>
    public const int MaxTimeSlots = 10_000;

    private static void ValidateOrganizations(Errors e, string path, PageDoc p, HashSet<string> serviceKeys)
    {
        Keys(e, $"{path}.organizations", p.Organizations!, o => o.Key);
        for (var o = 0; o < p.Organizations!.Count; o++)
        {
            var org = p.Organizations[o];
            var op = $"{path}.organizations[{o}]";
            Text(e, $"{op}.name", org.Name, 200, required: true);
            Text(e, $"{op}.contactName", org.ContactName, 200);
            Text(e, $"{op}.contactPhone", org.ContactPhone, 40);
            if (org.ContactEmail is not null && !Bookings.ContactRules.IsEmail(org.ContactEmail))
            {
                e.Add($"{op}.contactEmail", "Must be an e-mail address.");
            }
            Url(e, $"{op}.logoUrl", org.LogoUrl);
            org.Services ??= [];
            var own = new HashSet<string>(StringComparer.Ordinal);
            for (var k = 0; k < org.Services.Count; k++)
            {
                Reference(e, $"{op}.services[{k}]", org.Services[k], serviceKeys, "service");
                if (!own.Add(org.Services[k]))
                {
                    e.Add($"{op}.services[{k}]", $"Duplicate service '{org.Services[k]}'.");
                }
            }
            // Seed 003's separate switches: which of the organization's services are booked online as appointments, which as sessions.
            var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (field, list) in new[] { ("appointmentServices", org.AppointmentServices), ("sessionServices", org.SessionServices) })
            {
                for (var k = 0; list is not null && k < list.Count; k++)
                {
                    if (!own.Contains(list[k]))
                    {
                        e.Add($"{op}.{field}[{k}]", $"'{Clip(list[k])}' is not one of this organization's services.");
                    }
                    else if (kinds.TryGetValue(list[k], out var first))
                    {
                        e.Add($"{op}.{field}[{k}]", first == field
                            ? $"Duplicate service '{list[k]}'."
                            : $"'{list[k]}' is already booked as {(first == "appointmentServices" ? "an appointment" : "a session")}; a service is one or the other.");
                    }
                    else
                    {
                        kinds[list[k]] = field;
                    }
                }
            }
            LocalDate from = default, to = default;
            var hasFrom = org.From is not null && TimeFormats.TryParseDate(org.From, out from);
            var hasTo = org.To is not null && TimeFormats.TryParseDate(org.To, out to);
            if (org.From is not null && !hasFrom)
            {
                e.Add($"{op}.from", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}, or null.");
            }
            if (org.To is not null && !hasTo)
            {
                e.Add($"{op}.to", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}, or null.");
            }
            if (hasFrom && hasTo && to < from)
            {
                e.Add($"{op}.to", "Must not be before 'from'.");
            }
            org.Exclusive ??= false;
            org.TimeSlots ??= [];
            if (org.TimeSlots.Count > MaxTimeSlots)
            {
                e.Add($"{op}.timeSlots", $"At most {MaxTimeSlots} time slots per organization.");
                continue;
            }
            for (var t = 0; t < org.TimeSlots.Count; t++)
            {
                var slot = org.TimeSlots[t];
                var tp = $"{op}.timeSlots[{t}]";
                if (slot.Date is null || !TimeFormats.TryParseDate(slot.Date, out _))
                {
                    e.Add($"{tp}.date", $"Required: a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
                }
                if (slot.Hours is not { Count: > 0 })
                {
                    e.Add($"{tp}.hours", "Required: one or more [\"HH:mm\", \"HH:mm\"] ranges.");
                }
                Ranges(e, $"{tp}.hours", slot.Hours);
                for (var k = 0; slot.Services is not null && k < slot.Services.Count; k++)
                {
                    if (!own.Contains(slot.Services[k]))
                    {
                        e.Add($"{tp}.services[{k}]", $"'{Clip(slot.Services[k])}' is not one of this organization's services.");
                    }
                }
                if (slot.Staff is not null && !p.Staff!.Any(x => x?.Key == slot.Staff))
                {
                    e.Add($"{tp}.staff", $"'{Clip(slot.Staff)}' is not a staff member of this page.");
                }
                else if (slot.Staff is not null &&
                         StafflessServices(p, slot.Services ?? org.Services) is { Count: > 0 } staffless)
                {
                    // A slot naming a staff member is their time: on the public page it closes only their hours. A service
                    // booked without staff (the page's own calendar, or resources only) never takes them, so such a slot
                    // would reserve nothing and the public could book its time away from the members.
                    e.Add($"{tp}.staff", $"{string.Join(", ", staffless.Select(k => $"'{Clip(k)}'"))} {(staffless.Count == 1 ? "is" : "are")} booked without a " +
                                         "staff member, so a time slot naming one cannot hold it: list in 'services' only services that need a staff member, " +
                                         "or leave 'staff' empty.");
                }
                else if (slot.Staff is not null && p.Staff!.FirstOrDefault(x => x?.Key == slot.Staff) is { Services: { } offers } &&
                         (slot.Services ?? org.Services).Distinct().Where(k => own.Contains(k) && !offers.Contains(k)).ToList() is { Count: > 0 } notOffered)
                {
                    // A slot naming a staff member is booked with them only; a service they do not offer could never be booked in it.
                    e.Add($"{tp}.staff", $"'{Clip(slot.Staff)}' does not offer {string.Join(", ", notOffered.Select(k => $"'{Clip(k)}'"))}: list in 'services' " +
                                         "only services this staff member offers, or leave 'staff' empty.");
                }
                if (slot.Capacity is { } seats)
                {
                    // Seats of a class in this slot: at least one, at most the largest capacity among the slot's services.
                    var most = (slot.Services ?? org.Services).Select(k => p.Services!.FirstOrDefault(x => x?.Key == k)?.Capacity ?? 1)
                        .DefaultIfEmpty(1).Max();
                    if (seats < 1 || seats > most)
                    {
                        e.Add($"{tp}.capacity", $"Must be from 1 to {most} (the capacity of the slot's services), or null for the service's own.");
                    }
                }
            }
        }
    }

    /// <summary>The services among <paramref name="keys"/> that are booked without a staff member (<c>requiresStaff: false</c>).</summary>
    private static List<string> StafflessServices(PageDoc p, IEnumerable<string> keys) =>
        [.. keys.Distinct().Where(k => p.Services!.FirstOrDefault(x => x?.Key == k) is { RequiresStaff: false })];

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;

    private static void ValidateBranding(Errors e, string path, PageDoc p)
    {
        var b = p.Branding ??= new BrandingDoc();
        b.Theme ??= "slate";
        if (!Themes.Contains(b.Theme))
        {
            e.Add($"{path}.branding.theme", $"Must be one of: {string.Join(", ", Themes)}.");
        }
        if (b.AccentColor is not null)
        {
            if (!ColorPattern().IsMatch(b.AccentColor))
            {
                e.Add($"{path}.branding.accentColor", "Must be a colour as #RRGGBB.");
            }
            else if (Contrast.WithWhite(b.AccentColor) < 4.5)
            {
                e.Add($"{path}.branding.accentColor",
                    $"White text on {b.AccentColor} has contrast {Contrast.WithWhite(b.AccentColor):0.00}:1; WCAG AA needs 4.5:1. Choose a darker colour.");
            }
        }
        Url(e, $"{path}.branding.logoUrl", b.LogoUrl);
        Url(e, $"{path}.branding.privacyPolicyUrl", b.PrivacyPolicyUrl);
        Text(e, $"{path}.branding.heroTitle", b.HeroTitle, 200);
        Text(e, $"{path}.branding.heroDescription", b.HeroDescription, 2000);
        Text(e, $"{path}.branding.confirmationMessage", b.ConfirmationMessage, 2000);
    }

    private static void ValidateSettings(Errors e, string path, PageDoc p)
    {
        var s = p.Settings ??= new SettingsDoc();
        s.HorizonDays ??= 60;
        s.SlotIntervalMinutes ??= 30;
        s.BufferMinutes ??= 0;
        s.MinNoticeMinutes ??= 0;
        s.AllowedDays ??= [.. DayNames];
        s.TermsRequired ??= false;
        s.RequiresApproval ??= false;
        s.PaymentHoldMinutes ??= 30;
        s.Waitlist ??= false;
        s.WaitlistHoldMinutes ??= 120;
        s.WaitlistMode ??= "automatic";
        s.WaitlistExpiredMail ??= false;
        if (s.WaitlistMode is not ("automatic" or "manual"))
        {
            e.Add($"{path}.settings.waitlistMode", "Must be automatic or manual.");
        }
        Range(e, $"{path}.settings.horizonDays", s.HorizonDays, 1, 730);
        Range(e, $"{path}.settings.slotIntervalMinutes", s.SlotIntervalMinutes, 1, 1440);
        Range(e, $"{path}.settings.bufferMinutes", s.BufferMinutes, 0, 1440);
        Range(e, $"{path}.settings.minNoticeMinutes", s.MinNoticeMinutes, 0, 525_600);
        Range(e, $"{path}.settings.paymentHoldMinutes", s.PaymentHoldMinutes, 1, 1440);
        Range(e, $"{path}.settings.autoNoShowMinutes", s.AutoNoShowMinutes, 1, 1440);
        // At least long enough to read the e-mail; at most a week, or a freed time would sit unused too long.
        Range(e, $"{path}.settings.waitlistHoldMinutes", s.WaitlistHoldMinutes, 5, 10_080);
        Range(e, $"{path}.settings.mailingsPerMinute", s.MailingsPerMinute, 1, 100_000);
        Payments.PaymentRules.ValidateAccount(e, $"{path}.settings.stripeAccount", s.StripeAccount);
        Refunds.InvoiceReminders.Validate(e, $"{path}.settings.invoiceReminders", s.InvoiceReminders);
        Admin.ClientRetention.Validate(e, $"{path}.settings.retention", s.Retention);
        Admin.LoyaltyTiers.Validate(e, $"{path}.settings.loyalty", s.Loyalty);
        Mobile.MobileServices.Validate(e, path, p);
        Calendars.StaleCalendars.Validate(e, path, s);
        Checkout.DeskTerminal.Validate(e, path, p);
        if (s.DoubleOptInHours is { } optIn && optIn is not (1 or 2 or 4 or 12 or 24))
        {
            e.Add($"{path}.settings.doubleOptInHours", "Must be 1, 2, 4, 12 or 24.");
        }
        for (var i = 0; i < s.AllowedDays.Count; i++)
        {
            if (!DayNames.Contains(s.AllowedDays[i]))
            {
                e.Add($"{path}.settings.allowedDays[{i}]", $"Must be one of: {string.Join(", ", DayNames)}.");
            }
        }
        Text(e, $"{path}.settings.termsText", s.TermsText, 5000);
        s.NotifyStaff ??= true;
        s.SmsReminders ??= false;
        s.NoShowFollowUp ??= false;
        s.ReminderMinutes ??= [1440];
        Reminders(e, $"{path}.settings.reminderMinutes", s.ReminderMinutes);
        if (s.OwnerEmail is not null && !Bookings.ContactRules.IsEmail(s.OwnerEmail))
        {
            e.Add($"{path}.settings.ownerEmail", "Must be an e-mail address.");
        }
        s.EmbedOrigins ??= [];
        for (var i = 0; i < s.EmbedOrigins.Count; i++)
        {
            if (!Uri.TryCreate(s.EmbedOrigins[i], UriKind.Absolute, out var origin) || origin.Scheme is not ("http" or "https") ||
                origin.GetLeftPart(UriPartial.Authority) != s.EmbedOrigins[i].TrimEnd('/'))
            {
                e.Add($"{path}.settings.embedOrigins[{i}]", "Must be an origin such as https://www.example.com (scheme, host and port only).");
            }
        }
        if (s.TermsRequired == true && string.IsNullOrWhiteSpace(s.TermsText) && p.Branding?.PrivacyPolicyUrl is null)
        {
            e.Add($"{path}.settings.termsText", "Required when termsRequired is true: the text (or a link) clients agree to.");
        }
    }

    private static void ValidateService(Errors e, string sp, ServiceDoc svc, HashSet<string> resourceTypes)
    {
        Text(e, $"{sp}.name", svc.Name, 200, required: true);
        Text(e, $"{sp}.description", svc.Description, 2000);
        if (svc.DurationMinutes is null)
        {
            e.Add($"{sp}.durationMinutes", "Required: minutes, 1 to 1440.");
        }
        Range(e, $"{sp}.durationMinutes", svc.DurationMinutes, 1, 1440);
        Money(e, $"{sp}.price", svc.Price);
        if (svc.TaxRatePercent is { } rate && (rate < 0 || rate > 100 || decimal.Round(rate, 2) != rate))
        {
            e.Add($"{sp}.taxRatePercent", "A percentage from 0 to 100 with at most two decimals, e.g. 21 or 9.");
        }
        svc.Payment ??= "none";
        if (!PaymentModes.Contains(svc.Payment))
        {
            e.Add($"{sp}.payment", $"Must be one of: {string.Join(", ", PaymentModes)}.");
        }
        if (svc.Payment is "now" or "deposit" && svc.Price?.Amount is not > 0)
        {
            e.Add($"{sp}.price", "A service paid online needs a price above zero.");
        }
        if (svc.Payment == "deposit")
        {
            if (svc.Deposit is null)
            {
                e.Add($"{sp}.deposit", "Required when payment is 'deposit'.");
            }
            else
            {
                Money(e, $"{sp}.deposit", svc.Deposit);
                if (svc.Deposit.Amount > svc.Price?.Amount)
                {
                    e.Add($"{sp}.deposit.amount", "A deposit cannot exceed the price.");
                }
                if (svc.Deposit.Currency != svc.Price?.Currency)
                {
                    e.Add($"{sp}.deposit.currency", "Must be the price's currency.");
                }
            }
        }
        Refunds.CancellationPolicy.Validate(e, $"{sp}.cancellationPolicy", svc.CancellationPolicy);
        Payments.NoShowFees.Validate(e, sp, svc);
        Range(e, $"{sp}.bufferBeforeMinutes", svc.BufferBeforeMinutes, 0, 1440);
        Range(e, $"{sp}.bufferAfterMinutes", svc.BufferAfterMinutes, 0, 1440);
        Range(e, $"{sp}.minNoticeMinutes", svc.MinNoticeMinutes, 0, 525_600);
        Range(e, $"{sp}.maxAdvanceDays", svc.MaxAdvanceDays, 1, 730);
        Range(e, $"{sp}.slotIntervalMinutes", svc.SlotIntervalMinutes, 1, 1440);
        Reminders(e, $"{sp}.reminderMinutes", svc.ReminderMinutes);
        svc.Capacity ??= 1;
        Range(e, $"{sp}.capacity", svc.Capacity, 1, 1000);
        svc.RequiresStaff ??= true;
        svc.ResourceTypes ??= [];
        for (var t = 0; t < svc.ResourceTypes.Count; t++)
        {
            if (!resourceTypes.Contains(svc.ResourceTypes[t]))
            {
                e.Add($"{sp}.resourceTypes[{t}]", $"No active resource of type '{svc.ResourceTypes[t]}' on this page.");
            }
        }
        svc.Fields ??= [];
        Keys(e, $"{sp}.fields", svc.Fields, f => f.Key);
        for (var f = 0; f < svc.Fields.Count; f++)
        {
            var field = svc.Fields[f];
            var fp = $"{sp}.fields[{f}]";
            Text(e, $"{fp}.label", field.Label, 200, required: true);
            if (field.Type is null || !FieldTypes.Contains(field.Type))
            {
                e.Add($"{fp}.type", $"Must be one of: {string.Join(", ", FieldTypes)}.");
            }
            if (field.Type is "choice" or "multichoice")
            {
                if (field.Options is not { Count: > 0 } || field.Options.Any(string.IsNullOrWhiteSpace))
                {
                    e.Add($"{fp}.options", "Required for choice fields: a list of non-empty options.");
                }
                else if (field.Options.Distinct(StringComparer.Ordinal).Count() != field.Options.Count)
                {
                    e.Add($"{fp}.options", "Options must be distinct.");
                }
            }
            field.Required ??= false;
        }
        // Issue 15: the service's own hours, which only narrow the page's (or branch's).
        ValidateHours(e, $"{sp}.schedule", svc.Schedule, required: false);
        ValidateExceptions(e, $"{sp}.exceptions", svc.Exceptions);
        svc.Exceptions ??= [];
        svc.OnlineBooking ??= true;
        svc.Active ??= true;
    }

    /// <summary>Issue 15: a branch's own reminders, automatic no-show, double opt-in and waitlist (see <see cref="BranchSettings"/>).</summary>
    private static void ValidateBranchSettings(Errors e, string path, BranchSettingsDoc? s)
    {
        if (s is null)
        {
            return;
        }
        Reminders(e, $"{path}.reminderMinutes", s.ReminderMinutes);
        Range(e, $"{path}.autoNoShowMinutes", s.AutoNoShowMinutes, 0, 1440);
        if (s.DoubleOptInHours is { } optIn && optIn is not (0 or 1 or 2 or 4 or 12 or 24))
        {
            e.Add($"{path}.doubleOptInHours", "Must be 1, 2, 4, 12 or 24, or 0 for none at this branch.");
        }
        Range(e, $"{path}.waitlistHoldMinutes", s.WaitlistHoldMinutes, 5, 10_080);
        if (s.WaitlistMode is not (null or "automatic" or "manual"))
        {
            e.Add($"{path}.waitlistMode", "Must be automatic or manual.");
        }
    }

    private static void Reminders(Errors e, string path, List<int>? minutes)
    {
        if (minutes is null)
        {
            return;
        }
        if (minutes.Count > 5)
        {
            e.Add(path, "At most 5 reminders.");
        }
        for (var i = 0; i < minutes.Count; i++)
        {
            Range(e, $"{path}[{i}]", minutes[i], 5, 30 * 1440);
        }
        if (minutes.Distinct().Count() != minutes.Count)
        {
            e.Add(path, "Each reminder time may appear once.");
        }
    }

    private static void ValidateHours(Errors e, string path, Dictionary<string, List<List<string>>?>? hours, bool required)
    {
        if (hours is null)
        {
            if (required)
            {
                e.Add(path, "Required.");
            }
            return;
        }
        foreach (var (day, ranges) in hours)
        {
            if (!DayNames.Contains(day))
            {
                e.Add($"{path}.{day}", $"Unknown day; use {string.Join(", ", DayNames)}.");
                continue;
            }
            Ranges(e, $"{path}.{day}", ranges);
        }
    }

    private static void Ranges(Errors e, string path, List<List<string>>? ranges)
    {
        for (var i = 0; ranges is not null && i < ranges.Count; i++)
        {
            var r = ranges[i];
            if (r is not { Count: 2 } || !TimeRange.TryParseMinute(r[0], out var start) || !TimeRange.TryParseMinute(r[1], out var end))
            {
                e.Add($"{path}[{i}]", "Must be [\"HH:mm\", \"HH:mm\"].");
            }
            else if (start >= end)
            {
                e.Add($"{path}[{i}]", "The start must be before the end.");
            }
        }
    }

    private static void ValidateExceptions(Errors e, string path, List<ExceptionDoc>? exceptions)
    {
        var dates = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; exceptions is not null && i < exceptions.Count; i++)
        {
            var x = exceptions[i];
            if (x.Date is null || !TimeFormats.TryParseDate(x.Date, out _))
            {
                e.Add($"{path}[{i}].date", $"Required: a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
            }
            else if (!dates.Add(x.Date))
            {
                e.Add($"{path}[{i}].date", $"Duplicate exception for {x.Date}.");
            }
            x.Closed ??= x.Hours is null;
            if (x.Closed == true && x.Hours is { Count: > 0 })
            {
                e.Add($"{path}[{i}].hours", "A closed date has no hours.");
            }
            Ranges(e, $"{path}[{i}].hours", x.Hours);
        }
    }

    private static HashSet<string> Keys<T>(Errors e, string path, List<T> items, Func<T, string?> key)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var k = key(items[i]);
            if (k is null || !KeyPattern().IsMatch(k))
            {
                e.Add($"{path}[{i}].key", "Required: letters, digits, '-' or '_', at most 64 characters.");
            }
            else if (!seen.Add(k))
            {
                e.Add($"{path}[{i}].key", $"Duplicate key '{k}'.");
            }
        }
        return seen;
    }

    private static void Reference(Errors e, string path, string? key, HashSet<string> known, string what)
    {
        if (key is not null && !known.Contains(key))
        {
            e.Add(path, $"Unknown {what} '{key}'.");
        }
    }

    private static void Text(Errors e, string path, string? value, int max, bool required = false)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            e.Add(path, "Required.");
        }
        else if (value is not null && value.Length > max)
        {
            e.Add(path, $"At most {max} characters.");
        }
        else if (value is not null && (max <= 200 ? Bookings.ContactRules.HasForbiddenCharacters(value) : HasForbiddenInText(value)))
        {
            // Names and titles are one line, as a client's name is; longer texts may break lines (and mark Hebrew or Arabic
            // direction) but hold no other control character and no override that makes them display as something else.
            e.Add(path, max <= 200 ? Bookings.ContactRules.NameMessage : "Must not contain control characters (other than line breaks and tabs) or text-direction overrides.");
        }
    }

    private static bool HasForbiddenInText(string text) =>
        text.Any(c => c is >= '\u202A' and <= '\u202E' || (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))) ||
        Bookings.ContactRules.HasLoneSurrogate(text);

    private static void Range(Errors e, string path, int? value, int min, int max)
    {
        if (value is not null && (value < min || value > max))
        {
            e.Add(path, $"Must be between {min} and {max}.");
        }
    }

    private static void Url(Errors e, string path, string? value)
    {
        if (value is not null && (value.Length > 2000 || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http")))
        {
            e.Add(path, "Must be an absolute http(s) URL.");
        }
    }

    private static void Money(Errors e, string path, MoneyDoc? money)
    {
        if (money is null)
        {
            return;
        }
        var currencyOk = money.Currency is not null && CurrencyPattern().IsMatch(money.Currency);
        if (!currencyOk)
        {
            e.Add($"{path}.currency", "Required: an ISO-4217 code such as EUR.");
        }
        // The currency's own minor units (JPY none, EUR two, BHD three); with no valid currency, two.
        var units = currencyOk ? Invoices.InvoiceMoney.MinorUnits(money.Currency!) : 2;
        if (money.Amount is null || money.Amount < 0 || money.Amount > 1_000_000 || decimal.Round(money.Amount.Value, units) != money.Amount)
        {
            e.Add($"{path}.amount", units == 0
                ? $"Required: a whole amount from 0 ({money.Currency} has no minor units)."
                : $"Required: an amount from 0 with at most {units} decimals.");
        }
    }
}

/// <summary>WCAG 2 contrast ratio, used to refuse accent colours that make white text unreadable.</summary>
public static class Contrast
{
    public static double WithWhite(string hex) => Ratio(Luminance(hex), 1.0);

    public static double Ratio(double l1, double l2) => (Math.Max(l1, l2) + 0.05) / (Math.Min(l1, l2) + 0.05);

    public static double Luminance(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        double Channel(int offset)
        {
            var c = int.Parse(hex.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        return (0.2126 * Channel(1)) + (0.7152 * Channel(3)) + (0.0722 * Channel(5));
    }
}
