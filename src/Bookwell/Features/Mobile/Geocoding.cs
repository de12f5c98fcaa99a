using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Bookwell.Scheduling.Travel;

namespace Bookwell.Features.Mobile;

/// <summary>What an address came to: where it is, its postcode (when the service knows it) and the name it found.</summary>
public sealed record GeocodeResult(GeoPoint Place, string? Postcode, string? DisplayName);

/// <summary>Turns a written address into a place. Null: the service found nothing for it.</summary>
public interface IGeocoder
{
    /// <exception cref="GeocoderUnavailableException">The service could not be asked or answered with an error.</exception>
    Task<GeocodeResult?> FindAsync(string address, CancellationToken ct);
}

public sealed class GeocoderUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <c>Bookwell__Geocoding__BaseUrl</c> (a Nominatim-compatible service, e.g. https://nominatim.openstreetmap.org or
/// one's own), <c>Bookwell__Geocoding__UserAgent</c> (Nominatim's usage policy asks for one naming the application),
/// optional <c>Bookwell__Geocoding__CountryCodes</c> (ISO 3166-1 alpha-2, comma-separated) to keep results in those
/// countries. Without a base URL there is no geocoder: mobile bookings then need coordinates (a pin).
/// </summary>
public sealed record GeocodingOptions(Uri BaseUrl, string UserAgent, string? CountryCodes)
{
    public static GeocodingOptions? Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var url = config["Bookwell:Geocoding:BaseUrl"];
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }
        return new GeocodingOptions(new Uri(url.TrimEnd('/') + "/"), config["Bookwell:Geocoding:UserAgent"] ?? "Bookwell (self-hosted appointment booking)",
            config["Bookwell:Geocoding:CountryCodes"]);
    }
}

/// <summary>
/// Nominatim's search API (https://nominatim.org/release-docs/latest/api/Search/):
/// <c>GET /search?q=…&amp;format=jsonv2&amp;limit=1&amp;addressdetails=1</c> answers a JSON array of places, each with
/// <c>lat</c> and <c>lon</c> as strings, <c>display_name</c> and (with address details) <c>address.postcode</c>.
/// </summary>
public sealed class NominatimGeocoder(HttpClient http, GeocodingOptions options) : IGeocoder
{
    public async Task<GeocodeResult?> FindAsync(string address, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        var query = "search?format=jsonv2&limit=1&addressdetails=1&q=" + Uri.EscapeDataString(address) +
                    (options.CountryCodes is { Length: > 0 } cc ? "&countrycodes=" + Uri.EscapeDataString(cc) : "");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.BaseUrl, query));
        request.Headers.UserAgent.ParseAdd(options.UserAgent);
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new GeocoderUnavailableException($"The geocoder answered {(int)response.StatusCode}.");
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var json = await JsonDocument.ParseAsync(body, default, ct);
            if (json.RootElement.ValueKind != JsonValueKind.Array || json.RootElement.GetArrayLength() == 0)
            {
                return null;
            }
            var first = json.RootElement[0];
            if (!Number(first, "lat", out var lat) || !Number(first, "lon", out var lon) || lat is < -90 or > 90 || lon is < -180 or > 180)
            {
                return null;
            }
            string? postcode = first.TryGetProperty("address", out var a) && a.ValueKind == JsonValueKind.Object &&
                               a.TryGetProperty("postcode", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            string? name = first.TryGetProperty("display_name", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return new GeocodeResult(new GeoPoint(lat, lon), postcode, name);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new GeocoderUnavailableException("The geocoder could not be reached.", ex);
        }
    }

    // Nominatim writes coordinates as strings; accept numbers too.
    private static bool Number(JsonElement e, string name, out double value)
    {
        value = 0;
        if (!e.TryGetProperty(name, out var v))
        {
            return false;
        }
        return v.ValueKind switch
        {
            JsonValueKind.String => double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value),
            JsonValueKind.Number => v.TryGetDouble(out value) && double.IsFinite(value),
            _ => false,
        };
    }
}

/// <summary>
/// Remembers answers per address (spaces collapsed, case ignored): found places for a week, "nothing found" for an
/// hour; errors are not remembered. Clients ask for slots and then book with the same address, and the public
/// Nominatim allows one request a second, so this keeps most questions off the wire. At most 10,000 addresses; a full
/// cache starts over.
/// </summary>
public sealed class CachingGeocoder(IGeocoder inner, TimeProvider time) : IGeocoder
{
    private const int MaxEntries = 10_000;
    private static readonly TimeSpan Found = TimeSpan.FromDays(7);
    private static readonly TimeSpan NotFound = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, (GeocodeResult? Result, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public async Task<GeocodeResult?> FindAsync(string address, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = string.Join(' ', address.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return hit.Result;
        }
        var result = await inner.FindAsync(address, ct);
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }
        _cache[key] = (result, now + (result is null ? NotFound : Found));
        return result;
    }
}
