using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>axe-core (WCAG 2 A and AA rules) on every step of a booking; serious or critical findings fail.</summary>
public sealed class AccessibilityTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private static Task AssertAccessible(IPage page, string step) => Axe.AssertAccessibleAsync(page, step);

    [Fact]
    public async Task EveryStepOfABooking_HasNoSeriousAxeViolations()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon");
        await AssertAccessible(page, "services");
        await page.ClickAsync("a.choice:has-text('Haircut')");
        await AssertAccessible(page, "dates and times");
        await page.ClickAsync("a.day:has-text('4 Mar')");
        await page.ClickAsync("a.time:has-text('13:00')");
        await AssertAccessible(page, "details");
        await page.ClickAsync("#continue");
        await AssertAccessible(page, "field errors");
        await page.FillAsync("#name", "Axel");
        await page.FillAsync("#email", "axel@example.com");
        await page.SelectOptionAsync("#answer\\.hairLength", "long");
        await page.CheckAsync("#terms");
        await page.ClickAsync("#continue");
        await AssertAccessible(page, "review");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        await AssertAccessible(page, "confirmation");
        // Changes happen on the manage page proper (the confirmation only links to it).
        await page.GotoAsync(page.Url.Split('?')[0]);
        await page.ClickAsync("#cancel");
        await AssertAccessible(page, "cancel question");
        await page.GotoAsync(page.Url.Split('?')[0] + "?reschedule=1");
        await AssertAccessible(page, "reschedule");
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.GotoAsync("/book/salon?service=consult");
        await AssertAccessible(dutch, "Dutch at 375 px");
        var month = await app.NewPageAsync(timeZone: "Europe/London", width: 375);
        await month.GotoAsync("/book/video?service=call&from=2027-04-01");
        await AssertAccessible(month, "month calendar at 375 px");
        Assert.True(await month.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
    }

    [Fact]
    public async Task TheCheckItself_CatchesAnUnlabelledField()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon");
        await page.EvaluateAsync("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')");
        await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => AssertAccessible(page, "control"));
    }
}
