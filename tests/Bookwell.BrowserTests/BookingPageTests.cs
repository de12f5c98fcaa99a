using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>What a client does on the booking and manage pages, in headless Chromium. Each test books on
/// its own day so the tests share one app without meeting.</summary>
public sealed class BookingPageTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private static async Task FillDetails(IPage page, string name, string email)
    {
        await page.FillAsync("#name", name);
        await page.FillAsync("#email", email);
        if (await page.Locator("#answer\\.hairLength").CountAsync() > 0)
        {
            await page.SelectOptionAsync("#answer\\.hairLength", "short");
        }
        await page.CheckAsync("#terms");
    }

    [Fact]
    public async Task FullBooking_FromThePage_EndsOnConfirmationWithCalendarLinks()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Book your visit");
        await app.ScreenshotAsync(page, "1-services-1280");
        await page.ClickAsync("a.choice:has-text('Haircut')");
        await page.ClickAsync("a.day:has-text('2 Mar')");
        await app.ScreenshotAsync(page, "2-times-1280");
        await page.ClickAsync("a.time:has-text('10:00')");
        await FillDetails(page, "Ada Lovelace", "ada@example.com");
        await app.ScreenshotAsync(page, "3-details-1280");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("#step-review")).ToBeVisibleAsync();
        await Expect(page.Locator("dl")).ToContainTextAsync("Ada Lovelace");
        await app.ScreenshotAsync(page, "4-review-1280");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToHaveTextAsync("You're booked");
        await Expect(page.Locator("main")).ToContainTextAsync("See you soon!");
        await Expect(page.Locator("#when")).ToContainTextAsync("10:00");
        await Expect(page.Locator("a:has-text('Add to Google Calendar')")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("dates=20270302T090000Z/20270302T093000Z"));
        await Expect(page.Locator("a:has-text('Download calendar file')")).ToBeVisibleAsync();
        await app.ScreenshotAsync(page, "5-confirmation-1280");
        var ics = await page.APIRequest.GetAsync(await page.Locator("a:has-text('Download calendar file')").GetAttributeAsync("href") ?? "");
        Assert.Contains("DTSTART:20270302T090000Z", await ics.TextAsync());
    }

    [Fact]
    public async Task FileField_AttachedFileSurvivesTheReviewAndReachesTheBooking()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7, 7, 7];
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon?service=haircut&date=2027-03-05");
        await page.ClickAsync("a.time:has-text('15:00')");
        await FillDetails(page, "Pia Photo", "pia@example.com");
        await page.SetInputFilesAsync("#answer\\.photo", new FilePayload { Name = "my-hair.png", MimeType = "image/png", Buffer = png });
        await page.ClickAsync("#continue");
        await Expect(page.Locator("dl")).ToContainTextAsync("my-hair.png");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        var token = page.Url.Split("/booking/")[1].Split('?')[0];
        var booking = System.Text.Json.JsonDocument.Parse(await (await page.APIRequest.GetAsync($"/api/v1/bookings/{token}")).TextAsync()).RootElement;
        var id = booking.GetProperty("answers").GetProperty("photo").GetString();
        var download = await page.APIRequest.GetAsync($"/api/v1/admin/uploads/{id}",
            new APIRequestContextOptions { Headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {BrowserApp.AdminKey}" } });
        Assert.Equal(png, await download.BodyAsync());
    }

    [Fact]
    public async Task Phone_375pxWide_NothingScrollsSidewaysAndBookingWorks()
    {
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/book/salon?service=consult&date=2027-03-05");
        await page.ClickAsync("a.time:has-text('09:00')");
        await FillDetails(page, "Mo Bile", "mo@example.com");
        await app.ScreenshotAsync(page, "details-375");
        var wide = await page.EvaluateAsync<string>("Array.from(document.querySelectorAll('*')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right)).join(' | ')");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), wide + " sw=" + await page.EvaluateAsync<int>("document.documentElement.scrollWidth") + " iw=" + await page.EvaluateAsync<int>("window.innerWidth") + " cw=" + await page.EvaluateAsync<int>("document.documentElement.clientWidth"));
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        await app.ScreenshotAsync(page, "confirmation-375");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        var small = await page.EvaluateAsync<int>("Array.from(document.querySelectorAll('a.button, button, a.choice')).filter(e => e.offsetParent && e.getBoundingClientRect().height < 44).length");
        Assert.Equal(0, small);
    }

    [Fact]
    public async Task InvalidDetails_ShowAMessageByEachField()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon?service=haircut&date=2027-03-08");
        await page.ClickAsync("a.time:has-text('09:00')");
        await page.FillAsync("#name", "Ada");
        await page.FillAsync("#email", "not-an-email");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("#email-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#answer\\.hairLength-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#terms-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#email")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Ada");
    }

    [Fact]
    public async Task DutchVisitor_SeesTheDutchPage()
    {
        var page = await app.NewPageAsync(locale: "nl-NL");
        await page.GotoAsync("/book/salon");
        await Expect(page.Locator("#step-service")).ToHaveTextAsync("Kies een dienst");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "nl");
        await page.ClickAsync("a.choice:has-text('Haircut')");
        await Expect(page.Locator("#step-date")).ToHaveTextAsync("Kies een datum");
        await app.ScreenshotAsync(page, "dutch-1280");
        var english = await app.NewPageAsync(locale: "nl-NL");
        await english.GotoAsync("/book/salon?lang=en");
        await Expect(english.Locator("#step-service")).ToHaveTextAsync("Choose a service");
    }

    [Fact]
    public async Task VisitorInNewYork_SeesTheirOwnTimesAndTheBusinessTime()
    {
        var page = await app.NewPageAsync(timeZone: "America/New_York", locale: "en-US");
        // 15 March 2027: New York is on summer time (since 14 March), Amsterdam not yet (28 March).
        await page.GotoAsync("/book/salon?service=consult&date=2027-03-15&from=2027-03-02");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("tz=America%2FNew_York|tz=America/New_York"));
        var first = page.Locator("a.time").First;
        await Expect(first).ToContainTextAsync("4:00 AM");
        await Expect(first.Locator("small")).ToContainTextAsync("9:00 AM at the business");
    }

    [Fact]
    public async Task KeyboardOnly_BooksFromStartToFinish()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon");
        async Task TabTo(string selector)
        {
            for (var i = 0; i < 200; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                if (await page.Locator(selector + ":focus").CountAsync() > 0)
                {
                    return;
                }
            }
            throw new InvalidOperationException($"Tab never reached {selector}");
        }
        async Task EnterAndExpect(string selector)
        {
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator(selector)).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.Load);
        }
        await TabTo("a.choice[href*='service=consult']");
        await EnterAndExpect("#step-date");
        await TabTo("a.day[href*='date=2027-03-10']");
        await EnterAndExpect("a.day[aria-current=date][href*='date=2027-03-10']");
        await TabTo("a.time");
        await EnterAndExpect("#step-details");
        await TabTo("#name");
        await page.Keyboard.TypeAsync("Kay Board");
        await TabTo("#email");
        await page.Keyboard.TypeAsync("kay@example.com");
        await TabTo("#terms");
        await page.Keyboard.PressAsync("Space");
        await TabTo("#continue");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#step-review")).ToBeVisibleAsync();
        await TabTo("#confirm");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#done")).ToHaveTextAsync("You're booked");
    }

    [Fact]
    public async Task TwoClientsRaceForOneSlot_OneBooksTheOtherIsToldAndKeepsTheirDetails()
    {
        var ada = await app.NewPageAsync();
        var bea = await app.NewPageAsync();
        const string url = "/book/salon?service=consult&date=2027-03-11";
        foreach (var (page, name) in new[] { (ada, "Ada"), (bea, "Bea") })
        {
            await page.GotoAsync(url);
            await page.ClickAsync("a.time:has-text('11:00')");
            await FillDetails(page, name, $"{name.ToLowerInvariant()}@example.com");
            await page.ClickAsync("#continue");
        }
        await ada.ClickAsync("#confirm");
        await Expect(ada.Locator("#done")).ToHaveTextAsync("You're booked");
        await bea.ClickAsync("#confirm");
        await Expect(bea.Locator("[role=alert]")).ToContainTextAsync("someone else just booked");
        await app.ScreenshotAsync(bea, "slot-taken-1280");
        Assert.Equal("Bea", await bea.InputValueAsync("#name"));
        await Expect(bea.Locator("button.time:has-text('11:00')")).ToHaveCountAsync(0);
        await bea.ClickAsync("button.time:has-text('12:00')");
        Assert.Equal("bea@example.com", await bea.InputValueAsync("#email"));
        await bea.ClickAsync("#continue");
        await bea.ClickAsync("#confirm");
        await Expect(bea.Locator("#done")).ToHaveTextAsync("You're booked");
        await Expect(bea.Locator("#when")).ToContainTextAsync("12:00");
    }

    [Fact]
    public async Task ManageLink_ReschedulesThenCancels()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/salon?service=consult&date=2027-03-12");
        await page.ClickAsync("a.time:has-text('09:00')");
        await FillDetails(page, "Max", "max@example.com");
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        var manage = page.Url.Split('?')[0];

        await page.GotoAsync(manage);
        await page.ClickAsync("#reschedule");
        await page.ClickAsync("a.day:has-text('9 Mar')");
        await page.ClickAsync("button.time:has-text('14:00')");
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("moved");
        await Expect(page.Locator("#when")).ToContainTextAsync("9 March 2027, 14:00");

        await page.ClickAsync("#cancel");
        await page.ClickAsync("#cancel-yes");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Cancelled");
        await Expect(page.Locator("#cancel")).ToHaveCountAsync(0);
    }
}
