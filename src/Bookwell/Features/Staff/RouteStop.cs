using System.Globalization;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;

namespace Bookwell.Features.Staff;

/// <summary>
/// One visit of the mobile worker's day (issue 15): where to go, the travel time held before it, and links that open the
/// way there in a maps site or app, built from the stored coordinates (no external script on the page).
/// </summary>
/// <param name="Number">Its place in the day's route, from 1.</param>
/// <param name="Address">The address the client gave (with its details), or the coordinates when none was kept.</param>
/// <param name="TravelMinutes">The travel held before the visit: from the previous visit, or from the base for the first.</param>
/// <param name="FromBase">The travel before it starts at the base (the first visit, when the page has one).</param>
/// <param name="DirectionsUrl">OpenStreetMap directions from the previous visit (or the base), or the place on the map.</param>
/// <param name="GeoUri">A <c>geo:</c> URI (RFC 5870) that a phone opens in its maps app.</param>
public sealed record RouteStop(int Number, string Address, int TravelMinutes, bool FromBase, string DirectionsUrl, string GeoUri)
{
    /// <summary>The route of a day's agenda (sorted by start): every live booking with coordinates, in order.</summary>
    public static Dictionary<Guid, RouteStop> For(IReadOnlyList<Booking> agenda, TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(agenda);
        ArgumentNullException.ThrowIfNull(catalog);
        var route = new Dictionary<Guid, RouteStop>();
        (double Lat, double Lon)? previous = null;
        foreach (var b in agenda)
        {
            if (b.Latitude is not { } lat || b.Longitude is not { } lon || b.Status is BookingStatus.Cancelled or BookingStatus.NoShow)
            {
                continue;
            }
            var fromBase = false;
            if (previous is null && catalog.Pages.TryGetValue(b.PageSlug, out var page) && page.Doc.Settings?.Mobile is { BaseLatitude: { } bl, BaseLongitude: { } bo })
            {
                previous = (bl, bo);
                fromBase = true;
            }
            var here = $"{N(lat)},{N(lon)}";
            var directions = previous is { } from
                ? $"https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route={N(from.Lat)}%2C{N(from.Lon)}%3B{N(lat)}%2C{N(lon)}"
                : $"https://www.openstreetmap.org/?mlat={N(lat)}&mlon={N(lon)}#map=17/{N(lat)}/{N(lon)}";
            route[b.Id] = new RouteStop(route.Count + 1, AddressOf(b) ?? here, b.TravelBeforeMinutes, fromBase, directions, $"geo:{here}");
            previous = (lat, lon);
        }
        return route;
    }

    private static string N(double degrees) => degrees.ToString("0.######", CultureInfo.InvariantCulture);

    private static string? AddressOf(Booking b)
    {
        if (b.LocationJson is null)
        {
            return null;
        }
        var location = JsonSerializer.Deserialize<LocationInput>(b.LocationJson, Json.Options);
        if (string.IsNullOrWhiteSpace(location?.Address))
        {
            return null;
        }
        return string.IsNullOrWhiteSpace(location.Details) ? location.Address : $"{location.Address} ({location.Details})";
    }
}
