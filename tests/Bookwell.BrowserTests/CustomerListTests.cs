using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Issue 14 on admin → Customers at 375 px in Chromium: the loyalty column and filter, row checkboxes and "tag selected"
/// (a plain form, no script), axe clean and no wider than the phone. Screenshots for a person to look at.
/// </summary>
public sealed class CustomerListTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string Config = """
        { "pages": [{ "slug": "crm", "name": "Crm Studio", "timeZone": "Europe/Amsterdam",
          "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]] },
          "settings": { "loyalty": { "returning": 2, "regular": 3, "vip": 4 } },
          "services": [ { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 30, "currency": "EUR" } } ],
          "staff": [ { "key": "ann", "name": "Ann", "services": ["cut"] } ] }] }
        """;

    [Fact]
    public async Task CustomerList_At375_TierColumn_TagSelected()
    {
        var page = await app.SignUpAsync("crm", "olga@crm.test");
        await page.GotoAsync(app.At("crm", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        foreach (var (time, email, name) in new[] { ("10:00", "cora@example.com", "Cora Client"), ("11:00", "dirk@example.com", "Dirk de Vries") })
        {
            await page.GotoAsync(app.At("crm", $"/admin/bookings/new?site=crm&service=cut&staff=ann&date=2027-03-02&time={time}"));
            await page.FillAsync("#Email", email);
            await page.FillAsync("#Name", name);
            await page.ClickAsync("main form button:has-text('Create booking')");
            await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking created");
        }

        await page.SetViewportSizeAsync(375, 800);
        await page.GotoAsync(app.At("crm", "/admin/customers"));
        await Expect(page.Locator("td[data-tier='new']")).ToHaveCountAsync(2);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(page, "customers-375");
        await page.CheckAsync("input[aria-label='Select Dirk de Vries']");
        await page.FillAsync("#bulktag", "Newsletter");
        await app.ScreenshotAsync(page, "customers-375");
        await page.ClickAsync("#bulk button[type=submit]");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("added to 1 clients");
        await Expect(page.Locator("tr:has-text('Dirk de Vries')")).ToContainTextAsync("newsletter");
        await Expect(page.Locator("tr:has-text('Cora Client')")).Not.ToContainTextAsync("newsletter");
        await app.ScreenshotAsync(page, "customers-375-tagged");

        // The same list for a Dutch browser at 375 px: Dutch words, the tiers and tags as before, axe clean, no sideways scroll.
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.Context.AddCookiesAsync((await page.Context.CookiesAsync()).Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await dutch.GotoAsync(app.At("crm", "/admin/customers"));
        await Expect(dutch.Locator("html")).ToHaveAttributeAsync("lang", "nl");
        await Expect(dutch.Locator("h1:text-is('Klanten')")).ToBeVisibleAsync();
        await Expect(dutch.Locator("td[data-tier='new']")).ToHaveCountAsync(2);
        await Expect(dutch.Locator("tr:has-text('Dirk de Vries')")).ToContainTextAsync("newsletter");
        Assert.True(await dutch.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"), "the Dutch customer list scrolls sideways at 375 px");
        await Axe.AssertAccessibleAsync(dutch, "customers-nl-375");
        await app.ScreenshotAsync(dutch, "customers-nl-375");
    }
}
