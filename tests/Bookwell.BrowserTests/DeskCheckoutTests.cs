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
        // The fixture's clock: the day before, to book; then the visit's start, when the desk checks it out (not sooner).
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 1, 7, 0));
        await page.GotoAsync(app.At("desk", "/admin/bookings/new?site=desk&service=cut&staff=ann&date=2027-03-02&time=10:00"));
        await page.FillAsync("#Email", "cora@example.com");
        await page.FillAsync("#Name", "Cora Client");
        await page.ClickAsync("main form button:has-text('Create booking')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking created");
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 9, 0));
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

        await page.GotoAsync(app.At("desk", "/admin/till?date=2027-03-02"));
        await Expect(page.Locator("#till-totals tr[data-method='cash'] td").Last).ToHaveTextAsync("EUR 22.50");
        await Expect(page.Locator("#till-totals tr[data-method='card'] td").Last).ToHaveTextAsync("EUR 20.00");
        await Expect(page.Locator("[data-sum='tip']")).ToHaveTextAsync("EUR 2.50");
        await FitsAsync(page, "till");
        await app.ScreenshotAsync(page, "desk-till-375");

        foreach (var path in new[] { "/admin/till?date=2027-03-02", "/admin/checkout?site=desk", new Uri(receipt).PathAndQuery, "/admin/payments/fees" })
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
    /// <summary>
    /// A fake Web Serial API for the page: the port the chooser "returns" records how it was opened and every byte written;
    /// with <c>window.__serialFail</c> set its write fails as a printer that went away would.
    /// </summary>
    private const string FakeSerial = """
        window.__serial = { written: [], opened: [], closed: 0 };
        Object.defineProperty(Navigator.prototype, 'serial', { configurable: true, get: function () { return {
          requestPort: async function () { return {
            open: async function (options) { window.__serial.opened.push(options.baudRate); },
            close: async function () { window.__serial.closed++; },
            writable: { getWriter: function () { return {
              write: async function (chunk) {
                if (window.__serialFail) { throw new Error('The device has been lost.'); }
                for (const b of chunk) { window.__serial.written.push(b); }
              },
              releaseLock: function () {} }; } } }; } }; } });
        """;

    [Fact]
    public async Task TheReceipt_PrintsOnASerialPrinter_WhereTheBrowserHasWebSerial_AndOffersTheDownloadEverywhere()
    {
        var page = await app.SignUpAsync("print", "olga@print.test");
        await page.GotoAsync(app.At("print", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        // The fixture's clock: the day before, to book; then the visit's start, when the desk checks it out (not sooner).
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 1, 7, 0));
        await page.GotoAsync(app.At("print", "/admin/bookings/new?site=desk&service=cut&staff=ann&date=2027-03-02&time=10:00"));
        await page.FillAsync("#Email", "cora@example.com");
        await page.FillAsync("#Name", "Cora Client");
        await page.ClickAsync("main form button:has-text('Create booking')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking created");
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 9, 0));
        await page.GotoAsync(app.At("print", "/admin/bookings"));
        await page.ClickAsync("tr:has-text('Cora') a[href^='/admin/bookings/']");
        await page.ClickAsync("#checkout-link");
        await page.FillAsync("#desc1", "Hair wax – Größe M");
        await page.FillAsync("#price1", "12.50");
        await page.CheckAsync("#method-cash");
        await page.FillAsync("#tendered", "50");
        await page.ClickAsync("#review");
        await Expect(page.Locator("#bill-total")).ToHaveTextAsync("EUR 42.50");
        await page.ClickAsync("#pay");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Paid. Receipt");
        var receipt = page.Url;
        var cookies = await page.Context.CookiesAsync();

        async Task<IPage> OpenAsync(string? initScript, string locale = "en-GB")
        {
            var p = await app.NewPageAsync(locale: locale, width: 375);
            await p.Context.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
            if (initScript is not null)
            {
                await p.AddInitScriptAsync(initScript);
            }
            await p.GotoAsync(receipt);
            return p;
        }

        // No Web Serial (as in Firefox and Safari): no button, the download link is the way.
        var plain = await OpenAsync("delete Navigator.prototype.serial;");
        Assert.False(await plain.EvaluateAsync<bool>("'serial' in navigator"));
        await Expect(plain.Locator("#receipt-escpos")).ToBeVisibleAsync();
        await Expect(plain.Locator("#receipt-escpos")).ToHaveAttributeAsync("download", "");
        await Expect(plain.Locator("#serial-print-button")).ToHaveCountAsync(0);
        await FitsAsync(plain, "receipt without Web Serial");

        // With it: the button, the speed chosen, and exactly the bytes the ESC/POS download serves go to the port.
        var serial = await OpenAsync(FakeSerial);
        var button = serial.Locator("#serial-print-button");
        await Expect(button).ToHaveTextAsync("Print on receipt printer");
        await Expect(serial.Locator("#receipt-escpos")).ToBeVisibleAsync();
        await serial.SelectOptionAsync("#serial-baud", "115200");
        await button.ClickAsync();
        await Expect(serial.Locator("#serial-status")).ToHaveTextAsync("Sent to the receipt printer.");
        // Fetched apart from the page's script (the browser resolves the business's *.localhost host), signed in the same way.
        var href = await serial.Locator("#receipt-escpos").GetAttributeAsync("href");
        var served = await serial.EvaluateAsync<int[]>("""
            async (url) => {
              const response = await fetch(url);
              if (!response.ok) { throw new Error('HTTP ' + response.status); }
              return Array.from(new Uint8Array(await response.arrayBuffer()));
            }
            """, href);
        Assert.True(served.Length > 100, $"{served.Length} bytes served");
        Assert.Equal(new[] { 0x1B, 0x40 }, served.Take(2).ToArray());
        var written = await serial.EvaluateAsync<int[]>("window.__serial.written");
        Assert.Equal(served, written);
        Assert.Equal(new[] { 115200 }, await serial.EvaluateAsync<int[]>("window.__serial.opened"));
        Assert.Equal(1, await serial.EvaluateAsync<int>("window.__serial.closed"));
        await FitsAsync(serial, "receipt with Web Serial, printed");

        // The speed is remembered for the next receipt; a printer that fails says so in plain words, the download still there.
        var again = serial;
        await again.ReloadAsync();
        await Expect(again.Locator("#serial-baud")).ToHaveValueAsync("115200");
        await again.EvaluateAsync("window.__serialFail = true");
        await again.Locator("#serial-print-button").ClickAsync();
        await Expect(again.Locator("#serial-status")).ToHaveTextAsync(
            "Printing failed (The device has been lost.). Check that the printer is on and connected and that its speed matches, or download the receipt for the printer instead.");
        Assert.Empty(await again.EvaluateAsync<int[]>("window.__serial.written"));
        Assert.Equal(1, await again.EvaluateAsync<int>("window.__serial.closed"));
        await Expect(again.Locator("#serial-print-button")).ToBeEnabledAsync();
        await FitsAsync(again, "receipt with a failed print");

        // Dutch, from the server's words.
        var dutch = await OpenAsync(FakeSerial, "nl-NL");
        await Expect(dutch.Locator("#serial-print-button")).ToHaveTextAsync("Afdrukken op de bonprinter");
        await Expect(dutch.Locator("label[for='serial-baud']")).ToHaveTextAsync("Snelheid van de printer (baud)");
        await FitsAsync(dutch, "receipt with Web Serial (nl)");
    }
}
