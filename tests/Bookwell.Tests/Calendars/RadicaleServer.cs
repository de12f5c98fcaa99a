using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// A real Radicale CalDAV server (Debian's package) on a free loopback port, with a temporary storage folder
/// and htpasswd authentication, so per-user rights are enforced. The test's own client talks to it as a
/// calendar app would (MKCALENDAR, PUT, DELETE, PROPFIND).
/// </summary>
public sealed partial class RadicaleServer : IAsyncDisposable
{
    public const string User = "anna";
    public const string Password = "s3cret-horse";

    private readonly Process _process;
    private readonly string _dir;
    private readonly HttpClient _http;

    private RadicaleServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        // Radicale's small server may close an idle kept-alive connection just as the next request reuses it
        // ("the response ended prematurely" in a loaded run): the test's own reads open a connection each.
        _http.DefaultRequestHeaders.ConnectionClose = true;
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<RadicaleServer> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"radicale-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(dir, "collections"));
        await File.WriteAllTextAsync(Path.Combine(dir, "users"), $"{User}:{Password}\n");
        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "config"), $"""
            [server]
            hosts = 127.0.0.1:{port}
            [auth]
            type = htpasswd
            htpasswd_filename = {Path.Combine(dir, "users")}
            htpasswd_encryption = plain
            delay = 0
            [storage]
            filesystem_folder = {Path.Combine(dir, "collections")}
            [rights]
            type = owner_only
            [logging]
            level = warning
            """);
        var process = Process.Start(new ProcessStartInfo("/usr/bin/radicale", ["--config", Path.Combine(dir, "config")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("radicale did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RadicaleServer(process, dir, port);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < until && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The user's password changes at the server (Radicale reads the htpasswd file at each login).</summary>
    public void ChangePassword(string password) => File.WriteAllText(Path.Combine(_dir, "users"), $"{User}:{password}\n");

    public async Task MakeCalendarAsync(string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod("MKCALENDAR"), path);
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>
    /// PUT is idempotent (RFC 9110 9.2.2): when Radicale drops the connection without an answer, the same
    /// body is sent again and the resource ends the same whether or not the first one was stored.
    /// </summary>
    public async Task PutAsync(string path, string ics)
    {
        var response = await Idempotent(() => _http.SendAsync(new HttpRequestMessage(HttpMethod.Put, path)
        {
            Content = new StringContent(ics, Encoding.UTF8, "text/calendar"),
        }));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {response.StatusCode}");
    }

    /// <summary>DELETE is idempotent too; a repeat after a dropped answer may find the resource already gone.</summary>
    public async Task DeleteAsync(string path)
    {
        var repeated = false;
        var response = await Idempotent(() => _http.DeleteAsync(path), () => repeated = true);
        Assert.True(response.IsSuccessStatusCode || (repeated && response.StatusCode == HttpStatusCode.NotFound), $"DELETE {path}: {response.StatusCode}");
    }

    private static async Task<HttpResponseMessage> Idempotent(Func<Task<HttpResponseMessage>> send, Action? onRepeat = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send();
            }
            catch (HttpRequestException) when (attempt < 3)
            {
                onRepeat?.Invoke();
            }
        }
    }

    /// <summary>The body of a resource, or null when it is not there.</summary>
    public Task<string?> GetAsync(string path) => ReadAsync(async () =>
    {
        var response = await _http.GetAsync(path);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadAsStringAsync();
    });

    /// <summary>The hrefs of the resources in a collection.</summary>
    public async Task<string[]> ListAsync(string collection)
    {
        var body = await ReadAsync(async () =>
        {
            using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), collection)
            {
                Content = new StringContent("""<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>""", Encoding.UTF8, "application/xml"),
            };
            request.Headers.Add("Depth", "1");
            return await (await _http.SendAsync(request)).Content.ReadAsStringAsync();
        });
        return [.. Href().Matches(body!).Select(m => m.Groups[1].Value).Where(h => h.EndsWith(".ics", StringComparison.Ordinal))];
    }

    /// <summary>
    /// The test's own reads are idempotent, so one that Radicale's small threaded server drops without an answer
    /// (seen in CI even on a fresh connection while the app wrote to the same collection) is asked again, up to
    /// three times; a write is never repeated, and a read that fails three times still fails the test.
    /// </summary>
    private static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (HttpRequestException) when (attempt < 3)
            {
            }
        }
    }

    [GeneratedRegex("<(?:D:)?href>([^<]+)</(?:D:)?href>")]
    private static partial Regex Href();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // left in temp
        }
    }
}
