using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Issue 15 (seed 002), assignment strategies over HTTP on both databases: a booking for anyone goes by the service's
/// strategy (round robin, least busy that day, priority) and to the client's preferred staff member first whenever
/// they are able; a bad strategy is refused field by field. One app per database for the class; each test has a page
/// of its own (round robin counts every booking of a page made in the past week).
/// </summary>
public abstract class AssignmentTests(AssignmentTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
                s["Bookwell:RateLimits:SlotsPerMinute"] = "0";
            });
            var put = await PutConfig(App.Admin(), Config());
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private HttpClient Client => shared.App.CreateClient();

    private static JsonObject Page(string slug, string assignment, string? priority = null) => JsonNode.Parse($$"""
        {
          "slug": "{{slug}}", "name": "Page {{slug}}", "timeZone": "Europe/Amsterdam",
          "location": { "mode": "in-person", "details": "Main street 1" },
          "settings": { "horizonDays": 60, "slotIntervalMinutes": 60, "minNoticeMinutes": 0, "notifyStaff": false,
                        "allowedDays": ["mon","tue","wed","thu","fri"] },
          "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
          "branches": [],
          "services": [
            { "key": "cut", "name": "Cut", "durationMinutes": 60, "price": { "amount": 25, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [], "assignment": "{{assignment}}"{{(priority is null ? "" : $", \"staffPriority\": {priority}")}} }
          ],
          "staff": [
            { "key": "anna", "name": "Anna", "services": ["cut"] },
            { "key": "bob", "name": "Bob", "services": ["cut"] },
            { "key": "cara", "name": "Cara", "services": ["cut"] }
          ],
          "resources": []
        }
        """)!.AsObject();

    public static JsonObject Config() => new()
    {
        ["pages"] = new JsonArray(
            Page("rr", "round-robin"),
            Page("lb", "least-busy"),
            Page("prio", "priority", "[\"cara\", \"bob\"]"),
            Page("pref", "first-available"),
            Page("visit", "round-robin").Also(p =>
            {
                p["services"]!.AsArray().Add(JsonNode.Parse("""
                    { "key": "tint", "name": "Tint", "durationMinutes": 60, "price": { "amount": 60, "currency": "EUR" }, "payment": "none",
                      "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
                    """));
                foreach (var member in p["staff"]!.AsArray())
                {
                    member!["services"]!.AsArray().Add("tint");
                }
            })),
    };

    private static string At(string day, string time) => $"{day}T{time}:00+01:00";

    /// <summary>Books and returns the staff member who got it.</summary>
    private async Task<string> BookAsync(string slug, string day, string time, string email = "ada@example.com", string? staff = null)
    {
        var response = await Book(Client, Booking(At(day, time), "cut", email, staff), slug);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await Body(response))["staff"]!.GetValue<string>();
    }

    [Fact]
    public async Task RoundRobin_SixAnyoneBookings_SpreadTwoEach()
    {
        const string day = "2027-03-08";
        var got = new List<string>();
        // Out of time order: fairness goes by bookings made, not by where they fall in the day.
        foreach (var time in new[] { "15:00", "09:00", "12:00", "10:00", "16:00", "11:00" })
        {
            got.Add(await BookAsync("rr", day, time, $"rr{got.Count}@example.com"));
        }
        Assert.Equal([2, 2, 2], new[] { "anna", "bob", "cara" }.Select(k => got.Count(g => g == k)));
        // Ties go in page order: the first three went anna, bob, cara.
        Assert.Equal(["anna", "bob", "cara"], got.Take(3));
        var stored = shared.App.WithDb(db => db.Bookings.Where(b => b.PageSlug == "rr").Select(b => b.StaffKey).ToList());
        Assert.Equal([2, 2, 2], new[] { "anna", "bob", "cara" }.Select(k => stored.Count(s => s == k)));
    }

    [Fact]
    public async Task LeastBusy_PicksWhoseDayIsEmptiest()
    {
        const string day = "2027-03-09";
        // Anna 2 hours that day, Cara 1 hour, Bob none that day but 3 hours the day after (which does not count).
        await BookAsync("lb", day, "09:00", staff: "anna");
        await BookAsync("lb", day, "10:00", staff: "anna");
        await BookAsync("lb", day, "11:00", staff: "cara");
        foreach (var t in new[] { "09:00", "10:00", "11:00" })
        {
            await BookAsync("lb", "2027-03-10", t, staff: "bob");
        }
        // Round robin would pick Cara (1 booking), first available Anna; the emptiest day is Bob's.
        Assert.Equal("bob", await BookAsync("lb", day, "14:00", "lb1@example.com"));
        // Now Bob and Cara have an hour each: page order decides between them.
        Assert.Equal("bob", await BookAsync("lb", day, "15:00", "lb2@example.com"));
        Assert.Equal("cara", await BookAsync("lb", day, "16:00", "lb3@example.com"));
        // The slot offered is the same whoever gets it: every able member is listed.
        var slots = (await Client.GetFromJsonAsync<JsonObject>($"/api/v1/pages/lb/slots?service=cut&from={day}&to={day}"))!["slots"]!.AsArray();
        var twelve = slots.Single(s => s!["start"]!.GetValue<string>() == At(day, "12:00"))!;
        Assert.Equal(["anna", "bob", "cara"], twelve["staff"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public async Task Priority_ConfiguredOrder_ThenTheRestInPageOrder()
    {
        const string day = "2027-03-11";
        Assert.Equal("cara", await BookAsync("prio", day, "09:00", "p1@example.com"));
        await BookAsync("prio", day, "10:00", "p2@example.com", staff: "cara");
        Assert.Equal("bob", await BookAsync("prio", day, "10:00", "p3@example.com"));
        await BookAsync("prio", day, "11:00", "p4@example.com", staff: "cara");
        await BookAsync("prio", day, "11:00", "p5@example.com", staff: "bob");
        Assert.Equal("anna", await BookAsync("prio", day, "11:00", "p6@example.com"));
    }

    [Fact]
    public async Task PreferredStaff_SetOnTheClientPage_WinsWhenAble_FallsBackWhenNot()
    {
        const string day = "2027-03-12";
        const string email = "fan@example.com";
        // The client exists once they have booked (with Anna, the page's first).
        Assert.Equal("anna", await BookAsync("pref", day, "09:00", email));
        var id = shared.App.WithDb(db => db.Customers.Single(c => c.EmailNormalized == "FAN@EXAMPLE.COM").Id);
        var path = $"/admin/customers/{id}";

        // The form is CSRF-protected like its siblings, refuses a key that is no staff member, and saves Bob.
        var forged = await shared.Owner.Client.PostAsync(path + "?handler=Preferred", new FormUrlEncodedContent([new("PreferredStaff", "bob")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var bad = await shared.Owner.PostFormAsync(path + "?handler=Preferred", [new("PreferredStaff", "zoe")], path);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Not a staff member of this business.", await WebSession.TextAsync(bad), StringComparison.Ordinal);
        Assert.Null(shared.App.WithDb(db => db.Customers.Single(c => c.Id == id).PreferredStaffKey));
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync(path + "?handler=Preferred", [new("PreferredStaff", "bob")], path)).StatusCode);
        var page = await shared.Owner.GetAsync(path);
        Assert.Contains("<option value=\"bob\" selected=\"selected\">Bob</option>", page, StringComparison.Ordinal);
        var detail = await shared.App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/customers/{id}");
        Assert.Equal("bob", detail!["preferredStaff"]!.GetValue<string>());

        // For anyone: Bob when he is free (the address matches whatever its case) ...
        Assert.Equal("bob", await BookAsync("pref", day, "10:00", "Fan@Example.com"));
        // ... the strategy (here page order: Anna) when he is not ...
        await BookAsync("pref", day, "11:00", "other@example.com", staff: "bob");
        Assert.Equal("anna", await BookAsync("pref", day, "11:00", email));
        // ... and a member the client names is who they get.
        Assert.Equal("cara", await BookAsync("pref", day, "12:00", email, staff: "cara"));
        // Another client booking for anyone is not affected.
        Assert.Equal("anna", await BookAsync("pref", day, "13:00", "someone@example.com"));

        // Clearing the preference: back to the strategy.
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync(path + "?handler=Preferred", [new("PreferredStaff", "")], path)).StatusCode);
        Assert.Equal("anna", await BookAsync("pref", day, "14:00", email));
    }

    [Fact]
    public async Task Visit_OnePersonForBothParts_ChosenByTheFirstServicesStrategy()
    {
        const string day = "2027-03-15";
        // Anna and Cara each have a booking this week, Bob none: round robin gives the whole visit to Bob.
        await BookAsync("visit", day, "09:00", "v1@example.com", staff: "anna");
        await BookAsync("visit", day, "09:00", "v2@example.com", staff: "cara");
        async Task<string[]> VisitAsync(string time, string email)
        {
            var body = Booking(At(day, time), "cut", email).Also(b =>
            {
                b.Remove("service");
                b["services"] = new JsonArray("cut", "tint");
            });
            var response = await Book(Client, body, "visit");
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return [.. (await Body(response))["parts"]!.AsArray().Select(p => p!["staff"]!.GetValue<string>())];
        }
        Assert.Equal(["bob", "bob"], await VisitAsync("11:00", "v3@example.com"));
        // Now one each: page order.
        Assert.Equal(["anna", "anna"], await VisitAsync("13:00", "v4@example.com"));
    }

    [Fact]
    public async Task BadAssignment_400_AtTheField()
    {
        var doc = Config();
        doc["pages"]![0]!["services"]![0]!["assignment"] = "fastest";
        doc["pages"]![1]!["services"]![0]!["staffPriority"] = new JsonArray("anna");
        doc["pages"]![2]!["services"]![0]!["staffPriority"] = new JsonArray("cara", "zoe", "cara");
        var response = await PutConfig(shared.App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.Equal(
            ["pages[0].services[0].assignment", "pages[1].services[0].staffPriority", "pages[2].services[0].staffPriority[1]", "pages[2].services[0].staffPriority[2]"],
            errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("first-available, least-busy, round-robin, priority", errors["pages[0].services[0].assignment"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        // Nothing changed: the round-robin page still takes bookings as configured.
        var live = await shared.App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config");
        Assert.Equal("round-robin", live!["pages"]![0]!["services"]![0]!["assignment"]!.GetValue<string>());
    }
}

public sealed class SqliteAssignmentShared : AssignmentTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresAssignmentShared : AssignmentTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteAssignmentTests(SqliteAssignmentShared shared) : AssignmentTests(shared), IClassFixture<SqliteAssignmentShared>;

public sealed class PostgresAssignmentTests(PostgresAssignmentShared shared) : AssignmentTests(shared), IClassFixture<PostgresAssignmentShared>;
