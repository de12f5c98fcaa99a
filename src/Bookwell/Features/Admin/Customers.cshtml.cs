using Bookwell.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin;


public sealed class CustomersModel : AdminPageModel
{
    public const int PageSize = 50;
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;
    public List<(Customer Customer, int Bookings)> Items { get; } = [];
    public int Total { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var query = Db.Customers.AsNoTracking();
        if (OnlyStaff is not null)
        {
            // Staff see the clients they have served or will serve.
            query = query.Where(c => Db.Bookings.Any(b => b.CustomerId == c.Id && b.StaffKey == OnlyStaff));
        }
        if (Q is { Length: > 0 })
        {
            // EmailNormalized is stored upper-cased (as Identity does), so the needle is too.
            var needle = Q.Trim()[..Math.Min(Q.Trim().Length, 200)].ToUpperInvariant();
            query = query.Where(c => c.Name.ToUpper().Contains(needle) || c.EmailNormalized.Contains(needle) || (c.Phone != null && c.Phone.Contains(needle)));
        }
        Total = await query.CountAsync(ct);
        PageNumber = Math.Clamp(PageNumber, 1, Math.Max(1, (Total + PageSize - 1) / PageSize));
        var rows = await query.OrderBy(c => c.Name).Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(c => new { Customer = c, Count = Db.Bookings.Count(b => b.CustomerId == c.Id) }).ToListAsync(ct);
        Items.AddRange(rows.Select(r => (r.Customer, r.Count)));
    }
}
