using System.Net;
using Bookwell.Data;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// A lost race is business as usual (the database refuses the second writer of a time, the request answers 409), so the log
/// says it in one Information line without a stack trace; it used to be EF's Error with a stack trace per refusal, which drowns
/// the real errors. Both databases.
/// </summary>
public abstract class LostRaceLogTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task TwelveWalkInsForOneTime_OneWins_TheRefusalsAreInformation_NoErrorLogged()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        // Whether a loser reaches the database depends on timing: when the winner commits before the others read the busy
        // time, they are refused in memory and nothing is logged. So the race is run again, at another hour each time, until a
        // refusal came from the database; every round must still have exactly one winner.
        var refusals = new List<(LogLevel Level, string Category, string Message, Exception? Error)>();
        int[] hours = [10, 11, 13, 14, 15, 9];
        for (var round = 0; round < hours.Length && refusals.Count == 0; round++)
        {
            var hour = hours[round];
            using var go = new SemaphoreSlim(0);
            var walkIns = Enumerable.Range(0, 12).Select(async i =>
            {
                var body = Booking($"2027-03-02T{hour:00}:00:00+01:00", staff: "anna", email: $"walk{round}-{i}@example.com");
                body["page"] = Slug;
                body["walkIn"] = true;
                await go.WaitAsync();
                return await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
            }).ToArray();
            go.Release(12);
            var answers = await Task.WhenAll(walkIns);
            Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.All(answers, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
            refusals = app.Logs.Entries.Where(e => e.Category == "Bookwell.Data.DatabaseRefusals").ToList();
        }

        // Six rounds can all be refused in memory on a machine busy enough: one refusal for certain, a copy of a winner's
        // allocation, as another group's, written behind the app's back (no busy version moved): refused like a lost race.
        var refused = app.WithDb(db =>
        {
            var won = db.Allocations.IgnoreQueryFilters().AsNoTracking().First(a => a.Live);
            db.Allocations.Add(new Allocation
            {
                TenantId = won.TenantId,
                BookingId = won.BookingId,
                UnitKey = won.UnitKey,
                Seat = won.Seat,
                GroupKey = won.GroupKey + "-copy",
                StartsAt = won.StartsAt,
                EndsAt = won.EndsAt,
                Stamp = won.Stamp,
            });
            try
            {
                db.SaveChanges();
                return false;
            }
            catch (DbUpdateException)
            {
                return true;
            }
        });
        Assert.True(refused);

        var entries = app.Logs.Entries.ToList();
        refusals = entries.Where(e => e.Category == "Bookwell.Data.DatabaseRefusals").ToList();
        // The refusals (the race's that reached the database, and the copy's) are each one line, no exception attached.
        Assert.NotEmpty(refusals);
        Assert.All(refusals, e => Assert.True(e.Level == LogLevel.Information && e.Error is null, e.Message));
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error);
    }
}

public sealed class SqliteLostRaceLogTests : LostRaceLogTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresLostRaceLogTests : LostRaceLogTests
{
    protected override Db Kind => Db.Postgres;
}
