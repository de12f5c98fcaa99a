using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Several services in one visit (issue 15) over HTTP on both databases: `/slots?services=` offers only starts where
/// every part fits one after the other, a visit is one booking whose parts each hold their own allocations, cancel
/// and reschedule move the whole visit, and parallel bookings of overlapping visits are let through by the database
/// only where they do not overlap. One app per class and database (the manage links' rate limit off), each test on a
/// business of its own (see <see cref="SharedApp"/>).
/// </summary>
public abstract class VisitTests(SharedApp shared)
{
    // Monday: the page opens 09:00-17:00; Bob works 13:00-17:00.
    private const string Day = "2027-03-08";

    private static string At(string time) => $"{Day}T{time}:00+01:00";

    /// <summary>The standard salon plus "cut" (30 min; Anna and Bob) and "tint" (60 min; Anna only).</summary>
    private static JsonObject VisitConfig()
    {
        var config = Config();
        var page = config["pages"]![0]!;
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 25, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "tint", "name": "Tint", "durationMinutes": 60, "price": { "amount": 60, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("cut");
        page["staff"]![0]!["services"]!.AsArray().Add("tint");
        page["staff"]![1]!["services"]!.AsArray().Add("cut");
        return config;
    }

    private static JsonObject Visit(string start, string email = "ada@example.com", string? staff = null) =>
        Booking(start, "cut", email, staff).Also(b =>
        {
            b.Remove("service");
            b["services"] = new JsonArray("cut", "tint");
        });

    /// <summary>A business of its own on the class's app, with <see cref="VisitConfig"/>.</summary>
    private async Task<TenantSpace> StartAsync()
    {
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), VisitConfig())).StatusCode);
        return app;
    }

    private static async Task<JsonArray> VisitSlots(HttpClient client, string query = "services=cut,tint") =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/v1/pages/{Slug}/slots?{query}&from={Day}&to={Day}"))!["slots"]!.AsArray();

    private static string[] Starts(JsonArray slots) => [.. slots.Select(s => s!["start"]!.GetValue<string>()[11..16])];

    private static List<(string Unit, DateTimeOffset From, DateTimeOffset To, Guid Booking)> Live(TenantSpace app) =>
        app.WithDb(db => db.Allocations.Where(a => a.Live).ToList()
            .Select(a => (a.UnitKey, a.StartsAt.ToDateTimeOffset(), a.EndsAt.ToDateTimeOffset(), a.BookingId)).ToList());

    [Fact]
    public async Task Slots_OnlyStartsWhereEveryPartFits_EachPartWithItsOwnStaff()
    {
        var app = await StartAsync();
        var client = app.CreateClient();
        // Anna (the only one who tints) is busy 10:00-11:00.
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(At("10:00"), "consult", "other@example.com", "anna"))).StatusCode);

        var slots = await VisitSlots(client);

        // The tint (30 min after the start, 60 min long) must clear 10:00-11:00 and end by 17:00; the cut at 10:30
        // would need Anna during her consult, and Bob starts at 13:00.
        Assert.Equal(["11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"], Starts(slots));
        var first = slots[0]!;
        Assert.Equal(At("12:30"), first["end"]!.GetValue<string>());
        var parts = first["parts"]!.AsArray();
        Assert.Equal(["cut", "tint"], parts.Select(p => p!["service"]!.GetValue<string>()));
        Assert.Equal(At("11:30"), parts[1]!["start"]!.GetValue<string>());
        Assert.Equal(["anna"], parts[0]!["staff"]!.AsArray().Select(s => s!.GetValue<string>()));
        // From 13:00 Bob can cut too; only Anna tints.
        var one = slots.First(s => s!["start"]!.GetValue<string>() == At("13:00"))!;
        Assert.Equal(["anna", "bob"], one["parts"]![0]!["staff"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(["anna"], one["parts"]![1]!["staff"]!.AsArray().Select(s => s!.GetValue<string>()));
        // Repeated keys read the same; a single service keeps the contract's shape exactly (no parts).
        Assert.Equal(Starts(slots), Starts(await VisitSlots(client, "services=cut&services=tint")));
        var single = await VisitSlots(client, "service=cut");
        Assert.All(single, s => Assert.Equal(["start", "end", "staff", "remaining"], s!.AsObject().Select(p => p.Key)));
    }

    [Fact]
    public async Task Book_OneBooking_PartsHoldTheirOwnTime_RescheduleAndCancelMoveTheWholeVisit()
    {
        var app = await StartAsync();
        var client = app.CreateClient();

        var created = await Book(client, Visit(At("13:00")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Body(created);
        Assert.Equal("cut", body["service"]!.GetValue<string>());
        Assert.Equal("Cut + Tint", body["serviceName"]!.GetValue<string>());
        Assert.Equal(At("13:00"), body["start"]!.GetValue<string>());
        Assert.Equal(At("14:30"), body["end"]!.GetValue<string>());
        // One person for both parts where possible: Anna can do both, Bob only the cut.
        var parts = body["parts"]!.AsArray();
        Assert.Equal([(At("13:00"), At("13:30"), "anna"), (At("13:30"), At("14:30"), "anna")],
            parts.Select(p => (p!["start"]!.GetValue<string>(), p["end"]!.GetValue<string>(), p["staff"]!.GetValue<string>())));
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        var token = body["manageToken"]!.GetValue<string>();

        // Each part holds its own allocation; one booking, one manage link.
        var rows = Live(app).Where(r => r.Booking == id).OrderBy(r => r.From).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(DateTimeOffset.Parse(At("13:00")), rows[0].From);
        Assert.Equal(DateTimeOffset.Parse(At("13:30")), rows[0].To);
        Assert.Equal(DateTimeOffset.Parse(At("14:30")), rows[1].To);
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count()));
        // Anna is taken 13:00-14:30: Bob still cuts at 13:00, Anna's consult cannot start at 13:00 or 14:00.
        Assert.Contains(At("13:00"), await SlotStarts(client, "cut", Day, Day, staff: "bob"));
        var consult = await SlotStarts(client, "consult", Day, Day);
        Assert.DoesNotContain(At("13:00"), consult);
        Assert.DoesNotContain(At("14:00"), consult);
        Assert.Contains(At("15:00"), consult);

        // The client moves the visit: both parts move, the old time is free again.
        var moved = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = At("09:00") }));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var after = await Body(moved);
        Assert.Equal(At("10:30"), after["end"]!.GetValue<string>());
        Assert.Equal([At("09:00"), At("09:30")], after["parts"]!.AsArray().Select(p => p!["start"]!.GetValue<string>()));
        rows = Live(app).Where(r => r.Booking == id).OrderBy(r => r.From).ToList();
        Assert.Equal([DateTimeOffset.Parse(At("09:00")), DateTimeOffset.Parse(At("09:30"))], rows.Select(r => r.From));
        Assert.Contains(At("13:00"), await SlotStarts(client, "consult", Day, Day));
        Assert.Equal(BookingAction.Rescheduled, app.WithDb(db => db.BookingEvents.Where(e => e.BookingId == id).OrderBy(e => e.Id).Select(e => e.Action).ToList()).Last());

        // A reschedule onto a time where a part cannot fit is refused and changes nothing.
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(At("15:00"), "consult", "other@example.com", "anna"))).StatusCode);
        var refused = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = At("14:00") }));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal([DateTimeOffset.Parse(At("09:00")), DateTimeOffset.Parse(At("09:30"))],
            Live(app).Where(r => r.Booking == id).OrderBy(r => r.From).Select(r => r.From));

        // Cancelling lets every part go.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        Assert.DoesNotContain(Live(app), r => r.Booking == id);
        Assert.Contains("09:00", Starts(await VisitSlots(client)));
        var got = await Body(await client.GetAsync($"/api/v1/bookings/{token}"));
        Assert.Equal("cancelled", got["status"]!.GetValue<string>());
        Assert.Equal(2, got["parts"]!.AsArray().Count);
    }

    [Fact]
    public async Task BookingPage_AddAServiceToTheVisit_BooksCutAndTintWithoutScript()
    {
        var app = await StartAsync();
        var client = app.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri($"http://{app.Host}") });
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(At("10:00"), "consult", "other@example.com", "anna"))).StatusCode);

        // The cut alone: "add to the same visit" offers the tint and the service paid online (one payment for the visit), not
        // the class nor the service asking for a file.
        var cut = await client.GetStringAsync($"/book/{Slug}?service=cut&date={Day}");
        Assert.Contains("id=\"visit\"", cut, StringComparison.Ordinal);
        Assert.Contains("also=tint", cut, StringComparison.Ordinal);
        Assert.DoesNotContain("also=yoga", cut, StringComparison.Ordinal);
        Assert.Contains("also=colour", cut, StringComparison.Ordinal);
        Assert.DoesNotContain("also=haircut", cut, StringComparison.Ordinal);
        Assert.Contains("start=2027-03-08T09%3A00", cut, StringComparison.Ordinal);

        // With the tint added, times are those of the whole visit (09:00 is gone: the tint would meet the consult).
        var visit = await client.GetStringAsync($"/book/{Slug}?service=cut&also=tint&date={Day}");
        Assert.DoesNotContain("start=2027-03-08T09%3A00", visit, StringComparison.Ordinal);
        Assert.Contains("start=2027-03-08T11%3A00", visit, StringComparison.Ordinal);
        Assert.Contains("also=tint&amp;start=2027-03-08T11%3A00", visit.Replace("&amp;date=2027-03-08", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var fields = new Dictionary<string, string>
        {
            ["service"] = "cut",
            ["also"] = "tint",
            ["tz"] = "Europe/Amsterdam",
            ["start"] = At("11:00"),
            ["name"] = "Ada Lovelace",
            ["email"] = "ada@example.com",
            ["terms"] = "true",
            ["step"] = "review",
        };
        var review = await client.PostAsync($"/book/{Slug}", new FormUrlEncodedContent(fields));
        var reviewHtml = WebUtility.HtmlDecode(await review.Content.ReadAsStringAsync());
        Assert.Contains("Cut + Tint (90 min", reviewHtml, StringComparison.Ordinal);
        fields["step"] = "confirm";
        var posted = await client.PostAsync($"/book/{Slug}", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var booking = app.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.CustomerEmail == "ada@example.com"));
        Assert.Equal("Cut + Tint", booking.ServiceName);
        Assert.Equal(2, Visits.Parts(booking)!.Count);
        Assert.Equal(2, app.WithDb(db => db.Allocations.Count(a => a.BookingId == booking.Id && a.Live)));
        // The manage page shows the visit.
        var manage = WebUtility.HtmlDecode(await client.GetStringAsync(posted.Headers.Location!.ToString()));
        Assert.Contains("Cut + Tint", manage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadVisits_AreFieldErrors()
    {
        var app = await StartAsync();
        var client = app.CreateClient();

        async Task<JsonObject> Errors(HttpResponseMessage r)
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return (await Body(r))["errors"]!.AsObject();
        }

        // Asking for a file, a class, unknown, twice, and a `service` that is not the first.
        Assert.True((await Errors(await Book(client, Visit(At("13:00")).Also(b => b["services"] = new JsonArray("cut", "haircut"))))).ContainsKey("services"));
        Assert.True((await Errors(await Book(client, Visit(At("13:00")).Also(b => b["services"] = new JsonArray("cut", "yoga"))))).ContainsKey("services"));
        Assert.True((await Errors(await Book(client, Visit(At("13:00")).Also(b => b["services"] = new JsonArray("cut", "nope"))))).ContainsKey("services"));
        Assert.True((await Errors(await Book(client, Visit(At("13:00")).Also(b => b["services"] = new JsonArray("cut", "cut"))))).ContainsKey("services"));
        Assert.True((await Errors(await Book(client, Visit(At("13:00")).Also(b => b["service"] = "tint")))).ContainsKey("service"));
        Assert.True((await Errors(await Book(client, Visit(At("13:00")).Also(b => b["services"] = new JsonArray("cut", null))))).ContainsKey("services"));
        Assert.True((await Errors(await client.GetAsync($"/api/v1/pages/{Slug}/slots?services=cut,haircut&from={Day}&to={Day}"))).ContainsKey("services"));
        Assert.True((await Errors(await client.GetAsync($"/api/v1/pages/{Slug}/slots?services=cut,tint,consult,haircut,yoga,colour&from={Day}&to={Day}")))
            .ContainsKey("services"));
        Assert.Equal(0, app.WithDb(db => db.Bookings.Count()));
    }

    [Fact]
    public async Task Visits_AreBookedAtTheBusiness_NeverAtTheClientsAddress()
    {
        var app = await shared.NewBusinessAsync();
        var config = VisitConfig();
        var services = config["pages"]![0]!["services"]!.AsArray();
        // Tint may be done at the client's (their choice); "home" always is.
        services.Single(s => s!["key"]!.GetValue<string>() == "tint")!["locationMode"] = "choice";
        services.Add(JsonNode.Parse("""
            { "key": "home", "name": "Home visit", "durationMinutes": 30, "price": { "amount": 40, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [], "locationMode": "mobile" }
            """));
        config["pages"]![0]!["staff"]![0]!["services"]!.AsArray().Add("home");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), config)).StatusCode);
        var client = app.CreateClient();

        var always = await client.GetAsync($"/api/v1/pages/{Slug}/slots?services=cut,home&from={Day}&to={Day}");
        Assert.Equal(HttpStatusCode.BadRequest, always.StatusCode);
        Assert.Contains("client's address", (await Body(always))["errors"]!["services"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var atHome = await Book(client, Visit(At("13:00")).Also(b =>
            b["location"] = new JsonObject { ["mode"] = "mobile", ["latitude"] = 52.37, ["longitude"] = 4.89 }));
        Assert.Equal(HttpStatusCode.BadRequest, atHome.StatusCode);
        Assert.True((await Body(atHome))["errors"]!.AsObject().ContainsKey("services"));
        Assert.Equal(0, app.WithDb(db => db.Bookings.Count()));
        // The same visit at the business is booked.
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Visit(At("13:00")))).StatusCode);
    }

    [Fact]
    public async Task Race_ParallelOverlappingVisits_DatabaseLetsOnlyNonOverlappingThrough()
    {
        var app = await StartAsync();
        // Before 13:00 only Anna works, so each visit holds her for 90 minutes. Starts 11:00..12:30 overlap one another
        // except 11:00 with 12:30.
        string[] starts = ["11:00", "11:30", "12:00", "12:30"];
        var tasks = Enumerable.Range(0, 24).Select(async i =>
        {
            using var client = app.CreateClient();
            var response = await Book(client, Visit(At(starts[i % starts.Length]), $"client{i}@example.com"));
            return (Start: starts[i % starts.Length], response.StatusCode);
        }).ToList();
        var results = await Task.WhenAll(tasks);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        var won = results.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(won);
        Assert.InRange(won.Count, 1, 2);
        Assert.Equal(won.Count, app.WithDb(db => db.Bookings.Count(b => b.Status == BookingStatus.Confirmed)));
        // Nothing Anna holds overlaps anything else she holds.
        var anna = Live(app).Where(r => r.Unit == "staff:anna").OrderBy(r => r.From).ToList();
        Assert.Equal(won.Count * 2, anna.Count);
        for (var i = 1; i < anna.Count; i++)
        {
            Assert.True(anna[i - 1].To <= anna[i].From, $"{anna[i - 1]} overlaps {anna[i]}");
        }
        // Every visit written is whole: both parts of each booking.
        Assert.All(anna.GroupBy(r => r.Booking), g => Assert.Equal(2, g.Count()));
    }
}

/// <summary>The class's app: the manage links' rate limit off (the tests call them many times from one address).</summary>
public sealed class SqliteVisitApp : SharedApp
{
    public override Db Kind => Db.Sqlite;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:RateLimits:ManagePerMinute"] = "0";
}

/// <summary>The class's app: the manage links' rate limit off (the tests call them many times from one address).</summary>
public sealed class PostgresVisitApp : SharedApp
{
    public override Db Kind => Db.Postgres;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:RateLimits:ManagePerMinute"] = "0";
}

public sealed class SqliteVisitTests(SqliteVisitApp shared) : VisitTests(shared), IClassFixture<SqliteVisitApp>;

public sealed class PostgresVisitTests(PostgresVisitApp shared) : VisitTests(shared), IClassFixture<PostgresVisitApp>;
