using System.Net;
using Bookwell.Tests.Infrastructure;
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
        using var go = new SemaphoreSlim(0);
        var walkIns = Enumerable.Range(0, 12).Select(async i =>
        {
            var body = Booking("2027-03-02T10:00:00+01:00", staff: "anna", email: $"walk{i}@example.com");
            body["page"] = Slug;
            body["walkIn"] = true;
            await go.WaitAsync();
            return await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        }).ToArray();
        go.Release(12);
        var answers = await Task.WhenAll(walkIns);
        Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(answers, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));

        var entries = app.Logs.Entries.ToList();
        var refusals = entries.Where(e => e.Category == "Bookwell.Data.DatabaseRefusals").ToList();
        // The race reached the database (its refusals are what is logged), each one line, no exception attached.
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
