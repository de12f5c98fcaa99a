using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Issue 15's journeys in Chromium at 375 px, axe clean at each step, on one app with its own mail server (each test on its
/// own days): join a full day's waitlist and accept the offer from the link in the e-mail; book a weekly series of six from
/// the booking page with the taken date skipped; book cut + colour as one visit.
/// </summary>
public sealed partial class SchedulingJourneyTests(MailingBrowserApp app) : IClassFixture<MailingBrowserApp>
{
    /// <summary>One stylist; Wednesday 3 March opens 09:00–10:00 only, so a single consultation fills it.</summary>
    private const string Config = """
    {
      "pages": [{
        "slug": "salon", "name": "Test Salon", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Main street 1" },
        "settings": { "horizonDays": 90, "slotIntervalMinutes": 30, "allowedDays": ["mon","tue","wed","thu","fri"],
                      "waitlist": true, "waitlistHoldMinutes": 60 },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
                      "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
        "exceptions": [ { "date": "2027-03-03", "hours": [["09:00","10:00"]] } ],
        "services": [
          { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 25, "currency": "EUR" }, "slotIntervalMinutes": 30 },
          { "key": "colour", "name": "Colour", "durationMinutes": 60, "price": { "amount": 60, "currency": "EUR" }, "slotIntervalMinutes": 30 },
          { "key": "consult", "name": "Consultation", "durationMinutes": 60, "price": { "amount": 0, "currency": "EUR" }, "slotIntervalMinutes": 60 }
        ],
        "staff": [ { "key": "anna", "name": "Anna", "services": ["cut","colour","consult"] } ]
      }]
    }
    """;

    [GeneratedRegex(@"/waitlist/[A-Za-z0-9_-]{43}")]
    private static partial Regex OfferLink();

    private async Task<HttpClient> ConfiguredAsync()
    {
        var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        using (var admin = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
            (await admin.PutAsync("/api/v1/admin/config", new StringContent(Config, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }
        return http;
    }

    /// <summary>Books a consultation by the API; returns its manage token.</summary>
    private static async Task<string> BookAsync(HttpClient http, string start, string email)
    {
        var body = $$"""
            { "service": "consult", "start": "{{start}}", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Other Client", "email": "{{email}}" }, "answers": {}, "termsAccepted": true }
            """;
        var booked = await http.PostAsync("/api/v1/pages/salon/bookings", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await booked.Content.ReadAsStringAsync()).RootElement.GetProperty("manageToken").GetString()!;
    }

    private static async Task FitsAsync(IPage page, string step) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{step} scrolls sideways");

    private T Db<T>(Func<Bookwell.Data.BookwellDb, T> read)
    {
        using var scope = app.Services.CreateScope();
        return read(scope.ServiceProvider.GetRequiredService<Bookwell.Data.BookwellDb>());
    }

    [Fact]
    public async Task A_client_joins_a_full_days_waitlist_and_accepts_the_offer_from_the_email_at_375px()
    {
        using var http = await ConfiguredAsync();
        var taken = await BookAsync(http, "2027-03-03T09:00:00+01:00", "early@example.com");

        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/book/salon?service=consult&date=2027-03-03");
        await page.ClickAsync("#join-waitlist");
        await Expect(page.Locator("#waitlist-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#date")).ToHaveValueAsync("2027-03-03");
        await FitsAsync(page, "waitlist join");
        await Axe.AssertAccessibleAsync(page, "waitlist join 375");
        await page.FillAsync("#name", "Wai Ting");
        await page.FillAsync("#email", "wai@example.com");
        await page.ClickAsync("#join");
        await Expect(page.Locator("#joined")).ToBeVisibleAsync();
        await app.ScreenshotAsync(page, "waitlist-joined-375");

        // The 09:00 client cancels: the time is held for Wai and offered by e-mail.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/v1/bookings/{taken}/cancel", null)).StatusCode);
        string? link = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (link is null && DateTime.UtcNow < deadline)
        {
            link = app.Messages().Where(m => m.To.ToString().Contains("wai@example.com", StringComparison.Ordinal) &&
                                             (m.Subject ?? "").StartsWith("A time came free", StringComparison.Ordinal))
                .Select(m => OfferLink().Match(m.TextBody ?? "")).FirstOrDefault(m => m.Success)?.Value;
            await Task.Delay(100);
        }
        Assert.NotNull(link);

        await page.GotoAsync(link);
        await Expect(page.Locator("#status")).ToContainTextAsync("A time came free for you.");
        await Expect(page.Locator("#offered")).ToContainTextAsync("09:00");
        await FitsAsync(page, "waitlist offer");
        await Axe.AssertAccessibleAsync(page, "waitlist offer 375");
        await app.ScreenshotAsync(page, "waitlist-offer-375");
        await page.ClickAsync("#accept");
        await Expect(page).ToHaveURLAsync(new Regex("/booking/"));
        await Axe.AssertAccessibleAsync(page, "waitlist booked 375");
        var booking = Db(db => db.Bookings.IgnoreQueryFilters().AsNoTracking().Single(b => b.CustomerEmail == "wai@example.com"));
        Assert.Equal(Bookwell.Features.Bookings.BookingStatus.Confirmed, booking.Status);
        Assert.Equal(NodaTime.Instant.FromUtc(2027, 3, 3, 8, 0), booking.StartsAt);
    }

    [Fact]
    public async Task A_weekly_series_of_six_is_booked_with_the_taken_date_skipped_at_375px()
    {
        using var http = await ConfiguredAsync();
        // The third Monday is taken: the series offers to skip it.
        await BookAsync(http, "2027-03-22T10:00:00+01:00", "monday@example.com");

        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/book/salon?service=consult&date=2027-03-08");
        await page.ClickAsync("a.time[href*='start=2027-03-08T10%3A00']");
        await page.FillAsync("#name", "Ada Lovelace");
        await page.FillAsync("#email", "series@example.com");
        await page.SelectOptionAsync("#repeat", "weekly");
        await page.FillAsync("#repeatCount", "6");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("#series-review legend")).ToContainTextAsync("Your 6 appointments");
        await Expect(page.Locator("#occ-2")).ToContainTextAsync("This time is taken.");
        await Expect(page.Locator("#occ-2-skip")).ToBeCheckedAsync();
        await Expect(page.Locator("#occ-5-book")).ToBeCheckedAsync();
        await FitsAsync(page, "series review");
        await Axe.AssertAccessibleAsync(page, "series review 375");
        await app.ScreenshotAsync(page, "series-review-375");
        await page.ClickAsync("#confirm");
        await Expect(page).ToHaveURLAsync(new Regex("/booking/"));
        await Axe.AssertAccessibleAsync(page, "series booked 375");
        // The booking's own page lists the series as booked.
        await page.GotoAsync(new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("#series")).ToContainTextAsync("All 5 dates of this series");
        await FitsAsync(page, "series page");
        await Axe.AssertAccessibleAsync(page, "series page 375");

        var dates = Db(db => db.Bookings.IgnoreQueryFilters().AsNoTracking().Where(b => b.CustomerEmail == "series@example.com")
            .Select(b => b.StartsAt).ToList()).Order().ToList();
        Assert.Equal(5, dates.Count);
        Assert.Equal(new[] { 8, 15, 29 }, dates.Where(d => d.InUtc().Month == 3).Select(d => d.InUtc().Day));
        Assert.Equal(new[] { 5, 12 }, dates.Where(d => d.InUtc().Month == 4).Select(d => d.InUtc().Day));
        // 10:00 in Amsterdam on every date, across the change to summer time on 28 March.
        Assert.All(dates, d => Assert.Equal(10, d.InZone(NodaTime.DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).Hour));
    }

    [Fact]
    public async Task Cut_and_colour_are_booked_as_one_visit_at_375px()
    {
        using var http = await ConfiguredAsync();
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/book/salon?service=cut");
        await page.ClickAsync("#visit a.choice:has-text('Colour')");
        await Expect(page.Locator("#visit a.choice[aria-current=true]")).ToContainTextAsync("Colour");
        Assert.Contains("also=colour", page.Url, StringComparison.Ordinal);
        await page.GotoAsync(page.Url + "&date=2027-03-09");
        await page.ClickAsync("a.time[href*='start=2027-03-09T09%3A00']");
        await page.FillAsync("#name", "Ada Lovelace");
        await page.FillAsync("#email", "visit@example.com");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("#step-review")).ToBeVisibleAsync();
        await Expect(page.Locator("main dl").First).ToContainTextAsync("Cut + Colour (90 min)");
        await FitsAsync(page, "visit review");
        await Axe.AssertAccessibleAsync(page, "visit review 375");
        await app.ScreenshotAsync(page, "visit-review-375");
        await page.ClickAsync("#confirm");
        await Expect(page).ToHaveURLAsync(new Regex("/booking/"));
        await Axe.AssertAccessibleAsync(page, "visit booked 375");

        var booking = Db(db => db.Bookings.IgnoreQueryFilters().AsNoTracking().Single(b => b.CustomerEmail == "visit@example.com"));
        var parts = Bookwell.Features.Bookings.Visits.Parts(booking);
        Assert.NotNull(parts);
        Assert.Equal(new[] { "cut", "colour" }, parts.Select(p => p.Service));
        Assert.Equal(NodaTime.Instant.FromUtc(2027, 3, 9, 8, 0), booking.StartsAt);
        Assert.Equal(NodaTime.Instant.FromUtc(2027, 3, 9, 9, 30), booking.EndsAt);
    }

    [Fact]
    public async Task Staff_see_their_days_waitlist_on_the_pin_dashboard_and_offer_with_one_click_at_375px()
    {
        using var http = await ConfiguredAsync();
        var join = """
            { "service": "consult", "staff": null, "date": "2027-03-04", "from": null, "to": null,
              "customer": { "name": "Wanda Waiting", "email": "wanda@example.com", "phone": "+31600000002" } }
            """;
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/api/v1/pages/salon/waitlist", new StringContent(join, Encoding.UTF8, "application/json"))).StatusCode);
        var owner = await app.NewPageAsync();
        await owner.GotoAsync("/admin/claim");
        await owner.FillAsync("#SetupCode", BrowserApp.AdminKey);
        await owner.FillAsync("#Name", "Olga Owner");
        await owner.FillAsync("#Email", "olga@salon.test");
        await owner.FillAsync("#Password", "a long enough password");
        await owner.ClickAsync("main button[type=submit]");
        await owner.GotoAsync("/admin/setup/p/salon/staff/anna");
        await owner.FillAsync("#pin", "2468");
        await owner.ClickAsync("button:has-text('Save PIN')");
        await Expect(owner.Locator(".notice.ok")).ToContainTextAsync("PIN saved");

        var phone = await app.NewPageAsync(width: 375);
        await phone.GotoAsync("/staff/login");
        await phone.CheckAsync("#s-anna");
        await phone.FillAsync("#Pin", "2468");
        await phone.ClickAsync("main button[type=submit]");
        await phone.ClickAsync("#waitlist-link");
        await phone.FillAsync("#date", "2027-03-04");
        await phone.ClickAsync("form.filters button[type=submit]");
        var entry = phone.Locator("#waitlist li").Filter(new LocatorFilterOptions { HasText = "Wanda Waiting" });
        await Expect(entry).ToContainTextAsync("Waiting");
        await FitsAsync(phone, "staff waitlist");
        await Axe.AssertAccessibleAsync(phone, "staff waitlist 375");
        await app.ScreenshotAsync(phone, "staff-waitlist-375");

        await phone.ClickAsync("button[aria-label='Send offer to Wanda Waiting']");
        await Expect(phone.Locator(".notice.ok")).ToContainTextAsync("Offer sent");
        await Expect(entry).ToContainTextAsync("Offered");
        await Axe.AssertAccessibleAsync(phone, "staff waitlist offered 375");
        await phone.GotoAsync("/staff/waitlist?date=2027-03-04&lang=nl");
        await Expect(phone.Locator("h1")).ToContainTextAsync("Wachtlijst");
        await Expect(entry).ToContainTextAsync("Aangeboden");
        await Axe.AssertAccessibleAsync(phone, "staff waitlist nl 375");
        Assert.Equal(Bookwell.Features.Waitlist.WaitlistStatus.Offered,
            Db(db => db.WaitlistEntries.IgnoreQueryFilters().AsNoTracking().Single(w => w.CustomerEmail == "wanda@example.com").Status));
    }
}
