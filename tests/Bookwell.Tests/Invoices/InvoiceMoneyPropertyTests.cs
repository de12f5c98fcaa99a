using Bookwell.Features.Invoices;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// Invoice money as a property: random currencies (0, 2 and 3 minor units), quantities, prices (discounts too), tax
/// rates and tax-inclusive or -exclusive prices, from a fixed seed so a failure repeats. The invariants are checked
/// against exact arithmetic, never against the rounded values the code produced.
/// </summary>
public sealed class InvoiceMoneyPropertyTests
{
    private static readonly string[] Currencies = ["JPY", "KRW", "EUR", "USD", "GBP", "BHD", "KWD", "TND"];
    private static readonly decimal[] Rates = [0m, 5m, 5.5m, 6m, 7.7m, 9m, 10m, 12.5m, 19m, 20m, 21m, 25m];

    [Fact]
    public void RandomInvoices_AddUp_FitTheCurrency_AndTaxIsWithinHalfAMinorUnit()
    {
        var random = new Random(20261203);
        var cases = 0;
        var roundedTax = 0;
        var byUnits = new int[4];
        for (var n = 0; n < 20_000; n++)
        {
            var currency = Currencies[random.Next(Currencies.Length)];
            var units = InvoiceMoney.MinorUnits(currency);
            byUnits[units]++;
            var minor = Pow10(units);
            var inclusive = random.Next(2) == 0;
            var lines = new List<(decimal Total, decimal Tax)>();
            for (var l = random.Next(1, 7); l > 0; l--)
            {
                // Whole quantities mostly, sometimes halves and quarters (hours, kilos).
                var quantity = random.Next(4) == 0 ? random.Next(1, 40) / 4m : random.Next(1, 10);
                // A price in the currency's own units, up to 10,000 (major); one line in ten a discount.
                var price = random.Next(0, 1_000_000) / (decimal)minor;
                if (random.Next(10) == 0)
                {
                    price = -price;
                }
                var rate = random.Next(5) == 0 ? random.Next(0, 3001) / 100m : Rates[random.Next(Rates.Length)];
                var (total, tax) = InvoiceMoney.Line(quantity, price, rate, currency, inclusive);
                cases++;

                Assert.True(InvoiceMoney.Fits(total, currency), $"total {total} {currency}");
                Assert.True(InvoiceMoney.Fits(tax, currency), $"tax {tax} {currency}");
                var half = 0.5m / minor;
                var exactAmount = quantity * price;
                decimal exactTax;
                if (inclusive)
                {
                    // The client pays what was quoted, to the unit; the tax is the part of it above the net.
                    Assert.True(Math.Abs(total - exactAmount) <= half, $"incl total {total} vs {exactAmount}");
                    exactTax = total * rate / (100m + rate);
                }
                else
                {
                    var net = total - tax;
                    Assert.True(Math.Abs(net - exactAmount) <= half, $"excl net {net} vs {exactAmount}");
                    exactTax = net * rate / 100m;
                }
                Assert.True(Math.Abs(tax - exactTax) <= half, $"tax {tax} vs exact {exactTax} ({quantity} x {price} {currency} at {rate}%, incl {inclusive})");
                if (exactTax != decimal.Round(exactTax, units))
                {
                    roundedTax++;
                }
                lines.Add((total, tax));
            }
            // The invoice's sums: what the issuer stores, computed here from the lines alone.
            var invoiceTotal = lines.Sum(l => l.Total);
            var taxTotal = lines.Sum(l => l.Tax);
            var subtotal = lines.Sum(l => l.Total - l.Tax);
            Assert.Equal(invoiceTotal, subtotal + taxTotal);
            Assert.True(InvoiceMoney.Fits(invoiceTotal, currency) && InvoiceMoney.Fits(subtotal, currency));
            var byRate = InvoiceMoney.ByRate(lines.Select((l, i) => new InvoiceLine { Description = "", Total = l.Total, Tax = l.Tax, TaxRate = i % 3 }));
            Assert.Equal(invoiceTotal, byRate.Sum(r => r.Net + r.Tax));
        }
        // Most cases test rounding for real: the exact tax had more decimals than the currency has.
        Assert.True(roundedTax > cases / 2, $"only {roundedTax} of {cases} lines needed rounding");
        Assert.All(new[] { 0, 2, 3 }, u => Assert.True(byUnits[u] > 2_000, $"{byUnits[u]} invoices with {u} minor units"));
    }

    [Theory]
    // Half to even at the currency's units, both ways of entering prices.
    [InlineData(1, 100, 21, "EUR", false, 121.00, 21.00)]
    [InlineData(1, 0.10, 25, "EUR", false, 0.12, 0.02)]   // 0.025 → 0.02 (even)
    [InlineData(1, 0.30, 25, "EUR", false, 0.38, 0.08)]   // 0.075 → 0.08 (even)
    [InlineData(1, 1000, 10, "JPY", false, 1100, 100)]
    [InlineData(1, 15, 10, "JPY", false, 17, 2)]           // 1.5 → 2 (even)
    [InlineData(1, 25, 10, "JPY", false, 27, 2)]           // 2.5 → 2 (even)
    [InlineData(1, 1.005, 10, "BHD", false, 1.105, 0.100)] // 0.1005 → 0.100 (even)
    [InlineData(1, 121, 21, "EUR", true, 121.00, 21.00)]
    [InlineData(3, 10, 9, "EUR", true, 30.00, 2.48)]       // 30 − 27.52
    public void Line_KnownCases(decimal quantity, decimal price, decimal rate, string currency, bool inclusive, decimal total, decimal tax)
    {
        Assert.Equal((total, tax), InvoiceMoney.Line(quantity, price, rate, currency, inclusive));
    }

    private static long Pow10(int n) => n switch { 0 => 1, 2 => 100, 3 => 1000, _ => throw new ArgumentOutOfRangeException(nameof(n)) };
}
