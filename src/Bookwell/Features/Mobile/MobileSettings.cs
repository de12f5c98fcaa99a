using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Travel;
using NodaTime;

namespace Bookwell.Features.Mobile;

/// <summary>
/// Additive (issue 15): where a business that comes to its clients works, and how travel between clients is counted.
/// The service area is a radius around the base, a polygon, a list of postcodes (a listed code matches any postcode that
/// starts with it once spaces are removed, so "3511" covers "3511 AB"), or several of them (an address must then satisfy each).
/// </summary>
public sealed class MobileDoc
{
    public double? BaseLatitude { get; set; }
    public double? BaseLongitude { get; set; }
    public double? RadiusKm { get; set; }
    public List<string>? Postcodes { get; set; }
    /// <summary>The service area drawn as corners, each <c>[latitude, longitude]</c> (3 to <see cref="MobileServices.MaxPolygonPoints"/>);
    /// the last joins the first. A point on the border is inside (see <see cref="GeoPolygon"/>).</summary>
    public List<List<double>?>? Polygon { get; set; }
    /// <summary>Resource types that are vehicles: a resource of such a type drives to the client with a mobile booking, so
    /// travel between its consecutive bookings is kept free on it as on a staff member (a van shared by two technicians).
    /// A service may need at most one of them.</summary>
    public List<string>? VehicleTypes { get; set; }
    /// <summary>Straight-line speed used for travel time (default 40 km/h).</summary>
    public double? SpeedKmh { get; set; }
    /// <summary>Fixed minutes added to every trip (default 10).</summary>
    public int? MarginMinutes { get; set; }
}

/// <summary>Which services come to the client, and the rules that follow from it.</summary>
public static class MobileServices
{
    public static readonly string[] ServiceModes = ["onsite", "mobile", "choice"];

    /// <summary>Most corners a service-area polygon may have: enough for a hand-drawn region, little to check per request.</summary>
    public const int MaxPolygonPoints = 500;

    public static void Validate(Errors e, string path, PageDoc page)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(page);
        var m = page.Settings?.Mobile;
        if (m is not null)
        {
            var mp = $"{path}.settings.mobile";
            if (m.BaseLatitude is not null != m.BaseLongitude is not null)
            {
                e.Add(mp, "Give both baseLatitude and baseLongitude, or neither.");
            }
            if (m.BaseLatitude is < -90 or > 90 || m.BaseLatitude is double.NaN)
            {
                e.Add($"{mp}.baseLatitude", "Must be between -90 and 90.");
            }
            if (m.BaseLongitude is < -180 or > 180 || m.BaseLongitude is double.NaN)
            {
                e.Add($"{mp}.baseLongitude", "Must be between -180 and 180.");
            }
            if (m.RadiusKm is not null)
            {
                if (m.RadiusKm is not (> 0 and <= 1000))
                {
                    e.Add($"{mp}.radiusKm", "Must be above 0 and at most 1000.");
                }
                if (m.BaseLatitude is null)
                {
                    e.Add($"{mp}.radiusKm", "A radius needs the base (baseLatitude and baseLongitude).");
                }
            }
            if (m.SpeedKmh is not null && m.SpeedKmh is not (>= 1 and <= 300))
            {
                e.Add($"{mp}.speedKmh", "Must be between 1 and 300.");
            }
            if (m.MarginMinutes is < 0 or > 240)
            {
                e.Add($"{mp}.marginMinutes", "Must be between 0 and 240.");
            }
            ValidatePolygon(e, $"{mp}.polygon", m.Polygon);
            for (var i = 0; i < (m.VehicleTypes?.Count ?? 0); i++)
            {
                if (string.IsNullOrWhiteSpace(m.VehicleTypes![i]) || m.VehicleTypes[i].Length > 100)
                {
                    e.Add($"{mp}.vehicleTypes[{i}]", "Must be a resource type of at most 100 characters.");
                }
            }
            for (var i = 0; i < (page.Services?.Count ?? 0); i++)
            {
                // One vehicle per booking: its travel legs are kept on the booking as one pair.
                if (page.Services![i]?.ResourceTypes is { } types && m.VehicleTypes is { } vehicles && types.Count(vehicles.Contains) > 1)
                {
                    e.Add($"{path}.services[{i}].resourceTypes", "A service may need at most one vehicle type (settings.mobile.vehicleTypes).");
                }
            }
            for (var i = 0; i < (m.Postcodes?.Count ?? 0); i++)
            {
                if (string.IsNullOrWhiteSpace(m.Postcodes![i]) || m.Postcodes[i].Length > 20)
                {
                    e.Add($"{mp}.postcodes[{i}]", "Must be a postcode (or its start) of at most 20 characters.");
                }
            }
        }
        for (var i = 0; i < (page.Services?.Count ?? 0); i++)
        {
            if (page.Services![i]?.LocationMode is { } mode && !ServiceModes.Contains(mode))
            {
                e.Add($"{path}.services[{i}].locationMode", $"Must be one of: {string.Join(", ", ServiceModes)}.");
            }
        }
    }

    private static void ValidatePolygon(Errors e, string path, List<List<double>?>? polygon)
    {
        if (polygon is null)
        {
            return;
        }
        if (polygon.Count < 3)
        {
            e.Add(path, "Give at least 3 points, each [latitude, longitude].");
            return;
        }
        if (polygon.Count > MaxPolygonPoints)
        {
            e.Add(path, $"At most {MaxPolygonPoints} points.");
            return;
        }
        var fine = true;
        for (var i = 0; i < polygon.Count; i++)
        {
            var point = polygon[i];
            if (point is not { Count: 2 })
            {
                e.Add($"{path}[{i}]", "Must be [latitude, longitude].");
                fine = false;
                continue;
            }
            if (point[0] is not (>= -90 and <= 90))
            {
                e.Add($"{path}[{i}][0]", "The latitude must be between -90 and 90.");
                fine = false;
            }
            if (point[1] is not (>= -180 and <= 180))
            {
                e.Add($"{path}[{i}][1]", "The longitude must be between -180 and 180.");
                fine = false;
            }
        }
        if (fine && GeoPolygon.WindsAroundPole(Points(polygon)))
        {
            e.Add(path, "The area may not go all the way round the earth (around a pole); draw it without the pole.");
        }
    }

    private static GeoPoint[] Points(List<List<double>?> polygon) => [.. polygon.Select(p => new GeoPoint(p![0], p[1]))];

    /// <summary>The service's mode: its own, else the page's (a page whose location mode is <c>mobile</c> comes to every client).</summary>
    public static string ModeOf(CompiledPage page, ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        return service.Doc.LocationMode ?? (page.Doc.Location?.Mode == "mobile" ? "mobile" : "onsite");
    }

    /// <summary>Whether a booking of this service happens at the client's address: always for mobile, on request for choice.</summary>
    public static bool AtClient(CompiledPage page, ServiceModel service, string? requested) => ModeOf(page, service) switch
    {
        "mobile" => true,
        "choice" => requested == "mobile",
        _ => false,
    };

    /// <summary>
    /// Whether times wait for the address: a service marked <c>mobile</c>, or any service at the client's address on a page
    /// with mobile settings. A page-wide mobile location without them keeps its earlier flow (address with the details).
    /// </summary>
    public static bool AddressFirst(CompiledPage page, ServiceModel service) =>
        service?.Doc.LocationMode == "mobile" || (ModeOf(page, service!) == "mobile" && page?.Doc.Settings?.Mobile is not null);

    /// <summary>Whether resources of this type drive to the client (<see cref="MobileDoc.VehicleTypes"/>).</summary>
    public static bool IsVehicle(CompiledPage page, string? type)
    {
        ArgumentNullException.ThrowIfNull(page);
        return type is not null && page.Doc.Settings?.Mobile?.VehicleTypes is { } vehicles && vehicles.Contains(type);
    }

    /// <summary>How travel is counted on this page (defaults 40 km/h and 10 minutes).</summary>
    public static TravelRule Rule(CompiledPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var m = page.Doc.Settings?.Mobile;
        return new TravelRule(m?.SpeedKmh ?? 40, Duration.FromMinutes(m?.MarginMinutes ?? 10), page.MaxLeg);
    }

    /// <summary>No travel leg is planned longer than this, whatever the service areas allow: a drive of half a day.</summary>
    public static readonly Duration LegCap = Duration.FromHours(12);

    /// <summary>
    /// The longest travel leg any mobile booking of the business may hold, or null when no page comes to its clients.
    /// Stops of every page count as neighbours (a staff member or van serves several pages), so the bound covers the
    /// union of the pages' areas: the farthest two points of it (a radius counts as its base widened by the radius, a
    /// polygon as its corners and the base), at the slowest page's speed with the largest margin. A page without an area
    /// gives no such bound: then <see cref="LegCap"/>. Never more than half of <paramref name="room"/> (what the longest
    /// service with its buffers leaves of the longest allocation the database checks), so an allocation with both legs
    /// stays within it. The engine refuses longer legs (<see cref="TravelRule.MaxLeg"/>): legs to a stop made under an
    /// older, wider area cannot outgrow the bound either.
    /// </summary>
    public static Duration? LongestLeg(IEnumerable<PageDoc> pages, Duration room)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var anchors = new List<(GeoPoint Point, double RadiusKm)>();
        var bounded = true;
        var any = false;
        var speed = double.MaxValue;
        var margin = 0;
        foreach (var page in pages)
        {
            var pageMobile = page.Location?.Mode == "mobile";
            if (page.Services is null || !page.Services.Exists(s => (s.LocationMode ?? (pageMobile ? "mobile" : "onsite")) != "onsite"))
            {
                continue;
            }
            any = true;
            var m = page.Settings?.Mobile;
            speed = Math.Min(speed, m?.SpeedKmh ?? 40);
            margin = Math.Max(margin, m?.MarginMinutes ?? 10);
            GeoPoint? home = m?.BaseLatitude is { } lat && m.BaseLongitude is { } lon ? new GeoPoint(lat, lon) : null;
            if (m?.RadiusKm is { } radius && home is { } centre)
            {
                anchors.Add((centre, radius));
            }
            else if (m?.Polygon is { Count: >= 3 } polygon)
            {
                anchors.AddRange(polygon.Select(p => (new GeoPoint(p![0], p[1]), 0d)));
                if (home is { } b)
                {
                    anchors.Add((b, 0));
                }
            }
            else
            {
                bounded = false;
            }
        }
        if (!any)
        {
            return null;
        }
        var leg = LegCap;
        if (bounded)
        {
            var farthest = 0d;
            for (var i = 0; i < anchors.Count; i++)
            {
                for (var j = i; j < anchors.Count; j++)
                {
                    farthest = Math.Max(farthest, anchors[i].Point.KilometresTo(anchors[j].Point) + anchors[i].RadiusKm + anchors[j].RadiusKm);
                }
            }
            // A polygon's farthest points are its corners on a plane; the 1 % and the minute cover the earth's curve and rounding.
            leg = Duration.Min(leg, Duration.FromMinutes(Math.Ceiling(farthest * 1.01 / speed * 60) + 1 + margin));
        }
        return Duration.Max(Duration.Zero, Duration.Min(leg, room / 2));
    }

    /// <summary>
    /// The engine's question for a booking at <paramref name="place"/> (null without one): the travel rule, and with a base
    /// on the page, the base and the page's zone, so the first visit of a local day is reached from the base.
    /// </summary>
    public static Trip? TripTo(CompiledPage page, GeoPoint? place)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (place is not { } at)
        {
            return null;
        }
        var m = page.Doc.Settings?.Mobile;
        return m?.BaseLatitude is { } lat && m.BaseLongitude is { } lon
            ? new Trip(at, Rule(page), new GeoPoint(lat, lon), page.Zone)
            : new Trip(at, Rule(page));
    }

    /// <summary>Null when the place is inside the area (or the page sets none); otherwise the reason, in English.</summary>
    public static string? OutsideArea(CompiledPage page, GeoPoint place, string? postcode)
    {
        ArgumentNullException.ThrowIfNull(page);
        var m = page.Doc.Settings?.Mobile;
        if (m is null)
        {
            return null;
        }
        if (OutsideRadius(page, place) || OutsidePolygon(page, place))
        {
            return "This address is outside our service area.";
        }
        if (m.Postcodes is { Count: > 0 } codes)
        {
            var code = Normalise(postcode);
            if (code.Length == 0 || !codes.Exists(c => code.StartsWith(Normalise(c), StringComparison.Ordinal)))
            {
                return "This address is outside our service area.";
            }
        }
        return null;
    }

    /// <summary>Whether the place lies beyond the page's radius from its base (false when the page sets none).</summary>
    public static bool OutsideRadius(CompiledPage page, GeoPoint place)
    {
        ArgumentNullException.ThrowIfNull(page);
        var m = page.Doc.Settings?.Mobile;
        return m?.RadiusKm is { } radius && m.BaseLatitude is { } lat && m.BaseLongitude is { } lon && new GeoPoint(lat, lon).KilometresTo(place) > radius;
    }

    /// <summary>Whether the page draws its area as a polygon and the place lies outside it (on the border is inside).</summary>
    public static bool OutsidePolygon(CompiledPage page, GeoPoint place)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.Doc.Settings?.Mobile?.Polygon is { Count: >= 3 } polygon && !new GeoPolygon(Points(polygon)).Contains(place);
    }

    private static string Normalise(string? postcode) =>
        postcode is null ? "" : string.Concat(postcode.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();
}
