using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Issue 15, "rules per service and per branch", over HTTP on both databases with a fake clock: a service's own hours and
/// exceptions narrow the page's; a staff-only service (<c>onlineBooking: false</c>) is absent from everything public yet
/// bookable through the admin API; reminders, automatic no-show, double opt-in and the waitlist follow the booking's
/// branch, else the page. One app per database for the class (two pages: "rules" without branches, "branches" with two).
/// </summary>
public abstract class ServiceRulesTests(ServiceRulesTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public SmtpSink Smtp { get; } = SmtpSink.Start();

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
                s["Bookwell:RateLimits:SlotsPerMinute"] = "0";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
            });
            var put = await PutConfig(App.Admin(), Config());
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Smtp.Dispose();
        }
    }

    private BookwellApp App => shared.App;

    private HttpClient Client => shared.App.CreateClient();

    private const string Weekdays = """
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
        """;

    public static JsonObject Config() => JsonNode.Parse($$"""
        {
          "pages": [
            {
              "slug": "rules", "name": "Rules", "timeZone": "Europe/Amsterdam",
              "settings": { "horizonDays": 60, "slotIntervalMinutes": 60, "minNoticeMinutes": 0, "notifyStaff": false,
                            "allowedDays": ["mon","tue","wed","thu","fri"] },
              {{Weekdays}}
              "branches": [],
              "services": [
                { "key": "consult", "name": "Consultation", "durationMinutes": 60, "price": { "amount": 0, "currency": "EUR" },
                  "requiresStaff": true, "slotIntervalMinutes": 60,
                  "schedule": { "mon": [["10:00","12:00"]], "wed": [["08:00","10:00"],["16:00","19:00"]] },
                  "exceptions": [ { "date": "2027-03-08", "closed": true }, { "date": "2027-03-15", "hours": [["14:00","16:00"]] } ] },
                { "key": "massage", "name": "Deep tissue massage", "durationMinutes": 60, "price": { "amount": 70, "currency": "EUR" },
                  "requiresStaff": true, "slotIntervalMinutes": 60, "onlineBooking": false },
                { "key": "cut", "name": "Quick trim", "durationMinutes": 60, "price": { "amount": 20, "currency": "EUR" },
                  "requiresStaff": true, "slotIntervalMinutes": 60 }
              ],
              "staff": [ { "key": "rita", "name": "Rita", "services": ["consult","massage","cut"] } ],
              "resources": []
            },
            {
              "slug": "branches", "name": "Branches", "timeZone": "Europe/Amsterdam",
              "settings": { "horizonDays": 60, "slotIntervalMinutes": 60, "minNoticeMinutes": 0, "notifyStaff": false,
                            "allowedDays": ["mon","tue","wed","thu","fri"],
                            "reminderMinutes": [1440], "autoNoShowMinutes": 15, "doubleOptInHours": 4, "waitlist": false },
              {{Weekdays}}
              "exceptions": [ { "date": "2027-03-03", "hours": [["09:00","11:00"]] } ],
              "branches": [
                { "key": "north", "name": "North",
                  "settings": { "reminderMinutes": [60, 120], "autoNoShowMinutes": 45, "doubleOptInHours": 0, "waitlist": true, "waitlistHoldMinutes": 20 } },
                { "key": "south", "name": "South" }
              ],
              "services": [
                { "key": "cut", "name": "Cut", "durationMinutes": 60, "price": { "amount": 25, "currency": "EUR" },
                  "requiresStaff": true, "slotIntervalMinutes": 60 }
              ],
              "staff": [
                { "key": "nora", "name": "Nora", "services": ["cut"], "branch": "north" },
                { "key": "sam", "name": "Sam", "services": ["cut"], "branch": "south" }
              ],
              "resources": []
            }
          ]
        }
        """)!.AsObject();

    private static JsonObject At(string start, string service, string email, string? branch = null) =>
        Booking(start, service, email).Also(b =>
        {
            b["branch"] = branch;
            b["answers"] = new JsonObject();
        });

    private static JsonObject AdminAt(string page, string start, string service, string email, string? branch = null) =>
        At(start, service, email, branch).Also(b => b["page"] = page);

    private async Task<JsonObject> CreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await Body(response);
    }

    private Bookwell.Data.Booking Stored(JsonObject created) =>
        App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == Guid.Parse(created["id"]!.GetValue<string>())));

    [Fact]
    public async Task ServiceHoursAndExceptions_NarrowThePageHours_InSlotsAndBookings()
    {
        var slots = await SlotStarts(Client, "consult", "2027-03-01", "2027-03-17", slug: "rules");

        // Mondays 10–12 and Wednesdays 8–10 and 16–19, each inside the page's 9–17; closed on the 8th; 14–16 on the 15th.
        Assert.Equal([
            "2027-03-01T10:00:00+01:00", "2027-03-01T11:00:00+01:00",
            "2027-03-03T09:00:00+01:00", "2027-03-03T16:00:00+01:00",
            "2027-03-10T09:00:00+01:00", "2027-03-10T16:00:00+01:00",
            "2027-03-15T14:00:00+01:00", "2027-03-15T15:00:00+01:00",
            "2027-03-17T09:00:00+01:00", "2027-03-17T16:00:00+01:00"], slots);

        // Outside the service's hours the booking is refused, though the page (and its staff member) is open then.
        foreach (var start in new[] { "2027-03-02T10:00:00+01:00", "2027-03-08T10:00:00+01:00", "2027-03-15T10:00:00+01:00", "2027-03-03T17:00:00+01:00" })
        {
            var refused = await Book(Client, At(start, "consult", "early@example.com"), "rules");
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.EndsWith("slot-unavailable", (await Body(refused))["type"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Conflict, (await App.Admin().PostAsync("/api/v1/admin/bookings",
                Json(AdminAt("rules", start, "consult", "desk@example.com")))).StatusCode);
        }
        // The page itself is open then: another service of the page books the same closed Monday.
        await CreatedAsync(await Book(Client, At("2027-03-08T10:00:00+01:00", "cut", "trim@example.com"), "rules"));
        await CreatedAsync(await Book(Client, At("2027-03-15T14:00:00+01:00", "consult", "inside@example.com"), "rules"));
    }

    [Fact]
    public async Task StaffOnlyService_IsAbsentFromEverythingPublic_YetTheAdminApiBooksIt()
    {
        var page = await Client.GetFromJsonAsync<JsonObject>("/api/v1/pages/rules");
        Assert.Equal(["consult", "cut"], page!["services"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        var slots = await Client.GetAsync("/api/v1/pages/rules/slots?service=massage&from=2027-03-04&to=2027-03-04");
        Assert.Equal(HttpStatusCode.NotFound, slots.StatusCode);
        Assert.Equal("application/problem+json", slots.Content.Headers.ContentType?.MediaType);

        var refused = await Book(Client, At("2027-03-04T10:00:00+01:00", "massage", "online@example.com"), "rules");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await Body(refused);
        Assert.EndsWith("validation", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["service"], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Contains("cannot be booked online", problem["errors"]!["service"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var join = await Client.PostAsync("/api/v1/pages/rules/waitlist", Json(new JsonObject
        {
            ["service"] = "massage",
            ["staff"] = null,
            ["date"] = "2027-03-04",
            ["from"] = null,
            ["to"] = null,
            ["customer"] = new JsonObject { ["name"] = "Wai", ["email"] = "wait@example.com", ["phone"] = null },
        }));
        Assert.Equal(HttpStatusCode.NotFound, join.StatusCode);

        // The booking page (and so the widget, which frames it) neither lists it nor opens it when asked by key.
        foreach (var url in new[] { "/book/rules", "/book/rules?service=massage", "/book/rules?service=massage&date=2027-03-04" })
        {
            var html = WebUtility.HtmlDecode(await Client.GetStringAsync(url));
            Assert.DoesNotContain("Deep tissue massage", html, StringComparison.Ordinal);
            Assert.Contains("Quick trim", html, StringComparison.Ordinal);
        }

        // The business books it: the admin API (operators and the staff app validate as admin).
        var booked = await CreatedAsync(await App.Admin().PostAsync("/api/v1/admin/bookings",
            Json(AdminAt("rules", "2027-03-04T10:00:00+01:00", "massage", "desk@example.com"))));
        Assert.Equal("massage", booked["service"]!.GetValue<string>());
        Assert.Equal("rita", booked["staff"]!.GetValue<string>());
        // Switched back on, the same key is public again: nothing but the flag hid it.
        var doc = Config();
        doc["pages"]![0]!["services"]![1]!["onlineBooking"] = true;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), doc)).StatusCode);
        try
        {
            Assert.Contains("2027-03-04T11:00:00+01:00", await SlotStarts(Client, "massage", "2027-03-04", "2027-03-04", slug: "rules"));
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }
    }

    [Fact]
    public async Task AStaffOnlyServiceReservedForAnExclusiveOrganization_AnswersAPublicBookerAsAnUnknownOne()
    {
        // Told "not online" would say the organization's service exists: to anyone without its link it is not there.
        var doc = Config();
        doc["pages"]![0]!["organizations"] = JsonNode.Parse("""[ { "key": "acme", "name": "Acme", "services": ["massage"], "exclusive": true } ]""");
        var put = await PutConfig(App.Admin(), doc);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        try
        {
            async Task<string> RefusalAsync(string service)
            {
                var refused = await Book(Client, At("2027-03-04T10:00:00+01:00", service, "probe@example.com"), "rules");
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                return (await Body(refused))["errors"]!["service"]![0]!.GetValue<string>();
            }
            var reserved = await RefusalAsync("massage");
            Assert.DoesNotContain("cannot be booked online", reserved, StringComparison.Ordinal);
            Assert.Equal((await RefusalAsync("nosuch")).Replace("nosuch", "massage", StringComparison.Ordinal), reserved);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }
    }

    [Fact]
    public async Task BadServiceHoursAndBranchSettings_AreRefusedFieldByField()
    {
        var doc = Config();
        var consult = doc["pages"]![0]!["services"]![0]!;
        consult["schedule"] = JsonNode.Parse("""{ "mon": [["12:00","10:00"]], "fun": [["09:00","10:00"]], "tue": [["25:00","26:00"]] }""");
        consult["exceptions"] = JsonNode.Parse("""[ { "date": "2027-02-30", "closed": true }, { "date": "2027-03-09", "hours": [["11:00","11:00"]] } ]""");
        doc["pages"]![1]!["branches"]![1]!["settings"] = JsonNode.Parse(
            """{ "reminderMinutes": [1], "autoNoShowMinutes": 2000, "doubleOptInHours": 3, "waitlistHoldMinutes": 1, "waitlistMode": "sometimes" }""");

        var response = await PutConfig(App.Admin(), doc);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.Equal([
            "pages[0].services[0].exceptions[0].date", "pages[0].services[0].exceptions[1].hours[0]",
            "pages[0].services[0].schedule.fun", "pages[0].services[0].schedule.mon[0]", "pages[0].services[0].schedule.tue[0]",
            "pages[1].branches[1].settings.autoNoShowMinutes", "pages[1].branches[1].settings.doubleOptInHours",
            "pages[1].branches[1].settings.reminderMinutes[0]", "pages[1].branches[1].settings.waitlistHoldMinutes",
            "pages[1].branches[1].settings.waitlistMode"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("before the end", errors["pages[0].services[0].schedule.mon[0]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Unknown day", errors["pages[0].services[0].schedule.fun"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("HH:mm", errors["pages[0].services[0].schedule.tue[0]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        // Nothing was applied: the live document still has the service's own hours as they were.
        var live = await App.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config");
        Assert.Equal("""[["10:00","12:00"]]""", live!["pages"]![0]!["services"]![0]!["schedule"]!["mon"]!.ToJsonString());
        Assert.Equal(20, live["pages"]![1]!["branches"]![0]!["settings"]!["waitlistHoldMinutes"]!.GetValue<int>());
    }

    [Fact]
    public async Task DoubleOptIn_FollowsTheBookingsBranch_ZeroSwitchesItOffThere()
    {
        var south = await CreatedAsync(await Book(Client, At("2027-03-04T10:00:00+01:00", "cut", "south@example.com", "south"), "branches"));
        var north = await CreatedAsync(await Book(Client, At("2027-03-04T10:00:00+01:00", "cut", "north@example.com", "north"), "branches"));

        // South has no settings of its own: the page's four-hour e-mail confirmation. North set 0: none there.
        Assert.Equal("pending", south["status"]!.GetValue<string>());
        var southRow = Stored(south);
        Assert.True(southRow.AwaitingClientConfirmation);
        Assert.Equal(App.Clock.GetCurrentInstant() + Duration.FromHours(4), southRow.HoldExpiresAt);
        Assert.Equal("confirmed", north["status"]!.GetValue<string>());
        Assert.False(Stored(north).AwaitingClientConfirmation);
        Assert.Null(Stored(north).HoldExpiresAt);
    }

    [Fact]
    public async Task Reminders_AreQueuedAtTheBookingsBranchTimes_ElseThePages()
    {
        var north = await CreatedAsync(await App.Admin().PostAsync("/api/v1/admin/bookings",
            Json(AdminAt("branches", "2027-03-05T14:00:00+01:00", "cut", "rem-north@example.com", "north"))));
        var south = await CreatedAsync(await App.Admin().PostAsync("/api/v1/admin/bookings",
            Json(AdminAt("branches", "2027-03-05T14:00:00+01:00", "cut", "rem-south@example.com", "south"))));

        Instant[] Due(JsonObject booking)
        {
            var id = Guid.Parse(booking["id"]!.GetValue<string>());
            return App.WithDb(db => db.Outbox.AsNoTracking().Where(m => m.BookingId == id && m.Kind == MessageKind.Reminder)
                .Select(m => m.DueAt).ToList()).Order().ToArray();
        }
        var start = Instant.FromUtc(2027, 3, 5, 13, 0);
        Assert.Equal([start - Duration.FromMinutes(120), start - Duration.FromMinutes(60)], Due(north));
        Assert.Equal([start - Duration.FromDays(1)], Due(south));
    }

    [Fact]
    public async Task Waitlist_IsOnAndHoldsForItsOwnTime_AtTheBranchThatSaysSo_OffWhereThePageSaysOff()
    {
        // Wednesday 3 March opens 09:00–11:00: two one-hour cuts at each branch, all four booked.
        var tokens = new Dictionary<string, string>();
        foreach (var branch in new[] { "north", "south" })
        {
            foreach (var hour in new[] { "09", "10" })
            {
                var made = await CreatedAsync(await Book(Client, At($"2027-03-03T{hour}:00:00+01:00", "cut", $"{branch}{hour}@example.com", branch), "branches"));
                tokens[$"{branch}{hour}"] = made["manageToken"]!.GetValue<string>();
            }
        }
        Assert.Empty(await SlotStarts(Client, "cut", "2027-03-03", "2027-03-03", slug: "branches"));

        // The page's waitlist is off but North's is on: a client may join.
        var join = await Client.PostAsync("/api/v1/pages/branches/waitlist", Json(new JsonObject
        {
            ["service"] = "cut",
            ["staff"] = null,
            ["date"] = "2027-03-03",
            ["from"] = null,
            ["to"] = null,
            ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = "waiting@example.com", ["phone"] = null },
        }));
        Assert.True(join.StatusCode == HttpStatusCode.Created, await join.Content.ReadAsStringAsync());
        WaitlistEntry Entry() => App.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == "waiting@example.com"));

        // Time freed at South (the page's setting: off) goes to nobody.
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/bookings/{tokens["south10"]}/cancel", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Waiting, Entry().Status);
        Assert.Equal(["2027-03-03T10:00:00+01:00"], await SlotStarts(Client, "cut", "2027-03-03", "2027-03-03", slug: "branches"));

        // Time freed at North is offered, at North, held for North's 20 minutes (the page says 120).
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/bookings/{tokens["north10"]}/cancel", null)).StatusCode);
        var entry = Entry();
        Assert.Equal(WaitlistStatus.Offered, entry.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 9, 0), entry.OfferStart);
        Assert.Equal(App.Clock.GetCurrentInstant() + Duration.FromMinutes(20), entry.OfferExpiresAt);
        var hold = App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == entry.OfferBookingId));
        Assert.Equal("north", hold.BranchKey);
        Assert.Equal("nora", hold.StaffKey);
        Assert.Equal(entry.OfferExpiresAt, hold.HoldExpiresAt);
    }

    [Fact]
    public async Task AutomaticNoShow_ComesAfterTheBookingsBranchMinutes_ElseThePages()
    {
        // Now is Monday 1 March 08:00 in Amsterdam; both start at 09:00 today.
        var north = await CreatedAsync(await App.Admin().PostAsync("/api/v1/admin/bookings",
            Json(AdminAt("branches", "2027-03-01T09:00:00+01:00", "cut", "late-north@example.com", "north"))));
        var south = await CreatedAsync(await App.Admin().PostAsync("/api/v1/admin/bookings",
            Json(AdminAt("branches", "2027-03-01T09:00:00+01:00", "cut", "late-south@example.com", "south"))));
        var worker = App.Services.GetRequiredService<TimeRulesWorker>();
        async Task RunUntilAsync(Func<bool> done)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!done() && DateTime.UtcNow < deadline)
            {
                if (await worker.RunOnceAsync(CancellationToken.None) == 0)
                {
                    await Task.Delay(20);
                }
            }
        }

        // 09:20: past the page's 15 minutes (South), not North's 45.
        App.Clock.Reset(Instant.FromUtc(2027, 3, 1, 8, 20));
        await RunUntilAsync(() => Stored(south).Status == BookingStatus.NoShow);
        Assert.Equal(BookingStatus.NoShow, Stored(south).Status);
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(BookingStatus.Confirmed, Stored(north).Status);

        // 09:46: past North's 45 minutes.
        App.Clock.Reset(Instant.FromUtc(2027, 3, 1, 8, 46));
        await RunUntilAsync(() => Stored(north).Status == BookingStatus.NoShow);
        Assert.Equal(BookingStatus.NoShow, Stored(north).Status);
    }
}

public sealed class SqliteServiceRulesShared : ServiceRulesTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresServiceRulesShared : ServiceRulesTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteServiceRulesTests(SqliteServiceRulesShared shared) : ServiceRulesTests(shared), IClassFixture<SqliteServiceRulesShared>;

public sealed class PostgresServiceRulesTests(PostgresServiceRulesShared shared) : ServiceRulesTests(shared), IClassFixture<PostgresServiceRulesShared>;
