using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.ClientPortal;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// Recurring series on the portal's overview (issue 15 with issue 14): a series is one entry ("Weekly, 4 of 6 left",
/// the next date, every date in a disclosure), in English and Dutch; the client cancels the dates still to come
/// through the series canceller, past dates stay, and another client's series id is refused.
/// </summary>
public abstract partial class PortalSeriesTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex(@"https?://[^\s""<>]+/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"data-series=""([0-9a-f-]{36})""")]
    private static partial Regex SeriesPattern();

    [GeneratedRegex(@"data-occurrence=""([0-9a-f-]{36})""")]
    private static partial Regex OccurrencePattern();

    private static JsonObject Series(string email, string start, int count = 6)
    {
        var body = Booking(start, "consult", email, "anna");
        body["repeat"] = new JsonObject { ["frequency"] = "weekly", ["count"] = count };
        return body;
    }

    private async Task<(BookwellApp App, Guid Ada, Guid Bob)> ArrangeAsync()
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var client = app.CreateClient();
        // Six Mondays at 10:00 for Ada, six at 11:00 for Bob, from 8 March 2027.
        var ada = await client.PostAsync($"/api/v1/pages/{Slug}/series", Json(Series("ada@example.com", "2027-03-08T10:00:00+01:00")));
        Assert.Equal(HttpStatusCode.Created, ada.StatusCode);
        var bob = await client.PostAsync($"/api/v1/pages/{Slug}/series", Json(Series("bob@example.com", "2027-03-08T11:00:00+01:00")));
        Assert.Equal(HttpStatusCode.Created, bob.StatusCode);
        // The first two Mondays have passed: 4 of 6 left.
        app.Clock.Reset(Instant.FromUtc(2027, 3, 16, 8, 0));
        return (app, Guid.Parse((await Body(ada))["seriesId"]!.GetValue<string>()), Guid.Parse((await Body(bob))["seriesId"]!.GetValue<string>()));
    }

    private static async Task<WebSession> SignInAsync(BookwellApp app, string email)
    {
        var session = WebSession.For(app);
        Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/signin", ("email", email))).StatusCode);
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued).ToList());
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == ClientSignIn.Kind && m.Status == Bookwell.Features.Notifications.OutboxStatus.Queued)
            .ExecuteUpdate(s => s.SetProperty(m => m.Status, Bookwell.Features.Notifications.OutboxStatus.Sent)));
        var link = LinkPattern().Match(Assert.Single(rows, r => !skipped.ContainsKey(r.Id)).TextBody!).Value;
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync(new Uri(link).PathAndQuery)).StatusCode);
        return session;
    }

    private static List<Booking> Occurrences(BookwellApp app, Guid series) =>
        app.WithDb(db => db.Bookings.IgnoreQueryFilters().AsNoTracking().Where(b => b.SeriesId == series).OrderBy(b => b.SeriesIndex).ToList());

    private static string Upcoming(string html) =>
        html[html.IndexOf("id=\"upcoming\"", StringComparison.Ordinal)..html.IndexOf("id=\"past\"", StringComparison.Ordinal)];

    [Fact]
    public async Task Overview_ShowsTheSeriesOnce_WithWhatIsLeft_InEnglishAndDutch()
    {
        var (app, ada, bob) = await ArrangeAsync();
        await using var _ = app;
        var session = await SignInAsync(app, "ada@example.com");

        var html = WebUtility.HtmlDecode(await session.GetAsync("/account"));
        var upcoming = Upcoming(html);
        // One entry for the series (not Bob's), and no single-booking row for any of its dates.
        Assert.Equal([ada.ToString()], SeriesPattern().Matches(upcoming).Select(m => m.Groups[1].Value));
        Assert.DoesNotContain("id=\"upcoming-list\"", upcoming, StringComparison.Ordinal);
        Assert.Contains("Weekly, 4 of 6 left", upcoming, StringComparison.Ordinal);
        // The next date is the third Monday, 22 March, as the booking page writes a time.
        Assert.Contains("Next: " + Bookwell.Features.BookingPage.SlotPicker.FormatWhen(Instant.FromUtc(2027, 3, 22, 9, 0), DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]),
            upcoming, StringComparison.Ordinal);
        // Every date of the series in the disclosure, in order, past ones included.
        Assert.Equal(Occurrences(app, ada).Select(b => b.Id.ToString()), OccurrencePattern().Matches(upcoming).Select(m => m.Groups[1].Value));
        Assert.Contains("<details>", upcoming, StringComparison.Ordinal);
        Assert.Contains("name=\"series\" value=\"" + ada + "\"", upcoming, StringComparison.Ordinal);

        var dutch = WebUtility.HtmlDecode(await session.GetAsync("/account?lang=nl"));
        Assert.Contains("Wekelijks, nog 4 van 6", Upcoming(dutch), StringComparison.Ordinal);
        Assert.Contains("Resterende datums annuleren", Upcoming(dutch), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelSeries_CancelsTheDatesStillToCome_KeepsThePast_AndRefusesAnotherClientsSeries()
    {
        var (app, ada, bob) = await ArrangeAsync();
        await using var _ = app;
        var session = await SignInAsync(app, "ada@example.com");

        // Bob's series id from Ada's session: unknown to her, nothing of Bob's changes.
        var refused = await session.PostFormAsync("/account?handler=CancelSeries", [KeyValuePair.Create("series", bob.ToString())], "/account");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.All(Occurrences(app, bob), b => Assert.Equal(BookingStatus.Confirmed, b.Status));
        var odd = await session.PostFormAsync("/account?handler=CancelSeries", [KeyValuePair.Create("series", "not-a-guid")], "/account");
        Assert.Equal(HttpStatusCode.NotFound, odd.StatusCode);

        var done = await session.PostFormAsync("/account?handler=CancelSeries", [KeyValuePair.Create("series", ada.ToString())], "/account");
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/account?cancelled=4#upcoming", done.Headers.Location?.OriginalString);

        var after = Occurrences(app, ada);
        Assert.Equal([BookingStatus.Confirmed, BookingStatus.Confirmed, BookingStatus.Cancelled, BookingStatus.Cancelled, BookingStatus.Cancelled, BookingStatus.Cancelled],
            after.Select(b => b.Status));
        // Through the lifecycle: each cancelled date has its history entry by the customer.
        var cancelledIds = after.Skip(2).Select(b => b.Id).ToList();
        Assert.Equal(4, app.WithDb(db => db.BookingEvents.IgnoreQueryFilters().Count(e => cancelledIds.Contains(e.BookingId) && e.By == "customer" && e.ToStatus == BookingStatus.Cancelled)));
        Assert.All(Occurrences(app, bob), b => Assert.Equal(BookingStatus.Confirmed, b.Status));

        // The overview says so once, and the series has left the upcoming list (its past dates are in the past list).
        var html = WebUtility.HtmlDecode(await session.GetAsync("/account?cancelled=4"));
        Assert.Contains("4 dates of your series were cancelled.", html, StringComparison.Ordinal);
        Assert.Empty(SeriesPattern().Matches(Upcoming(html)));

        // A second cancel finds nothing left to cancel and changes nothing.
        var again = await session.PostFormAsync("/account?handler=CancelSeries", [KeyValuePair.Create("series", ada.ToString())], "/account");
        Assert.Equal("/account?cancelled=0#upcoming", again.Headers.Location?.OriginalString);
        Assert.Equal(after.Select(b => b.Status), Occurrences(app, ada).Select(b => b.Status));
    }
}

public sealed class SqlitePortalSeriesTests : PortalSeriesTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPortalSeriesTests : PortalSeriesTests
{
    protected override Db Kind => Db.Postgres;
}
