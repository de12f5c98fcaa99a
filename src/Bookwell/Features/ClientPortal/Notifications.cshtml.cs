using Bookwell.Data;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The client's message preferences. They are the same fields the per-booking preferences page (reached from a
/// booking's link) edits: one person, one set of choices, whichever way they come in.
/// </summary>
public sealed class NotificationsModel(BookwellDb db, CatalogCache cache, IClock clock) : PortalPage(db, cache)
{
    public bool Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) =>
        await LoadClientAsync(track: false, ct) ? Page() : await EndSessionAsync();

    public async Task<IActionResult> OnPostAsync(bool emailReminders, bool smsReminders, bool marketing, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: true, ct))
        {
            return await EndSessionAsync();
        }
        Client!.EmailRemindersOff = !emailReminders;
        Client.SmsRemindersOff = !smsReminders;
        Bookwell.Features.Bookings.CustomerBook.SetMarketing(Client, marketing, Bookwell.Features.Bookings.ConsentSource.Portal, clock.GetCurrentInstant());
        Client.UpdatedAt = clock.GetCurrentInstant();
        await Db.SaveChangesAsync(ct);
        Saved = true;
        return Page();
    }
}
