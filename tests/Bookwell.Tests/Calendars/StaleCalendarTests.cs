using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Features.Calendars;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// Issue 16: a staff member's calendar that has not been read for longer than the page's limit
/// (<c>settings.calendars.staleAfterMinutes</c>) either hides their slots and refuses bookings with them
/// (<c>whenStale: hide</c>) or keeps them and warns the admin (<c>warn</c>, the default), decided by the app
/// clock alone; and a sync pass that read the same busy time again leaves cached slot answers (their ETag) alone.
/// </summary>
public abstract class StaleCalendarTests
{
    protected abstract Db Kind { get; }

    /// <summary>Anna is busy on Tuesday 2 March 10:00–11:00 Amsterdam time (09:00–10:00 UTC).</summary>
    private static string Feed(string start = "20270302T090000Z", string end = "20270302T100000Z") => string.Join("\r\n",
    [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Busy//EN",
        "BEGIN:VEVENT", "UID:meeting@test", "DTSTAMP:20270101T000000Z", "SUMMARY:Meeting",
        $"DTSTART:{start}", $"DTEND:{end}", "END:VEVENT",
        "END:VCALENDAR", "",
    ]);

    private static JsonObject ConfigWith(string url, JsonObject? calendars)
    {
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray(new JsonObject { ["url"] = url });
        if (calendars is not null)
        {
            doc["pages"]![0]!["settings"]!["calendars"] = calendars;
        }
        return doc;
    }

    private static async Task<string[]> AnnaConsults(HttpClient client) =>
        await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna");

    private static async Task<HttpResponseMessage> SlotsResponse(HttpClient client, string staff = "anna") =>
        await client.GetAsync($"/api/v1/pages/salon/slots?service={(staff == "anna" ? "consult" : "haircut")}&staff={staff}&from=2027-03-02&to=2027-03-05");

    private static async Task Sync(HttpClient admin) =>
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/admin/calendars/sync", null)).StatusCode);

    /// <summary>
    /// The app without its background sync: every read here is the test's own (<see cref="Sync"/>). The worker's first pass runs
    /// at start; on a loaded machine its query of the businesses came after the test's configuration, so it tried the failing
    /// source before the test looked at the "not tried yet" state (HideMode_ASourceThatNeverReadIsStaleAtOnce failed so).
    /// </summary>
    private async Task<(BookwellApp App, IcsServer Server)> StartAsync()
    {
        var server = await IcsServer.StartAsync();
        server.Serve("/cal.ics", Feed());
        // The configuration's save waits for a new source's first read (5 s by default): a loaded two-core run has taken
        // longer, and a save that answered first left the source "not tried yet" rather than stale.
        var app = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:Calendars:AllowPrivateAddresses"] = "true";
                s["Bookwell:Calendars:FirstReadSeconds"] = "60";
            },
            services: s => s.Remove(s.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(CalendarSyncWorker))));
        return (app, server);
    }

    [Fact]
    public async Task Setting_RoundTrips_FillsDefaults_AndIsValidatedWithFieldErrors()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var admin = app.Admin();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["calendars"] = new JsonObject { ["staleAfterMinutes"] = 45, ["whenStale"] = "hide" };
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        var back = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["settings"]!["calendars"]!;
        Assert.Equal(45, back["staleAfterMinutes"]!.GetValue<int>());
        Assert.Equal("hide", back["whenStale"]!.GetValue<string>());

        doc["pages"]![0]!["settings"]!["calendars"] = new JsonObject();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        back = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["settings"]!["calendars"]!;
        Assert.Equal(30, back["staleAfterMinutes"]!.GetValue<int>());
        Assert.Equal("warn", back["whenStale"]!.GetValue<string>());

        doc["pages"]![0]!["settings"]!["calendars"] = new JsonObject { ["staleAfterMinutes"] = 2, ["whenStale"] = "hide-and-seek" };
        var bad = await PutConfig(admin, doc);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].settings.calendars.staleAfterMinutes"));
        Assert.True(errors.ContainsKey("pages[0].settings.calendars.whenStale"));
        doc["pages"]![0]!["settings"]!["calendars"] = new JsonObject { ["staleAfterMinutes"] = 10_081 };
        Assert.Equal(HttpStatusCode.BadRequest, (await PutConfig(admin, doc)).StatusCode);
        // The document kept is the last good one.
        Assert.Equal(30, (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!["pages"]![0]!["settings"]!["calendars"]!["staleAfterMinutes"]!.GetValue<int>());
    }

    [Fact]
    public async Task HideMode_PastTheLimit_SlotsGo_BookingsAreRefused_AnyoneGoesToSomeoneElse_AndComeBackWithARead()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics"),
            new JsonObject { ["staleAfterMinutes"] = 30, ["whenStale"] = "hide" }))).StatusCode);
        await Sync(admin);
        var client = app.CreateClient();
        var fresh = await AnnaConsults(client);
        Assert.NotEmpty(fresh);
        Assert.DoesNotContain(fresh, s => s.StartsWith("2027-03-02T10:00", StringComparison.Ordinal));

        // The calendar goes down at 07:20; at 07:30:00 its last read (07:00) is exactly 30 minutes old: not stale yet.
        server.Fail("/cal.ics", 503);
        app.Clock.AdvanceMinutes(20);
        await Sync(admin);
        app.Clock.AdvanceMinutes(10);
        Assert.Equal(fresh, await AnnaConsults(client));
        var before = await SlotsResponse(client);
        var tag = before.Headers.ETag!.Tag;
        Assert.NotEmpty((await Body(before))["slots"]!.AsArray());

        // One second later, within the same ten-second answer bucket: time alone makes it stale.
        app.Clock.AdvanceSeconds(1);
        Assert.Empty(await AnnaConsults(client));
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/pages/salon/slots?service=consult&staff=anna&from=2027-03-02&to=2027-03-05");
        request.Headers.TryAddWithoutValidation("If-None-Match", tag);
        var after = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(tag, after.Headers.ETag!.Tag);
        Assert.Empty((await Body(after))["slots"]!.AsArray());

        // Haircuts (Anna and Bob) on Tuesday afternoon: only Bob's remain, and a booking for anyone goes to him.
        var haircut = (await client.GetFromJsonAsync<JsonObject>("/api/v1/pages/salon/slots?service=haircut&from=2027-03-02&to=2027-03-02"))!["slots"]!.AsArray();
        Assert.NotEmpty(haircut);
        Assert.All(haircut, s => Assert.Equal(["bob"], s!["staff"]!.AsArray().Select(x => x!.GetValue<string>())));
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking("2027-03-02T14:00:00+01:00", "consult", staff: "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking("2027-03-02T15:00:00+01:00", "consult"))).StatusCode);
        var anyone = await Book(client, Booking("2027-03-02T14:00:00+01:00", "haircut", email: "c@example.com"));
        Assert.Equal(HttpStatusCode.Created, anyone.StatusCode);
        Assert.Equal("bob", (await Body(anyone))["staff"]!.GetValue<string>());

        // Read again: fresh, her slots are back (less the hour of her meeting).
        server.Serve("/cal.ics", Feed());
        await Sync(admin);
        var back = await AnnaConsults(client);
        Assert.NotEmpty(back);
        Assert.DoesNotContain(back, s => s.StartsWith("2027-03-02T10:00", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T15:00:00+01:00", "consult", staff: "anna", email: "d@example.com"))).StatusCode);
    }

    /// <summary>The status list's items by staff key (GET /api/v1/admin/calendars).</summary>
    private static async Task<Dictionary<string, JsonObject>> StatusAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray()
            .Select(i => i!.AsObject()).ToDictionary(i => i["staff"]!.GetValue<string>());

    [Fact]
    public async Task StatusList_SaysWhichSourceIsStale_ByThePagesLimit_AndTheAppClock()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        server.Fail("/bob.ics", 500);
        var admin = app.Admin();
        var doc = ConfigWith(server.Url("/cal.ics"), new JsonObject { ["staleAfterMinutes"] = 45 });
        doc["pages"]![0]!["staff"]![1]!["busySources"] = new JsonArray(new JsonObject { ["url"] = server.Url("/bob.ics") });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        await Sync(admin);

        // Anna's was read just now; Bob's was tried and never read: stale at once.
        var status = await StatusAsync(admin);
        Assert.False(status["anna"]["stale"]!.GetValue<bool>());
        Assert.NotNull(status["anna"]["lastSuccessAt"]);
        Assert.True(status["bob"]["stale"]!.GetValue<bool>());
        Assert.Null(status["bob"]["lastSuccessAt"]);
        // The answer of the sync trigger carries the same member.
        var synced = (await Body(await admin.PostAsync("/api/v1/admin/calendars/sync", null)))["items"]!.AsArray();
        Assert.Equal(new[] { false, true }, synced.OrderBy(i => i!["staff"]!.GetValue<string>()).Select(i => i!["stale"]!.GetValue<bool>()));

        // Anna's calendar goes down at 07:30 (its last good read 07:00). The page's limit is 45 minutes, not the default 30.
        server.Fail("/cal.ics", 503);
        app.Clock.AdvanceMinutes(30);
        await Sync(admin);
        status = await StatusAsync(admin);
        Assert.NotNull(status["anna"]["lastError"]);
        Assert.False(status["anna"]["stale"]!.GetValue<bool>());
        app.Clock.AdvanceMinutes(15);
        Assert.False((await StatusAsync(admin))["anna"]["stale"]!.GetValue<bool>()); // exactly 45 minutes: not yet
        app.Clock.AdvanceSeconds(1);
        Assert.True((await StatusAsync(admin))["anna"]["stale"]!.GetValue<bool>()); // time alone, no sync in between

        // Read again: fresh. Bob's, read for the first time, too.
        server.Serve("/cal.ics", Feed());
        server.Serve("/bob.ics", Feed());
        await Sync(admin);
        status = await StatusAsync(admin);
        Assert.False(status["anna"]["stale"]!.GetValue<bool>());
        Assert.False(status["bob"]["stale"]!.GetValue<bool>());
    }

    [Fact]
    public async Task HideMode_ASourceThatNeverReadIsStaleAtOnce()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        server.Fail("/cal.ics", 500);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics"),
            new JsonObject { ["whenStale"] = "hide" }))).StatusCode);
        // Subscribing reads the source at once (it fails): stale from the start, without waiting for a sync.
        var client = app.CreateClient();
        Assert.Empty(await AnnaConsults(client));
        await Sync(admin);
        Assert.Empty(await AnnaConsults(client));
        // Bob has no calendar: untouched.
        Assert.NotEmpty(await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02", staff: "bob"));
    }

    [Fact]
    public async Task WarnMode_ByDefault_PastTheLimit_SlotsStay_AndTheAdminIsWarned_InDutchToo()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics"), null))).StatusCode);
        await Sync(admin);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        const string Warning = "The calendar of Anna has not been read successfully for too long";
        Assert.DoesNotContain(Warning, await owner.GetAsync("/admin/sync"));
        Assert.DoesNotContain(Warning, await owner.GetAsync("/admin"));

        var client = app.CreateClient();
        var fresh = await AnnaConsults(client);
        server.Fail("/cal.ics", 503);
        app.Clock.AdvanceMinutes(25);
        await Sync(admin);
        Assert.DoesNotContain(Warning, await owner.GetAsync("/admin/sync"));
        app.Clock.AdvanceMinutes(6);

        // Default: 30 minutes, warn. Her slots stay (less her meeting, still known); the admin is told.
        Assert.Equal(fresh, await AnnaConsults(client));
        var sync = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Contains(Warning + ". Their slots are still offered", sync);
        var home = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin"));
        Assert.Contains(Warning + ": their slots are still offered", home);
        Assert.Contains("href=\"/admin/sync\"", home);
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T14:00:00+01:00", "consult", staff: "anna"))).StatusCode);

        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        Assert.Contains("De agenda van Anna is al te lang niet gelezen. Diens tijdsloten worden nog aangeboden", System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync")));
        Assert.Contains("De agenda van Anna is al te lang niet gelezen: diens tijdsloten worden nog aangeboden", System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin")));

        // Read again: the warning goes.
        server.Serve("/cal.ics", Feed());
        await Sync(admin);
        Assert.DoesNotContain("De agenda van Anna is al te lang", System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin")));
    }

    [Fact]
    public async Task ASyncPassThatReadTheSameBusyTime_KeepsTheSlotsETag_AChangedEventChangesIt()
    {
        var (app, server) = await StartAsync();
        await using var _ = app;
        await using var __ = server;
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, ConfigWith(server.Url("/cal.ics"), null))).StatusCode);
        await Sync(admin);
        var client = app.CreateClient();
        var first = (await SlotsResponse(client)).Headers.ETag!.Tag;
        // Bob's answer is not about Anna's calendar at all, but the busy version is the business's.
        var bob = (await SlotsResponse(client, "bob")).Headers.ETag!.Tag;

        // The tag is a hash of the answer, so it stays the same whatever the version does; the version itself must not move
        // either, or every cached answer of the business would be computed again after each pass.
        var version = app.WithDb(db => Bookwell.Features.Availability.BusyVersions.ReadAsync(db, default).GetAwaiter().GetResult());
        await Sync(admin);
        await Sync(admin);
        Assert.Equal(version, app.WithDb(db => Bookwell.Features.Availability.BusyVersions.ReadAsync(db, default).GetAwaiter().GetResult()));
        Assert.Equal(first, (await SlotsResponse(client)).Headers.ETag!.Tag);
        Assert.Equal(bob, (await SlotsResponse(client, "bob")).Headers.ETag!.Tag);

        // The meeting moves an hour later: a new tag, and the slots follow.
        server.Serve("/cal.ics", Feed("20270302T100000Z", "20270302T110000Z"));
        await Sync(admin);
        Assert.NotEqual(first, (await SlotsResponse(client)).Headers.ETag!.Tag);
        var moved = await AnnaConsults(client);
        Assert.Contains(moved, s => s.StartsWith("2027-03-02T10:00", StringComparison.Ordinal));
        Assert.DoesNotContain(moved, s => s.StartsWith("2027-03-02T11:00", StringComparison.Ordinal));
    }
}

public sealed class SqliteStaleCalendarTests : StaleCalendarTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresStaleCalendarTests : StaleCalendarTests
{
    protected override Db Kind => Db.Postgres;
}
