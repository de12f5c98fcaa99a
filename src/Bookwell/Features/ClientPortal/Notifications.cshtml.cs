using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The client's message preferences. They are the same fields the per-booking preferences page (reached from a
/// booking's link) edits: one person, one set of choices, whichever way they come in.
/// </summary>
public sealed class NotificationsModel(BookwellDb db, CatalogCache cache, IClock clock, PushKeys pushKeys) : PortalPage(db, cache)
{
    public bool Saved { get; private set; }

    /// <summary>The install's VAPID public key, which the browser needs to subscribe (public by design).</summary>
    public string PushKey { get; private set; } = "";

    /// <summary>How many of the client's devices receive push now.</summary>
    public int PushDevices { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        await LoadPushAsync(ct);
        return Page();
    }

    private async Task LoadPushAsync(CancellationToken ct)
    {
        PushKey = (await pushKeys.GetAsync(ct)).PublicKey;
        PushDevices = await Db.ClientPushSubscriptions.CountAsync(s => s.CustomerId == Client!.Id, ct);
    }

    public async Task<IActionResult> OnPostAsync(bool emailReminders, bool smsReminders, bool marketing, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: true, ct))
        {
            return await EndSessionAsync();
        }
        // Each choice that changed is recorded in the client's consent history (source: the portal).
        Bookwell.Features.Bookings.Consents.SetReminders(Db, Client!, emailReminders, smsReminders, Bookwell.Features.Bookings.ConsentSource.Portal, clock.GetCurrentInstant());
        Bookwell.Features.Bookings.Consents.SetMarketing(Db, Client!, marketing, Bookwell.Features.Bookings.ConsentSource.Portal, clock.GetCurrentInstant());
        Client!.UpdatedAt = clock.GetCurrentInstant();
        await Db.SaveChangesAsync(ct);
        Saved = true;
        await LoadPushAsync(ct);
        return Page();
    }
}
