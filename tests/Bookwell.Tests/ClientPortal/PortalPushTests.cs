using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.ClientPortal;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// Web Push from the portal: the install's VAPID keys, a device subscribed from the Notifications page, booking mails
/// also pushed through the outbox (checked by a stand-in push service that verifies the VAPID JWT and decrypts the
/// RFC 8291 payload), and a device the push service says is gone is removed. Also: a profile merged into another
/// signs in to the kept one.
/// </summary>
public abstract partial class PortalPushTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex(@"https?://[^\s""<>]+/account/login\?token=[A-Za-z0-9_-]{43}[^\s""<>]*")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("data-key=\"([A-Za-z0-9_-]+)\"")]
    private static partial Regex KeyPattern();

    private async Task<BookwellApp> ArrangeAsync(SmtpSink? sink)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            if (sink is not null)
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
                s["Bookwell:Smtp:From"] = "bookings@salon.example";
            }
            s["Bookwell:Push:AllowLocalEndpoints"] = "true";
            s["Bookwell:Push:Subject"] = "mailto:owner@salon.example";
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    private static async Task<JsonObject> BookAsync(BookwellApp app, string start, string service, string staff, string email)
    {
        var response = await Book(app.CreateClient(), Booking(start, service, email, staff));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Body(response);
    }

    private readonly HashSet<string> _usedLinks = [];

    /// <summary>The first mail (in any order of arrival) that matches.</summary>
    private static async Task<MimeKit.MimeMessage> MailAsync(SmtpSink sink, Func<MimeKit.MimeMessage, bool> which)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (sink.Messages().FirstOrDefault(which) is { } found)
            {
                return found;
            }
            Assert.True(DateTime.UtcNow < deadline, "the mail did not arrive");
            await Task.Delay(50);
        }
    }

    /// <summary>Signs in by a link from the mail sink (one not used before in this test).</summary>
    private async Task<WebSession> SignInByMailAsync(BookwellApp app, SmtpSink sink, string email)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Json(new JsonObject { ["email"] = email }))).StatusCode);
        var mail = await MailAsync(sink, m => LinkPattern().Match(m.TextBody ?? "") is { Success: true } x && !_usedLinks.Contains(x.Value));
        var link = LinkPattern().Match(mail.TextBody ?? "").Value;
        _usedLinks.Add(link);
        return await FollowAsync(app, link);
    }

    /// <summary>Signs in without a mail server: the worker's preparation step writes the link into the queued request.</summary>
    private static async Task<WebSession> SignInQueuedAsync(BookwellApp app, string email)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Json(new JsonObject { ["email"] = email }))).StatusCode);
        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Kind == ClientSignIn.Kind && m.Status == OutboxStatus.Queued).ToList());
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        app.WithDb(db => db.Outbox.IgnoreQueryFilters().Where(m => m.Kind == ClientSignIn.Kind && m.Status == OutboxStatus.Queued)
            .ExecuteUpdate(s => s.SetProperty(m => m.Status, OutboxStatus.Sent)));
        var link = LinkPattern().Match(Assert.Single(rows, r => !skipped.ContainsKey(r.Id)).TextBody!).Value;
        return await FollowAsync(app, link);
    }

    private static async Task<WebSession> FollowAsync(BookwellApp app, string link)
    {
        var session = WebSession.For(app);
        var landing = await session.Client.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, landing.StatusCode);
        return session;
    }

    private static HttpRequestMessage JsonPost(string path, JsonNode body, string? antiforgery)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (antiforgery is not null)
        {
            request.Headers.Add("RequestVerificationToken", antiforgery);
        }
        return request;
    }

    [Fact]
    public async Task BookingMails_ArePushedToTheSubscribedDevice_SignedAndEncrypted_AndAGoneDeviceIsRemoved()
    {
        using var sink = SmtpSink.Start();
        await using var push = await PushServiceStandIn.StartAsync();
        await using var app = await ArrangeAsync(sink);
        var first = await BookAsync(app, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        await sink.WaitForAsync(1);
        var session = await SignInByMailAsync(app, sink, "ada@example.com");

        // The page offers push with the install's public key; the private half is stored sealed and opens to the pair's own key.
        var page = await session.GetAsync("/account/notifications");
        Assert.Contains("id=\"push\" hidden", page, StringComparison.Ordinal);
        Assert.Contains("<script src=\"/account/push.js\" defer></script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        var publicKey = KeyPattern().Match(page).Groups[1].Value;
        var stored = app.WithDb(db => db.VapidKeys.AsNoTracking().Single());
        Assert.Equal(stored.PublicKey, publicKey);
        var privateKey = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Bookwell.WebPush.Vapid").Unprotect(stored.PrivateKeySealed);
        Assert.Equal(32, PushServiceStandIn.FromB64(privateKey)!.Length);
        Assert.DoesNotContain(privateKey, stored.PrivateKeySealed, StringComparison.Ordinal);
        // A second start over the same database (a new key holder) keeps the pair rather than making another.
        var again = await new PushKeys(app.Services.GetRequiredService<IServiceScopeFactory>(), app.Services.GetRequiredService<IDataProtectionProvider>(), app.Clock)
            .GetAsync(CancellationToken.None);
        Assert.Equal((publicKey, privateKey), (again.PublicKey, again.PrivateKey));
        var antiforgery = WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);

        var (device, subscription) = push.NewDevice();
        // Without the page's antiforgery token, nothing is stored; bad keys are field errors.
        Assert.Equal(HttpStatusCode.BadRequest, (await session.Client.SendAsync(JsonPost("/account/push/subscriptions", subscription, null))).StatusCode);
        var bad = subscription.DeepClone().AsObject();
        bad["keys"]!["p256dh"] = "AAAA";
        bad["endpoint"] = "ftp://push.example/x";
        var refused = await session.Client.SendAsync(JsonPost("/account/push/subscriptions", bad, antiforgery));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = (await Body(refused))["errors"]!.AsObject();
        Assert.True(problem.ContainsKey("keys.p256dh") && problem.ContainsKey("endpoint"), problem.ToJsonString());
        // Nobody signed in: refused too.
        Assert.NotEqual(HttpStatusCode.Created, (await app.CreateClient().SendAsync(JsonPost("/account/push/subscriptions", subscription, antiforgery))).StatusCode);
        Assert.Equal(0, app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().Count()));

        Assert.Equal(HttpStatusCode.Created, (await session.Client.SendAsync(JsonPost("/account/push/subscriptions", subscription, antiforgery))).StatusCode);
        var row = app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().AsNoTracking().Single());
        var ada = app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM"));
        Assert.Equal(ada.Id, row.CustomerId);
        Assert.Contains("Devices receiving push notifications: 1", WebUtility.HtmlDecode(await session.GetAsync("/account/notifications")), StringComparison.Ordinal);

        // A new booking: the confirmation mail and, through the outbox, a push to the device.
        var second = await BookAsync(app, "2027-03-04T12:00:00+01:00", "consult", "anna", "ada@example.com");
        var confirmation = await MailAsync(sink, m => (m.Subject ?? "").StartsWith("Booking confirmed", StringComparison.Ordinal) && (m.Subject ?? "").Contains("12:00", StringComparison.Ordinal));
        var arrived = await push.WaitForAsync(p => p.Device == device.Id, 1);
        Assert.Empty(push.Refused);
        var pushed = Assert.Single(arrived);
        Assert.Equal(publicKey, pushed.VapidKey);
        Assert.Equal(push.Origin, pushed.Claims["aud"]!.GetValue<string>());
        Assert.Equal("mailto:owner@salon.example", pushed.Claims["sub"]!.GetValue<string>());
        var payload = JsonNode.Parse(pushed.Payload)!.AsObject();
        Assert.Equal(confirmation.Subject, payload["body"]!.GetValue<string>());
        Assert.Contains("Consultation", payload["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(confirmation.From.Mailboxes.Single().Name, payload["title"]!.GetValue<string>());
        Assert.Equal("/account", payload["url"]!.GetValue<string>());
        Assert.Equal(second["id"]!.GetValue<string>(), payload["tag"]!.GetValue<string>());
        var pushRow = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Single(m => m.Channel == OutboxChannel.Push));
        Assert.Equal(row.Id.ToString(), pushRow.To);

        // A cancellation is pushed too.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsync($"/api/v1/bookings/{second["manageToken"]!.GetValue<string>()}/cancel", null)).StatusCode);
        var both = await push.WaitForAsync(p => p.Device == device.Id, 2);
        Assert.Equal(2, both.Count);
        Assert.Empty(push.Refused);
        var cancelled = JsonNode.Parse(both[1].Payload)!["body"]!.GetValue<string>();
        Assert.Contains("cancelled", cancelled, StringComparison.OrdinalIgnoreCase);
        await MailAsync(sink, m => m.Subject == cancelled);

        // The push service forgets the device (410): the next push removes the subscription and is withdrawn, not retried.
        push.Expire(device);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsync($"/api/v1/bookings/{first["manageToken"]!.GetValue<string>()}/cancel", null)).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().Any()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().Count()));
        var last = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Channel == OutboxChannel.Push && m.BookingId == Guid.Parse(first["id"]!.GetValue<string>())).ToList());
        Assert.Equal(OutboxStatus.Withdrawn, Assert.Single(last).Status);
        Assert.Equal(2, push.Received.Count);
    }

    [Fact]
    public async Task RescheduledAndReminder_ArePushed_WithTheMailsWordsAndThePortalLink()
    {
        using var sink = SmtpSink.Start();
        await using var push = await PushServiceStandIn.StartAsync();
        await using var app = await ArrangeAsync(sink);
        var booked = await BookAsync(app, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        await sink.WaitForAsync(1);
        var session = await SignInByMailAsync(app, sink, "ada@example.com");
        var page = await session.GetAsync("/account/notifications");
        var antiforgery = WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);
        var (device, subscription) = push.NewDevice();
        Assert.Equal(HttpStatusCode.Created, (await session.Client.SendAsync(JsonPost("/account/push/subscriptions", subscription, antiforgery))).StatusCode);

        // The client moves the booking to 12:00: the "moved" mail, and the same words pushed to the device.
        var token = booked["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-04T12:00:00+01:00" }))).StatusCode);
        var moved = await MailAsync(sink, m => (m.Subject ?? "").StartsWith("Booking moved", StringComparison.Ordinal));
        var first = Assert.Single(await push.WaitForAsync(p => p.Device == device.Id, 1));
        var payload = JsonNode.Parse(first.Payload)!.AsObject();
        Assert.Equal(moved.Subject, payload["body"]!.GetValue<string>());
        Assert.Contains("12:00", payload["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("/account", payload["url"]!.GetValue<string>());
        Assert.Equal(booked["id"]!.GetValue<string>(), payload["tag"]!.GetValue<string>());

        // The clock reaches the reminder's moment (a day before 12:00 on 4 March, 11:00 UTC on the 3rd): mail and push.
        app.Clock.Advance(NodaTime.Instant.FromUtc(2027, 3, 3, 11, 0) - app.Clock.GetCurrentInstant() + NodaTime.Duration.FromSeconds(1));
        var reminder = await MailAsync(sink, m => (m.Subject ?? "").StartsWith("Reminder", StringComparison.Ordinal));
        var both = await push.WaitForAsync(p => p.Device == device.Id, 2);
        Assert.Equal(2, both.Count);
        Assert.Empty(push.Refused);
        var reminded = JsonNode.Parse(both[1].Payload)!.AsObject();
        Assert.Equal(reminder.Subject, reminded["body"]!.GetValue<string>());
        Assert.Contains("Consultation", reminded["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("12:00", reminded["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("/account", reminded["url"]!.GetValue<string>());
        Assert.Equal(booked["id"]!.GetValue<string>(), reminded["tag"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unsubscribe_RemovesTheDevice_AndNoPushFollows()
    {
        using var sink = SmtpSink.Start();
        await using var push = await PushServiceStandIn.StartAsync();
        await using var app = await ArrangeAsync(sink);
        await BookAsync(app, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        await sink.WaitForAsync(1);
        var session = await SignInByMailAsync(app, sink, "ada@example.com");
        var page = await session.GetAsync("/account/notifications");
        var antiforgery = WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);
        var (_, subscription) = push.NewDevice();
        Assert.Equal(HttpStatusCode.Created, (await session.Client.SendAsync(JsonPost("/account/push/subscriptions", subscription, antiforgery))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await session.Client.SendAsync(JsonPost("/account/push/subscriptions/remove",
            new JsonObject { ["endpoint"] = subscription["endpoint"]!.GetValue<string>() }, antiforgery))).StatusCode);
        Assert.Equal(0, app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().Count()));
        await BookAsync(app, "2027-03-04T12:00:00+01:00", "consult", "anna", "ada@example.com");
        await MailAsync(sink, m => (m.Subject ?? "").StartsWith("Booking confirmed", StringComparison.Ordinal) && (m.Subject ?? "").Contains("12:00", StringComparison.Ordinal));
        Assert.Equal(0, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Channel == OutboxChannel.Push)));
        Assert.Empty(push.Received);
    }

    [Fact]
    public async Task PortalOff_NothingIsPushedOrPlanned_AQueuedPushIsWithdrawn_PortalOnAgain_PushResumes()
    {
        using var sink = SmtpSink.Start();
        await using var push = await PushServiceStandIn.StartAsync();
        await using var app = await ArrangeAsync(sink);
        var first = await BookAsync(app, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada@example.com");
        await sink.WaitForAsync(1);
        var session = await SignInByMailAsync(app, sink, "ada@example.com");
        var page = await session.GetAsync("/account/notifications");
        var antiforgery = WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);
        var (device, subscription) = push.NewDevice();
        Assert.Equal(HttpStatusCode.Created, (await session.Client.SendAsync(JsonPost("/account/push/subscriptions", subscription, antiforgery))).StatusCode);
        var row = app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().AsNoTracking().Single());

        // The business switches its portal off.
        var off = Config();
        off["pages"]![0]!["settings"]!["notifyStaff"] = false;
        off["pages"]![0]!["settings"]!["clientPortal"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), off)).StatusCode);
        // A push queued just before the switch (the worker had planned it from a mail it took then).
        var queued = Guid.CreateVersion7();
        app.WithDb(db =>
        {
            db.TenantId = row.TenantId;
            db.Outbox.Add(new OutboxMessage
            {
                Id = queued,
                TenantId = row.TenantId,
                BookingId = Guid.Parse(first["id"]!.GetValue<string>()),
                Kind = MessageKind.Confirmation,
                Channel = OutboxChannel.Push,
                To = row.Id.ToString(),
                FromName = "Test Salon",
                Subject = "Booking confirmed",
                Status = OutboxStatus.Queued,
                DueAt = app.Clock.GetCurrentInstant(),
                CreatedAt = app.Clock.GetCurrentInstant(),
            });
            return db.SaveChanges();
        });
        // A booking while the portal is off: its confirmation mail goes, and nothing is planned for the device. The worker plans
        // pushes in the pass that takes the mail, before sending it, and the earlier queued push comes before the mail: so once
        // the mail is here, both are decided.
        var second = await BookAsync(app, "2027-03-04T12:00:00+01:00", "consult", "anna", "ada@example.com");
        await MailAsync(sink, m => (m.Subject ?? "").StartsWith("Booking confirmed", StringComparison.Ordinal) && (m.Subject ?? "").Contains("12:00", StringComparison.Ordinal));
        var secondId = Guid.Parse(second["id"]!.GetValue<string>());
        Assert.Equal(0, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Channel == OutboxChannel.Push && m.BookingId == secondId)));
        var withdrawn = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Single(m => m.Id == queued));
        Assert.Equal(OutboxStatus.Withdrawn, withdrawn.Status);
        Assert.Equal(PushFanOut.PortalOff, withdrawn.LastError);
        Assert.Empty(push.Received);
        // The device stays subscribed for when the portal opens again.
        Assert.Equal(1, app.WithDb(db => db.ClientPushSubscriptions.IgnoreQueryFilters().Count()));

        // On again: the next booking mail is pushed to the same device.
        var on = Config();
        on["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), on)).StatusCode);
        var third = await BookAsync(app, "2027-03-04T14:00:00+01:00", "consult", "anna", "ada@example.com");
        var arrived = Assert.Single(await push.WaitForAsync(p => p.Device == device.Id, 1));
        Assert.Empty(push.Refused);
        Assert.Equal(third["id"]!.GetValue<string>(), JsonNode.Parse(arrived.Payload)!["tag"]!.GetValue<string>());
        Assert.Single(push.Received);
    }

    [Fact]
    public async Task MergedProfile_SignsInToTheKeptProfile_AndSeesItsBookings()
    {
        await using var app = await ArrangeAsync(null);
        var old = await BookAsync(app, "2027-03-04T10:00:00+01:00", "consult", "anna", "ada.old@example.com");
        var kept = await BookAsync(app, "2027-03-04T12:00:00+01:00", "consult", "anna", "ada@example.com");
        var before = await SignInQueuedAsync(app, "ada.old@example.com");
        var html = await before.GetAsync("/account");
        Assert.Contains($"data-booking=\"{old["id"]}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-booking=\"{kept["id"]}\"", html, StringComparison.Ordinal);

        var ids = app.WithDb(db => db.Customers.IgnoreQueryFilters().AsNoTracking().ToDictionary(c => c.Email, c => c.Id));
        var merged = await app.Admin().PostAsync($"/api/v1/admin/customers/{ids["ada@example.com"]}/merge", Json(new JsonObject { ["from"] = ids["ada.old@example.com"].ToString() }));
        Assert.True(merged.IsSuccessStatusCode, await merged.Content.ReadAsStringAsync());

        // The session started before the merge goes on as the kept profile; so does a new sign-in with the old address.
        foreach (var session in new[] { before, await SignInQueuedAsync(app, "ada.old@example.com") })
        {
            var page = await session.Client.GetAsync("/account");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var text = await page.Content.ReadAsStringAsync();
            Assert.Contains($"data-booking=\"{old["id"]}\"", text, StringComparison.Ordinal);
            Assert.Contains($"data-booking=\"{kept["id"]}\"", text, StringComparison.Ordinal);
            var profile = WebUtility.HtmlDecode(await session.GetAsync("/account/profile"));
            Assert.Contains("ada@example.com", profile, StringComparison.Ordinal);
        }
        // The kept address signs in to the same profile.
        var direct = await (await SignInQueuedAsync(app, "ada@example.com")).GetAsync("/account");
        Assert.Contains($"data-booking=\"{old["id"]}\"", direct, StringComparison.Ordinal);
    }
}

public sealed class SqlitePortalPushTests : PortalPushTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPortalPushTests : PortalPushTests
{
    protected override Db Kind => Db.Postgres;
}
