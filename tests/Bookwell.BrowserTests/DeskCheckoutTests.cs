using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// The desk checkout on a 375 px phone in Chromium, as the owner uses it: from a booking to the bill (a product,
/// a discount, a tip), "Calculate" showing the change, "Take payment", the receipt, and the till's day; each
/// step accessible (axe) and no wider than the screen, at 1280 px too, and in Dutch.
/// </summary>
public sealed class DeskCheckoutTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string Config = """
        { "pages": [{ "slug": "desk", "name": "Desk Salon", "timeZone": "Europe/Amsterdam",
          "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]] },
          "settings": { "deskTips": true },
          "services": [ { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 30, "currency": "EUR" } } ],
          "staff": [ { "key": "ann", "name": "Ann", "services": ["cut"] } ] }] }
        """;

    private static async Task FitsAsync(IPage page, string step)
    {
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        var viewport = page.ViewportSize!.Width;
        Assert.True(width <= viewport, $"{step} is {width} px wide at {viewport}");
        await Axe.AssertAccessibleAsync(page, $"{step} at {viewport}");
    }

    [Fact]
    public async Task CheckOutABooking_OnAPhone_CashAndCard_WithTipAndDiscount_ThenTheTill()
    {
        var page = await app.SignUpAsync("desk", "olga@desk.test");
        await page.GotoAsync(app.At("desk", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await page.GotoAsync(app.At("desk", "/admin/bookings/new?site=desk&service=cut&staff=ann&date=2027-03-02&time=10:00"));
        await page.FillAsync("#Email", "cora@example.com");
        await page.FillAsync("#Name", "Cora Client");
        await page.ClickAsync("main form button:has-text('Create booking')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking created");
        await page.GotoAsync(app.At("desk", "/admin/bookings"));
        await page.ClickAsync("tr:has-text('Cora') a[href^='/admin/bookings/']");
        await Expect(page.Locator("#checkout-link")).ToBeVisibleAsync();
        var booking = page.Url;

        await page.SetViewportSizeAsync(375, 800);
        await page.ClickAsync("#checkout-link");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Check out");
        await Expect(page.Locator("#desc0")).ToHaveValueAsync("Cut");
        await FitsAsync(page, "checkout");
        await page.FillAsync("#desc1", "Hair wax");
        await page.FillAsync("#qty1", "2");
        await page.FillAsync("#price1", "7,50");
        await page.FillAsync("#discount", "5");
        await page.FillAsync("#tip", "2.50");
        await page.CheckAsync("#method-mixed");
        await page.FillAsync("#card", "20");
        await page.FillAsync("#tendered", "30");
        await page.ClickAsync("#review");
        // 30.00 + 2 × 7.50 − 5.00 + 2.50 = 42.50: 20.00 by card, 22.50 in cash of 30.00, 7.50 back.
        await Expect(page.Locator("#bill-total")).ToHaveTextAsync("EUR 42.50");
        await Expect(page.Locator("#bill-cash")).ToHaveTextAsync("EUR 22.50");
        await Expect(page.Locator("#bill-change")).ToHaveTextAsync("EUR 7.50");
        await FitsAsync(page, "checkout with the bill");
        await app.ScreenshotAsync(page, "desk-checkout-bill-375");

        // A mistake first: too little cash for the cash part is said at the field, and nothing is taken.
        await page.FillAsync("#tendered", "10");
        await page.ClickAsync("#pay");
        await Expect(page.Locator("#tendered-error")).ToContainTextAsync("EUR 22.50");
        await Expect(page.Locator("#tendered")).ToHaveAttributeAsync("aria-invalid", "true");
        await FitsAsync(page, "checkout with an error");
        await page.FillAsync("#tendered", "30");
        await page.ClickAsync("#pay");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Paid. Receipt");
        await Expect(page.Locator("#receipt-total")).ToHaveTextAsync("EUR 42.50");
        await Expect(page.Locator("#receipt-change")).ToHaveTextAsync("EUR 7.50");
        await Expect(page.Locator("#receipt-lines tbody tr")).ToHaveCountAsync(4);
        await FitsAsync(page, "receipt");
        await app.ScreenshotAsync(page, "desk-receipt-375");
        var receipt = page.Url;

        // Back on the booking: completed, and it links to the receipt instead of a second checkout.
        await page.GotoAsync(booking);
        await Expect(page.Locator("#receipt-link")).ToBeVisibleAsync();
        await Expect(page.Locator("#checkout-link")).ToHaveCountAsync(0);
        await Expect(page.Locator("h1 .status")).ToHaveTextAsync("Completed");

        await page.GotoAsync(app.At("desk", "/admin/till?date=2027-03-01"));
        await Expect(page.Locator("#till-totals tr[data-method='cash'] td").Last).ToHaveTextAsync("EUR 22.50");
        await Expect(page.Locator("#till-totals tr[data-method='card'] td").Last).ToHaveTextAsync("EUR 20.00");
        await Expect(page.Locator("[data-sum='tip']")).ToHaveTextAsync("EUR 2.50");
        await FitsAsync(page, "till");
        await app.ScreenshotAsync(page, "desk-till-375");

        foreach (var path in new[] { "/admin/till?date=2027-03-01", "/admin/checkout?site=desk", new Uri(receipt).PathAndQuery, "/admin/payments/fees" })
        {
            await page.SetViewportSizeAsync(1280, 900);
            await page.GotoAsync(app.At("desk", path));
            await FitsAsync(page, path);
            await page.SetViewportSizeAsync(375, 800);
            await page.ReloadAsync();
            await FitsAsync(page, path);
        }

        // Dutch.
        var cookies = await page.Context.CookiesAsync();
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.Context.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await dutch.GotoAsync(app.At("desk", "/admin/checkout?site=desk"));
        await Expect(dutch.Locator("h1")).ToContainTextAsync("Afrekenen");
        await FitsAsync(dutch, "checkout (nl)");
        await dutch.GotoAsync(receipt);
        await Expect(dutch.Locator("#receipt-change")).ToHaveTextAsync("EUR 7,50");
        await FitsAsync(dutch, "receipt (nl)");
    }
}
