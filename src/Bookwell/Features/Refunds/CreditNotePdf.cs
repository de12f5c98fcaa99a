using System.Globalization;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Features.Notifications;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Refunds;

/// <summary>One line of a credit note: the refunded share of an invoice line, negative (the invoice's sign turned).</summary>
public sealed record CreditNoteLine(string Description, decimal TaxRate, decimal Total, decimal Tax);

/// <summary>
/// A credit note as printed and mailed. The seller's details, the language and the lines come from the invoice it
/// corrects (as issued, never changed), so the note matches it; the refunded amount is spread over the invoice's
/// lines in proportion, half to even at the currency's units, the last line taking the remainder, so the lines always
/// add up to the refund exactly. A note of a booking without an invoice is written from the page as it is now.
/// </summary>
public sealed record CreditNoteDocument(CreditNote Note, string Language, string BusinessName, string? LegalName, string? Address, string? VatNumber,
    string? RegistrationNumber, string? Footer, LocalDate? InvoiceIssuedOn, IReadOnlyList<CreditNoteLine> Lines)
{
    public decimal Total => Lines.Sum(l => l.Total);
    public decimal TaxTotal => Lines.Sum(l => l.Tax);

    /// <summary>The page the note's money was taken for (its logo heads the PDF).</summary>
    public string? PageSlug { get; init; }

    /// <summary>The note with what it prints; the tenant is given (the outbox worker reads across tenants).</summary>
    public static async Task<CreditNoteDocument?> LoadAsync(BookwellDb db, Guid tenantId, Guid noteId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var note = await db.Set<CreditNote>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.Id == noteId && c.TenantId == tenantId, ct);
        return note is null ? null : await ForAsync(db, tenantId, note, ct);
    }

    /// <summary>
    /// What a note prints, saved or still being issued (its mail lists the same lines in the note's own transaction). A visit of
    /// several services paid online as one (issue 15) credits the parts the money was paid for, a line per part with its own tax rate.
    /// </summary>
    public static async Task<CreditNoteDocument> ForAsync(BookwellDb db, Guid tenantId, CreditNote note, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(note);
        if (note.Kind == CreditNoteKind.WriteOffReversal)
        {
            // A reversal prints the write-off it counters, line for line, with the sign turned: together they credit nothing.
            var reversed = await db.Set<CreditNote>().IgnoreQueryFilters().AsNoTracking().FirstAsync(c => c.Id == note.ReversesId && c.TenantId == tenantId, ct);
            var original = await ForAsync(db, tenantId, reversed, ct);
            return original with { Note = note, Lines = [.. original.Lines.Select(l => l with { Total = -l.Total, Tax = -l.Tax })] };
        }
        var booking = await db.Bookings.IgnoreQueryFilters().AsNoTracking().FirstAsync(b => b.Id == note.BookingId && b.TenantId == tenantId, ct);
        var visit = Visits.Parts(booking) is { Count: > 1 } parts ? parts : null;
        CompiledPage? page = null;
        if (visit is not null || note.InvoiceId is null)
        {
            var json = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.ConfigJson).FirstAsync(ct);
            var doc = JsonSerializer.Deserialize<ConfigDocument>(json, Json.Options) ?? new ConfigDocument { Pages = [] };
            page = CatalogCache.Compile(0, doc).Pages.GetValueOrDefault(booking.PageSlug);
        }
        var shares = visit is null ? null : await OnlineSharesAsync(db, tenantId, booking, visit, page, note.Currency, ct);
        // Earlier notes of the same document (their numbers come first), so this note takes its part of what is left and the notes
        // together never credit more VAT than was charged.
        // Only refunds: they credit what was paid, a write-off (and its reversal) the unpaid rest, so neither takes from the other's share.
        var before = await db.Set<CreditNote>().IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.TenantId == tenantId && c.BookingId == note.BookingId && c.InvoiceId == note.InvoiceId && c.Sequence < note.Sequence
                        && c.Kind == CreditNoteKind.Refund)
            .OrderBy(c => c.Sequence).Select(c => c.Amount).ToListAsync(ct);
        var invoice = note.InvoiceId is { } invoiceId
            ? await db.Set<Invoice>().IgnoreQueryFilters().AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == invoiceId && i.TenantId == tenantId, ct)
            : null;
        if (invoice is not null && note.Kind == CreditNoteKind.WriteOff)
        {
            return new CreditNoteDocument(note, invoice.Language, invoice.BusinessName, invoice.LegalName, invoice.BusinessAddress, invoice.VatNumber,
                invoice.RegistrationNumber, invoice.Footer, invoice.IssuedOn, WriteOffLines(invoice, note, shares))
            {
                PageSlug = invoice.PageSlug,
            };
        }
        if (invoice is not null)
        {
            List<InvoiceLine> lines = [.. invoice.Lines.OrderBy(l => l.Position)];
            // A visit's invoice has a line per part, in order: only what each part was charged online can come back through Stripe,
            // so a refund credits those parts (a part paid at the salon keeps its line on the invoice, uncredited).
            if (shares is { Exact: true } exact && lines.Count == exact.Amounts.Length && lines.TrueForAll(l => l.Quantity == 1m))
            {
                lines = [.. lines.Select((l, i) => exact.Amounts[i] == l.Total ? l : new InvoiceLine
                {
                    Description = l.Description,
                    Quantity = 1m,
                    UnitPrice = exact.Amounts[i],
                    TaxRate = l.TaxRate,
                    Total = exact.Amounts[i],
                    Tax = InvoiceMoney.Line(1m, exact.Amounts[i], l.TaxRate, note.Currency).Tax,
                })];
            }
            return new CreditNoteDocument(note, invoice.Language, invoice.BusinessName, invoice.LegalName, invoice.BusinessAddress, invoice.VatNumber,
                invoice.RegistrationNumber, invoice.Footer, invoice.IssuedOn, Spread(before, note.Amount, note.Currency, lines))
            {
                PageSlug = invoice.PageSlug,
            };
        }
        // No invoice to correct (money that came after the time was given away, a no-show fee, a booking paid before
        // receipts were issued): the seller as it stood when the refunded money was taken; the page as it is now only
        // for a payment recorded before that was kept. The tax rate is the service's (each part's, for a visit).
        var seller = await SellerAsync(db, tenantId, note, ct) ?? SellerSnapshot.For(page);
        var language = TextSet.Normalize(booking.Language);
        List<InvoiceLine> paid;
        if (shares is not null && page is not null)
        {
            var zone = page.Zone;
            paid = [.. visit!.Select((part, i) => new { part, i }).Where(x => shares.Amounts[x.i] > 0).Select(x => PaidLine(
                InvoiceIssuer.PartLine(language, page, x.part, x.part.StartsAt.InZone(zone).LocalDateTime), shares.Amounts[x.i],
                page.Services.GetValueOrDefault(x.part.Service)?.Doc.TaxRatePercent ?? 0m, note.Currency))];
        }
        else
        {
            var rate = page?.Services.GetValueOrDefault(booking.ServiceKey)?.Doc.TaxRatePercent ?? 0m;
            paid = [PaidLine(booking.ServiceName, note.Amount, rate, note.Currency)];
            before = [];
        }
        return new CreditNoteDocument(note, language, seller?.Name ?? booking.PageSlug, seller?.LegalName,
            seller?.Address, seller?.VatNumber, seller?.RegistrationNumber, seller?.Footer, null, Spread(before, note.Amount, note.Currency, paid))
        {
            PageSlug = booking.PageSlug,
        };
    }

    /// <summary>
    /// A write-off's lines: the unpaid rest of each invoice line, by the refund notes' own spread (<see cref="Spread(IReadOnlyList{decimal}, decimal, string, IReadOnlyList{InvoiceLine})"/>)
    /// with what was paid taking its share of the lines first, so each line's VAT is split between what was paid and what is written
    /// off and the two never add up to more than the line's. What was paid is the invoice's total less the note's amount, as it stood
    /// when it was settled (later payments change nothing printed). A visit paid online part by part (the parts' charges add up to what
    /// was charged) pays those parts' lines first, as its refund notes credit them; the rest (paid at the desk) spreads over what is left.
    /// </summary>
    private static IReadOnlyList<CreditNoteLine> WriteOffLines(Invoice invoice, CreditNote note, Shares? shares)
    {
        List<InvoiceLine> lines = [.. invoice.Lines.OrderBy(l => l.Position)];
        var paid = invoice.Total - note.Amount;
        if (shares is { Exact: true } exact && lines.Count == exact.Amounts.Length && lines.TrueForAll(l => l.Quantity == 1m)
            && exact.Amounts.Sum() <= paid && lines.Select((l, i) => exact.Amounts[i] <= l.Total).All(x => x))
        {
            lines = [.. lines.Select((l, i) => exact.Amounts[i] == 0 ? l : new InvoiceLine
            {
                Description = l.Description,
                Quantity = 1m,
                UnitPrice = l.Total - exact.Amounts[i],
                TaxRate = l.TaxRate,
                Total = l.Total - exact.Amounts[i],
                Tax = l.Tax - CreditedTax(l, exact.Amounts[i], note.Currency),
            })];
            paid -= exact.Amounts.Sum();
        }
        return Spread(paid > 0 ? [paid] : [], note.Amount, note.Currency, lines);
    }

    private static InvoiceLine PaidLine(string description, decimal amount, decimal rate, string currency) => new()
    {
        Description = description,
        Quantity = 1m,
        UnitPrice = amount,
        TaxRate = rate,
        Total = amount,
        Tax = InvoiceMoney.Line(1m, amount, rate, currency).Tax,
    };

    /// <summary>What each part of a visit was charged online (<see cref="Visits.ChargedAtBooking"/>), by the page's services.</summary>
    /// <param name="Exact">The parts' amounts add up to what the booking was charged online; otherwise (prices changed since) they only weigh the refund.</param>
    private sealed record Shares(decimal[] Amounts, bool Exact);

    /// <summary>Null when a part's service is gone or no part charges anything online in the note's currency.</summary>
    private static async Task<Shares?> OnlineSharesAsync(BookwellDb db, Guid tenantId, Booking booking, IReadOnlyList<VisitPartRecord> parts, CompiledPage? page,
        string currency, CancellationToken ct)
    {
        if (page is null)
        {
            var json = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.ConfigJson).FirstAsync(ct);
            page = CatalogCache.Compile(0, JsonSerializer.Deserialize<ConfigDocument>(json, Json.Options) ?? new ConfigDocument { Pages = [] })
                .Pages.GetValueOrDefault(booking.PageSlug);
        }
        var docs = parts.Select(p => page?.Services.GetValueOrDefault(p.Service)?.Doc).ToList();
        if (docs.Exists(d => d is null))
        {
            return null;
        }
        var amounts = docs.Select(d => d!.Price?.Currency == currency ? Visits.ChargedAtBooking(d) : 0m).ToArray();
        if (amounts.Sum() <= 0 || amounts.Any(a => a < 0 || !InvoiceMoney.Fits(a, currency)))
        {
            return null;
        }
        // Summed here: SQLite cannot sum decimals in the database.
        var charged = (await db.Payments.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.TenantId == tenantId && p.BookingId == booking.Id && p.Kind == PaymentKind.Charge && p.PaymentIntent != null && p.Currency == currency)
            .Select(p => p.Amount).ToListAsync(ct)).Sum();
        return new Shares(amounts, amounts.Sum() == charged);
    }

    /// <summary>The seller's details kept with the money the note's refund gave back (<see cref="Payment.Seller"/>), if kept.</summary>
    public static async Task<SellerSnapshot?> SellerAsync(BookwellDb db, Guid tenantId, CreditNote note, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(note);
        var intent = await db.Set<Refund>().IgnoreQueryFilters().AsNoTracking().Where(r => r.Id == note.RefundId && r.TenantId == tenantId)
            .Select(r => r.PaymentIntent).FirstOrDefaultAsync(ct);
        var json = await db.Payments.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.TenantId == tenantId && p.BookingId == note.BookingId && p.Kind != PaymentKind.Refund && p.Seller != null)
            .OrderBy(p => p.PaymentIntent == intent ? 0 : 1).ThenBy(p => p.At)
            .Select(p => p.Seller).FirstOrDefaultAsync(ct);
        return SellerSnapshot.Parse(json);
    }

    /// <summary>The first (or only) refund of the invoice spread over its lines: <see cref="Spread(IReadOnlyList{decimal}, decimal, string, IReadOnlyList{InvoiceLine})"/> with nothing credited before.</summary>
    public static IReadOnlyList<CreditNoteLine> Spread(decimal amount, string currency, IReadOnlyList<InvoiceLine> lines) => Spread([], amount, currency, lines);

    /// <summary>
    /// A refund spread over the invoice's lines, negative, after the invoice's earlier credit notes (<paramref name="before"/>,
    /// in their order) took theirs. Each note takes its amount from what is left of each line, in proportion and never more
    /// than is left (whole minor units, the largest remainders taking the last units). The VAT of a line's part is what the
    /// line's credited-so-far amount includes at the line's rate, never more than the line's VAT and exactly the line's VAT
    /// once the whole line is credited, less what the earlier notes credited: so the VAT of all notes of an invoice, per rate,
    /// never exceeds the invoice's and equals it when everything is refunded, however the refund was cut up.
    /// </summary>
    public static IReadOnlyList<CreditNoteLine> Spread(IReadOnlyList<decimal> before, decimal amount, string currency, IReadOnlyList<InvoiceLine> lines)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(lines);
        var gross = lines.Sum(l => l.Total);
        if (lines.Count > 0 && gross > 0 && lines.All(l => l.Total >= 0 && l.Tax >= 0 && InvoiceMoney.Fits(l.Total, currency)))
        {
            var credited = new decimal[lines.Count];
            foreach (var earlier in before)
            {
                var part = Allocate(earlier, currency, lines, credited);
                for (var i = 0; i < lines.Count; i++)
                {
                    credited[i] += part[i];
                }
            }
            var shares = Allocate(amount, currency, lines, credited);
            var result = new List<CreditNoteLine>();
            for (var i = 0; i < lines.Count; i++)
            {
                if (shares[i] == 0)
                {
                    continue;
                }
                var l = lines[i];
                var tax = CreditedTax(l, credited[i] + shares[i], currency) - CreditedTax(l, credited[i], currency);
                result.Add(new CreditNoteLine(l.Description, l.TaxRate, -shares[i], -tax));
            }
            return result;
        }
        return Proportional(amount, currency, lines);
    }

    /// <summary>
    /// <paramref name="amount"/> over what is left of each line (its total less <paramref name="credited"/>), in proportion to
    /// it, in whole minor units: each line first its share rounded down, then one unit each to the largest remainders. No line
    /// gets more than is left of it; an amount beyond everything left (never asked: refunds stop at what was paid) goes to the last line.
    /// </summary>
    private static decimal[] Allocate(decimal amount, string currency, IReadOnlyList<InvoiceLine> lines, decimal[] credited)
    {
        var unit = 1m / (decimal)Math.Pow(10, InvoiceMoney.MinorUnits(currency));
        var left = lines.Select((l, i) => Math.Max(0m, l.Total - credited[i])).ToArray();
        var open = left.Sum();
        var shares = new decimal[lines.Count];
        var take = Math.Min(InvoiceMoney.Round(amount, currency), open);
        if (take > 0)
        {
            var exact = left.Select(x => take * x / open).ToArray();
            for (var i = 0; i < shares.Length; i++)
            {
                shares[i] = Math.Min(left[i], decimal.Floor(exact[i] / unit) * unit);
            }
            var units = (int)((take - shares.Sum()) / unit);
            foreach (var i in Enumerable.Range(0, shares.Length).Where(i => shares[i] < left[i])
                         .OrderByDescending(i => exact[i] - shares[i]).ThenBy(i => i).Take(units))
            {
                shares[i] += unit;
            }
        }
        shares[^1] += InvoiceMoney.Round(amount, currency) - shares.Sum();
        return shares;
    }

    /// <summary>The VAT in the first <paramref name="credited"/> of the line: the whole line's VAT once all of it, else what that amount includes at the line's rate, capped at the line's VAT.</summary>
    private static decimal CreditedTax(InvoiceLine line, decimal credited, string currency) =>
        credited >= line.Total ? line.Tax : credited <= 0 ? 0m : Math.Min(line.Tax, InvoiceMoney.Line(1m, credited, line.TaxRate, currency).Tax);

    /// <summary>Invoices with a negative line (a discount) or no total: the refund in proportion to the lines, each part with the VAT it includes.</summary>
    private static IReadOnlyList<CreditNoteLine> Proportional(decimal amount, string currency, IReadOnlyList<InvoiceLine> lines)
    {
        var gross = lines.Sum(l => l.Total);
        if (lines.Count == 0 || gross == 0)
        {
            var rate = lines.FirstOrDefault()?.TaxRate ?? 0m;
            var (total, tax) = InvoiceMoney.Line(1m, -amount, rate, currency);
            return [new CreditNoteLine(lines.FirstOrDefault()?.Description ?? "", rate, total, tax)];
        }
        var result = new List<CreditNoteLine>();
        var left = amount;
        for (var i = 0; i < lines.Count; i++)
        {
            var l = lines[i];
            var share = i == lines.Count - 1 ? left : InvoiceMoney.Round(amount * l.Total / gross, currency);
            left -= share;
            // A whole line turns its VAT exactly; a part holds the VAT its own amount includes at the line's rate (as a price including it).
            var tax = share == l.Total ? l.Tax : InvoiceMoney.Line(1m, share, l.TaxRate, currency).Tax;
            if (share != 0)
            {
                result.Add(new CreditNoteLine(l.Description, l.TaxRate, -share, -tax));
            }
        }
        return result;
    }
}

/// <summary>The credit note as a PDF, laid out like the invoice (<see cref="InvoicePdf"/>): same paper, same embedded font, text kept searchable.</summary>
public static class CreditNotePdf
{
    /// <param name="paperSetting">The page's <c>settings.invoicing.paper</c> (<see cref="InvoiceSettings.PaperAsync"/>); null: auto.</param>
    /// <param name="fonts">The fallback fonts (the app's <see cref="PdfFonts"/>); null: <see cref="PdfFonts.Default"/>.</param>
    public static byte[] Render(CreditNoteDocument document, PdfImage? logo = null, string? paperSetting = null, PdfFonts? fonts = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var scope = PdfFonts.Use(fonts ?? PdfFonts.Default);
        var note = document.Note;
        var paper = Paper.For(paperSetting, note.Currency);
        double width = paper.Width, height = paper.Height;
        const double margin = InvoicePdf.Margin;
        var language = document.Language;
        var culture = MailText.Culture(language);
        string W(string key) => InvoiceText.Words.Get(key, language);
        string M(decimal amount) => InvoiceMoney.Format(amount, note.Currency, culture);
        string D(LocalDate date) => date.ToString("d MMMM yyyy", culture);

        var pages = new List<InvoicePdf.Page>();
        var page = new InvoicePdf.Page(paper);
        pages.Add(page);
        var y = InvoicePdf.Logo(page, logo);
        y = InvoicePdf.Heading(page, y, document.BusinessName, W("credit-note"));
        var seller = new List<string>();
        if (document.LegalName is { } legal && legal != document.BusinessName)
        {
            seller.AddRange(InvoicePdf.Wrap(legal, InvoicePdf.DetailsWidth));
        }
        seller.AddRange(InvoicePdf.Wrap(document.Address ?? "", InvoicePdf.DetailsWidth));
        if (document.VatNumber is { } vat)
        {
            seller.Add($"{W("vat-number")}: {vat}");
        }
        if (document.RegistrationNumber is { } registration)
        {
            seller.Add($"{W("registration-number")}: {registration}");
        }
        foreach (var line in seller)
        {
            page.Text(margin, y, 10, false, line);
            y -= 13;
        }
        y = Math.Min(y, height - margin - 80) - 10;
        var factsTop = y;
        var billedBottom = InvoicePdf.BilledTo(page, y, W("billed-to"), note.CustomerName, note.CustomerEmail);
        var facts = new List<(string, string)> { (W("credit-number"), note.Number), (W("credit-date"), D(note.IssuedOn)) };
        if (note.InvoiceNumber is { } corrected)
        {
            facts.Add((W("credit-corrects"), corrected));
        }
        if (document.InvoiceIssuedOn is { } invoiceDate)
        {
            facts.Add((W("issued"), D(invoiceDate)));
        }
        if (note.ReversesNumber is { } reversed)
        {
            facts.Add((W("credit-reverses"), reversed));
        }
        facts.Add((W("credit-reason"), W("credit-reason-" + note.Reason.ToWire())));
        foreach (var (label, value) in facts)
        {
            page.Text(330, y, 10, true, label);
            page.TextRight(width - margin, y, 10, false, value);
            y -= 14;
        }
        y = Math.Min(Math.Min(y, factsTop - 40), billedBottom - 13) - 20;

        double[] right = [440, width - margin];
        void Header(InvoicePdf.Page p, double at)
        {
            p.Text(margin, at, 10, true, W("description"));
            p.TextRight(right[0], at, 10, true, W("tax-rate"));
            p.TextRight(right[1], at, 10, true, W("amount"));
            p.Line(margin, at - 5, width - margin, at - 5);
        }
        Header(page, y);
        y -= 20;
        foreach (var l in document.Lines)
        {
            var wrapped = InvoicePdf.Wrap(l.Description, 320);
            if (y - (wrapped.Count * 12) < margin + 120)
            {
                page = new InvoicePdf.Page(paper);
                pages.Add(page);
                y = height - margin - 10;
                Header(page, y);
                y -= 20;
            }
            page.TextRight(right[0], y, 10, false, l.TaxRate.ToString("0.##", culture));
            page.TextRight(right[1], y, 10, false, M(l.Total));
            foreach (var text in wrapped)
            {
                page.Text(margin, y, 10, false, text);
                y -= 12;
            }
            y -= 4;
        }
        page.Line(margin, y + 6, width - margin, y + 6);
        y -= 10;
        List<(string, string, bool)> totals = [(W("subtotal"), M(document.Total - document.TaxTotal), false)];
        foreach (var group in document.Lines.GroupBy(l => l.TaxRate).OrderBy(g => g.Key))
        {
            totals.Add((InvoiceText.Words.FormatIn(language, culture, "tax-at", group.Key.ToString("0.##", culture), M(group.Sum(l => l.Total - l.Tax))),
                M(group.Sum(l => l.Tax)), false));
        }
        totals.Add((W("total"), M(document.Total), true));
        if (y - (totals.Count * 15) < margin + 60)
        {
            page = new InvoicePdf.Page(paper);
            pages.Add(page);
            y = height - margin - 10;
        }
        foreach (var (label, value, bold) in totals)
        {
            page.Text(250, y, 10, bold, label);
            page.TextRight(width - margin, y, 10, bold, value);
            y -= 15;
        }
        y -= 10;
        var closing = note.Kind switch
        {
            CreditNoteKind.WriteOff => InvoiceText.Words.FormatIn(language, culture, "credit-written-off", M(note.Amount), note.InvoiceNumber ?? ""),
            CreditNoteKind.WriteOffReversal => InvoiceText.Words.FormatIn(language, culture, "credit-reversal", note.ReversesNumber ?? "", M(-note.Amount),
                note.InvoiceNumber ?? ""),
            _ => InvoiceText.Words.FormatIn(language, culture, "credit-refunded", M(note.Amount)),
        };
        foreach (var line in InvoicePdf.Wrap(closing, width - (2 * margin)))
        {
            page.Text(margin, y, 10, false, line);
            y -= 12;
        }
        var foot = margin;
        foreach (var line in InvoicePdf.Wrap(document.Footer ?? "", width - (2 * margin), 8).AsEnumerable().Reverse())
        {
            page.Text(margin, foot, 8, false, line);
            foot += 10;
        }
        return InvoicePdf.Write(pages, $"{W("credit-note")} {note.Number}");
    }

    public static string FileName(CreditNoteDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return InvoicePdf.FileName(InvoiceText.Words.Get("credit-note", document.Language).ToLowerInvariant(), document.Note.Number);
    }
}

/// <summary>Renders a credit note's PDF for the outbox worker when it sends the credit note e-mail (<c>credit-note:{id}</c>).</summary>
public sealed class CreditNoteAttachments(InvoiceLogo logos, PdfFonts fonts) : IMailAttachmentSource
{
    public string Kind => "credit-note";

    public async Task<MailAttachment?> LoadAsync(BookwellDb db, Guid tenantId, string reference, CancellationToken ct)
    {
        if (!Guid.TryParseExact(reference, "N", out var id))
        {
            return null;
        }
        var document = await CreditNoteDocument.LoadAsync(db, tenantId, id, ct);
        return document is null ? null : new MailAttachment(CreditNotePdf.FileName(document), "application/pdf",
            CreditNotePdf.Render(document, await logos.ForDocumentAsync(db, document.Note, document.PageSlug, ct),
                await InvoiceSettings.PaperAsync(db, tenantId, document.PageSlug, ct), fonts));
    }
}

/// <summary>The client's credit note e-mail, written in the refund's recording transaction (outbox); the PDF is made when it is sent.</summary>
public static class CreditNoteMail
{
    public const MessageKind Kind = MessageKind.CreditNote;

    /// <param name="lines">What the note credits (<see cref="CreditNoteDocument.ForAsync"/>), listed in the mail as on the PDF; none: the amount only.</param>
    public static OutboxMessage Compose(CreditNote note, string language, string businessName, Instant now, IReadOnlyList<CreditNoteLine>? lines = null)
    {
        ArgumentNullException.ThrowIfNull(note);
        var culture = MailText.Culture(language);
        string F(string key, params object[] args) => InvoiceText.Words.FormatIn(language, culture, key, args);
        var amount = InvoiceMoney.Format(note.Amount, note.Currency, culture);
        var subject = F("credit-subject", note.Number, businessName).ReplaceLineEndings(" ");
        var body = note.Kind switch
        {
            CreditNoteKind.WriteOff => F("credit-mail-body-written-off", amount, note.Number, note.InvoiceNumber ?? ""),
            CreditNoteKind.WriteOffReversal => F("credit-mail-body-reversal", InvoiceMoney.Format(-note.Amount, note.Currency, culture), note.Number,
                note.InvoiceNumber ?? "", note.ReversesNumber ?? ""),
            _ => note.InvoiceNumber is { } invoice ? F("credit-mail-body", amount, note.Number, invoice) : F("credit-mail-body-alone", amount, note.Number),
        };
        var credited = (lines ?? []).Select(l => F("credit-mail-line", l.Description, InvoiceMoney.Format(l.Total, note.Currency, culture),
            l.TaxRate.ToString("0.##", culture))).ToList();
        var sb = new System.Text.StringBuilder()
            .AppendLine(F("hello", note.CustomerName)).AppendLine()
            .AppendLine(body).AppendLine();
        if (credited.Count > 0)
        {
            sb.AppendLine(F("credit-mail-lines"));
            credited.ForEach(l => sb.Append("- ").AppendLine(l));
            sb.AppendLine();
        }
        var text = sb.AppendLine(businessName).ToString();
        static string H(string s) => System.Net.WebUtility.HtmlEncode(s);
        var list = credited.Count == 0 ? "" : $"<p>{H(F("credit-mail-lines"))}</p><ul>{string.Concat(credited.Select(l => $"<li>{H(l)}</li>"))}</ul>";
        var html = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"margin:0;font-family:system-ui,Segoe UI,Roboto,sans-serif;color:#1f2937\">" +
                   $"<div style=\"padding:20px;max-width:560px\"><p>{H(F("hello", note.CustomerName))}</p><p>{H(body)}</p>{list}" +
                   $"<p style=\"color:#4b5563\">{H(businessName)}</p></div></body></html>";
        return new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = note.TenantId,
            BookingId = note.BookingId,
            Kind = Kind,
            To = note.CustomerEmail,
            FromName = businessName,
            Subject = subject.Length > 300 ? subject[..300] : subject,
            TextBody = text,
            HtmlBody = html,
            Attachment = $"credit-note:{note.Id:N}",
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }
}
