using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NodaTime;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// A new business from sign-up to its first booking, in Chromium: sign up (confirm the address from the mail,
/// then sign in on the business's own host), create a booking page with a service and a staff member, book it as a client, find the booking in
/// the calendar and change its status; then the staff member's PIN dashboard, lockout included.
/// </summary>
public sealed class DashboardTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private string Port => app.Port;

    /// <summary>An address on a business's own host (the pages' base URL is the default tenant's).</summary>
    private string At(string sub, string path) => app.At(sub, path);

    private static Task AssertAccessible(IPage page, string step) => Axe.AssertAccessibleAsync(page, step);

    private Task<IPage> SignUpAsync(string sub, string email) => app.SignUpAsync(sub, email);

    [Fact]
    public async Task SignUp_SetUpAPage_ABookingArrivesInTheCalendar_ChangeItsStatus()
    {
        var page = await SignUpAsync("acme", "olga@acme.test");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Welcome to Bookwell");
        await app.ScreenshotAsync(page, "admin-1-welcome");
        await page.ClickAsync("text=Create a booking page");
        await page.FillAsync("#Name", "Acme Studio");
        await page.FillAsync("#Slug", "acme-studio");
        await page.SelectOptionAsync("#TimeZone", "Europe/Amsterdam");
        await page.ClickAsync("main button[type=submit]");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking page created");

        // The starting service: make it 45 minutes, and add a question.
        await page.ClickAsync("table a:has-text('Consultation')");
        await page.FillAsync("#durationMinutes", "0");
        await page.ClickAsync("main form button:has-text('Save')");
        await Expect(page.Locator("#durationMinutes-error")).ToBeVisibleAsync();
        await AssertAccessible(page, "service form with an error");
        await page.FillAsync("#durationMinutes", "45");
        await page.FillAsync("#fields-0--key", "goal");
        await page.FillAsync("#fields-0--label", "What would you like to talk about?");
        await page.ClickAsync("main form button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await app.ScreenshotAsync(page, "admin-2-service");

        // A staff member who gives it.
        await page.ClickAsync("nav a:has-text('Staff')");
        await page.ClickAsync("a:has-text('Add')");
        await page.FillAsync("#key", "pat");
        await page.FillAsync("#name", "Pat");
        await page.CheckAsync("#sv-consultation");
        await page.ClickAsync("main form button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await page.FillAsync("#pin", "4826");
        await page.ClickAsync("button:has-text('Save PIN')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("PIN saved");

        // A client books on the business's own booking page.
        var client = await app.NewPageAsync();
        await client.GotoAsync($"http://acme.localhost:{Port}/book/acme-studio");
        await client.ClickAsync("a.choice:has-text('Consultation')");
        // A 60-day horizon shows a month calendar rather than the two-week strip.
        await client.ClickAsync("table.month a.day:text-is('2')");
        await client.ClickAsync("a.time:has-text('10:00')");
        await client.FillAsync("#name", "Cora Client");
        await client.FillAsync("#email", "cora@example.com");
        await client.FillAsync("#answer\\.goal", "A new haircut");
        await client.ClickAsync("#continue");
        await client.ClickAsync("#confirm");
        await Expect(client.Locator("#done")).ToBeVisibleAsync();

        // It is in the owner's calendar.
        await page.GotoAsync(At("acme", "/admin/calendar?date=2027-03-02"));
        var appointment = page.Locator(".appt:has-text('Cora Client')");
        await Expect(appointment).ToBeVisibleAsync();
        await Expect(page.Locator(".cal section[aria-label='Pat']")).ToContainTextAsync("Cora Client");
        await AssertAccessible(page, "day view");
        await app.ScreenshotAsync(page, "admin-3-day");
        await page.GotoAsync(At("acme", "/admin/calendar?view=week&date=2027-03-02"));
        await Expect(page.Locator(".week")).ToContainTextAsync("Cora Client");
        await AssertAccessible(page, "week view");
        await app.ScreenshotAsync(page, "admin-4-week");

        await page.GotoAsync(At("acme", "/admin/calendar?date=2027-03-02"));
        await appointment.ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Cora Client");
        await Expect(page.Locator("main")).ToContainTextAsync("A new haircut");
        await AssertAccessible(page, "booking detail");
        // 09:30 on the day: check-in for the 10:00 is open, so it can start (not sooner); then back to the fixture's day.
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 8, 30));
        await page.ClickAsync("button:has-text('Start')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Status changed to In progress");
        await Expect(page.Locator("h1 .status")).ToHaveTextAsync("In progress");
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 1, 7, 0));
        await app.ScreenshotAsync(page, "admin-5-detail");

        await page.GotoAsync(At("acme", "/admin/bookings?q=cora"));
        await Expect(page.Locator("table")).ToContainTextAsync("Cora Client");
        await AssertAccessible(page, "bookings list");

        // At 375 px the dashboard still fits: only the calendar grid scrolls sideways, inside its own box.
        await page.SetViewportSizeAsync(375, 800);
        foreach (var path in new[] { "/admin", "/admin/bookings", "/admin/calendar?date=2027-03-02", "/admin/setup/p/acme-studio/services/consultation" })
        {
            await page.GotoAsync(At("acme", path));
            var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 375, $"{path} is {width} px wide at 375");
        }
        await page.GotoAsync(At("acme", "/admin/calendar?date=2027-03-02"));
        await app.ScreenshotAsync(page, "admin-6-day-375");
        await page.GotoAsync(At("acme", "/admin/calendar?view=week&date=2027-03-02"));
        await app.ScreenshotAsync(page, "admin-7-week-375");
    }

    [Fact]
    public async Task Calendar_DragABookingToAnotherStaffMember()
    {
        var page = await SignUpAsync("dragco", "olga@dragco.test");
        await page.GotoAsync(At("dragco", "/admin/setup/json"));
        await page.FillAsync("#json", """
            { "pages": [{ "slug": "drag", "name": "Drag Co", "timeZone": "Europe/Amsterdam",
              "schedule": { "tue": [["09:00","17:00"]] },
              "services": [{ "key": "cut", "name": "Cut", "durationMinutes": 30 }],
              "staff": [{ "key": "ann", "name": "Ann", "services": ["cut"] }, { "key": "ben", "name": "Ben", "services": ["cut"] }] }] }
            """);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await page.GotoAsync(At("dragco", "/admin/bookings/new?site=drag&service=cut&staff=ann&date=2027-03-02&time=09:00"));
        await page.FillAsync("#Email", "dora@example.com");
        await page.FillAsync("#Name", "Dora Drag");
        await page.ClickAsync("main form button:has-text('Create booking')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking created");

        await page.GotoAsync(At("dragco", "/admin/calendar?date=2027-03-02"));
        var ben = page.Locator(".cal section[aria-label='Ben'] .body");
        var from = int.Parse(await page.Locator(".cal").GetAttributeAsync("data-from") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var y = (float)((14 * 60 - from) * 1.2 + 12);
        await page.Locator(".appt:has-text('Dora Drag')").DragToAsync(ben, new LocatorDragToOptions { TargetPosition = new TargetPosition { X = 30, Y = y } });
        await Expect(page.Locator(".notice")).ToContainTextAsync("Booking moved");
        await Expect(page.Locator(".cal section[aria-label='Ben']")).ToContainTextAsync("Dora Drag");
        await Expect(page.Locator(".cal section[aria-label='Ben'] .appt")).ToContainTextAsync("14:00");
    }

    [Fact]
    public async Task StaffDashboard_PinLockout_ThenSignIn_WalkIn()
    {
        var page = await SignUpAsync("pinco", "olga@pinco.test");
        await page.GotoAsync(At("pinco", "/admin/setup/json"));
        await page.FillAsync("#json", """
            { "pages": [{ "slug": "pins", "name": "Pin Co", "timeZone": "Europe/Amsterdam",
              "schedule": { "mon": [["08:00","18:00"]] },
              "services": [{ "key": "quick", "name": "Quick cut", "durationMinutes": 20 }],
              "staff": [{ "key": "kim", "name": "Kim", "services": ["quick"] }] }] }
            """);
        await page.ClickAsync("main button:has-text('Save')");
        await page.GotoAsync(At("pinco", "/admin/setup/p/pins/staff/kim"));
        await page.FillAsync("#pin", "7391");
        await page.ClickAsync("button:has-text('Save PIN')");
        await page.GotoAsync(At("pinco", "/admin/staff-app"));
        await Expect(page.Locator(".qr svg")).ToBeVisibleAsync();
        await AssertAccessible(page, "staff app settings");

        var tablet = await app.NewPageAsync(width: 800);
        await tablet.GotoAsync($"http://pinco.localhost:{Port}/staff");
        await Expect(tablet).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/staff/login"));
        await AssertAccessible(tablet, "staff sign-in");
        for (var i = 0; i < 5; i++)
        {
            await tablet.CheckAsync("#s-kim");
            await tablet.FillAsync("#Pin", "0000");
            await tablet.ClickAsync("main button[type=submit]");
        }
        await tablet.CheckAsync("#s-kim");
        await tablet.FillAsync("#Pin", "7391");
        await tablet.ClickAsync("main button[type=submit]");
        await Expect(tablet.Locator(".notice.bad")).ToContainTextAsync("Too many wrong PINs");
        await app.ScreenshotAsync(tablet, "staff-1-locked");

        app.Clock.Advance(Duration.FromMinutes(2));
        await tablet.CheckAsync("#s-kim");
        await tablet.FillAsync("#Pin", "7391");
        await tablet.ClickAsync("main button[type=submit]");
        await Expect(tablet.Locator("h1")).ToHaveTextAsync("Hello, Kim");
        await tablet.FillAsync("#wi-name", "Wally");
        await tablet.ClickAsync("button:has-text('Start now: Quick cut')");
        await Expect(tablet.Locator(".notice.ok")).ToContainTextAsync("Walk-in started");
        await Expect(tablet.Locator("main")).ToContainTextAsync("Wally");
        await AssertAccessible(tablet, "staff agenda");
        await app.ScreenshotAsync(tablet, "staff-2-agenda");
        var manifest = await tablet.EvaluateAsync<string>("document.querySelector('link[rel=manifest]').href");
        Assert.EndsWith("/staff/manifest.webmanifest", manifest);
        var controlled = await tablet.EvaluateAsync<bool>("navigator.serviceWorker.ready.then(() => true)");
        Assert.True(controlled);
    }
}
