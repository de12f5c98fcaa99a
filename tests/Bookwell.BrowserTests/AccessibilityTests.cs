using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>axe-core (WCAG 2 A and AA rules) on every step of a booking; serious or critical findings fail.</summary>
public sealed class AccessibilityTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private static readonly Lazy<string> Axe = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "node_modules", "axe-core", "axe.min.js");
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }
        throw new FileNotFoundException("axe-core is not installed: run npm install in tests/Bookwell.BrowserTests (scripts/test.sh does).");
    });

    private static async Task AssertAccessible(IPage page, string step)
    {
        // Evaluated through the DevTools protocol: the pages' CSP rightly refuses an injected script tag.
        await page.EvaluateAsync(Axe.Value);
        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
              return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }
            """);
        var violations = json.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.True(violations.Count == 0, $"{step}: {string.Join("; ", violations)}");
    }

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
