using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The mobile technician's day on a phone: the staff dashboard lists the route in order with travel and map links.</summary>
public sealed class MobileRouteTests(MobileBrowserApp app) : IClassFixture<MobileBrowserApp>
{
    [Fact]
    public async Task The_staff_day_reads_as_a_route_at_375px()
    {
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
            (await http.PutAsync("/api/v1/admin/config", new StringContent(MobileBrowserApp.MobileConfig, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            // Today (Monday 1 March 2027): a visit in Utrecht at 10:00, then one in Hilversum at 13:00 (pinned).
            foreach (var (time, address, lat, email) in new[] { ("13:00", "Dorpsstraat 3, Hilversum", 52.36, "hil@example.com"), ("10:00", "Oudegracht 1, Utrecht", 52.09, "utr@example.com") })
            {
                var body = $$"""
                    { "service": "repair", "start": "2027-03-01T{{time}}:00+01:00", "customer": { "name": "Client {{email[..3]}}", "email": "{{email}}" },
                      "location": { "address": "{{address}}", "latitude": {{lat.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "longitude": 5.12 } }
                    """;
                (await http.PostAsync("/api/v1/pages/fixit/bookings", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            }
        }
        var owner = await app.NewPageAsync();
        await owner.GotoAsync("/admin/claim");
        await owner.FillAsync("#SetupCode", BrowserApp.AdminKey);
        await owner.FillAsync("#Name", "Olga Owner");
        await owner.FillAsync("#Email", "olga@fixit.test");
        await owner.FillAsync("#Password", "a long enough password");
        await owner.ClickAsync("main button[type=submit]");
        await owner.GotoAsync("/admin/setup/p/fixit/staff/tom");
        await owner.FillAsync("#pin", "7391");
        await owner.ClickAsync("button:has-text('Save PIN')");

        var phone = await app.NewPageAsync(width: 375);
        await phone.GotoAsync("/staff/login");
        await phone.CheckAsync("#s-tom");
        await phone.FillAsync("#Pin", "7391");
        await phone.ClickAsync("main button[type=submit]");
        await Expect(phone.Locator("h1")).ToHaveTextAsync("Hello, Tom");
        var stops = phone.Locator("li.route-stop");
        await Expect(stops).ToHaveCountAsync(2);
        await Expect(stops.Nth(0)).ToContainTextAsync("Oudegracht 1, Utrecht");
        await Expect(stops.Nth(0)).ToContainTextAsync("10 min travel from the base");
        await Expect(stops.Nth(1)).ToContainTextAsync("Dorpsstraat 3, Hilversum");
        await Expect(stops.Nth(1)).ToContainTextAsync("41 min travel from the previous visit");
        await Expect(stops.Nth(1).Locator("a[href^='geo:']")).ToHaveAttributeAsync("href", "geo:52.36,5.12");
        await Expect(stops.Nth(1).Locator("a:has-text('Directions')")).ToHaveAttributeAsync("href",
            "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=52.09%2C5.12%3B52.36%2C5.12");
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(phone, "staff-route-375");
        await app.ScreenshotAsync(phone, "staff-route-375");
    }
}
