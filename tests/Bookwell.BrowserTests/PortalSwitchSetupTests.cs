using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// The owner switches the client portal off and on again from the setup editor on a 375 px phone: the box is
/// reachable and labelled, the page stays accessible, and <c>/account</c> on the business's host closes and reopens.
/// </summary>
public sealed class PortalSwitchSetupTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string Config = """
        { "pages": [{ "slug": "studio", "name": "Switch Studio", "timeZone": "Europe/Amsterdam",
          "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]] },
          "services": [ { "key": "cut", "name": "Cut", "durationMinutes": 30 } ],
          "staff": [ { "key": "ann", "name": "Ann", "services": ["cut"] } ] }] }
        """;

    [Fact]
    public async Task Owner_TogglesTheClientPortal_OnAPhone_AxeClean()
    {
        var refused = new List<string>();
        var page = await app.SignUpAsync("portalsw", "olga@portalsw.test");
        AdminSweepTests.Watch(page, refused);
        await page.GotoAsync(app.At("portalsw", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");

        await page.SetViewportSizeAsync(375, 800);
        var editor = app.At("portalsw", "/admin/setup/p/studio/page");
        await page.GotoAsync(editor);
        var box = page.GetByLabel("Clients can sign in to their own portal to see and manage their bookings");
        await Expect(box).ToBeCheckedAsync();
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 375, "the setup editor fits 375 px");
        await Axe.AssertAccessibleAsync(page, "setup page settings, portal on");
        Assert.Equal(200, (await page.GotoAsync(app.At("portalsw", "/account/signin")))?.Status);

        // Off, from the keyboard: focus the box, Space unticks it, then save.
        await page.GotoAsync(editor);
        await box.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(box).Not.ToBeCheckedAsync();
        await page.ClickAsync("main form.card button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await Expect(box).Not.ToBeCheckedAsync();
        await Axe.AssertAccessibleAsync(page, "setup page settings, portal off");
        await app.ScreenshotAsync(page, "setup-portal-off-375");
        var closed = await page.GotoAsync(app.At("portalsw", "/account/signin"));
        Assert.Equal(404, closed?.Status);

        // On again.
        await page.GotoAsync(editor);
        await box.CheckAsync();
        await page.ClickAsync("main form.card button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await Expect(box).ToBeCheckedAsync();
        var open = await page.GotoAsync(app.At("portalsw", "/account/signin"));
        Assert.Equal(200, open?.Status);

        // The same control for a Dutch browser.
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        AdminSweepTests.Watch(dutch, refused);
        await dutch.Context.AddCookiesAsync((await page.Context.CookiesAsync()).Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await dutch.GotoAsync(editor);
        await Expect(dutch.Locator("h2:has-text('Klantportaal')")).ToBeVisibleAsync();
        await Expect(dutch.GetByLabel("Klanten kunnen inloggen op hun eigen portaal om hun afspraken te zien en te beheren")).ToBeCheckedAsync();
        await Axe.AssertAccessibleAsync(dutch, "setup page settings (nl)");

        Assert.Empty(refused);
    }
}
