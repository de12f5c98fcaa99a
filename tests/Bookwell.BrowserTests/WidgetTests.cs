using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The one-tag widget on a third-party page served from another origin, with hostile CSS.</summary>
public sealed class WidgetTests(BrowserApp app) : IClassFixture<BrowserApp>, IAsyncLifetime
{
    private WebApplication? _host;
    private string _hostUrl = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _host = builder.Build();
        _host.MapGet("/{mode}", (string mode) => Results.Content($$"""
            <!DOCTYPE html><html><head><title>Some shop</title>
            <style>* { font-family: serif !important; } button { background: red !important; font-size: 40px !important; }
                   div { border: 5px dashed hotpink !important; }</style></head>
            <body><h1>Welcome to some shop</h1><div id="booking"></div>
            <script src="{{app.BaseUrl}}/widget.js" data-page="salon" data-mode="{{mode}}" data-target="#booking"
                    data-title="Book a visit" data-subtitle="Usually within a day" data-welcome="Hello! Pick a time." async></script>
            </body></html>
            """, "text/html"));
        await _host.StartAsync();
        // "localhost" against the app's "127.0.0.1": another site, not just another origin, so the widget's
        // iframe is third-party and gets no SameSite cookies, as on a real customer's website.
        _hostUrl = _host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task FloatingWidget_OnAnotherOrigin_BooksInsideItsIframe()
    {
        Assert.NotEqual(new Uri(_hostUrl).Port, new Uri(app.BaseUrl).Port);
        var page = await app.NewPageAsync();
        await page.GotoAsync($"{_hostUrl}/floating");
        var button = page.Locator("[data-bookwell-widget] button[aria-haspopup]");
        await Expect(button).ToContainTextAsync("Book a visit");
        // The page's own accent (emerald), not the host's red.
        await Expect(button).ToHaveCSSAsync("background-color", "rgb(4, 120, 87)");
        await button.ClickAsync();
        await Expect(page.Locator("[data-bookwell-widget] [role=dialog]")).ToContainTextAsync("Hello! Pick a time.");
        var frame = page.FrameLocator("[data-bookwell-widget] iframe");
        await frame.Locator("a.choice:has-text('Consultation')").ClickAsync();
        await frame.Locator("a.day[href*='date=2027-03-08']").ClickAsync();
        await frame.Locator("a.time:has-text('10:00')").ClickAsync();
        await frame.Locator("#name").FillAsync("Wid Get");
        await frame.Locator("#email").FillAsync("widget@example.com");
        await frame.Locator("#terms").CheckAsync();
        await frame.Locator("#continue").ClickAsync();
        await frame.Locator("#confirm").ClickAsync();
        await Expect(frame.Locator("#done")).ToHaveTextAsync("You're booked");
        await app.ScreenshotAsync(page, "widget-floating-1280");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("[data-bookwell-widget] [role=dialog]")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task InlineWidget_RendersIntoTheTargetElement()
    {
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync($"{_hostUrl}/inline");
        var frame = page.FrameLocator("#booking iframe");
        await Expect(frame.Locator("#step-service")).ToHaveTextAsync("Choose a service");
        await app.ScreenshotAsync(page, "widget-inline-375");
    }

    [Fact]
    public async Task WidgetScript_IsSmallWhenCompressed()
    {
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None });
        var bytes = await http.GetByteArrayAsync($"{app.BaseUrl}/widget.js");
        using var buffer = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(bytes);
        }
        Assert.InRange(buffer.Length, 1, 30 * 1024);
    }
}
