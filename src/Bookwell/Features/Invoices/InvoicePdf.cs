using System.Globalization;
using System.Text;
using Bookwell.Data;
using NodaTime;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The invoice as a PDF, written by hand: A4, the standard Helvetica fonts every PDF reader carries (so no font
/// files are needed on the server), uncompressed text so the document stays searchable and testable. Long
/// invoices continue on further pages. The business's logo (<see cref="InvoiceLogo"/>), when it has one, heads the first page.
/// </summary>
public static class InvoicePdf
{
    internal const double Width = 595.28;
    internal const double Height = 841.89;
    internal const double Margin = 50;

    public static byte[] Render(Invoice invoice, Instant now, PdfImage? logo = null)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var language = invoice.Language;
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        string W(string key) => InvoiceText.Words.Get(key, language);
        string M(decimal amount) => InvoiceMoney.Format(amount, invoice.Currency, culture);
        string D(LocalDate date) => date.ToString("d MMMM yyyy", culture);
        var status = InvoiceStatusRules.Effective(invoice, now);

        var pages = new List<Page>();
        var page = new Page();
        pages.Add(page);
        var y = Logo(page, logo);
        page.Text(Margin, y - 16, 16, true, invoice.BusinessName);
        page.TextRight(Width - Margin, y - 18, 20, true, W(status == InvoiceStatus.Paid && invoice.Payments.Count > 0 && invoice.Payments.Min(p => p.At) <= invoice.IssuedAt ? "receipt" : "invoice"));
        y -= 34;
        var seller = new List<string>();
        if (invoice.LegalName is { } legal && legal != invoice.BusinessName)
        {
            seller.Add(legal);
        }
        seller.AddRange(Wrap(invoice.BusinessAddress ?? "", 60));
        if (invoice.VatNumber is { } vat)
        {
            seller.Add($"{W("vat-number")}: {vat}");
        }
        if (invoice.RegistrationNumber is { } registration)
        {
            seller.Add($"{W("registration-number")}: {registration}");
        }
        if (invoice.BankAccount is { } iban)
        {
            seller.Add($"{W("bank-account")}: {InvoiceSettings.PrintIban(iban)}");
        }
        foreach (var line in seller)
        {
            page.Text(Margin, y, 10, false, line);
            y -= 13;
        }
        y = Math.Min(y, Height - Margin - 80) - 10;
        var factsTop = y;
        page.Text(Margin, y, 10, true, W("billed-to"));
        page.Text(Margin, y - 14, 10, false, invoice.CustomerName);
        page.Text(Margin, y - 27, 10, false, invoice.CustomerEmail);
        (string, string)[] facts = [(W("number"), invoice.Number), (W("issued"), D(invoice.IssuedOn)), (W("due"), D(invoice.DueOn)), (W("status"), W("status-" + status.ToWire()))];
        if (invoice.ReplacesNumber is { } replaced)
        {
            facts = [.. facts, (W("replaces"), replaced)];
        }
        foreach (var (label, value) in facts)
        {
            page.Text(330, y, 10, true, label);
            page.TextRight(Width - Margin, y, 10, false, value);
            y -= 14;
        }
        y = Math.Min(y, factsTop - 40) - 20;

        double[] right = [360, 440, 480, Width - Margin];
        void Header(Page p, double at)
        {
            p.Text(Margin, at, 10, true, W("description"));
            p.TextRight(right[0], at, 10, true, W("quantity"));
            p.TextRight(right[1], at, 10, true, W("unit-price"));
            p.TextRight(right[2], at, 10, true, W("tax-rate"));
            p.TextRight(right[3], at, 10, true, W("amount"));
            p.Line(Margin, at - 5, Width - Margin, at - 5);
        }
        Header(page, y);
        y -= 20;
        foreach (var l in invoice.Lines.OrderBy(l => l.Position))
        {
            var wrapped = Wrap(l.Description, 48);
            if (y - (wrapped.Count * 12) < Margin + 120)
            {
                page = new Page();
                pages.Add(page);
                y = Height - Margin - 10;
                Header(page, y);
                y -= 20;
            }
            page.TextRight(right[0], y, 10, false, l.Quantity.ToString("0.##", culture));
            page.TextRight(right[1], y, 10, false, M(l.UnitPrice));
            page.TextRight(right[2], y, 10, false, l.TaxRate.ToString("0.##", culture));
            page.TextRight(right[3], y, 10, false, M(l.Total));
            foreach (var text in wrapped)
            {
                page.Text(Margin, y, 10, false, text);
                y -= 12;
            }
            y -= 4;
        }
        page.Line(Margin, y + 6, Width - Margin, y + 6);
        y -= 10;
        List<(string, string, bool)> totals = [(W("subtotal"), M(invoice.Subtotal), false)];
        // VAT per rate: what each rate was charged on and the VAT it came to.
        foreach (var (rate, net, tax) in InvoiceMoney.ByRate(invoice.Lines))
        {
            totals.Add((InvoiceText.Words.FormatIn(language, culture, "tax-at", rate.ToString("0.##", culture), M(net)), M(tax), false));
        }
        totals.AddRange([(W("total"), M(invoice.Total), true), (W("paid"), M(invoice.AmountPaid), false), (W("balance"), M(invoice.Total - invoice.AmountPaid), true)]);
        if (y - (totals.Count * 15) < Margin + 60)
        {
            page = new Page();
            pages.Add(page);
            y = Height - Margin - 10;
        }
        foreach (var (label, value, bold) in totals)
        {
            page.Text(250, y, 10, bold, label);
            page.TextRight(Width - Margin, y, 10, bold, value);
            y -= 15;
        }
        var due = invoice.Total - invoice.AmountPaid;
        if (invoice.BankAccount is { } account && due > 0 && status is InvoiceStatus.Open or InvoiceStatus.Overdue)
        {
            y -= 10;
            page.Text(Margin, y, 10, false, InvoiceText.Words.FormatIn(language, culture, "pay-to", M(due), InvoiceSettings.PrintIban(account), invoice.Number));
        }
        var foot = Margin;
        foreach (var line in Wrap(invoice.Footer ?? "", 100).AsEnumerable().Reverse())
        {
            page.Text(Margin, foot, 8, false, line);
            foot += 10;
        }
        page.Text(Margin, foot, 8, false, W(invoice.PricesExcludeTax ? "prices-excl" : "prices-incl"));
        return Write(pages, $"{W("invoice")} {invoice.Number}", logo);
    }

    /// <summary>Largest logo box, in points: wide logos are held to the width, tall ones to the height.</summary>
    private const double LogoWidth = 160, LogoHeight = 48;

    /// <summary>Draws the logo at the first page's top left (its own aspect kept) and answers where the text below it starts.</summary>
    internal static double Logo(Page page, PdfImage? logo)
    {
        var top = Height - Margin;
        if (logo is null)
        {
            return top;
        }
        var scale = Math.Min(LogoWidth / logo.Width, LogoHeight / logo.Height);
        double w = logo.Width * scale, h = logo.Height * scale;
        page.Content.Append(CultureInfo.InvariantCulture, $"q {w:0.###} 0 0 {h:0.###} {Margin:0.##} {top - h:0.###} cm /Logo Do Q\n");
        return top - h - 12;
    }

    internal static List<string> Wrap(string text, int max)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in text.ReplaceLineEndings(" ").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var piece = word.Length > max ? word[..max] : word;
            if (current.Length > 0 && current.Length + 1 + piece.Length > max)
            {
                lines.Add(current.ToString());
                current.Clear();
            }
            if (current.Length > 0)
            {
                current.Append(' ');
            }
            current.Append(piece);
        }
        if (current.Length > 0)
        {
            lines.Add(current.ToString());
        }
        return lines;
    }

    /// <summary>One page's content stream (shared with the credit note's PDF).</summary>
    internal sealed class Page
    {
        public StringBuilder Content { get; } = new();

        public void Text(double x, double y, double size, bool bold, string text) =>
            Content.Append(CultureInfo.InvariantCulture, $"BT /{(bold ? "F2" : "F1")} {size:0.##} Tf {x:0.##} {y:0.##} Td ({Escape(text)}) Tj ET\n");

        public void TextRight(double x, double y, double size, bool bold, string text) =>
            Text(x - (Measure(text, bold) * size / 1000), y, size, bold, text);

        public void Line(double x1, double y1, double x2, double y2) =>
            Content.Append(CultureInfo.InvariantCulture, $"0.5 w {x1:0.##} {y1:0.##} m {x2:0.##} {y2:0.##} l S\n");
    }

    /// <summary>Helvetica advance widths (per 1000 em) near enough to right-align numbers and short labels.</summary>
    internal static double Measure(string text, bool bold)
    {
        double total = 0;
        foreach (var c in text)
        {
            total += c switch
            {
                >= '0' and <= '9' => 556,
                ' ' or '.' or ',' or ':' => 278,
                '-' or '(' or ')' => 333,
                '%' => 889,
                'I' or 'i' or 'l' or 'j' => bold ? 278 : 222,
                'f' or 't' or 'r' => 333,
                'm' or 'M' or 'W' => 833,
                'w' => 722,
                >= 'A' and <= 'Z' => 700,
                _ => bold ? 611 : 556,
            };
        }
        return total;
    }

    /// <summary>A PDF string in WinAnsiEncoding: Latin-1 as is, a few common Windows-1252 extras, anything else as '?'.</summary>
    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var b = c switch
            {
                '€' => (char)0x80,
                '‘' => (char)0x91,
                '’' => (char)0x92,
                '“' => (char)0x93,
                '”' => (char)0x94,
                '–' => (char)0x96,
                '—' => (char)0x97,
                >= ' ' and <= '~' => c,
                >= '\u00a0' and <= '\u00ff' => c,
                _ => '?',
            };
            if (b is '(' or ')' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(b);
        }
        return sb.ToString();
    }

    internal static byte[] Write(List<Page> pages, string title, PdfImage? logo = null)
    {
        ArgumentNullException.ThrowIfNull(pages);
        // Objects: 1 catalog, 2 page tree, 3 info, 4-5 fonts, then a page and its content per page, then the logo and its mask.
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [" + string.Join(" ", pages.Select((_, i) => $"{6 + (i * 2)} 0 R")) + $"] /Count {pages.Count} >>",
            $"<< /Title ({Escape(title)}) /Producer (Bookwell) >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        };
        var logoObject = 6 + (pages.Count * 2);
        for (var i = 0; i < pages.Count; i++)
        {
            var content = pages[i].Content.ToString();
            var images = logo is not null && i == 0 ? $" /XObject << /Logo {logoObject} 0 R >>" : "";
            objects.Add(string.Create(CultureInfo.InvariantCulture,
                $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {Width:0.##} {Height:0.##}] /Resources << /Font << /F1 4 0 R /F2 5 0 R >>{images} >> /Contents {7 + (i * 2)} 0 R >>"));
            objects.Add($"<< /Length {Latin1.GetByteCount(content)} >>\nstream\n{content}endstream");
        }
        if (logo is not null)
        {
            // Binary streams ride in the Latin-1 text unchanged (every byte is one character and back).
            var mask = logo.Alpha is not null ? $" /SMask {logoObject + 1} 0 R" : "";
            var parms = logo.DecodeParms is { } p ? $" /DecodeParms {p}" : "";
            var decode = logo.Decode is { } d ? $" /Decode {d}" : "";
            objects.Add($"<< /Type /XObject /Subtype /Image /Width {logo.Width} /Height {logo.Height} /ColorSpace {logo.ColorSpace} " +
                        $"/BitsPerComponent {logo.BitsPerComponent} /Filter {logo.Filter}{parms}{decode}{mask} /Length {logo.Data.Length} >>\n" +
                        $"stream\n{Latin1.GetString(logo.Data)}\nendstream");
            if (logo.Alpha is { } alpha)
            {
                objects.Add($"<< /Type /XObject /Subtype /Image /Width {logo.Width} /Height {logo.Height} /ColorSpace /DeviceGray /BitsPerComponent 8 " +
                            $"/Filter /FlateDecode /Length {alpha.Length} >>\nstream\n{Latin1.GetString(alpha)}\nendstream");
            }
        }
        using var output = new MemoryStream();
        void Put(string s)
        {
            var bytes = Latin1.GetBytes(s);
            output.Write(bytes);
        }
        Put("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(output.Position);
            Put($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = output.Position;
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            table.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }
        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        Put(table.ToString());
        return output.ToArray();
    }

    private static readonly Encoding Latin1 = Encoding.Latin1;
}
