using Bookwell.Tests.Calendars;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>The browser app with a CalDAV calendar on loopback (which this app may reach), so a staff member's connection can be made by its form.</summary>
public sealed class SweepBrowserApp : BrowserApp
{
    public CalDavStandIn CalDav { get; } = CalDavStandIn.StartAsync().GetAwaiter().GetResult();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Bookwell:Calendars:AllowPrivateAddresses", "true");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await CalDav.DisposeAsync();
    }
}

/// <summary>
/// Every page of the admin, as its owner sees it with some data in it: answered without an error, free of serious
/// axe findings, no wider than a 375 px phone, and in Dutch for a Dutch browser. Screenshots at 1280 and 375 px
/// land in the screenshots folder for a person to look at.
/// </summary>
public sealed class AdminSweepTests(SweepBrowserApp app) : IClassFixture<SweepBrowserApp>
{
    private const string Config = """
        { "pages": [{ "slug": "sweep", "name": "Sweep Studio", "timeZone": "Europe/Amsterdam",
          "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]] },
          "settings": { "waitlist": true, "cancellationPolicy": { "refunds": [ { "hoursBefore": 24, "percent": 100 } ] } },
          "services": [
            { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 30, "currency": "EUR" }, "payment": "invoice" },
            { "key": "photo", "name": "Class photo", "durationMinutes": 15, "price": { "amount": 20, "currency": "EUR" } } ],
          "staff": [ { "key": "ann", "name": "Ann", "services": ["cut", "photo"] } ],
          "organizations": [ { "key": "school", "name": "North School", "services": ["photo"], "from": null, "to": null, "exclusive": true,
            "timeSlots": [ { "date": "2027-03-03", "hours": [["09:00","12:00"]], "services": ["photo"] } ] } ] }] }
        """;

    /// <summary>Pages that need an id are reached by following a link from their list.</summary>
    private static readonly string[] Paths =
    [
        "/admin", "/admin/calendar?date=2027-03-02", "/admin/calendar?view=week&date=2027-03-02", "/admin/bookings",
        "/admin/bookings/new", "/admin/customers", "/admin/invoices", "/admin/payments", "/admin/waitlist?date=2027-03-02",
        "/admin/organizations", "/admin/organizations?page=sweep&org=school", "/admin/sync", "/admin/connect", "/admin/messages", "/admin/team", "/admin/api-keys",
        "/admin/staff-app", "/admin/account", "/admin/setup", "/admin/setup/json", "/admin/setup/p/sweep/services/cut",
        "/admin/setup/p/sweep/invoicing",
        "/admin/insights", "/admin/insights?from=2027-03-01&to=2027-03-31", "/admin/webhooks",
        "/admin/till", "/admin/payments/fees", "/admin/checkout?site=sweep",
        "/admin/mailings", "/admin/mailings?page=sweep&org=school",
        "/admin/audit", "/admin/customers/import",
    ];

    /// <summary>Signs up, saves the configuration, makes a booking; the pages to visit (lists and the details behind them).</summary>
    internal static async Task<(IPage Page, List<string> Paths)> PrepareAsync(BrowserApp app, List<string> refused)
    {
        ArgumentNullException.ThrowIfNull(app);
        var page = await app.SignUpAsync("sweep", "olga@sweep.test");
        Watch(page, refused);
        await page.GotoAsync(app.At("sweep", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");
        await page.GotoAsync(app.At("sweep", "/admin/bookings/new?site=sweep&service=cut&staff=ann&date=2027-03-02&time=10:00"));
        await page.FillAsync("#Email", "cora@example.com");
        await page.FillAsync("#Name", "Cora Client");
        await page.ClickAsync("main form button:has-text('Create booking')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Booking created");

        // The detail pages behind the lists: a booking, its customer, its invoice.
        var paths = Paths.ToList();
        foreach (var (list, link) in new[] { ("/admin/bookings", "tr:has-text('Cora') a[href^='/admin/bookings/']"), ("/admin/customers", "table a[href^='/admin/customers/']"), ("/admin/invoices", "table a[href^='/admin/invoices/']") })
        {
            await page.GotoAsync(app.At("sweep", list));
            var href = await page.Locator(link).First.GetAttributeAsync("href");
            Assert.False(string.IsNullOrEmpty(href), $"{list} links to its first item");
            paths.Add(href!);
        }
        // Issue 15: the booking's work order, set from its page; the sweep then checks the page with the link on it.
        await page.GotoAsync(app.At("sweep", paths.Single(p => p.StartsWith("/admin/bookings/", StringComparison.Ordinal) && !p.EndsWith("/new", StringComparison.Ordinal) && p.Length > 30)));
        await page.FillAsync("#wo-reference", "WO-2027-0412");
        await page.FillAsync("#wo-url", "https://erp.example.com/orders/412");
        await page.ClickAsync("#wo-save");
        await Expect(page.Locator("#work-order a")).ToHaveTextAsync("WO-2027-0412");
        await Expect(page.Locator("#work-order a")).ToHaveAttributeAsync("href", "https://erp.example.com/orders/412");

        // The customer's erase step, behind the Privacy section of the customer page (nothing is erased by opening it).
        var customer = paths.Single(p => p.StartsWith("/admin/customers/", StringComparison.Ordinal) && !p.Contains("import", StringComparison.Ordinal));
        await page.GotoAsync(app.At("sweep", customer));
        // Downloading the client's data puts a row in the client data log, so /admin/audit shows its table.
        Assert.Equal(200, await page.EvaluateAsync<int>("async url => (await fetch(url)).status", customer + "?handler=Export"));
        var erase = await page.Locator("#privacy a[href$='/erase']").GetAttributeAsync("href");
        Assert.False(string.IsNullOrEmpty(erase), "the customer page links to its erase step");
        paths.Add(erase!);

        return (page, paths);
    }

    /// <summary>The policy allows no inline style: Chromium says so on the console when a page still has one.</summary>
    internal static void Watch(IPage p, List<string> refused) => p.Console += (_, m) =>
    {
        if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal))
        {
            lock (refused)
            {
                refused.Add($"{p.Url}: {m.Text}");
            }
        }
    };

    /// <summary>Half of the pages (the even places of the list; the other half runs beside it in its own class, on its own app).</summary>
    [Fact]
    public async Task EveryAdminPage_AnswersIsAccessibleAndFitsAPhone() => await SweepAsync(app, 0);

    /// <summary>
    /// One half of the pages (<paramref name="half"/> 0 or 1: the even or the odd places of the list), at 1280 and 375 px.
    /// Split in two because one sweep of every page took five minutes on a slow machine (and outlived a sign-in check).
    /// </summary>
    internal static async Task SweepAsync(BrowserApp app, int half)
    {
        var refused = new List<string>();
        var (page, all) = await PrepareAsync(app, refused);
        var paths = all.Where((_, i) => i % 2 == half).ToList();
        Assert.NotEmpty(paths);
        foreach (var path in paths)
        {
            var name = "sweep" + path.Replace('/', '-').Replace('?', '-').Replace('&', '-').Replace('=', '-');
            await page.SetViewportSizeAsync(1280, 900);
            var response = await page.GotoAsync(app.At("sweep", path));
            Assert.True(response is { Status: < 400 } && page.Url.Contains(path.Split('?')[0], StringComparison.Ordinal), $"{path} answered {response?.Status} at {page.Url}");
            Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
            await Axe.AssertAccessibleAsync(page, path);
            await app.ScreenshotAsync(page, name + "-1280");

            await page.SetViewportSizeAsync(375, 800);
            var narrow = await page.GotoAsync(app.At("sweep", path));
            Assert.True(narrow is { Status: < 400 } && page.Url.Contains(path.Split('?')[0], StringComparison.Ordinal), $"{path} at 375 answered {narrow?.Status} at {page.Url}");
            var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 375, $"{path} is {width} px wide at 375");
            await app.ScreenshotAsync(page, name + "-375");
        }

        Assert.Empty(refused);
    }

    /// <summary>The rarer links sit in two menus: they open from the keyboard, close on Escape, and mark where you are.</summary>
    [Fact]
    public async Task TheAdminMenus_OpenFromTheKeyboard_CloseOnEscape_AndMarkWhereYouAre()
    {
        var refused = new List<string>();
        var page = await app.SignUpAsync("menus", "olga@menus.test");
        Watch(page, refused);
        await page.SetViewportSizeAsync(375, 800);
        var response = await page.GotoAsync(app.At("menus", "/admin"));
        // Said plainly when the dashboard is not what answered (a sign-in page, another language), instead of a locator timing out.
        Assert.True(response is { Status: 200 }, $"/admin answered {response?.Status} at {page.Url}");
        Assert.EndsWith("/admin", page.Url, StringComparison.Ordinal);
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        await page.FocusAsync("li.menu summary:has-text('Settings')");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("li.menu details[open] a:has-text('Team')")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, "settings menu open");
        await app.ScreenshotAsync(page, "sweep-menu-open-375");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("li.menu details[open]")).ToHaveCountAsync(0);
        await page.ClickAsync("li.menu summary:has-text('Settings')");
        await page.ClickAsync("li.menu a:has-text('Team')");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/team$"));
        await Expect(page.Locator("li.menu summary.here")).ToHaveTextAsync("Settings");

        Assert.Empty(refused);
    }

    /// <summary>
    /// Issue 16's switch on a staff member's calendar connection (what a booking event deleted in the calendar does): made on at
    /// connecting, shown as the connection's state, switched off from the keyboard and saved; labelled and described, free of
    /// serious axe findings and no wider than the viewport at 1280 and 375 px, and in Dutch.
    /// </summary>
    [Fact]
    public async Task TheCalendarConnectionsDeletedEventSwitch_IsAccessibleAt1280And375_AndSavesFromTheKeyboard()
    {
        var refused = new List<string>();
        var page = await app.SignUpAsync("caldav", "olga@caldav.test");
        Watch(page, refused);
        await page.GotoAsync(app.At("caldav", "/admin/setup/json"));
        await page.FillAsync("#json", Config);
        await page.ClickAsync("main button:has-text('Save')");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Saved");

        // Ann's calendar connected by its form, with the switch on from the start.
        await page.GotoAsync(app.At("caldav", "/admin/sync"));
        await Axe.AssertAccessibleAsync(page, "sync, the connection form");
        await page.FillAsync("#url-ann", app.CalDav.Url("/ann/work/"));
        await page.FillAsync("#user-ann", CalDavStandIn.User);
        await page.FillAsync("#password-ann", CalDavStandIn.Password);
        var onConnect = page.GetByRole(AriaRole.Checkbox, new() { Name = "Cancel the booking (the client is told, the time is freed)" }).First;
        await Expect(onConnect).ToHaveAttributeAsync("aria-describedby", "new-cancel-on-delete-hint-ann");
        await onConnect.CheckAsync();
        await page.ClickAsync("#caldav-ann button[type=submit]");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("The calendar of Ann is connected.");
        await Expect(page.Locator("#when-deleted-ann")).ToHaveTextAsync("Deleted events cancel their booking.");
        var toggle = page.GetByRole(AriaRole.Checkbox, new() { Name = "Cancel the booking (the client is told, the time is freed)" });
        await Expect(toggle).ToHaveCountAsync(1);
        await Expect(toggle).ToBeCheckedAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-describedby", "cancel-on-delete-hint-ann");

        foreach (var width in new[] { 1280, 375 })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.GotoAsync(app.At("caldav", "/admin/sync"));
            await Axe.AssertAccessibleAsync(page, $"sync with a connection at {width} px");
            var scroll = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(scroll <= width, $"/admin/sync is {scroll} px wide at {width}");
            await app.ScreenshotAsync(page, $"sync-deleted-events-{width}");
        }

        // At 375 px, from the keyboard: the box takes Space, the next stop is its Save button.
        await toggle.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(toggle).Not.ToBeCheckedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("form[action$='handler=DeletedEvents'] button[type=submit]")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("The setting for the calendar of Ann is saved.");
        await Expect(page.Locator("#when-deleted-ann")).ToHaveTextAsync("Deleted events are put back.");
        await Expect(toggle).Not.ToBeCheckedAsync();
        await Axe.AssertAccessibleAsync(page, "sync after saving the switch");

        await page.GotoAsync(app.At("caldav", "/admin/sync?lang=nl"));
        await Expect(page.Locator("label[for='cancel-on-delete-ann']")).ToHaveTextAsync("De boeking annuleren (de klant krijgt bericht, de tijd komt vrij)");
        await Expect(page.Locator("#when-deleted-ann")).ToHaveTextAsync("Verwijderde afspraken worden teruggezet.");
        await Axe.AssertAccessibleAsync(page, "sync in Dutch");
        await app.ScreenshotAsync(page, "sync-deleted-events-375-nl");

        Assert.Empty(refused);
    }
}

/// <summary>The other half of <see cref="AdminSweepTests"/>' English sweep, in its own class so it runs beside the first.</summary>
public sealed class AdminSweepSecondHalfTests(SweepBrowserApp app) : IClassFixture<SweepBrowserApp>
{
    [Fact]
    public async Task EveryOtherAdminPage_AnswersIsAccessibleAndFitsAPhone() => await AdminSweepTests.SweepAsync(app, 1);
}

/// <summary>The same admin pages for a Dutch browser (its own class, so it runs beside the English sweep); half of them, the other half in <see cref="AdminSweepDutchSecondHalfTests"/>.</summary>
public sealed class AdminSweepDutchTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task EveryAdminPage_SpeaksDutch_AndStaysAccessible() => await DutchSweepAsync(app, 0);

    /// <summary>One half of the pages (the even or the odd places of the list) for a Dutch browser: Dutch, and still accessible (labels and names are translated text too).</summary>
    internal static async Task DutchSweepAsync(BrowserApp app, int half)
    {
        var refused = new List<string>();
        var (page, all) = await AdminSweepTests.PrepareAsync(app, refused);
        var paths = all.Where((_, i) => i % 2 == half).ToList();
        Assert.NotEmpty(paths);
        var cookies = await page.Context.CookiesAsync();
        var dutch = await app.NewPageAsync(locale: "nl-NL");
        AdminSweepTests.Watch(dutch, refused);
        await dutch.Context.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        foreach (var path in paths)
        {
            var response = await dutch.GotoAsync(app.At("sweep", path));
            Assert.True(response is { Status: < 400 } && dutch.Url.Contains(path.Split('?')[0], StringComparison.Ordinal), $"{path} (nl) answered {response?.Status} at {dutch.Url}");
            Assert.Equal("nl", await dutch.GetAttributeAsync("html", "lang"));
            await Axe.AssertAccessibleAsync(dutch, path + " (nl)");
        }
        Assert.Empty(refused);
    }
}

/// <summary>The other half of the Dutch sweep, in its own class so it runs beside the first.</summary>
public sealed class AdminSweepDutchSecondHalfTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task EveryOtherAdminPage_SpeaksDutch_AndStaysAccessible() => await AdminSweepDutchTests.DutchSweepAsync(app, 1);
}
