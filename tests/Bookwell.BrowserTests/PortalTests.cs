using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The browser app with a real SMTP server on loopback (Debian's aiosmtpd writing a Maildir).</summary>
public sealed class MailingBrowserApp : BrowserApp
{
    private readonly string _mailDir = Path.Combine(Path.GetTempPath(), $"bookwell-browser-mail-{Guid.NewGuid():N}");
    private readonly Process _smtp;
    private readonly int _port;

    public MailingBrowserApp()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            _port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(_mailDir, sub));
        }
        _smtp = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{_port}", "-c", "aiosmtpd.handlers.Mailbox", _mailDir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        // Python starting on a loaded machine: generous, and a sink that is up returns at once.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, _port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Bookwell:Smtp:Host", "127.0.0.1");
        builder.UseSetting("Bookwell:Smtp:Port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Bookwell:Smtp:UseTls", "false");
        builder.UseSetting("Bookwell:Smtp:From", "bookings@salon.example");
    }

    public IReadOnlyList<MimeMessage> Messages() =>
        Directory.GetFiles(Path.Combine(_mailDir, "new")).Select(f => MimeMessage.Load(f)).ToList();

    private int _disposed;

    protected override void Dispose(bool disposing)
    {
        // The factory's async and sync disposal both end up here; the mail server is stopped once.
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (!_smtp.HasExited)
            {
                _smtp.Kill(entireProcessTree: true);
                _smtp.WaitForExit();
            }
            _smtp.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Issue 14's whole portal journey in Chromium, one test on one app: sign in by the link in the mail → upcoming and past →
/// "Book again" opens the booking flow with service and staff chosen and the client's details filled in → book → reschedule
/// an upcoming booking from the overview (the page's notice rule holds) → notification preferences kept; axe on Overview,
/// Profile, Forms and Notifications at 375 and 1280 px, the same in Dutch at 375 px, screenshots of each; the dead link's page,
/// and the Dutch sign-in page that an expired organization link lands on, axe clean at 375 px.
/// </summary>
public sealed partial class PortalTests(MailingBrowserApp app) : IClassFixture<MailingBrowserApp>
{
    [GeneratedRegex(@"https?://[^\s""<>]+(/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*)")]
    private static partial Regex LinkPattern();

    private async Task BookByApiAsync(string start, string staff)
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var body = $$"""
            { "service": "haircut", "start": "{{start}}", "staff": "{{staff}}", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+31612345678" },
              "answers": { "hairLength": "short" }, "termsAccepted": true }
            """;
        var booked = await http.PostAsync("/api/v1/pages/salon/bookings", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    private static async Task FitsAsync(IPage page, string step) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{step} scrolls sideways");

    /// <summary>axe and a screenshot at 375 px and at 1280 px, back at 375 px afterwards.</summary>
    private async Task BothWidthsAsync(IPage page, string name)
    {
        await FitsAsync(page, name);
        await Axe.AssertAccessibleAsync(page, name + " 375");
        await app.ScreenshotAsync(page, name + "-375");
        await page.SetViewportSizeAsync(1280, 900);
        await Axe.AssertAccessibleAsync(page, name + " 1280");
        await app.ScreenshotAsync(page, name + "-1280");
        await page.SetViewportSizeAsync(375, 900);
    }

    [Fact]
    public async Task Client_SignsInFromTheMail_BooksAgain_Reschedules_AndKeepsTheirPreferences_375And1280_EnglishAndDutch()
    {
        await BookByApiAsync("2027-03-01T10:00:00+01:00", "bob");   // past once the clock moves on
        await BookByApiAsync("2027-03-02T10:00:00+01:00", "anna");  // upcoming
        app.Clock.Advance(NodaTime.Duration.FromHours(4));          // Monday 1 March, 12:00 in Amsterdam

        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/account");
        Assert.EndsWith("/account/signin", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await page.FillAsync("#email", "ada@example.com");
        await page.ClickAsync("#send-link");
        await Expect(page.Locator("#link-sent")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, "portal sign-in");

        string? path = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (path is null && DateTime.UtcNow < deadline)
        {
            path = app.Messages().Select(m => LinkPattern().Match(m.TextBody ?? "")).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            await Task.Delay(100);
        }
        Assert.NotNull(path);

        // Overview: the upcoming booking with its way to change it, the past one with "Book again".
        await page.GotoAsync(path);
        Assert.Equal("/account", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("#upcoming-list")).ToContainTextAsync("Haircut");
        await Expect(page.Locator("#upcoming-list")).ToContainTextAsync("Anna");
        await Expect(page.Locator("#past-list")).ToContainTextAsync("Bob");
        await BothWidthsAsync(page, "portal-overview");

        // Book again: the booking flow with the service and Bob chosen, and the details filled in from the account.
        await page.ClickAsync("#past-list a:has-text('Book again')");
        Assert.Equal("/book/salon", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("a.choice[aria-current=true]:has-text('Haircut')")).ToBeVisibleAsync();
        await Expect(page.Locator("a.choice[aria-current=true]:has-text('Bob')")).ToBeVisibleAsync();
        await Expect(page.Locator("#portal-client")).ToContainTextAsync("Ada Lovelace");
        await page.ClickAsync("a.day:has-text('3 Mar')");
        await page.ClickAsync("a.time:has-text('14:00')");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Ada Lovelace");
        await Expect(page.Locator("#email")).ToHaveValueAsync("ada@example.com");
        await Expect(page.Locator("#phone")).ToHaveValueAsync("+31612345678");
        await FitsAsync(page, "book again details");
        await Axe.AssertAccessibleAsync(page, "book again details");
        await app.ScreenshotAsync(page, "portal-book-again-375");
        await page.SelectOptionAsync("#answer\\.hairLength", "medium");
        await page.CheckAsync("#terms");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("dl")).ToContainTextAsync("ada@example.com");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        await Expect(page.Locator("#when")).ToContainTextAsync("3 March 2027, 14:00");

        // Both upcoming now; the one with Anna is moved from the overview, and only to times the page's rules allow.
        await page.GotoAsync("/account");
        await Expect(page.Locator("#upcoming-list li")).ToHaveCountAsync(2);
        await page.ClickAsync("#upcoming-list li:has-text('Anna') a.button");
        Assert.StartsWith("/booking/", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await page.ClickAsync("#reschedule");
        await page.ClickAsync("a.day:has-text('1 Mar')");
        // An hour's notice from 12:00: nothing before 13:00 today.
        await Expect(page.Locator("button.time").First).ToContainTextAsync("13:00");
        await page.ClickAsync("a.day:has-text('4 Mar')");
        await page.ClickAsync("button.time:has-text('15:00')");
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("moved");
        await page.GotoAsync("/account");
        await Expect(page.Locator("#upcoming-list li:has-text('Anna')")).ToContainTextAsync("4 March 2027, 15:00");
        await Expect(page.Locator("#upcoming-list li:has-text('Bob')")).ToContainTextAsync("3 March 2027, 14:00");

        // Notifications: e-mail reminders off, marketing on, and still so when the page is opened again.
        await page.ClickAsync("nav.portal a:has-text('Notifications')");
        await page.UncheckAsync("#emailReminders");
        await page.CheckAsync("#marketing");
        await page.ClickAsync("#save-notifications");
        await Expect(page.Locator("#saved")).ToBeVisibleAsync();
        await page.GotoAsync("/account/notifications");
        await Expect(page.Locator("#emailReminders")).Not.ToBeCheckedAsync();
        await Expect(page.Locator("#marketing")).ToBeCheckedAsync();
        await Expect(page.Locator("#smsReminders")).ToBeCheckedAsync();
        await BothWidthsAsync(page, "portal-notifications");
        await page.ClickAsync("nav.portal a:has-text('Profile')");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Ada Lovelace");
        await BothWidthsAsync(page, "portal-profile");
        await page.ClickAsync("nav.portal a:has-text('Forms')");
        await Expect(page.Locator("main")).ToContainTextAsync("medium");
        await BothWidthsAsync(page, "portal-forms");

        // The same in Dutch at 375 px: overview, notifications as saved, and "Book again" filled in.
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.Context.AddCookiesAsync((await page.Context.CookiesAsync()).Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await dutch.GotoAsync("/account");
        await Expect(dutch.Locator("html")).ToHaveAttributeAsync("lang", "nl");
        await Expect(dutch.Locator("#upcoming")).ToHaveTextAsync("Komende afspraken");
        await FitsAsync(dutch, "overview (nl)");
        await Axe.AssertAccessibleAsync(dutch, "portal overview (nl)");
        await app.ScreenshotAsync(dutch, "portal-overview-nl-375");
        await dutch.GotoAsync("/account/notifications");
        await Expect(dutch.Locator("#emailReminders")).Not.ToBeCheckedAsync();
        await FitsAsync(dutch, "notifications (nl)");
        await Axe.AssertAccessibleAsync(dutch, "portal notifications (nl)");
        await dutch.GotoAsync("/account");
        await dutch.ClickAsync("#past-list a:has-text('Opnieuw boeken')");
        await Expect(dutch.Locator("#portal-client")).ToContainTextAsync("Ingelogd als Ada Lovelace");
        await FitsAsync(dutch, "book again (nl)");
        await Axe.AssertAccessibleAsync(dutch, "book again (nl)");
        await app.ScreenshotAsync(dutch, "portal-book-again-nl-375");
        // Profile and Forms in Dutch at 375 px too, so every portal section is checked in both languages.
        await dutch.GotoAsync("/account/profile");
        await Expect(dutch.Locator("h1")).ToHaveTextAsync("Profiel");
        await Expect(dutch.Locator("#name")).ToHaveValueAsync("Ada Lovelace");
        await FitsAsync(dutch, "profile (nl)");
        await Axe.AssertAccessibleAsync(dutch, "portal profile (nl)");
        await app.ScreenshotAsync(dutch, "portal-profile-nl-375");
        await dutch.GotoAsync("/account/forms");
        await Expect(dutch.Locator("h1")).ToHaveTextAsync("Formulieren");
        await Expect(dutch.Locator("main")).ToContainTextAsync("medium");
        await FitsAsync(dutch, "forms (nl)");
        await Axe.AssertAccessibleAsync(dutch, "portal forms (nl)");
        await app.ScreenshotAsync(dutch, "portal-forms-nl-375");

        // The same link, followed again in another browser, signs nobody in.
        var other = await app.NewPageAsync(width: 375);
        await other.GotoAsync(path);
        await Expect(other.Locator("#link-dead")).ToBeVisibleAsync();
        await FitsAsync(other, "link no longer works");
        await Axe.AssertAccessibleAsync(other, "portal link no longer works");

        // The sign-in page in Dutch at 375 px, as a member sees it when their organization's personal link has expired.
        var guest = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await guest.GotoAsync("/account/signin?ended=link-expired");
        await Expect(guest.Locator("#session-ended")).ToContainTextAsync("Je persoonlijke link is verlopen");
        await Expect(guest.Locator("#send-link")).ToBeVisibleAsync();
        await FitsAsync(guest, "sign-in, link expired (nl)");
        await Axe.AssertAccessibleAsync(guest, "portal sign-in, link expired (nl)");
        await app.ScreenshotAsync(guest, "portal-signin-link-expired-nl-375");
        await other.GotoAsync("/account");
        Assert.EndsWith("/account/signin", new Uri(other.Url).AbsolutePath, StringComparison.Ordinal);
    }
}
