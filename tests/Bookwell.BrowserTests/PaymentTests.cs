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
                  "price": { "amount": 45, "currency": "EUR" }, "payment": "none", "noShowFee": { "amount": 20.00 } },
                { "key": "manicure", "name": "Manicure", "durationMinutes": 45, "slotIntervalMinutes": 60, "requiresStaff": false,
                  "price": { "amount": 32.50, "currency": "EUR" }, "payment": "none" }
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

    /// <summary>
    /// A visit of a massage paid online (EUR 80.00) and a manicure paid at the salon (EUR 32.50), through the real booking page:
    /// before confirming, the visit's price (80.00 + 32.50 = 112.50), what is paid now (the massage, 80.00, which is no deposit)
    /// and at the salon (the manicure, 32.50), and the massage's cancellation policy (the only part paid online), its shares counted on the 80.00 paid online; then Checkout
    /// (the stand-in's page) for 80.00, "Pay", and back on the booking's own page: 80.00 paid online, 32.50 still to pay at the
    /// appointment. English at 1280 px and Dutch at 375 px, axe on every step.
    /// </summary>
    [Fact]
    public async Task Visit_PaidNowPlusPaidAtTheSalon_ShowsWhatIsDueWhen_ThenPaysTheOnlinePart()
    {
        await AddPaidPageAsync();
        var runs = new[]
        {
            (Locale: "en-GB", Width: 1280, Date: "2027-03-15", Email: "vera@example.com", Texts: (
                Price: "€112.50", Now: "€80.00", Later: "€32.50", NowLabel: "To pay now", LaterLabel: "To pay at the appointment",
                Policy: new[] { "100 % back when you cancel at least 48 hours before the start.", "50 % back when you cancel at least 24 hours before the start.",
                    "Nothing back when you cancel less than 24 hours before the start.", "What you get back is counted on the €80.00 you pay online." },
                Paid: "Paid online: €80.00. Still to pay at the appointment: €32.50.", Wrong: "deposit")),
            (Locale: "nl-NL", Width: 375, Date: "2027-03-16", Email: "vera-nl@example.com", Texts: (
                Price: "€ 112,50", Now: "€ 80,00", Later: "€ 32,50", NowLabel: "Nu te betalen", LaterLabel: "Te betalen bij de afspraak",
                Policy: new[] { "100 % terug als je minstens 48 uur voor het begin annuleert.", "50 % terug als je minstens 24 uur voor het begin annuleert.",
                    "Niets terug als je minder dan 24 uur voor het begin annuleert.", "Wat je terugkrijgt, wordt berekend over de € 80,00 die je online betaalt." },
                Paid: "Online betaald: € 80,00. Nog te betalen bij de afspraak: € 32,50.", Wrong: "aanbetaling")),
        };
        foreach (var (locale, width, date, email, texts) in runs)
        {
            var page = await app.NewPageAsync(locale: locale, width: width);
            await page.GotoAsync("/book/paynow?service=massage");
            await page.ClickAsync("#visit a.choice:has-text('Manicure')");
            await Expect(page.Locator("#visit a.choice[aria-current=true]")).ToContainTextAsync("Manicure");
            await page.GotoAsync(page.Url + "&date=" + date);
            await page.ClickAsync("a.time:has-text('10:00')");
            await page.FillAsync("#name", "Vera Visit");
            await page.FillAsync("#email", email);
            await page.ClickAsync("#continue");
            await Expect(page.Locator("#step-review")).ToBeVisibleAsync();
            await Expect(page.Locator("main dl").First).ToContainTextAsync("Massage + Manicure");
            // Worked out by hand: the massage (80.00, paid online in full) and the manicure (32.50, paid at the salon).
            await Expect(page.Locator("#price")).ToHaveTextAsync(texts.Price);
            await Expect(page.Locator("#due-now")).ToHaveTextAsync(texts.Now);
            await Expect(page.Locator("dt:has(+ #due-now)")).ToHaveTextAsync(texts.NowLabel);
            await Expect(page.Locator("#due-later")).ToHaveTextAsync(texts.Later);
            await Expect(page.Locator("dt:has(+ #due-later)")).ToHaveTextAsync(texts.LaterLabel);
            // Only the massage is paid online, so its policy is the visit's; no part is a deposit.
            foreach (var line in texts.Policy)
            {
                await Expect(page.Locator("#cancellation-policy")).ToContainTextAsync(line);
            }
            await Expect(page.Locator("#step-review")).Not.ToContainTextAsync(texts.Wrong, new() { IgnoreCase = true });
            await FitsAsync(page);
            await Axe.AssertAccessibleAsync(page, $"visit pay review {locale} {width}");
            await app.ScreenshotAsync(page, $"pay-8-visit-review-{locale}-{width}");

            await page.ClickAsync("#confirm");
            // Stripe Checkout (the stand-in's page) asks for the online part only.
            await Expect(page.Locator("h1")).ToHaveTextAsync("Pay EUR 80.00");
            Assert.StartsWith(app.Stripe.BaseUrl, page.Url, StringComparison.Ordinal);
            await page.ClickAsync("#pay");

            // Back on the booking's own page: the massage is paid, the manicure still to pay at the salon.
            await Expect(page.Locator("#payment-state")).ToHaveTextAsync(texts.Paid);
            await Expect(page.Locator("#payment")).Not.ToContainTextAsync(texts.Wrong, new() { IgnoreCase = true });
            Assert.Contains("/booking/", page.Url, StringComparison.Ordinal);
            await FitsAsync(page);
            await Axe.AssertAccessibleAsync(page, $"visit paid {locale} {width}");
            await app.ScreenshotAsync(page, $"pay-9-visit-paid-{locale}-{width}");
        }
    }

    /// <summary>Nothing on the page is wider than the window (no sideways scrolling at 375 px).</summary>
    private static async Task FitsAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than the window at {page.Url}");
    }
    /// <summary>
    /// A deposit paid through Checkout, then the client cancels: the admin's invoice list and the invoice itself say it is
    /// settled (the deposit paid, the rest no longer owed, nothing due), fit a phone and pass axe; screenshots at 375 and 1280 px.
    /// </summary>
    [Fact]
    public async Task DepositPaid_ThenCancelled_TheAdminShowsTheInvoiceSettled_OnAPhoneAndADesk()
    {
        app.Stripe.WebhookUrl = $"{app.BaseUrl}/api/v1/payments/stripe/webhook";
        app.Stripe.SignClock = () => app.Clock.GetCurrentInstant();
        var admin = await app.SignUpAsync("settle", "olga@settle.test");
        await admin.GotoAsync(app.At("settle", "/admin/setup/json"));
        await admin.FillAsync("#json", """
            { "pages": [{ "slug": "spa", "name": "Settle Spa", "timeZone": "Europe/Amsterdam",
              "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
              "services": [
                { "key": "facial", "name": "Facial", "durationMinutes": 60, "slotIntervalMinutes": 60, "requiresStaff": false,
                  "price": { "amount": 100, "currency": "EUR" }, "payment": "deposit", "deposit": { "amount": 25, "currency": "EUR" } } ] }] }
            """);
        await admin.ClickAsync("main button:has-text('Save')");
        await Expect(admin.Locator(".notice.ok")).ToContainTextAsync("Saved");

        var client = await app.NewPageAsync();
        await client.GotoAsync(app.At("settle", "/book/spa?service=facial&date=2027-03-05"));
        await client.ClickAsync("a.time:has-text('11:00')");
        await client.FillAsync("#name", "Sita Settle");
        await client.FillAsync("#email", "sita@example.com");
        await client.ClickAsync("#continue");
        await client.ClickAsync("#confirm");
        await Expect(client.Locator("h1")).ToHaveTextAsync("Pay EUR 25.00");
        await client.ClickAsync("#pay");
        await Expect(client.Locator("#payment-state")).ToContainTextAsync("25.00");
        await client.ClickAsync("#cancel");
        await client.ClickAsync("#cancel-yes");
        await Expect(client.Locator("#status")).ToHaveTextAsync("Cancelled");

        await admin.GotoAsync(app.At("settle", "/admin/invoices"));
        var row = admin.Locator("tr:has-text('Sita Settle')");
        await Expect(row.Locator(".status")).ToHaveTextAsync("Settled (cancelled)");
        await FitsAsync(admin, "settled-invoice-list", 1280);
        await app.ScreenshotAsync(admin, "settled-1-list-1280");
        await admin.SetViewportSizeAsync(375, 800);
        await FitsAsync(admin, "settled-invoice-list", 375);
        // Stacked on a phone, the bare amounts and dates say what they are.
        await Expect(row.Locator("td[data-label='Paid']")).ToHaveTextAsync("EUR 25.00");
        await Expect(row.Locator("td[data-label='Due date']")).ToHaveTextAsync("2027-03-02");
        await app.ScreenshotAsync(admin, "settled-2-list-375");
        await row.Locator("a[href^='/admin/invoices/']").First.ClickAsync();
        await Expect(admin.Locator("h1 .status")).ToHaveTextAsync("Settled (cancelled)");
        await Expect(admin.Locator("#settled")).ToContainTextAsync("75.00");
        // The rest no longer owed is cancelled by a credit note of its own, listed with its PDF beside the refund's.
        var writeOff = admin.Locator("#credit-notes li:has-text('Booking cancelled, not owed')");
        await Expect(writeOff).ToContainTextAsync("EUR -75.00");
        var pdf = await writeOff.Locator("a").GetAttributeAsync("href");
        Assert.Equal("application/pdf", await admin.EvaluateAsync<string>("async url => (await fetch(url)).headers.get('content-type')", pdf));
        await FitsAsync(admin, "settled-invoice", 375);
        await app.ScreenshotAsync(admin, "settled-3-invoice-375");
        await admin.SetViewportSizeAsync(1280, 900);
        await FitsAsync(admin, "settled-invoice", 1280);
        await app.ScreenshotAsync(admin, "settled-4-invoice-1280");
        // Nothing is asked any more: no form to record a payment on a settled invoice.
        await Expect(admin.Locator("#p-amount")).ToHaveCountAsync(0);
    }

    private static async Task FitsAsync(IPage page, string step, int width)
    {
        await FitsAsync(page);
        await Axe.AssertAccessibleAsync(page, $"{step} at {width}");
    }
}
