using Bookwell.Scheduling.Travel;
using FsCheck.Xunit;

namespace Bookwell.Scheduling.Tests.Travel;

/// <summary>Issue 15: a service area drawn as a polygon. Points are (latitude, longitude).</summary>
public class GeoPolygonTests
{
    private static GeoPolygon Polygon(params (double Lat, double Lon)[] corners) => new([.. corners.Select(c => new GeoPoint(c.Lat, c.Lon))]);

    private static GeoPolygon Reversed(params (double Lat, double Lon)[] corners) => Polygon([.. corners.Reverse()]);

    // A U open to the north: two arms (lon 0–1 and 2–3) joined at the bottom (lat 0–1); the notch is lat 1–3, lon 1–2.
    private static readonly (double, double)[] U = [(0, 0), (0, 3), (3, 3), (3, 2), (1, 2), (1, 1), (3, 1), (3, 0)];

    [Fact]
    public void A_concave_area_leaves_its_notch_out_whichever_way_it_is_drawn()
    {
        foreach (var u in new[] { Polygon(U), Reversed(U) })
        {
            Assert.True(u.Contains(new GeoPoint(2, 0.5)));   // left arm
            Assert.True(u.Contains(new GeoPoint(2, 2.5)));   // right arm
            Assert.True(u.Contains(new GeoPoint(0.5, 1.5))); // the bottom, under the notch
            Assert.False(u.Contains(new GeoPoint(2, 1.5)));  // in the notch
            Assert.False(u.Contains(new GeoPoint(2, 3.5)));  // beside it
            Assert.False(u.Contains(new GeoPoint(-0.5, 1.5)));
        }
    }

    [Fact]
    public void Points_on_an_edge_or_a_corner_are_inside()
    {
        var u = Polygon(U);
        Assert.True(u.Contains(new GeoPoint(0, 1.5)));   // bottom edge
        Assert.True(u.Contains(new GeoPoint(2, 1)));     // the notch's left wall
        Assert.True(u.Contains(new GeoPoint(1, 1.5)));   // the notch's floor
        Assert.True(u.Contains(new GeoPoint(3, 3)));     // outer corner
        Assert.True(u.Contains(new GeoPoint(1, 2)));     // inner (reflex) corner
        Assert.True(u.Contains(new GeoPoint(3, 0)));     // corner joining the last edge to the first
        // Just beyond the border is not.
        Assert.False(u.Contains(new GeoPoint(2, 1.001)));
        Assert.False(u.Contains(new GeoPoint(3.001, 3)));
    }

    [Fact]
    public void A_ray_through_a_corner_or_along_an_edge_is_counted_once()
    {
        // A diamond: corners at latitude 1 sit level with the test points, the classic trap for crossing counts.
        var diamond = Polygon((0, 1), (1, 2), (2, 1), (1, 0));
        Assert.True(diamond.Contains(new GeoPoint(1, 1)));
        Assert.False(diamond.Contains(new GeoPoint(1, -1)));
        Assert.False(diamond.Contains(new GeoPoint(1, 3)));
        // Level with the U's top edges (latitude 3) but outside: to the left, in the notch's mouth, to the right.
        var u = Polygon(U);
        Assert.False(u.Contains(new GeoPoint(3, -1)));
        Assert.True(u.Contains(new GeoPoint(3, 0.5)));   // on the left arm's top edge
        Assert.False(u.Contains(new GeoPoint(3, 1.5)));
        Assert.False(u.Contains(new GeoPoint(3, 4)));
        // Level with the notch floor (latitude 1), left of everything.
        Assert.False(u.Contains(new GeoPoint(1, -0.5)));
    }

    [Fact]
    public void An_area_across_the_antimeridian_takes_each_edge_the_short_way_round()
    {
        // Fiji-ish: longitude 178 east to 178 west.
        var fiji = Polygon((-19, 178), (-19, -178), (-16, -178), (-16, 178));
        Assert.True(fiji.Contains(new GeoPoint(-17, 179.5)));
        Assert.True(fiji.Contains(new GeoPoint(-17, -179.5)));
        Assert.True(fiji.Contains(new GeoPoint(-17, 180)));
        Assert.True(fiji.Contains(new GeoPoint(-17, -180)));
        Assert.False(fiji.Contains(new GeoPoint(-17, 0)));
        Assert.False(fiji.Contains(new GeoPoint(-17, 177)));
        Assert.False(fiji.Contains(new GeoPoint(-17, -177)));
        Assert.False(GeoPolygon.WindsAroundPole([new(-19, 178), new(-19, -178), new(-16, -178), new(-16, 178)]));
    }

    [Fact]
    public void An_area_around_a_pole_is_recognised_so_it_can_be_refused()
    {
        Assert.True(GeoPolygon.WindsAroundPole([new(80, 0), new(80, 90), new(80, 180), new(80, -90)]));
        Assert.False(GeoPolygon.WindsAroundPole([.. U.Select(c => new GeoPoint(c.Item1, c.Item2))]));
        Assert.Throws<ArgumentException>(() => Polygon((0, 0), (1, 1)));
    }

    /// <summary>
    /// Random rectangles (possibly across the antimeridian), random corner order and direction, random points: inside
    /// exactly when the point's latitude and its longitude (measured eastward from the west side) fall within the sides.
    /// </summary>
    [Property(MaxTest = 500)]
    public bool A_rectangle_contains_exactly_what_lies_between_its_sides(int seed)
    {
        var rng = new Random(seed);
        var south = Math.Round((rng.NextDouble() * 160) - 80, 3);
        var north = south + Math.Round(0.01 + (rng.NextDouble() * 9), 3);
        var west = Math.Round((rng.NextDouble() * 360) - 180, 3);
        var width = Math.Round(0.01 + (rng.NextDouble() * 20), 3);
        static double Wrap(double lon) => lon > 180 ? lon - 360 : lon;
        var east = Wrap(west + width);
        var corners = new List<GeoPoint> { new(south, west), new(south, east), new(north, east), new(north, west) };
        var shift = rng.Next(4);
        corners = [.. corners.Skip(shift), .. corners.Take(shift)];
        if (rng.Next(2) == 0)
        {
            corners.Reverse();
        }
        var polygon = new GeoPolygon(corners);
        for (var i = 0; i < 50; i++)
        {
            // Points near the rectangle, so both answers come up often; kept off the border by a margin.
            var lat = south - 1 + (rng.NextDouble() * (north - south + 2));
            var raw = west - 1 + (rng.NextDouble() * (width + 2));
            var lon = ((((raw + 180) % 360) + 360) % 360) - 180;
            var eastward = (((lon - west) % 360) + 360) % 360;
            var nearBorder = Math.Abs(lat - south) < 1e-4 || Math.Abs(lat - north) < 1e-4 || eastward < 1e-4 || Math.Abs(eastward - width) < 1e-4 ||
                             Math.Abs(eastward - 360) < 1e-4;
            if (nearBorder)
            {
                continue;
            }
            var expected = lat > south && lat < north && eastward < width;
            if (polygon.Contains(new GeoPoint(lat, lon)) != expected)
            {
                return false;
            }
        }
        return true;
    }
}
