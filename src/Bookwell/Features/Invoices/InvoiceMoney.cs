using System.Globalization;

namespace Bookwell.Features.Invoices;

/// <summary>Amounts in a currency's own minor units (JPY has none, BHD three), rounded half to even.</summary>
public static class InvoiceMoney
{
    private static readonly HashSet<string> NoMinor = new(StringComparer.Ordinal)
    {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeMinor = new(StringComparer.Ordinal) { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

    public static int MinorUnits(string currency) =>
        NoMinor.Contains(currency) ? 0 : ThreeMinor.Contains(currency) ? 3 : 2;

    public static decimal Round(decimal amount, string currency) =>
        decimal.Round(amount, MinorUnits(currency), MidpointRounding.ToEven);

    /// <summary>True when the amount has no more decimals than the currency has minor units.</summary>
    public static bool Fits(decimal amount, string currency) => decimal.Round(amount, MinorUnits(currency)) == amount;

    /// <summary>The amount with exactly the currency's decimals (the JSON and the PDF show 25.00, not 25.0000).</summary>
    public static decimal Normalize(decimal amount, string currency)
    {
        var units = MinorUnits(currency);
        // Adding a zero of scale n gives the sum at least n decimals; rounding first caps it at n.
        return Round(amount, currency) + new decimal(0, 0, 0, false, (byte)units);
    }

    public static string Format(decimal amount, string currency, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        return currency + " " + Round(amount, currency).ToString("N" + MinorUnits(currency).ToString(CultureInfo.InvariantCulture), culture);
    }

    /// <summary>
    /// One invoice line at the currency's units, half to even. Prices including tax (the default): the total is
    /// quantity × price, and the tax in it is total − total / (1 + rate), so the printed total is exactly what the
    /// client was quoted. Prices excluding tax: the net is quantity × price, the tax is net × rate, the total net + tax.
    /// </summary>
    public static (decimal Total, decimal Tax) Line(decimal quantity, decimal unitPrice, decimal taxRatePercent, string currency, bool pricesIncludeTax = true)
    {
        var rate = taxRatePercent / 100m;
        if (!pricesIncludeTax)
        {
            var netAmount = Round(quantity * unitPrice, currency);
            var taxAmount = Round(netAmount * rate, currency);
            return (netAmount + taxAmount, taxAmount);
        }
        var total = Round(quantity * unitPrice, currency);
        var net = Round(total / (1 + rate), currency);
        return (total, total - net);
    }

    /// <summary>The lines grouped by tax rate (lowest first): net and tax per rate, as the PDF and the invoice page show them.</summary>
    public static IReadOnlyList<(decimal Rate, decimal Net, decimal Tax)> ByRate(IEnumerable<InvoiceLine> lines) =>
        [.. lines.GroupBy(l => l.TaxRate).OrderBy(g => g.Key).Select(g => (g.Key, g.Sum(l => l.Total - l.Tax), g.Sum(l => l.Tax)))];
}
