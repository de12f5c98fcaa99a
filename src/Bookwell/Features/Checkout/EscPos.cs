using System.Globalization;
using System.Text;
using Bookwell.Features.Invoices;

namespace Bookwell.Features.Checkout;

/// <summary>
/// A desk receipt as ESC/POS bytes for an 80 mm thermal printer (48 columns of font A): initialise, code page
/// WPC1252 (text written as Latin-1, which it contains), the business centred in bold, the lines with their totals
/// right-aligned, the total, how it was paid and the change, then feed and cut.
/// </summary>
public static class EscPos
{
    public const int Columns = 48;

    public static byte[] Render(Invoice invoice, DeskSale sale, string when, CultureInfo culture, string language)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(sale);
        var w = DeskText.Words;
        var bytes = new List<byte> { 0x1B, 0x40, 0x1B, 0x74, 16 };
        void Text(string text) => bytes.AddRange(Encoding.Latin1.GetBytes(Clean(text) + "\n"));
        void Row(string left, string right)
        {
            right = Clean(right);
            left = Clean(left);
            var room = Math.Max(1, Columns - right.Length - 1);
            if (left.Length > room)
            {
                left = left[..room];
            }
            Text(left.PadRight(Columns - right.Length) + right);
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

    /// <summary>Printable Latin-1 only: control characters go, anything the code page lacks becomes '?'.</summary>
    private static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) ? ' ' : c > 0xFF ? '?' : c);
        }
        return sb.ToString();
    }
}
