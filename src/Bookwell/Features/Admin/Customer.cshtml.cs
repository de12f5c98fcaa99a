using Bookwell.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;


public sealed class CustomerModel : AdminPageModel
{
    public Customer? Customer { get; private set; }
    public List<Booking> Bookings { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Customer = await Db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (Customer is null)
        {
            return NotFound();
        }
        var query = Db.Bookings.AsNoTracking().Where(b => b.CustomerId == id);
        if (OnlyStaff is not null)
        {
            query = query.Where(b => b.StaffKey == OnlyStaff);
        }
        Bookings = await query.OrderByDescending(b => b.StartsAt).Take(500).ToListAsync(ct);
        return OnlyStaff is not null && Bookings.Count == 0 ? NotFound() : Page();
    }
}
