using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Classes (issue 15) in Chromium: the owner opens the week's timetable at 1280 and 375 px, opens a session's attendee list
/// and checks an attendee in with the plain form; the teacher checks the other attendee in from the PIN dashboard on a
/// phone. Every page axe clean, in English and Dutch.
/// </summary>
public sealed class ClassTimetableTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string StudioConfig = """
    { "pages": [{
        "slug": "studio", "name": "Yoga Studio", "timeZone": "Europe/Amsterdam",
        "schedule": { "mon": [["09:00","21:00"]], "tue": [["09:00","21:00"]], "wed": [["09:00","21:00"]] },
        "services": [ { "key": "flow", "name": "Evening flow", "durationMinutes": 60, "slotIntervalMinutes": 60, "capacity": 8 } ],
        "staff": [ { "key": "tess", "name": "Tess", "services": ["flow"] } ] }] }
    """;

    [Fact]
    public async Task Owner_ChecksInFromTheTimetable_TeacherFromThePinDashboard_At1280And375()
    {
        // Monday 1 March 2027, 17:30 in Amsterdam: the 18:00 session's check-in window (from an hour before) is open.
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 1, 16, 30));
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
            (await http.PutAsync("/api/v1/admin/config", new StringContent(StudioConfig, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            // Today (Monday 1 March 2027) at 18:00 and tomorrow at 19:00.
            foreach (var (start, name) in new[] { ("2027-03-01T18:00:00+01:00", "Ada Asana"), ("2027-03-01T18:00:00+01:00", "Ben Breath"), ("2027-03-02T19:00:00+01:00", "Cas Core") })
            {
                var body = $$"""{ "service": "flow", "start": "{{start}}", "customer": { "name": "{{name}}", "email": "{{name.Replace(' ', '.').ToLowerInvariant()}}@example.com", "phone": "+31600000001" } }""";
                (await http.PostAsync("/api/v1/pages/studio/bookings", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            }
        }
        var owner = await app.NewPageAsync();
        await owner.GotoAsync("/admin/claim");
        await owner.FillAsync("#SetupCode", BrowserApp.AdminKey);
        await owner.FillAsync("#Name", "Olga Owner");
        await owner.FillAsync("#Email", "olga@studio.test");
        await owner.FillAsync("#Password", "a long enough password");
        await owner.ClickAsync("main button[type=submit]");

        // The timetable from the navigation: this week's two sessions.
        await owner.GotoAsync("/admin");
        await owner.ClickAsync("header nav a:has-text('Classes')");
        await Expect(owner.Locator("h1")).ToHaveTextAsync("Class timetable");
        var sessions = owner.Locator("tr.session");
        await Expect(sessions).ToHaveCountAsync(2);
        await Expect(sessions.Nth(0)).ToContainTextAsync("Evening flow");
        await Expect(sessions.Nth(0)).ToContainTextAsync("Tess");
        await Expect(sessions.Nth(0)).ToContainTextAsync("2 of 8 seats");
        await Expect(sessions.Nth(1)).ToContainTextAsync("1 of 8 seats");
        await Axe.AssertAccessibleAsync(owner, "class timetable");
        await app.ScreenshotAsync(owner, "classes-1-timetable");
        // Week by week.
        await owner.ClickAsync("#next-week");
        await Expect(owner.Locator("#empty")).ToBeVisibleAsync();
        await owner.ClickAsync("#previous-week");
        await Expect(sessions).ToHaveCountAsync(2);

        // The attendee list; Ada checked in with the form.
        await sessions.Nth(0).Locator("a").ClickAsync();
        await Expect(owner.Locator("h1")).ToHaveTextAsync("Evening flow");
        var rows = owner.Locator("tr.attendee");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(owner.Locator("#attendees")).ToContainTextAsync("ada.asana@example.com");
        await Axe.AssertAccessibleAsync(owner, "class attendees");
        await owner.ClickAsync("button[aria-label='Check in Ada Asana']");
        await Expect(owner.Locator(".notice.ok")).ToContainTextAsync("Ada Asana is checked in.");
        await Expect(rows.Filter(new LocatorFilterOptions { HasText = "Ada Asana" })).ToContainTextAsync("Checked in at");
        await Expect(owner.Locator("#checked-in-count")).ToHaveTextAsync("1 checked in");
        await Axe.AssertAccessibleAsync(owner, "class attendees after check-in");
        await app.ScreenshotAsync(owner, "classes-2-attendees");
        var sessionUrl = owner.Url.Split('#')[0];

        // At 375 px nothing scrolls sideways; Dutch too.
        await owner.SetViewportSizeAsync(375, 800);
        // Stacked, every cell of the attendee list says what it is: "Seats: 1", not a bare "1".
        await owner.GotoAsync(sessionUrl);
        var label = "getComputedStyle(document.querySelector('#attendees tbody td[data-label]'), '::before').content";
        Assert.Equal("\"Seats: \"", await owner.EvaluateAsync<string>(label));
        foreach (var (path, step) in new[] { ("/admin/classes", "timetable-375"), (sessionUrl, "attendees-375"), ("/admin/classes?lang=nl", "timetable-375-nl"), (sessionUrl + "&lang=nl", "attendees-375-nl") })
        {
            await owner.GotoAsync(path);
            Assert.True(await owner.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"), $"{step} scrolls sideways");
            await Axe.AssertAccessibleAsync(owner, step);
            await app.ScreenshotAsync(owner, "classes-3-" + step);
        }
        await Expect(owner.Locator("h1")).ToHaveTextAsync("Evening flow");
        await Expect(owner.Locator("main")).ToContainTextAsync("Ingecheckt om");
        await owner.GotoAsync("/admin/classes?lang=nl");
        await Expect(owner.Locator("h1")).ToHaveTextAsync("Lesrooster");
        await Expect(owner.Locator("tr.session").Nth(0)).ToContainTextAsync("2 van 8 plaatsen");
        await owner.GotoAsync("/admin/classes?lang=en");

        // The teacher's phone: today's session, Ben checked in from there.
        await owner.SetViewportSizeAsync(1280, 900);
        // In the wide table the column heading says it; no label before the cell.
        await owner.GotoAsync(sessionUrl);
        Assert.Equal("none", await owner.EvaluateAsync<string>(label));
        await owner.GotoAsync("/admin/setup/p/studio/staff/tess");
        await owner.FillAsync("#pin", "5172");
        await owner.ClickAsync("button:has-text('Save PIN')");
        await Expect(owner.Locator(".notice.ok")).ToContainTextAsync("PIN saved");
        var phone = await app.NewPageAsync(width: 375);
        await phone.GotoAsync("/staff/login");
        await phone.CheckAsync("#s-tess");
        await phone.FillAsync("#Pin", "5172");
        await phone.ClickAsync("main button[type=submit]");
        await Expect(phone.Locator("#h-classes")).ToHaveTextAsync("Today's classes");
        await Expect(phone.Locator("li.attendee")).ToHaveCountAsync(2);
        await phone.ClickAsync("button[aria-label='Check in Ben Breath']");
        await Expect(phone.Locator(".notice.ok")).ToContainTextAsync("Ben Breath is checked in.");
        await Expect(phone.Locator("li.attendee:has-text('Ben Breath')")).ToContainTextAsync("Checked in at");
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(phone, "staff classes 375");
        await app.ScreenshotAsync(phone, "classes-4-staff-375");

        // Both check-ins show in the timetable.
        await owner.GotoAsync("/admin/classes");
        await Expect(owner.Locator("tr.session").Nth(0)).ToContainTextAsync("2 checked in");
    }
}
