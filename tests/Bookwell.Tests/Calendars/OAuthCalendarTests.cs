using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Web;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// Google Calendar and Microsoft 365 connections against a local stand-in of their token endpoints and REST
/// APIs: connected through the admin's sign-in (authorization code with PKCE), busy time read (freeBusy,
/// calendarView) without our own events, bookings inserted and deleted, tokens refreshed when they expire,
/// and a revoked grant shown as a broken connection.
/// </summary>
public abstract class OAuthCalendarTests
{
    protected abstract Db Kind { get; }

    private async Task<(BookwellApp, CalendarApiStandIn, WebSession)> StartAsync(string provider, JsonObject? config = null)
    {
        var api = await CalendarApiStandIn.StartAsync();
        var name = provider == "google" ? "Google" : "Microsoft";
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s[$"Bookwell:Calendars:{name}:ClientId"] = "client-1";
            s[$"Bookwell:Calendars:{name}:ClientSecret"] = "secret-1";
            s[$"Bookwell:Calendars:{name}:AuthUrl"] = api.BaseUrl + "/auth";
            s[$"Bookwell:Calendars:{name}:TokenUrl"] = api.BaseUrl + "/token";
            s[$"Bookwell:Calendars:{name}:ApiBase"] = api.BaseUrl;
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), config ?? Config())).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        return (app, api, owner);
    }

    private static async Task ConnectAsync(WebSession owner, CalendarApiStandIn api, string provider, string staff = "anna")
    {
        var start = await owner.PostFormAsync("/admin/sync?handler=OAuth", [KeyValuePair.Create("staff", staff), KeyValuePair.Create("provider", provider)], "/admin/sync");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var location = start.Headers.Location!;
        Assert.StartsWith(api.BaseUrl + "/auth?", location.ToString(), StringComparison.Ordinal);
        var q = HttpUtility.ParseQueryString(location.Query);
        Assert.Equal("S256", q["code_challenge_method"]);
        Assert.Equal("code", q["response_type"]);
        Assert.Equal("https://book.example.test/admin/sync/callback", q["redirect_uri"]);
        api.Challenge = q["code_challenge"];
        // The provider sends the browser back with a code; a forged state connects nothing.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.Client.GetAsync($"/admin/sync/callback?code=good-code&state=forged")).StatusCode);
        Assert.Contains("not valid", await owner.GetAsync("/admin/sync"), StringComparison.Ordinal);
        var back = await owner.Client.GetAsync($"/admin/sync/callback?code=good-code&state={Uri.EscapeDataString(q["state"]!)}");
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
    }

    private static async Task<JsonNode> Sync(HttpClient admin, string kind, string staff = "anna")
    {
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/admin/calendars/sync", null)).StatusCode);
        var status = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!;
        return Assert.Single(status["items"]!.AsArray(), i => i!["kind"]!.GetValue<string>() == kind && i["staff"]!.GetValue<string>() == staff)!;
    }

    private static async Task<string[]> Slots(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonObject>("/api/v1/pages/salon/slots?service=consult&staff=anna&from=2027-03-02&to=2027-03-05");
        return [.. body!["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[..16])];
    }

    [Theory]
    [InlineData("google")]
    [InlineData("microsoft")]
    public async Task Connected_ByOAuthWithPkce_BusyTimesBlock_BookingsArePushed_RefreshAndRevocationHandled(string provider)
    {
        var (app, api, owner) = await StartAsync(provider);
        await using var _ = app;
        await using var __ = api;
        var admin = app.Admin();
        var client = app.CreateClient();
        api.Events["ext-1"] = new CalendarApiStandIn.Ev { Id = "ext-1", Start = DateTimeOffset.Parse("2027-03-03T12:00:00Z"), End = DateTimeOffset.Parse("2027-03-03T13:00:00Z") };
        Assert.Contains("2027-03-03T13:00", await Slots(client));

        await ConnectAsync(owner, api, provider);
        var status = await Sync(admin, provider);
        Assert.False(status["broken"]!.GetValue<bool>());
        Assert.Equal(1, status["busyCount"]!.GetValue<int>());
        Assert.DoesNotContain("2027-03-03T13:00", await Slots(client));

        // A booking is inserted; the calendar now counts it as busy too, but it is not counted twice here.
        var booked = await Body(await Book(client, Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna")));
        status = await Sync(admin, provider);
        var ours = Assert.Single(api.Events.Values, e => e.Ours && e.Status != "cancelled");
        Assert.Equal(DateTimeOffset.Parse("2027-03-02T10:00:00Z"), ours.Start);
        Assert.Contains("Consultation", ours.Subject, StringComparison.Ordinal);
        Assert.Equal(1, status["pushedCount"]!.GetValue<int>());
        Assert.Equal(1, status["busyCount"]!.GetValue<int>());
        if (provider == "google")
        {
            Assert.Equal(Guid.Parse(booked["id"]!.GetValue<string>()).ToString("N"), ours.Id);
        }

        // The access token runs out: it is refreshed, nothing breaks.
        app.Clock.AdvanceMinutes(120);
        status = await Sync(admin, provider);
        Assert.True(api.Refreshes >= 1);
        Assert.False(status["broken"]!.GetValue<bool>());

        // Cancelled: the event is deleted.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{booked["manageToken"]!.GetValue<string>()}/cancel", null)).StatusCode);
        status = await Sync(admin, provider);
        Assert.DoesNotContain(api.Events.Values, e => e.Ours && e.Status != "cancelled");
        Assert.Equal(0, status["pushedCount"]!.GetValue<int>());

        // The user revokes the access: the refresh answers invalid_grant and the connection shows as broken.
        api.Revoked = true;
        app.Clock.AdvanceMinutes(120);
        status = await Sync(admin, provider);
        Assert.True(status["broken"]!.GetValue<bool>());
        Assert.Contains("invalid_grant", status["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Broken", await owner.GetAsync("/admin/sync"), StringComparison.Ordinal);
        // Its last busy times still block.
        Assert.DoesNotContain("2027-03-03T13:00", await Slots(client));
    }

    /// <summary>
    /// <c>whenEventDeleted: cancel</c> on Google and Microsoft 365, where the read over a time range cannot tell a deleted event
    /// from one moved out of the range, so each missing event is asked for by itself (events.get, Graph's get event). Deleted
    /// (Google keeps it with status <c>cancelled</c>; Graph answers 404) or cancelled (Graph's <c>isCancelled</c>): the booking
    /// is cancelled as the calendar's doing and not written again. Moved far away: it still exists, so the booking stands and
    /// the event is written back to the booking's time.
    /// </summary>
    [Theory]
    [InlineData("google")]
    [InlineData("microsoft")]
    public async Task WhenEventDeletedIsCancel_AnEventGoneFromTheCalendarCancelsItsBooking_OneMovedAwayIsWrittenBack(string provider)
    {
        var (app, api, owner) = await StartAsync(provider);
        await using var _ = app;
        await using var __ = api;
        var admin = app.Admin();
        var client = app.CreateClient();
        await ConnectAsync(owner, api, provider);
        var setting = await admin.PatchAsync("/api/v1/admin/staff/anna/calendar", Json(new JsonObject { ["whenEventDeleted"] = "cancel" }));
        Assert.Equal("cancel", (await Body(setting))["whenEventDeleted"]!.GetValue<string>());
        var deleted = await Body(await Book(client, Booking("2027-03-02T11:00:00+01:00", "consult", "deleted@example.com", "anna")));
        var moved = await Body(await Book(client, Booking("2027-03-03T11:00:00+01:00", "consult", "moved@example.com", "anna")));
        var called = await Body(await Book(client, Booking("2027-03-04T11:00:00+01:00", "consult", "called@example.com", "anna")));
        await Sync(admin, provider);
        CalendarApiStandIn.Ev At(string utc) => Assert.Single(api.Events.Values, e => e.Ours && e.Start == DateTimeOffset.Parse(utc));
        var deletedEvent = At("2027-03-02T10:00:00Z");
        var movedEvent = At("2027-03-03T10:00:00Z");
        var calledEvent = At("2027-03-04T10:00:00Z");

        // In the calendar: the first event deleted, the second moved to next year, the third cancelled (Google: deleted as well).
        if (provider == "google")
        {
            deletedEvent.Status = "cancelled";
            calledEvent.Status = "cancelled";
        }
        else
        {
            Assert.True(api.Events.TryRemove(deletedEvent.Id, out var removed) && removed.Ours);
            calledEvent.Status = "cancelled";
        }
        deletedEvent.Version++;
        calledEvent.Version++;
        movedEvent.Start = DateTimeOffset.Parse("2028-01-05T10:00:00Z");
        movedEvent.End = DateTimeOffset.Parse("2028-01-05T11:00:00Z");
        movedEvent.Version++;
        var status = await Sync(admin, provider);
        Assert.Null(status["lastError"]);

        async Task<JsonObject> Stored(JsonObject booking) => await Body(await admin.GetAsync($"/api/v1/admin/bookings/{booking["id"]}"));
        foreach (var gone in new[] { deleted, called })
        {
            var stored = await Stored(gone);
            Assert.Equal("cancelled", stored["status"]!.GetValue<string>());
            Assert.Equal("calendar", stored["history"]!.AsArray()[^1]!["by"]!.GetValue<string>());
        }
        var stands = await Stored(moved);
        Assert.Equal("confirmed", stands["status"]!.GetValue<string>());
        Assert.NotEqual("calendar", stands["history"]!.AsArray()[^1]!["by"]?.GetValue<string>());
        // The moved event is back at the booking's time; nothing of ours is live at the other two times.
        Assert.Equal(DateTimeOffset.Parse("2027-03-03T10:00:00Z"), api.Events[movedEvent.Id].Start);
        Assert.Equal(DateTimeOffset.Parse("2027-03-03T11:00:00Z"), api.Events[movedEvent.Id].End);
        Assert.Equal([movedEvent.Id], api.Events.Values.Where(e => e.Ours && e.Status != "cancelled").Select(e => e.Id));
        Assert.Equal(3, status["externalChanges"]!.GetValue<int>());
        Assert.Equal(1, status["pushedCount"]!.GetValue<int>());

        // Another sync changes nothing: the two bookings stay cancelled and their events are not written again.
        status = await Sync(admin, provider);
        Assert.Equal([movedEvent.Id], api.Events.Values.Where(e => e.Ours && e.Status != "cancelled").Select(e => e.Id));
        Assert.Equal("cancelled", (await Stored(deleted))["status"]!.GetValue<string>());
        Assert.Equal(3, status["externalChanges"]!.GetValue<int>());
    }

    /// <summary>
    /// A reschedule updates the event in place (PATCH, no second event): Google gets a partial Event with RFC 3339
    /// start and end and a sequence above the insert's, Microsoft 365 a dateTimeTimeZone pair; both with If-Match
    /// set to the etag the insert returned. The stand-ins refuse any other shape with 400.
    /// </summary>
    [Theory]
    [InlineData("google")]
    [InlineData("microsoft")]
    public async Task Reschedule_PatchesTheEventInPlace_InTheDocumentedShape(string provider)
    {
        var (app, api, owner) = await StartAsync(provider);
        await using var _ = app;
        await using var __ = api;
        var admin = app.Admin();
        var client = app.CreateClient();
        api.Events["ext-1"] = new CalendarApiStandIn.Ev { Id = "ext-1", Start = DateTimeOffset.Parse("2027-03-04T12:00:00Z"), End = DateTimeOffset.Parse("2027-03-04T13:00:00Z") };
        await ConnectAsync(owner, api, provider);
        var booked = await Body(await Book(client, Booking("2027-03-02T11:00:00+01:00", "consult", staff: "anna")));
        await Sync(admin, provider);
        // The connection's health on the sync page: when it was last read (the fake clock's now) and how many busy times it gave.
        var html = WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync"));
        Assert.Contains("<dt>Last read</dt><dd>2027-03-01T07:00:00+00:00</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Busy times</dt><dd>1</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Bookings in the calendar</dt><dd>1</dd>", html, StringComparison.Ordinal);
        var inserted = Assert.Single(api.Events.Values, e => e.Ours);
        app.Clock.AdvanceMinutes(10);
        var insertedETag = (provider == "google" ? "" : "W/") + inserted.ETag;
        var insertedSequence = inserted.Sequence;
        Assert.Empty(api.Patches);

        var token = booked["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-03T10:00:00+01:00" }))).StatusCode);
        var status = await Sync(admin, provider);

        Assert.Empty(api.BadPatches);
        var patch = Assert.Single(api.Patches);
        Assert.EndsWith("/" + inserted.Id, patch.Path, StringComparison.Ordinal);
        Assert.Equal(insertedETag, patch.IfMatch);
        var moved = Assert.Single(api.Events.Values, e => e.Ours);
        Assert.Equal(inserted.Id, moved.Id);
        Assert.Equal(DateTimeOffset.Parse("2027-03-03T09:00:00Z"), moved.Start);
        Assert.Equal(DateTimeOffset.Parse("2027-03-03T10:00:00Z"), moved.End);
        Assert.Contains("Consultation", moved.Subject, StringComparison.Ordinal);
        if (provider == "google")
        {
            Assert.True(patch.Body["sequence"]!.GetValue<int>() > insertedSequence);
            Assert.Equal("confirmed", patch.Body["status"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("UTC", patch.Body["start"]!["timeZone"]!.GetValue<string>());
            Assert.Equal("2027-03-03T09:00:00", patch.Body["start"]!["dateTime"]!.GetValue<string>());
        }
        Assert.Equal(1, status["pushedCount"]!.GetValue<int>());
        Assert.Null(status["lastError"]);
        Assert.Contains("<dt>Last read</dt><dd>2027-03-01T07:10:00+00:00</dd>", WebUtility.HtmlDecode(await owner.GetAsync("/admin/sync")), StringComparison.Ordinal);
    }

    /// <summary>
    /// A visit of two services where Anna does the first part (consultation, 13:00-14:00) and Bob the second (trim,
    /// 14:00-14:30): Bob's connected calendar and Bob's feed hold his part, though the booking's own staff member is
    /// Anna; Anna's feed holds hers; the page's feed the whole visit.
    /// </summary>
    [Fact]
    public async Task AVisit_EachStaffMembersCalendarAndFeed_HoldTheirOwnPart_AlsoWhenNotTheFirst()
    {
        var config = Config();
        var page = config["pages"]![0]!;
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "trim", "name": "Trim", "durationMinutes": 30, "price": { "amount": 15, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["staff"]![1]!["services"]!.AsArray().Add("trim");
        var (app, api, owner) = await StartAsync("google", config);
        await using var _ = app;
        await using var __ = api;
        var admin = app.Admin();
        await ConnectAsync(owner, api, "google", staff: "bob");

        var visit = Booking("2027-03-08T13:00:00+01:00", "consult").Also(b =>
        {
            b.Remove("service");
            b["services"] = new JsonArray("consult", "trim");
        });
        var booked = await Body(await Book(app.CreateClient(), visit));
        Assert.Equal("anna", booked["parts"]![0]!["staff"]!.GetValue<string>());
        Assert.Equal("bob", booked["parts"]![1]!["staff"]!.GetValue<string>());

        var status = await Sync(admin, "google", staff: "bob");
        Assert.Null(status["lastError"]);
        var ev = Assert.Single(api.Events.Values, e => e.Ours);
        Assert.Equal(DateTimeOffset.Parse("2027-03-08T13:00:00Z"), ev.Start);
        Assert.Equal(DateTimeOffset.Parse("2027-03-08T13:30:00Z"), ev.End);
        Assert.StartsWith("Trim – Ada Lovelace", ev.Subject, StringComparison.Ordinal);
        Assert.Equal(1, status["pushedCount"]!.GetValue<int>());

        async Task<Ical.Net.CalendarComponents.CalendarEvent> FeedEvent(string path)
        {
            var url = (await admin.GetFromJsonAsync<JsonObject>(path))!["url"]!.GetValue<string>();
            var text = await app.CreateClient().GetStringAsync(new Uri(url).AbsolutePath);
            return Assert.Single(Ical.Net.Calendar.Load(text)!.Events);
        }
        var bob = await FeedEvent("/api/v1/admin/staff/bob/feed");
        Assert.Equal(new DateTime(2027, 3, 8, 13, 0, 0, DateTimeKind.Utc), bob.DtStart!.AsUtc);
        Assert.Equal(new DateTime(2027, 3, 8, 13, 30, 0, DateTimeKind.Utc), bob.DtEnd!.AsUtc);
        Assert.StartsWith("Trim – ", bob.Summary, StringComparison.Ordinal);
        var anna = await FeedEvent("/api/v1/admin/staff/anna/feed");
        Assert.Equal(new DateTime(2027, 3, 8, 12, 0, 0, DateTimeKind.Utc), anna.DtStart!.AsUtc);
        Assert.Equal(new DateTime(2027, 3, 8, 13, 0, 0, DateTimeKind.Utc), anna.DtEnd!.AsUtc);
        Assert.StartsWith("Consultation – ", anna.Summary, StringComparison.Ordinal);
        Assert.Equal(bob.Uid, anna.Uid);
        var whole = await FeedEvent("/api/v1/admin/pages/salon/feed");
        Assert.Equal(new DateTime(2027, 3, 8, 12, 0, 0, DateTimeKind.Utc), whole.DtStart!.AsUtc);
        Assert.Equal(new DateTime(2027, 3, 8, 13, 30, 0, DateTimeKind.Utc), whole.DtEnd!.AsUtc);

        // Cancelled: Bob's event goes, and the feeds are empty.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsync($"/api/v1/bookings/{booked["manageToken"]!.GetValue<string>()}/cancel", null)).StatusCode);
        await Sync(admin, "google", staff: "bob");
        Assert.DoesNotContain(api.Events.Values, e => e.Ours && e.Status != "cancelled");
    }
}

public sealed class OAuthCalendarSqliteTests : OAuthCalendarTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class OAuthCalendarPostgresTests : OAuthCalendarTests
{
    protected override Db Kind => Db.Postgres;
}
