using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Features.Me;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>/me at 375 px: the sign-in form, the link (made as the outbox worker makes it) and its sign-in button, and the list of bookings; axe clean.</summary>
public sealed partial class MeTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [GeneratedRegex(@"https?://[^\s""<>]+(/me/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*)")]
    private static partial Regex LinkPattern();

    [Fact]
    public async Task Person_AsksForALink_FollowsIt_AndSeesTheirBookingsAt375px()
    {
        using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            var body = """
                { "service": "haircut", "start": "2027-03-02T10:00:00+01:00", "staff": "anna", "timeZone": "Europe/Amsterdam",
                  "customer": { "name": "Grace Hopper", "email": "grace@example.com", "phone": null },
                  "answers": { "hairLength": "short" }, "termsAccepted": true }
                """;
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/api/v1/pages/salon/bookings", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        }

        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/me");
        await Axe.AssertAccessibleAsync(page, "me sign-in");
        await page.FillAsync("#email", "grace@example.com");
        await page.ClickAsync("#send-link");
        await Expect(page.Locator("#link-sent")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, "me link sent");

        List<Bookwell.Data.OutboxMessage> rows;
        using (var scope = app.Services.CreateScope())
        {
            rows = scope.ServiceProvider.GetRequiredService<Bookwell.Data.BookwellDb>().Outbox.IgnoreQueryFilters().AsNoTracking()
                .Where(m => m.Kind == PlatformSignIn.Kind).ToList();
        }
        await PlatformSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, [], CancellationToken.None);
        var path = LinkPattern().Match(Assert.Single(rows).TextBody!).Groups[1].Value;

        // Opening the link shows a button (a scanner that follows links uses nothing up); the button signs in.
        await page.GotoAsync(path);
        await Expect(page.Locator("#continue-sign-in")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, "me link opened");
        await page.ClickAsync("#continue-sign-in");
        await Expect(page).ToHaveURLAsync(new Regex("/me$"));
        await Expect(page.Locator("[data-booking]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-portal]")).ToHaveCountAsync(1);
        await Axe.AssertAccessibleAsync(page, "me bookings");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"), "the page scrolls sideways at 375 px");
        await app.ScreenshotAsync(page, "me-375");
    }
}
