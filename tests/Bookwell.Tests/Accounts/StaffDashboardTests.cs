using System.Net;
using Bookwell.Data;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Accounts;

/// <summary>
/// The PIN-secured staff dashboard: sign-in, lockout per address and per account with escalation, the day's work. One app
/// per class and database, each test on a business of its own with its own owner (see <see cref="SharedApp"/>): the PIN
/// throttles are kept per business, so one test's blocks never reach another's. The test with a trusted proxy (a setting of
/// the app) keeps an app of its own.
/// </summary>
public abstract class StaffDashboardTests(SharedApp shared)
{
    /// <summary>Monday 1 March 2027, 10:30 in Amsterdam: open, so a walk-in can start now.</summary>
    private static readonly Instant Morning = Instant.FromUtc(2027, 3, 1, 9, 30);

    /// <summary>A business of its own on the class's app, configured, with PINs for Anna and Bob; the clock at <see cref="Morning"/>.</summary>
    private async Task<TenantSpace> StartAsync()
    {
        var app = await shared.NewBusinessAsync();
        app.Clock.Reset(Morning);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        await SetPinsAsync(await app.OwnerAsync("Olga", AccountTests.Password));
        return app;
    }

    private static async Task SetPinsAsync(WebSession owner)
    {
        foreach (var (staff, pin) in new[] { ("anna", "2468"), ("bob", "1357") })
        {
            var saved = await owner.PostFormAsync($"/admin/setup/p/salon/staff/{staff}?handler=Pin", [KeyValuePair.Create("pin", pin)], $"/admin/setup/p/salon/staff/{staff}");
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        }
    }

    private static async Task<HttpResponseMessage> Pin(TenantSpace app, string staff, string pin, string peer, string? forwardedFor = null)
    {
        var session = app.Session();
        session.Client.DefaultRequestHeaders.Add("X-Test-Peer", peer);
        if (forwardedFor is not null)
        {
            session.Client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }
        return await session.PostFormAsync("/staff/login", ("Staff", staff), ("Pin", pin));
    }

    private static bool SignedIn(HttpResponseMessage response) => response.Headers.Location?.OriginalString == "/staff";

    [Fact]
    public async Task Pin_StoredHashed_RightPinSignsIn_GreetsByName()
    {
        var app = await StartAsync();
        Assert.DoesNotContain(app.WithDb(db => db.StaffPins.IgnoreQueryFilters().Select(p => p.PinHash).ToList()), h => h.Contains("2468", StringComparison.Ordinal));
        var session = app.Session();
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/staff")).StatusCode);
        var response = await session.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"));
        Assert.True(SignedIn(response));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("bw_staff=", StringComparison.Ordinal));
        Assert.Contains("path=/staff", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Hello, Anna", await session.GetAsync("/staff"));
        // The staff session opens the staff dashboard only, not the admin.
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task FiveWrongPins_BlockTheAddressAndTheAccount_ButNotOthers()
    {
        var app = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.False(SignedIn(await Pin(app, "anna", "0000", "10.0.0.1")));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "anna", "2468", "10.0.0.2")).StatusCode);  // the account
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "bob", "1357", "10.0.0.1")).StatusCode);   // the address
        Assert.True(SignedIn(await Pin(app, "bob", "1357", "10.0.0.2")));
    }

    private static bool WrongPinChecked(HttpResponseMessage response, string html) =>
        response.StatusCode == HttpStatusCode.OK && html.Contains("That PIN is not right", StringComparison.Ordinal);

    [Fact]
    public async Task ParallelWrongGuesses_AtMostTheLimitAreChecked_TheRightPinAfterIsRefused()
    {
        var app = await StartAsync();
        // Twenty guesses at once from twenty addresses: the account's count must hold, not only each address's.
        var sessions = Enumerable.Range(1, 20).Select(i =>
        {
            var session = app.Session();
            session.Client.DefaultRequestHeaders.Add("X-Test-Peer", $"10.0.2.{i}");
            return session;
        }).ToList();
        var responses = await Task.WhenAll(sessions.Select((s, i) => s.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", $"{1000 + i}"))));
        var checkedCount = 0;
        foreach (var response in responses)
        {
            Assert.False(SignedIn(response));
            if (WrongPinChecked(response, await WebSession.TextAsync(response)))
            {
                checkedCount++;
            }
        }
        Assert.InRange(checkedCount, 1, Bookwell.Features.Accounts.LoginThrottles.MaxFailures);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "anna", "2468", "10.0.2.99")).StatusCode);
    }

    [Fact]
    public async Task TrustedDevice_SignsInWhileStrangersAreLockedOut_ButItsOwnGuessesLockIt()
    {
        var app = await StartAsync();
        var tablet = app.Session();
        tablet.Client.DefaultRequestHeaders.Add("X-Test-Peer", "10.0.3.1");
        var first = await tablet.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"));
        Assert.True(SignedIn(first));
        var device = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("bw_dev_", StringComparison.Ordinal));
        Assert.Contains("httponly", device, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/staff", device, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", device, StringComparison.OrdinalIgnoreCase);
        await tablet.PostFormAsync("/staff?handler=Logout", [], "/staff");

        // Someone on the salon's own network guesses until Anna's account and the address are locked.
        for (var i = 0; i < 5; i++)
        {
            Assert.False(SignedIn(await Pin(app, "anna", "0000", "10.0.3.1")));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "anna", "2468", "10.0.3.1")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "anna", "2468", "10.0.3.7")).StatusCode);
        // A made-up device cookie is a stranger's.
        var forger = app.Session();
        forger.Client.DefaultRequestHeaders.Add("X-Test-Peer", "10.0.3.8");
        forger.Client.DefaultRequestHeaders.Add("Cookie", device.Split(';')[0][..^8] + "AAAAAAAA");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await forger.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))).StatusCode);

        // The tablet Anna signed in on before still opens with her PIN.
        Assert.True(SignedIn(await tablet.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))));
        await tablet.PostFormAsync("/staff?handler=Logout", [], "/staff");
        // The device's cookie is Anna's only: Bob on the same tablet is a stranger from a blocked address.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tablet.PostFormAsync("/staff/login", ("Staff", "bob"), ("Pin", "1357"))).StatusCode);
        // Guessing on the trusted device locks that device too.
        for (var i = 0; i < 5; i++)
        {
            Assert.False(SignedIn(await tablet.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "0000"))));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tablet.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))).StatusCode);
    }

    [Fact]
    public async Task RotatingAddresses_DoNotHelp_TheAccountBlocks()
    {
        var app = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.False(SignedIn(await Pin(app, "anna", "0000", $"10.0.1.{i + 1}")));
        }
        var response = await Pin(app, "anna", "2468", "10.0.1.99");
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("Too many wrong PINs", await WebSession.TextAsync(response));
    }

    [Fact]
    public async Task SpoofedForwardedFor_IsIgnored_WithoutATrustedProxy()
    {
        var app = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.False(SignedIn(await Pin(app, "anna", "0000", "10.0.0.1", forwardedFor: $"203.0.113.{i + 1}")));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "bob", "1357", "10.0.0.1", forwardedFor: "198.51.100.7")).StatusCode);
    }

    [Fact]
    public async Task TrustedProxy_ForwardedForNamesTheClient()
    {
        // An app of its own: the trusted proxy is a setting of the app.
        await using var own = await BookwellApp.StartAsync(shared.Kind, s => s["Bookwell:TrustedProxies"] = "10.9.9.9", Morning);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(own.Admin(), Config())).StatusCode);
        var owner = WebSession.For(own);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"), ("Password", AccountTests.Password),
            ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        await SetPinsAsync(owner);
        var app = TenantSpace.Default(own);
        for (var i = 0; i < 5; i++)
        {
            Assert.False(SignedIn(await Pin(app, "anna", "0000", "10.9.9.9", forwardedFor: "203.0.113.1")));
        }
        // Another client behind the same proxy is not the blocked address.
        Assert.True(SignedIn(await Pin(app, "bob", "1357", "10.9.9.9", forwardedFor: "203.0.113.2")));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "bob", "1357", "10.9.9.9", forwardedFor: "203.0.113.1")).StatusCode);
    }

    [Fact]
    public async Task Blocks_Expire_AndGrowLongerEachTime()
    {
        var app = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await Pin(app, "anna", "0000", "10.0.0.1");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "anna", "2468", "10.0.0.3")).StatusCode);
        app.Clock.Advance(Duration.FromSeconds(61));
        Assert.True(SignedIn(await Pin(app, "anna", "2468", "10.0.0.3")));
        for (var i = 0; i < 5; i++)
        {
            await Pin(app, "anna", "0000", "10.0.0.4");
        }
        app.Clock.Advance(Duration.FromSeconds(61));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Pin(app, "anna", "2468", "10.0.0.5")).StatusCode);
        app.Clock.Advance(Duration.FromSeconds(60));
        Assert.True(SignedIn(await Pin(app, "anna", "2468", "10.0.0.5")));
    }

    [Fact]
    public async Task Agenda_WalkInInOneClick_StatusChanges_OnlyOwnBookings()
    {
        var app = await StartAsync();
        var annaBooking = Booking("2027-03-01T14:00:00+01:00", staff: "anna", email: "ann@client.test");
        annaBooking["page"] = Slug;
        var bobBooking = Booking("2027-03-01T15:00:00+01:00", staff: "bob", email: "bob@client.test");
        bobBooking["page"] = Slug;
        var annas = await Body(await app.Admin().PostAsync("/api/v1/admin/bookings", Json(annaBooking)));
        var bobs = await Body(await app.Admin().PostAsync("/api/v1/admin/bookings", Json(bobBooking)));
        var session = app.Session();
        Assert.True(SignedIn(await session.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))));
        var agenda = await session.GetAsync("/staff");
        Assert.Contains("Ada Lovelace", agenda);
        Assert.DoesNotContain(bobs["id"]!.GetValue<string>(), agenda);

        var walkIn = await session.PostFormAsync("/staff?handler=WalkIn&site=salon", [KeyValuePair.Create("service", "haircut"), KeyValuePair.Create("name", "Walter")], "/staff");
        Assert.Equal(HttpStatusCode.Redirect, walkIn.StatusCode);
        var created = app.WithDb(db => db.Bookings.Single(b => b.CustomerName == "Walter"));
        Assert.Equal(("anna", true, Morning, Bookwell.Features.Bookings.BookingStatus.InProgress), (created.StaffKey, created.WalkIn, created.StartsAt, created.Status));
        // One shared walk-in client per business, not a new record per visit.
        Assert.Equal(Bookwell.Features.Bookings.CustomerBook.WalkInEmail, app.WithDb(db => db.Customers.Single(c => c.Id == created.CustomerId).Email));
        Assert.Equal(1, app.WithDb(db => db.Customers.Count(c => c.Email.EndsWith("@walk-in.invalid"))));
        Assert.Contains("Walter", await session.GetAsync("/staff"));

        // 13:30: check-in for Anna's 14:00 is open, so it can start (the lifecycle refuses it sooner).
        app.Clock.Advance(NodaTime.Duration.FromMinutes(330));
        var start = await session.PostFormAsync("/staff?handler=Status", [KeyValuePair.Create("id", annas["id"]!.GetValue<string>()), KeyValuePair.Create("to", "in_progress")], "/staff");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.Equal(Bookwell.Features.Bookings.BookingStatus.InProgress, app.WithDb(db => db.Bookings.Single(b => b.Id == Guid.Parse(annas["id"]!.GetValue<string>())).Status));
        // Bob's booking is not Anna's to change.
        var foreign = await session.PostFormAsync("/staff?handler=Status", [KeyValuePair.Create("id", bobs["id"]!.GetValue<string>()), KeyValuePair.Create("to", "no_show")], "/staff");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(Bookwell.Features.Bookings.BookingStatus.Confirmed, app.WithDb(db => db.Bookings.Single(b => b.Id == Guid.Parse(bobs["id"]!.GetValue<string>())).Status));
    }

    [Fact]
    public async Task CheckOut_ShowsOnTheAgenda_OnlyWhenThisBrowserMayUseTheDeskCheckout()
    {
        var app = await StartAsync();
        var body = Booking("2027-03-01T14:00:00+01:00", staff: "anna", email: "ann@client.test");
        body["page"] = Slug;
        var id = (await Body(await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body))))["id"]!.GetValue<string>();
        var session = app.Session();
        Assert.True(SignedIn(await session.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))));

        // The PIN alone does not open the dashboard's checkout (its sign-in is the dashboard's): no link to a page that would refuse.
        var pinOnly = await session.GetAsync("/staff");
        Assert.Contains("Ada Lovelace", pinOnly, StringComparison.Ordinal);
        Assert.DoesNotContain($"/admin/checkout/{id}", pinOnly, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync($"/admin/checkout/{id}")).StatusCode);

        // The desk's browser also signed in to the dashboard (the owner): "Check out" on the booking, and it opens the checkout.
        Assert.Equal(HttpStatusCode.Redirect, (await session.LoginAsync(app.OwnerEmail, AccountTests.Password)).StatusCode);
        var agenda = await session.GetAsync("/staff");
        Assert.Contains($"id=\"checkout-{id}\" href=\"/admin/checkout/{id}\"", agenda, StringComparison.Ordinal);
        var checkout = await session.Client.GetAsync($"/admin/checkout/{id}");
        Assert.Equal(HttpStatusCode.OK, checkout.StatusCode);
        Assert.Contains("id=\"checkout-form\"", await checkout.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_Icons_AndServiceWorker_MakeItInstallable()
    {
        var app = await StartAsync();
        var client = app.CreateClient();
        var manifest = await Body(await client.GetAsync("/staff/manifest.webmanifest"));
        Assert.Equal("/staff", manifest["start_url"]!.GetValue<string>());
        Assert.Equal("standalone", manifest["display"]!.GetValue<string>());
        foreach (var icon in manifest["icons"]!.AsArray())
        {
            var response = await client.GetAsync(icon!["src"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (icon["type"]!.GetValue<string>() == "image/png")
            {
                Assert.Equal([0x89, 0x50, 0x4E, 0x47], bytes[..4]);
                var size = int.Parse(icon["sizes"]!.GetValue<string>().Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(size, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            }
        }
        var sw = await client.GetAsync("/staff/sw.js");
        Assert.Equal("/staff", sw.Headers.GetValues("Service-Worker-Allowed").Single());
        Assert.Contains("addEventListener('fetch'", await sw.Content.ReadAsStringAsync());
    }
}

public sealed class SqliteStaffDashboardTests(SqliteAccountFormsApp shared) : StaffDashboardTests(shared), IClassFixture<SqliteAccountFormsApp>;

public sealed class PostgresStaffDashboardTests(PostgresAccountFormsApp shared) : StaffDashboardTests(shared), IClassFixture<PostgresAccountFormsApp>;
