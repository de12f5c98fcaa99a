using System.Net;
using System.Text;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The browser app with Google sign-in pointed at the OpenID Connect stand-in on loopback.</summary>
public sealed class GoogleBrowserApp : BrowserApp
{
    // Started before the host is built, since the app reads the provider's address at start.
    public OidcStandIn Idp { get; } = OidcStandIn.StartAsync().GetAwaiter().GetResult();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Bookwell:Google:ClientId", OidcStandIn.ClientId);
        builder.UseSetting("Bookwell:Google:ClientSecret", OidcStandIn.ClientSecret);
        builder.UseSetting("Bookwell:Google:Authority", Idp.BaseUrl);
    }

    private int _disposed;

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Idp.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// "Sign in with Google" clicked in Chromium, through the provider and back: a new verified address becomes a
/// client and lands in the portal; an unverified one is refused on a page that says so; an address that already
/// has bookings is not linked until the client proves it by the link in the mail. Each page axe clean at 375 px
/// (the sign-in page at 1280 px and in Dutch too). The HTTP tests cover the protocol; this proves the browser
/// actually follows the button (the page's form-action must allow the provider).
/// </summary>
public sealed class GoogleSignInTests(GoogleBrowserApp app) : IClassFixture<GoogleBrowserApp>
{
    [Fact]
    public async Task SignInWithGoogle_NewUnverifiedAndExistingAddresses_375And1280_EnglishAndDutch()
    {
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/account/signin");
        await Expect(page.Locator("#sign-in-google")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, "sign-in with Google 375");
        await app.ScreenshotAsync(page, "google-signin-375");
        await page.SetViewportSizeAsync(1280, 900);
        await Axe.AssertAccessibleAsync(page, "sign-in with Google 1280");
        await app.ScreenshotAsync(page, "google-signin-1280");

        // A new, verified address: a client from then on, signed in.
        app.Idp.NextUser = new OidcStandIn.User("sub-nina", "nina@example.com", true, "Nina New");
        await page.ClickAsync("#sign-in-google");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/account");
        await Expect(page.Locator("main h2").First).ToContainTextAsync("Upcoming");
        await page.GotoAsync("/account/profile");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Nina New");
        await page.SetViewportSizeAsync(375, 900);
        await Axe.AssertAccessibleAsync(page, "portal after Google 375");

        // An address Google has not verified opens nothing.
        var unverified = await app.NewPageAsync(width: 375);
        await unverified.GotoAsync("/account/signin");
        app.Idp.NextUser = new OidcStandIn.User("sub-eve", "eve@example.com", false, "Eve");
        await unverified.ClickAsync("#sign-in-google");
        await Expect(unverified.Locator("#google-unverified")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(unverified, "Google unverified 375");
        await app.ScreenshotAsync(unverified, "google-unverified-375");
        await unverified.GotoAsync("/account");
        Assert.Equal("/account/signin", new Uri(unverified.Url).AbsolutePath);

        // Someone who booked before with this address: a link is mailed first, nothing is opened yet.
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            var body = """
                { "service": "haircut", "start": "2027-03-02T10:00:00+01:00", "staff": "anna", "timeZone": "Europe/Amsterdam",
                  "customer": { "name": "Ada Lovelace", "email": "ada@example.com" }, "answers": { "hairLength": "short" }, "termsAccepted": true }
                """;
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/api/v1/pages/salon/bookings", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        }
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.GotoAsync("/account/signin");
        await Expect(dutch.Locator("html")).ToHaveAttributeAsync("lang", "nl");
        await Axe.AssertAccessibleAsync(dutch, "sign-in with Google, Dutch 375");
        app.Idp.NextUser = new OidcStandIn.User("sub-ada", "ada@example.com", true, "Ada (Google)");
        await dutch.ClickAsync("#sign-in-google");
        await Expect(dutch.Locator("#google-link-sent")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(dutch, "Google link sent, Dutch 375");
        await app.ScreenshotAsync(dutch, "google-link-sent-nl-375");
        await dutch.GotoAsync("/account");
        Assert.Equal("/account/signin", new Uri(dutch.Url).AbsolutePath);
    }
}
