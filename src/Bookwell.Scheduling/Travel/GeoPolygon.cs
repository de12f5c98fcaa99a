namespace Bookwell.Scheduling.Travel;

/// <summary>
/// A service area drawn as a polygon of points (latitude, longitude), for the question "is this address inside?".
/// Edges run straight on a latitude/longitude map (not along great circles): for a city or region the difference is
/// metres. A point on an edge or on a corner counts as inside, so a client exactly on the drawn border is served.
/// </summary>
/// <remarks>
/// The antimeridian: each edge is taken the short way round (a step of more than 180° of longitude wraps), so a
/// polygon over Fiji or the Bering Strait works as drawn. The limit: a polygon that goes all the way round the earth
/// (around a pole) has no sensible inside on such a map; <see cref="WindsAroundPole"/> finds it so configuration can
/// refuse it. Pure: no I/O.
/// </remarks>
public sealed class GeoPolygon
{
    // Within this many degrees (about a centimetre) of an edge counts as on it, so rounding does not push a border
    // address out.
    private const double Epsilon = 1e-7;

    private readonly double[] _lat;
    private readonly double[] _lon;

    /// <param name="points">At least 3 corners, in order (either direction); the last joins the first.</param>
    public GeoPolygon(IReadOnlyList<GeoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 3)
        {
            throw new ArgumentException("A polygon needs at least 3 points.", nameof(points));
        }
        _lat = new double[points.Count];
        _lon = Unwrapped(points);
        for (var i = 0; i < points.Count; i++)
        {
            _lat[i] = points[i].Latitude;
        }
    }

    /// <summary>
    /// Whether the corners, each edge taken the short way round, circle the earth once (the polygon encloses a pole):
    /// such an area has no inside on a latitude/longitude map, so it is refused rather than answered wrongly.
    /// </summary>
    public static bool WindsAroundPole(IReadOnlyList<GeoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 3)
        {
            return false;
        }
        var lon = Unwrapped(points);
        var closed = lon[^1] + Step(points[^1].Longitude, points[0].Longitude);
        return Math.Abs(closed - lon[0]) > 180;
    }

    /// <summary>Whether the point lies inside or on the border.</summary>
    public bool Contains(GeoPoint point)
    {
        // The unwrapped corners may reach past ±180°; the same place is then found 360° further on.
        return ContainsPlanar(point.Latitude, point.Longitude) || ContainsPlanar(point.Latitude, point.Longitude + 360) ||
               ContainsPlanar(point.Latitude, point.Longitude - 360);
    }

    private bool ContainsPlanar(double y, double x)
    {
        var inside = false;
        var n = _lat.Length;
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            double yi = _lat[i], xi = _lon[i], yj = _lat[j], xj = _lon[j];
            if (OnSegment(y, x, yi, xi, yj, xj))
            {
                return true;
            }
            // Crossing number with half-open edges (one end counts, the other not), so a ray through a corner is
            // counted once and a horizontal edge never.
            if ((yi > y) != (yj > y))
            {
                var crossX = xi + ((y - yi) / (yj - yi) * (xj - xi));
                if (x < crossX)
                {
                    inside = !inside;
                }
            }
        }
        return inside;
    }

    private static bool OnSegment(double y, double x, double y1, double x1, double y2, double x2)
    {
        if (x < Math.Min(x1, x2) - Epsilon || x > Math.Max(x1, x2) + Epsilon || y < Math.Min(y1, y2) - Epsilon || y > Math.Max(y1, y2) + Epsilon)
        {
            return false;
        }
        var dx = x2 - x1;
        var dy = y2 - y1;
        var length = Math.Sqrt((dx * dx) + (dy * dy));
        if (length < Epsilon)
        {
            return Math.Abs(x - x1) <= Epsilon && Math.Abs(y - y1) <= Epsilon;
        }
        // Distance from the line: |cross product| / length.
        return Math.Abs((dx * (y - y1)) - (dy * (x - x1))) / length <= Epsilon;
    }

    /// <summary>Longitudes made continuous: each step from one corner to the next is the short way round.</summary>
    private static double[] Unwrapped(IReadOnlyList<GeoPoint> points)
    {
        var lon = new double[points.Count];
        lon[0] = points[0].Longitude;
        for (var i = 1; i < points.Count; i++)
        {
            lon[i] = lon[i - 1] + Step(points[i - 1].Longitude, points[i].Longitude);
        }
        return lon;
    }

    private static double Step(double from, double to)
    {
        var d = to - from;
        if (d > 180)
        {
            d -= 360;
        }
        else if (d < -180)
        {
            d += 360;
        }
        return d;
    }
}
