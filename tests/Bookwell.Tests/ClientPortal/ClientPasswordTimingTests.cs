using System.Diagnostics;
using System.Net;
using Bookwell.Tests.Infrastructure;
using Bookwell.Tests.Security;
using static Bookwell.Tests.ClientPortal.ClientAccountTests;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// A client's password sign-in takes as long for an address without an account as for one with (ClientAccountTests judges
/// the answers). Runs alone, after the parallel classes (<see cref="TimingMeasurements"/>): beside them a single try could
/// take three or four times another for no reason of its own.
/// </summary>
[Collection(nameof(TimingMeasurements))]
public abstract class ClientPasswordTimingTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task PasswordSignIn_KnownAndUnknownAddresses_TakeTheSameOrderOfTime()
    {
        await using var app = await ArrangeAsync(Kind, s => s["Bookwell:RateLimits:AccountsPerMinute"] = "0");
        // Two clients with passwords, each taking four wrong tries (one short of the block), so that all eight rounds time
        // a real hash check on both paths.
        foreach (var (email, start) in new[] { ("ada@example.com", "2027-03-04T10:00:00+01:00"), ("bea@example.com", "2027-03-04T11:00:00+01:00") })
        {
            await BookAsync(app.CreateClient(), start, "consult", "anna", email);
            var session = await LinkSessionAsync(app, email);
            Assert.Equal(HttpStatusCode.OK, (await session.PostFormAsync("/account/profile?handler=password",
                [KeyValuePair.Create("password", Password), KeyValuePair.Create("confirm", Password)], "/account/profile")).StatusCode);
        }
        var peer = 0;
        async Task<long> Timed(string email)
        {
            // Each try from its own network address, so only the address's own count is at work.
            var session = WebSession.For(app);
            session.Client.DefaultRequestHeaders.Add("X-Test-Peer", $"203.0.113.{++peer}");
            var watch = Stopwatch.StartNew();
            var answer = await PasswordSignInAsync(session, email, "wrong password");
            var took = watch.ElapsedMilliseconds;
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            return took;
        }
        // Warm both paths (the first hash of a process builds the dummy hash).
        await Timed("warm@example.com");
        var (known, unknown) = (new List<long>(), new List<long>());
        for (var i = 0; i < 8; i++)
        {
            unknown.Add(await Timed($"nobody{i}@example.com"));
            known.Add(await Timed(i % 2 == 0 ? "ada@example.com" : "bea@example.com"));
        }
        // A hash is checked on both paths, so the fastest tries are of the same order; a path without one is many times faster.
        // Within 5x, not 3x: the browser tests run beside this class, and a busy spell over one path's tries gave 3-4x.
        var (k, u) = (known.Min(), unknown.Min());
        Assert.True(u * 5 >= k && k * 5 >= u, $"known {k} ms, unknown {u} ms");
    }
}

public sealed class SqliteClientPasswordTimingTests : ClientPasswordTimingTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresClientPasswordTimingTests : ClientPasswordTimingTests
{
    protected override Db Kind => Db.Postgres;
}
