using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Mobile;

/// <summary>
/// Issue 15, mobile services on the server-rendered pages (both databases): the admin's new booking form asks for the
/// address per service and checks it on the server, and the staff day shows the route with travel and map links.
/// </summary>
public abstract class MobilePagesTests(MobilePagesTests.Shared shared)
{
    /// <summary>Tuesday 2 March 2027, 07:00 in Amsterdam: the day the tests book.</summary>
    public static readonly Instant Morning = Instant.FromUtc(2027, 3, 2, 6, 0);

    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public NominatimStandIn Geocoder { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Geocoder = await NominatimStandIn.StartAsync();
            Geocoder.Add("Oudegracht 1, Utrecht", 52.09, 5.12, "3511 AB");
            Geocoder.Add("Dorpsstraat 3, Hilversum", 52.36, 5.12, "1211 AA");
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:Geocoding:BaseUrl"] = Geocoder.BaseUrl;
                s["Bookwell:Geocoding:UserAgent"] = "Bookwell tests";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
            }, Morning);
            var config = MobileServiceTests.Config();
            var page = config["pages"]![0]!;
            page["services"]!.AsArray().Add(JsonNode.Parse("""
                { "key": "advice", "name": "Advice at the workshop", "durationMinutes": 30, "payment": "none", "requiresStaff": true,
                  "resourceTypes": [], "capacity": 1, "locationMode": "onsite" }
                """));
            page["staff"]![0]!["services"]!.AsArray().Add("advice");
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), config)).StatusCode);
            Owner = WebSession.For(App);
            await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@fixit.test"), ("Password", Accounts.AccountTests.Password),
                ("SetupCode", BookwellApp.AdminKey));
            var pin = await Owner.PostFormAsync("/admin/setup/p/fixit/staff/tom?handler=Pin", [KeyValuePair.Create("pin", "2468")], "/admin/setup/p/fixit/staff/tom");
            Assert.Equal(HttpStatusCode.Redirect, pin.StatusCode);
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            await Geocoder.DisposeAsync();
        }
    }

    private const string New = "/admin/bookings/new?site=fixit&service=";

    private Task<HttpResponseMessage> CreateAsync(string service, string date, string time, string email, params (string Key, string Value)[] more) =>
        shared.Owner.PostFormAsync(New + service, [.. new[] { ("site", "fixit"), ("service", service), ("date", date), ("time", time), ("Email", email),
            ("Name", "Client " + email[..email.IndexOf('@', StringComparison.Ordinal)]) }.Concat(more).Select(f => KeyValuePair.Create(f.Item1, f.Item2))], New + service);

    private int Count(string email) => shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == email));

    [Fact]
    public async Task The_new_booking_form_asks_for_the_address_per_service()
    {
        var mobile = await shared.Owner.GetAsync(New + "repair");
        Assert.Contains("name=\"Address\"", mobile, StringComparison.Ordinal);
        Assert.Contains("name=\"Latitude\"", mobile, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"Where\"", mobile, StringComparison.Ordinal);
        var choice = await shared.Owner.GetAsync(New + "check");
        Assert.Contains("name=\"Where\"", choice, StringComparison.Ordinal);
        Assert.Contains("name=\"Address\"", choice, StringComparison.Ordinal);
        var onsite = await shared.Owner.GetAsync(New + "advice");
        Assert.DoesNotContain("name=\"Address\"", onsite, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mobile_service_booked_by_the_business_needs_the_address_and_is_located()
    {
        var missing = await CreateAsync("repair", "2027-03-03", "10:00", "f-none@example.com");
        Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
        var html = await WebSession.TextAsync(missing);
        Assert.Contains("id=\"Address\" name=\"Address\"", html, StringComparison.Ordinal);
        Assert.Contains("Required: where we should come to.", html, StringComparison.Ordinal);
        Assert.Equal(0, Count("f-none@example.com"));

        var ok = await CreateAsync("repair", "2027-03-03", "10:00", "f-home@example.com", ("Address", "Dorpsstraat 3, Hilversum"));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        var booked = shared.App.WithDb(db => db.Bookings.Single(b => b.CustomerEmail == "f-home@example.com"));
        Assert.Equal(52.36, booked.Latitude);
        // The first visit of the day: 41 minutes from the base, held.
        Assert.Equal(41, booked.TravelBeforeMinutes);
    }

    [Fact]
    public async Task A_choice_service_is_at_the_business_unless_chosen_and_then_takes_an_address_or_a_pin()
    {
        Assert.Equal(HttpStatusCode.Redirect, (await CreateAsync("check", "2027-03-04", "09:00", "c-onsite@example.com", ("Where", "onsite"))).StatusCode);
        Assert.Null(shared.App.WithDb(db => db.Bookings.Single(b => b.CustomerEmail == "c-onsite@example.com").Latitude));

        var missing = await CreateAsync("check", "2027-03-04", "11:00", "c-none@example.com", ("Where", "mobile"));
        Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
        Assert.Contains("Required: where we should come to.", await WebSession.TextAsync(missing), StringComparison.Ordinal);
        var badPin = await CreateAsync("check", "2027-03-04", "11:00", "c-none@example.com", ("Where", "mobile"), ("Address", "Farm lane"),
            ("Latitude", "95"), ("Longitude", "5.1"));
        Assert.Contains("Must be between -90 and 90.", await WebSession.TextAsync(badPin), StringComparison.Ordinal);
        Assert.Equal(0, Count("c-none@example.com"));

        // An address the geocoder does not know, with a pin (a decimal comma is read too): the pin is where the visit is.
        var pinned = await CreateAsync("check", "2027-03-04", "13:00", "c-pin@example.com", ("Where", "mobile"), ("Address", "Farm lane"),
            ("Latitude", "52,1"), ("Longitude", "5.13"));
        Assert.Equal(HttpStatusCode.Redirect, pinned.StatusCode);
        Assert.Equal(0, shared.Geocoder.Asked("Farm lane"));
        var booked = shared.App.WithDb(db => db.Bookings.Single(b => b.CustomerEmail == "c-pin@example.com"));
        Assert.Equal(52.1, booked.Latitude);
        Assert.Equal(5.13, booked.Longitude);
    }

    [Fact]
    public async Task The_staff_day_shows_the_route_in_order_with_travel_and_map_links_in_english_and_dutch()
    {
        const string day = "2027-03-02";
        var client = shared.App.CreateClient();
        JsonObject Mobile(string time, string address, string email) =>
            Booking($"{day}T{time}:00+01:00", "repair", email).Also(b => b["location"] = new JsonObject { ["address"] = address, ["details"] = "2nd floor" });
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Mobile("12:00", "Dorpsstraat 3, Hilversum", "r-second@example.com"), "fixit")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Mobile("09:00", "Oudegracht 1, Utrecht", "r-first@example.com"), "fixit")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking($"{day}T15:00:00+01:00", "advice", "r-shop@example.com"), "fixit")).StatusCode);

        var staff = WebSession.For(shared.App);
        Assert.Equal(HttpStatusCode.Redirect, (await staff.PostFormAsync("/staff/login", ("Staff", "tom"), ("Pin", "2468"))).StatusCode);
        var html = await WebSession.TextAsync(await staff.Client.GetAsync("/staff"));
        Assert.Contains("Route: 2 visits at clients' addresses, in order.", html, StringComparison.Ordinal);
        var first = html.IndexOf("Oudegracht 1, Utrecht (2nd floor)", StringComparison.Ordinal);
        var second = html.IndexOf("Dorpsstraat 3, Hilversum (2nd floor)", StringComparison.Ordinal);
        Assert.True(first > 0 && second > first);
        // Oudegracht is at the base: the margin only. Hilversum is 41 minutes from Oudegracht.
        Assert.Contains("10 min travel from the base", html, StringComparison.Ordinal);
        Assert.Contains("41 min travel from the previous visit", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=52.09%2C5.12%3B52.36%2C5.12\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"geo:52.36,5.12\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"geo:52.09,5.12\"", html, StringComparison.Ordinal);
        // The visit at the workshop is on the agenda but not on the route.
        Assert.Equal(2, CountOf(html, "geo:"));

        staff.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        var dutch = await WebSession.TextAsync(await staff.Client.GetAsync("/staff"));
        Assert.Contains("10 min reistijd vanaf de vestiging", dutch, StringComparison.Ordinal);
        Assert.Contains("41 min reistijd vanaf het vorige bezoek", dutch, StringComparison.Ordinal);
        Assert.Contains("Openen in kaarten-app", dutch, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}

public sealed class SqliteMobilePagesShared : MobilePagesTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMobilePagesShared : MobilePagesTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteMobilePagesTests(SqliteMobilePagesShared shared) : MobilePagesTests(shared), IClassFixture<SqliteMobilePagesShared>;

public sealed class PostgresMobilePagesTests(PostgresMobilePagesShared shared) : MobilePagesTests(shared), IClassFixture<PostgresMobilePagesShared>;
