using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.ClientPortal;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.ClientPortal;

/// <summary>
/// <c>settings.clientPortal: false</c> switches the business's portal off: every <c>/account</c> address is a 404,
/// mails and the booking's pages carry no "Your bookings" link, and a link request answers its 202 but queues nothing.
/// Switched back on, all of it returns. Mails are read from the outbox (no mail server: they stay queued).
/// </summary>
public abstract class PortalSwitchTests
{
    protected abstract Db Kind { get; }

    private static JsonObject ConfigWithPortal(bool? on)
    {
        var doc = Config();
        var settings = doc["pages"]![0]!["settings"]!.AsObject();
        settings["notifyStaff"] = false;
        if (on is { } value)
        {
            settings["clientPortal"] = value;
        }
        return doc;
    }

    private static readonly string[] PortalAddresses = ["/account", "/account/signin", "/account/login?token=abc", "/account/profile", "/account/forms", "/account/notifications", "/account/sw.js", "/account/push.js"];

    private static HttpClient Browser(BookwellApp app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static StringContent Email(string email) => Json(new JsonObject { ["email"] = email });

    private static async Task<JsonObject> BookAsync(BookwellApp app, string start, string email)
    {
        var response = await Book(app.CreateClient(), Booking(start, "consult", email, "anna"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Body(response);
    }

    private static Task<BookwellApp> StartAsync(Db kind, SmtpSink sink) => BookwellApp.StartAsync(kind, s =>
    {
        s["Bookwell:Smtp:Host"] = "127.0.0.1";
        s["Bookwell:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        s["Bookwell:Smtp:UseTls"] = "false";
        s["Bookwell:Smtp:From"] = "bookings@salon.example";
    });

    /// <summary>The confirmation of the booking at this local time, as the mail server received it.</summary>
    private static async Task<MimeKit.MimeMessage> ConfirmationAsync(SmtpSink sink, int count, string time) =>
        Assert.Single(await sink.WaitForAsync(count), m => m.Subject?.Contains(time, StringComparison.Ordinal) == true);

    /// <summary>The stored text and HTML of the booking's e-mail reminder (not due yet, so still queued).</summary>
    private static string ReminderBody(BookwellApp app, JsonObject booking)
    {
        var id = Guid.Parse(booking["id"]!.GetValue<string>());
        var reminder = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking()
            .Single(m => m.BookingId == id && m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder && m.Channel == Bookwell.Features.Notifications.OutboxChannel.Email));
        return reminder.TextBody + reminder.HtmlBody;
    }

    private static int QueuedSignIns(BookwellApp app) => app.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Kind == ClientSignIn.Kind));

    [Fact]
    public async Task Off_Everything404s_NoLinksAnywhere_LinkRequestQueuesNothing_ThenOnAgain_AllReturns()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(Kind, sink);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ConfigWithPortal(false))).StatusCode);
        var browser = Browser(app);

        foreach (var path in PortalAddresses)
        {
            var answer = await browser.GetAsync(path);
            Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"{path} answered {(int)answer.StatusCode} with the portal off");
        }
        using (var subscribe = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.PostAsync("/account/push/subscriptions", subscribe)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await browser.PostAsync("/account/signin", new FormUrlEncodedContent([new("email", "ada@example.com")]))).StatusCode);

        var off = await BookAsync(app, "2027-03-04T10:00:00+01:00", "ada@example.com");
        var offMail = await ConfirmationAsync(sink, 1, "10:00");
        Assert.DoesNotContain("/account", offMail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("your-bookings", offMail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("/account", offMail.HtmlBody, StringComparison.Ordinal);
        var offPage = await browser.GetStringAsync($"/booking/{off["manageToken"]!.GetValue<string>()}?new=1");
        Assert.Contains("Consultation", offPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"your-bookings\"", offPage, StringComparison.Ordinal);
        // The booking's reminder (queued for the day before) follows the same rule.
        Assert.DoesNotContain("/account", ReminderBody(app, off), StringComparison.Ordinal);

        // The same 202 for a client's address and for a stranger's, and nothing queued for either.
        var known = await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"));
        var unknown = await app.CreateClient().PostAsync("/api/v1/account/link", Email("nobody@example.com"));
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal("{\"status\":\"accepted\"}", await known.Content.ReadAsStringAsync());
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Equal(0, QueuedSignIns(app));
        // A malformed body is still refused the same way as with the portal on.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("not-an-address"))).StatusCode);

        // On again (the setting left out: the default).
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ConfigWithPortal(null))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/signin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/sw.js")).StatusCode);
        var signedOut = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith("/account/signin", signedOut.Headers.Location?.PathAndQuery ?? signedOut.Headers.Location?.OriginalString, StringComparison.Ordinal);

        var on = await BookAsync(app, "2027-03-04T12:00:00+01:00", "ada@example.com");
        var onMail = await ConfirmationAsync(sink, 2, "12:00");
        Assert.Contains("https://book.example.test/account", onMail.TextBody, StringComparison.Ordinal);
        Assert.Contains("id=\"your-bookings\"", onMail.HtmlBody, StringComparison.Ordinal);
        var onPage = await browser.GetStringAsync($"/booking/{on["manageToken"]!.GetValue<string>()}?new=1");
        Assert.Contains("id=\"your-bookings\"", onPage, StringComparison.Ordinal);
        Assert.Contains("Your bookings: https://book.example.test/account", ReminderBody(app, on), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        Assert.Equal(1, QueuedSignIns(app));
    }

    [Fact]
    public async Task ALinkAskedForBeforeTheSwitch_IsWithdrawnUnsent()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ConfigWithPortal(true))).StatusCode);
        await BookAsync(app, "2027-03-04T10:00:00+01:00", "ada@example.com");
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateClient().PostAsync("/api/v1/account/link", Email("ada@example.com"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), ConfigWithPortal(false))).StatusCode);

        var rows = app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => m.Kind == ClientSignIn.Kind).ToList());
        var row = Assert.Single(rows);
        var skipped = new Dictionary<Guid, string>();
        await ClientSignIn.PrepareAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), rows, skipped, CancellationToken.None);
        Assert.Contains("switched its client portal off", skipped[row.Id], StringComparison.Ordinal);
        Assert.Null(row.TextBody);
        Assert.Equal(0, app.WithDb(db => db.ClientSignInTokens.IgnoreQueryFilters().Count()));
        Assert.Equal(ClientSignIn.NotAClient, app.WithDb(db => db.Outbox.IgnoreQueryFilters().Single(m => m.Id == row.Id).To));
    }

    [Fact]
    public async Task PagesThatDisagree_AreRefused_AtTheLaterPage()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var doc = ConfigWithPortal(false);
        var second = doc["pages"]![0]!.DeepClone().AsObject();
        second["slug"] = "salon-two";
        second["settings"]!["clientPortal"] = true;
        doc["pages"]!.AsArray().Add(second);
        var refused = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await Body(refused))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[1].settings.clientPortal"), errors.ToJsonString());
        Assert.False(errors.ContainsKey("pages[0].settings.clientPortal"));

        // Left out on the second page, it follows the first: the portal is off for the business.
        second["settings"]!.AsObject().Remove("clientPortal");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Browser(app).GetAsync("/account/signin")).StatusCode);
    }
}

public sealed class SqlitePortalSwitchTests : PortalSwitchTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPortalSwitchTests : PortalSwitchTests
{
    protected override Db Kind => Db.Postgres;
}
