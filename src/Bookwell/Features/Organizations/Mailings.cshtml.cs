using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Organizations;

/// <summary>
/// The "Mailings" section: compose an e-mail to an organization's members (or those who have or have not booked), preview
/// it for any one of them, send it through the outbox, and read what became of each mailing. The compose form carries the
/// mailing's id from the first view to the send, so a second click (or a resend after a failure) sends nothing twice.
/// </summary>
[Authorize(Policy = Policies.Manager)]
public sealed class MailingsModel(SqliteWriteGate gate, OutboxSignal signal) : AdminPageModel
{
    public CompiledPage? Site { get; private set; }
    public OrganizationModel? Org { get; private set; }
    public bool TrackOpens { get; private set; }
    public IReadOnlyList<MailingStats> History { get; private set; } = [];
    public IReadOnlyList<OrganizationMember> Sample { get; private set; } = [];
    public int AudienceCount { get; private set; }
    public IReadOnlyList<string> Problems { get; private set; } = [];

    [BindProperty]
    public ComposeInput Compose { get; set; } = new();

    public Preview? Shown { get; private set; }

    public sealed record Preview(string To, string Subject, string Text);

    public sealed class ComposeInput
    {
        public Guid Id { get; set; }
        public string? Subject { get; set; }
        public string? Body { get; set; }
        public string Audience { get; set; } = "all";
        public string Language { get; set; } = "en";
        public Guid? PreviewMember { get; set; }
    }

    public IEnumerable<(CompiledPage Page, OrganizationModel Org)> Choices =>
        Catalog.Pages.Values.SelectMany(p => p.Organizations.Values.Select(o => (p, o)));

    private async Task LoadAsync(string? page, string? org, CancellationToken ct)
    {
        var choice = Choices.FirstOrDefault(c => c.Page.Slug == page && c.Org.Key == org);
        (Site, Org) = choice.Page is null ? Choices.FirstOrDefault() : choice;
        TrackOpens = !await Db.Tenants.Where(t => t.Id == Db.TenantId).Select(t => t.MailOpenTrackingOff).FirstOrDefaultAsync(ct);
        if (Site is null || Org is null)
        {
            return;
        }
        var mailings = await Db.Mailings.AsNoTracking().Where(m => m.PageSlug == Site.Slug && m.OrganizationKey == Org.Key)
            .OrderByDescending(m => m.CreatedAt).Take(50).ToListAsync(ct);
        var stats = new List<MailingStats>();
        foreach (var m in mailings)
        {
            stats.Add(await MailingEndpoints.StatsAsync(Db, m, Site.Zone, ct));
        }
        History = stats;
    }

    private async Task LoadAudienceAsync(CancellationToken ct)
    {
        var audience = MailingMerge.Audiences.Contains(Compose.Audience) ? Compose.Audience : "all";
        var query = Mailings.Audience(Db, Site!.Slug, Org!.Key, audience).AsNoTracking();
        AudienceCount = await query.CountAsync(ct);
        Sample = await query.OrderBy(m => m.Name).Take(200).ToListAsync(ct);
    }

    public string Self(string? page = null, string? org = null) =>
        $"/admin/mailings?page={Uri.EscapeDataString(page ?? Site?.Slug ?? "")}&org={Uri.EscapeDataString(org ?? Org?.Key ?? "")}";

    // "page" is also Razor Pages' own route value, which binds before the query string: read the query's by name.
    public async Task OnGetAsync([FromQuery(Name = "page")] string? page, string? org, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        Compose = new ComposeInput { Id = Ids.New(), Language = TextSet.CurrentLanguage };
        if (Site is not null && Org is not null)
        {
            await LoadAudienceAsync(ct);
        }
    }

    private MailingDraft Draft() => new(Compose.Id, Compose.Subject ?? "", Compose.Body ?? "", Compose.Audience, Compose.Language);

    private bool Checked()
    {
        var errors = Mailings.Check(Draft()).ToDictionary();
        if (Compose.Id == Guid.Empty)
        {
            errors["id"] = ["-"];
            Compose.Id = Ids.New();
        }
        Problems = [.. errors.Where(e => e.Key != "id").SelectMany(e => e.Value)];
        return errors.Count == 0;
    }

    public async Task<IActionResult> OnPostPreviewAsync(string? page, string? org, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        await LoadAudienceAsync(ct);
        if (!Checked())
        {
            return Page();
        }
        var member = Sample.FirstOrDefault(m => m.Id == Compose.PreviewMember) ?? Sample.FirstOrDefault();
        if (member is null)
        {
            return Page();
        }
        var baseUrl = TenantLinks.BaseUrl(Request);
        var business = Site.Doc.Name!;
        string Sample_(string kind) => $"{baseUrl}/book/{Site.Slug}?access=…({OrganizationText.Words["kind-" + kind]})";
        var text = MailingMerge.Fill(Compose.Body!, member, Org, business, Sample_);
        var footer = MailingText.Words.FormatIn(Compose.Language, System.Globalization.CultureInfo.GetCultureInfo(Compose.Language), "mail-footer", business, Org.Name);
        Shown = new Preview($"{member.Name} <{member.Email}>", MailingMerge.Fill(Compose.Subject!.Trim(), member, Org, business, _ => ""),
            $"{text}\n\n--\n{footer}\n{MailingText.Words.Get("mail-unsubscribe", Compose.Language)}: {baseUrl}/m/u/…");
        Compose.PreviewMember = member.Id;
        return Page();
    }

    public async Task<IActionResult> OnPostSendAsync(string? page, string? org, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        if (!Checked())
        {
            await LoadAudienceAsync(ct);
            return Page();
        }
        var (mailing, created) = await Mailings.SendAsync(Db, gate, Site, Org, Draft(), Clock.GetCurrentInstant(), ct);
        if (mailing.PageSlug != Site.Slug || mailing.OrganizationKey != Org.Key)
        {
            return BadRequest();
        }
        signal.Notify();
        TempData[created ? "Flash" : "FlashBad"] = created ? MailingText.Words.Format("sent", mailing.Recipients) : MailingText.Words["already"];
        return Redirect($"/admin/mailings/{mailing.Id}");
    }

    public async Task<IActionResult> OnPostSettingsAsync(string? page, string? org, bool trackOpens, CancellationToken ct)
    {
        using (await gate.EnterAsync(Db, ct))
        {
            var tenant = Db.TenantId;
            await Db.Tenants.Where(t => t.Id == tenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.MailOpenTrackingOff, !trackOpens), ct);
        }
        TempData["Flash"] = MailingText.Words["saved"];
        await LoadAsync(page, org, ct);
        return Redirect(Self());
    }
}
