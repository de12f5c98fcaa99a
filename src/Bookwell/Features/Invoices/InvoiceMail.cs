using System.Globalization;
using System.Net;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The client's invoice e-mail, written in the issuing transaction (outbox). It names the invoice; the worker
/// renders the PDF when it sends (<see cref="InvoiceAttachments"/>), so the document is stored once. No link in it
/// carries a token.
/// </summary>
public static class InvoiceMail
{
    public const MessageKind Kind = MessageKind.Invoice;

    /// <param name="portal">The "Your bookings" link (<see cref="ClientPortal.PortalLinks.Deferred"/>: the worker writes the address), or null for none.</param>
    public static OutboxMessage Compose(Invoice invoice, Instant now, string? portal = null)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var language = invoice.Language;
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        string F(string key, params object[] args) => InvoiceText.Words.FormatIn(language, culture, key, args);
        var paid = invoice.Status == InvoiceStatus.Paid;
        var total = InvoiceMoney.Format(invoice.Total, invoice.Currency, culture);
        var subject = F(paid ? "subject-paid" : "subject", invoice.Number, invoice.BusinessName).ReplaceLineEndings(" ");
        var body = paid
            ? F("mail-body-paid", invoice.Number, total)
            : invoice.ReplacesNumber is { } replaced
                ? F("mail-body-replaces", replaced, invoice.Number, total, invoice.DueOn.ToString("d MMMM yyyy", culture))
                : F("mail-body", invoice.Number, total, invoice.DueOn.ToString("d MMMM yyyy", culture));
        var text = new StringBuilder()
            .AppendLine(F("hello", invoice.CustomerName)).AppendLine()
            .AppendLine(body).AppendLine();
        if (portal is not null)
        {
            text.AppendLine(ClientPortal.PortalLinks.TextLine(portal, language)).AppendLine();
        }
        text.AppendLine(invoice.BusinessName);
        static string H(string s) => WebUtility.HtmlEncode(s);
        var html = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"margin:0;font-family:system-ui,Segoe UI,Roboto,sans-serif;color:#1f2937\">" +
                   $"<div style=\"padding:20px;max-width:560px\"><p>{H(F("hello", invoice.CustomerName))}</p><p>{H(body)}</p>" +
                   (portal is null ? "" : ClientPortal.PortalLinks.HtmlLine(portal, language, "#1d4ed8")) +
                   $"<p style=\"color:#4b5563\">{H(invoice.BusinessName)}</p></div></body></html>";
        return new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = invoice.TenantId,
            BookingId = invoice.BookingId,
            Kind = Kind,
            To = invoice.CustomerEmail,
            FromName = invoice.BusinessName,
            Subject = subject.Length > 300 ? subject[..300] : subject,
            TextBody = text.ToString(),
            HtmlBody = html,
            Attachment = $"invoice:{invoice.Id:N}",
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }
}

/// <summary>Renders an invoice's PDF for the outbox worker when it sends the invoice e-mail.</summary>
public sealed class InvoiceAttachments(IClock clock, InvoiceLogo logos, PdfFonts fonts) : IMailAttachmentSource
{
    public string Kind => "invoice";

    public async Task<MailAttachment?> LoadAsync(BookwellDb db, Guid tenantId, string reference, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!Guid.TryParseExact(reference, "N", out var id))
        {
            return null;
        }
        // The worker serves every tenant: the tenant is the message's own, checked here rather than by the filter.
        var invoice = await db.Set<Invoice>().IgnoreQueryFilters().AsNoTracking().Include(i => i.Lines).Include(i => i.Payments)
            .FirstOrDefaultAsync(i => i.Id == id && i.TenantId == tenantId, ct);
        return invoice is null ? null : new MailAttachment(InvoicePdf.FileName(InvoiceText.Words.Get("invoice", invoice.Language).ToLowerInvariant(), invoice.Number),
            "application/pdf", InvoicePdf.Render(invoice, clock.GetCurrentInstant(), await logos.ForDocumentAsync(db, invoice, invoice.PageSlug, ct),
                await InvoiceSettings.PaperAsync(db, tenantId, invoice.PageSlug, ct), fonts));
    }
}

/// <summary>The invoice of a booking, for the link on the booking's dashboard page.</summary>
public static class InvoiceLinks
{
    public static async Task<Invoice?> ForBookingAsync(HttpContext context, Guid bookingId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var db = context.RequestServices.GetRequiredService<BookwellDb>();
        return await InvoiceStatusRules.OfBooking(db.Set<Invoice>().AsNoTracking(), bookingId).FirstOrDefaultAsync(context.RequestAborted);
    }
}
