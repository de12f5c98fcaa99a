using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Mobile;

/// <summary>
/// Issue 15, mobile services: the address is geocoded through a Nominatim stand-in, checked against the service area,
/// and travel between one technician's consecutive clients is kept free, by the offer and by the database.
/// </summary>
public abstract class MobileServiceTests(MobileServiceTests.Shared shared)
{
    /// <summary>One geocoder stand-in and one app per database for the whole class; each test books on its own date.</summary>
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public NominatimStandIn Geocoder { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Geocoder = await NominatimStandIn.StartAsync();
            // The base is Utrecht centre; one degree of latitude is 111.195 km, so 0.27° north is 30.02 km:
            // at 60 km/h that is 31 minutes (rounded up) plus the 10-minute margin = 41 minutes of travel.
            Geocoder.Add("Oudegracht 1, Utrecht", 52.09, 5.12, "3511 AB");
            Geocoder.Add("Neude 5, Utrecht", 52.09, 5.12, "3512 AE");
            Geocoder.Add("Dorpsstraat 3, Hilversum", 52.36, 5.12, "1211 AA");
            Geocoder.Add("Damrak 1, Amsterdam", 52.50, 5.12, "1012 LG");
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:Geocoding:BaseUrl"] = Geocoder.BaseUrl;
                s["Bookwell:Geocoding:UserAgent"] = "Bookwell tests";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
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

    public static JsonObject Config() => JsonNode.Parse("""
    {
      "pages": [{
        "slug": "fixit", "name": "Fix-it on wheels", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Workshop, Oudegracht 1" },
        "settings": { "horizonDays": 60, "slotIntervalMinutes": 30, "minNoticeMinutes": 0,
                      "allowedDays": ["mon","tue","wed","thu","fri"],
                      "mobile": { "baseLatitude": 52.09, "baseLongitude": 5.12, "radiusKm": 40, "speedKmh": 60, "marginMinutes": 10 } },
        "schedule": { "mon": [["08:00","18:00"]], "tue": [["08:00","18:00"]], "wed": [["08:00","18:00"]], "thu": [["08:00","18:00"]], "fri": [["08:00","18:00"]] },
        "branches": [],
        "services": [
          { "key": "repair", "name": "Repair at your home", "durationMinutes": 60, "price": { "amount": 80, "currency": "EUR" },
            "payment": "none", "requiresStaff": true, "resourceTypes": ["van"], "capacity": 1, "locationMode": "mobile" },
          { "key": "check", "name": "Check-up", "durationMinutes": 60, "price": { "amount": 40, "currency": "EUR" },
            "payment": "none", "requiresStaff": true, "resourceTypes": [], "capacity": 1, "locationMode": "choice" }
        ],
        "staff": [ { "key": "tom", "name": "Tom", "services": ["repair", "check"] } ],
        "resources": [ { "key": "van-1", "type": "van", "name": "Van 1", "capacity": 1 } ]
      }, {
        "slug": "centre-only", "name": "Centre bikes", "timeZone": "Europe/Amsterdam",
        "settings": { "allowedDays": ["mon","tue","wed","thu","fri"], "mobile": { "postcodes": ["3511"] } },
        "schedule": { "mon": [["08:00","18:00"]] },
        "branches": [],
        "services": [ { "key": "fix", "name": "Bike fix", "durationMinutes": 30, "payment": "none", "requiresStaff": false,
                        "resourceTypes": [], "locationMode": "mobile" } ],
        "staff": [], "resources": []
      }, {
        "slug": "hull", "name": "Lake cleaners", "timeZone": "Europe/Amsterdam",
        "settings": { "horizonDays": 60, "minNoticeMinutes": 0, "allowedDays": ["mon","tue","wed","thu","fri"],
                      "mobile": { "polygon": [[52.0, 5.0], [52.0, 5.3], [52.6, 5.3], [52.6, 5.2], [52.2, 5.2], [52.2, 5.05], [52.6, 5.05], [52.6, 5.0]] } },
        "schedule": { "mon": [["08:00","18:00"]], "tue": [["08:00","18:00"]], "wed": [["08:00","18:00"]], "thu": [["08:00","18:00"]], "fri": [["08:00","18:00"]] },
        "branches": [],
        "services": [ { "key": "clean", "name": "Jetty clean", "durationMinutes": 60, "payment": "none", "requiresStaff": false,
                        "resourceTypes": [], "locationMode": "mobile" } ],
        "staff": [], "resources": []
      }, {
        "slug": "crew", "name": "Two technicians, one van", "timeZone": "Europe/Amsterdam",
        "settings": { "horizonDays": 60, "slotIntervalMinutes": 30, "minNoticeMinutes": 0, "allowedDays": ["mon","tue","wed","thu","fri"],
                      "mobile": { "speedKmh": 60, "marginMinutes": 10, "vehicleTypes": ["van"] } },
        "schedule": { "mon": [["08:00","18:00"]], "tue": [["08:00","18:00"]], "wed": [["08:00","18:00"]], "thu": [["08:00","18:00"]], "fri": [["08:00","18:00"]] },
        "branches": [],
        "services": [ { "key": "install", "name": "Install at your home", "durationMinutes": 60, "payment": "none", "requiresStaff": true,
                        "resourceTypes": ["van", "ladder"], "locationMode": "mobile" } ],
        "staff": [ { "key": "ann", "name": "Ann", "services": ["install"] }, { "key": "bob", "name": "Bob", "services": ["install"] } ],
        "resources": [ { "key": "van-9", "type": "van", "name": "The van", "capacity": 1 },
                       { "key": "ladder-1", "type": "ladder", "name": "Ladder 1", "capacity": 1 },
                       { "key": "ladder-2", "type": "ladder", "name": "Ladder 2", "capacity": 1 } ]
      }, {
        "slug": "rounds", "name": "Slow rounds", "timeZone": "Europe/Amsterdam",
        "settings": { "horizonDays": 60, "slotIntervalMinutes": 30, "minNoticeMinutes": 0, "allowedDays": ["mon","tue","wed","thu","fri"],
                      "mobile": { "baseLatitude": 52.09, "baseLongitude": 5.12, "speedKmh": 5, "marginMinutes": 0 } },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
        "branches": [],
        "services": [
          { "key": "visit", "name": "Visit at home", "durationMinutes": 60, "payment": "none", "requiresStaff": true, "resourceTypes": [], "locationMode": "mobile" },
          { "key": "desk", "name": "At the desk", "durationMinutes": 60, "payment": "none", "requiresStaff": true, "resourceTypes": [], "locationMode": "onsite" }
        ],
        "staff": [ { "key": "rita", "name": "Rita", "services": ["visit", "desk"] } ],
        "resources": []
      }]
    }
    """)!.AsObject();

    private HttpClient Client => shared.App.CreateClient();

    private static string Q(string s) => Uri.EscapeDataString(s);

    private async Task<HttpResponseMessage> SlotsAsync(string date, string query, string service = "repair") =>
        await Client.GetAsync($"/api/v1/pages/{Slug}/slots?service={service}&from={date}&to={date}{query}");

    private async Task<string[]> TimesAsync(string date, string address)
    {
        var response = await SlotsAsync(date, "&address=" + Q(address));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await Body(response))["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[11..16])];
    }

    private static JsonObject MobileBooking(string date, string time, string? address, string email, string service = "repair") =>
        Booking($"{date}T{time}:00+01:00", service, email).Also(b => b["location"] = address is null ? null : new JsonObject { ["address"] = address });

    private static async Task<JsonObject> Errors(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await Body(response))["errors"]!.AsObject();
    }

    [Fact]
    public async Task Slots_of_a_mobile_service_ask_for_the_address_first()
    {
        var errors = await Errors(await SlotsAsync("2027-03-01", ""));
        Assert.True(errors.ContainsKey("address"));
        // A service of the client's choice is offered on site without one.
        Assert.Equal(HttpStatusCode.OK, (await SlotsAsync("2027-03-01", "", "check")).StatusCode);
    }

    [Fact]
    public async Task An_address_outside_the_service_area_is_a_field_error_for_slots_and_bookings()
    {
        // Damrak is 45.6 km from the base; the radius is 40 km.
        Assert.True((await Errors(await SlotsAsync("2027-03-03", "&address=" + Q("Damrak 1, Amsterdam")))).ContainsKey("address"));
        var booking = await Errors(await Book(Client, MobileBooking("2027-03-03", "10:00", "Damrak 1, Amsterdam", "far@example.com"), Slug));
        Assert.Equal("This address is outside our service area.", booking["location.address"]![0]!.GetValue<string>());
        // An address the geocoder does not know, and none at all.
        Assert.True((await Errors(await Book(Client, MobileBooking("2027-03-03", "10:00", "Nowhere 1", "x@example.com"), Slug))).ContainsKey("location.address"));
        Assert.True((await Errors(await Book(Client, MobileBooking("2027-03-03", "10:00", null, "y@example.com"), Slug))).ContainsKey("location.address"));
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "far@example.com")));
    }

    [Fact]
    public async Task A_second_client_too_far_away_for_the_gap_is_not_offered_and_refused_if_forced()
    {
        const string day = "2027-03-02";
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, MobileBooking(day, "10:00", "Oudegracht 1, Utrecht", "first@example.com"), Slug)).StatusCode);

        // Hilversum is 41 minutes away: after 10:00–11:00 the first start is 12:00; before it, 08:00–09:00 leaves 09:41.
        var far = await TimesAsync(day, "Dorpsstraat 3, Hilversum");
        Assert.DoesNotContain("11:00", far);
        Assert.DoesNotContain("11:30", far);
        Assert.Contains("12:00", far);
        Assert.Contains("08:00", far);
        Assert.DoesNotContain("08:30", far);
        // Next door only needs the 10-minute margin: 11:30 is fine, 11:00 is not.
        var near = await TimesAsync(day, "Neude 5, Utrecht");
        Assert.DoesNotContain("11:00", near);
        Assert.Contains("11:30", near);

        // Forced anyway: refused, and nothing written.
        var forced = await Book(Client, MobileBooking(day, "11:00", "Dorpsstraat 3, Hilversum", "forced@example.com"), Slug);
        Assert.Equal(HttpStatusCode.Conflict, forced.StatusCode);
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "forced@example.com")));

        // At 12:00 it is booked, and the 41 minutes of travel are held on Tom's allocation, where the database judges overlaps.
        var ok = await Book(Client, MobileBooking(day, "12:00", "Dorpsstraat 3, Hilversum", "second@example.com"), Slug);
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var id = Guid.Parse((await Body(ok))["id"]!.GetValue<string>());
        var held = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey == "staff:tom"));
        Assert.Equal(Instant.FromUtc(2027, 3, 2, 10, 19), held.StartsAt);
        Assert.Equal(Instant.FromUtc(2027, 3, 2, 12, 0), held.EndsAt);
        // The van is held for the service itself only.
        var van = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey == "res:van-1"));
        Assert.Equal(Instant.FromUtc(2027, 3, 2, 11, 0), van.StartsAt);
    }

    [Fact]
    public async Task Two_clients_taking_neighbouring_times_at_once_never_both_get_them()
    {
        // Alone, each is fine: 10:00 in Utrecht, or 11:00 in Hilversum. Together they leave no time for the 41-minute drive.
        foreach (var day in new[] { "2027-03-08", "2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12" })
        {
            using var go = new SemaphoreSlim(0);
            var first = Task.Run(async () =>
            {
                await go.WaitAsync();
                return await Book(Client, MobileBooking(day, "10:00", "Oudegracht 1, Utrecht", $"a{day}@example.com"), Slug);
            });
            var second = Task.Run(async () =>
            {
                await go.WaitAsync();
                return await Book(Client, MobileBooking(day, "11:00", "Dorpsstraat 3, Hilversum", $"b{day}@example.com"), Slug);
            });
            go.Release(2);
            var answers = await Task.WhenAll(first, second);
            Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        }
    }

    [Fact]
    public async Task A_mobile_booking_moved_next_to_another_keeps_the_travel_time()
    {
        const string day = "2027-03-15";
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, MobileBooking(day, "10:00", "Oudegracht 1, Utrecht", "stay@example.com"), Slug)).StatusCode);
        var moving = await Book(Client, MobileBooking(day, "15:00", "Dorpsstraat 3, Hilversum", "move@example.com"), Slug);
        Assert.Equal(HttpStatusCode.Created, moving.StatusCode);
        var token = (await Body(moving))["manageToken"]!.GetValue<string>();
        var tooClose = await Client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = $"{day}T11:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.Conflict, tooClose.StatusCode);
        var fine = await Client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = $"{day}T12:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        var id = Guid.Parse((await Body(fine))["id"]!.GetValue<string>());
        var held = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey == "staff:tom" && a.Live));
        Assert.Equal(Instant.FromUtc(2027, 3, 15, 10, 19), held.StartsAt);
    }

    [Fact]
    public async Task A_postcode_area_takes_the_postcode_the_geocoder_found()
    {
        var inside = await Client.GetAsync($"/api/v1/pages/centre-only/slots?service=fix&from=2027-03-01&to=2027-03-01&address={Q("Oudegracht 1, Utrecht")}");
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.NotEmpty((await Body(inside))["slots"]!.AsArray());
        // Neude is 3512: next door, but not on the list.
        var outside = await Client.GetAsync($"/api/v1/pages/centre-only/slots?service=fix&from=2027-03-01&to=2027-03-01&address={Q("Neude 5, Utrecht")}");
        Assert.Equal("This address is outside our service area.", (await Errors(outside))["address"]![0]!.GetValue<string>());
    }

    // The "hull" page's area is a U open to the north: a bottom band (52.0–52.2) under Utrecht, and two arms up to 52.6
    // (longitude 5.0–5.05 and 5.2–5.3). Hilversum (52.36, 5.12) lies in the notch between the arms: nearer than places
    // in the arms, yet outside.
    private static JsonObject HullBooking(string date, string time, string email, double? lat, double? lon, string address = "Pinned jetty") =>
        Booking($"{date}T{time}:00+01:00", "clean", email).Also(b => b["location"] = lat is null
            ? new JsonObject { ["address"] = address }
            : new JsonObject { ["address"] = address, ["latitude"] = lat, ["longitude"] = lon });

    [Fact]
    public async Task A_polygon_area_offers_and_books_inside_it_and_refuses_the_notch()
    {
        var inside = await Client.GetAsync($"/api/v1/pages/hull/slots?service=clean&from=2027-03-23&to=2027-03-23&address={Q("Oudegracht 1, Utrecht")}");
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.NotEmpty((await Body(inside))["slots"]!.AsArray());
        var notch = await Client.GetAsync($"/api/v1/pages/hull/slots?service=clean&from=2027-03-23&to=2027-03-23&address={Q("Dorpsstraat 3, Hilversum")}");
        Assert.Equal("This address is outside our service area.", (await Errors(notch))["address"]![0]!.GetValue<string>());
        var pinnedArm = await Client.GetAsync("/api/v1/pages/hull/slots?service=clean&from=2027-03-23&to=2027-03-23&latitude=52.5&longitude=5.25");
        Assert.Equal(HttpStatusCode.OK, pinnedArm.StatusCode);

        // Bookings: far up an arm, and on the notch's floor (the border counts as inside), are taken; the notch is refused.
        // (Hours apart: the page's calendar drives between them at the default 40 km/h.)
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, HullBooking("2027-03-23", "09:00", "arm@example.com", 52.5, 5.25), "hull")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, HullBooking("2027-03-23", "13:00", "edge@example.com", 52.2, 5.12), "hull")).StatusCode);
        var refused = await Errors(await Book(Client, HullBooking("2027-03-23", "15:00", "notch@example.com", 52.3, 5.12), "hull"));
        Assert.Equal("This address is outside our service area.", refused["location.address"]![0]!.GetValue<string>());
        var refusedAddress = await Errors(await Book(Client, HullBooking("2027-03-23", "16:00", "notch2@example.com", null, null, "Dorpsstraat 3, Hilversum"), "hull"));
        Assert.True(refusedAddress.ContainsKey("location.address"));
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "notch@example.com" || b.CustomerEmail == "notch2@example.com")));
        Assert.Equal(2, shared.App.WithDb(db => db.Bookings.Count(b => b.PageSlug == "hull")));
    }

    [Fact]
    public async Task A_bad_polygon_is_refused_point_by_point()
    {
        async Task<JsonObject> Refused(JsonArray polygon)
        {
            var doc = Config();
            doc["pages"]![2]!["settings"]!["mobile"]!["polygon"] = polygon;
            var response = await PutConfig(shared.App.Admin(), doc);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await Body(response))["errors"]!.AsObject();
        }
        const string at = "pages[2].settings.mobile.polygon";
        Assert.True((await Refused(JsonNode.Parse("[[52,5],[53,5]]")!.AsArray())).ContainsKey(at));
        var ranges = await Refused(JsonNode.Parse("[[52,5],[91,5],[53,181],[52,6,1]]")!.AsArray());
        Assert.True(ranges.ContainsKey(at + "[1][0]"));
        Assert.True(ranges.ContainsKey(at + "[2][1]"));
        Assert.True(ranges.ContainsKey(at + "[3]"));
        Assert.False(ranges.ContainsKey(at + "[0]"));
        var many = new JsonArray([.. Enumerable.Range(0, 501).Select(i => (JsonNode)new JsonArray(52 + Math.Sin(i * 2 * Math.PI / 501), 5 + Math.Cos(i * 2 * Math.PI / 501)))]);
        Assert.True((await Refused(many)).ContainsKey(at));
        Assert.True((await Refused(JsonNode.Parse("[[80,0],[80,90],[80,180],[80,-90]]")!.AsArray())).ContainsKey(at));
        // 500 points is allowed; the config is then put back as the class shares it.
        var doc = Config();
        doc["pages"]![2]!["settings"]!["mobile"]!["polygon"] = new JsonArray([.. many.Take(500).Select(p => p!.DeepClone())]);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), doc)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), Config())).StatusCode);
    }

    [Fact]
    public async Task A_shared_van_keeps_its_own_drive_between_two_technicians_clients()
    {
        const string day = "2027-03-25";
        static JsonObject Install(string time, string address, string email, string staff) =>
            Booking($"{day}T{time}:00+01:00", "install", email, staff).Also(b => b["location"] = new JsonObject { ["address"] = address });
        // Ann takes the van to Utrecht 10:00–11:00.
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, Install("10:00", "Oudegracht 1, Utrecht", "van-ann@example.com", "ann"), "crew")).StatusCode);

        // Bob is free all day and a second ladder is free, but the van is 41 minutes from Hilversum: 11:00 and 11:30 are
        // not offered, 12:00 is.
        var slots = await Client.GetAsync($"/api/v1/pages/crew/slots?service=install&from={day}&to={day}&address={Q("Dorpsstraat 3, Hilversum")}");
        Assert.Equal(HttpStatusCode.OK, slots.StatusCode);
        var times = (await Body(slots))["slots"]!.AsArray().Select(t => t!["start"]!.GetValue<string>()[11..16]).ToArray();
        Assert.DoesNotContain("11:00", times);
        Assert.DoesNotContain("11:30", times);
        Assert.Contains("12:00", times);

        // Forced with Bob at 11:00: refused, nothing written.
        Assert.Equal(HttpStatusCode.Conflict, (await Book(Client, Install("11:00", "Dorpsstraat 3, Hilversum", "van-bob-early@example.com", "bob"), "crew")).StatusCode);
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "van-bob-early@example.com")));

        // At 12:00: booked; the van's allocation holds its 41-minute drive, Bob's (who drove nowhere before) only his time.
        var ok = await Book(Client, Install("12:00", "Dorpsstraat 3, Hilversum", "van-bob@example.com", "bob"), "crew");
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var id = Guid.Parse((await Body(ok))["id"]!.GetValue<string>());
        var van = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey == "res:van-9"));
        Assert.Equal(Instant.FromUtc(2027, 3, 25, 10, 19), van.StartsAt);
        var bob = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey == "staff:bob"));
        Assert.Equal(Instant.FromUtc(2027, 3, 25, 11, 0), bob.StartsAt);
        var ladder = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey.StartsWith("res:ladder")));
        Assert.Equal(Instant.FromUtc(2027, 3, 25, 11, 0), ladder.StartsAt);
    }

    [Fact]
    public async Task A_service_needing_two_vehicle_types_is_refused()
    {
        var doc = Config();
        doc["pages"]![3]!["settings"]!["mobile"]!["vehicleTypes"] = new JsonArray("van", "ladder");
        var response = await PutConfig(shared.App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey("pages[3].services[0].resourceTypes"));
    }

    [Fact]
    public async Task A_geocoder_that_fails_gives_a_field_error_and_is_asked_again_next_time()
    {
        for (var i = 0; i < 2; i++)
        {
            var errors = await Errors(await SlotsAsync("2027-03-01", "&address=" + Q(NominatimStandIn.Broken)));
            Assert.StartsWith("We cannot look up addresses right now.", errors["address"]![0]!.GetValue<string>());
        }
        Assert.Equal(2, shared.Geocoder.Asked(NominatimStandIn.Broken));
    }

    [Fact]
    public async Task An_unknown_location_mode_is_refused_with_its_path()
    {
        var doc = Config();
        doc["pages"]![0]!["services"]![0]!["locationMode"] = "teleport";
        var response = await PutConfig(shared.App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey("pages[0].services[0].locationMode"));
    }

    [Fact]
    public async Task The_same_address_is_geocoded_once()
    {
        const string day = "2027-03-04";
        const string address = "Neude 5, Utrecht";
        var before = shared.Geocoder.Asked(address);
        await TimesAsync(day, address);
        await TimesAsync(day, "  neude 5,   UTRECHT ");
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, MobileBooking(day, "09:00", address, "cache@example.com"), Slug)).StatusCode);
        Assert.InRange(shared.Geocoder.Asked(address) - before, 0, 1);
        Assert.Equal(0, shared.Geocoder.Asked("neude 5,   UTRECHT"));
    }

    [Fact]
    public async Task A_pin_is_used_without_asking_the_geocoder_and_a_choice_service_books_on_site_without_an_address()
    {
        const string day = "2027-03-05";
        var pinned = MobileBooking(day, "09:00", "Somewhere unnamed", "pin@example.com")
            .Also(b => b["location"] = new JsonObject { ["address"] = "Somewhere unnamed", ["latitude"] = 52.10, ["longitude"] = 5.13 });
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, pinned, Slug)).StatusCode);
        Assert.Equal(0, shared.Geocoder.Asked("Somewhere unnamed"));
        Assert.Equal(52.10, shared.App.WithDb(db => db.Bookings.Single(b => b.CustomerEmail == "pin@example.com").Latitude));

        var onsite = Booking($"{day}T14:00:00+01:00", "check", "onsite@example.com");
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, onsite, Slug)).StatusCode);
        var chosen = MobileBooking(day, "11:00", "Oudegracht 1, Utrecht", "chose@example.com", "check")
            .Also(b => b["location"]!["mode"] = "mobile");
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, chosen, Slug)).StatusCode);
        Assert.NotNull(shared.App.WithDb(db => db.Bookings.Single(b => b.CustomerEmail == "chose@example.com").Latitude));
        Assert.Null(shared.App.WithDb(db => db.Bookings.Single(b => b.CustomerEmail == "onsite@example.com").Latitude));
    }

    private static JsonObject MobileSeries(string start, string? address, string email, JsonArray? occurrences = null)
    {
        var body = Booking(start, "repair", email);
        body["location"] = address is null ? null : new JsonObject { ["address"] = address };
        body["repeat"] = new JsonObject { ["frequency"] = "weekly", ["count"] = 3 };
        if (occurrences is not null)
        {
            body["occurrences"] = occurrences;
        }
        return body;
    }

    [Fact]
    public async Task A_series_at_the_clients_address_needs_the_address()
    {
        var check = await Errors(await Client.PostAsync($"/api/v1/pages/{Slug}/series/check", Json(MobileSeries("2027-03-16T10:00:00+01:00", null, "s0@example.com"))));
        Assert.True(check.ContainsKey("location.address"));
        var create = await Errors(await Client.PostAsync($"/api/v1/pages/{Slug}/series", Json(MobileSeries("2027-03-16T10:00:00+01:00", null, "s0@example.com"))));
        Assert.True(create.ContainsKey("location.address"));
        var outside = await Errors(await Client.PostAsync($"/api/v1/pages/{Slug}/series/check",
            Json(MobileSeries("2027-03-16T10:00:00+01:00", "Damrak 1, Amsterdam", "s0@example.com"))));
        Assert.Equal("This address is outside our service area.", outside["location.address"]![0]!.GetValue<string>());
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "s0@example.com")));
    }

    [Fact]
    public async Task A_series_at_the_clients_address_judges_and_holds_travel_per_occurrence()
    {
        // Another client in Utrecht 10:00–11:00 on the second Wednesday: the series' 11:00 in Hilversum (41 minutes away) does not fit then.
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, MobileBooking("2027-03-24", "10:00", "Oudegracht 1, Utrecht", "s-other@example.com"), Slug)).StatusCode);
        const string first = "2027-03-17T11:00:00+01:00";
        const string address = "Dorpsstraat 3, Hilversum";
        var asked = shared.Geocoder.Asked(address);

        var check = await Body(await Client.PostAsync($"/api/v1/pages/{Slug}/series/check", Json(MobileSeries(first, address, "s1@example.com"))));
        var occurrences = check["occurrences"]!.AsArray();
        Assert.Equal([true, false, true], occurrences.Select(o => o!["available"]!.GetValue<bool>()));
        // The nearest time that day that leaves the drive: 12:00 (11:00 + 41 minutes = 11:41).
        Assert.Equal("2027-03-24T12:00:00+01:00", occurrences[1]!["alternative"]!.GetValue<string>());

        // Booked as it is: refused, nothing written.
        var refused = await Client.PostAsync($"/api/v1/pages/{Slug}/series", Json(MobileSeries(first, address, "s1@example.com")));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal([1], (await Body(refused))["taken"]!.AsArray().Select(i => i!.GetValue<int>()));
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "s1@example.com")));

        // With the second occurrence at its alternative: all three, each with the address and its own travel held.
        var created = await Client.PostAsync($"/api/v1/pages/{Slug}/series", Json(MobileSeries(first, address, "s1@example.com",
            new JsonArray(new JsonObject { ["index"] = 1, ["start"] = "2027-03-24T12:00:00+01:00" }))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rows = shared.App.WithDb(db => db.Bookings.Where(b => b.CustomerEmail == "s1@example.com").OrderBy(b => b.SeriesIndex)
            .Select(b => new { b.Id, b.Latitude, b.TravelBeforeMinutes }).ToList());
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(52.36, r.Latitude));
        // The first and last are the day's first visit: 41 minutes from the base. The second: 41 minutes from the Utrecht client.
        Assert.All(rows, r => Assert.Equal(41, r.TravelBeforeMinutes));
        var second = rows[1].Id;
        var held = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == second && a.UnitKey == "staff:tom"));
        Assert.Equal(Instant.FromUtc(2027, 3, 24, 10, 19), held.StartsAt);
        // Geocoded once for the check and once at most for the writes (then from the cache).
        Assert.InRange(shared.Geocoder.Asked(address) - asked, 0, 1);
    }

    [Fact]
    public async Task A_mobile_answer_is_tagged_by_its_bytes_per_address_and_answers_HEAD_and_304()
    {
        const string day = "2027-03-26";
        // A visit in Utrecht at 10:00: a client next door and one in Hilversum (41 minutes away) get different times.
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, MobileBooking(day, "10:00", "Oudegracht 1, Utrecht", "tag-first@example.com"), Slug)).StatusCode);
        var url = $"/api/v1/pages/{Slug}/slots?service=repair&from={day}&to={day}&address=";
        var near = await Client.GetAsync(url + Q("Neude 5, Utrecht"));
        Assert.Equal(HttpStatusCode.OK, near.StatusCode);
        Assert.Equal("application/json; charset=utf-8", near.Content.Headers.ContentType!.ToString());
        var tag = near.Headers.ETag!.Tag;
        var bytes = await near.Content.ReadAsByteArrayAsync();
        Assert.Equal(bytes.Length, near.Content.Headers.ContentLength);
        Assert.Contains("11:30", System.Text.Encoding.UTF8.GetString(bytes));
        // Written from pieces prepared with the question, not by the JSON writer: byte for byte what that writer makes of
        // the same slots.
        var doc = System.Text.Json.Nodes.JsonNode.Parse(bytes)!;
        var slots = doc["slots"]!.AsArray().Select(n => new Bookwell.Scheduling.Slots.Slot(At(n!["start"]!), At(n["end"]!),
            [.. n["staff"]!.AsArray().Select(k => k!.GetValue<string>())], n["remaining"]!.GetValue<int>())).ToList();
        Assert.True(slots.Count > 1);
        Assert.Equal(bytes, Bookwell.Features.Availability.PageEndpoints.SlotsJson(NodaTime.DateTimeZoneProviders.Tzdb[doc["timeZone"]!.GetValue<string>()], slots));

        // The same question again: the same bytes under the same tag; with that tag (strong or weak), 304 and no body.
        var again = await Client.GetAsync(url + Q("Neude 5, Utrecht"));
        Assert.Equal(tag, again.Headers.ETag!.Tag);
        Assert.Equal(bytes, await again.Content.ReadAsByteArrayAsync());
        foreach (var sent in new[] { tag, "W/" + tag })
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, url + Q("Neude 5, Utrecht"));
            conditional.Headers.TryAddWithoutValidation("If-None-Match", sent);
            var notModified = await Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        }

        // Another address with the first one's tag: other times, another tag, the whole answer.
        using var other = new HttpRequestMessage(HttpMethod.Get, url + Q("Dorpsstraat 3, Hilversum"));
        other.Headers.TryAddWithoutValidation("If-None-Match", tag);
        var far = await Client.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, far.StatusCode);
        Assert.NotEqual(tag, far.Headers.ETag!.Tag);
        var farBody = System.Text.Encoding.UTF8.GetString(await far.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain("11:30", farBody);
        Assert.Contains("12:00", farBody);

        // HEAD: the GET's status, tag and length, no body.
        var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url + Q("Neude 5, Utrecht")));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(tag, head.Headers.ETag!.Tag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    private static NodaTime.Instant At(System.Text.Json.Nodes.JsonNode time) =>
        NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(time.GetValue<string>()).GetValueOrThrow().ToInstant();

    [Fact]
    public async Task The_first_visit_of_the_day_holds_the_drive_from_the_base()
    {
        const string day = "2027-03-18";
        // Tom works at the workshop 08:00–09:00 (a check-up there, no address); Hilversum is 41 minutes from the base.
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, Booking($"{day}T08:00:00+01:00", "check", "b-onsite@example.com"), Slug)).StatusCode);
        var times = await TimesAsync(day, "Dorpsstraat 3, Hilversum");
        Assert.DoesNotContain("09:00", times);
        Assert.DoesNotContain("09:30", times);
        Assert.Contains("10:00", times);
        var forced = await Book(Client, MobileBooking(day, "09:00", "Dorpsstraat 3, Hilversum", "b-forced@example.com"), Slug);
        Assert.Equal(HttpStatusCode.Conflict, forced.StatusCode);

        var ok = await Book(Client, MobileBooking(day, "10:00", "Dorpsstraat 3, Hilversum", "b-first@example.com"), Slug);
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var id = Guid.Parse((await Body(ok))["id"]!.GetValue<string>());
        var held = shared.App.WithDb(db => db.Allocations.Single(a => a.BookingId == id && a.UnitKey == "staff:tom"));
        Assert.Equal(Instant.FromUtc(2027, 3, 18, 8, 19), held.StartsAt);
        Assert.Equal(41, shared.App.WithDb(db => db.Bookings.Single(b => b.Id == id).TravelBeforeMinutes));
    }

    [Fact]
    public async Task A_long_drive_before_a_visit_is_seen_from_a_window_that_starts_after_the_drive_began()
    {
        const string day = "2027-03-03";
        // Hilversum is 30.02 km from the base: at 5 km/h that is 361 minutes, so the 09:00 visit holds Rita from 02:59 to 10:00,
        // seven hours, where the business's longest service is one.
        Assert.Equal(HttpStatusCode.Created, (await Book(Client, Booking($"{day}T09:00:00+01:00", "visit", "r-far@example.com")
            .Also(b => b["location"] = new JsonObject { ["address"] = "Dorpsstraat 3, Hilversum" }), "rounds")).StatusCode);

        // A visitor in Chicago asks for the desk that day: their day starts at 07:00 in Amsterdam, inside the drive and
        // hours after it began. Rita is taken until 10:00.
        var slots = await Client.GetAsync($"/api/v1/pages/rounds/slots?service=desk&from={day}&to={day}&timeZone=America/Chicago");
        Assert.Equal(HttpStatusCode.OK, slots.StatusCode);
        var starts = (await Body(slots))["slots"]!.AsArray().Select(t => DateTimeOffset.Parse(t!["start"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.DoesNotContain(starts, t => t < new DateTimeOffset(2027, 3, 3, 9, 0, 0, TimeSpan.Zero));
        Assert.Contains(new DateTimeOffset(2027, 3, 3, 9, 0, 0, TimeSpan.Zero), starts);

        // Asked for anyway at 09:00: refused, nothing written.
        Assert.Equal(HttpStatusCode.Conflict, (await Book(Client, Booking($"{day}T09:00:00+01:00", "desk", "r-desk@example.com"), "rounds")).StatusCode);
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "r-desk@example.com")));
    }
}

public sealed class SqliteMobileShared : MobileServiceTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMobileShared : MobileServiceTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteMobileServiceTests(SqliteMobileShared shared) : MobileServiceTests(shared), IClassFixture<SqliteMobileShared>;

public sealed class PostgresMobileServiceTests(PostgresMobileShared shared) : MobileServiceTests(shared), IClassFixture<PostgresMobileShared>;
