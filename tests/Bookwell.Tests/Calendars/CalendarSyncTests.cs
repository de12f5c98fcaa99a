using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Calendars;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// Contract 4.9: a staff member's subscribed calendar, served by a real HTTP server on loopback, blocks exactly
/// its busy times in /slots and in booking, keeps them when the server goes down, and reports how reads went.
/// </summary>
public abstract class CalendarSyncTests
{
    protected abstract Db Kind { get; }

    /// <summary>
    /// A weekly meeting on Tuesdays at 04:00 in New York (10:00 in Amsterdam, and 09:00 once New York moves to
    /// summer time on 14 March while Amsterdam waits until the 28th), without 9 March (EXDATE), with the 23 March
    /// occurrence moved to Wednesday 24 March 05:00 New York time; an all-day event on Thursday 4 March; a
    /// transparent (free) event and a cancelled one, which block nothing.
    /// </summary>
    public static string Feed(bool withAllDay = true) => string.Join("\r\n",
    [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Busy//EN",
        "BEGIN:VEVENT", "UID:weekly@test", "DTSTAMP:20270101T000000Z", "SUMMARY:Weekly",
        "DTSTART;TZID=America/New_York:20270302T040000", "DTEND;TZID=America/New_York:20270302T050000",
        "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=America/New_York:20270309T040000", "END:VEVENT",
        "BEGIN:VEVENT", "UID:weekly@test", "DTSTAMP:20270101T000000Z", "SUMMARY:Weekly (moved)",
        "RECURRENCE-ID;TZID=America/New_York:20270323T040000",
        "DTSTART;TZID=America/New_York:20270324T050000", "DTEND;TZID=America/New_York:20270324T060000", "END:VEVENT",
        .. withAllDay ? new[] { "BEGIN:VEVENT", "UID:allday@test", "DTSTAMP:20270101T000000Z", "SUMMARY:Away",
            "DTSTART;VALUE=DATE:20270304", "DTEND;VALUE=DATE:20270305", "END:VEVENT" } : [],
        "BEGIN:VEVENT", "UID:free@test", "DTSTAMP:20270101T000000Z", "SUMMARY:Free", "TRANSP:TRANSPARENT",
        "DTSTART:20270303T090000Z", "DTEND:20270303T100000Z", "END:VEVENT",
        "BEGIN:VEVENT", "UID:off@test", "DTSTAMP:20270101T000000Z", "SUMMARY:Called off", "STATUS:CANCELLED",
        "DTSTART:20270308T130000Z", "DTEND:20270308T140000Z", "END:VEVENT",
        "END:VCALENDAR", "",
    ]);

    private static readonly string[] ThursdayAllDay = [.. Enumerable.Range(9, 8).Select(h => $"2027-03-04T{h:00}:00")];

    /// <summary>What the feed makes busy, as slot starts of the one-hour consultation in Amsterdam time.</summary>
    private static readonly string[] Busy = ["2027-03-02T10:00", "2027-03-16T09:00", "2027-03-24T10:00", .. ThursdayAllDay];

    private async Task<(BookwellApp App, IcsServer Server)> StartAsync(Action<IcsServer>? serve = null)
    {
        var server = await IcsServer.StartAsync();
        server.Serve("/cal.ics", Feed());
        serve?.Invoke(server);
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Calendars:AllowPrivateAddresses"] = "true");
        return (app, server);
    }

    private static JsonObject ConfigWith(params string[] urls)
    {
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray([.. urls.Select(u => (JsonNode)new JsonObject { ["url"] = u })]);
        return doc;
    }

    private static async Task<string[]> Slots(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonObject>("/api/v1/pages/salon/slots?service=consult&staff=anna&from=2027-03-02&to=2027-03-24");
        return [.. body!["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[..16])];
    }

    /// <summary>Anna's consultation slots with the test configuration as it is, without busy sources.</summary>
    private static async Task<string[]> SlotsWithoutSources(BookwellApp app)
    {
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return await Slots(app.CreateClient());
    }

    private static async Task<JsonObject> Sync(HttpClient admin)
    {
        var response = await admin.PostAsync("/api/v1/admin/calendars/sync", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!;
    }

    [Fact]
    public async Task RecurringAllDayTransparentAndCancelledEvents_SlotsExcludeExactlyTheBusyTimes_AndBookingIsRefused()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var before = await SlotsWithoutSources(app);
        Assert.All(Busy, b => Assert.Contains(b, before));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics")))).StatusCode);

        var status = await Sync(admin);
        var item = Assert.Single(status["items"]!.AsArray())!;
        Assert.Equal("anna", item["staff"]!.GetValue<string>());
        Assert.Equal(server.Url("/cal.ics"), item["source"]!.GetValue<string>());
        Assert.Null(item["lastError"]);
        Assert.Equal("2027-03-01T07:00:00+00:00", item["lastSuccessAt"]!.GetValue<string>());
        Assert.Equal(4, item["busyCount"]!.GetValue<int>());

        var after = await Slots(app.CreateClient());
        Assert.Equal(before.Except(Busy).ToArray(), after);

        // Booking re-checks through the same busy time: with the staff member named (the group writer's path) and without.
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking("2027-03-02T10:00:00+01:00", "consult", staff: "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking("2027-03-16T09:00:00+01:00", "consult"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking("2027-03-04T13:00:00+01:00", "consult", staff: "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-09T10:00:00+01:00", "consult", email: "b@example.com"))).StatusCode);
    }

    /// <summary>
    /// Contract 4.9: a subscribed feed's events are busy time. Subscribing (the configuration document) reads the new
    /// source at once: no sync call and no wait for the next scheduled pass (five minutes by default) before its busy
    /// times leave /slots and it shows in the status list. Applying the same document again reads nothing.
    /// </summary>
    [Fact]
    public async Task ASourceAddedByTheConfiguration_IsReadAtOnce_WithoutASyncCall()
    {
        var server = await IcsServer.StartAsync();
        await using var __ = server;
        server.Serve("/cal.ics", Feed());
        // No scheduled pass at all (its first run at start came after the document on a loaded machine and read the
        // source once more): any read below is the document's.
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Calendars:AllowPrivateAddresses"] = "true";
            // The save waits for the read (5 s by default); a full test run on two cores has taken longer than that.
            s["Bookwell:Calendars:FirstReadSeconds"] = "60";
        }, services: s => s.Remove(s.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(CalendarSyncWorker))));
        var admin = app.Admin();
        var before = await SlotsWithoutSources(app);
        Assert.All(Busy, b => Assert.Contains(b, before));

        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics")))).StatusCode);
        var item = Assert.Single((await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray())!;
        Assert.Equal("anna", item["staff"]!.GetValue<string>());
        Assert.Equal(server.Url("/cal.ics"), item["source"]!.GetValue<string>());
        Assert.Null(item["lastError"]);
        Assert.Equal("2027-03-01T07:00:00+00:00", item["lastSuccessAt"]!.GetValue<string>());
        Assert.Equal(4, item["busyCount"]!.GetValue<int>());
        Assert.Equal(before.Except(Busy).ToArray(), await Slots(app.CreateClient()));
        var hits = server.Hits;
        Assert.Equal(1, hits);

        // The same document again changes nothing and reads nothing; a second source is read with the first.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics")))).StatusCode);
        Assert.Equal(hits, server.Hits);
        server.Serve("/other.ics", string.Join("\r\n",
        [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Busy//EN",
            "BEGIN:VEVENT", "UID:other@test", "DTSTAMP:20270101T000000Z", "DTSTART:20270302T130000Z", "DTEND:20270302T140000Z", "END:VEVENT",
            "END:VCALENDAR", "",
        ]));
        Assert.Contains("2027-03-02T14:00", before);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics"), server.Url("/other.ics")))).StatusCode);
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray()
            .Count(i => i!["lastSuccessAt"] is not null));
        Assert.DoesNotContain("2027-03-02T14:00", await Slots(app.CreateClient()));
    }

    /// <summary>
    /// A feed whose zone is named the Outlook way and defined by its VTIMEZONE (BusyExpanderTests.OutlookFeed): a weekly 09:00
    /// meeting on Wednesdays blocks 09:00 in Amsterdam, not 10:00 (Ical.Net alone read the zone as UTC).
    /// </summary>
    [Fact]
    public async Task AZoneDefinedByTheFilesVTimezone_BlocksTheMeetingsOwnHours()
    {
        var (app, server) = await StartAsync(s => s.Serve("/outlook.ics", BusyExpanderTests.OutlookFeed("20270303", 4)));
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var before = await SlotsWithoutSources(app);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/outlook.ics")))).StatusCode);
        var item = Assert.Single((await Sync(admin))["items"]!.AsArray())!;
        Assert.Null(item["lastError"]);
        // 10 March is closed (the page's exception): three of the four meetings fall in opening hours.
        Assert.Equal(4, item["busyCount"]!.GetValue<int>());
        string[] meetings = ["2027-03-03T09:00", "2027-03-17T09:00", "2027-03-24T09:00"];
        Assert.All(meetings, m => Assert.Contains(m, before));
        Assert.Equal(before.Except(meetings).ToArray(), await Slots(app.CreateClient()));
    }

    [Fact]
    public async Task SourceGoesDown_KeepsItsBusyTimes_AndReportsTheError_ThenAChangedFeedReplacesThem()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var before = await SlotsWithoutSources(app);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics")))).StatusCode);
        var first = (await Sync(admin))["items"]![0]!;

        server.Fail("/cal.ics", 503);
        app.Clock.AdvanceMinutes(5);
        var failed = Assert.Single((await Sync(admin))["items"]!.AsArray())!;
        Assert.Contains("503", failed["lastError"]!.GetValue<string>());
        Assert.Equal(first["lastSuccessAt"]!.GetValue<string>(), failed["lastSuccessAt"]!.GetValue<string>());
        Assert.Equal(4, failed["busyCount"]!.GetValue<int>());
        Assert.Equal(before.Except(Busy).ToArray(), await Slots(app.CreateClient()));

        // Back, without the all-day event: the source's spans are replaced as a whole.
        server.Serve("/cal.ics", Feed(withAllDay: false));
        var back = (await Sync(admin))["items"]![0]!;
        Assert.Null(back["lastError"]);
        Assert.Equal(3, back["busyCount"]!.GetValue<int>());
        Assert.Equal("2027-03-01T07:05:00+00:00", back["lastSuccessAt"]!.GetValue<string>());
        Assert.Equal(before.Except(Busy.Except(ThursdayAllDay)).ToArray(), await Slots(app.CreateClient()));

        // Removed from the configuration: its status and busy times go.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        Assert.Empty((await Sync(admin))["items"]!.AsArray());
        Assert.Equal(before, await Slots(app.CreateClient()));
    }

    [Fact]
    public async Task OversizedFeed_IsRefused_WithAnError_AndBlocksNothing()
    {
        var big = Feed().Replace("SUMMARY:Away", "SUMMARY:" + new string('x', 70) + string.Concat(Enumerable.Repeat("\r\n X" + new string('y', 70), 40_000)),
            StringComparison.Ordinal);
        Assert.True(big.Length > 2 * 1024 * 1024);
        var (app, server) = await StartAsync(s => s.Serve("/big.ics", big));
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        var before = await SlotsWithoutSources(app);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/big.ics"), server.Url("/cal.ics")))).StatusCode);
        var items = (await Sync(admin))["items"]!.AsArray();
        var oversized = items.Single(i => i!["source"]!.GetValue<string>().EndsWith("/big.ics", StringComparison.Ordinal))!;
        Assert.Contains("larger than", oversized["lastError"]!.GetValue<string>());
        Assert.Null(oversized["lastSuccessAt"]);
        Assert.Equal(0, oversized["busyCount"]!.GetValue<int>());
        // The other source of the same staff member is read all the same.
        Assert.Equal(4, items.Single(i => i!["source"]!.GetValue<string>().EndsWith("/cal.ics", StringComparison.Ordinal))!["busyCount"]!.GetValue<int>());
        Assert.Equal(before.Except(Busy).ToArray(), await Slots(app.CreateClient()));
    }

    [Fact]
    public async Task SyncAndStatus_NeedTheAdminKey()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsync("/api/v1/admin/calendars/sync", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/v1/admin/calendars")).StatusCode);
        Assert.Empty((await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray());
    }
}

public sealed class SqliteCalendarSyncTests : CalendarSyncTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresCalendarSyncTests : CalendarSyncTests
{
    protected override Db Kind => Db.Postgres;
}
