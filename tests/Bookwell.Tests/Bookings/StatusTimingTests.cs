using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// A booking's status follows its time by the app's clock (a hostile probe marked tomorrow's bookings no-show, charging the fee
/// early and giving the time away): no-show once the start has passed, in progress from when check-in opens (an hour before),
/// completed straight from confirmed once it started. The API answers 409 <c>too-early</c> with the earliest moment; the
/// dashboard says so in English and Dutch; nothing changes. Both databases, the fake clock.
/// </summary>
public abstract class StatusTimingTests
{
    protected abstract Db Kind { get; }

    // The test clock starts on Monday 1 March 2027, 08:00 in Amsterdam; these are the next day.
    private const string Ten = "2027-03-02T10:00:00+01:00";
    private const string Eleven = "2027-03-02T11:00:00+01:00";

    private static async Task<string> CreateAsync(BookwellApp app, string start, string email)
    {
        var body = Booking(start, staff: "anna", email: email);
        body["page"] = Slug;
        var response = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["id"]!.GetValue<string>();
    }

    private static Task<HttpResponseMessage> SetAsync(BookwellApp app, string id, string status) =>
        app.Admin().PostAsync($"/api/v1/admin/bookings/{id}/status", Json(new JsonObject { ["status"] = status }));

    private static async Task<string> StatusAsync(BookwellApp app, string id) =>
        (await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{id}")))["status"]!.GetValue<string>();

    [Fact]
    public async Task Api_NoShowCompletedAndStarted_WaitForTheirTime_409TooEarly_NothingChanges()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var ten = await CreateAsync(app, Ten, "ada@example.com");
        var eleven = await CreateAsync(app, Eleven, "grace@example.com");

        // The day before: none of the three.
        foreach (var (status, earliest) in new[] { ("no_show", Ten), ("completed", Ten), ("in_progress", "2027-03-02T09:00:00+01:00") })
        {
            var refused = await SetAsync(app, ten, status);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await Body(refused);
            Assert.EndsWith("/too-early", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(earliest, problem["earliest"]!.GetValue<string>());
        }
        Assert.Equal("confirmed", await StatusAsync(app, ten));
        // Its time is still held: an early no-show once gave it away.
        Assert.DoesNotContain(Ten, await SlotStarts(app.CreateClient(), "haircut", "2027-03-02", "2027-03-02", staff: "anna"));
        Assert.Empty(app.WithDb(db => db.BookingEvents.Where(e => e.Action == BookingAction.Status).ToList()));

        // 09:30: check-in is open, so it may start; it has not started by the clock, so no no-show and no completion from confirmed.
        app.Clock.Reset(Instant.FromUtc(2027, 3, 2, 8, 30));
        Assert.Equal(HttpStatusCode.Conflict, (await SetAsync(app, ten, "no_show")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SetAsync(app, ten, "completed")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(app, ten, "in_progress")).StatusCode);
        // Started early, it may be completed early: the work began.
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(app, ten, "completed")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SetAsync(app, eleven, "in_progress")).StatusCode);

        // 11:00 sharp: the start has passed for the eleven o'clock; now it can be a no-show.
        app.Clock.Reset(Instant.FromUtc(2027, 3, 2, 10, 0));
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(app, eleven, "no_show")).StatusCode);
        Assert.Equal("no_show", await StatusAsync(app, eleven));
    }

    [Fact]
    public async Task Dashboard_SaysTooEarly_InEnglishAndDutch_AndChangesNothing()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        var id = await CreateAsync(app, Ten, "ada@example.com");

        var refused = await owner.PostFormAsync($"/admin/bookings/{id}?handler=Status", [new("to", "no_show")], $"/admin/bookings/{id}");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("Too early: this booking can be marked No-show from Tuesday 2 March 2027 10:00.",
            await owner.GetAsync(refused.Headers.Location!.OriginalString), StringComparison.Ordinal);

        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        var dutch = await owner.PostFormAsync($"/admin/bookings/{id}?handler=Status", [new("to", "completed")], $"/admin/bookings/{id}");
        var html = await owner.GetAsync(dutch.Headers.Location!.OriginalString);
        Assert.Contains("Te vroeg: deze afspraak kan vanaf dinsdag 2 maart 2027 10:00 als", html, StringComparison.Ordinal);
        Assert.Equal("confirmed", await StatusAsync(app, id));
    }
}

public sealed class SqliteStatusTimingTests : StatusTimingTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresStatusTimingTests : StatusTimingTests
{
    protected override Db Kind => Db.Postgres;
}
