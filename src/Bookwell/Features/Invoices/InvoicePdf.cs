using System.Globalization;
using System.Text;
using Bookwell.Data;
using NodaTime;
using PdfSharp.Drawing;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The invoice as a PDF (PDFsharp): A4, or Letter where the currency's country prints on it (<see cref="Paper"/>), in
/// DejaVu Sans embedded as a subset (<see cref="InvoiceFonts"/>), so every client's name prints as written; the text stays
/// searchable and testable. Long invoices continue on further pages. The business's logo (<see cref="InvoiceLogo"/>),
/// when it has one, heads the first page.
/// </summary>
public static class InvoicePdf
{
    internal const double Margin = 50;

    /// <param name="paperSetting">The page's <c>settings.invoicing.paper</c> (<see cref="InvoiceSettings.PaperAsync"/>); null: auto.</param>
    /// <summary>
    /// A download's or attachment's file name for a document: <c>invoice-INV-2027-000001.pdf</c>. Only ASCII letters, digits,
    /// <c>-</c> and <c>_</c> are kept from the word and the number; anything else (the <c>/</c> and <c>.</c> a prefix may
    /// hold, a space of a translated word, whatever an older prefix let in) becomes one <c>-</c>. So the name is one file
    /// in the directory it is saved to, never a path, whatever the number says.
    /// </summary>
    public static string FileName(string word, string number, string extension = "pdf")
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(number);
        var sb = new System.Text.StringBuilder();
        foreach (var c in $"{word}-{number}")
        {
            var keep = char.IsAsciiLetterOrDigit(c) || c == '_';
            if (keep)
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }
        var stem = sb.ToString().TrimEnd('-');
        return $"{(stem.Length == 0 ? "document" : stem)}.{extension}";
    }

    /// <param name="fonts">The fallback fonts (the app's <see cref="PdfFonts"/>); null: <see cref="PdfFonts.Default"/>.</param>
    public static byte[] Render(Invoice invoice, Instant now, PdfImage? logo = null, string? paperSetting = null, PdfFonts? fonts = null)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        using var scope = PdfFonts.Use(fonts ?? PdfFonts.Default);
        var paper = Paper.For(paperSetting, invoice.Currency);
        double width = paper.Width, height = paper.Height;
        var language = invoice.Language;
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        string W(string key) => InvoiceText.Words.Get(key, language);
        string M(decimal amount) => InvoiceMoney.Format(amount, invoice.Currency, culture);
        string D(LocalDate date) => date.ToString("d MMMM yyyy", culture);
        var status = InvoiceStatusRules.Effective(invoice, now);

        var pages = new List<Page>();
        var page = new Page(paper);
        pages.Add(page);
        var y = Logo(page, logo);
        y = Heading(page, y, invoice.BusinessName,
            W(status == InvoiceStatus.Paid && invoice.Payments.Count > 0 && invoice.Payments.Min(p => p.At) <= invoice.IssuedAt ? "receipt" : "invoice"));
        var seller = new List<string>();
        if (invoice.LegalName is { } legal && legal != invoice.BusinessName)
        {
            seller.AddRange(Wrap(legal, DetailsWidth));
        }
        seller.AddRange(Wrap(invoice.BusinessAddress ?? "", DetailsWidth));
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
        y = Math.Min(y, height - Margin - 80) - 10;
        var factsTop = y;
        var billedBottom = BilledTo(page, y, W("billed-to"), invoice.CustomerName, invoice.CustomerEmail);
        (string, string)[] facts = [(W("number"), invoice.Number), (W("issued"), D(invoice.IssuedOn)), (W("due"), D(invoice.DueOn)), (W("status"), W("status-" + status.ToWire()))];
        if (invoice.ReplacesNumber is { } replaced)
        {
            facts = [.. facts, (W("replaces"), replaced)];
        }
        foreach (var (label, value) in facts)
        {
            page.Text(330, y, 10, true, label);
            page.TextRight(width - Margin, y, 10, false, value);
            y -= 14;
        }
        y = Math.Min(Math.Min(y, factsTop - 40), billedBottom - 13) - 20;

        double[] right = [360, 440, 480, width - Margin];
        void Header(Page p, double at)
        {
            p.Text(Margin, at, 10, true, W("description"));
            p.TextRight(right[0], at, 10, true, W("quantity"));
            p.TextRight(right[1], at, 10, true, W("unit-price"));
            p.TextRight(right[2], at, 10, true, W("tax-rate"));
            p.TextRight(right[3], at, 10, true, W("amount"));
            p.Line(Margin, at - 5, width - Margin, at - 5);
        }
        Header(page, y);
        y -= 20;
        foreach (var l in invoice.Lines.OrderBy(l => l.Position))
        {
            var wrapped = Wrap(l.Description, 265);
            if (y - (wrapped.Count * 12) < Margin + 120)
            {
                page = new Page(paper);
                pages.Add(page);
                y = height - Margin - 10;
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
        page.Line(Margin, y + 6, width - Margin, y + 6);
        y -= 10;
        List<(string, string, bool)> totals = [(W("subtotal"), M(invoice.Subtotal), false)];
        // VAT per rate: what each rate was charged on and the VAT it came to.
        foreach (var (rate, net, tax) in InvoiceMoney.ByRate(invoice.Lines))
        {
            totals.Add((InvoiceText.Words.FormatIn(language, culture, "tax-at", rate.ToString("0.##", culture), M(net)), M(tax), false));
        }
        totals.AddRange([(W("total"), M(invoice.Total), true), (W("paid"), M(invoice.AmountPaid), false)]);
        // Settled when its booking was cancelled: the unpaid rest is printed as no longer owed, and nothing is due.
        if (InvoiceStatusRules.Settled(invoice) is > 0 and var settled)
        {
            totals.Add((W("settled"), M(settled), false));
        }
        totals.Add((W("balance"), M(InvoiceStatusRules.Due(invoice)), true));
        if (y - (totals.Count * 15) < Margin + 60)
        {
            page = new Page(paper);
            pages.Add(page);
            y = height - Margin - 10;
        }
        foreach (var (label, value, bold) in totals)
        {
            page.Text(250, y, 10, bold, label);
            page.TextRight(width - Margin, y, 10, bold, value);
            y -= 15;
        }
        var due = InvoiceStatusRules.Due(invoice);
        if (invoice.BankAccount is { } account && due > 0 && status is InvoiceStatus.Open or InvoiceStatus.Overdue)
        {
            y -= 10;
            page.Text(Margin, y, 10, false, InvoiceText.Words.FormatIn(language, culture, "pay-to", M(due), InvoiceSettings.PrintIban(account), invoice.Number));
        }
        var foot = Margin;
        foreach (var line in Wrap(invoice.Footer ?? "", width - (2 * Margin), 8).AsEnumerable().Reverse())
        {
            page.Text(Margin, foot, 8, false, line);
            foot += 10;
        }
        page.Text(Margin, foot, 8, false, W(invoice.PricesExcludeTax ? "prices-excl" : "prices-incl"));
        return Write(pages, $"{W("invoice")} {invoice.Number}");
    }

    /// <summary>Largest logo box, in points: wide logos are held to the width, tall ones to the height.</summary>
    private const double LogoWidth = 160, LogoHeight = 48;

    /// <summary>Places the logo at the first page's top left (its own aspect kept) and answers where the text below it starts.</summary>
    internal static double Logo(Page page, PdfImage? logo)
    {
        ArgumentNullException.ThrowIfNull(page);
        var top = page.Paper.Height - Margin;
        if (logo is null)
        {
            return top;
        }
        var scale = Math.Min(LogoWidth / logo.Width, LogoHeight / logo.Height);
        double w = logo.Width * scale, h = logo.Height * scale;
        page.Image = (logo, Margin, top - h, w, h);
        return top - h - 12;
    }

    /// <summary>Widest line of the seller's and the client's details, beside the facts column at x = 330.</summary>
    internal const double DetailsWidth = 270;

    /// <summary>The business's name (wrapped beside the title) and the document's title; answers where the seller's lines start.</summary>
    internal static double Heading(Page page, double y, string businessName, string title)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.TextRight(page.Paper.Width - Margin, y - 18, 20, true, title);
        var lines = Wrap(businessName, page.Paper.Width - (2 * Margin) - 190, 16, true);
        for (var i = 0; i < lines.Count; i++)
        {
            page.Text(Margin, y - 16 - (i * 19), 16, true, lines[i]);
        }
        return y - 34 - (Math.Max(lines.Count, 1) - 1) * 19;
    }

    /// <summary>"Billed to" with the client's name and address, each wrapped to the details column; answers the lowest line's y.</summary>
    internal static double BilledTo(Page page, double y, string label, string name, string email)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.Text(Margin, y, 10, true, label);
        var at = y - 14;
        foreach (var line in Wrap(name, DetailsWidth).Concat(Wrap(email, DetailsWidth)))
        {
            page.Text(Margin, at, 10, false, line);
            at -= 13;
        }
        return at + 13;
    }

    private static readonly Lock MeasureLock = new();
    private static XGraphics? _measure;

    /// <summary>
    /// <paramref name="text"/> in lines no wider than <paramref name="maxWidth"/> points in the invoice font, measured: broken
    /// between words, inside a word only when the word alone is wider (never cut off), and at the text's own line breaks.
    /// </summary>
    internal static List<string> Wrap(string text, double maxWidth, double size = 10, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        InvoiceFonts.Ensure();
        var fonts = PdfFonts.Current;
        var lines = new List<string>();
        lock (MeasureLock)
        {
            var measure = _measure ??= XGraphics.CreateMeasureContext(new XSize(2000, 2000), XGraphicsUnit.Point, XPageDirection.Downwards);
            double Width(string s) => Measured(measure, fonts, Drawable(s), size, bold).Sum(r => r.Width);
            foreach (var paragraph in text.ReplaceLineEndings("\n").Split('\n'))
            {
                var current = "";
                foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var candidate = current.Length == 0 ? word : current + " " + word;
                    if (Width(candidate) <= maxWidth)
                    {
                        current = candidate;
                        continue;
                    }
                    if (current.Length > 0)
                    {
                        lines.Add(current);
                    }
                    current = word;
                    while (current.Length > 1 && Width(current) > maxWidth)
                    {
                        // The longest run of whole characters (text elements: no split surrogate pair or accent) that fits.
                        var ends = System.Globalization.StringInfo.ParseCombiningCharacters(current);
                        var fit = ends.Length > 1 ? ends[1] : current.Length;
                        for (var i = 2; i < ends.Length && Width(current[..ends[i]]) <= maxWidth; i++)
                        {
                            fit = ends[i];
                        }
                        lines.Add(current[..fit]);
                        current = current[fit..];
                    }
                }
                if (current.Length > 0)
                {
                    lines.Add(current);
                }
            }
        }
        return lines;
    }

    /// <summary>
    /// One page as the layout placed it, in PDF points from the bottom left (shared with the credit note's PDF); drawn by
    /// <see cref="Write"/>, which measures text with the real font, so right-aligned amounts line up exactly.
    /// </summary>
    internal sealed class Page(Paper paper)
    {
        public Paper Paper { get; } = paper;

        public List<(double X, double Y, double Size, bool Bold, bool Right, string Text)> Texts { get; } = [];

        public List<(double X1, double Y1, double X2, double Y2)> Lines { get; } = [];

        public (PdfImage Image, double X, double Y, double Width, double Height)? Image { get; set; }

        public void Text(double x, double y, double size, bool bold, string text) => Texts.Add((x, y, size, bold, false, text));

        public void TextRight(double x, double y, double size, bool bold, string text) => Texts.Add((x, y, size, bold, true, text));

        public void Line(double x1, double y1, double x2, double y2) => Lines.Add((x1, y1, x2, y2));
    }

    private static readonly Dictionary<(string Family, double Size, bool Bold), XFont> MeasureFonts = [];

    /// <summary>
    /// <paramref name="visual"/> (<see cref="Drawable"/>) as runs of one font each (<see cref="PdfFonts.Runs"/>) with the
    /// font and its measured width: a line's width is the sum, so wrapping and right alignment hold with mixed fonts.
    /// </summary>
    private static List<(string Text, XFont Font, double Width)> Measured(XGraphics measure, PdfFonts fonts, string visual, double size, bool bold,
        Func<int, XFont>? font = null)
    {
        XFont Cached(int index)
        {
            var key = (fonts.Family(index), size, bold);
            if (!MeasureFonts.TryGetValue(key, out var f))
            {
                MeasureFonts[key] = f = new XFont(key.Item1, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
            }
            return f;
        }
        return [.. fonts.Runs(visual, bold).Select(r =>
        {
            var f = font is null ? Cached(r.Font) : font(r.Font);
            return (r.Text, f, measure.MeasureString(r.Text, f).Width);
        })];
    }

    /// <summary>
    /// The text as drawn: control characters as spaces, Arabic letters shaped (<see cref="ArabicShaping"/>), in visual order
    /// (<see cref="LineBidi"/>), without invisible formatting characters (which would print as boxes).
    /// </summary>
    internal static string Drawable(string text)
    {
        var visual = LineBidi.Visual(ArabicShaping.Shape(Printable(text)));
        return visual.Any(c => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            ? new string([.. visual.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format)])
            : visual;
    }

    /// <summary>
    /// The pages as one PDF (PDFsharp): the invoice font embedded as a subset, and each fallback font that a character needed
    /// (<see cref="PdfFonts"/>) too; the logo as the file it was.
    /// </summary>
    internal static byte[] Write(List<Page> pages, string title)
    {
        ArgumentNullException.ThrowIfNull(pages);
        InvoiceFonts.Ensure();
        var fallbacks = PdfFonts.Current;
        using var document = new PdfSharp.Pdf.PdfDocument();
        document.Info.Title = title;
        document.Info.Creator = "Bookwell";
        var fonts = new Dictionary<(int, double, bool), XFont>();
        var pen = new XPen(XColors.Black, 0.5);
        foreach (var page in pages)
        {
            var pdfPage = document.AddPage();
            pdfPage.Width = XUnit.FromPoint(page.Paper.Width);
            pdfPage.Height = XUnit.FromPoint(page.Paper.Height);
            var height = page.Paper.Height;
            using var g = XGraphics.FromPdfPage(pdfPage);
            if (page.Image is { } placed)
            {
                try
                {
                    using var source = new MemoryStream(placed.Image.Source, writable: false);
                    var image = XImage.FromStream(source);
                    g.DrawImage(image, placed.X, height - placed.Y - placed.Height, placed.Width, placed.Height);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotImplementedException or InvalidDataException or IndexOutOfRangeException)
                {
                    // A logo the PDF library cannot read leaves the document without it rather than without a document.
                }
            }
            foreach (var (x1, y1, x2, y2) in page.Lines)
            {
                g.DrawLine(pen, x1, height - y1, x2, height - y2);
            }
            foreach (var t in page.Texts)
            {
                XFont Font(int index)
                {
                    if (!fonts.TryGetValue((index, t.Size, t.Bold), out var font))
                    {
                        fonts[(index, t.Size, t.Bold)] = font = new XFont(fallbacks.Family(index), t.Size, t.Bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
                    }
                    return font;
                }
                // Run by run, each in its font at the x its measured width puts it; right-aligned text ends at t.X.
                var runs = Measured(g, fallbacks, Drawable(t.Text), t.Size, t.Bold, Font);
                var x = t.Right ? t.X - runs.Sum(r => r.Width) : t.X;
                foreach (var (text, font, w) in runs)
                {
                    g.DrawString(text, font, XBrushes.Black, x, height - t.Y, XStringFormats.BaseLineLeft);
                    x += w;
                }
            }
        }
        using var output = new MemoryStream();
        document.Save(output, false);
        return output.ToArray();
    }

    /// <summary>Control characters (a pasted tab or line break in a description) print as a space.</summary>
    private static string Printable(string text) =>
        text.Any(char.IsControl) ? new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]) : text;
}

/// <summary>
/// A sheet: A4 or US Letter as the page's <c>settings.invoicing.paper</c> says; with <c>auto</c> (or nothing) Letter for
/// documents in the currencies of the countries that print on it (the United States, Canada, Mexico, the Philippines,
/// Chile, Colombia), else A4.
/// </summary>
internal sealed record Paper(string Name, double Width, double Height)
{
    public static readonly Paper A4 = new("A4", 595.28, 841.89);

    public static readonly Paper Letter = new("Letter", 612, 792);

    public static Paper For(string? setting, string? currency) => setting switch
    {
        "A4" => A4,
        "Letter" => Letter,
        _ => currency?.ToUpperInvariant() is "USD" or "CAD" or "MXN" or "PHP" or "CLP" or "COP" ? Letter : A4,
    };
}
