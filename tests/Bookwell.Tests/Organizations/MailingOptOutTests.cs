using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// Issue 17, "no tracking for clients who opted out", on both databases. A mailing's unsubscribe link and the marketing
/// preference (client portal, a booking's preferences) are one choice: withdrawing the consent in the portal stops
/// mailings as the unsubscribe link does, the portal shows an unsubscribe as withdrawn, and giving the consent again lets
/// mailings come again. A client who opted out after a mailing reached them is not tracked by it any more: its pixel and
/// click redirect still answer (the link still works) but record nothing.
/// </summary>
public abstract partial class MailingOptOutTests
{
    protected abstract Db Kind { get; }

    private const string Base = "https://book.example.test";

    [GeneratedRegex(@"https?://[^\s<>""]+/m/c/[A-Za-z0-9_-]+")]
    private static partial Regex ClickLink();

    [GeneratedRegex(@"https?://[^\s<>""]+/m/o/[A-Za-z0-9_-]+")]
    private static partial Regex PixelLink();

    [GeneratedRegex(@"https?://[^\s<>""]+/m/u/[A-Za-z0-9_-]+")]
    private static partial Regex UnsubscribeLink();

    private static JsonObject OrgConfig() => Config().Also(c => c["pages"]![0]!["organizations"] = new JsonArray(new JsonObject
    {
        ["key"] = "school",
        ["name"] = "Hillside School",
        ["services"] = new JsonArray("consult"),
        ["from"] = null,
        ["to"] = null,
        ["exclusive"] = false,
        ["timeSlots"] = new JsonArray(new JsonObject { ["date"] = "2027-03-07", ["hours"] = new JsonArray(new JsonArray("09:00", "12:00")), ["services"] = null }),
    }));

    private static string Email(int i) => $"parent{i}@example.com";

    private static JsonObject Mailing(Guid id) => new()
    {
        ["page"] = Slug,
        ["id"] = id.ToString(),
        ["subject"] = "Picture day at {{organization}}",
        ["body"] = "Hello {{first_name}},\n\nBook here: {{booking_link}}",
        ["audience"] = "all",
        ["language"] = "en",
    };

    private static string PathOf(string url) => new Uri(WebUtility.HtmlDecode(url)).PathAndQuery;

    [Fact]
    public async Task PortalWithdrawalAndUnsubscribe_AreOneChoice_NoMailingNoTracking_UntilConsentIsGivenAgain()
    {
        using var sink = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:PublicBaseUrl"] = Base;
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
        });
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, OrgConfig())).StatusCode);
        var tokens = new Dictionary<int, string>();
        for (var i = 1; i <= 3; i++)
        {
            var link = await Body(await admin.PostAsync("/api/v1/admin/organizations/school/links",
                Json(new JsonObject { ["page"] = Slug, ["email"] = Email(i), ["name"] = $"Parent {i}" })));
            var url = link["url"]!.GetValue<string>();
            tokens[i] = url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..];
        }

        // Parent 1 follows their link (signed in to the portal), gives the marketing consent, then withdraws it there.
        var portal = WebSession.For(app);
        Assert.Contains("Parent 1", await portal.GetAsync($"/book/{Slug}?access={tokens[1]}"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await portal.PostFormAsync("/account/notifications", ("emailReminders", "true"), ("marketing", "true"))).StatusCode);
        Assert.True(app.WithDb(db => db.Customers.Single(c => c.Email == Email(1)).MarketingOptIn));
        Assert.Null(app.WithDb(db => db.Customers.Single(c => c.Email == Email(1)).MailingsOffAt));
        Assert.Equal(HttpStatusCode.OK, (await portal.PostFormAsync("/account/notifications", ("emailReminders", "true"))).StatusCode);
        Assert.NotNull(app.WithDb(db => db.Customers.Single(c => c.Email == Email(1)).MailingsOffAt));
        // Parent 2 never gave a consent and saves their preferences unchanged: that withdraws nothing.
        var other = WebSession.For(app);
        await other.GetAsync($"/book/{Slug}?access={tokens[2]}");
        Assert.Equal(HttpStatusCode.OK, (await other.PostFormAsync("/account/notifications", ("emailReminders", "true"))).StatusCode);
        Assert.Null(app.WithDb(db => db.Customers.Single(c => c.Email == Email(2)).MailingsOffAt));

        // The mailing: parent 1 gets nothing; parents 2 and 3 get it with the pixel and the click redirect.
        var first = Guid.NewGuid();
        var created = await Body(await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(first))));
        Assert.Equal(2, created["recipients"]!.GetValue<int>());
        var mails = (await sink.WaitForAsync(2)).Where(m => m.Subject == "Picture day at Hillside School").ToList();
        Assert.Equal([Email(2), Email(3)], mails.Select(m => m.To.Mailboxes.Single().Address).Order());
        Assert.All(mails, m => Assert.Matches(PixelLink(), m.HtmlBody!));
        Assert.All(mails, m => Assert.Matches(ClickLink(), m.TextBody!));

        // Parent 3 unsubscribes with the link: the portal shows the consent withdrawn.
        var third = mails.Single(m => m.To.Mailboxes.Single().Address == Email(3));
        var unsubscriber = WebSession.For(app);
        Assert.Contains("id=\"unsubscribed\"", await WebSession.TextAsync(await unsubscriber.PostFormAsync(PathOf(UnsubscribeLink().Match(third.TextBody!).Value))),
            StringComparison.Ordinal);
        // Parent 3 never gave the news consent, so only the mailings choice changed: one history row, from the link,
        // and a second press of the button records nothing more.
        List<(ConsentKind What, bool From, bool To, ConsentSource Source)> History(string email) => app.WithDb(db =>
        {
            var id = db.Customers.Single(x => x.Email == email).Id;
            return db.Set<ConsentChange>().AsNoTracking().Where(c => c.CustomerId == id).OrderBy(c => c.At).ThenBy(c => c.Id).ToList()
                .Select(c => (c.What, c.From, c.To, c.Source)).ToList();
        });
        Assert.Equal([(ConsentKind.Mailings, true, false, ConsentSource.Mailing)], History(Email(3)));
        Assert.Contains("id=\"unsubscribed\"", await WebSession.TextAsync(await unsubscriber.PostFormAsync(PathOf(UnsubscribeLink().Match(third.TextBody!).Value))),
            StringComparison.Ordinal);
        Assert.Single(History(Email(3)));
        // Parent 1's withdrawal in the portal stopped both, and the history says so.
        Assert.Contains((ConsentKind.Mailings, true, false, ConsentSource.Portal), History(Email(1)));
        Assert.Contains((ConsentKind.Marketing, true, false, ConsentSource.Portal), History(Email(1)));
        await unsubscriber.GetAsync($"/book/{Slug}?access={tokens[3]}");
        var preferences = await unsubscriber.GetAsync("/account/notifications");
        Assert.Contains("<input id=\"marketing\" name=\"marketing\" type=\"checkbox\" value=\"true\">", preferences, StringComparison.Ordinal);

        // Opened and clicked after opting out: the link still leads to the booking page, but nothing is recorded.
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(PathOf(PixelLink().Match(third.HtmlBody!).Value))).StatusCode);
        var redirect = await client.GetAsync(PathOf(ClickLink().Match(third.TextBody!).Value));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith($"{Base}/book/{Slug}?access=", redirect.Headers.Location!.ToString(), StringComparison.Ordinal);
        var row3 = app.WithDb(db => db.MailingRecipients.AsNoTracking().Single(r => r.MailingId == first && r.Email == Email(3)));
        Assert.Null(row3.OpenedAt);
        Assert.Null(row3.ClickedAt);
        // The same for parent 2, who did not opt out, is recorded.
        var second = mails.Single(m => m.To.Mailboxes.Single().Address == Email(2));
        await client.GetAsync(PathOf(PixelLink().Match(second.HtmlBody!).Value));
        await client.GetAsync(PathOf(ClickLink().Match(second.TextBody!).Value));
        var row2 = app.WithDb(db => db.MailingRecipients.AsNoTracking().Single(r => r.MailingId == first && r.Email == Email(2)));
        Assert.NotNull(row2.OpenedAt);
        Assert.NotNull(row2.ClickedAt);

        // Parent 1 gives the consent again in the portal: the next mailing reaches them (and parent 2), not parent 3.
        Assert.Equal(HttpStatusCode.OK, (await portal.PostFormAsync("/account/notifications", ("emailReminders", "true"), ("marketing", "true"))).StatusCode);
        Assert.Null(app.WithDb(db => db.Customers.Single(c => c.Email == Email(1)).MailingsOffAt));
        Assert.Equal((ConsentKind.Mailings, false, true, ConsentSource.Portal), History(Email(1)).Last(c => c.What == ConsentKind.Mailings));
        var next = Guid.NewGuid();
        Assert.Equal(2, (await Body(await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(next)))))["recipients"]!.GetValue<int>());
        Assert.Equal([Email(1), Email(2)], app.WithDb(db => db.MailingRecipients.Where(r => r.MailingId == next).Select(r => r.Email).ToList()).Order());
    }
}

public sealed class SqliteMailingOptOutTests : MailingOptOutTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMailingOptOutTests : MailingOptOutTests
{
    protected override Db Kind => Db.Postgres;
}
