using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
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
        await Sql($"CREATE DATABASE \"{name}\"");
        var cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = name }.ConnectionString;
        var a = Node.Start(cs);
        var b = Node.Start(cs);
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());
            using var admin = a.Client();
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);

            // Real clock here: take the first consultation slot node B offers in the coming week.
            var today = DateTime.UtcNow.Date;
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
            Assert.Equal(1L, await Scalar(cs, "SELECT count(*) FROM \"Bookings\" WHERE \"Status\" <> 'cancelled'"));
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
            await Sql($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private static async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(BookwellApp.PostgresServer);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class Node : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private Node(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public static Node Start(string connectionString)
        {
            var port = FreePort();
            var info = new ProcessStartInfo("dotnet", [AppDll(), "--urls", $"http://127.0.0.1:{port}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["Bookwell__Database"] = "postgres";
            info.Environment["ConnectionStrings__Bookwell"] = connectionString;
            info.Environment["Bookwell__SeedDemo"] = "false";
            info.Environment["Bookwell__BootstrapApiKey"] = BookwellApp.AdminKey;
            info.Environment["Bookwell__RateLimits__SlotsPerMinute"] = "0";
            info.Environment["Bookwell__RateLimits__BookingsPerMinute"] = "0";
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            var process = Process.Start(info)!;
            var node = new Node(process, new Uri($"http://127.0.0.1:{port}"));
            process.OutputDataReceived += (_, e) => { lock (node._output) { node._output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (node._output) { node._output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return node;
        }

        public HttpClient Client() => new() { BaseAddress = BaseAddress };

        /// <summary>Polls until the node answers; start-up includes migrating the shared database.</summary>
        public async Task WaitReadyAsync()
        {
            using var client = Client();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"Node exited with {_process.ExitCode}:\n{_output}");
                }
                try
                {
                    if ((await client.GetAsync("/openapi/v1.json")).IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                await Task.Delay(100);
            }
            throw new TimeoutException($"Node did not start:\n{_output}");
        }

        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        /// <summary>The app as built beside these tests (same configuration).</summary>
        private static string AppDll()
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "Bookwell.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Bookwell.dll is not beside the tests.", dll);
        }
    }
}
