using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Bookwell.Features.Calendars;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Calendars;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Security;

/// <summary>
/// The hostile probe's address forms against the one rule every business- or client-chosen URL goes through
/// (<see cref="AddressRules.HostRefusal"/>, then <see cref="AddressRules.IsPublic"/> on every resolved address): host
/// names that IDNA maps onto <c>localhost</c> or a loopback address, IPv4 written every way <see cref="Uri"/> reads it,
/// and IPv6 forms that wrap a private IPv4 address.
/// </summary>
public sealed class OutboundAddressRuleTests
{
    /// <summary>Written-out hosts that are this machine, its network or a metadata service, however they are spelled.</summary>
    public static readonly string[] Hostile =
    [
        "http://ｌｏｃａｌｈｏｓｔ/hook",               // full-width letters: IDNA maps them to "localhost"
        "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/hook",               // circled letters, the same
        "http://ＬＯＣＡＬＨＯＳＴ./hook",             // full-width capitals and a trailing dot
        "http://１２７.０.０.１/hook",                  // full-width digits: 127.0.0.1 once mapped
        "http://127。0。0。1/hook",                     // ideographic full stops between the parts
        "http://１６９.２５４.１６９.２５４/latest/",    // the metadata address in full-width digits
        "http://ｆｏｏ.ｌｏｃａｌ/hook",                // an mDNS name
        "http://metadata.google.ｉｎｔｅｒｎａｌ/",     // a cloud's internal name
        "http://foo.localhost。/hook",
        "http://0x7f.1/hook",                           // hexadecimal and short
        "http://0x7f000001/hook",
        "http://0177.0.0.1/hook",                       // octal
        "http://017700000001/hook",
        "http://2130706433/hook",                       // one decimal number
        "http://127.1/hook",
        "http://0/hook",                                // 0.0.0.0
        "http://[::ffff:127.0.0.1]/hook",               // IPv4-mapped
        "http://[::ffff:7f00:1]/hook",
        "http://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/",
        "http://[::ffff:0:127.0.0.1]/hook",             // IPv4-translated (SIIT, ::ffff:0:0/96)
        "http://[::ffff:0:a9fe:a9fe]/latest/",
        "http://[::127.0.0.1]/hook",                    // IPv4-compatible (::/96)
        "http://[::10.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",                // NAT64 of 127.0.0.1
        "http://[64:ff9b::c0a8:101]/hook",              // NAT64 of 192.168.1.1
        "http://[64:ff9b:1::a00:1]/hook",               // local-use NAT64 (RFC 8215)
        "http://[2002:7f00:1::1]/hook",                 // 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/hook",               // 6to4 of 192.168.1.1
        "http://[2002:a9fe:a9fe::]/latest/",            // 6to4 of the metadata address
        "http://[fe80::1%25eth0]/hook",
        "http://a\u200Db.example/hook",                // names IDNA cannot map: refused, never a 500
        "http://\uFFFD/hook",
    ];

    public static IEnumerable<object[]> HostileUrls => Hostile.Select(u => new object[] { u });

    /// <summary>Public hosts, written in the same families of forms: the rule refuses by address, not by spelling.</summary>
    public static readonly string[] Public =
    [
        "https://bücher.example/hook",
        "https://ｅｘａｍｐｌｅ.com/hook",
        "http://93.184.216.34/hook",
        "http://0x5db8d822/hook",
        "http://[2606:4700:4700::1111]/hook",
        "http://[::ffff:8.8.8.8]/hook",
        "http://[64:ff9b::808:808]/hook",
        "http://[2002:808:808::1]/hook",
    ];

    public static IEnumerable<object[]> PublicUrls => Public.Select(u => new object[] { u });

    [Theory]
    [MemberData(nameof(HostileUrls))]
    public void HostileForms_AreRefusedByTheOneRule(string url) => Assert.NotNull(AddressRules.HostRefusal(new Uri(url)));

    [Theory]
    [MemberData(nameof(PublicUrls))]
    public void PublicForms_PassTheOneRule(string url) => Assert.Null(AddressRules.HostRefusal(new Uri(url)));

    [Theory]
    [InlineData("::ffff:0:127.0.0.1", false)]
    [InlineData("::ffff:0:10.1.2.3", false)]
    [InlineData("::ffff:0:8.8.8.8", true)]
    [InlineData("::10.0.0.1", false)]
    [InlineData("::8.8.8.8", true)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("64:ff9b::808:808", true)]
    [InlineData("64:ff9b:1::808:808", false)]
    [InlineData("64:ff9b:1:ffff::1", false)]
    [InlineData("2002:c0a8:101::1", false)]
    [InlineData("2002:ac10:1::1", false)]
    [InlineData("2002:808:808::1", true)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", false)] // Teredo
    public void EmbeddedIPv4_IsJudgedByTheAddressInside(string address, bool isPublic) =>
        Assert.Equal(isPublic, AddressRules.IsPublic(IPAddress.Parse(address)));

    /// <summary>At delivery: a public-looking name whose DNS answer is one of the wrapped forms is refused before any connect.</summary>
    [Theory]
    [InlineData("::ffff:0:127.0.0.1")]
    [InlineData("::ffff:0:a9fe:a9fe")]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("2002:c0a8:101::1")]
    public async Task AtConnectTime_ANameResolvingToAWrappedPrivateAddress_IsRefused_WithZeroConnects(string address)
    {
        var network = new StandInNetwork(serverPort: 9);
        network.Name("hooks.example.com", [IPAddress.Parse(address)]);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => AddressRules.ConnectAsync(new DnsEndPoint("hooks.example.com", 443), false, network,
            m => new HttpRequestException(m), CancellationToken.None).AsTask());
        Assert.StartsWith("Refused", ex.Message, StringComparison.Ordinal);
        Assert.Empty(network.Connects);
    }
}

/// <summary>
/// The same forms where a business enters them: a webhook endpoint (<c>PUT /api/v1/admin/webhooks</c>) and a staff
/// member's busy source in the configuration are refused with 400 at the URL's own path, a browser's push endpoint is
/// not stored; public forms are accepted. One app per class (validation keeps no state), both databases.
/// </summary>
public abstract class OutboundAddressAppTests(OutboundAddressAppTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Webhooks:AllowPrivateAddresses"] = "false");
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4hG5zBOHRGU=";

    private static JsonObject Hooks(IEnumerable<string> urls) => new()
    {
        ["endpoints"] = new JsonArray([.. urls.Select(u => (JsonNode)new JsonObject
        {
            ["url"] = u,
            ["events"] = new JsonArray("booking.created"),
            ["secret"] = Secret,
        })]),
    };

    private static JsonObject BusySource(string url)
    {
        var doc = Config();
        doc["pages"]![0]!["staff"]![0]!["busySources"] = new JsonArray(new JsonObject { ["url"] = url });
        return doc;
    }

    [Fact]
    public async Task Webhooks_EveryHostileForm_IsRefusedAtItsOwnPath_AndNothingIsStored()
    {
        var hostile = OutboundAddressRuleTests.Hostile;
        // At most ten endpoints per document: the forms go in tens, each refused at its own index.
        foreach (var chunk in hostile.Chunk(10))
        {
            var response = await shared.App.Admin().PutAsync("/api/v1/admin/webhooks", Json(Hooks(chunk)));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await Body(response))["errors"]!.AsObject();
            for (var i = 0; i < chunk.Length; i++)
            {
                Assert.True(errors.ContainsKey($"endpoints[{i}].url"), $"{chunk[i]} was not refused: {errors.ToJsonString()}");
                Assert.Contains("private", errors[$"endpoints[{i}].url"]![0]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }
        Assert.Equal(0, shared.App.WithDb(db => db.WebhookEndpoints.Count()));

        var accepted = await shared.App.Admin().PutAsync("/api/v1/admin/webhooks", Json(Hooks(OutboundAddressRuleTests.Public)));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(OutboundAddressRuleTests.Public.Length, shared.App.WithDb(db => db.WebhookEndpoints.Count(w => w.Active)));
        Assert.Equal(HttpStatusCode.OK, (await shared.App.Admin().PutAsync("/api/v1/admin/webhooks", Json(Hooks([])))).StatusCode);
    }

    [Fact]
    public async Task BusySources_EveryHostileForm_IsRefusedAtItsPath()
    {
        foreach (var url in OutboundAddressRuleTests.Hostile)
        {
            var response = await PutConfig(shared.App.Admin(), BusySource(url));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await Body(response))["errors"]!.AsObject();
            Assert.True(errors.ContainsKey("pages[0].staff[0].busySources[0].url"), $"{url} was not refused: {errors.ToJsonString()}");
        }
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), BusySource("https://ｃａｌｅｎｄａｒ.example.com/anna.ics"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(shared.App.Admin(), Config())).StatusCode);
    }

    [Fact]
    public void PushEndpoints_OnAHostileHost_AreNotAccepted()
    {
        var push = shared.App.Services.GetRequiredService<WebPushSender>();
        foreach (var url in OutboundAddressRuleTests.Hostile)
        {
            Assert.False(push.AcceptsEndpoint(url.Replace("http://", "https://", StringComparison.Ordinal)), url);
        }
        Assert.True(push.AcceptsEndpoint("https://ｆｃｍ.googleapis.com/fcm/send/abc"));
        Assert.True(push.AcceptsEndpoint("https://updates.push.services.mozilla.com/wpush/v2/abc"));
    }
}

public sealed class SqliteOutboundAddressAppTests(SqliteOutboundAddressAppTests.Fixture fixture) : OutboundAddressAppTests(fixture), IClassFixture<SqliteOutboundAddressAppTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Sqlite;
    }
}

public sealed class PostgresOutboundAddressAppTests(PostgresOutboundAddressAppTests.Fixture fixture) : OutboundAddressAppTests(fixture), IClassFixture<PostgresOutboundAddressAppTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Postgres;
    }
}
