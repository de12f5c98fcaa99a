using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Contract 4.1: a service with no staff member and no resource books the page's own calendar (one per
/// branch), which the database guards like a staff member's time. One app per class and database, each test on a
/// business of its own (see <see cref="SharedApp"/>).
/// </summary>
public abstract class PageCalendarTests(SharedApp shared)
{

    private const string Tuesday = "2027-03-02";

    /// <summary>A one-person studio: one-to-one sessions with a buffer after, and a class, neither needing staff.</summary>
    public static JsonObject Studio(bool branches = false) => JsonNode.Parse($$"""
    {
      "pages": [{
        "slug": "studio", "name": "Solo Studio", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Canal 2" },
        "settings": { "horizonDays": 60, "slotIntervalMinutes": 30, "minNoticeMinutes": 0,
                      "allowedDays": ["mon","tue","wed","thu","fri","sat"] },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]] },
        "branches": {{(branches ? """[ { "key": "north", "name": "North" }, { "key": "south", "name": "South" } ]""" : "[]")}},
        "services": [
          { "key": "session", "name": "Session", "durationMinutes": 60, "price": { "amount": 50, "currency": "EUR" },
            "payment": "none", "bufferAfterMinutes": 15, "requiresStaff": false, "resourceTypes": [], "capacity": 1 },
          { "key": "class", "name": "Class", "durationMinutes": 60, "price": { "amount": 10, "currency": "EUR" },
            "payment": "none", "requiresStaff": false, "resourceTypes": [], "capacity": 3, "slotIntervalMinutes": 60 }
        ],
        "staff": [], "resources": []
      }]
    }
    """)!.AsObject();

    /// <summary>A business of its own on the class's app: the studio.</summary>
    private async Task<TenantSpace> NewAsync(bool branches = false)
    {
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Studio(branches))).StatusCode);
        return app;
    }

    private static JsonObject Body(string time, string service = "session", string email = "ada@example.com", string? branch = null) =>
        Booking($"{Tuesday}T{time}:00+01:00", service, email).Also(b => b["branch"] = branch);

    private static Task<HttpResponseMessage> BookAt(HttpClient client, string time, string service = "session", string email = "ada@example.com",
        string? branch = null) => Book(client, Body(time, service, email, branch), "studio");

    private static async Task<JsonArray> Slots(HttpClient client, string service, string? branch = null) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/v1/pages/studio/slots?service={service}&from={Tuesday}&to={Tuesday}" +
                                                   (branch is null ? "" : $"&branch={branch}")))!["slots"]!.AsArray();

    private static async Task<string[]> Times(HttpClient client, string service, string? branch = null) =>
        [.. (await Slots(client, service, branch)).Select(s => s!["start"]!.GetValue<string>()[11..16])];

    private static int LiveBookings(TenantSpace app) =>
        app.WithDb(db => db.Bookings.Count(b => b.Status != BookingStatus.Cancelled));

    [Fact]
    public async Task FiftyClientsOnOneSlot_ExactlyOneWins_AndTheSlotIsGone()
    {
        var app = await NewAsync();
        var clients = Enumerable.Range(0, 50).Select(_ => app.CreateClient()).ToArray();
        using var go = new SemaphoreSlim(0);
        var tasks = clients.Select(async (c, i) =>
        {
            await go.WaitAsync();
            return await BookAt(c, "10:00", email: $"racer{i}@example.com");
        }).ToArray();
        go.Release(clients.Length);
        var answers = await Task.WhenAll(tasks);
        Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, answers.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, LiveBookings(app));
        Assert.DoesNotContain("10:00", await Times(app.CreateClient(), "session"));
        // The database holds the calendar: one live allocation on it.
        Assert.Equal(1, app.WithDb(db => db.Allocations.Count(a => a.Live && a.UnitKey == "cal:studio")));
    }

    [Fact]
    public async Task BufferAfter_KeepsTheFollowingTimeFree_BothWays()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "10:00")).StatusCode);
        // Held 10:00-11:15 (60 minutes and 15 after). A session needs its own 15 minutes after, too.
        var times = await Times(client, "session");
        foreach (var taken in new[] { "09:00", "09:30", "10:00", "10:30", "11:00" })
        {
            Assert.DoesNotContain(taken, times);
        }
        Assert.Contains("11:30", times);
        Assert.Contains("14:00", times);
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "11:00", email: "b@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "09:00", email: "c@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "11:30", email: "d@example.com")).StatusCode);
        Assert.Equal(2, LiveBookings(app));
    }

    [Fact]
    public async Task WalkInAndOperatorBookings_NeverOverlapTheCalendar()
    {
        var app = await NewAsync();
        Assert.Equal(HttpStatusCode.Created, (await BookAt(app.CreateClient(), "10:00")).StatusCode);
        var admin = app.Admin();
        var walkIn = Body("10:20", email: "walk@example.com").Also(b =>
        {
            b["page"] = "studio";
            b["walkIn"] = true;
        });
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/api/v1/admin/bookings", Json(walkIn))).StatusCode);
        walkIn["start"] = $"{Tuesday}T13:10:00+01:00";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/admin/bookings", Json(walkIn))).StatusCode);
        // An operator booking (not a walk-in) on the walk-in's time is refused as well.
        var operatorBooking = Body("13:30", email: "op@example.com").Also(b => b["page"] = "studio");
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/api/v1/admin/bookings", Json(operatorBooking))).StatusCode);
        Assert.Equal(2, LiveBookings(app));
    }

    [Fact]
    public async Task Reschedule_OntoATakenTime_IsRefusedAndChangesNothing_OntoItsOwnOverlap_Works()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var first = await TestData.Body(await BookAt(client, "10:00"));
        var second = await TestData.Body(await BookAt(client, "13:00", email: "b@example.com"));
        var token = second["manageToken"]!.GetValue<string>();

        foreach (var time in new[] { "10:00", "10:30", "09:00" })
        {
            var moved = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = $"{Tuesday}T{time}:00+01:00" }));
            Assert.Equal(HttpStatusCode.Conflict, moved.StatusCode);
        }
        var unchanged = await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}");
        Assert.Equal($"{Tuesday}T13:00:00+01:00", unchanged!["start"]!.GetValue<string>());
        Assert.DoesNotContain("13:00", await Times(client, "session"));

        // Moving half an hour later overlaps only its own old time, which it gives up.
        var own = first["manageToken"]!.GetValue<string>();
        var later = await client.PostAsync($"/api/v1/bookings/{own}/reschedule", Json(new JsonObject { ["start"] = $"{Tuesday}T10:30:00+01:00" }));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var times = await Times(client, "session");
        Assert.DoesNotContain("10:30", times);
        Assert.Contains("09:00", times); // 09:00-10:15 clears the moved booking's 10:30
        Assert.Equal(2, app.WithDb(db => db.Allocations.Count(a => a.Live && a.UnitKey == "cal:studio")));
    }

    [Fact]
    public async Task Class_TakesTheCalendarOncePerSession_BesideOneToOneSessions()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "14:00", "class", $"member{i}@example.com")).StatusCode);
        }
        var classSlot = (await Slots(client, "class")).Single(s => s!["start"]!.GetValue<string>()[11..16] == "14:00");
        Assert.Equal(1, classSlot!["remaining"]!.GetValue<int>());
        // The class holds the calendar 14:00-15:00: no one-to-one session may overlap it.
        var sessions = await Times(client, "session");
        foreach (var taken in new[] { "13:00", "13:30", "14:00", "14:30" })
        {
            Assert.DoesNotContain(taken, sessions);
        }
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "14:30", email: "solo@example.com")).StatusCode);

        // The last seat goes, and then the class is no longer offered.
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "14:00", "class", "member2@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "14:00", "class", "member3@example.com")).StatusCode);
        Assert.DoesNotContain("14:00", await Times(client, "class"));

        // A one-to-one session blocks a class from starting over it.
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "09:30", email: "early@example.com")).StatusCode);
        Assert.DoesNotContain("10:00", await Times(client, "class"));
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "10:00", "class", "late@example.com")).StatusCode);
        Assert.Equal(4, LiveBookings(app));
    }

    [Fact]
    public async Task RacingForTheLastSeats_TheClassNeverOverfills()
    {
        var app = await NewAsync();
        var clients = Enumerable.Range(0, 12).Select(_ => app.CreateClient()).ToArray();
        using var go = new SemaphoreSlim(0);
        var tasks = clients.Select(async (c, i) =>
        {
            await go.WaitAsync();
            return await BookAt(c, "15:00", "class", $"racer{i}@example.com");
        }).ToArray();
        go.Release(clients.Length);
        var answers = await Task.WhenAll(tasks);
        Assert.Equal(3, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, LiveBookings(app));
    }

    [Fact]
    public async Task Cancelling_FreesTheCalendarAtOnce()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var booked = await TestData.Body(await BookAt(client, "10:00"));
        Assert.DoesNotContain("10:00", await Times(client, "session"));
        var token = booked["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        var slot = (await Slots(client, "session")).Single(s => s!["start"]!.GetValue<string>()[11..16] == "10:00");
        Assert.Equal(1, slot!["remaining"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "10:00", email: "next@example.com")).StatusCode);
    }

    [Fact]
    public async Task EachBranch_HasItsOwnCalendar()
    {
        var app = await NewAsync(branches: true);
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "10:00", branch: "north")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "10:00", email: "b@example.com", branch: "north")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await BookAt(client, "10:00", email: "c@example.com", branch: "south")).StatusCode);
        Assert.DoesNotContain("10:00", await Times(client, "session", "north"));
        Assert.DoesNotContain("10:00", await Times(client, "session", "south"));
        Assert.Equal(HttpStatusCode.Conflict, (await BookAt(client, "10:00", email: "d@example.com")).StatusCode);
    }
}

public sealed class SqlitePageCalendarTests(SqliteSharedApp shared) : PageCalendarTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresPageCalendarTests(PostgresSharedApp shared) : PageCalendarTests(shared), IClassFixture<PostgresSharedApp>;
