using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Waitlist;

/// <summary>
/// Issue 15's waitlist leftovers over HTTP on both databases, one app per class (each test on its own day): the PIN staff
/// dashboard's "View waitlist" with its one-click offer, the optional "offer expired" mail (fake clock), and an operator's
/// earlier end whose freed remainder goes to the waitlist.
/// </summary>
public abstract class WaitlistBreadthTests(WaitlistBreadthTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public SmtpSink Smtp { get; private set; } = null!;

        /// <summary>The owner's dashboard session.</summary>
        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            // Mail is set up so the outbox plans client mails; the tests read what was planned.
            Smtp = SmtpSink.Start();
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            });
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Configure())).StatusCode);
            Owner = WebSession.For(App);
            await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"), ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey));
            foreach (var (staff, pin) in new[] { ("anna", "2468"), ("bob", "1357") })
            {
                var saved = await Owner.PostFormAsync($"/admin/setup/p/salon/staff/{staff}?handler=Pin", [KeyValuePair.Create("pin", pin)], $"/admin/setup/p/salon/staff/{staff}");
                Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            }
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Smtp.Dispose();
        }
    }

    private BookwellApp App => shared.App;

    /// <summary>Days of March 2027 each test has to itself; each opens 09:00–11:00 only.</summary>
    private const string StaffDay = "2027-03-02";
    private const string ExpiredOn = "2027-03-04";
    private const string ExpiredOff = "2027-03-05";
    private const string ShortenDay = "2027-03-08";
    private const string MessagesDay = "2027-03-09";
    private const string DuplicateDay = "2027-03-15";
    private const string RaceDay = "2027-03-16";

    /// <summary>The test page with its waitlist on (offers held 30 minutes) and a 15-minute service Anna gives.</summary>
    private static JsonObject Configure(string mode = "automatic", bool expiredMail = false) => Config().Also(c =>
    {
        var page = c["pages"]![0]!.AsObject();
        page["settings"]!["waitlist"] = true;
        page["settings"]!["waitlistHoldMinutes"] = 30;
        page["settings"]!["waitlistMode"] = mode;
        if (expiredMail)
        {
            page["settings"]!["waitlistExpiredMail"] = true;
        }
        foreach (var day in new[] { StaffDay, ExpiredOn, ExpiredOff, ShortenDay, MessagesDay, DuplicateDay, RaceDay })
        {
            page["exceptions"]!.AsArray().Add(new JsonObject { ["date"] = day, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")) });
        }
        page["services"]!.AsArray().Add(new JsonObject
        {
            ["key"] = "quick",
            ["name"] = "Quick question",
            ["durationMinutes"] = 15,
            ["price"] = new JsonObject { ["amount"] = 0, ["currency"] = "EUR" },
            ["payment"] = "none",
            ["requiresStaff"] = true,
            ["slotIntervalMinutes"] = 15,
            ["resourceTypes"] = new JsonArray(),
        });
        page["staff"]![0]!["services"]!.AsArray().Add("quick");
    });

    private static JsonObject Join(string day, string name, string email, string service = "consult", string? staff = null) => new()
    {
        ["service"] = service,
        ["staff"] = staff,
        ["date"] = day,
        ["from"] = null,
        ["to"] = null,
        ["customer"] = new JsonObject { ["name"] = name, ["email"] = email, ["phone"] = "+31600000001" },
    };

    private async Task<string> JoinAsync(JsonObject body, string? language = null)
    {
        var client = App.CreateClient();
        if (language is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        }
        var response = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["manageToken"]!.GetValue<string>();
    }

    private WaitlistEntry Entry(string email) => App.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == email));

    /// <summary>Books both consultations of a day with Anna (the only one who gives them); returns their ids and the 10:00 one's manage token.</summary>
    private async Task<(Guid Nine, Guid Ten, string TenToken)> FillAsync(string day)
    {
        var client = App.CreateClient();
        var nine = await Book(client, Booking($"{day}T09:00:00+01:00", "consult", $"nine-{day}@example.com"));
        Assert.Equal(HttpStatusCode.Created, nine.StatusCode);
        var ten = await Book(client, Booking($"{day}T10:00:00+01:00", "consult", $"ten-{day}@example.com"));
        Assert.Equal(HttpStatusCode.Created, ten.StatusCode);
        var tenBody = await Body(ten);
        return (Guid.Parse((await Body(nine))["id"]!.GetValue<string>()), Guid.Parse(tenBody["id"]!.GetValue<string>()), tenBody["manageToken"]!.GetValue<string>());
    }

    private async Task<WebSession> PinAsync(string staff, string pin, string? language = null)
    {
        var session = WebSession.For(App);
        if (language is not null)
        {
            session.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        }
        var signedIn = await session.PostFormAsync("/staff/login", ("Staff", staff), ("Pin", pin));
        Assert.Equal("/staff", signedIn.Headers.Location?.OriginalString);
        return session;
    }

    /// <summary>The app's own time-rules worker runs beside the test's passes: run passes until the expected state shows.</summary>
    private async Task RunTimeRulesUntilAsync(Func<bool> done)
    {
        var worker = App.Services.GetRequiredService<TimeRulesWorker>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done() && DateTime.UtcNow < deadline)
        {
            if (await worker.RunOnceAsync(CancellationToken.None) == 0)
            {
                await Task.Delay(20);
            }
        }
    }

    private List<OutboxMessage> Mails(MessageKind kind, string to) =>
        App.WithDb(db => db.Outbox.AsNoTracking().Where(m => m.Kind == kind && m.To == to).ToList());

    [Fact]
    public async Task StaffDashboard_ShowsTheirDaysWaitlist_AndOffersWithOneClick_InEnglishAndDutch()
    {
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Configure(mode: "manual"))).StatusCode);
        // Anna gives consultations and haircuts; Bob haircuts only.
        await JoinAsync(Join(StaffDay, "Any Consult", "any-consult@example.com"));
        await JoinAsync(Join(StaffDay, "For Anna", "for-anna@example.com", staff: "anna"));
        await JoinAsync(Join(StaffDay, "For Bob", "for-bob@example.com", service: "haircut", staff: "bob"));

        var anna = await PinAsync("anna", "2468");
        var home = WebSession.TextAsync(await anna.Client.GetAsync("/staff"));
        Assert.Contains("href=\"/staff/waitlist\"", await home, StringComparison.Ordinal);
        var html = WebUtility.HtmlDecode(await anna.GetAsync($"/staff/waitlist?date={StaffDay}"));
        Assert.Contains("Any Consult", html, StringComparison.Ordinal);
        Assert.Contains("For Anna", html, StringComparison.Ordinal);
        Assert.DoesNotContain("For Bob", html, StringComparison.Ordinal);
        Assert.Contains("Send offer", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("Any Consult", StringComparison.Ordinal) < html.IndexOf("For Anna", StringComparison.Ordinal));

        var bob = await PinAsync("bob", "1357");
        var bobs = WebUtility.HtmlDecode(await bob.GetAsync($"/staff/waitlist?date={StaffDay}"));
        Assert.Contains("For Bob", bobs, StringComparison.Ordinal);
        Assert.DoesNotContain("Any Consult", bobs, StringComparison.Ordinal);
        Assert.DoesNotContain("For Anna", bobs, StringComparison.Ordinal);

        // Bob cannot offer what is not his to offer; nothing changes.
        var forAnna = Entry("for-anna@example.com").Key;
        var view = $"/staff/waitlist?date={StaffDay}";
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostFormAsync($"/staff/waitlist?handler=Offer&id={forAnna}", [], view)).StatusCode);
        Assert.Equal(WaitlistStatus.Waiting, Entry("for-anna@example.com").Status);

        // Anna's one click holds the first free time that fits and mails it, as the dashboard's does.
        var offered = await anna.PostFormAsync($"/staff/waitlist?handler=Offer&id={forAnna}", [], view);
        Assert.Equal(HttpStatusCode.Redirect, offered.StatusCode);
        Assert.Equal(view, offered.Headers.Location?.OriginalString);
        var entry = Entry("for-anna@example.com");
        Assert.Equal(WaitlistStatus.Offered, entry.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 2, 8, 0), entry.OfferStart);
        Assert.Equal(WaitlistStatus.Waiting, Entry("any-consult@example.com").Status);
        Assert.Single(Mails(MessageKind.WaitlistOffer, "for-anna@example.com"));
        Assert.Contains("Offer sent", WebUtility.HtmlDecode(await anna.GetAsync(view)), StringComparison.Ordinal);

        // The dashboard cookie is not the staff app's: the owner is sent to the PIN sign-in.
        var owners = await shared.Owner.Client.GetAsync(view);
        Assert.Equal(HttpStatusCode.Redirect, owners.StatusCode);
        Assert.Contains("/staff/login", owners.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var dutch = await PinAsync("anna", "2468", "nl-NL");
        var nl = WebUtility.HtmlDecode(await dutch.GetAsync(view));
        Assert.Contains("Wachtlijst", nl, StringComparison.Ordinal);
        Assert.Contains("Aanbod sturen", nl, StringComparison.Ordinal);
        Assert.Contains("Aangeboden", nl, StringComparison.Ordinal);
        Assert.Contains("Wachtlijst bekijken", WebUtility.HtmlDecode(await dutch.GetAsync("/staff")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OfferRunningOut_MailsTheClient_WhenThePageSaysSo_InTheirLanguage()
    {
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Configure(expiredMail: true))).StatusCode);
        var on = await FillAsync(ExpiredOn);
        var firstToken = await JoinAsync(Join(ExpiredOn, "First In Line", "expire-first@example.com"));
        await JoinAsync(Join(ExpiredOn, "Eerste Twee", "expire-dutch@example.com"), "nl-NL");
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient().PostAsync($"/api/v1/bookings/{on.TenToken}/cancel", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Offered, Entry("expire-first@example.com").Status);
        Assert.Empty(Mails(MessageKind.WaitlistExpired, "expire-first@example.com"));

        App.Clock.Advance(Duration.FromMinutes(31));
        await RunTimeRulesUntilAsync(() => Entry("expire-dutch@example.com").Status == WaitlistStatus.Offered);
        Assert.Equal(WaitlistStatus.Expired, Entry("expire-first@example.com").Status);
        var mail = Assert.Single(Mails(MessageKind.WaitlistExpired, "expire-first@example.com"));
        Assert.StartsWith("The time we held for you has gone: Consultation, Thursday 4 March 2027, 10:00", mail.Subject, StringComparison.Ordinal);
        // As delivered (the outbox drops a body once sent): the client's own link, rendered from the entry at send time.
        MimeKit.MimeMessage? delivered = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (delivered is null && DateTime.UtcNow < deadline)
        {
            delivered = shared.Smtp.Messages().FirstOrDefault(m => m.To.ToString().Contains("expire-first@example.com", StringComparison.Ordinal) &&
                                                                   (m.Subject ?? "").StartsWith("The time we held for you has gone", StringComparison.Ordinal));
            if (delivered is null)
            {
                await Task.Delay(50);
            }
        }
        Assert.NotNull(delivered);
        Assert.Contains("gone to the next person on the waitlist", delivered.TextBody, StringComparison.Ordinal);
        Assert.Contains($"https://book.example.test/waitlist/{firstToken}", delivered.TextBody, StringComparison.Ordinal);

        // The Dutch client's offer runs out too: told in Dutch, once, however often the expiry is seen.
        App.Clock.Advance(Duration.FromMinutes(31));
        await RunTimeRulesUntilAsync(() => Entry("expire-dutch@example.com").Status == WaitlistStatus.Expired && Mails(MessageKind.WaitlistExpired, "expire-dutch@example.com").Count > 0);
        var dutch = Assert.Single(Mails(MessageKind.WaitlistExpired, "expire-dutch@example.com"));
        Assert.StartsWith("De tijd die we voor u vasthielden is vervallen: Consultation, donderdag 4 maart 2027, 10:00", dutch.Subject, StringComparison.Ordinal);
        Assert.Single(Mails(MessageKind.WaitlistExpired, "expire-first@example.com"));

        // Off (the default): the offer runs out without a mail.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Configure())).StatusCode);
        var off = await FillAsync(ExpiredOff);
        await JoinAsync(Join(ExpiredOff, "Quiet One", "expire-quiet@example.com"));
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient().PostAsync($"/api/v1/bookings/{off.TenToken}/cancel", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Offered, Entry("expire-quiet@example.com").Status);
        App.Clock.Advance(Duration.FromMinutes(31));
        await RunTimeRulesUntilAsync(() => Entry("expire-quiet@example.com").Status == WaitlistStatus.Expired);
        Assert.Equal(WaitlistStatus.Expired, Entry("expire-quiet@example.com").Status);
        Assert.Single(Mails(MessageKind.WaitlistOffer, "expire-quiet@example.com"));
        Assert.Empty(Mails(MessageKind.WaitlistExpired, "expire-quiet@example.com"));
        var settings = (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["settings"]!;
        Assert.False(settings["waitlistExpiredMail"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ShorteningABooking_FreesTheRest_ForTheWaitlist_ByApiAndByTheDashboard()
    {
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Configure())).StatusCode);
        var (nine, ten, _) = await FillAsync(ShortenDay);
        await JoinAsync(Join(ShortenDay, "Quick One", "quick-one@example.com", service: "quick"));
        await JoinAsync(Join(ShortenDay, "Quick Two", "quick-two@example.com", service: "quick"));
        var admin = App.Admin();
        async Task<HttpResponseMessage> Shorten(Guid id, string? end) =>
            await admin.PostAsync($"/api/v1/admin/bookings/{id}/shorten", Json(new JsonObject { ["end"] = end }));

        // Field by field: the current end, at the start, before it, not a time at all.
        foreach (var bad in new[] { $"{ShortenDay}T11:00:00+01:00", $"{ShortenDay}T10:00:00+01:00", $"{ShortenDay}T09:30:00+01:00", "half past ten", null })
        {
            var refused = await Shorten(ten, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await Body(refused))["errors"]!.AsObject().ContainsKey("end"), bad);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Shorten(Guid.NewGuid(), $"{ShortenDay}T10:30:00+01:00")).StatusCode);
        Assert.Equal(WaitlistStatus.Waiting, Entry("quick-one@example.com").Status);

        // 10:00–11:00 now ends at 10:30: the freed half hour goes to the first in line at once, held for them alone.
        var shortened = await Shorten(ten, $"{ShortenDay}T10:30:00+01:00");
        Assert.Equal(HttpStatusCode.OK, shortened.StatusCode);
        var body = await Body(shortened);
        Assert.Equal($"{ShortenDay}T10:00:00+01:00", body["start"]!.GetValue<string>());
        Assert.Equal($"{ShortenDay}T10:30:00+01:00", body["end"]!.GetValue<string>());
        Assert.Equal("shortened", body["history"]!.AsArray()[^1]!["action"]!.GetValue<string>());
        var one = Entry("quick-one@example.com");
        Assert.Equal(WaitlistStatus.Offered, one.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 8, 9, 30), one.OfferStart);
        Assert.Equal(WaitlistStatus.Offered, Entry("quick-two@example.com").Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 8, 9, 45), Entry("quick-two@example.com").OfferStart);
        App.WithDb(db =>
        {
            var live = db.Allocations.AsNoTracking().Where(a => a.BookingId == ten && a.Live).ToList();
            Assert.NotEmpty(live);
            Assert.All(live, a => Assert.Equal(Instant.FromUtc(2027, 3, 8, 9, 30), a.EndsAt));
            return 0;
        });
        Assert.Empty(await SlotStarts(App.CreateClient(), "quick", ShortenDay, ShortenDay));

        // From the dashboard, in Dutch: the 09:00 consultation ends at 09:45; nobody else waits, so the quarter is bookable.
        var owner = shared.Owner;
        var page = $"/admin/bookings/{nine}";
        var form = await owner.PostFormAsync($"{page}?handler=Shorten", [KeyValuePair.Create("end", "09:45")], page);
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        var stored = App.WithDb(db => db.Bookings.AsNoTracking().Include(b => b.History).Single(b => b.Id == nine));
        Assert.Equal(Instant.FromUtc(2027, 3, 8, 8, 45), stored.EndsAt);
        Assert.Contains(stored.History, h => h.Action == BookingAction.Shortened && h.By.StartsWith("owner:", StringComparison.Ordinal));
        Assert.Equal([$"{ShortenDay}T09:45:00+01:00"], await SlotStarts(App.CreateClient(), "quick", ShortenDay, ShortenDay));
        Assert.Contains("The booking now ends at", WebUtility.HtmlDecode(await owner.GetAsync(page)), StringComparison.Ordinal);
        // Later again, past the business's longest service (an hour): refused.
        var later = await owner.PostFormAsync($"{page}?handler=Shorten", [KeyValuePair.Create("end", "10:30")], page);
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        Assert.Equal(Instant.FromUtc(2027, 3, 8, 8, 45), App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == nine).EndsAt));

        // A cancelled booking has no time left to change.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{nine}/status", Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
        var closed = await Shorten(nine, $"{ShortenDay}T09:30:00+01:00");
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.EndsWith("invalid-transition", (await Body(closed))["type"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondJoin_BySamePerson_IsRefused409_WithoutTheirLink_OtherStaffOrAfterLeavingIsFine()
    {
        var client = App.CreateClient();
        var first = await JoinAsync(Join(DuplicateDay, "Dee Plicate", "Dee.Plicate@Example.com"));

        // The same person (e-mail trimmed, in any case), the same page, service, "anyone" and date: one live entry.
        var again = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join(DuplicateDay, "Dee", "  dee.plicate@EXAMPLE.com ").Also(j => j["from"] = "09:00")));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        var text = await again.Content.ReadAsStringAsync();
        var problem = JsonNode.Parse(text)!;
        Assert.Equal("https://bookwell.dev/problems/already-waiting", problem["type"]!.GetValue<string>());
        Assert.DoesNotContain(first, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Entry("Dee.Plicate@Example.com").Key.ToString(), text, StringComparison.Ordinal);
        Assert.Null(problem["manageToken"]);
        Assert.Equal(1, App.WithDb(db => db.WaitlistEntries.Count(w => w.Date == DuplicateDay)));

        // In Dutch for a Dutch client, as the other join answers are.
        using var dutch = App.CreateClient();
        dutch.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        var nl = JsonNode.Parse(await (await dutch.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join(DuplicateDay, "Dee", "dee.plicate@example.com")))).Content.ReadAsStringAsync())!;
        Assert.Equal("Al op de wachtlijst", nl["title"]!.GetValue<string>());

        // Waiting for Anna in particular is another entry; so is another day's, and another service's.
        await JoinAsync(Join(DuplicateDay, "Dee", "dee.plicate@example.com", staff: "anna"));
        await JoinAsync(Join(DuplicateDay, "Dee", "dee.plicate@example.com", service: "quick"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join(DuplicateDay, "Dee", "DEE.plicate@example.com", staff: "anna")))).StatusCode);

        // Once the first entry has left the list, the person may join again.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/waitlist/{first}/leave", null)).StatusCode);
        await JoinAsync(Join(DuplicateDay, "Dee", "dee.plicate@example.com"));
        Assert.Equal(4, App.WithDb(db => db.WaitlistEntries.Count(w => w.Date == DuplicateDay)));

        // The join form says so at the e-mail field.
        var visitor = WebSession.For(App);
        var form = await visitor.PostFormAsync($"/book/{Slug}/waitlist?service=consult&date={DuplicateDay}",
            [KeyValuePair.Create("Name", "Dee"), KeyValuePair.Create("Email", "Dee.Plicate@example.com"), KeyValuePair.Create("Pref", "any")]);
        Assert.Equal(HttpStatusCode.Conflict, form.StatusCode);
        Assert.Contains("already on the waitlist for this service and day", await WebSession.TextAsync(form), StringComparison.Ordinal);
        Assert.Equal(4, App.WithDb(db => db.WaitlistEntries.Count(w => w.Date == DuplicateDay)));
    }

    [Fact]
    public async Task TwentyParallelJoins_OfOnePerson_LeaveOneEntry()
    {
        var joins = Enumerable.Range(0, 20).Select(async i =>
        {
            using var client = App.CreateClient();
            // The same address spelled twenty ways: case and surrounding spaces do not make another person.
            var email = (i % 2 == 0 ? "racer@example.com" : "RACER@Example.COM").PadLeft(17 + (i % 3));
            return (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join(RaceDay, "Ray Sir", email)))).StatusCode;
        }).ToList();
        var statuses = await Task.WhenAll(joins);
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(19, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(1, App.WithDb(db => db.WaitlistEntries.Count(w => w.Date == RaceDay)));
        Assert.Single(App.WithDb(db => db.Outbox.AsNoTracking().Where(m => m.Kind == MessageKind.WaitlistJoined && m.To.ToLower().Contains("racer@example.com")).ToList()));
    }

    [Fact]
    public async Task AdminAndStaffWaitlist_SayWhyNothingWasOffered_AndRefuseAnUnreadableDate_InEnglishAndDutch()
    {
        await FillAsync(MessagesDay);
        var token = await JoinAsync(Join(MessagesDay, "No Room", "no-room@example.com", staff: "anna"));
        var entry = Entry("no-room@example.com").Key;
        var view = $"/admin/waitlist?date={MessagesDay}";

        // Nothing free: the redirect lands on a page that says nothing was offered and why.
        var none = await shared.Owner.PostFormAsync($"/admin/waitlist?handler=Offer&id={entry}", [], view);
        Assert.Equal(HttpStatusCode.Redirect, none.StatusCode);
        var page = WebUtility.HtmlDecode(await shared.Owner.GetAsync(none.Headers.Location!.OriginalString));
        Assert.Contains("role=\"alert\">Nothing offered: no free time on this day fits this entry now.", page, StringComparison.Ordinal);
        Assert.Equal(WaitlistStatus.Waiting, Entry("no-room@example.com").Status);

        // An entry that left is not "no free time": the page says it is no longer waiting.
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient().PostAsync($"/api/v1/waitlist/{token}/leave", null)).StatusCode);
        var left = await shared.Owner.PostFormAsync($"/admin/waitlist?handler=Offer&id={entry}", [], view);
        Assert.Equal(HttpStatusCode.Redirect, left.StatusCode);
        Assert.Contains("Nothing offered: this entry is no longer waiting", WebUtility.HtmlDecode(await shared.Owner.GetAsync(left.Headers.Location!.OriginalString)),
            StringComparison.Ordinal);

        // A date that cannot be read is said so at the field, not quietly replaced by today.
        var garbage = await shared.Owner.Client.GetAsync("/admin/waitlist?date=garbage");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        var bad = await WebSession.TextAsync(garbage);
        Assert.Contains("id=\"date-error\">Enter a date as YYYY-MM-DD", bad, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\" aria-describedby=\"date-error\"", bad, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"empty\"", bad, StringComparison.Ordinal);
        var dutchOwner = await shared.Owner.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/waitlist?date=2027-02-30")
        {
            Headers = { AcceptLanguage = { new System.Net.Http.Headers.StringWithQualityHeaderValue("nl-NL") } },
        });
        Assert.Contains("Vul een datum in als JJJJ-MM-DD", await WebSession.TextAsync(dutchOwner), StringComparison.Ordinal);

        // The staff dashboard's waitlist shares the handler: the same answers there, in Dutch too.
        var anna = await PinAsync("anna", "2468", "nl-NL");
        var staffGarbage = await anna.Client.GetAsync("/staff/waitlist?date=2027-13-01");
        Assert.Equal(HttpStatusCode.BadRequest, staffGarbage.StatusCode);
        Assert.Contains("id=\"date-error\">Vul een datum in als JJJJ-MM-DD", await WebSession.TextAsync(staffGarbage), StringComparison.Ordinal);
        var again = await JoinAsync(Join(MessagesDay, "Nog Geen Plek", "nog-geen@example.com", staff: "anna"));
        Assert.False(string.IsNullOrEmpty(again));
        var staffView = $"/staff/waitlist?date={MessagesDay}";
        var staffNone = await anna.PostFormAsync($"/staff/waitlist?handler=Offer&id={Entry("nog-geen@example.com").Key}", [], staffView);
        Assert.Equal(HttpStatusCode.Redirect, staffNone.StatusCode);
        Assert.Contains("role=\"alert\">Niets aangeboden: er is op deze dag nu geen vrije tijd", WebUtility.HtmlDecode(await anna.GetAsync(staffView)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALaterEnd_TakesFreeTime_AndNamesTheBookingInTheWay()
    {
        // Anna's 15-minute "quick" service; the business's longest service is an hour, which bounds how long a booking may run.
        const string day = "2027-03-17";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Configure())).StatusCode);
        var admin = App.Admin();
        async Task<Guid> BookAsync(string time, string email)
        {
            var created = await Book(App.CreateClient(), Booking($"{day}T{time}:00+01:00", "quick", email, "anna"));
            var text = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, text);
            return Guid.Parse(System.Text.Json.Nodes.JsonNode.Parse(text)!["id"]!.GetValue<string>());
        }
        var first = await BookAsync("09:00", "end-first@example.com");
        var second = await BookAsync("09:45", "end-second@example.com");
        async Task<HttpResponseMessage> EndAsync(Guid id, string end) =>
            await admin.PostAsync($"/api/v1/admin/bookings/{id}/end", Json(new JsonObject { ["end"] = $"{day}T{end}:00+01:00" }));
        Task<string[]> Starts() => SlotStarts(App.CreateClient(), "quick", day, day, staff: "anna");
        Assert.Contains($"{day}T09:15:00+01:00", await Starts());

        // 09:00–09:15 runs to 09:30: the quarter from 09:15 is gone for Anna.
        var longer = await EndAsync(first, "09:30");
        Assert.Equal(HttpStatusCode.OK, longer.StatusCode);
        var body = await Body(longer);
        Assert.Equal($"{day}T09:00:00+01:00", body["start"]!.GetValue<string>());
        Assert.Equal($"{day}T09:30:00+01:00", body["end"]!.GetValue<string>());
        Assert.Equal("extended", body["history"]!.AsArray()[^1]!["action"]!.GetValue<string>());
        Assert.DoesNotContain($"{day}T09:15:00+01:00", await Starts());
        Assert.Equal(Instant.FromUtc(2027, 3, 17, 8, 30),
            App.WithDb(db => db.Allocations.AsNoTracking().Single(a => a.BookingId == first && a.Live && a.UnitKey == "staff:anna").EndsAt));

        // Into the 09:45 booking: 409 naming it; nothing changes.
        var clash = await EndAsync(first, "10:00");
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        var problem = await Body(clash);
        Assert.Equal(second.ToString(), problem["conflicts"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.Contains(second.ToString(), problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Instant.FromUtc(2027, 3, 17, 8, 30), App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == first).EndsAt));

        // Longer than the hour (busy reads look back no further): a field error.
        var tooLong = await EndAsync(first, "10:15");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await Body(tooLong))["errors"]!.AsObject().ContainsKey("end"));

        // The old name of the action takes an end either way; back to 09:15, the quarter is free again.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{first}/shorten",
            Json(new JsonObject { ["end"] = $"{day}T09:15:00+01:00" }))).StatusCode);
        Assert.Contains($"{day}T09:15:00+01:00", await Starts());

        // From the dashboard: into the 09:45 booking is refused and names it; up to it is taken.
        var owner = shared.Owner;
        var page = $"/admin/bookings/{first}";
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"{page}?handler=Shorten", [KeyValuePair.Create("end", "10:00")], page)).StatusCode);
        Assert.Contains("The new end overlaps: Quick question, Ada Lovelace, 9:45", WebUtility.HtmlDecode(await owner.GetAsync(page)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"{page}?handler=Shorten", [KeyValuePair.Create("end", "09:45")], page)).StatusCode);
        Assert.Equal(Instant.FromUtc(2027, 3, 17, 8, 45), App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == first).EndsAt));
        Assert.Contains("The booking now ends at 9:45", WebUtility.HtmlDecode(await owner.GetAsync(page)), StringComparison.Ordinal);
    }
}

public sealed class SqliteWaitlistBreadthTests(SqliteWaitlistBreadthTests.Fixture fixture) : WaitlistBreadthTests(fixture), IClassFixture<SqliteWaitlistBreadthTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Sqlite;
    }
}

public sealed class PostgresWaitlistBreadthTests(PostgresWaitlistBreadthTests.Fixture fixture) : WaitlistBreadthTests(fixture), IClassFixture<PostgresWaitlistBreadthTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Postgres;
    }
}
