using System.Globalization;
using System.Text;
using Bookwell.Features.Invoices;

namespace Bookwell.Features.Checkout;

/// <summary>
/// A desk receipt as ESC/POS bytes for an 80 mm thermal printer (48 columns of font A): initialise, code page
/// WPC1252 (text written in Windows-1252), the business centred in bold, the lines with their totals right-aligned,
/// the total, how it was paid and the change, then feed and cut. Text longer than the line is wrapped between words
/// (a printer left to itself breaks mid-word, and a label would run into its amount).
/// </summary>
public static class EscPos
{
    public const int Columns = 48;

    /// <summary>Windows-1252 as the printer's code page 16 has it; a character it lacks is written as '?'.</summary>
    private static readonly Encoding Wpc1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252, EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback)!;

    public static byte[] Render(Invoice invoice, DeskSale sale, string when, CultureInfo culture, string language)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(sale);
        var w = DeskText.Words;
        var bytes = new List<byte> { 0x1B, 0x40, 0x1B, 0x74, 16 };
        void Line(string text) => bytes.AddRange(Wpc1252.GetBytes(text + "\n"));
        // Line breaks the text has (an address over two lines) are kept; each line then wraps on its own.
        void Text(string text)
        {
            foreach (var given in text.ReplaceLineEndings("\n").Split('\n'))
            {
                foreach (var part in Wrap(Clean(given), Columns))
                {
                    Line(part);
                }
            }
        }
        // The label wraps within the room left of the amount; the amount stands on the label's last line.
        void Row(string left, string right)
        {
            right = Clean(right);
            var parts = Wrap(Clean(left), Math.Max(1, Columns - right.Length - 1));
            for (var i = 0; i < parts.Count - 1; i++)
            {
                Line(parts[i]);
            }
            Line(parts[^1].PadRight(Columns - right.Length) + right);
        }
        string M(decimal amount) => InvoiceMoney.Format(amount, invoice.Currency, culture);
        bytes.AddRange([0x1B, 0x61, 1, 0x1B, 0x45, 1]);
        Text(invoice.BusinessName);
        bytes.AddRange([0x1B, 0x45, 0]);
        if (invoice.BusinessAddress is { } address)
        {
            Text(address);
        }
        Text($"{w.Get("receipt", language)} {invoice.Number}");
        Text(when);
        bytes.AddRange([0x1B, 0x61, 0]);
        Text(new string('-', Columns));
        foreach (var line in invoice.Lines.OrderBy(l => l.Position))
        {
            var qty = line.Quantity == 1 ? "" : line.Quantity.ToString("0.##", culture) + " x ";
            Row(qty + line.Description, M(line.Total));
        }
        Text(new string('-', Columns));
        bytes.AddRange([0x1B, 0x45, 1]);
        Row(w.Get("total", language), M(invoice.Total));
        bytes.AddRange([0x1B, 0x45, 0]);
        if (invoice.TaxTotal != 0)
        {
            Row(w.Get("tax", language), M(invoice.TaxTotal));
        }
        if (sale.Card > 0)
        {
            Row(w.Get("method-card", language), M(sale.Card));
        }
        if (sale.Cash > 0)
        {
            Row(w.Get("method-cash", language), M(sale.Cash));
            Row(w.Get("tendered", language), M(sale.Tendered));
            Row(w.Get("change", language), M(sale.Change));
        }
        bytes.AddRange([0x1B, 0x64, 4, 0x1D, 0x56, 66, 0]);
        return [.. bytes];
    }

    /// <summary>
    /// The text as the printer can print it: spaces of every width (the no-break and narrow no-break spaces that number,
    /// currency and time formats put in for fr, nl and en alike) become a plain space; hyphens, dashes and the minus sign
    /// a '-'; curly and low quotes straight ones; the ellipsis three dots; control characters and format characters
    /// (zero-width, bidi marks, the soft hyphen) go. What Windows-1252 still lacks is written as '?' by the encoder.
    /// </summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200A') or '\u202F' or '\u205F' or '\u3000':
                    sb.Append(' ');
                    break;
                case (>= '\u2010' and <= '\u2015') or '\u2212' or '\u2043' or '\uFE63' or '\uFF0D':
                    sb.Append('-');
                    break;
                case '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032' or '\u02BC':
                    sb.Append('\'');
                    break;
                case '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033':
                    sb.Append('"');
                    break;
                case '\u2039':
                    sb.Append('<');
                    break;
                case '\u203A':
                    sb.Append('>');
                    break;
                case '\u2026':
                    sb.Append("...");
                    break;
                case '\u2022' or '\u2027' or '\u2219':
                    sb.Append('*');
                    break;
                default:
                    if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                    {
                        // Within one printed line a line break or a tab is a space; the rest goes.
                        if (c is '\n' or '\r' or '\t' or '\u2028' or '\u2029')
                        {
                            sb.Append(' ');
                        }
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The text in lines of at most <paramref name="width"/> characters, broken at spaces; a word longer than a line is
    /// cut at the line's end (there is nowhere else to break it). Runs of spaces count as one; at least one line.
    /// </summary>
    public static List<string> Wrap(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > 0)
            {
                var room = current.Length == 0 ? width : width - current.Length - 1;
                if (rest.Length <= room)
                {
                    current.Append(current.Length == 0 ? "" : " ").Append(rest);
                    rest = "";
                }
                else if (current.Length > 0)
                {
                    lines.Add(current.ToString());
                    current.Clear();
                }
                else
                {
                    lines.Add(rest[..width]);
                    rest = rest[width..];
                }
            }
        }
        if (current.Length > 0 || lines.Count == 0)
        {
            lines.Add(current.ToString());
        }
        return lines;
    }
}
