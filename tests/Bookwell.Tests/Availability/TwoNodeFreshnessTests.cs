using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Npgsql;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Availability;

/// <summary>
/// Issue 12's proof: two real processes on one PostgreSQL database, each with its own in-memory busy index.
/// A booking answered 201 by node A is never offered by node B's very next answer, and a cancellation on A is
/// offered by B at once: 1,000 rounds of each (200 in the default run, <see cref="TestScale"/>), zero stale answers;
/// every 25th booking is also checked on B's booking page.
/// </summary>
public sealed class TwoNodeFreshnessTests
{
    private static readonly int Rounds = TestScale.Of(quick: 200, full: 1000);

    [Fact]
    public async Task BookOnANodeThenAskTheOther_NeverAStaleSlot_AndCancellationsShowAtOnce()
    {
        // A copy of the migrated template: what is proven here is freshness, not two nodes migrating one new database
        // (TwoNodeRaceTests and TwoNodeOutboxTests start theirs on an empty one), so the nodes need not apply every migration.
        var (cs, name) = await BookwellApp.CreatePostgresDatabaseAsync();
        var unlimited = new Dictionary<string, string> { ["Bookwell__RateLimits__ManagePerMinute"] = "0" };
        var a = Node.Start(cs, unlimited);
        var b = Node.Start(cs, unlimited);
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());
            using var admin = a.Client();
            admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
            var doc = Config();
            var page = doc["pages"]![0]!;
            foreach (var s in page["services"]!.AsArray())
            {
                s!["payment"] = "none";
            }
            // A quarter-hour service every day from 06:00 to 22:00: enough distinct times for the rounds.
            page["services"]!.AsArray().Add(JsonNode.Parse("""
                { "key": "quick", "name": "Quick", "durationMinutes": 15, "price": { "amount": 5, "currency": "EUR" }, "payment": "none",
                  "requiresStaff": true, "slotIntervalMinutes": 15, "minNoticeMinutes": 0, "resourceTypes": [] }
                """));
            page["settings"]!["allowedDays"] = new JsonArray("mon", "tue", "wed", "thu", "fri", "sat", "sun");
            var hours = new JsonArray(new JsonArray("06:00", "22:00"));
            page["schedule"] = new JsonObject
            {
                ["mon"] = hours.DeepClone(),
                ["tue"] = hours.DeepClone(),
                ["wed"] = hours.DeepClone(),
                ["thu"] = hours.DeepClone(),
                ["fri"] = hours.DeepClone(),
                ["sat"] = hours.DeepClone(),
                ["sun"] = hours.DeepClone(),
            };
            page["exceptions"] = new JsonArray();
            page["staff"]![0]!["services"]!.AsArray().Add("quick");
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);

            using var onA = a.Client();
            using var onB = b.Client();
            var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
            async Task<List<string>> FreeOnB(DateOnly d) =>
                [.. (await onB.GetFromJsonAsync<JsonObject>($"/api/v1/pages/salon/slots?service=quick&staff=anna&from={d:yyyy-MM-dd}&to={d:yyyy-MM-dd}"))!
                    ["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>())];

            // The booking page (its month calendar and the day's times, cached like /slots) on node B, checked every 25th round.
            async Task<bool> OfferedOnBPage(DateOnly d, string start) =>
                WebUtility.HtmlDecode(await onB.GetStringAsync($"/book/salon?service=quick&staff=anna&date={d:yyyy-MM-dd}"))
                    .Contains("start=" + Uri.EscapeDataString(start), StringComparison.Ordinal);

            var booked = new List<(string Token, string Start, DateOnly Day)>();
            var staleAfterBooking = 0;
            var pageChecks = 0;
            var stalePage = 0;
            var free = await FreeOnB(day);
            while (booked.Count < Rounds)
            {
                if (free.Count == 0)
                {
                    day = day.AddDays(1);
                    free = await FreeOnB(day);
                    continue;
                }
                var start = free[0];
                var checkPage = booked.Count % 25 == 0;
                if (checkPage)
                {
                    Assert.True(await OfferedOnBPage(day, start), $"{start} is offered on B's booking page before it is booked");
                }
                var created = await Book(onA, Booking(start, "quick", $"n{booked.Count}@example.com", "anna"));
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                booked.Add(((await Body(created))["manageToken"]!.GetValue<string>(), start, day));
                free = await FreeOnB(day);
                if (free.Contains(start))
                {
                    staleAfterBooking++;
                }
                if (checkPage)
                {
                    pageChecks++;
                    if (await OfferedOnBPage(day, start))
                    {
                        stalePage++;
                    }
                }
            }

            var staleAfterCancel = 0;
            foreach (var (token, start, d) in booked)
            {
                Assert.Equal(HttpStatusCode.OK, (await onA.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
                if (!(await FreeOnB(d)).Contains(start))
                {
                    staleAfterCancel++;
                }
            }
            Assert.Equal(0, staleAfterBooking);
            Assert.Equal(Rounds / 25, pageChecks);
            Assert.Equal(0, stalePage);
            Assert.Equal(0, staleAfterCancel);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }
}
