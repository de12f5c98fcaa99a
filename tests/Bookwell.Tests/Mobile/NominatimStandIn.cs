using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bookwell.Tests.Mobile;

/// <summary>
/// A real HTTP server on loopback answering Nominatim's search API as its documentation describes
/// (https://nominatim.org/release-docs/latest/api/Search/): <c>GET /search?q=…&amp;format=jsonv2</c> gives a JSON array
/// of places with <c>lat</c>/<c>lon</c> as strings, <c>display_name</c>, and with <c>addressdetails=1</c> an
/// <c>address</c> object holding <c>postcode</c>; an address it does not know gives <c>[]</c>. It refuses requests
/// without a User-Agent (as the public service's policy does) and counts the questions per address.
/// </summary>
public sealed class NominatimStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (double Lat, double Lon, string Postcode)> _places = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _asked = new(StringComparer.Ordinal);

    private NominatimStandIn(WebApplication app) => _app = app;

    /// <summary>An address the stand-in answers with 503, as an overloaded service would.</summary>
    public const string Broken = "Overloaded street 1";

    public string BaseUrl { get; private set; } = "";

    public int Asked(string address) => _asked.TryGetValue(address, out var n) ? n : 0;

    public void Add(string address, double lat, double lon, string postcode) => _places[address] = (lat, lon, postcode);

    public static async Task<NominatimStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new NominatimStandIn(app);
        app.MapGet("/search", async (HttpContext c) =>
        {
            if (string.IsNullOrEmpty(c.Request.Headers.UserAgent))
            {
                c.Response.StatusCode = 403;
                return;
            }
            var q = c.Request.Query["q"].ToString();
            server._asked.AddOrUpdate(q, 1, (_, n) => n + 1);
            if (c.Request.Query["format"] != "jsonv2")
            {
                c.Response.StatusCode = 400;
                return;
            }
            if (q == Broken)
            {
                c.Response.StatusCode = 503;
                return;
            }
            c.Response.ContentType = "application/json; charset=utf-8";
            if (!server._places.TryGetValue(q, out var p))
            {
                await c.Response.WriteAsync("[]");
                return;
            }
            var place = new Dictionary<string, object>
            {
                ["place_id"] = 1234,
                ["licence"] = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
                ["osm_type"] = "way",
                ["lat"] = p.Lat.ToString("0.0######", CultureInfo.InvariantCulture),
                ["lon"] = p.Lon.ToString("0.0######", CultureInfo.InvariantCulture),
                ["category"] = "place",
                ["type"] = "house",
                ["importance"] = 0.5,
                ["display_name"] = q + ", Nederland",
                ["boundingbox"] = new[] { "52.0", "52.1", "5.0", "5.1" },
            };
            if (c.Request.Query["addressdetails"] == "1")
            {
                place["address"] = new Dictionary<string, string> { ["road"] = q, ["postcode"] = p.Postcode, ["country_code"] = "nl" };
            }
            await c.Response.WriteAsync(JsonSerializer.Serialize(new[] { place }));
        });
        await app.StartAsync();
        server.BaseUrl = app.Urls.First();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
