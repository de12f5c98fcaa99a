using System.Net;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// The VAPID contact (RFC 8292 <c>sub</c>) that push services check: an install on plain http signs with a
/// <c>mailto:</c> of its mail sender (or of the owner) instead of its own http address, which the services refuse.
/// Sent for real by the app's <see cref="WebPushSender"/> to the loopback stand-in push service, which checks the
/// signature and the contact as Apple's and Mozilla's services do. Both databases (the keys and the owner are stored).
/// </summary>
public abstract class PushSubjectTests
{
    protected abstract Db Kind { get; }

    private Task<BookwellApp> StartAsync(string baseUrl, string? from) =>
        BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:PublicBaseUrl"] = baseUrl;
            s["Bookwell:Push:AllowLocalEndpoints"] = "true";
            s["Bookwell:Push:Subject"] = null;
            s["Bookwell:Smtp:From"] = from;
        });

    private static async Task<ReceivedPush> PushOnceAsync(BookwellApp app, PushServiceStandIn service)
    {
        var (device, json) = service.NewDevice();
        var subscription = new ClientPushSubscription
        {
            Id = Guid.NewGuid(),
            TenantId = DefaultTenant.Id,
            Endpoint = json["endpoint"]!.GetValue<string>(),
            P256dh = json["keys"]!["p256dh"]!.GetValue<string>(),
            Auth = json["keys"]!["auth"]!.GetValue<string>(),
            CreatedAt = Instant.FromUtc(2027, 3, 1, 9, 0),
        };
        var outcome = await app.Services.GetRequiredService<WebPushSender>().SendAsync(subscription, "{\"title\":\"Test Salon\"}", 60, CancellationToken.None);
        Assert.Empty(service.Refused);
        Assert.Equal(PushOutcome.Delivered, outcome);
        return Assert.Single(await service.WaitForAsync(p => p.Device == device.Id, 1));
    }

    [Fact]
    public async Task OnPlainHttp_TheContactIsTheMailSendersAddress_AndThePushIsAccepted()
    {
        await using var service = await PushServiceStandIn.StartAsync();
        await using var app = await StartAsync("http://book.example.test:8080", "Test Salon <bookings@salon.example>");
        var pushed = await PushOnceAsync(app, service);
        Assert.Equal("mailto:bookings@salon.example", pushed.Claims["sub"]!.GetValue<string>());
    }

    [Fact]
    public async Task OnPlainHttp_WithoutAMailSender_TheContactIsTheOwner()
    {
        await using var service = await PushServiceStandIn.StartAsync();
        await using var app = await StartAsync("http://book.example.test", null);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "olga@salon.example"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        var pushed = await PushOnceAsync(app, service);
        Assert.Equal("mailto:olga@salon.example", pushed.Claims["sub"]!.GetValue<string>());
    }

    [Fact]
    public async Task OnHttps_TheContactIsTheInstallsAddress()
    {
        await using var service = await PushServiceStandIn.StartAsync();
        await using var app = await StartAsync("https://book.example.test/", "bookings@salon.example");
        var pushed = await PushOnceAsync(app, service);
        Assert.Equal("https://book.example.test", pushed.Claims["sub"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("http://book.example.test")]
    [InlineData("book@example.test")]
    [InlineData("mailto:")]
    [InlineData("ftp://book.example.test")]
    public void AConfiguredContactPushServicesRefuse_StopsTheStart(string subject)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bookwell:Push:Subject"] = subject }).Build();
        var ex = Assert.Throws<StartupException>(() => WebPushOptions.Read(config));
        Assert.Contains("Bookwell__Push__Subject", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class SqlitePushSubjectTests : PushSubjectTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPushSubjectTests : PushSubjectTests
{
    protected override Db Kind => Db.Postgres;
}
