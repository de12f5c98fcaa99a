using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Issue 15, the breadth of per-service and per-branch rules, over HTTP on both databases with the fake clock (Monday
/// 1 March 2027, 08:00 in Amsterdam): the admin calendar filtered to a service and the Insights figures of one service
/// follow the service's own (narrower) hours; a branch's own settings are edited in the admin form and land in the
/// configuration document; a waitlist entry waits at a branch and is offered time freed there only. One app per database.
/// </summary>
public abstract class ServiceBreadthTests(ServiceBreadthTests.Shared shared)
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
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            });
            var put = await PutConfig(App.Admin(), Config());
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@breadth.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string Slug = "breadth";

    private BookwellApp App => shared.App;

    private HttpClient Client => shared.App.CreateClient();

    private WebSession Owner => shared.Owner;

    /// <summary>
    /// Weekdays 09–17 at every branch. The waitlist is off for the page and on at North and South (East follows the page).
    /// Consultations have their own hours, narrower than the page's: Mondays 10–12 and Wednesdays 14–16, only by Nora.
    /// </summary>
    public static JsonObject Config() => JsonNode.Parse("""
        {
          "pages": [
            {
              "slug": "breadth", "name": "Breadth", "timeZone": "Europe/Amsterdam",
              "settings": { "horizonDays": 60, "slotIntervalMinutes": 60, "minNoticeMinutes": 0, "notifyStaff": false,
                            "allowedDays": ["mon","tue","wed","thu","fri"], "waitlist": false },
              "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
              "branches": [
                { "key": "north", "name": "North", "settings": { "waitlist": true } },
                { "key": "south", "name": "South", "settings": { "waitlist": true } },
                { "key": "east", "name": "East" }
              ],
              "services": [
                { "key": "cut", "name": "Cut", "durationMinutes": 60, "price": { "amount": 25, "currency": "EUR" },
                  "requiresStaff": true, "slotIntervalMinutes": 60 },
                { "key": "consult", "name": "Consultation", "durationMinutes": 60, "price": { "amount": 0, "currency": "EUR" },
                  "requiresStaff": true, "slotIntervalMinutes": 60,
                  "schedule": { "mon": [["10:00","12:00"]], "wed": [["14:00","16:00"]] } }
              ],
              "staff": [
                { "key": "nora", "name": "Nora", "services": ["cut","consult"], "branch": "north" },
                { "key": "sam", "name": "Sam", "services": ["cut"], "branch": "south" },
                { "key": "ed", "name": "Ed", "services": ["cut"], "branch": "east" }
              ],
              "resources": []
            }
          ]
        }
        """)!.AsObject();

    private static JsonObject At(string start, string service, string email, string branch) =>
        Booking(start, service, email).Also(b =>
        {
            b["branch"] = branch;
            b["answers"] = new JsonObject();
        });

    private static JsonObject Join(string email, string date, string? branch, string? staff = null, string? from = null, string? to = null) => new()
    {
        ["service"] = "cut",
        ["staff"] = staff,
        ["date"] = date,
        ["from"] = from,
        ["to"] = to,
        ["branch"] = branch,
        ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = email, ["phone"] = null },
    };

    private Task<HttpResponseMessage> JoinAsync(JsonObject body) => Client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(body));

    private async Task<JsonObject> CreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await Body(response);
    }

    private WaitlistEntry Entry(string email) => App.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == email));

    /// <summary>The hour rows the day view draws in each column (its first to last hour), in order.</summary>
    private static List<string> HourRows(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "<div class=\"hour m(\\d+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();

    [Fact]
    public async Task TheCalendarFilteredToAService_IsOpenOnlyInTheServicesOwnHours()
    {
        // Monday 1 March, North: the page (and Nora) open 09–17; consultations only 10–12.
        var all = await Owner.GetAsync($"/admin/calendar?site={Slug}&date=2027-03-01&branch=north");
        Assert.Equal(["540", "600", "660", "720", "780", "840", "900", "960"], HourRows(all));

        var consult = WebUtility.HtmlDecode(await Owner.GetAsync($"/admin/calendar?site={Slug}&date=2027-03-01&branch=north&service=consult"));
        Assert.Equal(["600", "660"], HourRows(consult));
        Assert.Contains("data-from=\"600\"", consult, StringComparison.Ordinal);
        // The free boxes are the service's two starts (10:00 and 11:00) as one run, booking links at 10:00.
        Assert.Contains("service=consult&staff=nora&date=2027-03-01&time=10:00", consult, StringComparison.Ordinal);
        Assert.DoesNotContain("service=consult&staff=nora&date=2027-03-01&time=09:00", consult, StringComparison.Ordinal);

        // A service without hours of its own keeps the page's day.
        Assert.Equal(HourRows(all), HourRows(await Owner.GetAsync($"/admin/calendar?site={Slug}&date=2027-03-01&branch=north&service=cut")));
    }

    [Fact]
    public async Task TheCalendarFilteredToAService_GivesAColumnOnlyToThoseWhoGiveIt()
    {
        // Monday 15 March: Sam (cuts only, at South) has a cut at 10:00; consultations are Nora's alone.
        var cut = await CreatedAsync(await Book(Client, At("2027-03-15T10:00:00+01:00", "cut", "sam-cut@example.com", "south").Also(b => b["staff"] = "sam"), Slug));
        var cutLink = $"/admin/bookings/{cut["id"]!.GetValue<string>()}";
        static List<string> Columns(string html) =>
            System.Text.RegularExpressions.Regex.Matches(html, "<section class=\"col\" aria-label=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();

        var everyone = await Owner.GetAsync($"/admin/calendar?site={Slug}&date=2027-03-15");
        Assert.Equal(["Nora", "Sam", "Ed"], Columns(everyone));
        var cuts = await Owner.GetAsync($"/admin/calendar?site={Slug}&date=2027-03-15&service=cut");
        Assert.Equal(["Nora", "Sam", "Ed"], Columns(cuts));
        Assert.Contains(cutLink, cuts, StringComparison.Ordinal);

        // Filtered to consultations: only Nora has a column, and Sam's cut does not turn up in a "no staff member" column.
        var consult = WebUtility.HtmlDecode(await Owner.GetAsync($"/admin/calendar?site={Slug}&date=2027-03-15&service=consult"));
        Assert.Equal(["Nora"], Columns(consult));
        Assert.DoesNotContain(cutLink, consult, StringComparison.Ordinal);
        Assert.Contains("service=consult&staff=nora&date=2027-03-15&time=10:00", consult, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOperatorsBookingOnTakenTime_IsRefused_NamingTheBookingThatHoldsIt()
    {
        // Tuesday 16 March, 10:00: Nora already cuts Ada's hair at North.
        var held = await CreatedAsync(await Book(Client, At("2027-03-16T10:00:00+01:00", "cut", "held@example.com", "north").Also(b => b["staff"] = "nora"), Slug));
        var operatorBooking = At("2027-03-16T10:00:00+01:00", "cut", "second@example.com", "north").Also(b =>
        {
            b["staff"] = "nora";
            b["page"] = Slug;
        });
        var refused = await App.Admin().PostAsync("/api/v1/admin/bookings", Json(operatorBooking));
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, await refused.Content.ReadAsStringAsync());
        var problem = await Body(refused);
        Assert.EndsWith("slot-unavailable", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        var conflict = Assert.Single(problem["conflicts"]!.AsArray())!;
        Assert.Equal(held["id"]!.GetValue<string>(), conflict["id"]!.GetValue<string>());
        Assert.Equal(("cut", "nora", "2027-03-16T10:00:00+01:00", "2027-03-16T11:00:00+01:00", "Ada Lovelace"),
            (conflict["service"]!.GetValue<string>(), conflict["staff"]!.GetValue<string>(), conflict["start"]!.GetValue<string>(),
             conflict["end"]!.GetValue<string>(), conflict["customer"]!["name"]!.GetValue<string>()));
        Assert.Contains($"(booking {held["id"]!.GetValue<string>()})", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // The same hour with Sam at South is free: booked.
        Assert.Equal(HttpStatusCode.Created, (await App.Admin().PostAsync("/api/v1/admin/bookings",
            Json(operatorBooking.Also(b => { b["staff"] = "sam"; b["branch"] = "south"; })))).StatusCode);
    }

    [Fact]
    public async Task TheWaitlistJoin_SaysWhatIsWrong_InTheRequestsLanguage_OnTheApiAndTheJoinPage()
    {
        // A date in the past, a window that ends before it starts, an unknown branch and a bad address.
        var body = Join("nope", "2027-02-01", "nowhere", from: "14:00", to: "10:00");
        var dutchClient = Client;
        dutchClient.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        var dutch = await dutchClient.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, dutch.StatusCode);
        var nl = (await Body(dutch))["errors"]!.AsObject();
        string First(JsonObject errors, string field) => errors[field]![0]!.GetValue<string>();
        Assert.Equal("Moet vandaag of later zijn.", First(nl, "date"));
        Assert.Equal("Moet later zijn dan het begin ('from').", First(nl, "to"));
        Assert.Equal("Geen actieve vestiging 'nowhere' op deze pagina.", First(nl, "branch"));
        Assert.Equal("Moet een e-mailadres zijn, zoals ada@example.com.", First(nl, "customer.email"));

        // Without a language asked for, the API answers in English as it always did.
        var en = (await Body(await JoinAsync(body)))["errors"]!.AsObject();
        Assert.Equal("Must be today or later.", First(en, "date"));
        Assert.Equal("Must be later than 'from'.", First(en, "to"));
        Assert.Equal("No active branch 'nowhere' on this page.", First(en, "branch"));
        Assert.Equal("Must be an e-mail address such as ada@example.com.", First(en, "customer.email"));

        // The join page (the booking page's and the widget's link) in Dutch, each message next to its field.
        var refused = await WebSession.For(App).PostFormAsync($"/book/{Slug}/waitlist?lang=nl", [("Service", "cut"), ("Date", "2027-02-01"),
            ("Pref", "range"), ("From", "14:00"), ("To", "10:00"), ("Branch", "nowhere"), ("Name", "Form Filler"), ("Email", "nope")]);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = await WebSession.TextAsync(refused);
        Assert.Contains("id=\"date-error\">Moet vandaag of later zijn.</p>", page, StringComparison.Ordinal);
        Assert.Contains("id=\"to-error\">Moet later zijn dan het begin ('from').</p>", page, StringComparison.Ordinal);
        Assert.Contains("id=\"branch-error\">Geen actieve vestiging 'nowhere' op deze pagina.</p>", page, StringComparison.Ordinal);
        Assert.Contains("id=\"customer-email-error\">Moet een e-mailadres zijn, zoals ada@example.com.</p>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Must be", page, StringComparison.Ordinal);
        Assert.Empty(App.WithDb(db => db.WaitlistEntries.AsNoTracking().Where(w => w.CustomerEmail == "nope").ToList()));
    }

    [Fact]
    public async Task InsightsOfOneService_CountItsBookingsAgainstItsOwnHours()
    {
        // Monday 8 – Friday 12 March. Consultations: Nora only, Monday 10–12 and Wednesday 14–16 = 240 minutes.
        await CreatedAsync(await Book(Client, At("2027-03-08T10:00:00+01:00", "consult", "consult@example.com", "north"), Slug));
        await CreatedAsync(await Book(Client, At("2027-03-09T10:00:00+01:00", "cut", "cut@example.com", "south"), Slug));
        const string range = "from=2027-03-08&to=2027-03-12&page=breadth";

        var consult = (await App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/insights?{range}&service=consult"))!;
        Assert.Equal(240, consult["bookings"]!["availableMinutes"]!.GetValue<int>());
        Assert.Equal(60, consult["bookings"]!["bookedMinutes"]!.GetValue<int>());
        Assert.Equal(1, consult["bookings"]!["count"]!.GetValue<int>());
        Assert.Equal(0.25, consult["bookings"]!["occupancyRate"]!.GetValue<double>());
        Assert.Equal("consult", consult["range"]!["service"]!.GetValue<string>());

        // Cuts have no hours of their own: three people, five days of eight hours.
        var cut = (await App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/insights?{range}&service=cut"))!;
        Assert.Equal(3 * 5 * 480, cut["bookings"]!["availableMinutes"]!.GetValue<int>());
        Assert.Equal(1, cut["bookings"]!["count"]!.GetValue<int>());

        // The page-wide figures stay as they were: every staff member's hours, every booking.
        var page = (await App.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/insights?{range}"))!;
        Assert.Equal(3 * 5 * 480, page["bookings"]!["availableMinutes"]!.GetValue<int>());
        Assert.Equal(2, page["bookings"]!["count"]!.GetValue<int>());
        Assert.Null(page["range"]!["service"]);

        var unknown = await App.Admin().GetAsync($"/api/v1/admin/insights?{range}&service=massage");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(["service"], (await Body(unknown))["errors"]!.AsObject().Select(e => e.Key));

        // The dashboard offers the same filter and shows the service's occupancy (25 %).
        var html = WebUtility.HtmlDecode(await Owner.GetAsync($"/admin/insights?{range}&service=consult"));
        Assert.Contains("<option value=\"consult\" selected=\"selected\">", html, StringComparison.Ordinal);
        Assert.Contains("<strong>25 %</strong>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABranchsOwnSettings_AreEditedInTheAdminForm_IntoTheConfigurationDocument()
    {
        const string path = "/admin/setup/p/breadth/branches/east";
        try
        {
            var form = WebUtility.HtmlDecode(await Owner.GetAsync(path));
            Assert.Contains("id=\"branch-settings\"", form, StringComparison.Ordinal);
            Assert.Contains("Instellingen van deze vestiging", WebUtility.HtmlDecode(await Owner.GetAsync(path + "?lang=nl")), StringComparison.Ordinal);

            (string, string)[] Fields(params (string, string)[] settings) =>
                [("name", "East"), ("active", "true"), .. settings];

            // Without the form's antiforgery token nothing is taken.
            var forged = await Owner.Client.PostAsync(path, new FormUrlEncodedContent([KeyValuePair.Create("name", "East"),
                KeyValuePair.Create("settings.waitlist", "true")]));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

            // Bad values: field errors on the form, nothing stored.
            var bad = await Owner.PostFormAsync(path, Fields(("settings.waitlistHoldMinutes", "1"), ("settings.doubleOptInHours", "3"),
                ("settings.ownReminders", "true"), ("settings.reminderMinutes", "soon"), ("settings.waitlist", "maybe")));
            Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
            var errors = await WebSession.TextAsync(bad);
            Assert.Contains("id=\"settings-reminderMinutes-error\"", errors, StringComparison.Ordinal);
            Assert.Contains("id=\"settings-waitlist-error\"", errors, StringComparison.Ordinal);
            Assert.Null((await App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["branches"]![2]!["settings"]);
            var invalid = await WebSession.TextAsync(await Owner.PostFormAsync(path, Fields(("settings.waitlistHoldMinutes", "1"), ("settings.doubleOptInHours", "3"))));
            Assert.Contains("id=\"settings-waitlistHoldMinutes-error\"", invalid, StringComparison.Ordinal);
            Assert.Contains("id=\"settings-doubleOptInHours-error\"", invalid, StringComparison.Ordinal);
            Assert.Null((await App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["branches"]![2]!["settings"]);

            // Saved: only what was set is the branch's own; the rest follows the page.
            var saved = await Owner.PostFormAsync(path, Fields(("settings.waitlist", "true"), ("settings.waitlistHoldMinutes", "30"),
                ("settings.waitlistMode", "manual"), ("settings.autoNoShowMinutes", "0"), ("settings.ownReminders", "true"),
                ("settings.reminderMinutes", ""), ("settings.doubleOptInHours", "")));
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            var settings = (await App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["branches"]![2]!["settings"]!.AsObject();
            Assert.True(settings["waitlist"]!.GetValue<bool>());
            Assert.Equal(30, settings["waitlistHoldMinutes"]!.GetValue<int>());
            Assert.Equal("manual", settings["waitlistMode"]!.GetValue<string>());
            Assert.Equal(0, settings["autoNoShowMinutes"]!.GetValue<int>());
            Assert.Equal("[]", settings["reminderMinutes"]!.ToJsonString());
            Assert.Null(settings["doubleOptInHours"]);
            // And the page uses it: East now takes waitlist entries (it followed the page's "off" before).
            await CreatedAsync(await JoinAsync(Join("east@example.com", "2027-03-04", "east")));

            // Set back to the page's everywhere: the branch has no settings object left.
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync(path, Fields())).StatusCode);
            Assert.Null((await App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["branches"]![2]!["settings"]);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }
    }

    [Fact]
    public async Task AWaitlistEntry_WaitsAtItsBranch_AndIsOfferedTimeFreedThereOnly()
    {
        const string date = "2027-03-03";
        static string[] Fields(JsonObject errors) => [.. errors.Select(e => e.Key)];
        async Task<JsonObject> RefusedAsync(JsonObject body)
        {
            var response = await JoinAsync(body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await Body(response))["errors"]!.AsObject();
        }

        // Cuts are given at all three branches, with a waitlist at two: which one must be said.
        var none = await RefusedAsync(Join("none@example.com", date, null));
        Assert.Equal(["branch"], Fields(none));
        Assert.StartsWith("Required", none["branch"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["branch"], Fields(await RefusedAsync(Join("west@example.com", date, "west"))));
        Assert.Equal("This branch has no waitlist.", (await RefusedAsync(Join("east@example.com", date, "east")))["branch"]![0]!.GetValue<string>());
        Assert.Equal(["branch"], Fields(await RefusedAsync(Join("wrong@example.com", date, "north", staff: "sam"))));
        // The staff member decides it: Sam works at South.
        var bySam = await CreatedAsync(await JoinAsync(Join("sam@example.com", "2027-03-05", null, staff: "sam")));
        Assert.Equal("south", bySam["branch"]!.GetValue<string>());
        Assert.Equal("south", Entry("sam@example.com").BranchKey);

        // 10:00 is taken at North and at South. First in line waits at South, second at North.
        var north = await CreatedAsync(await Book(Client, At($"{date}T10:00:00+01:00", "cut", "n@example.com", "north"), Slug));
        var south = await CreatedAsync(await Book(Client, At($"{date}T10:00:00+01:00", "cut", "s@example.com", "south"), Slug));
        Assert.Equal("south", (await CreatedAsync(await JoinAsync(Join("at-south@example.com", date, "south", from: "10:00", to: "11:00"))))["branch"]!.GetValue<string>());
        await CreatedAsync(await JoinAsync(Join("at-north@example.com", date, "north", from: "10:00", to: "11:00")));

        // North's 10:00 is freed: it passes the first in line (who waits at South) and goes to the North entry, at North.
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/bookings/{north["manageToken"]}/cancel", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Waiting, Entry("at-south@example.com").Status);
        var atNorth = Entry("at-north@example.com");
        Assert.Equal(WaitlistStatus.Offered, atNorth.Status);
        Assert.Equal("north", App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == atNorth.OfferBookingId)).BranchKey);

        // South's 10:00 is freed: now the South entry is offered it, at South, by Sam.
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/bookings/{south["manageToken"]}/cancel", null)).StatusCode);
        var atSouth = Entry("at-south@example.com");
        Assert.Equal(WaitlistStatus.Offered, atSouth.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 9, 0), atSouth.OfferStart);
        var hold = App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == atSouth.OfferBookingId));
        Assert.Equal(("south", "sam"), (hold.BranchKey, hold.StaffKey));
    }

    [Fact]
    public async Task TheJoinPage_CarriesTheBranch_AndSaysWhatIsWrongWithIt()
    {
        var session = WebSession.For(App);
        var page = WebUtility.HtmlDecode(await session.GetAsync($"/book/{Slug}/waitlist?service=cut&branch=south&date=2027-03-04"));
        Assert.Contains("<option value=\"south\" selected=\"selected\">South</option>", page, StringComparison.Ordinal);

        var refused = await session.PostFormAsync($"/book/{Slug}/waitlist", [("Service", "cut"), ("Date", "2027-03-04"), ("Pref", "any"),
            ("Branch", "nowhere"), ("Name", "Form Filler"), ("Email", "form-branch@example.com")]);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("id=\"branch-error\">No active branch 'nowhere' on this page.", await WebSession.TextAsync(refused), StringComparison.Ordinal);

        var joined = await session.PostFormAsync($"/book/{Slug}/waitlist", [("Service", "cut"), ("Date", "2027-03-04"), ("Pref", "any"),
            ("Branch", "north"), ("Name", "Form Filler"), ("Email", "form-branch@example.com")]);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        Assert.Equal("north", Entry("form-branch@example.com").BranchKey);
    }
}

public sealed class SqliteServiceBreadthShared : ServiceBreadthTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresServiceBreadthShared : ServiceBreadthTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteServiceBreadthTests(SqliteServiceBreadthShared shared) : ServiceBreadthTests(shared), IClassFixture<SqliteServiceBreadthShared>;

public sealed class PostgresServiceBreadthTests(PostgresServiceBreadthShared shared) : ServiceBreadthTests(shared), IClassFixture<PostgresServiceBreadthShared>;
