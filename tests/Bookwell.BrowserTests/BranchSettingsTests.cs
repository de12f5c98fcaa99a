using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Issue 15: a branch's own settings in the admin, on a 375 px phone: the form shows the page's values as the fallback,
/// marks a bad value at its field (nothing saved), saves good ones into the configuration document, and reads in Dutch.
/// Axe clean, no wider than the phone; screenshots in the screenshots folder.
/// </summary>
public sealed class BranchSettingsTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string Config = """
        { "pages": [{ "slug": "branchy", "name": "Branchy", "timeZone": "Europe/Amsterdam",
          "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]] },
          "settings": { "waitlist": false, "reminderMinutes": [1440] },
          "branches": [ { "key": "north", "name": "North" }, { "key": "south", "name": "South" } ],
          "services": [ { "key": "cut", "name": "Cut", "durationMinutes": 30 } ],
          "staff": [ { "key": "ann", "name": "Ann", "services": ["cut"], "branch": "north" } ] }] }
        """;

    [Fact]
    public async Task ABranchsSettings_AreEditedOnAPhone_WithFieldErrors_InEnglishAndDutch()
    {
        var refused = new List<string>();
        var page = await app.SignUpAsync("branchy", "olga@branchy.test");
        AdminSweepTests.Watch(page, refused);
        await page.GotoAsync(app.At("branchy", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");

        await page.SetViewportSizeAsync(375, 800);
        await page.GotoAsync(app.At("branchy", "/admin/setup/p/branchy/branches/north"));
        await Expect(page.Locator("#branch-settings")).ToHaveTextAsync("Settings at this branch");
        await Expect(page.Locator("label[for='settings-ownReminders']")).ToContainTextAsync("1440");
        await Axe.AssertAccessibleAsync(page, "branch settings");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 375, "the branch form fits 375 px");

        // A hold of one minute is refused at its field; nothing is saved.
        await page.SelectOptionAsync("#settings-waitlist", "true");
        await page.FillAsync("#settings-waitlistHoldMinutes", "1");
        await page.ClickAsync("main form button:has-text('Save')");
        await Expect(page.Locator("#settings-waitlistHoldMinutes-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#settings-waitlistHoldMinutes")).ToHaveAttributeAsync("aria-invalid", "true");
        await Axe.AssertAccessibleAsync(page, "branch settings with an error");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 375, "the form with errors fits 375 px");
        await app.ScreenshotAsync(page, "branch-settings-error-375");

        await page.FillAsync("#settings-waitlistHoldMinutes", "30");
        await page.SelectOptionAsync("#settings-doubleOptInHours", "0");
        await page.ClickAsync("main form button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await Expect(page.Locator("#settings-waitlist")).ToHaveValueAsync("true");
        await Expect(page.Locator("#settings-waitlistHoldMinutes")).ToHaveValueAsync("30");
        await Expect(page.Locator("#settings-doubleOptInHours")).ToHaveValueAsync("0");
        await app.ScreenshotAsync(page, "branch-settings-saved-375");

        // The document holds it: config as code stays the source.
        await page.GotoAsync(app.At("branchy", "/admin/setup/json"));
        var json = await page.InputValueAsync("#json");
        Assert.Contains("\"waitlistHoldMinutes\": 30", json, StringComparison.Ordinal);

        var cookies = await page.Context.CookiesAsync();
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        AdminSweepTests.Watch(dutch, refused);
        await dutch.Context.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await dutch.GotoAsync(app.At("branchy", "/admin/setup/p/branchy/branches/north"));
        await Expect(dutch.Locator("#branch-settings")).ToHaveTextAsync("Instellingen van deze vestiging");
        await Axe.AssertAccessibleAsync(dutch, "branch settings (nl)");
        await app.ScreenshotAsync(dutch, "branch-settings-nl-375");
        Assert.Empty(refused);
    }
}
