using Bookwell.Features.Checkout;
using Bookwell.Features.Invoices;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin.Checkout;

/// <summary>A desk checkout's receipt: its invoice's lines, how it was paid, the change; as HTML and as the invoice's PDF.</summary>
public sealed class ReceiptModel : AdminPageModel
{
    public DeskSale? Sale { get; private set; }
    public Invoice? Invoice { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnGetPdfAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var logo = await HttpContext.RequestServices.GetRequiredService<InvoiceLogo>().ForDocumentAsync(Db, Invoice!, Invoice!.PageSlug, ct);
        var paper = await InvoiceSettings.PaperAsync(Db, Invoice!.TenantId, Invoice.PageSlug, ct);
        return File(InvoicePdf.Render(Invoice!, Clock.GetCurrentInstant(), logo, paper, HttpContext.RequestServices.GetRequiredService<PdfFonts>()), "application/pdf", InvoicePdf.FileName("receipt", Invoice!.Number));
    }

    /// <summary>The receipt for an 80 mm thermal printer (ESC/POS), as a download.</summary>
    public async Task<IActionResult> OnGetEscPosAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var language = Infrastructure.TextSet.Normalize(System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName);
        var bytes = EscPos.Render(Invoice!, Sale!, When(Sale!.At, ZoneOf(Sale.PageSlug)), System.Globalization.CultureInfo.CurrentCulture, language);
        return File(bytes, "application/octet-stream", InvoicePdf.FileName("receipt", Invoice!.Number, "bin"));
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        Sale = await Db.Set<DeskSale>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (Sale is null)
        {
            return false;
        }
        if (OnlyStaff is not null && Sale.BookingId is { } bookingId &&
            !await Db.Bookings.AsNoTracking().AnyAsync(b => b.Id == bookingId && b.StaffKey == OnlyStaff, ct))
        {
            return false;
        }
        Invoice = await Db.Set<Invoice>().AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).FirstOrDefaultAsync(i => i.Id == Sale.InvoiceId, ct);
        return Invoice is not null;
    }
}
