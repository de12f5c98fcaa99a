using System.Globalization;
using System.Text;
using Bookwell.Features.Checkout;
using Bookwell.Features.Invoices;
using NodaTime;

namespace Bookwell.Tests.Checkout;

/// <summary>
/// The ESC/POS receipt as the printer gets it, read back from the bytes: the spaces and signs that number, currency and
/// time formats use (no-break and narrow no-break spaces, the minus sign) and typographic dashes and quotes print as
/// their ASCII forms rather than '?', the euro sign as code page 1252's 0x80, and a description longer than the
/// room left of its amount wraps between words with the amount on its last line.
/// </summary>
public sealed class EscPosTests
{
    private static readonly Encoding Cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private static (Invoice Invoice, DeskSale Sale) Receipt(params (string Description, decimal Quantity, decimal Total)[] lines)
    {
        var invoice = new Invoice
        {
            Number = "INV-2027-000042",
            PageSlug = "salon",
            BusinessName = "Salon “Chez Anna” – Centre",
            BusinessAddress = "Rue de la Paix 1\n75002 Paris",
            CustomerName = "Ada",
            CustomerEmail = "ada@example.com",
            TimeZone = "Europe/Paris",
            Status = InvoiceStatus.Paid,
            Currency = "EUR",
            Total = lines.Sum(l => l.Total),
            TaxTotal = 214.26m,
            IssuedAt = Instant.FromUtc(2027, 3, 2, 9, 0),
        };
        invoice.Lines.AddRange(lines.Select((l, i) => new InvoiceLine { Position = i, Description = l.Description, Quantity = l.Quantity, Total = l.Total }));
        var sale = new DeskSale
        {
            Key = "k",
            InvoiceNumber = invoice.Number,
            PageSlug = "salon",
            CustomerName = "Ada",
            Currency = "EUR",
            Total = invoice.Total,
            Cash = invoice.Total,
            Tendered = 1300m,
            Change = 1300m - invoice.Total,
            By = "owner",
        };
        return (invoice, sale);
    }

    /// <summary>The printed text lines: the bytes between the header's commands and the cut, split at line feeds, with the style commands taken out.</summary>
    private static List<string> Printed(byte[] bytes)
    {
        var text = Cp1252.GetString(bytes);
        foreach (var command in new[] { "\u001B@", "\u001Bt\u0010", "\u001Ba\u0001", "\u001Ba\u0000", "\u001BE\u0001", "\u001BE\u0000", "\u001Bd\u0004", "\u001DVB\u0000" })
        {
            text = text.Replace(command, "", StringComparison.Ordinal);
        }
        return [.. text.Split('\n')[..^1]];
    }

    [Fact]
    public void FrenchAmounts_NarrowNoBreakSpaces_TypographicSigns_AndTheEuro_PrintAsThePrinterCanPrintThem()
    {
        var fr = CultureInfo.GetCultureInfo("fr-FR");
        // The culture's own group separator is the narrow no-break space: the reason this matters.
        Assert.Equal("\u202F", fr.NumberFormat.NumberGroupSeparator);
        var (invoice, sale) = Receipt(("Coupe – brushing", 1m, 1234.50m), ("Bon cadeau €50 ‘offert’", 1m, 50m), ("Remise", 1m, -44.50m));
        var bytes = EscPos.Render(invoice, sale, "2\u00A0mars 2027 à 10:00\u202FAM", fr, "en");

        Assert.DoesNotContain((byte)'?', bytes);
        var printed = Printed(bytes);
        Assert.Contains("Salon \"Chez Anna\" - Centre", printed);
        Assert.Equal(new[] { "Rue de la Paix 1", "75002 Paris" }, printed.SkipWhile(l => !l.StartsWith("Rue", StringComparison.Ordinal)).Take(2));
        Assert.Contains("2 mars 2027 à 10:00 AM", printed);
        Assert.Contains(printed, l => l.StartsWith("Coupe - brushing ", StringComparison.Ordinal) && l.EndsWith(" EUR 1 234,50", StringComparison.Ordinal) && l.Length == 48);
        Assert.Contains(printed, l => l.StartsWith("Bon cadeau €50 'offert' ", StringComparison.Ordinal) && l.EndsWith(" EUR 50,00", StringComparison.Ordinal));
        Assert.Contains(printed, l => l.StartsWith("Total ", StringComparison.Ordinal) && l.EndsWith(" EUR 1 240,00", StringComparison.Ordinal));
        // The euro sign is code page 1252's own byte; à is Latin-1's.
        Assert.Contains((byte)0x80, bytes);
        Assert.Contains((byte)0xE0, bytes);
        Assert.DoesNotContain((byte)0xA0, bytes);
    }

    [Fact]
    public void ALongDescription_WrapsBetweenWords_WithItsAmountOnTheLastLine()
    {
        const string Long = "Balayage with toner, gloss and a deep-conditioning treatment for long and thick hair (two stylists)";
        const string Word = "Supercalifragilisticexpialidociousconditionerbottle";
        var (invoice, sale) = Receipt((Long, 1m, 189.00m), (Word, 2m, 24.00m));
        var printed = Printed(EscPos.Render(invoice, sale, "2 March 2027 10:00", CultureInfo.GetCultureInfo("en-GB"), "en"));

        Assert.All(printed, l => Assert.True(l.Length <= EscPos.Columns, $"longer than the line: '{l}'"));
        var first = printed.FindIndex(l => l.StartsWith("Balayage", StringComparison.Ordinal));
        var block = printed.Skip(first).TakeWhile(l => !l.StartsWith("2 x", StringComparison.Ordinal)).ToList();
        Assert.True(block.Count >= 3, string.Join("|", block));
        // Every word of the description stands whole on one line, in order; nothing is cut off.
        Assert.Equal(Long.Split(' '), block.SelectMany(l => l.Replace("EUR 189.00", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        // No line of the label reaches into the amount's column; the amount stands on the last line only.
        Assert.All(block.SkipLast(1), l => Assert.True(l.Length <= EscPos.Columns - "EUR 189.00".Length - 1, l));
        Assert.EndsWith(" EUR 189.00", block[^1], StringComparison.Ordinal);
        Assert.Equal(EscPos.Columns, block[^1].Length);
        // A word longer than the room has nowhere to break but the line's end; it is cut there, not dropped.
        var cut = printed.Skip(first + block.Count).TakeWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).ToList();
        Assert.Equal("2 x", cut[0]);
        Assert.Equal(Word, string.Concat(cut.Skip(1).Select(l => l.Replace("EUR 24.00", "", StringComparison.Ordinal).TrimEnd())));
        Assert.EndsWith(" EUR 24.00", cut[^1], StringComparison.Ordinal);
    }
}
