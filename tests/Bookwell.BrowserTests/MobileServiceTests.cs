using System.Net.Http.Headers;
using System.Text;
using Bookwell.Tests.Mobile;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The browser app with a geocoder: a Nominatim stand-in on loopback, and a mobile technician's page.</summary>
public sealed class MobileBrowserApp : BrowserApp
{
    public NominatimStandIn Geocoder { get; } = NominatimStandIn.StartAsync().GetAwaiter().GetResult();

    public MobileBrowserApp()
    {
        Geocoder.Add("Oudegracht 1, Utrecht", 52.09, 5.12, "3511 AB");
        Geocoder.Add("Damrak 1, Amsterdam", 52.50, 5.12, "1012 LG");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Bookwell:Geocoding:BaseUrl", Geocoder.BaseUrl);
        builder.UseSetting("Bookwell:Geocoding:UserAgent", "Bookwell browser tests");
    }

    public const string MobileConfig = """
    {
      "pages": [{
        "slug": "fixit", "name": "Fix-it on wheels", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Workshop, Oudegracht 1" },
        "settings": { "horizonDays": 30, "slotIntervalMinutes": 60, "minNoticeMinutes": 0,
                      "allowedDays": ["mon","tue","wed","thu","fri"],
                      "mobile": { "baseLatitude": 52.09, "baseLongitude": 5.12, "radiusKm": 40, "speedKmh": 60, "marginMinutes": 10 } },
        "schedule": { "mon": [["08:00","18:00"]], "tue": [["08:00","18:00"]], "wed": [["08:00","18:00"]], "thu": [["08:00","18:00"]], "fri": [["08:00","18:00"]] },
        "branches": [],
        "services": [
          { "key": "repair", "name": "Repair at your home", "durationMinutes": 60, "price": { "amount": 80, "currency": "EUR" },
            "payment": "none", "requiresStaff": true, "resourceTypes": [], "capacity": 1, "locationMode": "mobile" }
        ],
        "staff": [ { "key": "tom", "name": "Tom", "services": ["repair"] } ],
        "resources": []
      }]
    }
    """;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Geocoder.DisposeAsync();
    }
}

public sealed class MobileServiceTests(MobileBrowserApp app) : IClassFixture<MobileBrowserApp>
{
    [Fact]
    public async Task The_booking_page_asks_for_the_address_before_showing_times_at_375px()
    {
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
            (await http.PutAsync("/api/v1/admin/config", new StringContent(MobileBrowserApp.MobileConfig, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/book/fixit?service=repair");
        await Expect(page.Locator("#address-form")).ToBeVisibleAsync();
        await Expect(page.Locator("a.time")).ToHaveCountAsync(0);
        await Axe.AssertAccessibleAsync(page, "mobile-address-375");
        await app.ScreenshotAsync(page, "mobile-address-375");

        // Outside the service area: said next to the field, still no times.
        await page.FillAsync("#client-address", "Damrak 1, Amsterdam");
        await page.ClickAsync("#address-form button[type=submit]");
        await Expect(page.Locator("#client-address-error")).ToContainTextAsync("outside our service area");
        await Expect(page.Locator("a.time")).ToHaveCountAsync(0);

        // Inside it: the times follow, and the address travels with the booking.
        await page.FillAsync("#client-address", "Oudegracht 1, Utrecht");
        await page.ClickAsync("#address-form button[type=submit]");
        await Expect(page.Locator("#coming-to")).ToContainTextAsync("Oudegracht 1, Utrecht");
        await Expect(page.Locator("a.time").First).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(page, "mobile-times-375");
        await app.ScreenshotAsync(page, "mobile-times-375");
        await page.Locator("a.time").First.ClickAsync();
        await page.FillAsync("#name", "Mo Bile");
        await page.FillAsync("#email", "mo@example.com");
        await Expect(page.Locator("#address")).ToHaveValueAsync("Oudegracht 1, Utrecht");
        await page.ClickAsync("#continue");
        await page.ClickAsync("#confirm");
        await Expect(page.Locator("#done")).ToBeVisibleAsync();
        var token = page.Url.Split("/booking/")[1].Split('?')[0];
        var booking = await page.APIRequest.GetAsync($"/api/v1/bookings/{token}");
        var json = System.Text.Json.JsonDocument.Parse(await booking.TextAsync()).RootElement;
        Assert.Equal("Oudegracht 1, Utrecht", json.GetProperty("location").GetProperty("address").GetString());
    }
}
