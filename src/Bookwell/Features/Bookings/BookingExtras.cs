using Bookwell.Data;
using Bookwell.Features.Configuration;

namespace Bookwell.Features.Bookings;

/// <summary>
/// What a new booking may need besides its time, each from the feature that owns it: the client's address located and
/// checked against the service area (<see cref="Mobile.MobileLocator"/>), a checkout session for a booking paid online
/// (<see cref="Payments.PaymentCheckout"/>), and the invoice an invoiced service issues in the booking's own transaction
/// (<see cref="Invoices.InvoiceIssuer"/>). Used by <see cref="BookingCreator"/>, <see cref="BookingDrafts"/> and the series writer.
/// </summary>
public sealed class BookingExtras(Mobile.MobileLocator locator, Payments.PaymentCheckout payments, Invoices.InvoiceIssuer invoices)
{
    /// <summary>
    /// A mobile booking's address located (pin, else the cached geocoder) and checked against the service area, once, before
    /// any time is chosen: the booking with its <see cref="ValidBooking.Place"/>, or null and the field errors (under
    /// <c>location.</c>). A booking with no address, or already located, comes back as it is.
    /// </summary>
    public async Task<(ValidBooking? Booking, Infrastructure.Errors? Errors)> LocateAsync(ValidBooking v, string language, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.LocationJson is null || v.Place is not null)
        {
            return (v, null);
        }
        var location = System.Text.Json.JsonSerializer.Deserialize<LocationInput>(v.LocationJson, Infrastructure.Json.Options)!;
        var errors = new Infrastructure.Errors();
        var place = await locator.LocateAsync(v.Page, location.Address, location.Latitude, location.Longitude, errors, language, "location.", ct);
        return errors.Any ? (null, errors) : (v with { Place = place }, null);
    }

    /// <summary>Whether this installation takes payments online (Stripe is configured).</summary>
    public bool TakesPayments => payments.Enabled;

    /// <summary>Whether the service only saves the client's card (for a no-show fee): such a booking waits for the checkout too.</summary>
    public bool SavesCardOnly(ServiceDoc service) => payments.SavesCardOnly(service);

    /// <summary>The checkout session for a booking that waits for payment, or null when the payment provider cannot be reached.</summary>
    public async Task<CheckoutSession?> OpenCheckoutAsync(Booking booking, CompiledPage page, ServiceModel service, string token, CancellationToken ct)
    {
        try
        {
            return await payments.OpenAsync(booking, page, service, token, ct);
        }
        catch (Payments.StripeUnavailableException)
        {
            return null;
        }
    }

    /// <summary>Ends a checkout session whose booking was not written.</summary>
    public Task AbandonCheckoutAsync(CheckoutSession checkout, CancellationToken ct) => payments.AbandonAsync(checkout, ct);

    /// <summary>The invoice an invoiced service issues, inside the booking's own transaction.</summary>
    public Task InvoiceAsync(BookwellDb db, Booking booking, CompiledPage page, CancellationToken ct) => invoices.AfterChangeAsync(db, booking, page, ct);
}
