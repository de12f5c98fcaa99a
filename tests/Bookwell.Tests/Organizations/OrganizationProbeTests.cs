using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// What a hostile probe of issues 17 and 14 found, on both databases with one app per database: a portal session that an
/// organization's personal link started sets no password and deletes no account (the page says why, in English and
/// Dutch) and ends when the link is revoked or expires, on a sign-in page that says which; a link mail or mailing queued before its member's links were revoked is
/// withdrawn with the reason instead of making a fresh link; an erased member gets no link mail and their links open
/// nothing; the members' CSV is read as RFC 4180 (and a first line is skipped only when it is a header); an unknown merge
/// field in a mailing's subject is reported under <c>subject</c>.
/// </summary>
public abstract class OrganizationProbeTests(OrganizationProbeTests.Shared shared)
{
    private static JsonObject Organization(string key, string name) => new()
    {
        ["key"] = key,
        ["name"] = name,
        ["services"] = new JsonArray("consult"),
        ["from"] = null,
        ["to"] = null,
        ["exclusive"] = false,
        ["timeSlots"] = new JsonArray(new JsonObject { ["date"] = "2027-03-07", ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")), ["services"] = null }),
    };

    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public SmtpSink Sink { get; } = SmtpSink.Start();

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:PublicBaseUrl"] = "https://book.example.com";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = Sink.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
                // A day's links: the expiry test moves the clock by one day, not thirty.
                s["Bookwell:Organizations:LinkDays"] = "1";
            });
            var config = Config().Also(c =>
            {
                var page = c["pages"]![0]!;
                page["organizations"] = new JsonArray(Organization("school", "Hillside School"), Organization("club", "Riverside Club"),
                    Organization("team", "Tigers Team"));
                // One mail a minute: a link mail queued for the second member is due a minute later, so it can be revoked first.
                page["settings"]!["mailingsPerMinute"] = 1;
            });
            var put = await PutConfig(App.Admin(), config);
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Sink.Dispose();
        }
    }

    private BookwellApp App => shared.App;

    private async Task<string> TokenAsync(string org, string email, string name)
    {
        var response = await App.Admin().PostAsync($"/api/v1/admin/organizations/{org}/links",
            Json(new JsonObject { ["page"] = Slug, ["email"] = email, ["name"] = name }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var url = (await Body(response))["url"]!.GetValue<string>();
        return url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..];
    }

    private async Task RevokeAsync(string org, string email) =>
        Assert.Equal(HttpStatusCode.OK, (await App.Admin().PostAsync($"/api/v1/admin/organizations/{org}/revoke",
            Json(new JsonObject { ["page"] = Slug, ["email"] = email }))).StatusCode);

    [Fact]
    public async Task AnOrganizationLinkSession_SetsNoPassword_DeletesNothing_AndEndsWhenTheLinkIsRevoked()
    {
        const string email = "mia@example.com";
        var token = await TokenAsync("school", email, "Mia Member");
        var session = WebSession.For(App);
        Assert.Contains("Mia Member", await session.GetAsync($"/book/{Slug}?access={token}"), StringComparison.Ordinal);

        var profile = await session.Client.GetAsync("/account/profile");
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        var html = await WebSession.TextAsync(profile);
        Assert.Contains("id=\"org-link-limits\"", html, StringComparison.Ordinal);
        Assert.Contains("not that this e-mail address is yours", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"save-password\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"delete-account\"", html, StringComparison.Ordinal);
        Assert.Contains("niet dat dit e-mailadres van jou is", await WebSession.TextAsync(await session.Client.GetAsync("/account/profile?lang=nl")),
            StringComparison.Ordinal);

        // Posted anyway (the forms of another session's page): refused, and nothing changes.
        var customer = App.WithDb(db => db.Customers.Single(c => c.Email == email).Id);
        var password = await session.PostFormAsync("/account/profile?handler=password", [KeyValuePair.Create("password", "a-brand-new-secret-1"),
            KeyValuePair.Create("confirm", "a-brand-new-secret-1")], "/account/profile");
        Assert.Equal(HttpStatusCode.Forbidden, password.StatusCode);
        Assert.Null(App.WithDb(db => db.ClientAccounts.Where(a => a.CustomerId == customer).Select(a => a.PasswordHash).FirstOrDefault()));
        var delete = await session.PostFormAsync("/account/profile?handler=delete", [KeyValuePair.Create("confirmDelete", "true")], "/account/profile");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Null(App.WithDb(db => db.Customers.Single(c => c.Id == customer).ErasedAt));

        // The booking page's copy of the session fills in the member's details, until the link is revoked; then both end.
        Assert.Contains("Mia Member", await session.GetAsync($"/book/{Slug}?service=consult"), StringComparison.Ordinal);
        await RevokeAsync("school", email);
        Assert.DoesNotContain("Mia Member", await session.GetAsync($"/book/{Slug}?service=consult"), StringComparison.Ordinal);
        var after = await session.Client.GetAsync("/account/profile");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/account/signin?ended=link-revoked", after.Headers.Location!.OriginalString);
        Assert.Contains("Your personal link no longer works", await WebSession.TextAsync(await session.Client.GetAsync(after.Headers.Location)),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOrganizationLinkSession_EndsWhenTheLinkExpires_OnAPageThatSaysSo()
    {
        const string email = "eli@example.com";
        var started = App.Clock.GetCurrentInstant();
        var token = await TokenAsync("school", email, "Eli Expiring");
        var expires = App.WithDb(db => db.OrganizationLinks.Single(l => db.OrganizationMembers.Any(m => m.Id == l.MemberId && m.Email == email)).ExpiresAt);
        var session = WebSession.For(App);
        Assert.Contains("Eli Expiring", await session.GetAsync($"/book/{Slug}?access={token}"), StringComparison.Ordinal);
        try
        {
            // A minute before the link expires the session still holds, in the portal and on the booking page.
            App.Clock.Reset(expires - Duration.FromMinutes(1));
            Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/account")).StatusCode);
            Assert.Contains("Eli Expiring", await session.GetAsync($"/book/{Slug}?service=consult"), StringComparison.Ordinal);

            // Once it has expired (the cookie itself would last two weeks more), both end, and the portal says why.
            App.Clock.Reset(expires + Duration.FromMinutes(1));
            Assert.DoesNotContain("Eli Expiring", await session.GetAsync($"/book/{Slug}?service=consult"), StringComparison.Ordinal);
            var after = await session.Client.GetAsync("/account");
            Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
            Assert.Equal("/account/signin?ended=link-expired", after.Headers.Location!.OriginalString);
            var page = await WebSession.TextAsync(await session.Client.GetAsync(after.Headers.Location));
            Assert.Contains("id=\"session-ended\"", page, StringComparison.Ordinal);
            Assert.Contains("Your personal link has expired", page, StringComparison.Ordinal);
            Assert.Contains("id=\"send-link\"", page, StringComparison.Ordinal);
            Assert.Contains("Je persoonlijke link is verlopen",
                await WebSession.TextAsync(await session.Client.GetAsync("/account/signin?ended=link-expired&lang=nl")), StringComparison.Ordinal);

            // Signed out for good: the portal asks for a sign-in again, with no reason left to give.
            var again = await session.Client.GetAsync("/account/profile");
            Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
            Assert.DoesNotContain("ended=", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        finally
        {
            App.Clock.Reset(started);
        }
    }

    [Fact]
    public async Task MailsQueuedBeforeARevocation_MakeNoLink_AndErasedMembersGetNoLinkMail_NorKeepTheirLinks()
    {
        await TokenAsync("club", "aaron@example.com", "Aaron First");
        await TokenAsync("club", "bea@example.com", "Bea Revoked");
        var erasedToken = await TokenAsync("club", "cas@example.com", "Cas Erased");

        // Erasure revokes the member's links: the link opens nothing of the organization.
        var cas = App.WithDb(db => db.Customers.Single(c => c.Email == "cas@example.com").Id);
        Assert.Equal(HttpStatusCode.NoContent, (await App.Admin().PostAsync($"/api/v1/admin/customers/{cas}/erase", null)).StatusCode);
        var dead = await App.CreateClient().GetStringAsync($"/book/{Slug}?access={erasedToken}");
        Assert.Contains("id=\"link-dead\"", dead, StringComparison.Ordinal);
        Assert.DoesNotContain("Riverside", dead, StringComparison.Ordinal);

        // Links by mail, and a mailing with a link: Aaron's go now, Bea's a minute later; the erased member gets none.
        const string view = "/admin/organizations?page=salon&org=club";
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=Send",
            [KeyValuePair.Create("page", "salon"), KeyValuePair.Create("org", "club"), KeyValuePair.Create("kind", "organization")], view)).StatusCode);
        var mailing = await App.Admin().PostAsync("/api/v1/admin/organizations/club/mailings", Json(new JsonObject
        {
            ["page"] = Slug,
            ["id"] = Guid.NewGuid().ToString(),
            ["subject"] = "Club day",
            ["body"] = "Hello {{first_name}}, book here: {{booking_link}}",
            ["audience"] = "all",
            ["language"] = "en",
        }));
        Assert.Equal(HttpStatusCode.Created, mailing.StatusCode);
        var bea = App.WithDb(db => db.OrganizationMembers.Single(m => m.Email == "bea@example.com").Id);
        List<OutboxMessage> Mails() => App.WithDb(db => db.Outbox.AsNoTracking()
            .Where(m => m.Kind == MessageKind.OrganizationLink || m.Kind == MessageKind.OrganizationMailing).ToList());
        Assert.Equal(4, Mails().Count);
        Assert.DoesNotContain(Mails(), m => m.To.Contains("@invalid", StringComparison.Ordinal) || m.To.Contains("cas", StringComparison.Ordinal));

        await RevokeAsync("club", "bea@example.com");
        App.Clock.Advance(Duration.FromMinutes(3));
        App.Services.GetRequiredService<OutboxSignal>().Notify();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Mails().Any(m => m.Status is OutboxStatus.Queued or OutboxStatus.Sending) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var mails = Mails();
        Assert.All(mails.Where(m => m.To == "aaron@example.com"), m => Assert.Equal(OutboxStatus.Sent, m.Status));
        var withdrawn = mails.Where(m => m.To == "bea@example.com").ToList();
        Assert.Equal(2, withdrawn.Count);
        Assert.All(withdrawn, m =>
        {
            Assert.Equal(OutboxStatus.Withdrawn, m.Status);
            Assert.Contains("revoked", m.LastError, StringComparison.Ordinal);
        });
        // Only the link made before the revocation exists for Bea, and it is revoked.
        Assert.Equal([true], App.WithDb(db => db.OrganizationLinks.Where(l => l.MemberId == bea).Select(l => l.RevokedAt != null).ToList()));
        Assert.DoesNotContain(shared.Sink.Messages(), m => m.To.ToString().Contains("bea@", StringComparison.Ordinal));
    }

    private async Task<(HttpResponseMessage Response, string Html)> ImportAsync(string csv, bool confirm)
    {
        List<KeyValuePair<string, string>> fields = [KeyValuePair.Create("page", "salon"), KeyValuePair.Create("org", "team"), KeyValuePair.Create("csv", csv)];
        if (confirm)
        {
            fields.Add(KeyValuePair.Create("confirm", "true"));
        }
        var response = await shared.Owner.PostFormAsync("/admin/organizations?handler=Import", fields, "/admin/organizations?page=salon&org=team");
        return (response, await WebSession.TextAsync(response));
    }

    [Fact]
    public async Task TheMembersCsv_IsReadAsRfc4180_AndAFirstLineIsSkippedOnlyWhenItIsAHeader()
    {
        // A bad first line is a member with an error, not a header to skip.
        var (_, firstBad) = await ImportAsync("Kim Kid,not-an-email\nLee Jo,lee@example.com,T0", confirm: false);
        Assert.Contains("Line 1: not an e-mail address", firstBad, StringComparison.Ordinal);

        // A header, CRLF, a quoted comma, doubled quotes and a quoted line break: the bad row is named by the line it is on.
        const string members = "\"Lee, Jo\",jo@example.com,T1\r\n\"Max \"\"Maxi\"\" Moe\",max@example.com,T2\r\n\"Ann\r\nMarie\",ann@example.com,T3\r\n";
        var (_, bad) = await ImportAsync("Name,E-mail,Member id\r\n" + members + "Bad Row,nope,T4\r\n", confirm: true);
        Assert.Contains("Line 6: not an e-mail address", bad, StringComparison.Ordinal);
        Assert.DoesNotContain("Line 4", bad, StringComparison.Ordinal);
        Assert.DoesNotContain("Line 5", bad, StringComparison.Ordinal);
        Assert.Equal(0, App.WithDb(db => db.OrganizationMembers.Count(m => m.OrganizationKey == "team")));

        // With a byte order mark and no header: every row is a member, as written.
        var (imported, _) = await ImportAsync("\uFEFF" + members, confirm: true);
        Assert.Equal(HttpStatusCode.Redirect, imported.StatusCode);
        Assert.Equal(["Ann Marie|T3", "Lee, Jo|T1", "Max \"Maxi\" Moe|T2"],
            App.WithDb(db => db.OrganizationMembers.Where(m => m.OrganizationKey == "team").OrderBy(m => m.Name).Select(m => m.Name + "|" + m.MemberNumber).ToList()));
    }

    [Fact]
    public async Task AnUnknownMergeFieldInTheSubject_IsReportedUnderSubject()
    {
        var response = await App.Admin().PostAsync("/api/v1/admin/organizations/school/mailings", Json(new JsonObject
        {
            ["page"] = Slug,
            ["id"] = Guid.NewGuid().ToString(),
            ["subject"] = "Picture day {{nope}}",
            ["body"] = "Hello {{name}}",
            ["audience"] = "all",
            ["language"] = "en",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.Contains("{{nope}}", errors["subject"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.False(errors.ContainsKey("body"));
    }
}

public sealed class SqliteOrganizationProbeShared : OrganizationProbeTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOrganizationProbeShared : OrganizationProbeTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteOrganizationProbeTests(SqliteOrganizationProbeShared shared)
    : OrganizationProbeTests(shared), IClassFixture<SqliteOrganizationProbeShared>;

public sealed class PostgresOrganizationProbeTests(PostgresOrganizationProbeShared shared)
    : OrganizationProbeTests(shared), IClassFixture<PostgresOrganizationProbeShared>;
