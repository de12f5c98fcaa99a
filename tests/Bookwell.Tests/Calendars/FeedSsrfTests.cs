using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Bookwell.Features.Calendars;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// The network as the fetcher sees it, standing in for DNS and the internet: names the test owns resolve to the
/// answers it scripts (one answer per lookup, the last repeating), every socket connect attempt is recorded before
/// anything else happens, and a connect to one of the scripted public addresses reaches the loopback test server
/// (as if it were that host on the internet). A connect to any other address is recorded and fails at once; nothing
/// leaves the machine.
/// </summary>
public sealed class StandInNetwork(int serverPort) : OutboundNetwork
{
    private readonly ConcurrentDictionary<string, Queue<IPAddress[]>> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<IPAddress> _internet = [];

    public ConcurrentQueue<IPEndPoint> Connects { get; } = new();

    /// <summary>A public address that, in this stand-in, is the loopback test server.</summary>
    public void Host(IPAddress publicAddress)
    {
        lock (_internet)
        {
            _internet.Add(publicAddress);
        }
    }

    /// <summary>The answers <paramref name="name"/> gives, lookup by lookup; the last one repeats.</summary>
    public void Name(string name, params IPAddress[][] answers) => _names[name] = new Queue<IPAddress[]>(answers);

    public override Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        if (_names.TryGetValue(host, out var answers))
        {
            lock (answers)
            {
                return Task.FromResult(answers.Count > 1 ? answers.Dequeue() : answers.Peek());
            }
        }
        return base.ResolveAsync(host, ct);
    }

    public override ValueTask<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        Connects.Enqueue(endPoint);
        bool known;
        lock (_internet)
        {
            known = _internet.Contains(endPoint.Address);
        }
        return known
            ? base.ConnectAsync(new IPEndPoint(IPAddress.Loopback, serverPort), ct)
            : ValueTask.FromException<Stream>(new SocketException((int)SocketError.HostUnreachable));
    }

    /// <summary>Every connect attempt to an address the rules refuse.</summary>
    public IPEndPoint[] ConnectsToNonPublic => [.. Connects.Where(e => !AddressRules.IsPublic(e.Address))];
}

/// <summary>
/// Issue 16, SSRF: hostile busy-source URLs (a dozen address classes, written every way an address can be
/// written, names that resolve to them, redirects to them, DNS rebinding) end in a refusal with zero connect
/// attempts to a refused address; DNS and the internet are a stand-in that records every socket connect.
/// </summary>
public sealed class FeedSsrfTests : IAsyncLifetime
{
    private static readonly IPAddress Public = IPAddress.Parse("93.184.216.34");
    private static readonly IPAddress OtherPublic = IPAddress.Parse("8.8.4.4");
    private IcsServer _server = null!;
    private StandInNetwork _network = null!;
    private FeedFetcher _fetcher = null!;

    public async Task InitializeAsync()
    {
        _server = await IcsServer.StartAsync();
        _server.Serve("/cal.ics", CalendarSyncTests.Feed());
        _network = new StandInNetwork(_server.Port);
        _network.Host(Public);
        _network.Host(OtherPublic);
        _network.Name("calendar.example.com", [Public]);
        _fetcher = new FeedFetcher(new CalendarOptions(false, TimeSpan.FromMinutes(5), 2 * 1024 * 1024, TimeSpan.FromSeconds(5)), _network);
    }

    public async Task DisposeAsync()
    {
        _fetcher.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<FeedException> Refused(string url)
    {
        var ex = await Assert.ThrowsAsync<FeedException>(() => _fetcher.FetchAsync(new Uri(url), CancellationToken.None));
        Assert.StartsWith("Refused", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    /// <summary>The stand-in works: a public name is read through it (one connect, to the public address), so the refusals below are the rules.</summary>
    [Fact]
    public async Task APublicName_IsRead_ThroughTheStandIn()
    {
        Assert.Contains("BEGIN:VCALENDAR", await _fetcher.FetchAsync(new Uri("http://calendar.example.com/cal.ics"), CancellationToken.None));
        Assert.Equal(Public, Assert.Single(_network.Connects).Address);
        Assert.Equal(1, _server.Hits);
    }

    /// <summary>Addresses written out in every form the URL parser or the resolver accepts, and names for this machine.</summary>
    [Theory]
    [InlineData("http://0x7f000001/cal.ics")]             // hexadecimal loopback
    [InlineData("http://0x7f.0x0.0x0.0x1/cal.ics")]       // dotted hexadecimal
    [InlineData("http://0177.0.0.1/cal.ics")]             // octal
    [InlineData("http://127.1/cal.ics")]                  // short form
    [InlineData("http://2130706433/cal.ics")]             // one decimal number
    [InlineData("http://0.0.0.0/cal.ics")]                // "this host"
    [InlineData("http://[::]/cal.ics")]                   // IPv6 unspecified
    [InlineData("http://[::1]/cal.ics")]                  // IPv6 loopback
    [InlineData("http://[::ffff:10.0.0.1]/cal.ics")]      // IPv4-mapped private
    [InlineData("http://[::ffff:7f00:1]/cal.ics")]        // IPv4-mapped loopback in hex
    [InlineData("http://[fe80::1%25eth0]/cal.ics")]       // link-local with a zone id
    [InlineData("http://[fe80::1%251]/cal.ics")]          // link-local with a numeric zone id
    [InlineData("http://[fc00::1]/cal.ics")]              // unique local fc00::/7
    [InlineData("http://[fd00:ec2::254]/latest/")]        // AWS metadata over IPv6
    [InlineData("http://[64:ff9b::a9fe:a9fe]/latest/")]   // NAT64 of 169.254.169.254
    [InlineData("http://100.64.0.1/cal.ics")]             // carrier-grade NAT 100.64.0.0/10
    [InlineData("http://100.127.255.254/cal.ics")]
    [InlineData("http://192.0.0.8/cal.ics")]              // IETF protocol assignments 192.0.0.0/24
    [InlineData("http://169.254.169.254/latest/meta-data/")] // cloud metadata
    [InlineData("http://10.0.0.1/cal.ics")]
    [InlineData("http://172.16.0.1/cal.ics")]
    [InlineData("http://192.168.1.1/cal.ics")]
    [InlineData("http://224.0.0.251/cal.ics")]            // multicast
    [InlineData("http://[ff02::1]/cal.ics")]              // IPv6 multicast
    [InlineData("http://255.255.255.255/cal.ics")]        // broadcast
    [InlineData("http://localhost/cal.ics")]
    [InlineData("http://localhost./cal.ics")]
    public async Task HostileAddressForms_AreRefused_WithZeroConnects(string url)
    {
        await Refused(url);
        Assert.Empty(_network.Connects);
        Assert.Equal(0, _server.Hits);
    }

    /// <summary>Names the test owns whose answers hold a refused address: alone, among public ones, or mapped.</summary>
    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("fd12:3456::1")]
    [InlineData("100.100.100.200")]
    public async Task ANameResolvingToARefusedAddress_AloneOrBesideAPublicOne_IsRefused_WithZeroConnects(string address)
    {
        var bad = IPAddress.Parse(address);
        _network.Name("evil.example.com", [bad]);
        _network.Name("mixed.example.com", [Public, bad]);
        _network.Name("mixed-first.example.com", [bad, Public]);
        foreach (var name in new[] { "evil.example.com", "mixed.example.com", "mixed-first.example.com" })
        {
            var ex = await Refused($"http://{name}/cal.ics");
            Assert.Contains(bad.ToString(), ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(name, ex.Message, StringComparison.Ordinal);
        }
        Assert.Empty(_network.Connects);
        Assert.Equal(0, _server.Hits);
    }

    /// <summary>A public host (the loopback server standing in) redirects with every redirect status to a refused address, written out or by name.</summary>
    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task APublicHostRedirectingToAPrivateAddress_IsRefused_WithZeroConnectsToIt(int status)
    {
        _network.Name("internal.example.com", [IPAddress.Parse("10.1.2.3")]);
        string[] targets =
        [
            "http://10.0.0.1/cal.ics", $"http://127.0.0.1:{_server.Port}/cal.ics", $"http://[::ffff:127.0.0.1]:{_server.Port}/cal.ics",
            "http://169.254.169.254/latest/meta-data/", "http://0x7f000001/cal.ics", "http://internal.example.com/cal.ics",
            $"http://localhost:{_server.Port}/cal.ics",
        ];
        for (var i = 0; i < targets.Length; i++)
        {
            var target = targets[i];
            _server.Handle($"/go{i}", c =>
            {
                c.Response.StatusCode = status;
                c.Response.Headers.Location = target;
                return Task.CompletedTask;
            });
        }
        for (var i = 0; i < targets.Length; i++)
        {
            await Refused($"http://calendar.example.com/go{i}");
        }
        Assert.Empty(_network.ConnectsToNonPublic);
        Assert.All(_network.Connects, c => Assert.Equal(Public, c.Address));
        // Each redirect was answered by the public host (the pooled connection may serve several); nothing else was served.
        Assert.Equal(targets.Length, _server.Hits);
    }

    /// <summary>
    /// DNS rebinding: the name answers a public address first and a private one afterwards (a short TTL). The public
    /// host closes its connection and redirects to itself, so the next hop needs a new connection and a new lookup:
    /// that lookup's private answer is refused and no connect is tried to it. A later read of the same URL is refused too.
    /// </summary>
    [Fact]
    public async Task DnsRebinding_FirstAnswerPublic_ThenPrivate_NeverConnectsToThePrivateOne()
    {
        var bad = IPAddress.Parse("10.0.0.5");
        _network.Name("rebind.example.com", [Public], [bad]);
        _server.Handle("/first", c =>
        {
            c.Response.Headers.Connection = "close";
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "/cal.ics";
            return Task.CompletedTask;
        });
        var ex = await Refused("http://rebind.example.com/first");
        Assert.Contains("10.0.0.5", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Public, Assert.Single(_network.Connects).Address);
        await Refused("http://rebind.example.com/cal.ics");
        Assert.Empty(_network.ConnectsToNonPublic);
        Assert.Equal(1, _server.Hits);
    }

    /// <summary>A public host redirecting to another public host is followed (the refusals above are about the address, not redirects as such).</summary>
    [Fact]
    public async Task ARedirectToAnotherPublicHost_IsFollowed()
    {
        _network.Name("other.example.net", [OtherPublic]);
        _server.Handle("/away", c =>
        {
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = "http://other.example.net/cal.ics";
            return Task.CompletedTask;
        });
        Assert.Contains("BEGIN:VCALENDAR", await _fetcher.FetchAsync(new Uri("http://calendar.example.com/away"), CancellationToken.None));
        Assert.Equal([Public, OtherPublic], _network.Connects.Select(c => c.Address).ToArray());
        Assert.Equal(2, _server.Hits);
    }
}

/// <summary>
/// The same guard in the running app: a stored busy source whose public-looking name resolves to loopback (the
/// address of the test server) is read by a sync, refused, reported as the connection's error, and never connected to.
/// </summary>
public abstract class FeedSsrfAppTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task ANameResolvingToLoopback_IsRefusedBySync_ReportedAsTheError_WithZeroConnects()
    {
        await using var server = await IcsServer.StartAsync();
        server.Serve("/cal.ics", CalendarSyncTests.Feed());
        var network = new StandInNetwork(server.Port);
        network.Name("calendar.example.com", [IPAddress.Loopback]);
        await using var app = await BookwellApp.StartAsync(Kind, services: s => s.AddSingleton<OutboundNetwork>(network));
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray(new JsonObject { ["url"] = $"http://calendar.example.com:{server.Port}/cal.ics" });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await app.Admin().PostAsync("/api/v1/admin/calendars/sync", null)).StatusCode);
        var item = Assert.Single((await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/calendars"))!["items"]!.AsArray())!;
        Assert.Equal("Refused: 127.0.0.1 is a private, loopback or link-local address.", item["lastError"]!.GetValue<string>());
        Assert.Null(item["lastSuccessAt"]);
        Assert.Empty(network.Connects);
        Assert.Equal(0, server.Hits);
    }
}

public sealed class SqliteFeedSsrfAppTests : FeedSsrfAppTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresFeedSsrfAppTests : FeedSsrfAppTests
{
    protected override Db Kind => Db.Postgres;
}
