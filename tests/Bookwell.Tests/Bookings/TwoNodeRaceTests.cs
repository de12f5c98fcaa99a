using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Npgsql;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Two real Bookwell processes (the built app, started with dotnet) on one PostgreSQL database, as behind a
/// load balancer: both migrate at once on start, and a slot contested through both has one winner.
/// </summary>
public sealed class TwoNodeRaceTests
{
    [Fact]
    public async Task RaceAcrossTwoProcesses_FiftyClients_ExactlyOneWins()
    {
        var name = $"bw_{Guid.NewGuid():N}";
        await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"CREATE DATABASE \"{name}\"");
        var cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = name }.ConnectionString;
        var a = Node.Start(cs);
        var b = Node.Start(cs);
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());
            using var admin = a.Client();
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);

            // Real clock here: take the first consultation slot node B offers in the week from tomorrow (today's first slot
            // could pass while the racers line up).
            var today = DateTime.UtcNow.Date.AddDays(1);
            using var probe = b.Client();
            var slots = await probe.GetFromJsonAsync<JsonObject>(
                $"/api/v1/pages/salon/slots?service=consult&from={today:yyyy-MM-dd}&to={today.AddDays(7):yyyy-MM-dd}");
            var start = slots!["slots"]![0]!["start"]!.GetValue<string>();

            var clients = Enumerable.Range(0, 50).Select(i => (i % 2 == 0 ? a : b).Client()).ToArray();
            using var gate = new SemaphoreSlim(0);
            var tasks = clients.Select(async (c, i) =>
            {
                await gate.WaitAsync();
                return await Book(c, Booking(start, service: "consult", email: $"racer{i}@example.com"));
            }).ToArray();
            gate.Release(50);
            var responses = await Task.WhenAll(tasks);
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
            Assert.Equal(1L, await Pg.CountAsync(cs, "SELECT count(*) FROM \"Bookings\" WHERE \"Status\" <> 'cancelled'"));
            foreach (var c in clients)
            {
                c.Dispose();
            }
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
