using Bookwell.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>
/// A mailing's unsubscribe link: the GET only asks (mail scanners follow links), the POST (with its antiforgery token)
/// stops mailings to the client and withdraws their marketing consent, which the portal's preference shows.
/// </summary>
public sealed class UnsubscribeModel(BookwellDb db, SqliteWriteGate gate, IClock clock, IDataProtectionProvider provider) : PageModel
{
    public bool Valid { get; private set; }
    public bool Done { get; private set; }

    private Guid? Recipient(string? value) => MailingTracking.Open(MailingTracking.Protector(provider), value, 'u', db.TenantId)?.Recipient;

    private void Private()
    {
        ViewData["NoIndex"] = true;
        Response.Headers.CacheControl = "no-store";
    }

    public void OnGet(string? @sealed)
    {
        Private();
        Valid = Recipient(@sealed) is not null;
    }

    public async Task<IActionResult> OnPostAsync(string? @sealed, CancellationToken ct)
    {
        Private();
        if (Recipient(@sealed) is not { } id)
        {
            return Page();
        }
        Valid = true;
        Done = await MailingTracking.UnsubscribeAsync(db, gate, id, clock.GetCurrentInstant(), ct);
        return Page();
    }
}
