using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Issue 14 with issue 15's series: a client signed in to the portal sees a weekly series as one entry (how often, how many
/// dates left, the next one), opens every date by keyboard without script, and cancels the remaining dates; axe clean at
/// 375 and 1280 px, and in Dutch at 375 px.
/// </summary>
public sealed partial class PortalSeriesTests(MailingBrowserApp app) : IClassFixture<MailingBrowserApp>
{
    private const string Email = "sara.series@example.com";

    [GeneratedRegex(@"https?://[^\s""<>]+(/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*)")]
    private static partial Regex LinkPattern();

    private static async Task FitsAsync(IPage page, string step) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{step} scrolls sideways");

    [Fact]
    public async Task A_weekly_series_is_one_entry_whose_dates_open_by_keyboard_and_whose_remaining_dates_cancel()
    {
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            // Mondays 8 and 15 March 2027 (the booking window ends before the 22nd) at 10:00 with Anna.
            var body = $$"""
            { "service": "consult", "staff": "anna", "start": "2027-03-08T10:00:00+01:00", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Sara Series", "email": "{{Email}}" }, "answers": {}, "termsAccepted": true,
              "repeat": { "frequency": "weekly", "count": 2 } }
            """;
            var created = await http.PostAsync("/api/v1/pages/salon/series", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/account/signin");
        await page.FillAsync("#email", Email);
        await page.ClickAsync("#send-link");
        await Expect(page.Locator("#link-sent")).ToBeVisibleAsync();
        string? path = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (path is null && DateTime.UtcNow < deadline)
        {
            path = app.Messages().Where(m => m.To.Mailboxes.Any(a => a.Address == Email))
                .Select(m => LinkPattern().Match(m.TextBody ?? "")).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            if (path is null)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(path);
        await page.GotoAsync(path);
        Assert.Equal("/account", new Uri(page.Url).AbsolutePath);

        // One entry for the two dates, not two bookings in the upcoming list.
        var entry = page.Locator("#series-list > li");
        await Expect(entry).ToHaveCountAsync(1);
        await Expect(entry.Locator(".series-summary")).ToHaveTextAsync("Weekly, 2 of 2 left · with Anna");
        await Expect(entry).ToContainTextAsync("Next: ");
        await Expect(entry).ToContainTextAsync("8 March 2027, 10:00");
        await Expect(page.Locator("#upcoming-list li:has-text('Consultation')")).ToHaveCountAsync(0);
        var dates = entry.Locator("ol.series > li");
        await Expect(dates.First).Not.ToBeVisibleAsync();

        // The disclosure opens from the keyboard: every date, each with its status.
        await entry.Locator("summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(dates).ToHaveCountAsync(2);
        await Expect(dates.Nth(1)).ToBeVisibleAsync();
        await Expect(dates.Nth(1)).ToContainTextAsync("15 March 2027, 10:00");
        await FitsAsync(page, "series entry 375");
        await Axe.AssertAccessibleAsync(page, "portal series 375");
        await app.ScreenshotAsync(page, "portal-series-375");
        await page.SetViewportSizeAsync(1280, 900);
        await Axe.AssertAccessibleAsync(page, "portal series 1280");
        await app.ScreenshotAsync(page, "portal-series-1280");
        await page.SetViewportSizeAsync(375, 900);

        // The same entry in Dutch.
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.Context.AddCookiesAsync((await page.Context.CookiesAsync()).Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await dutch.GotoAsync("/account");
        await Expect(dutch.Locator("#series-list .series-summary")).ToContainTextAsync("Wekelijks, nog 2 van 2");
        await FitsAsync(dutch, "series entry (nl)");
        await Axe.AssertAccessibleAsync(dutch, "portal series (nl)");
        await app.ScreenshotAsync(dutch, "portal-series-nl-375");

        // Cancelling the remaining dates: the notice names how many, and the series leaves the upcoming list.
        await entry.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("#series-cancelled")).ToHaveTextAsync("2 dates of your series were cancelled.");
        await Expect(page.Locator("#series-list")).ToHaveCountAsync(0);
        await FitsAsync(page, "series cancelled 375");
        await Axe.AssertAccessibleAsync(page, "portal series cancelled 375");
        await app.ScreenshotAsync(page, "portal-series-cancelled-375");
    }
}
