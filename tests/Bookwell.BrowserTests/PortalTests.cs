using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
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
        var deadline = DateTime.UtcNow.AddSeconds(15);
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

public sealed partial class PortalTests(MailingBrowserApp app) : IClassFixture<MailingBrowserApp>
{
    [GeneratedRegex(@"https?://[^\s""<>]+(/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*)")]
    private static partial Regex LinkPattern();

    [Fact]
    public async Task Client_AsksForALink_FollowsItFromTheMail_AndSeesTheirBookingAt375px()
    {
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            var body = """
                { "service": "haircut", "start": "2027-03-02T10:00:00+01:00", "staff": "anna", "timeZone": "Europe/Amsterdam",
                  "customer": { "name": "Ada Lovelace", "email": "ada@example.com", "phone": null },
                  "answers": { "hairLength": "short" }, "termsAccepted": true }
                """;
            var booked = await http.PostAsync("/api/v1/pages/salon/bookings", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

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

        await page.GotoAsync(path);
        Assert.Equal("/account", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("#upcoming-list")).ToContainTextAsync("Haircut");
        await Expect(page.Locator("#upcoming-list")).ToContainTextAsync("Anna");
        await Expect(page.Locator("#upcoming-list a.button")).ToBeVisibleAsync();
        // Nothing wider than the phone's screen.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await Axe.AssertAccessibleAsync(page, "portal overview");
        await app.ScreenshotAsync(page, "portal-overview-375");

        // The manage link opens the booking's own page, where rescheduling and cancelling live.
        await page.Locator("#upcoming-list a.button").First.ClickAsync();
        Assert.StartsWith("/booking/", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);

        // The same link, followed again in another browser, signs nobody in.
        var other = await app.NewPageAsync(width: 375);
        await other.GotoAsync(path);
        await Expect(other.Locator("#link-dead")).ToBeVisibleAsync();
        await other.GotoAsync("/account");
        Assert.EndsWith("/account/signin", new Uri(other.Url).AbsolutePath, StringComparison.Ordinal);
    }
}
