using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

public sealed class LimitedBrowserApp : BrowserApp
{
    protected override int BookingsPerMinute => 1;
}

public sealed class RateLimitTests(LimitedBrowserApp app) : IClassFixture<LimitedBrowserApp>
{
    [Fact]
    public async Task TooManyBookingsFromOneAddress_ShowsAPlainMessageAndKeepsTheForm()
    {
        var page = await app.NewPageAsync();
        foreach (var (time, name) in new[] { ("09:00", "First"), ("10:00", "Second") })
        {
            await page.GotoAsync("/book/salon?service=consult&date=2027-03-02");
            await page.ClickAsync($"a.time:has-text('{time}')");
            await page.FillAsync("#name", name);
            await page.FillAsync("#email", $"{name.ToLowerInvariant()}@example.com");
            await page.CheckAsync("#terms");
            await page.ClickAsync("#continue");
            await page.ClickAsync("#confirm");
        }
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("Too many attempts");
        await Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        Assert.Equal("Second", await page.InputValueAsync("#name"));
    }
}
