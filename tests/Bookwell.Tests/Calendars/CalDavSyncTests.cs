using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Ical.Net;
using Ical.Net.CalendarComponents;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// Two-way CalDAV sync against a real Radicale server with htpasswd authentication: bookings appear, move and
/// disappear in the staff member's calendar; the calendar's own events (a weekly one across a DST change,
/// with an EXDATE and a moved occurrence) block exactly their slots; our events are not counted as busy; an
/// event deleted in the calendar is noticed (busy time gone, our own event written back).
/// </summary>
public abstract class CalDavSyncTests
{
    protected abstract Db Kind { get; }

    private const string Collection = "/anna/work/";

    private const string NewYork = """
        BEGIN:VTIMEZONE
        TZID:America/New_York
        BEGIN:DAYLIGHT
        TZOFFSETFROM:-0500
        TZOFFSETTO:-0400
        TZNAME:EDT
        DTSTART:20070311T020000
        RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
        END:DAYLIGHT
        BEGIN:STANDARD
        TZOFFSETFROM:-0400
        TZOFFSETTO:-0500
        TZNAME:EST
        DTSTART:20071104T020000
        RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
        END:STANDARD
        END:VTIMEZONE
        """;

    /// <summary>
    /// Weekly on Tuesdays 04:00 New York time: 10:00 in Amsterdam, 09:00 once New York is on summer time (14 March)
    /// and Amsterdam not yet (28 March); 9 March left out (EXDATE); 23 March moved to Wednesday 24 March 05:00.
    /// </summary>
    private static string Weekly() => Lines($"""
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Test//Radicale//EN
        {NewYork}
        BEGIN:VEVENT
        UID:weekly@test
        DTSTAMP:20270101T000000Z
        SUMMARY:Weekly
        DTSTART;TZID=America/New_York:20270302T040000
        DTEND;TZID=America/New_York:20270302T050000
        RRULE:FREQ=WEEKLY;COUNT=4
        EXDATE;TZID=America/New_York:20270309T040000
        END:VEVENT
        BEGIN:VEVENT
        UID:weekly@test
        DTSTAMP:20270101T000000Z
        SUMMARY:Weekly (moved)
        RECURRENCE-ID;TZID=America/New_York:20270323T040000
        DTSTART;TZID=America/New_York:20270324T050000
        DTEND;TZID=America/New_York:20270324T060000
        END:VEVENT
        END:VCALENDAR
        """);

    private static string OneOff(string uid, string start, string end) => Lines($"""
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Test//Radicale//EN
        BEGIN:VEVENT
        UID:{uid}
        DTSTAMP:20270101T000000Z
        SUMMARY:Dentist
        DTSTART:{start}
        DTEND:{end}
        END:VEVENT
        END:VCALENDAR
        """);

    private static string Lines(string text) => text.ReplaceLineEndings("\r\n") + "\r\n";

    private static readonly string[] WeeklyBusy = ["2027-03-02T10:00", "2027-03-16T09:00", "2027-03-24T10:00"];

    private static async Task<string[]> Slots(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonObject>("/api/v1/pages/salon/slots?service=consult&staff=anna&from=2027-03-02&to=2027-03-24");
        return [.. body!["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[..16])];
    }

    private static async Task<JsonNode> Sync(HttpClient admin)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/admin/calendars/sync", null)).StatusCode);
        var status = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!;
        return Assert.Single(status["items"]!.AsArray(), i => i!["kind"]!.GetValue<string>() == "caldav")!;
    }

    private static JsonObject Connection(RadicaleServer server, string password = RadicaleServer.Password) => new()
    {
        ["kind"] = "caldav",
        ["url"] = server.Url(Collection),
        ["userName"] = RadicaleServer.User,
        ["password"] = password,
    };

    private static Task<HttpResponseMessage> Connect(HttpClient admin, JsonObject body) => admin.PutAsync("/api/v1/admin/staff/anna/calendar", Json(body));

    private async Task<(BookwellApp, RadicaleServer)> StartAsync()
    {
        var server = await RadicaleServer.StartAsync();
        await server.MakeCalendarAsync(Collection);
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Calendars:AllowPrivateAddresses"] = "true");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return (app, server);
    }

    [Fact]
    public async Task Booking_AppearsMovesAndGoes_InTheCalendar_AndTheCalendarsOwnEventsBlockSlots()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var client = app.CreateClient();
        var before = await Slots(client);
        Assert.All(WeeklyBusy, b => Assert.Contains(b, before));
        await server.PutAsync(Collection + "weekly.ics", Weekly());

        var connected = await Connect(admin, Connection(server));
        Assert.Equal(HttpStatusCode.OK, connected.StatusCode);
        var item = await Body(connected);
        Assert.Equal("caldav", item["kind"]!.GetValue<string>());
        Assert.Equal(server.Url(Collection), item["source"]!.GetValue<string>());
        Assert.Equal(3, item["busyCount"]!.GetValue<int>());
        Assert.Null(item["lastError"]);
        Assert.DoesNotContain(RadicaleServer.Password, await connected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before.Except(WeeklyBusy).ToArray(), await Slots(client));
        // The busy time is re-checked at booking too, on the group writer's path (staff named) as well.
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking("2027-03-16T09:00:00+01:00", "consult", staff: "anna"))).StatusCode);

        // A booking is pushed: PUT with If-None-Match: *, UID the booking's, times in UTC.
        var booked = await Body(await Book(client, Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna")));
        var id = Guid.Parse(booked["id"]!.GetValue<string>());
        var href = $"{Collection}{id:N}.ics";
        var status = await Sync(admin);
        Assert.Equal(1, status["pushedCount"]!.GetValue<int>());
        // Our own event is in the calendar but not counted as busy a second time.
        Assert.Equal(3, status["busyCount"]!.GetValue<int>());
        var ics = await server.GetAsync(href);
        Assert.NotNull(ics);
        Assert.Contains($"UID:{id}@bookwell", ics, StringComparison.Ordinal);
        Assert.Contains("DTSTART:20270302T100000Z", ics, StringComparison.Ordinal);
        Assert.Contains("Consultation", ics, StringComparison.Ordinal);

        // Rescheduled: replaced in place (If-Match with the stored ETag), SEQUENCE up.
        var token = booked["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-02T14:00:00+01:00" }))).StatusCode);
        await Sync(admin);
        ics = await server.GetAsync(href);
        Assert.Contains("DTSTART:20270302T130000Z", ics, StringComparison.Ordinal);
        Assert.Contains("SEQUENCE:1", ics, StringComparison.Ordinal);
        Assert.Single(await server.ListAsync(Collection), h => h.EndsWith($"{id:N}.ics", StringComparison.Ordinal));

        // Someone deletes our event in the calendar app: noticed and written back as the booking says.
        await server.DeleteAsync(href);
        status = await Sync(admin);
        Assert.Equal(1, status["externalChanges"]!.GetValue<int>());
        Assert.Contains("DTSTART:20270302T130000Z", await server.GetAsync(href), StringComparison.Ordinal);

        // A new event in the calendar blocks its slot; deleted there, the slot is back.
        await server.PutAsync(Collection + "dentist.ics", OneOff("dentist@test", "20270303T120000Z", "20270303T130000Z"));
        await Sync(admin);
        Assert.DoesNotContain("2027-03-03T13:00", await Slots(client));
        await server.DeleteAsync(Collection + "dentist.ics");
        await Sync(admin);
        Assert.Contains("2027-03-03T13:00", await Slots(client));

        // Cancelled: DELETE; the calendar holds only its own event again.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        status = await Sync(admin);
        Assert.Null(await server.GetAsync(href));
        Assert.Equal(0, status["pushedCount"]!.GetValue<int>());
        Assert.Equal([$"{Collection}weekly.ics"], await server.ListAsync(Collection));
        Assert.Null(status["lastPushError"]);
    }

    /// <summary>The one event of a calendar object resource as Radicale serves it, parsed by Ical.Net (which throws on a malformed body).</summary>
    private static CalendarEvent ParseBack(string? ics)
    {
        Assert.NotNull(ics);
        var calendar = Calendar.Load(ics);
        Assert.NotNull(calendar);
        return Assert.Single(calendar.Events);
    }

    [Fact]
    public async Task PushedEvent_ParsedBack_HasTheBookingsUidTimesSummaryAndSequence_ARescheduleBumpsItInPlace_ACancellationDeletesIt()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await Connect(admin, Connection(server))).StatusCode);
        var booked = await Body(await Book(client, Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna")));
        var id = Guid.Parse(booked["id"]!.GetValue<string>());
        var token = booked["manageToken"]!.GetValue<string>();
        var href = $"{Collection}{id:N}.ics";
        await Sync(admin);

        // 11:00 in Amsterdam (winter time) is 10:00 UTC; the consultation lasts an hour; written in UTC (a Z time, no TZID).
        var pushed = ParseBack(await server.GetAsync(href));
        Assert.Equal($"{id}@bookwell", pushed.Uid);
        Assert.True(pushed.DtStart!.IsUtc);
        Assert.True(pushed.DtEnd!.IsUtc);
        Assert.Equal(new DateTime(2027, 3, 2, 10, 0, 0, DateTimeKind.Utc), pushed.DtStart.AsUtc);
        Assert.Equal(new DateTime(2027, 3, 2, 11, 0, 0, DateTimeKind.Utc), pushed.DtEnd.AsUtc);
        Assert.Equal("Consultation – Ada Lovelace", pushed.Summary);
        Assert.Equal(0, pushed.Sequence);
        Assert.Equal("CONFIRMED", pushed.Status);

        // Rescheduled twice (the second across the DST change of Amsterdam, 28 March): the same resource, the same UID, times
        // updated, SEQUENCE up by one each time.
        foreach (var (start, utc, sequence) in new[]
                 {
                     ("2027-03-02T14:00:00+01:00", new DateTime(2027, 3, 2, 13, 0, 0, DateTimeKind.Utc), 1),
                     ("2027-03-30T10:00:00+02:00", new DateTime(2027, 3, 30, 8, 0, 0, DateTimeKind.Utc), 2),
                 })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = start }))).StatusCode);
            await Sync(admin);
            var moved = ParseBack(await server.GetAsync(href));
            Assert.Equal($"{id}@bookwell", moved.Uid);
            Assert.Equal(utc, moved.DtStart!.AsUtc);
            Assert.Equal(utc.AddHours(1), moved.DtEnd!.AsUtc);
            Assert.True(moved.DtStart.IsUtc);
            Assert.Equal(sequence, moved.Sequence);
            Assert.Equal([href], await server.ListAsync(Collection));
        }

        // Cancelled: the resource is deleted, nothing else is left in the calendar.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        await Sync(admin);
        Assert.Null(await server.GetAsync(href));
        Assert.Empty(await server.ListAsync(Collection));
    }

    [Fact]
    public async Task AnEventMadeInTheCalendar_BlocksItsSlots_MovedThereTheSlotsFollow_DeletedThereTheTimeIsFree()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await Connect(admin, Connection(server))).StatusCode);
        var free = await Slots(client);
        Assert.Contains("2027-03-03T13:00", free);
        Assert.Contains("2027-03-03T15:00", free);

        // Made in the calendar app: 12:00-13:00 UTC, 13:00 in Amsterdam.
        const string Href = Collection + "dentist.ics";
        await server.PutAsync(Href, OneOff("dentist@test", "20270303T120000Z", "20270303T130000Z"));
        var status = await Sync(admin);
        Assert.Equal(1, status["busyCount"]!.GetValue<int>());
        Assert.Equal(free.Except(["2027-03-03T13:00"]).ToArray(), await Slots(client));

        // Moved in the calendar app (the same resource and UID, new times, now written in New York time): 09:00 New York is
        // 14:00 UTC, 15:00 in Amsterdam. The old slot is free again, the new one blocked.
        await server.PutAsync(Href, Lines($"""
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//Test//Radicale//EN
            {NewYork}
            BEGIN:VEVENT
            UID:dentist@test
            DTSTAMP:20270102T000000Z
            SEQUENCE:1
            SUMMARY:Dentist
            DTSTART;TZID=America/New_York:20270303T090000
            DTEND;TZID=America/New_York:20270303T100000
            END:VEVENT
            END:VCALENDAR
            """));
        status = await Sync(admin);
        Assert.Equal(1, status["busyCount"]!.GetValue<int>());
        Assert.Equal(free.Except(["2027-03-03T15:00"]).ToArray(), await Slots(client));

        // Deleted there: every slot is back.
        await server.DeleteAsync(Href);
        status = await Sync(admin);
        Assert.Equal(0, status["busyCount"]!.GetValue<int>());
        Assert.Equal(free, await Slots(client));
        Assert.Null(status["lastError"]);
    }

    [Fact]
    public async Task Booking_IsPushedAfterCommit_WithoutASync()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        Assert.Equal(HttpStatusCode.OK, (await Connect(app.Admin(), Connection(server))).StatusCode);
        var booked = await Body(await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna")));
        var href = $"{Collection}{Guid.Parse(booked["id"]!.GetValue<string>()):N}.ics";
        // The push worker is woken by the commit; this waits for its HTTP round trip, nothing is timed.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (await server.GetAsync(href) is null && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }
        Assert.NotNull(await server.GetAsync(href));
    }

    [Fact]
    public async Task WrongPassword_IsRefusedAtConnect_AndARevokedPasswordShowsAsBroken_KeepingTheLastBusyTimes()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        await server.PutAsync(Collection + "weekly.ics", Weekly());
        var refused = await Connect(admin, Connection(server, "wrong"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("password", (await Body(refused))["errors"]!.AsObject().Select(e => e.Key));
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await Connect(admin, Connection(server))).StatusCode);
        var before = await Slots(app.CreateClient());
        server.ChangePassword("changed-elsewhere");
        var broken = await Sync(admin);
        Assert.True(broken["broken"]!.GetValue<bool>());
        Assert.Contains("refused", broken["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, broken["busyCount"]!.GetValue<int>());
        Assert.Equal(before, await Slots(app.CreateClient()));

        // Disconnecting removes the connection and its busy times.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/admin/staff/anna/calendar")).StatusCode);
        var freed = await Slots(app.CreateClient());
        Assert.All(WeeklyBusy, b => Assert.Contains(b, freed));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/v1/admin/staff/anna/calendar")).StatusCode);
    }

    [Fact]
    public async Task LoopbackCalDavAddress_IsRefused_WithoutTheOperatorsSetting()
    {
        await using var server = await RadicaleServer.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        foreach (var url in new[] { server.Url(Collection), $"http://localhost:{server.Port}{Collection}", "http://169.254.169.254/latest/", "ftp://example.com/cal/",
                     "http://[::ffff:127.0.0.1]/x/", "http://user:pw@example.com/cal/" })
        {
            var body = Connection(server);
            body["url"] = url;
            var response = await Connect(admin, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("url", (await Body(response))["errors"]!.AsObject().Select(e => e.Key));
        }
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/api/v1/admin/staff/nobody/calendar", Json(Connection(server)))).StatusCode);
    }
}

public sealed class CalDavSyncSqliteTests : CalDavSyncTests
{
    protected override Db Kind => Db.Sqlite;
}

[Collection("postgres")]
public sealed class CalDavSyncPostgresTests : CalDavSyncTests
{
    protected override Db Kind => Db.Postgres;
}
