using Bookwell.Data;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.BookingPage;

/// <summary>
/// The client's notification preferences (reminders by e-mail or text message, news by e-mail), opened with
/// the booking's secret link, so every message that carries that link also carries the way to unsubscribe.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class PreferencesModel(BookwellDb db, IClock clock) : PageModel
{
    public Customer? Customer { get; private set; }
    public string Token { get; private set; } = "";
    public bool Saved { get; private set; }

    private async Task<bool> LoadAsync(string token, CancellationToken ct)
    {
        EmbedPolicy.ApplyPrivate(Response, null);
        ViewData["NoIndex"] = true;
        if (!ManageTokens.LooksValid(token))
        {
            return false;
        }
        var hash = ManageTokens.Hash(token);
        var customerId = await db.Bookings.Where(b => b.ManageTokenHash == hash).Select(b => (Guid?)b.CustomerId).FirstOrDefaultAsync(ct);
        Customer = customerId is null ? null : await db.Customers.FirstOrDefaultAsync(c => c.Id == customerId, ct);
        Token = token;
        return Customer is not null;
    }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, bool emailReminders, bool smsReminders, bool marketing, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        // Each choice that changed is recorded in the client's consent history (source: the booking's preferences page).
        Bookwell.Features.Bookings.Consents.SetReminders(db, Customer!, emailReminders, smsReminders, Bookwell.Features.Bookings.ConsentSource.Preferences, clock.GetCurrentInstant());
        Bookwell.Features.Bookings.Consents.SetMarketing(db, Customer!, marketing, Bookwell.Features.Bookings.ConsentSource.Preferences, clock.GetCurrentInstant());
        Customer!.UpdatedAt = clock.GetCurrentInstant();
        await db.SaveChangesAsync(ct);
        Saved = true;
        return Page();
    }
}
