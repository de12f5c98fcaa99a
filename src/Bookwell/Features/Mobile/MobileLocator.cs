using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Travel;

namespace Bookwell.Features.Mobile;

/// <summary>
/// Where a mobile booking happens: the client's pin (latitude and longitude) when given, else the geocoded address;
/// then the page's service area decides. Field errors name <c>{prefix}address</c> (or the coordinates) in the
/// requested language.
/// </summary>
public sealed class MobileLocator(IGeocoder? geocoder = null)
{
    public bool CanGeocode => geocoder is not null;

    /// <summary>The place, or null with errors added (or null without errors when nothing asks for a place: no
    /// geocoder, no pin and no mobile settings on the page, so bookings work as before).</summary>
    public async Task<GeoPoint?> LocateAsync(CompiledPage page, string? address, double? latitude, double? longitude, Errors e, string language,
        string prefix, CancellationToken ct) =>
        (await LocateWithPostcodeAsync(page, address, latitude, longitude, e, language, prefix, false, ct)).Place;

    /// <summary>
    /// As <see cref="LocateAsync"/>, also answering the postcode the geocoder gave (null when it gave none or was not asked).
    /// With <paramref name="wantPostcode"/> the geocoder is asked for it even when a pin is given and the page lists no
    /// postcodes (yet): a waitlist entry keeps it, so an offer can check it against the service area as it is then.
    /// </summary>
    public async Task<(GeoPoint? Place, string? Postcode)> LocateWithPostcodeAsync(CompiledPage page, string? address, double? latitude,
        double? longitude, Errors e, string language, string prefix, bool wantPostcode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(e);
        string M(string english) => BookingRuleText.Words.FormatIn(language, System.Globalization.CultureInfo.InvariantCulture, english, []);
        var settings = page.Doc.Settings?.Mobile;
        GeoPoint? place = latitude is { } la && longitude is { } lo ? new GeoPoint(la, lo) : null;
        string? postcode = null;
        var needPostcode = wantPostcode || settings?.Postcodes is { Count: > 0 };
        if ((place is null || needPostcode) && geocoder is not null && !string.IsNullOrWhiteSpace(address))
        {
            try
            {
                var found = await geocoder.FindAsync(address.Trim(), ct);
                if (found is null && place is null && settings is not null)
                {
                    e.Add(prefix + "address", M("We could not find this address. Check it, or give its latitude and longitude."));
                    return (null, null);
                }
                place ??= found?.Place;
                postcode = found?.Postcode;
            }
            catch (GeocoderUnavailableException)
            {
                if (place is null && settings is not null)
                {
                    e.Add(prefix + "address", M("We cannot look up addresses right now. Try again shortly, or give its latitude and longitude."));
                    return (null, null);
                }
            }
        }
        if (place is null)
        {
            if (settings is not null)
            {
                e.Add(prefix + "address", string.IsNullOrWhiteSpace(address)
                    ? M("Required: where we should come to.")
                    : M("We could not find this address. Check it, or give its latitude and longitude."));
            }
            return (null, null);
        }
        if (MobileServices.OutsideArea(page, place.Value, postcode) is { } outside)
        {
            e.Add(prefix + "address", M(outside));
            return (null, null);
        }
        return (place, postcode);
    }
}
