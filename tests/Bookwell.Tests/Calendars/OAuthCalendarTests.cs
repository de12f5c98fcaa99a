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

    private async Task<(BookwellApp, CalendarApiStandIn, WebSession)> StartAsync(string provider)
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
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        return (app, api, owner);
    }

    private static async Task ConnectAsync(WebSession owner, CalendarApiStandIn api, string provider)
    {
        var start = await owner.PostFormAsync("/admin/sync?handler=OAuth", [KeyValuePair.Create("staff", "anna"), KeyValuePair.Create("provider", provider)], "/admin/sync");
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

    private static async Task<JsonNode> Sync(HttpClient admin, string kind)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/admin/calendars/sync", null)).StatusCode);
        var status = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!;
        return Assert.Single(status["items"]!.AsArray(), i => i!["kind"]!.GetValue<string>() == kind)!;
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
}

public sealed class OAuthCalendarSqliteTests : OAuthCalendarTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class OAuthCalendarPostgresTests : OAuthCalendarTests
{
    protected override Db Kind => Db.Postgres;
}
