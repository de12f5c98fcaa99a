using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;

/// <summary>
/// The confirmation step of erasing a client (GDPR): what will go and what stays for the books, then one button
/// (a form with the antiforgery token, no script needed). Owners and admins only; the erase is recorded in the
/// audit log under the signed-in user's id.
/// </summary>
[Authorize(Policy = Policies.Manager)]
public sealed class CustomerEraseModel(ClientErasure erasure) : AdminPageModel
{
    public Customer? Customer { get; private set; }
    public int Upcoming { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Customer = await Db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (Customer is null || Customer.ErasedAt is not null)
        {
            return NotFound();
        }
        if (Customer.MergedIntoId is { } winner)
        {
            return Redirect($"/admin/customers/{winner}/erase");
        }
        var now = Clock.GetCurrentInstant();
        var ids = await CustomerDirectory.IdsOfAsync(Db, id, ct);
        Upcoming = await Db.Bookings.CountAsync(b => ids.Contains(b.CustomerId) && b.EndsAt > now && b.Status != Bookings.BookingStatus.Cancelled &&
                                                    b.Status != Bookings.BookingStatus.Completed && b.Status != Bookings.BookingStatus.NoShow, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        if (!await Db.Customers.AnyAsync(c => c.Id == id && c.MergedIntoId == null, ct))
        {
            return NotFound();
        }
        await erasure.EraseAsync(id, CrmAudit.ActorOf(HttpContext), ct);
        TempData["Flash"] = AdminText.L("The client is erased.");
        return Redirect($"/admin/customers/{id}");
    }
}
