using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bookwell.Tests.Infrastructure;

/// <summary>The built Bookwell app started as a real process (a cluster node), on a free loopback port.</summary>
public sealed class Node : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private Node(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Everything the node wrote to its console so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Node Start(string connectionString, IReadOnlyDictionary<string, string>? extra = null, string? workingDirectory = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet", [AppDll(), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        info.Environment["Bookwell__Database"] = "postgres";
        info.Environment["ConnectionStrings__Bookwell"] = connectionString;
        info.Environment["Bookwell__SeedDemo"] = "false";
        info.Environment["Bookwell__BootstrapApiKey"] = BookwellApp.AdminKey;
        info.Environment["Bookwell__RateLimits__SlotsPerMinute"] = "0";
        info.Environment["Bookwell__RateLimits__BookingsPerMinute"] = "0";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // As in BookwellApp: online payment needs a provider, played by the shared stand-in.
        info.Environment["Bookwell__Stripe__SecretKey"] = StripeStandIn.SecretKey;
        info.Environment["Bookwell__Stripe__WebhookSecret"] = StripeStandIn.WebhookSecret;
        info.Environment["Bookwell__Stripe__ApiBase"] = StripeStandIn.Shared.BaseUrl;
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info)!;
        var node = new Node(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { lock (node._output) { node._output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (node._output) { node._output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>SIGTERM, and waits for the node to end: it stops as an operator stops it, its logs flushed.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        await _process.WaitForExitAsync();
        // The redirected streams are read to their end only once WaitForExit without a timeout has returned.
        _process.WaitForExit();
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, as when a machine dies.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress };

    /// <summary>Polls until the node answers; start-up includes migrating the shared database.</summary>
    /// <remarks>Five minutes because a two-core runner at load 100 has taken over three minutes to bring up two nodes
    /// migrating one fresh database; a node that never answers still fails, and a quick one is not held up.</remarks>
    public async Task WaitReadyAsync()
    {
        using var client = Client();
        client.Timeout = TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow.AddSeconds(300);
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
            catch (TaskCanceledException)
            {
                // listening but still migrating; ask again
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
