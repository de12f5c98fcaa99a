using Bookwell.Features.Invoices;
using Bookwell.Features.Refunds;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin.Invoices;

/// <summary>One invoice: its lines and payments, the PDF, and recording a payment by hand (managers only).</summary>
public sealed class DetailModel : AdminPageModel
{
    public Invoice? Invoice { get; private set; }
    public Instant Now { get; private set; }
    /// <summary>The credit notes crediting this invoice (refunds, a write-off of its rest, a write-off's reversal), in the order of their numbers.</summary>
    public IReadOnlyList<CreditNote> CreditNotes { get; private set; } = [];
    public Errors Problems { get; private set; } = new();

    [BindProperty] public string? Amount { get; set; }
    [BindProperty] public string? Method { get; set; }
    [BindProperty] public string? Note { get; set; }


    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        return await LoadAsync(id, ct) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnGetPdfAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var logo = await HttpContext.RequestServices.GetRequiredService<InvoiceLogo>().ForDocumentAsync(Db, Invoice!, Invoice!.PageSlug, ct);
        var paper = await InvoiceSettings.PaperAsync(Db, Invoice!.TenantId, Invoice.PageSlug, ct);
        return File(InvoicePdf.Render(Invoice!, Now, logo, paper, HttpContext.RequestServices.GetRequiredService<PdfFonts>()), "application/pdf", InvoicePdf.FileName("invoice", Invoice!.Number));
    }

    /// <summary>One of the invoice's credit notes as a PDF, as mailed to the client.</summary>
    public async Task<IActionResult> OnGetCreditNotePdfAsync(Guid id, Guid note, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await LoadAsync(id, ct) || CreditNotes.All(c => c.Id != note) || await CreditNoteDocument.LoadAsync(Db, Db.TenantId, note, ct) is not { } document)
        {
            return NotFound();
        }
        var services = HttpContext.RequestServices;
        var logo = await services.GetRequiredService<InvoiceLogo>().ForDocumentAsync(Db, document.Note, document.PageSlug, ct);
        var paper = await InvoiceSettings.PaperAsync(Db, Db.TenantId, document.PageSlug, ct);
        return File(CreditNotePdf.Render(document, logo, paper, services.GetRequiredService<PdfFonts>()), "application/pdf", CreditNotePdf.FileName(document));
    }

    public async Task<IActionResult> OnPostPaymentAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var language = TextSet.CurrentLanguage;
        // One decimal mark, a comma or a point whatever the page's language ("12,50" or "12.50"); no thousands
        // separators, so "1.250" is never read as twelve hundred and fifty in one language and 1.25 in the other.
        decimal? amount = null;
        var text = (Amount ?? "").Trim().Replace(',', '.');
        if (text.Length is > 0 and <= 20 && text.Count(c => c == '.') <= 1 &&
            decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            amount = parsed;
        }
        var payments = HttpContext.RequestServices.GetRequiredService<InvoicePayments>();
        switch (await payments.RecordAsync(id, amount, Invoice!.Currency, Method, Note, Actor, language, ct))
        {
            case PaymentResult.Done:
                TempData["Flash"] = InvoiceText.Words["recorded"];
                return RedirectToPage(new { id });
            case PaymentResult.Invalid bad:
                Problems = bad.Errors;
                await LoadAsync(id, ct);
                return Page();
            default:
                return NotFound();
        }
    }

    /// <summary>Voids an open invoice with nothing paid (its number stays taken); otherwise says why not.</summary>
    public async Task<IActionResult> OnPostVoidAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return Forbid();
        }
        var payments = HttpContext.RequestServices.GetRequiredService<InvoicePayments>();
        switch (await payments.VoidAsync(id, TextSet.CurrentLanguage, ct))
        {
            case PaymentResult.Done:
                TempData["Flash"] = InvoiceText.Words["voided"];
                return RedirectToPage(new { id });
            case PaymentResult.Refused refused:
                Problems.Add("void", refused.Message);
                await LoadAsync(id, ct);
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
            default:
                return NotFound();
        }
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        Now = Clock.GetCurrentInstant();
        Invoice = await InvoiceEndpoints.FindAsync(Db, id.ToString(), ct);
        if (Invoice is null)
        {
            return false;
        }
        CreditNotes = await Db.Set<CreditNote>().AsNoTracking().Where(c => c.InvoiceId == Invoice.Id).OrderBy(c => c.Sequence).ToListAsync(ct);
        return true;
    }
}
