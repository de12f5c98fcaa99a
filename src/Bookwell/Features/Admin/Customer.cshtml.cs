using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;

/// <summary>
/// One client: every booking with its status, the figures (spent, visits, no-shows, last visit), notes, tags,
/// marketing consent with its date, intake answers, and merging a duplicate into this client.
/// Staff see the clients they served and may add notes; tags and merging are for owners and admins.
/// </summary>
public sealed class CustomerModel : AdminPageModel
{
    public Customer? Customer { get; private set; }
    public List<Booking> Bookings { get; private set; } = [];
    /// <summary>What each booking brought in (payments less refunds): the visit history's money, shown to managers only, like the total.</summary>
    public Dictionary<Guid, IReadOnlyList<Bookwell.Features.Payments.MoneyView>> Paid { get; private set; } = [];
    public CustomerFigures Figures { get; private set; } = null!;
    public List<CustomerNote> Notes { get; private set; } = [];
    public List<string> Tags { get; private set; } = [];
    /// <summary>Issue 14: every change of the client's consent (and of the duplicates merged into it), newest first.</summary>
    public List<ConsentChange> ConsentHistory { get; private set; } = [];
    public List<(Booking Booking, List<(string Question, string Answer)> Answers)> Intake { get; private set; } = [];
    public FormErrors Errors { get; } = new();
    [BindProperty] public string? Note { get; set; }
    [BindProperty] public string? NewTag { get; set; }
    [BindProperty] public string? Duplicate { get; set; }
    [BindProperty] public string? PreferredStaff { get; set; }
    /// <summary>Issue 17, members "from the CRM": the organization to add this client to, as <c>{page}|{organization}</c>.</summary>
    [BindProperty] public string? Organization { get; set; }
    [BindProperty] public string? MemberId { get; set; }

    /// <summary>The organizations this client belongs to (managers see them).</summary>
    public List<Bookwell.Features.Organizations.OrganizationMember> Memberships { get; private set; } = [];

    /// <summary>Every organization of the business's pages, as the add form lists them.</summary>
    public List<(string Value, string Label)> OrganizationChoices =>
        [.. Catalog.Pages.Values.SelectMany(p => p.Organizations.Values.Select(o => ($"{p.Slug}|{o.Key}", Catalog.Pages.Count > 1 ? $"{o.Name} ({p.Doc.Name})" : o.Name)))];

    /// <summary>An organization's name for a membership row (its key when the organization is gone from the configuration).</summary>
    public string OrganizationName(Bookwell.Features.Organizations.OrganizationMember m) =>
        m is not null && Catalog.Pages.TryGetValue(m.PageSlug, out var p) && p.Organizations.TryGetValue(m.OrganizationKey, out var o) ? o.Name : m?.OrganizationKey ?? "";

    /// <summary>Staff who can be a client's preferred member: every active staff member of the business's pages, by key.</summary>
    public List<(string Key, string Name)> StaffChoices =>
        [.. Catalog.Pages.Values.SelectMany(p => p.Staff).Where(s => s.Doc.Active != false).DistinctBy(s => s.Key).Select(s => (s.Key, s.Name))];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct);

    /// <summary>The GDPR export as a download (the API's document), recorded in the audit log.</summary>
    public async Task<IActionResult> OnGetExportAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        var now = Clock.GetCurrentInstant();
        if (await CustomerExport.BuildAsync(Db, id, now, ct) is not { } document)
        {
            return NotFound();
        }
        await CustomerExport.AuditAsync(Db, id, CrmAudit.ActorOf(HttpContext), now, ct);
        Response.Headers.CacheControl = "no-store";
        var json = document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        return File(System.Text.Encoding.UTF8.GetBytes(json), "application/json; charset=utf-8", $"customer-{id:N}.json");
    }

    private async Task<IActionResult> LoadAsync(Guid id, CancellationToken ct)
    {
        Customer = await Db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (Customer is null)
        {
            return NotFound();
        }
        if (Customer.MergedIntoId is { } winner)
        {
            return Redirect($"/admin/customers/{winner}");
        }
        var ids = await CustomerDirectory.IdsOfAsync(Db, id, ct);
        var query = Db.Bookings.AsNoTracking().Where(b => ids.Contains(b.CustomerId));
        if (OnlyStaff is not null)
        {
            query = query.Where(b => b.StaffKey == OnlyStaff);
        }
        Bookings = await query.OrderByDescending(b => b.StartsAt).ThenByDescending(b => b.Id).ToListAsync(ct);
        if (OnlyStaff is not null && Bookings.Count == 0)
        {
            return NotFound();
        }
        Figures = await CustomerDirectory.FiguresAsync(Db, OnlyStaff is null ? ids : [], Clock.GetCurrentInstant(), Catalog, ct);
        if (OnlyStaff is not null)
        {
            var now = Clock.GetCurrentInstant();
            var visits = Bookings.Where(b => CustomerDirectory.IsVisit(b.Status, b.StartsAt, now)).ToList();
            Figures = new CustomerFigures([], Bookings.Count, visits.Count, Bookings.Count(b => b.Status == Bookwell.Features.Bookings.BookingStatus.NoShow),
                Bookings.Count(b => b.Status == Bookwell.Features.Bookings.BookingStatus.Cancelled), visits.Count > 0 ? visits.Max(b => b.StartsAt) : null,
                Tier: LoyaltyTiers.Of(Catalog).Of(visits.Count));
        }
        if (IsManager)
        {
            Paid = await CustomerDirectory.PaidByBookingAsync(Db, [.. Bookings.Select(b => b.Id)], ct);
        }
        Notes = await Db.CustomerNotes.AsNoTracking().Where(n => n.CustomerId == id).OrderByDescending(n => n.At).ThenByDescending(n => n.Id).ToListAsync(ct);
        Tags = await Db.CustomerTags.AsNoTracking().Where(t => t.CustomerId == id).OrderBy(t => t.Tag).Select(t => t.Tag).ToListAsync(ct);
        Intake = CustomerDirectory.IntakeAnswers(Bookings, Catalog);
        ConsentHistory = await Bookwell.Features.Bookings.Consents.HistoryAsync(Db, ids, ct);
        if (IsManager)
        {
            Memberships = await Db.OrganizationMembers.AsNoTracking().Where(m => m.CustomerId == id)
                .OrderBy(m => m.PageSlug).ThenBy(m => m.OrganizationKey).ToListAsync(ct);
        }
        return Page();
    }

    private async Task<IActionResult> InvalidAsync(Guid id, CancellationToken ct)
    {
        var result = await LoadAsync(id, ct);
        if (result is PageResult)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        return result;
    }

    private async Task<bool> VisibleAsync(Guid id, CancellationToken ct) =>
        await Db.Customers.AnyAsync(c => c.Id == id && c.MergedIntoId == null && c.ErasedAt == null, ct) &&
        (OnlyStaff is null || await Db.Bookings.AnyAsync(b => b.CustomerId == id && b.StaffKey == OnlyStaff, ct));

    public async Task<IActionResult> OnPostNoteAsync(Guid id, CancellationToken ct)
    {
        if (!await VisibleAsync(id, ct))
        {
            return NotFound();
        }
        var e = new Errors();
        if (AdminCustomerEndpoints.ValidNote(Note, e, "note") is not { } text)
        {
            foreach (var (field, message) in new FormErrors(e).All)
            {
                Errors.Add(field, message);
            }
            return await InvalidAsync(id, ct);
        }
        await CustomerDirectory.AddNoteAsync(Db, id, text, Actor, Clock.GetCurrentInstant(), ct);
        TempData["Flash"] = AdminText.L("Note added.");
        return Redirect($"/admin/customers/{id}#notes");
    }

    /// <summary>Adds this client to an organization (or updates their member id there): the member the organization's links and mailings reach.</summary>
    public async Task<IActionResult> OnPostOrganizationAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await VisibleAsync(id, ct))
        {
            return NotFound();
        }
        var parts = (Organization ?? "").Split('|', 2);
        Bookwell.Features.Configuration.CompiledPage? page = null;
        Bookwell.Features.Organizations.OrganizationModel? organization = null;
        if (parts.Length != 2 || !Catalog.Pages.TryGetValue(parts[0], out page) || !page.Organizations.TryGetValue(parts[1], out organization))
        {
            Errors.Add("organization", "Choose an organization.");
        }
        if (!Bookwell.Features.Organizations.OrganizationAccess.IsMemberId(MemberId))
        {
            Errors.Add("memberid", MemberId!.Length > Bookwell.Features.Organizations.OrganizationAccess.MaxMemberId ? "At most 64 characters." : Bookwell.Features.Bookings.ContactRules.NameMessage);
        }
        var customer = await Db.Customers.AsNoTracking().FirstAsync(c => c.Id == id, ct);
        if (!Bookwell.Features.Bookings.ContactRules.IsEmail(customer.Email))
        {
            Errors.Add("organization", "This client has no e-mail address, so no personal link can reach them.");
        }
        if (Errors.Any || page is null || organization is null)
        {
            return await InvalidAsync(id, ct);
        }
        await HttpContext.RequestServices.GetRequiredService<Bookwell.Features.Organizations.OrganizationAccess>()
            .UpsertMemberAsync(page, organization, customer.Email, customer.Name, MemberId, ct);
        return Redirect($"/admin/customers/{id}#organizations");
    }

    public async Task<IActionResult> OnPostTagAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await VisibleAsync(id, ct))
        {
            return NotFound();
        }
        if (CustomerDirectory.NormalizeTag(NewTag) is not { } tag)
        {
            Errors.Add("newtag", CustomerDirectory.TagRule);
            return await InvalidAsync(id, ct);
        }
        await CustomerDirectory.TagAsync(Db, HttpContext.RequestServices.GetRequiredService<SqliteWriteGate>(), id, tag, Clock.GetCurrentInstant(), ct);
        return Redirect($"/admin/customers/{id}#tags");
    }

    public async Task<IActionResult> OnPostUntagAsync(Guid id, string? tag, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await VisibleAsync(id, ct))
        {
            return NotFound();
        }
        if (CustomerDirectory.NormalizeTag(tag) is { } normalized)
        {
            await CustomerDirectory.UntagAsync(Db, id, normalized, ct);
        }
        return Redirect($"/admin/customers/{id}#tags");
    }

    /// <summary>Issue 15: the staff member a booking for anyone goes to first whenever able; empty clears it.</summary>
    public async Task<IActionResult> OnPostPreferredAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await VisibleAsync(id, ct))
        {
            return NotFound();
        }
        var key = string.IsNullOrWhiteSpace(PreferredStaff) ? null : PreferredStaff.Trim();
        if (key is not null && !StaffChoices.Exists(s => s.Key == key))
        {
            Errors.Add("preferredstaff", "Not a staff member of this business.");
            return await InvalidAsync(id, ct);
        }
        var now = Clock.GetCurrentInstant();
        await Db.Customers.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.PreferredStaffKey, key).SetProperty(c => c.UpdatedAt, now), ct);
        TempData["Flash"] = AdminText.L("Preferred staff member saved.");
        return Redirect($"/admin/customers/{id}#preferred");
    }

    /// <summary>Issue 14: the business records the client's choices (news by e-mail, reminders); each change goes into the consent history.</summary>
    public async Task<IActionResult> OnPostConsentAsync(Guid id, bool marketing, bool emailReminders, bool smsReminders, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        var customer = await Db.Customers.FirstOrDefaultAsync(c => c.Id == id && c.MergedIntoId == null && c.ErasedAt == null, ct);
        if (customer is null)
        {
            return NotFound();
        }
        var now = Clock.GetCurrentInstant();
        var by = CrmAudit.ActorOf(HttpContext);
        Bookwell.Features.Bookings.Consents.SetMarketing(Db, customer, marketing, Bookwell.Features.Bookings.ConsentSource.Admin, now, by);
        Bookwell.Features.Bookings.Consents.SetReminders(Db, customer, emailReminders, smsReminders, Bookwell.Features.Bookings.ConsentSource.Admin, now, by);
        customer.UpdatedAt = now;
        await Db.SaveChangesAsync(ct);
        TempData["Flash"] = AdminText.L("Consent saved.");
        return Redirect($"/admin/customers/{id}#consents");
    }

    /// <summary>A consent history row's source, as the page names it.</summary>
    public static string SourceLabel(Bookwell.Features.Bookings.ConsentSource? source) => source switch
    {
        Bookwell.Features.Bookings.ConsentSource.Booking => AdminText.L("booking form"),
        Bookwell.Features.Bookings.ConsentSource.Portal => AdminText.L("client portal"),
        Bookwell.Features.Bookings.ConsentSource.Admin => AdminText.L("the business"),
        Bookwell.Features.Bookings.ConsentSource.Import => AdminText.L("import"),
        Bookwell.Features.Bookings.ConsentSource.Mailing => AdminText.L("unsubscribe link"),
        Bookwell.Features.Bookings.ConsentSource.Preferences => AdminText.L("booking preferences"),
        Bookwell.Features.Bookings.ConsentSource.Erasure => AdminText.L("erasure"),
        _ => "",
    };

    /// <summary>Which choice a consent history row is about.</summary>
    public static string KindLabel(ConsentKind kind) => kind switch
    {
        ConsentKind.Marketing => AdminText.L("News by e-mail"),
        ConsentKind.EmailReminders => AdminText.L("Reminders by e-mail"),
        ConsentKind.Mailings => AdminText.L("Organization mailings"),
        _ => AdminText.L("Reminders by text message"),
    };

    public static string OnOff(bool value) => value ? AdminText.L("Yes") : AdminText.L("No");

    public async Task<IActionResult> OnPostMergeAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await VisibleAsync(id, ct))
        {
            return NotFound();
        }
        var address = Duplicate?.Trim() ?? "";
        Guid? other = null;
        if (address.Length is > 0 and <= 254)
        {
            var normalized = address.ToUpperInvariant();
            other = await Db.Customers.Where(c => c.EmailNormalized == normalized).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
        }
        if (other is null)
        {
            Errors.Add("duplicate", "No other client has this e-mail address.");
            return await InvalidAsync(id, ct);
        }
        var result = await CustomerDirectory.MergeAsync(Db, HttpContext.RequestServices.GetRequiredService<SqliteWriteGate>(), id, other.Value, Actor, CrmAudit.ActorOf(HttpContext), Clock.GetCurrentInstant(), ct);
        switch (result)
        {
            case MergeResult.Done:
                TempData["Flash"] = AdminText.L("The two clients are merged.");
                return Redirect($"/admin/customers/{id}");
            case MergeResult.Same:
                Errors.Add("duplicate", "That is this client's own address.");
                return await InvalidAsync(id, ct);
            default:
                Errors.Add("duplicate", "This client was merged or deleted meanwhile; nothing was moved.");
                return await InvalidAsync(id, ct);
        }
    }
}
