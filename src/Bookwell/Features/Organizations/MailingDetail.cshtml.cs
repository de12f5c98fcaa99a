using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>One mailing: its figures and each recipient's state (delivered, opened, clicked, booked).</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class MailingDetailModel : AdminPageModel
{
    public Mailing? Mailing { get; private set; }
    public MailingStats? Stats { get; private set; }
    public IReadOnlyList<RecipientStats> Recipients { get; private set; } = [];
    public string OrganizationName { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Mailing = await Db.Mailings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (Mailing is null)
        {
            return NotFound();
        }
        var page = Catalog.Pages.GetValueOrDefault(Mailing.PageSlug);
        var zone = page?.Zone ?? DateTimeZone.Utc;
        OrganizationName = page?.Organizations.GetValueOrDefault(Mailing.OrganizationKey)?.Name ?? Mailing.OrganizationKey;
        Stats = await MailingEndpoints.StatsAsync(Db, Mailing, zone, ct);
        Recipients = await MailingEndpoints.RecipientsAsync(Db, Mailing, zone, 2_000, ct);
        return Page();
    }
}
