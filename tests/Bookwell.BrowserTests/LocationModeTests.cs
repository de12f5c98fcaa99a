using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

public sealed class LocationModeTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task MobileService_NeedsTheClientsAddressAndKeepsTheMapPin()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/mobile?service=tyres&date=2027-03-02");
        await page.ClickAsync("a.time:has-text('10:00')");
        await page.FillAsync("#name", "Dee Driver");
        await page.FillAsync("#email", "dee@example.com");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("#address-error")).ToBeVisibleAsync();
        await page.FillAsync("#address", "Canal street 5, Utrecht");
        await page.FillAsync("#lat", "52.0907");
        await page.FillAsync("#lng", "5.1214");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("dl")).ToContainTextAsync("Canal street 5, Utrecht");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        var token = page.Url.Split("/booking/")[1].Split('?')[0];
        var booking = await page.APIRequest.GetAsync($"/api/v1/bookings/{token}");
        var json = System.Text.Json.JsonDocument.Parse(await booking.TextAsync()).RootElement;
        Assert.Equal("Canal street 5, Utrecht", json.GetProperty("location").GetProperty("address").GetString());
        Assert.Equal(52.0907, json.GetProperty("location").GetProperty("latitude").GetDouble(), 4);
    }

    [Fact]
    public async Task OnePersonBusiness_ABookedTimeIsNoLongerOffered_AndCannotBeBookedTwice()
    {
        // "Tyre change" needs no staff member: it books the page's own calendar (one mechanic, one van).
        var first = await app.NewPageAsync();
        var second = await app.NewPageAsync();
        foreach (var p in new[] { first, second })
        {
            await p.GotoAsync("/book/mobile?service=tyres&date=2027-03-09");
            await p.ClickAsync("a.time:has-text('11:00')");
            await p.FillAsync("#name", "Two Tabs");
            await p.FillAsync("#email", "tabs@example.com");
            await p.FillAsync("#address", "Canal street 5, Utrecht");
            await p.ClickAsync("#continue");
        }
        await first.ClickAsync("#confirm");
        await Expect(first.Locator("#done")).ToBeVisibleAsync();
        // The second tab chose the same time before the first confirmed: it is told, not double-booked.
        await second.ClickAsync("#confirm");
        await Expect(second.Locator("main")).ToContainTextAsync("someone else just booked that time");
        await app.ScreenshotAsync(second, "calendar-taken-1280");
        var again = await app.NewPageAsync(width: 375);
        await again.GotoAsync("/book/mobile?service=tyres&date=2027-03-09");
        await Expect(again.Locator("a.time:has-text('10:00')")).ToBeVisibleAsync();
        await Expect(again.Locator("a.time:has-text('11:00')")).ToHaveCountAsync(0);
        await app.ScreenshotAsync(again, "calendar-times-375");
    }

    [Fact]
    public async Task VirtualService_ShowsTheMeetingLinkAfterBooking()
    {
        var page = await app.NewPageAsync(timeZone: "Europe/London");
        await page.GotoAsync("/book/video?service=call&from=2027-04-01&date=2027-04-08");
        await page.ClickAsync("a.time:has-text('10:00')");
        await page.FillAsync("#name", "Vic Video");
        await page.FillAsync("#email", "vic@example.com");
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("a[href='https://meet.example.com/advice']")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task NothingFreeInTheShownDates_PointsToTheNextFreeDate()
    {
        var page = await app.NewPageAsync(timeZone: "Europe/London");
        // Every Thursday in March is closed, so the month calendar for March holds nothing.
        await page.GotoAsync("/book/video?service=call");
        await Expect(page.Locator("table.month caption")).ToHaveTextAsync("March 2027");
        await app.ScreenshotAsync(page, "month-empty-1280");
        var next = page.Locator("p.notice a");
        await Expect(next).ToContainTextAsync("Thursday 1 April 2027");
        await next.ClickAsync();
        await Expect(page.Locator("table.month caption")).ToHaveTextAsync("April 2027");
        await Expect(page.Locator("a.day[aria-current=date]")).ToHaveAttributeAsync("aria-label", "Thursday 1 April 2027");
        await Expect(page.Locator("a.time").First).ToContainTextAsync("10:00");
        await app.ScreenshotAsync(page, "month-april-1280");
    }

    [Fact]
    public async Task BookingPageHtml_StaysUnder50KB()
    {
        var page = await app.NewPageAsync();
        var response = await page.GotoAsync("/book/salon?service=haircut&date=2027-03-02");
        Assert.InRange((await response!.BodyAsync()).Length, 1, 50 * 1024);
    }

    [Fact]
    public async Task TwoBranches_ClientPicksOne_ThenOnlyItsStaffAreOffered()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/twoplaces");
        await page.ClickAsync("a.choice:has-text('Beard trim')");
        await Expect(page.Locator("#step-branch")).ToBeVisibleAsync();
        await Expect(page.Locator("#step-date")).ToHaveCountAsync(0);
        await page.ClickAsync("a.choice:has-text('North')");
        await Expect(page.Locator("#step-staff + ul a.choice")).ToHaveTextAsync(["Anyone available", "Noor", "Nils"]);
        await page.ClickAsync("a.choice:has-text('Nils')");
        await page.ClickAsync("a.day[aria-label='Tuesday 2 March 2027']");
        await page.ClickAsync("a.time:has-text('09:00')");
        await page.FillAsync("#name", "Bea Beard");
        await page.FillAsync("#email", "bea.beard@example.com");
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("main")).ToContainTextAsync("Nils");
        await Expect(page.Locator("main")).ToContainTextAsync("North, North road 1 Utrecht · Terminal 2, Door 3");
    }

    [Fact]
    public async Task DoubleOptIn_ClientConfirmsOnTheManagePage()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/optin?service=lesson&date=2027-03-02");
        await page.ClickAsync("a.time:has-text('11:00')");
        await page.FillAsync("#name", "Otto Optin");
        await page.FillAsync("#email", "otto@example.com");
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Waiting for confirmation");
        await page.ClickAsync("#confirm-booking");
        await Expect(page.Locator("#done")).ToHaveTextAsync("You're booked");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Confirmed");
    }
}
