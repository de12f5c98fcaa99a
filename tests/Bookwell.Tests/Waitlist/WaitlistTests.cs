using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Waitlist;

/// <summary>
/// The waitlist end to end over HTTP, on both databases: freed time goes to the first entry in line and is held
/// for it alone (the database refuses anyone else; /slots hides it), accepting books it once however many
/// accepts race, and an offer that runs out passes to the next in line.
/// </summary>
/// <para>
/// One app per class and database, each test on a business of its own (see <see cref="SharedApp"/>); the mail test
/// starts its own app with a mail server, on the default business.
/// </para>
public abstract class WaitlistTests(SharedApp shared)
{
    private Db Kind => shared.Kind;

    /// <summary>Wednesday 3 March 2027 opens 09:00–11:00 only: the 60-minute consultation has two slots, both booked in each test.</summary>
    private const string Day = "2027-03-03";

    private static JsonObject WaitlistConfig(bool on = true) => Config().Also(c =>
    {
        var page = c["pages"]![0]!.AsObject();
        page["settings"]!["waitlist"] = on;
        page["settings"]!["waitlistHoldMinutes"] = 30;
        page["exceptions"]!.AsArray().Add(new JsonObject { ["date"] = Day, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")) });
    });

    private static JsonObject Join(string email, string? from = null, string? to = null, string service = "consult") => new()
    {
        ["service"] = service,
        ["staff"] = null,
        ["date"] = Day,
        ["from"] = from,
        ["to"] = to,
        ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = email, ["phone"] = "+31600000001" },
    };

    /// <summary>A business of its own on the class's app, with the waitlist on.</summary>
    private async Task<TenantSpace> NewAsync()
    {
        var business = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(business.Admin(), WaitlistConfig())).StatusCode);
        return business;
    }

    /// <summary>Books both consultation slots of the day; returns the 10:00 booking's manage token.</summary>
    private static async Task<string> FillDayAsync(HttpClient client)
    {
        var nine = await Book(client, Booking($"{Day}T09:00:00+01:00", "consult", "nine@example.com"));
        Assert.Equal(HttpStatusCode.Created, nine.StatusCode);
        var ten = await Book(client, Booking($"{Day}T10:00:00+01:00", "consult", "ten@example.com"));
        Assert.Equal(HttpStatusCode.Created, ten.StatusCode);
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
        return (await Body(ten))["manageToken"]!.GetValue<string>();
    }

    private static async Task<string> JoinAsync(HttpClient client, string email, string? from = null, string? to = null)
    {
        var response = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join(email, from, to)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Body(response);
        Assert.Equal("waiting", body["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["id"]!.GetValue<string>()));
        return body["manageToken"]!.GetValue<string>();
    }

    private static WaitlistEntry Entry(TenantSpace app, string email) =>
        app.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == email));

    private static async Task<HttpResponseMessage> Accept(HttpClient client, string token, string start) =>
        await client.PostAsync($"/api/v1/waitlist/{token}/accept", Json(new JsonObject { ["start"] = start }));

    /// <summary>The app's own time-rules worker runs beside the test's passes: run passes until the expected state shows.</summary>
    private static async Task RunTimeRulesUntilAsync(TenantSpace app, Func<bool> done)
    {
        var worker = app.App.Services.GetRequiredService<TimeRulesWorker>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done() && DateTime.UtcNow < deadline)
        {
            if (await worker.RunOnceAsync(CancellationToken.None) == 0)
            {
                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public async Task CancelledTime_GoesToTheFirstInLine_HeldForThemAlone_OfferMailedWithTheirLink()
    {
        using var smtp = SmtpSink.Start();
        await using var own = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
        });
        var app = TenantSpace.Default(own);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WaitlistConfig())).StatusCode);
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var first = await JoinAsync(client, "first@example.com");
        var second = await JoinAsync(client, "second@example.com");

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null)).StatusCode);

        var one = Entry(app, "first@example.com");
        Assert.Equal(WaitlistStatus.Offered, one.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 9, 0), one.OfferStart);
        Assert.Equal(app.Clock.GetCurrentInstant() + Duration.FromMinutes(30), one.OfferExpiresAt);
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "second@example.com").Status);
        // Held: not listed, and nobody else can book it, however they ask.
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking($"{Day}T10:00:00+01:00", "consult", "other@example.com"))).StatusCode);
        var offer = await Body(await client.GetAsync($"/api/v1/waitlist/{first}"));
        Assert.Equal("offered", offer["status"]!.GetValue<string>());
        Assert.Equal($"{Day}T10:00:00+01:00", offer["offer"]!["start"]!.GetValue<string>());

        // The offer mail reaches the first entry only, with their own link rendered at send time.
        static bool IsOffer(MimeKit.MimeMessage m) => (m.Subject ?? "").StartsWith("A time came free", StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var mails = smtp.Messages();
        while (mails.Count(m => IsOffer(m) || (m.Subject ?? "").StartsWith("You are on the waitlist", StringComparison.Ordinal)) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            mails = smtp.Messages();
        }
        var offerMail = Assert.Single(mails, m => m.To.ToString().Contains("first@example.com", StringComparison.Ordinal) && IsOffer(m));
        Assert.Contains($"https://book.example.test/waitlist/{first}", offerMail.TextBody, StringComparison.Ordinal);
        Assert.Contains("10:00", offerMail.TextBody, StringComparison.Ordinal);
        // Issue 14: waitlist mails lead to the client's portal too, on the business's configured host.
        Assert.Contains("Your bookings: https://book.example.test/account", offerMail.TextBody, StringComparison.Ordinal);
        Assert.Contains("id=\"your-bookings\"", offerMail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(mails, m => (m.Subject ?? "").StartsWith("You are on the waitlist", StringComparison.Ordinal) &&
                                    (m.TextBody ?? "").Contains("Your bookings: https://book.example.test/account", StringComparison.Ordinal));
        Assert.DoesNotContain(mails, m => m.To.ToString().Contains("second@example.com", StringComparison.Ordinal) && IsOffer(m));
        Assert.Contains(mails, m => m.To.ToString().Contains("second@example.com", StringComparison.Ordinal) &&
                                    (m.TextBody ?? "").Contains($"/waitlist/{second}", StringComparison.Ordinal));
        var stored = app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.WaitlistJoined || m.Kind == Bookwell.Features.Notifications.MessageKind.WaitlistOffer).Select(m => (m.TextBody ?? "") + (m.HtmlBody ?? "")).ToList());
        Assert.DoesNotContain(stored, body => body.Contains(first, StringComparison.Ordinal) || body.Contains(second, StringComparison.Ordinal));

        // Accepting books it in the booking shape, confirmed, and the entry is done.
        var accepted = await Accept(client, first, $"{Day}T10:00:00+01:00");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var booking = await Body(accepted);
        Assert.Equal("confirmed", booking["status"]!.GetValue<string>());
        Assert.Equal("consult", booking["service"]!.GetValue<string>());
        Assert.Equal($"{Day}T10:00:00+01:00", booking["start"]!.GetValue<string>());
        var manage = booking["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/bookings/{manage}")).StatusCode);
        Assert.Equal(WaitlistStatus.Booked, Entry(app, "first@example.com").Status);
    }

    [Fact]
    public async Task TwentyParallelAcceptsOfOneOffer_ExactlyOneBooking()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var token = await JoinAsync(client, "first@example.com");
        await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "first@example.com").Status);

        using var go = new SemaphoreSlim(0);
        var accepts = Enumerable.Range(0, 20).Select(async _ =>
        {
            await go.WaitAsync();
            return await Accept(app.CreateClient(), token, $"{Day}T10:00:00+01:00");
        }).ToArray();
        go.Release(20);
        var results = await Task.WhenAll(accepts);

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var tenOClock = Instant.FromUtc(2027, 3, 3, 9, 0);
        var live = app.WithDb(db => db.Bookings.Where(b => b.StartsAt == tenOClock && b.Status != BookingStatus.Cancelled).ToList());
        var booked = Assert.Single(live);
        Assert.Equal(BookingStatus.Confirmed, booked.Status);
        Assert.Equal("first@example.com", booked.CustomerEmail);
        Assert.Null(booked.HoldExpiresAt);
    }

    [Fact]
    public async Task WrongTimeOrOtherEntry_Conflict()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var first = await JoinAsync(client, "first@example.com");
        var second = await JoinAsync(client, "second@example.com");
        await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null);

        var wrongTime = await Accept(client, first, $"{Day}T09:00:00+01:00");
        Assert.Equal(HttpStatusCode.Conflict, wrongTime.StatusCode);
        Assert.EndsWith("slot-unavailable", (await Body(wrongTime))["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await Accept(client, second, $"{Day}T10:00:00+01:00")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Accept(client, new string('a', 43), $"{Day}T10:00:00+01:00")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Accept(client, first, "tomorrow")).StatusCode);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "first@example.com").Status);
    }

    [Fact]
    public async Task PaidService_AcceptAnswersPendingPayment_WithTheCheckoutUrl_AndThePaymentConfirmsIt()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl;
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
        });
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var space = TenantSpace.Default(app);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WaitlistConfig().Also(c =>
        {
            var consult = c["pages"]![0]!["services"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == "consult")!;
            consult["price"] = new JsonObject { ["amount"] = 40.00m, ["currency"] = "EUR" };
            consult["payment"] = "now";
        }))).StatusCode);
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var first = await JoinAsync(client, "first@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Offered, Entry(space, "first@example.com").Status);

        // A booking of a service paid now, as contract 4.2 has it: pending_payment with the Checkout Session's url.
        var accepted = await Accept(client, first, $"{Day}T10:00:00+01:00");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var booking = await Body(accepted);
        Assert.Equal("pending_payment", booking["status"]!.GetValue<string>());
        var id = Guid.Parse(booking["id"]!.GetValue<string>());
        var session = stripe.SessionFor(id)!;
        Assert.Equal(session["url"]!.GetValue<string>(), booking["paymentUrl"]!.GetValue<string>());
        var call = Assert.Single(stripe.CallsTo("POST", "/v1/checkout/sessions"), c => c.Form["client_reference_id"] == id.ToString());
        Assert.Equal(("payment", "4000"), (call.Form["mode"], call.Form["line_items[0][price_data][unit_amount]"]));
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
        Assert.Equal(HttpStatusCode.Conflict, (await Accept(client, first, $"{Day}T10:00:00+01:00")).StatusCode);

        var paid = stripe.Pay(session["id"]!.GetValue<string>());
        var body = StripeStandIn.Event("evt_waitlist_paid", "checkout.session.completed", paid);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe/webhook") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        var admin = await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{id}"));
        Assert.Equal(("confirmed", "paid", 40m), (admin["status"]!.GetValue<string>(), admin["payment"]!["status"]!.GetValue<string>(),
            admin["payment"]!["paid"]!["amount"]!.GetValue<decimal>()));
        Assert.Equal(WaitlistStatus.Booked, Entry(space, "first@example.com").Status);
    }

    [Fact]
    public async Task OfferRunsOut_NextInLineGetsIt_AndTheFirstCanNoLongerAccept()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var first = await JoinAsync(client, "first@example.com");
        await JoinAsync(client, "second@example.com");
        await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "first@example.com").Status);

        app.Clock.Advance(Duration.FromMinutes(31));
        await RunTimeRulesUntilAsync(app, () => Entry(app, "second@example.com").Status == WaitlistStatus.Offered);

        Assert.Equal(WaitlistStatus.Expired, Entry(app, "first@example.com").Status);
        var two = Entry(app, "second@example.com");
        Assert.Equal(WaitlistStatus.Offered, two.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 9, 0), two.OfferStart);
        Assert.Equal(app.Clock.GetCurrentInstant() + Duration.FromMinutes(30), two.OfferExpiresAt);
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
        Assert.Equal(HttpStatusCode.Conflict, (await Accept(client, first, $"{Day}T10:00:00+01:00")).StatusCode);
    }

    [Fact]
    public async Task OfferExpiringWhileBeingAccepted_OneOutcome()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var first = await JoinAsync(client, "first@example.com");
        await JoinAsync(client, "second@example.com");
        await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null);
        var held = Entry(app, "first@example.com").OfferBookingId!.Value;
        var worker = app.App.Services.GetRequiredService<TimeRulesWorker>();

        using var go = new SemaphoreSlim(0);
        var accepts = Enumerable.Range(0, 5).Select(async _ =>
        {
            await go.WaitAsync();
            return await Accept(app.CreateClient(), first, $"{Day}T10:00:00+01:00");
        }).ToArray();
        var expiry = Task.Run(async () =>
        {
            await go.WaitAsync();
            app.Clock.Advance(Duration.FromMinutes(31));
            return await worker.RunOnceAsync(CancellationToken.None);
        });
        go.Release(6);
        var results = await Task.WhenAll(accepts);
        await expiry;
        var won = results.Count(r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(results, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.InRange(won, 0, 1);
        var status = app.WithDb(db => db.Bookings.Single(b => b.Id == held).Status);
        if (won == 1)
        {
            Assert.Equal(BookingStatus.Confirmed, status);
            Assert.Equal(WaitlistStatus.Booked, Entry(app, "first@example.com").Status);
            Assert.Equal(WaitlistStatus.Waiting, Entry(app, "second@example.com").Status);
        }
        else
        {
            Assert.Equal(BookingStatus.Cancelled, status);
            await RunTimeRulesUntilAsync(app, () => Entry(app, "second@example.com").Status == WaitlistStatus.Offered);
            Assert.Equal(WaitlistStatus.Expired, Entry(app, "first@example.com").Status);
            Assert.Equal(WaitlistStatus.Offered, Entry(app, "second@example.com").Status);
        }
        var tenOClock = Instant.FromUtc(2027, 3, 3, 9, 0);
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count(b => b.StartsAt == tenOClock && b.Status != BookingStatus.Cancelled)));
    }

    [Fact]
    public async Task Declined_NextInLine_WindowRespected_Leave()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var first = await JoinAsync(client, "first@example.com");
        // Wants the morning before ten: the freed 10:00–11:00 does not fit and is passed over.
        await JoinAsync(client, "early@example.com", null, "10:00");
        var third = await JoinAsync(client, "third@example.com", "10:00", "12:00");
        await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null);

        var declined = await client.PostAsync($"/api/v1/waitlist/{first}/decline", null);
        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);
        Assert.Equal("declined", (await Body(declined))["status"]!.GetValue<string>());
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "early@example.com").Status);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "third@example.com").Status);
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));

        // Leaving with an open offer lets its time go; nobody is left to take it, so it is bookable again.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/waitlist/{third}/leave", null)).StatusCode);
        Assert.Equal(WaitlistStatus.Left, Entry(app, "third@example.com").Status);
        Assert.Equal([$"{Day}T10:00:00+01:00"], await SlotStarts(client, "consult", Day, Day));
    }

    [Fact]
    public async Task Pages_JoinByForm_WithCsrf_AcceptOnTheEntryPage_InDutch()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var bookPage = await client.GetStringAsync($"/book/{Slug}?service=consult&date={Day}");
        Assert.Contains("id=\"join-waitlist\"", bookPage, StringComparison.Ordinal);

        var apiToken = await JoinAsync(client, "first@example.com");
        var session = app.Session();
        (string, string)[] form = [("Service", "consult"), ("Date", Day), ("Pref", "range"), ("From", "10:00"), ("To", "11:30"),
            ("Name", "Form Filler"), ("Email", "form@example.com")];
        // Without the antiforgery token the post is refused and nothing is stored.
        var forged = await session.Client.PostAsync($"/book/{Slug}/waitlist", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Item1, f.Item2))));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var formPage = await session.Client.GetAsync($"/book/{Slug}/waitlist?service=consult&date={Day}");
        Assert.True(formPage.StatusCode == HttpStatusCode.OK, (await formPage.Content.ReadAsStringAsync()) + string.Join("\n", app.App.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(e => e.Message)));
        var invalid = await session.PostFormAsync($"/book/{Slug}/waitlist", [.. form.Where(f => f.Item1 != "Email"), ("Email", "nope")]);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("id=\"customer-email-error\"", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, app.WithDb(db => db.WaitlistEntries.Count()));
        var joined = await session.PostFormAsync($"/book/{Slug}/waitlist", form);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        Assert.Contains("id=\"joined\"", await joined.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var entry = Entry(app, "form@example.com");
        Assert.Equal((600, 690), (entry.FromMinute!.Value, entry.ToMinute!.Value));

        // The entry page, in Dutch, offers the freed time and books it with a plain form post.
        await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "first@example.com").Status);
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "form@example.com").Status);
        var dutch = app.Session();
        dutch.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        var html = await dutch.GetAsync($"/waitlist/{apiToken}");
        var page = System.Net.WebUtility.HtmlDecode(html);
        Assert.Contains("Er is een tijd voor u vrijgekomen", page, StringComparison.Ordinal);
        Assert.Contains("Deze tijd boeken", page, StringComparison.Ordinal);
        var start = System.Text.RegularExpressions.Regex.Match(page, "name=\"start\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal($"{Day}T10:00:00+01:00", start);
        var accepted = await dutch.PostFormAsync($"/waitlist/{apiToken}?handler=Accept", [KeyValuePair.Create("start", start)], $"/waitlist/{apiToken}");
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.StartsWith("/booking/", accepted.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(WaitlistStatus.Booked, Entry(app, "first@example.com").Status);
        Assert.Contains("U hebt de aangeboden tijd geaccepteerd", WebUtility.HtmlDecode(await dutch.GetAsync($"/waitlist/{apiToken}")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await dutch.Client.GetAsync($"/waitlist/{new string('b', 43)}")).StatusCode);
    }

    [Fact]
    public async Task Admin_DayView_ListsInLine_OfferWithOneClick_AnonymousRefused()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        await JoinAsync(client, "first@example.com");
        await JoinAsync(client, "second@example.com");
        var anonymous = app.Session();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.Client.GetAsync($"/admin/waitlist?date={Day}")).StatusCode);

        var owner = await app.OwnerAsync();
        var html = WebUtility.HtmlDecode(await owner.GetAsync($"/admin/waitlist?date={Day}"));
        Assert.Contains("first@example.com", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("first@example.com", StringComparison.Ordinal) < html.IndexOf("second@example.com", StringComparison.Ordinal));

        // Nothing free: a manual offer holds nothing.
        var second = Entry(app, "second@example.com").Key;
        var view = $"/admin/waitlist?date={Day}";
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/waitlist?handler=Offer&id={second}", [], view)).StatusCode);
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "second@example.com").Status);

        // The business opens an extra hour (no booking freed it, so nobody was offered it): staff choose who gets it.
        var longer = WaitlistConfig().Also(c => c["pages"]![0]!["exceptions"]!.AsArray()[^1]!["hours"] = new JsonArray(new JsonArray("09:00", "12:00")));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), longer)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/waitlist?handler=Offer&id={second}", [], view)).StatusCode);
        var offered = Entry(app, "second@example.com");
        Assert.Equal(WaitlistStatus.Offered, offered.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 10, 0), offered.OfferStart);
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "first@example.com").Status);

        // Moving a booking away frees its time too: the first in line gets it.
        var moved = await client.PostAsync($"/api/v1/bookings/{tenToken}/reschedule", Json(new JsonObject { ["start"] = "2027-03-04T10:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "first@example.com").Status);
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
    }

    [Fact]
    public async Task Join_IsValidatedFieldByField()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        async Task<JsonObject> Bad(JsonObject body, HttpStatusCode expected, string slug = Slug)
        {
            var response = await client.PostAsync($"/api/v1/pages/{slug}/waitlist", Json(body));
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return await Body(response);
        }
        var errors = (await Bad(Join("not-an-email", "25:00", "09:00").Also(b =>
        {
            b["date"] = "2027-02-30";
            b["staff"] = "bob";
            b["customer"]!["name"] = "";
            b["customer"]!["phone"] = "call me";
        }), HttpStatusCode.BadRequest))["errors"]!.AsObject();
        foreach (var field in new[] { "date", "from", "staff", "customer.name", "customer.email", "customer.phone" })
        {
            Assert.True(errors.ContainsKey(field), field);
        }
        Assert.True((await Bad(Join("a@example.com", "11:00", "10:00"), HttpStatusCode.BadRequest))["errors"]!.AsObject().ContainsKey("to"));
        Assert.True((await Bad(Join("a@example.com").Also(b => b["date"] = "2027-02-01"), HttpStatusCode.BadRequest))["errors"]!.AsObject().ContainsKey("date"));
        Assert.True((await Bad(Join("a@example.com").Also(b => b.Remove("customer")), HttpStatusCode.BadRequest))["errors"]!.AsObject().ContainsKey("customer"));
        await Bad(Join("a@example.com", service: "nope"), HttpStatusCode.NotFound);
        await Bad(Join("a@example.com"), HttpStatusCode.NotFound, "no-such-page");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", new StringContent("[1,", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WaitlistConfig(on: false))).StatusCode);
        Assert.True((await Bad(Join("a@example.com"), HttpStatusCode.BadRequest))["errors"]!.AsObject().ContainsKey("waitlist"));
        Assert.Equal(0, app.WithDb(db => db.WaitlistEntries.Count()));
    }

    [Fact]
    public async Task Join_RefusesDatesAndWindowsNoOfferCouldFit()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        async Task<string> Refused(JsonObject body, string field)
        {
            var response = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await Body(response))["errors"]!.AsObject();
            Assert.True(errors.ContainsKey(field), errors.ToJsonString());
            return errors[field]![0]!.GetValue<string>();
        }
        // Sunday 7 March is not an allowed day; 10 March is closed by an exception.
        Assert.Equal("Not open on this date for this service.", await Refused(Join("a@example.com").Also(b => b["date"] = "2027-03-07"), "date"));
        await Refused(Join("a@example.com").Also(b => b["date"] = "2027-03-10"), "date");
        // The day opens 09:00–11:00 only: a window after it, or one too short for the 60-minute consultation, can never be offered.
        await Refused(Join("a@example.com", "12:00", "13:00"), "from");
        await Refused(Join("a@example.com", "09:00", "09:30"), "from");
        await Refused(Join("a@example.com", null, "09:30"), "to");
        // The same day at 10:30 local: the last start (10:00) has gone.
        app.Clock.Reset(Instant.FromUtc(2027, 3, 3, 9, 30));
        Assert.Equal("Nothing can start any more today; choose a later date.", await Refused(Join("a@example.com"), "date"));
        Assert.Equal(0, app.WithDb(db => db.WaitlistEntries.Count()));

        app.Clock.Reset(BookwellApp.DefaultNow);
        await JoinAsync(client, "fits@example.com", "10:00", "11:00");
    }

    [Fact]
    public async Task HoldMinutes_DefaultAndRange()
    {
        var app = await NewAsync();
        var bad = await PutConfig(app.Admin(), WaitlistConfig().Also(c => c["pages"]![0]!["settings"]!["waitlistHoldMinutes"] = 0));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await Body(bad))["errors"]!.AsObject().ContainsKey("pages[0].settings.waitlistHoldMinutes"));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var settings = (await Body(await app.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["settings"]!;
        Assert.False(settings["waitlist"]!.GetValue<bool>());
        Assert.Equal(120, settings["waitlistHoldMinutes"]!.GetValue<int>());
    }

    [Fact]
    public async Task ManualMode_FreedTimeWaitsForStaff_WhoOfferItWithOneClick_TwentyOffersOfOneFreedTimeAtOnceHoldItForOne()
    {
        var app = await NewAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WaitlistConfig().Also(c => c["pages"]![0]!["settings"]!["waitlistMode"] = "manual"))).StatusCode);
        var client = app.CreateClient();
        var tenToken = await FillDayAsync(client);
        var firstToken = await JoinAsync(client, "first@example.com");
        var secondToken = await JoinAsync(client, "second@example.com");

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{tenToken}/cancel", null)).StatusCode);
        // Nobody was offered anything: the time is simply free again until staff choose.
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "first@example.com").Status);
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "second@example.com").Status);
        Assert.Equal([$"{Day}T10:00:00+01:00"], await SlotStarts(client, "consult", Day, Day));

        var owner = await app.OwnerAsync();
        var second = Entry(app, "second@example.com").Key;
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/waitlist?handler=Offer&id={second}", [], $"/admin/waitlist?date={Day}")).StatusCode);
        Assert.Equal(WaitlistStatus.Offered, Entry(app, "second@example.com").Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 9, 0), Entry(app, "second@example.com").OfferStart);
        Assert.Equal(WaitlistStatus.Waiting, Entry(app, "first@example.com").Status);
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));

        // The second declines; the time is free again. Staff send offers of it to twenty entries at once (twenty clicks on
        // twenty rows): exactly one gets it, held for that one only; only that one can book it.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/waitlist/{secondToken}/decline", null)).StatusCode);
        Assert.Equal([$"{Day}T10:00:00+01:00"], await SlotStarts(client, "consult", Day, Day));
        var tokens = new Dictionary<string, string> { ["first@example.com"] = firstToken };
        foreach (var i in Enumerable.Range(3, 19))
        {
            tokens[$"race{i}@example.com"] = await JoinAsync(client, $"race{i}@example.com");
        }
        var racing = app.WithDb(db => db.WaitlistEntries.AsNoTracking().Where(w => w.Status == WaitlistStatus.Waiting).Select(w => w.Key).ToList());
        Assert.Equal(20, racing.Count);
        using (var go = new SemaphoreSlim(0))
        {
            var clicks = racing.Select(async key =>
            {
                await go.WaitAsync();
                return await owner.PostFormAsync($"/admin/waitlist?handler=Offer&id={key}", [], $"/admin/waitlist?date={Day}");
            }).ToArray();
            go.Release(racing.Count);
            Assert.All(await Task.WhenAll(clicks), r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        }
        var offered = app.WithDb(db => db.WaitlistEntries.AsNoTracking().Where(w => w.Status == WaitlistStatus.Offered).ToList());
        var winner = Assert.Single(offered);
        Assert.Equal(19, app.WithDb(db => db.WaitlistEntries.Count(w => w.Status == WaitlistStatus.Waiting)));
        var tenOClock = Instant.FromUtc(2027, 3, 3, 9, 0);
        Assert.Single(app.WithDb(db => db.Bookings.Where(b => b.StartsAt == tenOClock && b.Status != BookingStatus.Cancelled).ToList()));
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
        var loser = tokens.First(t => t.Key != winner.CustomerEmail).Value;
        Assert.Equal(HttpStatusCode.Conflict, (await Accept(client, loser, $"{Day}T10:00:00+01:00")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Accept(client, tokens[winner.CustomerEmail], $"{Day}T10:00:00+01:00")).StatusCode);
        Assert.Equal(winner.CustomerEmail, Assert.Single(app.WithDb(db => db.Bookings.Where(b => b.StartsAt == tenOClock && b.Status != BookingStatus.Cancelled).ToList())).CustomerEmail);

        var bad = await PutConfig(app.Admin(), WaitlistConfig().Also(c => c["pages"]![0]!["settings"]!["waitlistMode"] = "sometimes"));
        Assert.True((await Body(bad))["errors"]!.AsObject().ContainsKey("pages[0].settings.waitlistMode"));
    }

    [Fact]
    public async Task NoShow_LetsTheRestOfItsTimeGo_ToTheFirstInLine()
    {
        var app = await NewAsync();
        var quick = WaitlistConfig().Also(c => c["pages"]![0]!["services"]!.AsArray().Add(new JsonObject
        {
            ["key"] = "quick",
            ["name"] = "Quick question",
            ["durationMinutes"] = 15,
            ["price"] = new JsonObject { ["amount"] = 0, ["currency"] = "EUR" },
            ["payment"] = "none",
            ["requiresStaff"] = true,
            ["slotIntervalMinutes"] = 15,
            ["resourceTypes"] = new JsonArray(),
        })).Also(c => c["pages"]![0]!["staff"]![0]!["services"]!.AsArray().Add("quick"));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), quick)).StatusCode);
        var client = app.CreateClient();
        await FillDayAsync(client);
        var nine = app.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.CustomerEmail == "nine@example.com").Id);
        var join = Join("quick@example.com", service: "quick");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(join))).StatusCode);

        // 09:20 on the day: the 09:00 client has not come.
        app.Clock.Reset(Instant.FromUtc(2027, 3, 3, 8, 20));
        var marked = await app.Admin().PostAsync($"/api/v1/admin/bookings/{nine}/status", Json(new JsonObject { ["status"] = "no_show" }));
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);

        // 09:20-10:00 is free again; the first quarter on the grid goes to the waitlist.
        var entry = Entry(app, "quick@example.com");
        Assert.Equal(WaitlistStatus.Offered, entry.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 3, 8, 30), entry.OfferStart);
        app.WithDb(db =>
        {
            var rows = db.Allocations.AsNoTracking().Where(a => a.BookingId == nine).ToList();
            Assert.All(rows.Where(a => a.Live), a => Assert.Equal(Instant.FromUtc(2027, 3, 3, 8, 20), a.EndsAt));
            Assert.Contains(rows, a => a.Live);
            return 0;
        });
        // 09:30 is held for the offer; 09:45 is free for anyone.
        Assert.Equal([$"{Day}T09:45:00+01:00"], await SlotStarts(client, "quick", Day, Day, staff: "anna"));
    }

    [Fact]
    public async Task JoinPage_WaitlistOff_IsAnHtmlPage_AndFramedLikeTheBookingPage()
    {
        var app = await NewAsync();
        var client = app.CreateClient();
        var on = await client.GetAsync($"/book/{Slug}/waitlist");
        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.Contains("frame-ancestors *", on.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WaitlistConfig(on: false))).StatusCode);
        var off = await client.GetAsync($"/book/{Slug}/waitlist");
        Assert.Equal(HttpStatusCode.NotFound, off.StatusCode);
        Assert.Equal("text/html", off.Content.Headers.ContentType!.MediaType);
        var html = WebUtility.HtmlDecode(await off.Content.ReadAsStringAsync());
        Assert.Contains("This booking page has no waitlist", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/book/{Slug}\"", html, StringComparison.Ordinal);
    }
}

/// <summary>The class's app: the manage links' rate limit off (the tests call them many times from one address).</summary>
public sealed class SqliteWaitlistApp : SharedApp
{
    public override Db Kind => Db.Sqlite;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:RateLimits:ManagePerMinute"] = "0";
}

/// <summary>The class's app: the manage links' rate limit off (the tests call them many times from one address).</summary>
public sealed class PostgresWaitlistApp : SharedApp
{
    public override Db Kind => Db.Postgres;

    protected override void Configure(Dictionary<string, string?> settings) => settings["Bookwell:RateLimits:ManagePerMinute"] = "0";
}

public sealed class SqliteWaitlistTests(SqliteWaitlistApp shared) : WaitlistTests(shared), IClassFixture<SqliteWaitlistApp>;

public sealed class PostgresWaitlistTests(PostgresWaitlistApp shared) : WaitlistTests(shared), IClassFixture<PostgresWaitlistApp>;
