using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Mobile;

/// <summary>
/// Issue 15, the waitlist of a service at the client's address: joining asks for the address, located and checked
/// against the service area like a mobile booking's (field by field, the pin as fallback); freed time is only offered to
/// an entry it leaves enough travel for, by the engine's rule; accepting books at that address. One app per database.
/// </summary>
public abstract class MobileWaitlistTests(MobileWaitlistTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public NominatimStandIn Geocoder { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Geocoder = await NominatimStandIn.StartAsync();
            // Base Utrecht centre (52.09, 5.12), radius 40 km, 60 km/h and a 10-minute margin: Utrecht to Utrecht is 10
            // minutes of travel, Utrecht to Hilversum (30.02 km north) 41; Amsterdam (45.6 km) is outside the area.
            Geocoder.Add("Oudegracht 1, Utrecht", 52.09, 5.12, "3511 AB");
            Geocoder.Add("Neude 5, Utrecht", 52.09, 5.12, "3512 AE");
            Geocoder.Add("Dorpsstraat 3, Hilversum", 52.36, 5.12, "1211 AA");
            Geocoder.Add("Damrak 1, Amsterdam", 52.50, 5.12, "1012 LG");
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:Geocoding:BaseUrl"] = Geocoder.BaseUrl;
                s["Bookwell:Geocoding:UserAgent"] = "Bookwell tests";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            });
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            await Geocoder.DisposeAsync();
        }
    }

    private const string Slug = "fixit";

    /// <summary>The mobile page with its waitlist on, offers held for an hour.</summary>
    public static JsonObject Config() => MobileServiceTests.Config().Also(c =>
    {
        c["pages"]![0]!["settings"]!["waitlist"] = true;
        c["pages"]![0]!["settings"]!["waitlistHoldMinutes"] = 60;
    });

    private HttpClient Client => shared.App.CreateClient();

    private static JsonObject Join(string email, string date, JsonObject? location, string service = "repair", string? from = null, string? to = null) => new()
    {
        ["service"] = service,
        ["date"] = date,
        ["from"] = from,
        ["to"] = to,
        ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = email },
        ["location"] = location,
    };

    private static JsonObject At(string address) => new() { ["address"] = address };

    private Task<HttpResponseMessage> JoinAsync(JsonObject body) => Client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(body));

    private async Task<JsonObject> ErrorsOf(JsonObject body)
    {
        var response = await JoinAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await Body(response))["errors"]!.AsObject();
    }

    private static string First(JsonObject errors, string field) => errors[field]![0]!.GetValue<string>();

    private WaitlistEntry Entry(string email) => shared.App.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == email));

    private async Task<string> BookAsync(string date, string time, string address, string email)
    {
        var response = await Book(Client, Booking($"{date}T{time}:00+01:00", "repair", email).Also(b => b["location"] = At(address)), Slug);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["manageToken"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_full_length_address_in_another_script_is_kept_whole()
    {
        // 300 letters each of address and details, every one outside ASCII: the stored JSON escapes each to six
        // characters, far past any short column; the entry is stored and shown back as written.
        var address = string.Concat(Enumerable.Repeat("Жуковского ", 28)) + "улица 12";
        address = address[..Math.Min(300, address.Length)];
        var details = new string('é', 300);
        var response = await JoinAsync(Join("cyrillic@example.com", "2027-03-02", new JsonObject
        {
            ["address"] = address,
            ["details"] = details,
            ["latitude"] = 52.09,
            ["longitude"] = 5.12,
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var location = (await Body(response))["location"]!;
        Assert.Equal(address, location["address"]!.GetValue<string>());
        Assert.Equal(details, location["details"]!.GetValue<string>());
        Assert.True(Entry("cyrillic@example.com").LocationJson!.Length > 2000);
    }

    [Fact]
    public async Task Joining_a_mobile_service_asks_for_an_address_inside_the_area_field_by_field()
    {
        const string date = "2027-03-02";
        Assert.Equal("Required: where we should come to.", First(await ErrorsOf(Join("none@example.com", date, null)), "location.address"));
        // Geocoded, 45.6 km from the base: outside the 40 km radius.
        Assert.Equal("This address is outside our service area.", First(await ErrorsOf(Join("far@example.com", date, At("Damrak 1, Amsterdam"))), "location.address"));
        // The pin (when the address is not found) is judged the same way.
        Assert.Equal("This address is outside our service area.", First(await ErrorsOf(Join("pin@example.com", date,
            new JsonObject { ["address"] = "Polder 7", ["latitude"] = 52.50, ["longitude"] = 5.12 })), "location.address"));
        Assert.StartsWith("We could not find this address.", First(await ErrorsOf(Join("lost@example.com", date, At("Nowhere 1, Atlantis"))), "location.address"),
            StringComparison.Ordinal);
        var half = await ErrorsOf(Join("half@example.com", date, new JsonObject { ["address"] = "Polder 7", ["latitude"] = 52.1 }));
        Assert.True(half.ContainsKey("location"), half.ToJsonString());
        var both = await ErrorsOf(Join("both@example.com", date, At("Damrak 1, Amsterdam"), service: "check").Also(j => j["location"]!["mode"] = "drone"));
        Assert.True(both.ContainsKey("location.mode"), both.ToJsonString());
        // A service of the client's choice asked at the client's place is judged as mobile; asked on site it needs no address.
        var choice = JsonNode.Parse("""{ "address": "Damrak 1, Amsterdam", "mode": "mobile" }""")!.AsObject();
        Assert.Equal("This address is outside our service area.", First(await ErrorsOf(Join("choice@example.com", date, choice, service: "check")), "location.address"));
        Assert.Equal(HttpStatusCode.Created, (await JoinAsync(Join("onsite@example.com", date, null, service: "check"))).StatusCode);
        Assert.Null(Entry("onsite@example.com").LocationJson);
        string[] refusedEmails = ["none@example.com", "far@example.com", "pin@example.com", "lost@example.com", "half@example.com", "both@example.com", "choice@example.com"];
        Assert.Equal(0, shared.App.WithDb(db => db.WaitlistEntries.Count(w => refusedEmails.Contains(w.CustomerEmail))));

        // Inside the area: stored with its place, shown back to the client.
        var joined = await JoinAsync(Join("near@example.com", date, At("Neude 5, Utrecht")));
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        Assert.Equal("Neude 5, Utrecht", (await Body(joined))["location"]!["address"]!.GetValue<string>());
        Assert.Equal((52.09, 5.12), (Entry("near@example.com").Latitude, Entry("near@example.com").Longitude));

        // The join page asks for the address too and says what is wrong with it.
        var session = WebSession.For(shared.App);
        var page = await session.GetAsync($"/book/{Slug}/waitlist?service=repair&date={date}");
        Assert.Contains("id=\"address\"", page, StringComparison.Ordinal);
        var refused = await session.PostFormAsync($"/book/{Slug}/waitlist", [("Service", "repair"), ("Date", date), ("Pref", "any"),
            ("Name", "Form Filler"), ("Email", "form@example.com"), ("Address", "Damrak 1, Amsterdam")]);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("id=\"location-address-error\">This address is outside our service area.", html, StringComparison.Ordinal);
        Assert.Equal(0, shared.App.WithDb(db => db.WaitlistEntries.Count(w => w.CustomerEmail == "form@example.com")));
        var byPin = await session.PostFormAsync($"/book/{Slug}/waitlist", [("Service", "repair"), ("Date", date), ("Pref", "any"),
            ("Name", "Form Filler"), ("Email", "form@example.com"), ("Address", "Achter de dijk"), ("Lat", "52.10"), ("Lng", "5.13")]);
        Assert.Equal(HttpStatusCode.OK, byPin.StatusCode);
        Assert.Equal((52.10, 5.13), (Entry("form@example.com").Latitude, Entry("form@example.com").Longitude));
    }

    [Fact]
    public async Task An_offer_checks_the_postcode_list_as_it_is_then_and_passes_over_an_entry_now_outside_it()
    {
        const string date = "2027-03-16";
        var eleven = await BookAsync(date, "11:00", "Neude 5, Utrecht", "pc-booked@example.com");
        // Both join while the area is the radius alone (both are 0 km from the base); the geocoder's postcodes are kept.
        Assert.Equal(HttpStatusCode.Created, (await JoinAsync(Join("pc-3511@example.com", date, At("Oudegracht 1, Utrecht"), from: "11:00", to: "12:00"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await JoinAsync(Join("pc-3512@example.com", date, At("Neude 5, Utrecht"), from: "11:00", to: "12:00"))).StatusCode);
        Assert.Equal("3511 AB", Entry("pc-3511@example.com").Postcode);

        // Then the business narrows its area to the postcodes starting 3512.
        var narrowed = Config().Also(c => c["pages"]![0]!["settings"]!["mobile"]!["postcodes"] = new JsonArray("3512"));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), narrowed)).StatusCode);
        try
        {
            // 11:00 is freed: the first in line is now outside the area and passed over (still waiting); the second is offered it.
            Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/bookings/{eleven}/cancel", null)).StatusCode);
            Assert.Equal(WaitlistStatus.Waiting, Entry("pc-3511@example.com").Status);
            Assert.Null(Entry("pc-3511@example.com").OfferBookingId);
            var offered = Entry("pc-3512@example.com");
            Assert.Equal(WaitlistStatus.Offered, offered.Status);
            Assert.Equal(Instant.FromUtc(2027, 3, 16, 10, 0), offered.OfferStart);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), Config())).StatusCode);
        }
    }

    [Fact]
    public async Task Freed_time_is_offered_only_where_travel_fits_and_accepting_books_at_that_address()
    {
        const string date = "2027-03-09";
        // Tom's Tuesday in Utrecht: 09:30, 11:00 and 13:00, an hour each.
        await BookAsync(date, "09:30", "Neude 5, Utrecht", "p@example.com");
        var eleven = await BookAsync(date, "11:00", "Neude 5, Utrecht", "r@example.com");
        await BookAsync(date, "13:00", "Neude 5, Utrecht", "q@example.com");
        // First in line wants it in Hilversum (41 minutes away), second in Utrecht; both between 11:00 and 13:00.
        Assert.Equal(HttpStatusCode.Created, (await JoinAsync(Join("hilversum@example.com", date, At("Dorpsstraat 3, Hilversum"), from: "11:00", to: "13:00"))).StatusCode);
        var utrecht = await JoinAsync(Join("utrecht@example.com", date, At("Oudegracht 1, Utrecht"), from: "11:00", to: "13:00"));
        Assert.Equal(HttpStatusCode.Created, utrecht.StatusCode);
        var token = (await Body(utrecht))["manageToken"]!.GetValue<string>();

        // 11:00 is freed. From Hilversum no hour between 10:30 and 13:00 leaves 41 minutes on both sides: the first in
        // line is passed over, and the Utrecht entry (10 minutes each way) is offered 11:00.
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/bookings/{eleven}/cancel", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Waiting, Entry("hilversum@example.com").Status);
        var offered = Entry("utrecht@example.com");
        Assert.Equal(WaitlistStatus.Offered, offered.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 9, 10, 0), offered.OfferStart);
        var held = shared.App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == offered.OfferBookingId));
        Assert.Equal((52.09, 5.12), (held.Latitude, held.Longitude));
        Assert.Equal(10, held.TravelBeforeMinutes);
        // The held time includes its travel, as any mobile booking's.
        var row = shared.App.WithDb(db => db.Allocations.AsNoTracking().Single(a => a.BookingId == held.Id && a.UnitKey == "staff:tom" && a.Live));
        Assert.Equal(Instant.FromUtc(2027, 3, 9, 9, 50), row.StartsAt);

        var accepted = await Client.PostAsync($"/api/v1/waitlist/{token}/accept", Json(new JsonObject { ["start"] = $"{date}T11:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var booking = await Body(accepted);
        Assert.Equal("confirmed", booking["status"]!.GetValue<string>());
        Assert.Equal("Oudegracht 1, Utrecht", booking["location"]!["address"]!.GetValue<string>());
        Assert.Equal((52.09, 5.12), shared.App.WithDb(db => db.Bookings.AsNoTracking().Where(b => b.Id == held.Id).Select(b => new { b.Latitude, b.Longitude })
            .AsEnumerable().Select(b => (b.Latitude, b.Longitude)).Single()));
    }
}

public sealed class SqliteMobileWaitlistShared : MobileWaitlistTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMobileWaitlistShared : MobileWaitlistTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteMobileWaitlistTests(SqliteMobileWaitlistShared shared) : MobileWaitlistTests(shared), IClassFixture<SqliteMobileWaitlistShared>;

public sealed class PostgresMobileWaitlistTests(PostgresMobileWaitlistShared shared) : MobileWaitlistTests(shared), IClassFixture<PostgresMobileWaitlistShared>;
