using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Features.Calendars;
using Bookwell.Features.Webhooks;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Webhooks;

/// <summary>
/// Contract 4.7 against a real receiver on loopback: the document, the events a booking's life sends, Standard Webhooks
/// signatures (checked here by the spec's own recipe, not by Bookwell's code), retries with one webhook-id, and the
/// address rules (at PUT time and after DNS resolution at delivery). Two apps per class and database, one refusing private
/// addresses (the default) and one allowing them (for a receiver on loopback), each test on a business of its own (see
/// <see cref="SharedApp"/>); the tests with a stand-in DNS start their own app.
/// </summary>
public abstract class WebhookTests(SharedApp strict, SharedApp loopback)
{
    private Db Kind => strict.Kind;

    // 32 bytes, base64: a secret in Standard Webhooks form.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4hG5zBOHRGU=";
    private const string Tue10 = "2027-03-02T10:00:00+01:00";
    private const string Tue11 = "2027-03-02T11:00:00+01:00";

    /// <summary>A business of its own, configured, on the class's app that refuses (or allows) private addresses.</summary>
    private async Task<TenantSpace> NewAsync(bool allowPrivate = true)
    {
        var app = await (allowPrivate ? loopback : strict).NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return app;
    }

    /// <summary>An app of its own (the default business, configured), for a test that replaces a service.</summary>
    private async Task<BookwellApp> StartAsync(bool allowPrivate, Action<IServiceCollection> services)
    {
        var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Webhooks:AllowPrivateAddresses"] = allowPrivate ? "true" : "false", services: services);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return app;
    }

    private static JsonObject Doc(string url, string secret = Secret, params string[] events) => new()
    {
        ["endpoints"] = new JsonArray(new JsonObject
        {
            ["url"] = url,
            ["events"] = new JsonArray([.. (events.Length == 0 ? WebhookEvents.All.ToArray() : events).Select(e => (JsonNode)JsonValue.Create(e)!)]),
            ["secret"] = secret,
        }),
    };

    private static Task<HttpResponseMessage> PutHooks(HttpClient admin, JsonNode doc) => admin.PutAsync("/api/v1/admin/webhooks", Json(doc));

    /// <summary>The Standard Webhooks check, written from the spec: HMAC-SHA256 keyed with the base64-decoded part after whsec_.</summary>
    private static void AssertSigned(ReceivedHook hook, string secret = Secret)
    {
        Assert.NotNull(hook.Id);
        Assert.NotNull(hook.Timestamp);
        Assert.NotNull(hook.Signature);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{hook.Id}.{hook.Timestamp}.{hook.Body}")));
        Assert.Contains(expected, hook.Signature!.Split(' '));
        var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(hook.Timestamp!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(sent, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.StartsWith("application/json", hook.ContentType, StringComparison.Ordinal);
    }

    private static async Task<Data.OutboxMessage> WaitForMessage(TenantSpace app, Func<Data.OutboxMessage, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var message = app.WithDb(db => db.Outbox.AsNoTracking().Where(m => m.Channel == WebhookQueue.Channel).OrderBy(m => m.CreatedAt).ToList())
                .FirstOrDefault(condition);
            if (message is not null)
            {
                return message;
            }
            Assert.True(DateTime.UtcNow < deadline, "the webhook message never reached the expected state");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Put_IsIdempotent_GetHidesSecret_SecretStoredSealed()
    {
        var app = await NewAsync(allowPrivate: false);
        var admin = app.Admin();
        var doc = Doc("https://hooks.example.com/bookwell", Secret, "booking.created", "booking.cancelled");
        var put = await PutHooks(admin, doc);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var first = app.WithDb(db => db.WebhookEndpoints.AsNoTracking().Single());
        Assert.DoesNotContain(Secret[6..], first.SecretSealed, StringComparison.Ordinal);

        // The same document again changes nothing: same row, same sealed secret, same time of change.
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(admin, doc)).StatusCode);
        var second = app.WithDb(db => db.WebhookEndpoints.AsNoTracking().Single());
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.SecretSealed, second.SecretSealed);
        Assert.Equal(first.UpdatedAt, second.UpdatedAt);

        var got = await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/webhooks");
        var endpoint = Assert.Single(got!["endpoints"]!.AsArray())!.AsObject();
        Assert.Equal("https://hooks.example.com/bookwell", endpoint["url"]!.GetValue<string>());
        Assert.Equal(new[] { "booking.created", "booking.cancelled" }, endpoint["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.False(endpoint.ContainsKey("secret"));
        Assert.DoesNotContain(Secret[6..], got.ToJsonString(), StringComparison.Ordinal);

        // What GET returns can be sent back as it is: a known endpoint keeps its secret.
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(admin, got)).StatusCode);
        Assert.Equal(first.SecretSealed, app.WithDb(db => db.WebhookEndpoints.AsNoTracking().Single()).SecretSealed);

        // Left out of the document: deactivated, not deleted.
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(admin, new JsonObject { ["endpoints"] = new JsonArray() })).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/webhooks"))!["endpoints"]!.AsArray());
        Assert.False(app.WithDb(db => db.WebhookEndpoints.AsNoTracking().Single()).Active);
        Assert.DoesNotContain(app.App.Logs.Entries, e => e.Message.Contains(Secret[6..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task BookingLife_SendsCreatedRescheduledCancelled_SignedWithTheBookingShape()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var app = await NewAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(app.Admin(), Doc(receiver.Url(), Secret,
            "booking.created", "booking.rescheduled", "booking.cancelled"))).StatusCode);

        // consult goes through the group writer, haircut (a file field) one by one: both paths announce the booking.
        var created = await Body(await Book(app.CreateClient(), Booking(Tue10, service: "consult")));
        var token = created["manageToken"]!.GetValue<string>();
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/reschedule",
            Json(new JsonObject { ["start"] = Tue11 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        var haircut = await Body(await Book(app.CreateClient(), Booking("2027-03-03T10:00:00+01:00")));

        var hooks = await receiver.WaitForAsync(4);
        Assert.Equal(4, hooks.Count);
        var bodies = hooks.Select(h => JsonNode.Parse(h.Body)!.AsObject()).ToList();
        foreach (var hook in hooks)
        {
            AssertSigned(hook);
        }
        Assert.Equal(4, hooks.Select(h => h.Id).Distinct().Count());
        var ofFirst = bodies.Where(b => b["data"]!["booking"]!["id"]!.GetValue<string>() == id).ToList();
        Assert.Equal(new[] { "booking.created", "booking.rescheduled", "booking.cancelled" }, ofFirst.Select(b => b["type"]!.GetValue<string>()));
        Assert.Equal(new[] { "confirmed", "confirmed", "cancelled" }, ofFirst.Select(b => b["data"]!["booking"]!["status"]!.GetValue<string>()));
        Assert.Equal(Tue10, ofFirst[0]["data"]!["booking"]!["start"]!.GetValue<string>());
        Assert.Equal(Tue11, ofFirst[1]["data"]!["booking"]!["start"]!.GetValue<string>());
        // The admin API's booking shape, without the client's manage token.
        var booking = ofFirst[0]["data"]!["booking"]!.AsObject();
        Assert.Equal("consult", booking["service"]!.GetValue<string>());
        Assert.Equal("anna", booking["staff"]!.GetValue<string>());
        Assert.Equal("ada@example.com", booking["customer"]!["email"]!.GetValue<string>());
        Assert.Null(booking["manageToken"]);
        Assert.DoesNotContain(token, string.Concat(hooks.Select(h => h.Body)), StringComparison.Ordinal);
        Assert.True(ofFirst[0]["timestamp"] is JsonValue);
        Assert.Contains(bodies, b => b["type"]!.GetValue<string>() == "booking.created" &&
                                     b["data"]!["booking"]!["id"]!.GetValue<string>() == haircut["id"]!.GetValue<string>());

        // Delivered messages keep their record, not their body.
        var sent = await WaitForMessage(app, m => m.Status == Bookwell.Features.Notifications.OutboxStatus.Sent && m.Subject == "booking.cancelled");
        Assert.Null(sent.TextBody);
        var log = await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/webhooks/deliveries");
        Assert.Equal(4, log!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Receiver500_IsRetriedWithBackoff_WithTheSameWebhookId()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerNext(500);
        var app = await NewAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(app.Admin(), Doc(receiver.Url(), Secret, "booking.created"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking(Tue10))).StatusCode);

        Assert.Single(await receiver.WaitForAsync(1));
        var failed = await WaitForMessage(app, m => m.Attempts == 1);
        Assert.Equal(Bookwell.Features.Notifications.OutboxStatus.Queued, failed.Status);
        Assert.StartsWith("WebhookException: HTTP 500: receiver says no", failed.LastError, StringComparison.Ordinal);
        Assert.True(failed.LastError!.Length < 400, "only a short excerpt of the answer is kept");
        Assert.True(failed.DueAt > app.Clock.GetCurrentInstant(), "the retry waits for its backoff");

        app.Clock.Advance(Duration.FromMinutes(1));
        var both = await receiver.WaitForAsync(2);
        Assert.Equal(2, both.Count);
        Assert.Equal(both[0].Id, both[1].Id);
        Assert.Equal(both[0].Body, both[1].Body);
        AssertSigned(both[1]);
        var sent = await WaitForMessage(app, m => m.Status == Bookwell.Features.Notifications.OutboxStatus.Sent);
        Assert.Equal($"msg_{sent.Id:N}", both[1].Id);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    public async Task PrivateAddress_IsRefusedAtPut_WithoutTheSetting(string url)
    {
        var app = await NewAsync(allowPrivate: false);
        var response = await PutHooks(app.Admin(), Doc(url));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Body(response);
        Assert.Contains("private", problem["errors"]!["endpoints[0].url"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDb(db => db.WebhookEndpoints.Count()));
    }

    /// <summary>DNS as a stand-in: a public-looking name that resolves to loopback (as a rebinding attacker's would).</summary>
    private sealed class StandInDns(string name, IPAddress address) : OutboundNetwork
    {
        public override Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
            host == name ? Task.FromResult(new[] { address }) : throw new SocketException((int)SocketError.HostNotFound);
    }

    [Fact]
    public async Task PublicNameResolvingToLoopback_IsRefusedAtDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var own = await StartAsync(allowPrivate: false,
            services: s => s.AddSingleton<OutboundNetwork>(new StandInDns("hooks.example.com", IPAddress.Loopback)));
        var app = TenantSpace.Default(own);
        // The name passes at PUT time: it is not an address and not a local name.
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(app.Admin(), Doc($"http://hooks.example.com:{receiver.Port}/hook", Secret, "booking.created"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking(Tue10))).StatusCode);

        var failed = await WaitForMessage(app, m => m.Attempts >= 1);
        Assert.Contains("Refused: 127.0.0.1 is a private, loopback or link-local address.", failed.LastError, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task WithTheSetting_ANameResolvingToLoopbackIsDelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(allowPrivate: true,
            services: s => s.AddSingleton<OutboundNetwork>(new StandInDns("hooks.example.com", IPAddress.Loopback)));
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(app.Admin(), Doc($"http://hooks.example.com:{receiver.Port}/hook"))).StatusCode);
        var test = await app.Admin().PostAsync("/api/v1/admin/webhooks/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var hook = Assert.Single(await receiver.WaitForAsync(1));
        AssertSigned(hook);
        Assert.Equal("webhook.test", JsonNode.Parse(hook.Body)!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task InvalidDocuments_AreRefusedFieldByField()
    {
        var app = await NewAsync(allowPrivate: false);
        var admin = app.Admin();
        async Task<JsonObject> Errors(JsonNode doc)
        {
            var response = await PutHooks(admin, doc);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            var body = await Body(response);
            Assert.EndsWith("validation", body["type"]!.GetValue<string>(), StringComparison.Ordinal);
            return body["errors"]!.AsObject();
        }

        var errors = await Errors(new JsonObject
        {
            ["endpoints"] = new JsonArray(
                new JsonObject { ["url"] = "ftp://hooks.example.com/x", ["events"] = new JsonArray("booking.created", "booking.exploded"), ["secret"] = "whsec_short" },
                new JsonObject { ["url"] = null, ["events"] = new JsonArray(), ["secret"] = "not-a-secret" },
                new JsonObject { ["url"] = "https://a.example.com/" + new string('x', 2100), ["events"] = new JsonArray("booking.created", "booking.created") },
                null),
        });
        Assert.True(errors.ContainsKey("endpoints[0].url"));
        Assert.True(errors.ContainsKey("endpoints[0].events[1]"));
        Assert.True(errors.ContainsKey("endpoints[0].secret"));
        Assert.True(errors.ContainsKey("endpoints[1].url"));
        Assert.True(errors.ContainsKey("endpoints[1].events"));
        Assert.True(errors.ContainsKey("endpoints[1].secret"));
        Assert.True(errors.ContainsKey("endpoints[2].url"));
        Assert.True(errors.ContainsKey("endpoints[2].events[1]"));
        Assert.True(errors.ContainsKey("endpoints[2].secret")); // a new endpoint must name its secret
        Assert.True(errors.ContainsKey("endpoints[3]"));

        Assert.True((await Errors(new JsonObject())).ContainsKey("endpoints"));
        Assert.Contains((await Errors(new JsonObject { ["endpoints"] = "all" })).Select(e => e.Key), k => k.Contains("endpoints", StringComparison.Ordinal));
        var many = new JsonArray([.. Enumerable.Range(0, 11).Select(i => (JsonNode)Doc($"https://h{i}.example.com/")["endpoints"]![0]!.DeepClone())]);
        Assert.True((await Errors(new JsonObject { ["endpoints"] = many })).ContainsKey("endpoints"));
        var twice = new JsonArray(Doc("https://h.example.com/")["endpoints"]![0]!.DeepClone(), Doc("https://h.example.com/")["endpoints"]![0]!.DeepClone());
        Assert.True((await Errors(new JsonObject { ["endpoints"] = twice })).ContainsKey("endpoints[1].url"));
        Assert.Equal(0, app.WithDb(db => db.WebhookEndpoints.Count()));
    }

    [Fact]
    public async Task AnotherBusiness_NeitherSeesNorChangesTheseEndpoints()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var app = await NewAsync();
        var other = TenantSpace.Create(app.App, "Other");
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(app.Admin(), Doc(receiver.Url(), Secret, "booking.created"))).StatusCode);
        var theirs = other.Admin();

        Assert.Empty((await theirs.GetFromJsonAsync<JsonObject>("/api/v1/admin/webhooks"))!["endpoints"]!.AsArray());
        // Their own document, with the same URL and no secret: to them it is a new endpoint, so the secret is required.
        var missing = await PutHooks(theirs, new JsonObject
        {
            ["endpoints"] = new JsonArray(new JsonObject { ["url"] = receiver.Url(), ["events"] = new JsonArray("booking.cancelled") }),
        });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutHooks(theirs, new JsonObject { ["endpoints"] = new JsonArray() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.PostAsync("/api/v1/admin/webhooks/test", null)).StatusCode);
        Assert.Empty((await theirs.GetFromJsonAsync<JsonObject>("/api/v1/admin/webhooks/deliveries"))!["items"]!.AsArray());

        // Ours is untouched and still delivers.
        var ours = Assert.Single((await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/webhooks"))!["endpoints"]!.AsArray());
        Assert.Equal(new[] { "booking.created" }, ours!["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking(Tue10))).StatusCode);
        AssertSigned(Assert.Single(await receiver.WaitForAsync(1)));
    }
}

/// <summary>The class's app that refuses private webhook addresses (the default).</summary>
public sealed class SqliteWebhookApp : SharedApp
{
    public override Db Kind => Db.Sqlite;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:Webhooks:AllowPrivateAddresses"] = "false";
}

/// <summary>The class's app that allows private webhook addresses: the receiver listens on loopback.</summary>
public sealed class SqliteLoopbackWebhookApp : SharedApp
{
    public override Db Kind => Db.Sqlite;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:Webhooks:AllowPrivateAddresses"] = "true";
}

/// <summary>The class's app that refuses private webhook addresses (the default).</summary>
public sealed class PostgresWebhookApp : SharedApp
{
    public override Db Kind => Db.Postgres;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:Webhooks:AllowPrivateAddresses"] = "false";
}

/// <summary>The class's app that allows private webhook addresses: the receiver listens on loopback.</summary>
public sealed class PostgresLoopbackWebhookApp : SharedApp
{
    public override Db Kind => Db.Postgres;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:Webhooks:AllowPrivateAddresses"] = "true";
}

public sealed class SqliteWebhookTests(SqliteWebhookApp strict, SqliteLoopbackWebhookApp loopback)
    : WebhookTests(strict, loopback), IClassFixture<SqliteWebhookApp>, IClassFixture<SqliteLoopbackWebhookApp>;

public sealed class PostgresWebhookTests(PostgresWebhookApp strict, PostgresLoopbackWebhookApp loopback)
    : WebhookTests(strict, loopback), IClassFixture<PostgresWebhookApp>, IClassFixture<PostgresLoopbackWebhookApp>;
