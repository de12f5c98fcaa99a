using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Issue 15: the manage page moves a recurring series "this and all later dates" at 375 px, keyboard and axe clean; a member's
/// series moved outside its organization's time slots shows the field error at the times.
/// </summary>
public sealed class SeriesManageTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task The_manage_page_moves_this_and_later_dates_at_375px()
    {
        string token;
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            // Mondays 8 and 15 March 2027 at 10:00.
            var body = """
            { "service": "consult", "staff": "anna", "start": "2027-03-08T10:00:00+01:00", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Ada Lovelace", "email": "series@example.com" }, "answers": {}, "termsAccepted": true,
              "repeat": { "frequency": "weekly", "count": 2 } }
            """;
            var created = await http.PostAsync("/api/v1/pages/salon/series", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
            token = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("manageToken").GetString()!;
        }
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync($"/booking/{token}");
        await page.ClickAsync("#reschedule");
        await page.GotoAsync($"/booking/{token}?reschedule=1&date=2027-03-05");
        await Expect(page.Locator("fieldset.series-scope")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(page, "series-reschedule-375");
        await app.ScreenshotAsync(page, "series-reschedule-375");

        // By keyboard: the "this and later dates" choice, then Friday 14:00.
        await page.FocusAsync("#scope-following");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator("#scope-following")).ToBeCheckedAsync();
        await page.ClickAsync("button[name=start][value='2027-03-05T14:00:00+01:00']");
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("Your dates have been moved.");
        await Expect(page.Locator("#occurrence-0")).ToContainTextAsync("14:00");
        await Expect(page.Locator("#occurrence-1")).ToContainTextAsync("14:00");
        await Expect(page.Locator("#occurrence-1")).ToContainTextAsync("12");
        await Axe.AssertAccessibleAsync(page, "series-moved-375");
        await app.ScreenshotAsync(page, "series-moved-375");
    }

    [Fact]
    public async Task A_members_series_moved_outside_its_schools_slots_shows_the_field_error_at_the_times_at_375px()
    {
        // The school's consultation slots: Thursday 4 March 09:00-12:00, Thursday 11 March only 09:00-10:30.
        var config = System.Text.Json.Nodes.JsonNode.Parse(BrowserApp.Config)!;
        config["pages"]![0]!["organizations"] = System.Text.Json.Nodes.JsonNode.Parse("""
            [ { "key": "school", "name": "Hillside School", "services": ["consult"], "from": null, "to": null, "exclusive": false,
                "timeSlots": [ { "date": "2027-03-04", "hours": [["09:00","12:00"]], "services": ["consult"] },
                               { "date": "2027-03-11", "hours": [["09:00","10:30"]], "services": ["consult"] } ] } ]
            """);
        string token;
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
            (await http.PutAsync("/api/v1/admin/config", new StringContent(config.ToJsonString(), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            var body = """
            { "service": "consult", "staff": "anna", "start": "2027-03-04T09:00:00+01:00", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Pia Pupil", "email": "pupil@example.com" }, "answers": {}, "termsAccepted": true,
              "repeat": { "frequency": "weekly", "count": 2 } }
            """;
            var created = await http.PostAsync("/api/v1/pages/salon/series", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
            var json = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
            token = json.GetProperty("manageToken").GetString()!;
            var series = Guid.Parse(json.GetProperty("seriesId").GetString()!);
            using var scope = app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<Bookwell.Data.BookwellDb>().Bookings.IgnoreQueryFilters().Where(b => b.SeriesId == series)
                .ExecuteUpdateAsync(u => u.SetProperty(b => b.OrganizationKey, "school"));
        }
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync($"/booking/{token}?reschedule=1&date=2027-03-04");
        await page.CheckAsync("#scope-following");
        // 10:00 fits the 4th, but moves the 11th to 10:00-11:00, past the school's 10:30.
        await page.ClickAsync("button[name=start][value='2027-03-04T10:00:00+01:00']");
        var error = page.Locator("#start-error");
        await Expect(error).ToContainTextAsync("Not within a time slot of Hillside School");
        await Expect(error).ToContainTextAsync("Occurrence 1");
        await Expect(page.Locator("[role=group][aria-describedby=start-error] button[name=start]").First).ToBeVisibleAsync();
        await Expect(page.Locator("#scope-following")).ToBeCheckedAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"));
        await Axe.AssertAccessibleAsync(page, "series-move-field-error-375");
        await app.ScreenshotAsync(page, "series-move-field-error-375");
        await Expect(page.Locator("#occurrence-1")).ToContainTextAsync("09:00");
    }
}
