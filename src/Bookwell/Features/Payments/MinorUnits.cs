namespace Bookwell.Features.Payments;

/// <summary>ISO 4217 minor units: how many decimals a currency has, as Stripe counts amounts.</summary>
public static class MinorUnits
{
    private static readonly HashSet<string> None = new(StringComparer.Ordinal)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> Three = new(StringComparer.Ordinal) { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

    public static int Exponent(string currency) => None.Contains(currency) ? 0 : Three.Contains(currency) ? 3 : 2;

    /// <summary>The amount in the currency's smallest unit, rounded half to even where it had more decimals.</summary>
    public static long ToMinor(decimal amount, string currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        var scaled = amount * Pow10(Exponent(currency));
        return (long)Math.Round(scaled, 0, MidpointRounding.ToEven);
    }

    public static decimal FromMinor(long minor, string currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        return minor / Pow10(Exponent(currency));
    }

    /// <summary>The amount rounded to what the currency can hold.</summary>
    public static decimal Round(decimal amount, string currency) => Math.Round(amount, Exponent(currency), MidpointRounding.ToEven);

    private static decimal Pow10(int exponent) => exponent switch { 0 => 1m, 3 => 1000m, _ => 100m };
}
