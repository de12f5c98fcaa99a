using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NodaTime;
using NodaTime.Testing;
using static Microsoft.Playwright.Assertions;

namespace Bookwell.BrowserTests;

/// <summary>
/// Bookwell on a real loopback port (so Chromium can reach it) with a fresh SQLite file and a fixed clock,
/// plus one headless Debian Chromium.
/// </summary>
public class BrowserApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = "browser-admin-key-0123456789";

    /// <summary>Monday 1 March 2027, 08:00 in Amsterdam.</summary>
    public FakeClock Clock { get; } = new(Instant.FromUtc(2027, 3, 1, 7, 0));

    private readonly string _db = Path.Combine(Path.GetTempPath(), $"bookwell-browser-{Guid.NewGuid():N}.db");
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public BrowserApp() => UseKestrel(0);

    /// <summary>0 turns the limit off; a subclass sets one to test the limited path.</summary>
    protected virtual int BookingsPerMinute => 0;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Bookwell", $"Data Source={_db}");
        builder.UseSetting("Bookwell:SeedDemo", "false");
        builder.UseSetting("Bookwell:BootstrapApiKey", AdminKey);
        builder.UseSetting("Bookwell:RateLimits:SlotsPerMinute", "0");
        builder.UseSetting("Bookwell:RateLimits:BookingsPerMinute", BookingsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.ConfigureServices(s => s.AddSingleton<NodaTime.IClock>(Clock));
    }

    public async Task InitializeAsync()
    {
        // Playwright's checks wait 5 s by default; a page that writes a booking and queues its mail can take longer than that
        // on two cores shared with the other suite. A check that is wrong still fails, only later.
        Assertions.SetDefaultExpectTimeout(15_000);
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var response = await http.PutAsync("/api/v1/admin/config", new StringContent(Config, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>
    /// Debian's headless shell (the old headless mode as its own program) where it is installed: the full browser's new
    /// headless mode starts the browser's own UI renderer and services too, and took about twice the CPU per run.
    /// BOOKWELL_CHROMIUM names another build.
    /// </summary>
    public static string ChromiumPath { get; } = Environment.GetEnvironmentVariable("BOOKWELL_CHROMIUM") is { Length: > 0 } named ? named
        : File.Exists("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium";

    public string Port => new Uri(BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An address on a business's own host (the pages' base URL is the default tenant's).</summary>
    public string At(string sub, string path) => $"http://{sub}.localhost:{Port}{path}";

    public async Task<IPage> NewPageAsync(string timeZone = "Europe/Amsterdam", string locale = "en-GB", int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            TimezoneId = timeZone,
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            BaseURL = BaseUrl,
        });
        return await context.NewPageAsync();
    }

    /// <summary>A new business signed up in the browser (its address confirmed from the mail), its owner signed in on the business's own host.</summary>
    public async Task<IPage> SignUpAsync(string sub, string email)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/signup");
        await Axe.AssertAccessibleAsync(page, "sign-up");
        await page.FillAsync("#BusinessName", "Studio " + sub);
        await page.FillAsync("#Subdomain", sub);
        await page.FillAsync("#Name", "Olga Owner");
        await page.FillAsync("#Email", email);
        await page.FillAsync("#Password", "a long enough password");
        await page.ClickAsync("main button[type=submit]");
        // The same answer as for an address that has an account already: check your mail.
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("Check your e-mail");
        string link;
        using (var scope = Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Bookwell.Data.BookwellDb>();
            var body = db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.AccountVerify && m.To == email).Select(m => m.TextBody).Single()!;
            link = System.Text.RegularExpressions.Regex.Match(body, @"(http://\S+/admin/verify\?\S+)").Groups[1].Value;
        }
        await page.GotoAsync(link);
        await Expect(page.Locator(".notice.ok")).ToContainTextAsync("confirmed");
        await page.GotoAsync(At(sub, "/admin/login"));
        await page.FillAsync("#Email", email);
        await page.FillAsync("#Password", "a long enough password");
        await page.ClickAsync("main button[type=submit]");
        await Expect(page).ToHaveURLAsync($"http://{sub}.localhost:{Port}/admin");
        return page;
    }

    public async Task ScreenshotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, name + ".png"), FullPage = true });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
        await DisposeAsync();
    }

    public const string Config = """
    {
      "pages": [{
        "slug": "salon", "name": "Test Salon", "description": "Cuts in the centre", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Main street 1" },
        "branding": { "theme": "emerald", "heroTitle": "Book your visit", "confirmationMessage": "See you soon!" },
        "settings": { "horizonDays": 14, "slotIntervalMinutes": 30, "minNoticeMinutes": 60,
                      "allowedDays": ["mon","tue","wed","thu","fri","sat"], "termsRequired": true, "termsText": "No-shows pay half." },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
                      "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
        "services": [
          { "key": "haircut", "name": "Haircut", "description": "Wash, cut and style", "durationMinutes": 30,
            "price": { "amount": 25, "currency": "EUR" }, "resourceTypes": ["chair"],
            "fields": [ { "key": "hairLength", "label": "Hair length", "type": "choice", "options": ["short","medium","long"], "required": true },
                        { "key": "allergies", "label": "Allergies", "type": "text" },
                        { "key": "photo", "label": "Photo of your hair", "type": "file" } ] },
          { "key": "consult", "name": "Consultation", "durationMinutes": 60, "price": { "amount": 0, "currency": "EUR" }, "slotIntervalMinutes": 60 }
        ],
        "staff": [
          { "key": "anna", "name": "Anna", "services": ["haircut","consult"] },
          { "key": "bob", "name": "Bob", "services": ["haircut"] }
        ],
        "resources": [ { "key": "chair-1", "type": "chair", "name": "Chair 1" } ]
      },
      {
        "slug": "twoplaces", "name": "Two Places", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Terminal 2, Door 3" },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
        "branches": [ { "key": "north", "name": "North", "address": "North road 1", "city": "Utrecht" },
                      { "key": "south", "name": "South", "address": "South road 9", "city": "Utrecht" } ],
        "services": [ { "key": "trim", "name": "Beard trim", "durationMinutes": 30 } ],
        "staff": [ { "key": "noor", "name": "Noor", "services": ["trim"], "branch": "north" },
                   { "key": "nils", "name": "Nils", "services": ["trim"], "branch": "north" },
                   { "key": "sam", "name": "Sam", "services": ["trim"], "branch": "south" } ]
      },
      {
        "slug": "optin", "name": "Opt-in Studio", "timeZone": "Europe/Amsterdam",
        "settings": { "doubleOptInHours": 2 },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]] },
        "services": [ { "key": "lesson", "name": "Lesson", "durationMinutes": 60, "requiresStaff": false } ]
      },
      {
        "slug": "mobile", "name": "Mobile Mechanic", "timeZone": "Europe/Amsterdam",
        "location": { "mode": "mobile" }, "branding": { "theme": "amber" },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]] },
        "services": [ { "key": "tyres", "name": "Tyre change", "durationMinutes": 60, "slotIntervalMinutes": 60, "requiresStaff": false } ]
      },
      {
        "slug": "video", "name": "Video Advice", "timeZone": "Europe/London",
        "location": { "mode": "virtual", "meetingUrl": "https://meet.example.com/advice" }, "branding": { "theme": "violet" },
        "schedule": { "thu": [["10:00","12:00"]] },
        "exceptions": [ { "date": "2027-03-04", "closed": true }, { "date": "2027-03-11", "closed": true },
                        { "date": "2027-03-18", "closed": true }, { "date": "2027-03-25", "closed": true } ],
        "services": [ { "key": "call", "name": "Advice call", "durationMinutes": 30, "requiresStaff": false } ]
      }]
    }
    """;
}
