using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;


/// <summary>Delivery records of every e-mail, with retry of parked ones.</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class MessagesModel(SqliteWriteGate gate, OutboxSignal signal) : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    public List<OutboxMessage> Items { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var query = Db.Outbox.AsNoTracking().OfBusiness();
        if (Wire<Notifications.OutboxStatus>.TryParse(Status, out var status))
        {
            query = query.Where(m => m.Status == status);
        }
        Items = await query.OrderByDescending(m => m.CreatedAt).Take(200).ToListAsync(ct);
    }

    public async Task<IActionResult> OnPostRetryAsync(Guid id, CancellationToken ct)
    {
        var changed = await OutboxEndpoints.RequeueAsync(Db, gate, Clock.GetCurrentInstant(), id, ct);
        signal.Notify();
        TempData[changed > 0 ? "Flash" : "FlashBad"] = changed > 0 ? AdminText.L("Queued again.") : AdminText.L("This message cannot be retried.");
        return Redirect("/admin/messages");
    }
}
