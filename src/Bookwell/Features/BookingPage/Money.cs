using System.Globalization;

namespace Bookwell.Features.BookingPage;

public static class Money
{
    /// <summary>The visitor's number format with the price's own currency symbol.</summary>
    public static NumberFormatInfo Culture(string currency)
    {
        var format = (NumberFormatInfo)CultureInfo.CurrentCulture.NumberFormat.Clone();
        format.CurrencySymbol = currency switch { "EUR" => "€", "USD" => "$", "GBP" => "£", _ => currency + " " };
        return format;
    }
}
