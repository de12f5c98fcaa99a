using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The browser app with Stripe on, pointed at the stand-in, whose checkout page delivers its signed event to the app.</summary>
public sealed class PaymentBrowserApp : BrowserApp
{
    public StripeStandIn Stripe { get; } = StripeStandIn.StartAsync().GetAwaiter().GetResult();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Bookwell:Stripe:SecretKey", StripeStandIn.SecretKey);
        builder.UseSetting("Bookwell:Stripe:WebhookSecret", StripeStandIn.WebhookSecret);
        builder.UseSetting("Bookwell:Stripe:ApiBase", Stripe.BaseUrl);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}

/// <summary>Pay now through the real booking page in Chromium: Checkout (the stand-in's page), "Pay", back to a confirmed, paid booking.</summary>
public sealed class PaymentTests(PaymentBrowserApp app) : IClassFixture<PaymentBrowserApp>
{
    private async Task AddPaidPageAsync()
    {
        var doc = JsonNode.Parse(BrowserApp.Config)!.AsObject();
        doc["pages"]!.AsArray().Add(JsonNode.Parse("""
            {
              "slug": "paynow", "name": "Pay Now Spa", "timeZone": "Europe/Amsterdam",
              "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
              "services": [
                { "key": "massage", "name": "Massage", "durationMinutes": 60, "slotIntervalMinutes": 60, "requiresStaff": false,
                  "price": { "amount": 80, "currency": "EUR" }, "payment": "now",
                  "cancellationPolicy": { "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] } },
                { "key": "facial", "name": "Facial", "durationMinutes": 60, "slotIntervalMinutes": 60, "requiresStaff": false,
                  "price": { "amount": 100, "currency": "EUR" }, "payment": "deposit", "deposit": { "amount": 25, "currency": "EUR" } },
                { "key": "pedicure", "name": "Pedicure", "durationMinutes": 60, "slotIntervalMinutes": 60, "requiresStaff": false,
                  "price": { "amount": 45, "currency": "EUR" }, "payment": "none", "noShowFee": { "amount": 20.00 } }
              ]
            }
            """));
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BrowserApp.AdminKey);
        (await http.PutAsync("/api/v1/admin/config", new StringContent(doc.ToJsonString(), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        app.Stripe.WebhookUrl = $"{app.BaseUrl}/api/v1/payments/stripe/webhook";
        app.Stripe.SignClock = () => app.Clock.GetCurrentInstant();
    }

    [Fact]
    public async Task PayNow_ThroughCheckout_BackToAConfirmedPaidBooking()
    {
        await AddPaidPageAsync();
        var page = await app.NewPageAsync();
        await page.GotoAsync("/book/paynow?service=massage&date=2027-03-04");
        await page.ClickAsync("a.time:has-text('10:00')");
        await page.FillAsync("#name", "Paula Payer");
        await page.FillAsync("#email", "paula@example.com");
        await page.ClickAsync("#continue");
        // Before committing: the price, what is due now, and the cancellation policy.
        await Expect(page.Locator("#due-now")).ToContainTextAsync("80.00");
        await Expect(page.Locator("#cancellation-policy")).ToContainTextAsync("100 % back when you cancel at least 48 hours before the start.");
        await Expect(page.Locator("#cancellation-policy")).ToContainTextAsync("Nothing back when you cancel less than 24 hours before the start.");
        await app.ScreenshotAsync(page, "pay-1-review-1280");
        await page.ClickAsync("#confirm");
        // Stripe Checkout (the stand-in's page).
        await Expect(page.Locator("h1")).ToHaveTextAsync("Pay EUR 80.00");
        Assert.StartsWith(app.Stripe.BaseUrl, page.Url, StringComparison.Ordinal);
        await page.ClickAsync("#pay");
        // Back on the booking's own page, which asks the ledger, not the return URL.
        await Expect(page.Locator("#payment-state")).ToContainTextAsync("Paid");
        await Expect(page.Locator("#payment-state")).ToContainTextAsync("80.00");
        Assert.Contains("/booking/", page.Url, StringComparison.Ordinal);
        await app.ScreenshotAsync(page, "pay-2-paid-1280");
        // Cancelling shows what comes back before it is confirmed.
        await page.GotoAsync(page.Url.Split('?')[0] + "?cancel=1");
        await Expect(page.Locator("#cancel-refund")).ToContainTextAsync("80.00");
    }

    [Fact]
    public async Task Deposit_TheReviewShowsDueNowAndLater()
    {
        await AddPaidPageAsync();
        var page = await app.NewPageAsync(width: 375);
        await page.GotoAsync("/book/paynow?service=facial&date=2027-03-05");
        await page.ClickAsync("a.time:has-text('11:00')");
        await page.FillAsync("#name", "Dora Deposit");
        await page.FillAsync("#email", "dora@example.com");
        await page.ClickAsync("#continue");
        await Expect(page.Locator("#due-now")).ToContainTextAsync("25.00");
        await Expect(page.Locator("#due-later")).ToContainTextAsync("75.00");
        await Expect(page.Locator("#cancellation-policy")).ToContainTextAsync("get back everything you paid online");
        await app.ScreenshotAsync(page, "pay-3-deposit-375");
    }

    /// <summary>
    /// Paid at the venue, the card only saved for a no-show fee: nothing is due now, so no "to pay now 0.00" line, only what
    /// is due at the appointment (English and Dutch, at 375 px); the booking's page while the card is awaited asks for the card, not "Pay 0.00".
    /// </summary>
    [Fact]
    public async Task CardOnly_ShowsOnlyWhatIsDueAtTheAppointment()
    {
        await AddPaidPageAsync();
        foreach (var (locale, date, later) in new[] { ("en-GB", "2027-03-08", "To pay at the appointment"), ("nl-NL", "2027-03-09", "Te betalen bij de afspraak") })
        {
            var page = await app.NewPageAsync(locale: locale, width: 375);
            await page.GotoAsync($"/book/paynow?service=pedicure&date={date}");
            await page.ClickAsync("a.time:has-text('10:00')");
            await page.FillAsync("#name", "Carla Card");
            await page.FillAsync("#email", $"carla-{locale}@example.com");
            await page.ClickAsync("#continue");
            await Expect(page.Locator("#due-later")).ToContainTextAsync("45");
            await Expect(page.Locator("dt:has(+ #due-later)")).ToHaveTextAsync(later);
            await Expect(page.Locator("#due-now")).ToHaveCountAsync(0);
            await Expect(page.Locator("#no-show-policy")).ToContainTextAsync("20");
            await app.ScreenshotAsync(page, $"pay-4-card-only-review-{locale}-375");
        }

        // Booked (through the public API here): Checkout waits for the card; the booking's own page, meanwhile, asks for the card.
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var booked = await http.PostAsync("/api/v1/pages/paynow/bookings", new StringContent("""
            { "service": "pedicure", "start": "2027-03-10T10:00:00+01:00", "timeZone": "Europe/Amsterdam",
              "customer": { "name": "Carla Card", "email": "carla@example.com" }, "answers": {}, "termsAccepted": true }
            """, Encoding.UTF8, "application/json"));
        var answer = JsonNode.Parse(await booked.Content.ReadAsStringAsync())!;
        Assert.True(booked.IsSuccessStatusCode, answer.ToJsonString());
        Assert.Equal("pending_payment", answer["status"]!.GetValue<string>());
        var manage = await app.NewPageAsync(width: 375);
        await manage.GotoAsync(new Uri(answer["manageUrl"]!.GetValue<string>()).PathAndQuery);
        await Expect(manage.Locator("#payment-state")).ToContainTextAsync("nothing is charged now");
        await Expect(manage.Locator("#due-later")).ToContainTextAsync("45.00");
        await Expect(manage.Locator("#pay")).ToHaveTextAsync("Add your card");
        await app.ScreenshotAsync(manage, "pay-5-card-only-waiting-375");
    }

    /// <summary>
    /// A card-only booking never says it waits for a payment: while the card is awaited the title and the status say the card
    /// is awaited (nothing is charged), and once the card is saved at Checkout the page says the card is saved and what is
    /// paid at the appointment. English and Dutch, at 375 px.
    /// </summary>
    [Fact]
    public async Task CardOnly_TheBookingPageSaysTheCardIsAwaitedThenSaved_NeverWaitingForPayment()
    {
        await AddPaidPageAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        foreach (var (locale, start, texts) in new[]
                 {
                     ("en-GB", "2027-03-11T10:00:00+01:00", (Title: "Add your card to confirm", Status: "Waiting for your card details", Saved: "Card saved. Nothing has been charged.",
                         Confirmed: "Confirmed", Waiting: new[] { "Waiting for payment", "Awaiting payment" })),
                     ("nl-NL", "2027-03-11T11:00:00+01:00", (Title: "Voeg uw kaart toe om te bevestigen", Status: "Wacht op uw kaartgegevens", Saved: "Kaart opgeslagen. Er is niets afgeschreven.",
                         Confirmed: "Bevestigd", Waiting: new[] { "Wacht op betaling" })),
                 })
        {
            var booked = await http.PostAsync("/api/v1/pages/paynow/bookings", new StringContent($$"""
                { "service": "pedicure", "start": "{{start}}", "timeZone": "Europe/Amsterdam",
                  "customer": { "name": "Carla Card", "email": "carla-{{locale}}@example.com" }, "answers": {}, "termsAccepted": true }
                """, Encoding.UTF8, "application/json"));
            var answer = JsonNode.Parse(await booked.Content.ReadAsStringAsync())!;
            Assert.True(booked.IsSuccessStatusCode, answer.ToJsonString());
            var page = await app.NewPageAsync(locale: locale, width: 375);
            await page.GotoAsync(new Uri(answer["manageUrl"]!.GetValue<string>()).PathAndQuery + "?new=1");
            await Expect(page.Locator("#done")).ToHaveTextAsync(texts.Title);
            await Expect(page.Locator("#status")).ToContainTextAsync(texts.Status);
            foreach (var wrong in texts.Waiting)
            {
                await Expect(page.Locator("main")).Not.ToContainTextAsync(wrong);
            }
            await app.ScreenshotAsync(page, $"pay-6-card-only-awaited-{locale}-375");
            // Stripe's page (the stand-in's) saves the card and sends the client back to the booking's page.
            await page.ClickAsync("#pay");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Save your card");
            await page.ClickAsync("#pay");
            await Expect(page.Locator("#payment-state")).ToHaveTextAsync(texts.Saved);
            await Expect(page.Locator("#due-later")).ToContainTextAsync("45");
            await Expect(page.Locator("#status")).ToHaveTextAsync(texts.Confirmed);
            foreach (var wrong in texts.Waiting.Append(locale == "en-GB" ? "Not paid" : "Niet betaald"))
            {
                await Expect(page.Locator("main")).Not.ToContainTextAsync(wrong);
            }
            Assert.Contains("/booking/", page.Url, StringComparison.Ordinal);
            await app.ScreenshotAsync(page, $"pay-7-card-saved-{locale}-375");
            await Axe.AssertAccessibleAsync(page, $"card-saved-{locale}");
        }
    }
}
