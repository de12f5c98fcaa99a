using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>Issue 15: the manage page moves a recurring series "this and all later dates" at 375 px, keyboard and axe clean.</summary>
public sealed class SeriesManageTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task The_manage_page_moves_this_and_later_dates_at_375px()
    {
        string token;
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            // Mondays 8 and 15 March 2027 at 10:00.
            var body = """
            { "service": "consult", "staff": "anna", "start": "2027-03-08T10:00:00+01:00", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Ada Lovelace", "email": "series@example.com" }, "answers": {}, "termsAccepted": true,
              "repeat": { "frequency": "weekly", "count": 2 } }
            """;
            var created = await http.PostAsync("/api/v1/pages/salon/series", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
            token = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("manageToken").GetString()!;
        }
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync($"/booking/{token}");
        await page.ClickAsync("#reschedule");
        await page.GotoAsync($"/booking/{token}?reschedule=1&date=2027-03-05");
        await Expect(page.Locator("fieldset.series-scope")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(page, "series-reschedule-375");
        await app.ScreenshotAsync(page, "series-reschedule-375");

        // By keyboard: the "this and later dates" choice, then Friday 14:00.
        await page.FocusAsync("#scope-following");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator("#scope-following")).ToBeCheckedAsync();
        await page.ClickAsync("button[name=start][value='2027-03-05T14:00:00+01:00']");
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("Your dates have been moved.");
        await Expect(page.Locator("#occurrence-0")).ToContainTextAsync("14:00");
        await Expect(page.Locator("#occurrence-1")).ToContainTextAsync("14:00");
        await Expect(page.Locator("#occurrence-1")).ToContainTextAsync("12");
        await Axe.AssertAccessibleAsync(page, "series-moved-375");
        await app.ScreenshotAsync(page, "series-moved-375");
    }
}
