using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Issue 17 in Chromium at 375 px: a school's member opens the mailing from the SMTP sink, follows its link (through the
/// click redirect) and is signed in, books the school's picture-day slot, sees it in the client portal; the owner finds it
/// in the admin calendar filtered by the organization. axe-clean at every step.
/// </summary>
public sealed partial class OrganizationTests(MailingBrowserApp app) : IClassFixture<MailingBrowserApp>
{
    [GeneratedRegex(@"https?://[^\s""<>]+(/m/c/[A-Za-z0-9_-]+)")]
    private static partial Regex ClickLink();

    private HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
        return http;
    }

    /// <summary>The school on the salon's page (the same document every time, so either test may run first).</summary>
    private static async Task ConfigureAsync(HttpClient http)
    {
        var config = JsonNode.Parse(BrowserApp.Config)!;
        // Sunday 7 March 2027: the salon is closed, only the school's picture day opens it.
        config["pages"]![0]!["organizations"] = JsonNode.Parse("""
            [ { "key": "school", "name": "Hillside School", "services": ["consult"], "from": null, "to": null, "exclusive": false,
                "timeSlots": [ { "date": "2027-03-07", "hours": [["09:00","11:00"]], "services": null } ] } ]
            """);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync("/api/v1/admin/config", new StringContent(config.ToJsonString(), Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task ADeadLink_ShowsThePublicPageWithItsNotice_AtPhoneWidth_EnglishAndDutch()
    {
        string token;
        using (var http = Admin())
        {
            await ConfigureAsync(http);
            var link = await http.PostAsync("/api/v1/admin/organizations/school/links",
                new StringContent("""{ "page": "salon", "email": "gone@example.com", "name": "Gina Gone" }""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, link.StatusCode);
            var url = JsonNode.Parse(await link.Content.ReadAsStringAsync())!["url"]!.GetValue<string>();
            token = url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..];
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/api/v1/admin/organizations/school/revoke",
                new StringContent("""{ "page": "salon", "email": "gone@example.com" }""", Encoding.UTF8, "application/json"))).StatusCode);
        }
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync($"/book/salon?access={token}");
        await Expect(page.Locator("#link-dead")).ToBeVisibleAsync();
        await Expect(page.Locator("#link-dead")).ToContainTextAsync("no longer works");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("Hillside");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("Gina");
        // The public page under the notice: its services, bookable as a guest.
        await Expect(page.Locator("a.choice:has-text('Haircut')")).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await Axe.AssertAccessibleAsync(page, "dead organization link");
        await app.ScreenshotAsync(page, "organization-dead-link-375");
        await page.GotoAsync($"/book/salon?access={token}&lang=nl");
        await Expect(page.Locator("#link-dead")).ToContainTextAsync("werkt niet meer");
        await Axe.AssertAccessibleAsync(page, "dead organization link (Dutch)");
        await app.ScreenshotAsync(page, "organization-dead-link-375-nl");
    }

    [Fact]
    public async Task FromTheMailingsLink_SignedIn_BooksTheSchoolsSlot_SeesItInThePortalAndTheFilteredCalendar()
    {
        using (var http = Admin())
        {
            await ConfigureAsync(http);
            var member = await http.PostAsync("/api/v1/admin/organizations/school/links",
                new StringContent("""{ "page": "salon", "email": "pat@example.com", "name": "Pat Parent", "memberId": "S-42" }""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, member.StatusCode);
            var mailing = $$"""
                { "page": "salon", "id": "{{Guid.NewGuid()}}", "subject": "Picture day at {{"{{organization}}"}}",
                  "body": "Hello {{"{{first_name}}"}},\n\nBook your picture-day slot: {{"{{booking_link}}"}}", "audience": "all", "language": "en" }
                """;
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/api/v1/admin/organizations/school/mailings",
                new StringContent(mailing, Encoding.UTF8, "application/json"))).StatusCode);
        }

        string? click = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (click is null && DateTime.UtcNow < deadline)
        {
            // To Pat: the other test of this class (sharing its app) adds a second member whose mail goes out too.
            click = app.Messages().Where(m => m.Subject == "Picture day at Hillside School" && m.To.Mailboxes.Any(a => a.Address == "pat@example.com"))
                .Select(m => ClickLink().Match(m.TextBody ?? "")).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            await Task.Delay(100);
        }
        Assert.NotNull(click);

        // The link: through the click redirect to the booking page, signed in as the member, only the school's service.
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync(click);
        Assert.Equal("/book/salon", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("main")).ToContainTextAsync("Hillside School");
        await Expect(page.Locator("a.choice:has-text('Haircut')")).ToHaveCountAsync(0);
        await Axe.AssertAccessibleAsync(page, "organization booking page");
        await page.ClickAsync("a.choice:has-text('Consultation')");
        await page.ClickAsync("a.day:has-text('7 Mar')");
        await page.ClickAsync("a.time:has-text('09:00')");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Pat Parent");
        await Expect(page.Locator("#email")).ToHaveValueAsync("pat@example.com");
        await page.CheckAsync("#terms");
        await Axe.AssertAccessibleAsync(page, "organization details");
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await app.ScreenshotAsync(page, "organization-booked-375");

        // The client portal: signed in by the link, the booking listed.
        await page.GotoAsync("/account");
        Assert.Equal("/account", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("#upcoming-list")).ToContainTextAsync("Consultation");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await Axe.AssertAccessibleAsync(page, "portal with the organization booking");
        await app.ScreenshotAsync(page, "organization-portal-375");

        // The owner's calendar for picture day, filtered by the school: the booking is there; filtered by nothing else it is too.
        var admin = await app.NewPageAsync(width: 375);
        await admin.GotoAsync("/admin/claim");
        await admin.FillAsync("#SetupCode", BrowserApp.AdminKey);
        await admin.FillAsync("#Name", "Olga Owner");
        await admin.FillAsync("#Email", "olga@salon.test");
        await admin.FillAsync("#Password", "a long enough password");
        await admin.ClickAsync("main button[type=submit]");
        await admin.GotoAsync("/admin/calendar?date=2027-03-07&org=school");
        await Expect(admin.Locator("#org")).ToHaveValueAsync("school");
        await Expect(admin.Locator("main")).ToContainTextAsync("Pat Parent");
        await Axe.AssertAccessibleAsync(admin, "calendar filtered by the organization");
        await app.ScreenshotAsync(admin, "organization-calendar-375");

        // The school's page in Dutch on the phone: the bulk form's preview opens on its result (no script scrolls there), and
        // each stacked row of the members' table names its columns.
        var dutch = await app.NewPageAsync(locale: "nl-NL", width: 375);
        await dutch.GotoAsync("/admin/login");
        await dutch.FillAsync("#Email", "olga@salon.test");
        await dutch.FillAsync("#Password", "a long enough password");
        await dutch.ClickAsync("main button[type=submit]");
        await dutch.GotoAsync("/admin/organizations?page=salon&org=school");
        await dutch.FillAsync("#b-from", "2027-03-08");
        await dutch.FillAsync("#b-to", "2027-03-19");
        await dutch.FillAsync("#b-start", "09:00");
        await dutch.FillAsync("#b-end", "10:00");
        await dutch.CheckAsync("input[name='bulk.Days'][value='mon']");
        await dutch.ClickAsync("form[action*='handler=Bulk'] button[type=submit]");
        await Expect(dutch.Locator("#bulk-preview")).ToBeInViewportAsync();
        await Expect(dutch.Locator("#bulk-preview")).ToContainTextAsync("Er worden 2 tijdsloten gemaakt");
        await Expect(dutch.Locator("td[data-label='Lidnummer']").First).ToBeVisibleAsync();
        Assert.True(await dutch.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await Axe.AssertAccessibleAsync(dutch, "bulk time slots preview (Dutch)");
        await app.ScreenshotAsync(dutch, "organization-bulk-preview-375-nl");
    }
}
