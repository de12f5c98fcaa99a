using Bookwell.Features.Refunds;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Admin.Payments;

/// <summary>The Payments view (managers only): every payment and refund with its Stripe ids and state.</summary>
public sealed class IndexModel : AdminPageModel
{
    public List<PaymentLine> Lines { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        Lines = await PaymentLedger.ReadAsync(Db, null, PaymentLedger.DefaultLimit, ct);
        return Page();
    }
}
