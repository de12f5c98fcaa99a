using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin.Setup;

/// <summary>One form per part of a booking page: the page and its settings, hours, branding, and each
/// service, staff member, resource and branch.</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class SetupEditModel(ConfigApplier applier) : AdminPageModel
{
    public static readonly string[] Sections = ["page", "hours", "branding", "invoicing", "services", "staff", "resources", "branches"];

    [BindProperty(SupportsGet = true)] public string Slug { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string Section { get; set; } = "";
    /// <summary>The item's key from the route; named apart from the form's own "key" field.</summary>
    [BindProperty(SupportsGet = true, Name = "item")] public string? Key { get; set; }

    public ConfigDocument Doc { get; private set; } = new();
    public PageDoc? Site { get; private set; }
    public int PageIndex { get; private set; } = -1;
    public ServiceDoc? Service { get; private set; }
    public StaffDoc? Staff { get; private set; }
    public ResourceDoc? Resource { get; private set; }
    public BranchDoc? Branch { get; private set; }
    public bool IsNew => Key == "new";
    public FormErrors Errors { get; private set; } = new();
    public bool HasPin { get; private set; }

    private bool Load()
    {
        Doc = ConfigCopy.Clone(Catalog.Document);
        PageIndex = Doc.Pages?.FindIndex(p => p.Slug == Slug) ?? -1;
        if (PageIndex < 0 || !Sections.Contains(Section))
        {
            return false;
        }
        Site = Doc.Pages![PageIndex];
        if (Key is null)
        {
            return Section is "page" or "hours" or "branding" or "invoicing" || Section is "services" or "staff" or "resources" or "branches";
        }
        switch (Section)
        {
            case "services":
                Service = IsNew ? new ServiceDoc { DurationMinutes = 30, Payment = "none", Active = true, Fields = [] } : Site.Services!.FirstOrDefault(s => s.Key == Key);
                return Service is not null;
            case "staff":
                Staff = IsNew ? new StaffDoc { Active = true, Services = [] } : Site.Staff!.FirstOrDefault(s => s.Key == Key);
                return Staff is not null;
            case "resources":
                Resource = IsNew ? new ResourceDoc { Capacity = 1, Active = true } : Site.Resources!.FirstOrDefault(s => s.Key == Key);
                return Resource is not null;
            case "branches":
                Branch = IsNew ? new BranchDoc { Active = true } : Site.Branches!.FirstOrDefault(s => s.Key == Key);
                return Branch is not null;
            default:
                return false;
        }
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!Load())
        {
            return NotFound();
        }
        if (Staff?.Key is { } staffKey)
        {
            HasPin = await Db.StaffPins.AnyAsync(p => p.StaffKey == staffKey, ct);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!Load())
        {
            return NotFound();
        }
        var errors = new Errors();
        var f = new FormReader(Request.Form, errors);
        var prefix = $"pages[{PageIndex}]";
        switch (Section)
        {
            case "page":
                ReadPage(f);
                break;
            case "hours":
                Site!.Schedule = f.Schedule("schedule");
                Site.Exceptions = f.Exceptions("exceptions");
                break;
            case "branding":
                var b = Site!.Branding ??= new BrandingDoc();
                b.Theme = f.Text("branding.theme", 20);
                b.AccentColor = f.Text("branding.accentColor", 7);
                b.LogoUrl = f.Text("branding.logoUrl", 500);
                b.HeroTitle = f.Text("branding.heroTitle", 200);
                b.HeroDescription = f.Text("branding.heroDescription", 1000);
                b.ConfirmationMessage = f.Text("branding.confirmationMessage", 2000);
                b.PrivacyPolicyUrl = f.Text("branding.privacyPolicyUrl", 500);
                break;
            case "invoicing":
                Site!.Settings ??= new SettingsDoc();
                Site.Settings.Invoicing = ReadInvoicing(f);
                break;
            case "services" when Service is not null:
                ReadService(f, Service);
                prefix = Add(Site!.Services!, Service, "services");
                break;
            case "staff" when Staff is not null:
                Staff.Key = IsNew ? f.Text("key", 64) : Staff.Key;
                Staff.Name = f.Text("name", 200);
                Staff.Email = f.Text("email", 254);
                Staff.Services = f.Values("services");
                Staff.Branch = f.Text("branch", 64);
                Staff.Schedule = f.Bool("ownHours") ? f.Schedule("schedule") : null;
                Staff.Exceptions = f.Exceptions("exceptions");
                Staff.Active = f.Bool("active");
                prefix = Add(Site!.Staff!, Staff, "staff");
                break;
            case "resources" when Resource is not null:
                Resource.Key = IsNew ? f.Text("key", 64) : Resource.Key;
                Resource.Name = f.Text("name", 200);
                Resource.Type = f.Text("type", 64);
                Resource.Branch = f.Text("branch", 64);
                Resource.Capacity = f.Int("capacity");
                Resource.Schedule = f.Bool("ownHours") ? f.Schedule("schedule") : null;
                Resource.Exceptions = f.Exceptions("exceptions");
                Resource.Active = f.Bool("active");
                prefix = Add(Site!.Resources!, Resource, "resources");
                break;
            case "branches" when Branch is not null:
                Branch.Key = IsNew ? f.Text("key", 64) : Branch.Key;
                Branch.Name = f.Text("name", 200);
                Branch.Address = f.Text("address", 300);
                Branch.City = f.Text("city", 100);
                Branch.Phone = f.Text("phone", 40);
                Branch.Schedule = f.Bool("ownHours") ? f.Schedule("schedule") : null;
                Branch.Exceptions = f.Exceptions("exceptions");
                Branch.Active = f.Bool("active");
                Branch.Settings = ReadBranchSettings(f);
                prefix = Add(Site!.Branches!, Branch, "branches");
                break;
            default:
                return BadRequest();
        }
        if (IsNew && errors.Any)
        {
            Errors = new FormErrors(errors);
            return Page();
        }
        if (!errors.Any)
        {
            var result = await applier.ApplyAsync(Doc, ct);
            if (!result.Errors.Any)
            {
                TempData["Flash"] = AdminText.L("Saved. The booking page uses it from now on.");
                var key = Service?.Key ?? Staff?.Key ?? Resource?.Key ?? Branch?.Key;
                return Redirect(key is null ? $"/admin/setup/p/{Slug}/{Section}" : $"/admin/setup/p/{Slug}/{Section}/{key}");
            }
            errors = result.Errors;
        }
        Errors = new FormErrors(errors, prefix);
        return Page();
    }

    /// <summary>A new item goes to the end of its list; the validator's paths then point at it.</summary>
    private string Add<T>(List<T> list, T item, string name)
    {
        var index = list.IndexOf(item);
        if (index < 0)
        {
            list.Add(item);
            index = list.Count - 1;
        }
        return $"pages[{PageIndex}].{name}[{index}]";
    }

    private void ReadPage(FormReader f)
    {
        var p = Site!;
        p.Name = f.Text("name", 200);
        p.Description = f.Text("description", 2000);
        p.TimeZone = f.Text("timeZone", 64);
        var location = p.Location ??= new LocationDoc();
        location.Mode = f.Text("location.mode", 20);
        location.Details = f.Text("location.details", 500);
        location.MeetingUrl = f.Text("location.meetingUrl", 500);
        var s = p.Settings ??= new SettingsDoc();
        s.HorizonDays = f.Int("settings.horizonDays");
        s.SlotIntervalMinutes = f.Int("settings.slotIntervalMinutes");
        s.BufferMinutes = f.Int("settings.bufferMinutes");
        s.MinNoticeMinutes = f.Int("settings.minNoticeMinutes");
        s.AllowedDays = f.Values("settings.allowedDays");
        s.TermsRequired = f.Bool("settings.termsRequired");
        s.TermsText = f.Text("settings.termsText", 5000);
        s.RequiresApproval = f.Bool("settings.requiresApproval");
        s.DoubleOptInHours = f.Int("settings.doubleOptInHours");
        s.PaymentHoldMinutes = f.Int("settings.paymentHoldMinutes");
        s.AutoNoShowMinutes = f.Int("settings.autoNoShowMinutes");
        s.ReminderMinutes = f.IntList("settings.reminderMinutes");
        s.NotifyStaff = f.Bool("settings.notifyStaff");
        s.SmsReminders = f.Bool("settings.smsReminders");
        s.NoShowFollowUp = f.Bool("settings.noShowFollowUp");
        s.OwnerEmail = f.Text("settings.ownerEmail", 254);
        s.EmbedOrigins = f.Lines("settings.embedOrigins");
        // The client portal is the business's (every page that names it must agree, false on any page switches it off):
        // a change is written to this page and to every other page that names the setting, so the document stays valid.
        var portal = f.Bool("settings.clientPortal");
        if (portal != PortalOpen)
        {
            foreach (var other in Doc.Pages!.Where(o => o == p || o.Settings?.ClientPortal is not null))
            {
                (other.Settings ??= new SettingsDoc()).ClientPortal = portal;
            }
        }
    }

    /// <summary>
    /// A branch's own settings (issue 15): each left empty ("as the page") stays absent in the document, so the branch follows
    /// the page; none of its own leaves no settings object at all. The validator judges the values (paths under <c>settings.</c>).
    /// </summary>
    private static BranchSettingsDoc? ReadBranchSettings(FormReader f)
    {
        var own = new BranchSettingsDoc
        {
            ReminderMinutes = f.Bool("settings.ownReminders") ? f.IntList("settings.reminderMinutes") ?? [] : null,
            AutoNoShowMinutes = f.Int("settings.autoNoShowMinutes"),
            DoubleOptInHours = f.Int("settings.doubleOptInHours"),
            Waitlist = f.Text("settings.waitlist", 5) switch
            {
                null => null,
                "true" => true,
                "false" => false,
                _ => Refuse(f, "settings.waitlist", "Choose on, off or as the page."),
            },
            WaitlistHoldMinutes = f.Int("settings.waitlistHoldMinutes"),
            WaitlistMode = f.Text("settings.waitlistMode", 20),
            WaitlistExpiredMail = f.Text("settings.waitlistExpiredMail", 5) switch
            {
                null => null,
                "true" => true,
                "false" => false,
                _ => Refuse(f, "settings.waitlistExpiredMail", "Choose on, off or as the page."),
            },
        };
        return own.ReminderMinutes is null && own.AutoNoShowMinutes is null && own.DoubleOptInHours is null && own.Waitlist is null &&
               own.WaitlistHoldMinutes is null && own.WaitlistMode is null && own.WaitlistExpiredMail is null ? null : own;
    }

    /// <summary>
    /// The seller's details and how invoices are numbered and printed (<c>settings.invoicing</c>); the validator judges the
    /// values (paths under <c>settings.invoicing.</c>). The number prefix is the business's: only the first page sets it.
    /// </summary>
    private Bookwell.Features.Invoices.InvoicingDoc ReadInvoicing(FormReader f) => new()
    {
        LegalName = f.Text("settings.invoicing.legalName", 200),
        Address = f.Text("settings.invoicing.address", 500),
        VatNumber = f.Text("settings.invoicing.vatNumber", 20),
        RegistrationNumber = f.Text("settings.invoicing.registrationNumber", 32),
        BankAccount = f.Text("settings.invoicing.bankAccount", 42),
        PricesIncludeTax = f.Bool("settings.invoicing.pricesIncludeTax"),
        DueDays = f.Int("settings.invoicing.dueDays"),
        NumberPrefix = PageIndex == 0 ? f.Text("settings.invoicing.numberPrefix", Bookwell.Features.Invoices.InvoiceSettings.MaxPrefix + 5) : Site!.Settings?.Invoicing?.NumberPrefix,
        Footer = f.Text("settings.invoicing.footer", 500),
        Paper = f.Text("settings.invoicing.paper", 10),
    };

    private static bool? Refuse(FormReader f, string field, string message)
    {
        f.Errors.Add(field, message);
        return null;
    }

    /// <summary>Whether the business's client portal is open in the document being edited (<c>settings.clientPortal</c>).</summary>
    public bool PortalOpen => !(Doc.Pages ?? []).Any(o => o.Settings?.ClientPortal == false);

    private void ReadService(FormReader f, ServiceDoc s)
    {
        s.Key = IsNew ? f.Text("key", 64) : s.Key;
        s.Name = f.Text("name", 200);
        s.Description = f.Text("description", 2000);
        s.DurationMinutes = f.Int("durationMinutes");
        var amount = f.Decimal("price.amount");
        var currency = f.Text("price.currency", 3)?.ToUpperInvariant();
        // A currency on its own (the form always fills one in) is no price.
        s.Price = amount is null ? null : new MoneyDoc { Amount = amount, Currency = currency };
        s.Payment = f.Text("payment", 20);
        var deposit = f.Decimal("deposit.amount");
        s.Deposit = deposit is null ? null : new MoneyDoc { Amount = deposit, Currency = currency };
        s.BufferBeforeMinutes = f.Int("bufferBeforeMinutes");
        s.BufferAfterMinutes = f.Int("bufferAfterMinutes");
        s.MinNoticeMinutes = f.Int("minNoticeMinutes");
        s.MaxAdvanceDays = f.Int("maxAdvanceDays");
        s.SlotIntervalMinutes = f.Int("slotIntervalMinutes");
        s.Capacity = f.Int("capacity");
        s.RequiresStaff = f.Bool("requiresStaff");
        s.OnlineBooking = f.Bool("onlineBooking");
        s.ResourceTypes = f.Values("resourceTypes");
        s.ReminderMinutes = f.Text("reminderMinutes", 100) is null ? null : f.IntList("reminderMinutes");
        s.Active = f.Bool("active");
        // The custom fields editor posts rows; a row without a key is an empty spare row.
        var fields = new List<FieldDoc>();
        for (var i = 0; i < 30; i++)
        {
            var key = f.Text($"fields[{i}].key", 64);
            if (key is null || f.Bool($"fields[{i}].remove"))
            {
                continue;
            }
            fields.Add(new FieldDoc
            {
                Key = key,
                Label = f.Text($"fields[{i}].label", 200),
                Type = f.Text($"fields[{i}].type", 20),
                Options = f.Text($"fields[{i}].options", 2000)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
                Required = f.Bool($"fields[{i}].required"),
            });
        }
        s.Fields = fields;
    }

    public async Task<IActionResult> OnPostPinAsync(string? pin, CancellationToken ct)
    {
        if (!Load() || Staff?.Key is null || IsNew)
        {
            return NotFound();
        }
        var hasher = new PasswordHasher<StaffPin>();
        var existing = await Db.StaffPins.FirstOrDefaultAsync(p => p.StaffKey == Staff.Key, ct);
        if (string.IsNullOrEmpty(pin))
        {
            if (existing is not null)
            {
                Db.StaffPins.Remove(existing);
                await Db.SaveChangesAsync(ct);
            }
            TempData["Flash"] = AdminText.L("The PIN is removed: this person cannot use the staff dashboard until they get a new one.");
            return Redirect($"/admin/setup/p/{Slug}/staff/{Staff.Key}");
        }
        if (pin.Length is < 4 or > 6 || !pin.All(char.IsAsciiDigit))
        {
            Errors.Add("pin", "A PIN has 4 to 6 digits.");
            HasPin = existing is not null;
            return Page();
        }
        var row = existing ?? new StaffPin { TenantId = Db.TenantId, StaffKey = Staff.Key, PinHash = "" };
        row.PinHash = hasher.HashPassword(row, pin);
        row.UpdatedAt = Clock.GetCurrentInstant();
        if (existing is null)
        {
            Db.StaffPins.Add(row);
        }
        await Db.SaveChangesAsync(ct);
        TempData["Flash"] = AdminText.L("PIN saved.");
        return Redirect($"/admin/setup/p/{Slug}/staff/{Staff.Key}");
    }
}
