using Bookwell.Infrastructure;

namespace Bookwell.Features.Payments;

/// <summary>The payment words on the booking and manage pages.</summary>
public static class PaymentText
{
    public static readonly TextSet Words = new("payments",
        new Dictionary<string, string>
        {
            ["payment"] = "Payment",
            ["deposit"] = "deposit",
            ["due-now"] = "To pay now",
            ["due-now-deposit"] = "To pay now (deposit)",
            ["due-later"] = "To pay at the appointment",
            ["paid"] = "Paid",
            ["paid-amount"] = "Paid: {0}",
            ["deposit-paid"] = "Deposit paid: {0}. Still to pay at the appointment: {1}.",
            ["part-paid"] = "Paid online: {0}. Still to pay at the appointment: {1}.",
            ["deposit-paid-invoiced"] = "Deposit paid: {0}. The rest, {1}, is invoiced.",
            ["part-paid-invoiced"] = "Paid online: {0}. The rest, {1}, is invoiced.",
            ["due-invoiced"] = "Invoiced",
            ["waiting"] = "Waiting for payment",
            ["waiting-until"] = "Your time is held until {0}. Pay before then to confirm the booking.",
            ["pay-button"] = "Pay {0}",
            ["waiting-card"] = "Waiting for your card details: nothing is charged now.",
            ["waiting-card-until"] = "Your time is held until {0}. Add your card before then to confirm the booking.",
            ["card-button"] = "Add your card",
            ["card-saved"] = "Card saved. Nothing has been charged.",
            ["due-later-amount"] = "To pay at the appointment: {0}",
            ["not-paid"] = "Not paid: the time was released.",
            ["refunded"] = "Refunded",
            ["unavailable"] = "Payments cannot be taken right now, so nothing was booked. Please try again in a minute.",
            ["refund-due"] = "Your payment arrived after the time was given to someone else. The business will refund {0}.",
        },
        new Dictionary<string, string>
        {
            ["payment"] = "Betaling",
            ["deposit"] = "aanbetaling",
            ["due-now"] = "Nu te betalen",
            ["due-now-deposit"] = "Nu te betalen (aanbetaling)",
            ["due-later"] = "Te betalen bij de afspraak",
            ["paid"] = "Betaald",
            ["paid-amount"] = "Betaald: {0}",
            ["deposit-paid"] = "Aanbetaling betaald: {0}. Nog te betalen bij de afspraak: {1}.",
            ["part-paid"] = "Online betaald: {0}. Nog te betalen bij de afspraak: {1}.",
            ["deposit-paid-invoiced"] = "Aanbetaling betaald: {0}. De rest, {1}, wordt gefactureerd.",
            ["part-paid-invoiced"] = "Online betaald: {0}. De rest, {1}, wordt gefactureerd.",
            ["due-invoiced"] = "Gefactureerd",
            ["waiting"] = "Wacht op betaling",
            ["waiting-until"] = "Je tijd wordt vastgehouden tot {0}. Betaal voor die tijd om de afspraak te bevestigen.",
            ["pay-button"] = "Betaal {0}",
            ["waiting-card"] = "Wacht op je kaartgegevens: er wordt nu niets afgeschreven.",
            ["waiting-card-until"] = "Je tijd wordt vastgehouden tot {0}. Voeg voor die tijd je kaart toe om de afspraak te bevestigen.",
            ["card-button"] = "Kaart toevoegen",
            ["card-saved"] = "Kaart opgeslagen. Er is niets afgeschreven.",
            ["due-later-amount"] = "Te betalen bij de afspraak: {0}",
            ["not-paid"] = "Niet betaald: de tijd is vrijgegeven.",
            ["refunded"] = "Terugbetaald",
            ["unavailable"] = "Betalen lukt op dit moment niet, dus er is niets geboekt. Probeer het over een minuut opnieuw.",
            ["refund-due"] = "Je betaling kwam binnen nadat de tijd aan iemand anders was gegeven. Het bedrijf betaalt {0} terug.",
        });

    /// <summary>An amount in the visitor's number format with the currency's own symbol and decimals.</summary>
    public static string Format(decimal amount, string currency)
    {
        var format = BookingPage.Money.Culture(currency);
        format.CurrencyDecimalDigits = MinorUnits.Exponent(currency);
        return amount.ToString("C", format);
    }

    public static string Format(MoneyView money)
    {
        ArgumentNullException.ThrowIfNull(money);
        return Format(money.Amount, money.Currency);
    }
}
