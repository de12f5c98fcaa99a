using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Tests.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Availability;

/// <summary>
/// The in-memory busy index (issue 12) against the database it mirrors: after every change made through the
/// app, what the index says is busy is exactly what a fresh read of the database says.
/// </summary>
public abstract class BusyIndexTests
{
    protected abstract Db Kind { get; }

    /// <summary>The test salon (staff, a chair, a class) beside a one-person studio whose bookings wait for approval (24-hour holds).</summary>
    protected static JsonObject TwoPages()
    {
        var doc = Config();
        var studio = PageCalendarTests.Studio()["pages"]![0]!.DeepClone().AsObject();
        studio["settings"]!["requiresApproval"] = true;
        doc["pages"]!.AsArray().Add(studio);
        // No payment provider in these tests: "now" would need one.
        foreach (var s in doc["pages"]![0]!["services"]!.AsArray())
        {
            s!["payment"] = "none";
        }
        return doc;
    }

    private static async Task<(Dictionary<string, List<string>> Index, Dictionary<string, List<string>> Database)> BothAsync(BookwellApp app,
        Instant from, Instant to)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var now = app.Clock.GetCurrentInstant();
        var earliest = from - AvailabilityLoader.MaxAllocation;
        var snapshot = await app.Services.GetRequiredService<BusyIndex>().GetAsync(db, from, now, CancellationToken.None);
        Assert.NotNull(snapshot);
        var memory = snapshot.Busy(null, earliest, to, from, now);
        var database = await AvailabilityLoader.ReadBusyAsync(db, null, earliest, to, from, now, CancellationToken.None);
        return (Flatten(memory), Flatten(database));
    }

    private static Dictionary<string, List<string>> Flatten(Dictionary<string, List<Bookwell.Scheduling.Intervals.Span>> busy) =>
        busy.ToDictionary(b => b.Key, b => b.Value.Select(s => $"{s.Start}-{s.End}").Order(StringComparer.Ordinal).ToList());

    [Fact]
    public async Task AnswerCache_StillTakesNewAnswersAfterAnHourWithoutBookings()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), TwoPages())).StatusCode);
        var client = app.CreateClient();
        // One question asked every 10 seconds for over 20 minutes: every ask is a new clock bucket, so a new key.
        for (var i = 0; i < BusyIndex.MaxAnswers + 20; i++)
        {
            Assert.NotEmpty(await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna"));
            app.Clock.Advance(AvailabilityLoader.AnswerBucket);
        }
        Assert.NotEmpty(await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna"));
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var now = app.Clock.GetCurrentInstant();
        var snapshot = await app.Services.GetRequiredService<BusyIndex>().GetAsync(db, now, now, CancellationToken.None);
        var bucket = now.ToUnixTimeTicks() / AvailabilityLoader.AnswerBucket.BclCompatibleTicks;
        Assert.Contains(snapshot!.AnswerKeys, k => k.EndsWith($"|{bucket}", StringComparison.Ordinal));
        Assert.InRange(snapshot.AnswerKeys.Count, 1, BusyIndex.MaxAnswers);
    }

    [Fact]
    public async Task RandomChangesThroughTheApp_IndexAlwaysEqualsAFreshReadOfTheDatabase()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), TwoPages())).StatusCode);
        var client = app.CreateClient();
        var admin = app.Admin();
        var random = new Random(20261202);
        var tokens = new List<(string Token, string Id)>();
        var counts = new Dictionary<string, int>();
        for (var step = 0; step < 300; step++)
        {
            // Days ahead of the (moving) clock, so the walk keeps finding bookable time.
            var today = app.Clock.GetCurrentInstant().InUtc().Date;
            var days = Enumerable.Range(1, 10).Select(d => today.PlusDays(d)).Where(d => d.DayOfWeek <= IsoDayOfWeek.Wednesday)
                .Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var op = tokens.Count == 0 ? 0 : random.Next(15);
            string outcome;
            if (op < 5)
            {
                var studio = random.Next(3) == 0;
                var service = studio ? (random.Next(2) == 0 ? "session" : "class") : new[] { "haircut", "consult", "yoga" }[random.Next(3)];
                var time = $"{9 + random.Next(7):00}:{(random.Next(2) == 0 ? "00" : "30")}";
                var body = Booking($"{days[random.Next(days.Length)]}T{time}:00+01:00", service, $"c{step}@example.com",
                    studio ? null : random.Next(3) switch { 0 => "anna", 1 => "bob", _ => null });
                var response = await Book(client, body, studio ? "studio" : Slug);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var created = await Body(response);
                    tokens.Add((created["manageToken"]!.GetValue<string>(), created["id"]!.GetValue<string>()));
                }
                outcome = "book " + (int)response.StatusCode;
            }
            else if (op < 7)
            {
                var (token, _) = tokens[random.Next(tokens.Count)];
                var response = await client.PostAsync($"/api/v1/bookings/{token}/cancel", null);
                outcome = "cancel " + (int)response.StatusCode;
            }
            else if (op < 10)
            {
                var (token, _) = tokens[random.Next(tokens.Count)];
                var time = $"{9 + random.Next(7):00}:{(random.Next(2) == 0 ? "00" : "30")}";
                var response = await client.PostAsJsonAsync($"/api/v1/bookings/{token}/reschedule",
                    new { start = $"{days[random.Next(days.Length)]}T{time}:00+01:00" });
                outcome = "reschedule " + (int)response.StatusCode;
            }
            else if (op < 12)
            {
                // The operator's side: a status change (confirm, no-show, done, cancel) on any booking, allowed or not.
                var (_, id) = tokens[random.Next(tokens.Count)];
                var status = new[] { "confirmed", "no_show", "completed", "cancelled", "in_progress" }[random.Next(5)];
                var response = await admin.PostAsync($"/api/v1/admin/bookings/{id}/status", Json(new JsonObject { ["status"] = status }));
                outcome = "status " + (int)response.StatusCode;
            }
            else if (op < 14)
            {
                // The operator books on the salon (the admin API: no notice, may name anyone).
                var time = $"{9 + random.Next(7):00}:{(random.Next(2) == 0 ? "00" : "30")}";
                var body = Booking($"{days[random.Next(days.Length)]}T{time}:00+01:00", new[] { "haircut", "consult" }[random.Next(2)], $"o{step}@example.com",
                    random.Next(2) == 0 ? "anna" : "bob");
                body["page"] = Slug;
                var response = await admin.PostAsync("/api/v1/admin/bookings", Json(body));
                if (response.StatusCode == HttpStatusCode.Created && (await Body(response)) is var created && created["manageToken"] is { } token)
                {
                    tokens.Add((token.GetValue<string>(), created["id"]!.GetValue<string>()));
                }
                outcome = "operator " + (int)response.StatusCode;
            }
            else
            {
                // Holds (24 h while waiting for approval) run out by the clock, with or without the time rules.
                app.Clock.Advance(Duration.FromHours(random.Next(1, 20)));
                outcome = "clock";
            }
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            var now = app.Clock.GetCurrentInstant();
            var (index, database) = await BothAsync(app, now, now + Duration.FromDays(30));
            Assert.True(index.Count == database.Count && index.All(u => database.TryGetValue(u.Key, out var d) && d.SequenceEqual(u.Value)),
                $"step {step} ({outcome}): index {string.Join("; ", index.Select(u => $"{u.Key}={u.Value.Count}"))} vs " +
                $"database {string.Join("; ", database.Select(u => $"{u.Key}={u.Value.Count}"))}");
        }
        // The walk must have exercised every kind of change, or the equality above proved little.
        Assert.True(counts.GetValueOrDefault("book 201") >= 30, string.Join(", ", counts));
        Assert.True(counts.GetValueOrDefault("cancel 200") >= 5, string.Join(", ", counts));
        Assert.True(counts.GetValueOrDefault("reschedule 200") >= 5, string.Join(", ", counts));
        Assert.True(counts.GetValueOrDefault("clock") >= 5, string.Join(", ", counts));
        Assert.True(counts.GetValueOrDefault("status 200") >= 5, string.Join(", ", counts));
        Assert.True(counts.GetValueOrDefault("operator 201") >= 5, string.Join(", ", counts));
    }

    [Fact]
    public async Task ABookingIsGoneFromTheNextSlotsAnswer_AndACancellationBringsItBack()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), TwoPages())).StatusCode);
        var client = app.CreateClient();
        for (var round = 0; round < 20; round++)
        {
            var free = await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna");
            Assert.NotEmpty(free);
            var created = await Book(client, Booking(free[0], "consult", $"r{round}@example.com", "anna"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.DoesNotContain(free[0], await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna"));
            var token = (await Body(created))["manageToken"]!.GetValue<string>();
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
            Assert.Contains(free[0], await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna"));
        }
    }

    [Fact]
    public async Task RepeatPollsGetNotModified_UntilABookingChangesTheAnswer()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), TwoPages())).StatusCode);
        var client = app.CreateClient();
        const string url = "/api/v1/pages/salon/slots?service=consult&from=2027-03-02&to=2027-03-31&staff=anna";
        var first = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var tag = first.Headers.ETag!;
        var starts = (await first.Content.ReadFromJsonAsync<JsonObject>())!["slots"]!.AsArray().Select(x => x!["start"]!.GetValue<string>()).ToList();

        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(tag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        // A proxy may weaken the tag on its way back; If-None-Match compares weakly.
        using var weak = new HttpRequestMessage(HttpMethod.Get, url);
        weak.Headers.TryAddWithoutValidation("If-None-Match", "W/" + tag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(weak)).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(starts[0], "consult", "p@example.com", "anna"))).StatusCode);
        using var after = new HttpRequestMessage(HttpMethod.Get, url);
        after.Headers.IfNoneMatch.Add(tag);
        var changed = await client.SendAsync(after);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(tag, changed.Headers.ETag);
        var now = (await changed.Content.ReadFromJsonAsync<JsonObject>())!["slots"]!.AsArray().Select(x => x!["start"]!.GetValue<string>()).ToList();
        Assert.Equal(starts.Skip(1), now);

        // Time that changes nothing keeps the tag good, however long the client waited between polls.
        app.Clock.Advance(AvailabilityLoader.AnswerBucket * 30);
        using var idle = new HttpRequestMessage(HttpMethod.Get, url);
        idle.Headers.IfNoneMatch.Add(changed.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(idle)).StatusCode);

        // The clock alone moves the answer on too: once the first open slot has started, it is gone and the tag with it.
        var firstStart = OffsetDateTimePattern.ExtendedIso.Parse(now[0]).Value.ToInstant();
        app.Clock.Advance(firstStart - app.Clock.GetCurrentInstant() + Duration.FromMinutes(1));
        using var later = new HttpRequestMessage(HttpMethod.Get, url);
        later.Headers.IfNoneMatch.Add(changed.Headers.ETag!);
        var moved = await client.SendAsync(later);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.NotEqual(changed.Headers.ETag, moved.Headers.ETag);
        var left = (await moved.Content.ReadFromJsonAsync<JsonObject>())!["slots"]!.AsArray().Select(x => x!["start"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(now[0], left);
    }

    [Fact]
    public async Task ABusinessIdleForAnHourIsDropped_AndLoadedAgainWhenAsked()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), TwoPages())).StatusCode);
        var client = app.CreateClient();
        var index = app.Services.GetRequiredService<BusyIndex>();
        var before = await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna");
        var held = index.Count;
        Assert.True(held >= 1, "the answer loaded the business");

        app.Clock.Advance(BusyIndex.Idle - Duration.FromMinutes(1));
        index.DropIdle(app.Clock.GetCurrentInstant());
        Assert.Equal(held, index.Count);

        app.Clock.Advance(Duration.FromMinutes(2));
        index.DropIdle(app.Clock.GetCurrentInstant());
        Assert.Equal(0, index.Count);

        // Booked while nobody held it: the next answer loads it again and shows the booking.
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(before[2], "consult", "idle@example.com", "anna"))).StatusCode);
        var after = await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna");
        Assert.True(index.Count >= 1);
        Assert.Equal(before.Where(s => s != before[2]), after);
    }

    /// <summary>
    /// Several businesses on one app, asked about in turn: each business's booking is gone from its own answer at once. The
    /// busy version is read on one kept connection; after a handful of reads PostgreSQL's driver prepared the statement and the
    /// reader, which gave one kept command a new tenant each time, got an earlier business's version back, so the third
    /// business was told its index was current and kept offering the time it had just booked.
    /// </summary>
    [Fact]
    public async Task ManyBusinessesOnOneApp_EachSeesItsOwnBookingAtOnce()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        for (var i = 0; i < 4; i++)
        {
            var business = TenantSpace.Create(app, $"Business {i}");
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(business.Admin(), Config())).StatusCode);
            var client = business.CreateClient();
            // Bookings without a look at the slots first, so the index meets this business only when asked below.
            Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T14:00:00+01:00", email: $"grace{i}@example.com"))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T10:00:00+01:00", email: $"ada{i}@example.com"))).StatusCode);
            var starts = await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02");
            Assert.True(!starts.Contains("2027-03-02T10:00:00+01:00") && !starts.Contains("2027-03-02T14:00:00+01:00"),
                $"business {i} still offers what it booked: {string.Join(", ", starts)}");
            Assert.Contains("2027-03-02T11:00:00+01:00", starts);
        }
    }

    [Fact]
    public async Task AfterARestartTheIndexIsRebuiltAndTheFirstAnswerIsRight()
    {
        await using var first = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(first.Admin(), TwoPages())).StatusCode);
        var client = first.CreateClient();
        var before = await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna");
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(before[1], "consult", "x@example.com", "anna"))).StatusCode);
        await first.DisposeForRestartAsync();
        await using var second = first.Restart();
        Assert.Equal(0, second.Services.GetRequiredService<BusyIndex>().Count);
        var after = await SlotStarts(second.CreateClient(), "consult", "2027-03-02", "2027-03-02", staff: "anna");
        Assert.Equal(before.Where(s => s != before[1]), after);
    }
}

public sealed class SqliteBusyIndexTests : BusyIndexTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresBusyIndexTests : BusyIndexTests
{
    protected override Db Kind => Db.Postgres;

    /// <summary>
    /// The busy version is read on one connection the app keeps open. When the server ends that connection (a
    /// restarted or failed-over database), the next answer must still see every booking, and the reader must open
    /// a new connection rather than leave every later request on the slower path.
    /// </summary>
    [Fact]
    public async Task TheKeptVersionConnectionEndedByTheServer_AnswersStayRight_AndItIsOpenedAgain()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), TwoPages())).StatusCode);
        var client = app.CreateClient();
        var free = await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna");
        Assert.Equal(1, await VersionReaders(app, terminate: true));

        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(free[0], "consult", "k@example.com", "anna"))).StatusCode);
        Assert.Equal(free.Skip(1), await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna"));
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(free[1], "consult", "l@example.com", "anna"))).StatusCode);
        Assert.Equal(free.Skip(2), await SlotStarts(client, "consult", "2027-03-02", "2027-03-02", staff: "anna"));
        Assert.Equal(1, await VersionReaders(app, terminate: false));
    }

    /// <summary>The app's connections whose last statement was the version read (ended when asked).</summary>
    private static async Task<int> VersionReaders(BookwellApp app, bool terminate)
    {
        await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(app.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var act = terminate ? "pg_terminate_backend(pid)" : "pid";
        command.CommandText = $"""
            SELECT {act} FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT "Version" FROM "BusyVersions"%'
            """;
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows++;
        }
        return rows;
    }
}
