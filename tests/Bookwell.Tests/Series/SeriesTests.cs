using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Series;

/// <summary>
/// Recurring series over HTTP on both databases: every occurrence checked on its own, the answer names the ones that
/// cannot be booked with the nearest free time that day, the series is written all or nothing (the database refuses
/// overlaps; two series racing for one weekly time never both win), wall-clock time is kept across the DST change,
/// one confirmation lists every date, and occurrences are cancelled one at a time or "this and following".
/// </summary>
public abstract class SeriesTests
{
    protected abstract Db Kind { get; }

    // Mondays from 8 March 2027; Amsterdam moves to summer time on 28 March, between the 3rd and 4th occurrence.
    private const string First = "2027-03-08T10:00:00+01:00";

    private static JsonObject Series(string email = "ada@example.com", int count = 6, string frequency = "weekly", string start = First,
        JsonArray? occurrences = null)
    {
        var body = Booking(start, "consult", email, "anna");
        body["repeat"] = new JsonObject { ["frequency"] = frequency, ["count"] = count };
        if (occurrences is not null)
        {
            body["occurrences"] = occurrences;
        }
        return body;
    }

    private async Task<BookwellApp> StartAsync(SmtpSink? smtp = null)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            if (smtp is not null)
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
            }
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return app;
    }

    private static int Live(BookwellApp app) => app.WithDb(db => db.Bookings.Count(b => b.Status == BookingStatus.Confirmed));

    [Fact]
    public async Task Check_NamesTheTakenOccurrence_WithTheNearestFreeTime_AndKeepsTenOClockAcrossDst()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-22T10:00:00+01:00", "consult", "other@example.com", "anna"))).StatusCode);

        var check = await Body(await client.PostAsync($"/api/v1/pages/{Slug}/series/check", Json(Series())));
        var occurrences = check["occurrences"]!.AsArray();
        Assert.Equal(6, occurrences.Count);
        Assert.Equal(["2027-03-08T10:00:00+01:00", "2027-03-15T10:00:00+01:00", "2027-03-22T10:00:00+01:00", "2027-03-29T10:00:00+02:00",
            "2027-04-05T10:00:00+02:00", "2027-04-12T10:00:00+02:00"], occurrences.Select(o => o!["start"]!.GetValue<string>()));
        Assert.Equal([true, true, false, true, true, true], occurrences.Select(o => o!["available"]!.GetValue<bool>()));
        // The nearest free time that day: 09:00 and 11:00 are as near; the earlier wins.
        Assert.Equal("2027-03-22T09:00:00+01:00", occurrences[2]!["alternative"]!.GetValue<string>());
        Assert.Equal(5, check["bookable"]!.GetValue<int>());
        Assert.Equal(0, app.WithDb(db => db.Bookings.Count(b => b.SeriesId != null)));
    }

    [Fact]
    public async Task Create_AllOrNothing_ThenSkipOrMove_OneConfirmationListsEveryDate()
    {
        using var smtp = SmtpSink.Start();
        await using var app = await StartAsync(smtp);
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-22T10:00:00+01:00", "consult", "other@example.com", "anna"))).StatusCode);

        // Asked for all six while one is taken: nothing is written, and the answer says which and what instead.
        var refused = await client.PostAsync($"/api/v1/pages/{Slug}/series", Json(Series()));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await Body(refused);
        Assert.Equal([2], problem["taken"]!.AsArray().Select(i => i!.GetValue<int>()));
        Assert.False(problem["occurrences"]![2]!["available"]!.GetValue<bool>());
        Assert.Equal(1, Live(app));

        // Skip the 3rd, move the 5th to 14:00 the same day.
        var created = await client.PostAsync($"/api/v1/pages/{Slug}/series", Json(Series(occurrences: new JsonArray(
            new JsonObject { ["index"] = 2, ["skip"] = true },
            new JsonObject { ["index"] = 4, ["start"] = "2027-04-05T14:00:00+02:00" }))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var series = await Body(created);
        Assert.Equal([2], series["skipped"]!.AsArray().Select(i => i!.GetValue<int>()));
        var bookings = series["bookings"]!.AsArray();
        Assert.Equal(["2027-03-08T10:00:00+01:00", "2027-03-15T10:00:00+01:00", "2027-03-29T10:00:00+02:00", "2027-04-05T14:00:00+02:00",
            "2027-04-12T10:00:00+02:00"], bookings.Select(b => b!["start"]!.GetValue<string>()));
        Assert.All(bookings, b => Assert.Equal(series["seriesId"]!.GetValue<string>(), b!["seriesId"]!.GetValue<string>()));
        Assert.Equal(6, Live(app));

        // One confirmation for the series, listing the five dates; reminders stay per occurrence.
        var seriesId = Guid.Parse(series["seriesId"]!.GetValue<string>());
        var ids = app.WithDb(db => db.Bookings.Where(b => b.SeriesId == seriesId).Select(b => b.Id).ToList());
        Assert.Equal(1, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Confirmation && m.BookingId != null && ids.Contains(m.BookingId.Value))));
        // Staff notices go out too; wait for the client's own mail.
        var mails = await smtp.WaitForAsync(1);
        for (var i = 0; i < 30 && !mails.Any(m => m.To.ToString().Contains("ada@example.com", StringComparison.Ordinal)); i++)
        {
            mails = await smtp.WaitForAsync(mails.Count + 1, seconds: 1);
        }
        var confirmation = Assert.Single(mails, m => m.To.ToString().Contains("ada@example.com", StringComparison.Ordinal));
        Assert.Contains("All 5 dates of this series:", confirmation.TextBody, StringComparison.Ordinal);
        Assert.Contains("Mon 29 Mar 2027, 10:00", confirmation.TextBody, StringComparison.Ordinal);
        Assert.Contains("Mon 5 Apr 2027, 14:00", confirmation.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("22 Mar", confirmation.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SixCancelsOfTheWholeSeriesAtOnce_CancelEachDateOnce_AndMailTheClientOnce()
    {
        var port = System.Net.Sockets.TcpListener.Create(0);
        port.Start();
        var closed = ((IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        // Mail is queued (there is a sender) but never leaves: the outbox is counted as planned.
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = closed.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var series = await Body(await app.CreateClient().PostAsync($"/api/v1/pages/{Slug}/series", Json(Series())));
        var token = series["manageToken"]!.GetValue<string>();
        var seriesId = Guid.Parse(series["seriesId"]!.GetValue<string>());

        using var go = new SemaphoreSlim(0);
        var cancels = Enumerable.Range(0, 6).Select(async _ =>
        {
            await go.WaitAsync();
            return await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/series/cancel", Json(new JsonObject { ["scope"] = "all" }));
        }).ToArray();
        go.Release(6);
        var answers = await Task.WhenAll(cancels);
        Assert.Contains(answers, r => r.StatusCode == HttpStatusCode.OK);

        var (bookings, mails) = app.WithDb(db => (
            db.Bookings.Include(b => b.History).Where(b => b.SeriesId == seriesId).ToList(),
            db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Cancelled && m.To == "ada@example.com").ToList()));
        Assert.Equal(6, bookings.Count);
        Assert.All(bookings, b => Assert.Equal(BookingStatus.Cancelled, b.Status));
        Assert.All(bookings, b => Assert.Single(b.History, h => h.ToStatus == BookingStatus.Cancelled));
        // One mail, listing all six dates: the calls that found them cancelled already planned nothing.
        Assert.Single(mails);
        Assert.Equal(0, app.WithDb(db => db.Allocations.Count(a => a.Live)));
    }

    [Fact]
    public async Task Cancel_OneThenThisAndFollowing_FromTheManageLinkAndTheAdmin()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        var series = await Body(await client.PostAsync($"/api/v1/pages/{Slug}/series", Json(Series())));
        var token = series["manageToken"]!.GetValue<string>();

        var view = await Body(await client.GetAsync($"/api/v1/bookings/{token}/series"));
        Assert.Equal(6, view["occurrences"]!.AsArray().Count);
        Assert.True(view["occurrences"]![0]!["current"]!.GetValue<bool>());

        var one = await client.PostAsync($"/api/v1/bookings/{token}/series/cancel", Json(new JsonObject { ["index"] = 1 }));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(["confirmed", "cancelled", "confirmed", "confirmed", "confirmed", "confirmed"],
            (await Body(one))["occurrences"]!.AsArray().Select(o => o!["status"]!.GetValue<string>()));
        // The freed Monday is offered again.
        Assert.Contains("2027-03-15T10:00:00+01:00", await SlotStarts(client, "consult", "2027-03-15", "2027-03-15", staff: "anna"));
        // The manage page lists each occurrence with its status in words (it once showed the text key "status-Cancelled").
        var page = await client.GetStringAsync($"/booking/{token}");
        Assert.Contains("<span class=\"muted\">Cancelled</span>", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"muted\">Confirmed</span>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("status-C", page, StringComparison.Ordinal);

        var fourth = series["bookings"]![3]!["id"]!.GetValue<string>();
        var following = await app.Admin().PostAsync($"/api/v1/admin/bookings/{fourth}/series/cancel", Json(new JsonObject { ["scope"] = "following" }));
        Assert.Equal(HttpStatusCode.OK, following.StatusCode);
        Assert.Equal(["confirmed", "cancelled", "confirmed", "cancelled", "cancelled", "cancelled"],
            (await Body(following))["occurrences"]!.AsArray().Select(o => o!["status"]!.GetValue<string>()));
        // Every cancellation went through the lifecycle: each has its history entry and its time let go.
        var seriesId = Guid.Parse(series["seriesId"]!.GetValue<string>());
        app.WithDb(db =>
        {
            var cancelled = db.Bookings.Include(b => b.History).Where(b => b.SeriesId == seriesId && b.Status == BookingStatus.Cancelled).ToList();
            Assert.Equal(4, cancelled.Count);
            Assert.All(cancelled, b => Assert.Contains(b.History, h => h.ToStatus == BookingStatus.Cancelled));
            Assert.Equal(0, db.Allocations.Count(a => a.Live && cancelled.Select(c => c.Id).Contains(a.BookingId)));
            return 0;
        });
        Assert.Equal(HttpStatusCode.Conflict,
            (await client.PostAsync($"/api/v1/bookings/{token}/series/cancel", Json(new JsonObject { ["index"] = 1 }))).StatusCode);

        // "All": the two dates still booked go too, from the link of one already cancelled; then nothing is left to cancel.
        var rest = await client.PostAsync($"/api/v1/bookings/{token}/series/cancel", Json(new JsonObject { ["index"] = 5, ["scope"] = "all" }));
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        Assert.All((await Body(rest))["occurrences"]!.AsArray(), o => Assert.Equal("cancelled", o!["status"]!.GetValue<string>()));
        Assert.Equal(0, app.WithDb(db => db.Allocations.Count(a => a.Live)));
        Assert.Equal(HttpStatusCode.Conflict,
            (await client.PostAsync($"/api/v1/bookings/{token}/series/cancel", Json(new JsonObject { ["scope"] = "all" }))).StatusCode);
    }

    [Fact]
    public async Task TwoSeriesRacingForTheSameWeeklyTime_NeverBothWin()
    {
        await using var app = await StartAsync();
        // Ten clients at once; the first five and the last five overlap in weeks 3 and 4 only.
        var tasks = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var start = i % 2 == 0 ? First : "2027-03-22T10:00:00+01:00";
            return await app.CreateClient().PostAsync($"/api/v1/pages/{Slug}/series", Json(Series($"c{i}@example.com", count: 4, start: start)));
        })).ToList();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        app.WithDb(db =>
        {
            var live = db.Bookings.Where(b => b.Status == BookingStatus.Confirmed).ToList();
            // All four of the winner's occurrences, nothing of anybody else's.
            Assert.Equal(4, live.Count);
            Assert.Single(live.Select(b => b.SeriesId).Distinct());
            Assert.Equal(4, live.Select(b => b.StartsAt).Distinct().Count());
            var rows = db.Allocations.Where(a => a.Live && a.UnitKey == "staff:anna").ToList();
            Assert.Equal(4, rows.Count);
            return 0;
        });
    }

    [Fact]
    public async Task BookingPage_WeeklySeriesOfSix_OneSkipped_ThenTheManagePageListsIt()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-22T10:00:00+01:00", "consult", "other@example.com", "anna"))).StatusCode);
        var session = WebSession.For(app);
        (string, string)[] form =
        [
            ("service", "consult"), ("staff", "anna"), ("tz", "Europe/Amsterdam"), ("start", First), ("name", "Ada Lovelace"),
            ("email", "ada@example.com"), ("repeat", "weekly"), ("repeatCount", "6"),
        ];
        var review = await WebSession.TextAsync(await session.PostFormAsync($"/book/{Slug}", [.. form, ("step", "review")]));
        Assert.Contains("Your 6 appointments", review, StringComparison.Ordinal);
        Assert.Contains("This time is taken.", review, StringComparison.Ordinal);
        Assert.Contains("id=\"occ-2-alt\"", review, StringComparison.Ordinal);

        // Skip the taken 3rd and the 5th as well.
        var booked = await session.PostFormAsync($"/book/{Slug}", [.. form, ("occ.2", "skip"), ("occ.4", "skip"), ("step", "confirm")]);
        Assert.Equal(HttpStatusCode.Redirect, booked.StatusCode);
        var location = booked.Headers.Location!.OriginalString;
        Assert.StartsWith("/booking/", location, StringComparison.Ordinal);
        Assert.Equal(4, app.WithDb(db => db.Bookings.Count(b => b.SeriesId != null && b.Status == BookingStatus.Confirmed)));

        var manage = await session.GetAsync(location.Split('?')[0]);
        var page = WebUtility.HtmlDecode(manage);
        Assert.Contains("All 4 dates of this series", page, StringComparison.Ordinal);
        var cancel = await session.PostFormAsync(location.Split('?')[0] + "?handler=SeriesCancel", [("index", "3"), ("scope", "following")]);
        Assert.Equal(HttpStatusCode.Redirect, cancel.StatusCode);
        Assert.Equal(2, app.WithDb(db => db.Bookings.Count(b => b.SeriesId != null && b.Status == BookingStatus.Confirmed)));

        var dutch = WebSession.For(app);
        dutch.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        Assert.Contains("Alle 4 datums van deze reeks", WebUtility.HtmlDecode(await dutch.GetAsync(location.Split('?')[0])), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_IsAnsweredFieldByField()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        async Task<JsonObject> Bad(JsonObject body, string path = "series")
        {
            var response = await client.PostAsync($"/api/v1/pages/{Slug}/{path}", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await Body(response))["errors"]!.AsObject();
        }
        Assert.True((await Bad(Series().Also(s => s["repeat"]!["frequency"] = "daily")))["repeat.frequency"] is not null);
        Assert.True((await Bad(Series(count: 500)))["repeat.count"] is not null);
        Assert.True((await Bad(Series().Also(s => s.Remove("repeat"))))["repeat"] is not null);
        Assert.True((await Bad(Series().Also(s => s["repeat"] = new JsonObject { ["frequency"] = "weekly", ["until"] = "2027-03-01" })))["repeat.until"] is not null);
        Assert.True((await Bad(Series(occurrences: new JsonArray(new JsonObject { ["index"] = 9 }))))["occurrences[0].index"] is not null);
        Assert.True((await Bad(Series(occurrences: new JsonArray(new JsonObject { ["index"] = 1, ["start"] = "2027-03-16T10:00:00+01:00" }))))["occurrences[0].start"] is not null);
        Assert.True((await Bad(Series().Also(s => { s["service"] = "colour"; }), "series/check"))["service"] is not null);
        Assert.Equal(0, app.WithDb(db => db.Bookings.Count()));
    }
}

public sealed class SqliteSeriesTests : SeriesTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresSeriesTests : SeriesTests
{
    protected override Db Kind => Db.Postgres;
}
