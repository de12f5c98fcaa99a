using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// The organizations admin page on both databases: bulk time slots with a preview and clash report (and no
/// duplicates when run again), the CSV import that imports all rows or none, and personal links sent through
/// the outbox with the link made at send time (never in the stored message).
/// </summary>
public abstract class OrganizationAdminTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task BulkSlots_Import_AndSendingLinks()
    {
        using var smtp = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:PublicBaseUrl"] = "https://book.example.com";
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
        });
        var config = Config().Also(c => c["pages"]![0]!["organizations"] = new JsonArray(new JsonObject
        {
            ["key"] = "school",
            ["name"] = "Hillside School",
            ["services"] = new JsonArray("consult"),
            ["from"] = null,
            ["to"] = null,
            ["exclusive"] = false,
            ["timeSlots"] = new JsonArray(),
        }));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), config)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-08T09:00:00+01:00", "consult", "busy@example.com"))).StatusCode);

        var owner = WebSession.For(app);
        await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"), ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey));
        const string view = "/admin/organizations?page=salon&org=school";
        var html = WebUtility.HtmlDecode(await owner.GetAsync(view));
        Assert.Contains("Hillside School", html, StringComparison.Ordinal);

        KeyValuePair<string, string> F(string k, string v) => KeyValuePair.Create(k, v);
        List<KeyValuePair<string, string>> bulk =
        [
            F("page", "salon"), F("org", "school"), F("bulk.From", "2027-03-01"), F("bulk.To", "2027-03-31"), F("bulk.Days", "mon"), F("bulk.Days", "wed"),
            F("bulk.Start", "09:00"), F("bulk.End", "10:00"), F("bulk.Service", "consult"),
        ];
        var preview = await owner.PostFormAsync("/admin/organizations?handler=Bulk", bulk, view);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var previewHtml = await WebSession.TextAsync(preview);
        Assert.Contains("10 time slots will be created (0 already exist", previewHtml, StringComparison.Ordinal);
        Assert.Contains("2027-03-08 09:00–10:00: 1 booking(s)", previewHtml, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/organizations?handler=Bulk", [.. bulk, F("confirm", "true")], view)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/organizations?handler=Bulk", [.. bulk, F("confirm", "true")], view)).StatusCode);
        var stored = (await Body(await app.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]![0]!["timeSlots"]!.AsArray();
        Assert.Equal(10, stored.Count);

        // One bad row: nothing is imported.
        var bad = await owner.PostFormAsync("/admin/organizations?handler=Import",
            [F("page", "salon"), F("org", "school"), F("csv", "name,email,id\nKim Kid,kim@example.com,S1\nNo Mail,nope,S2"), F("confirm", "true")], view);
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("Line 3", await WebSession.TextAsync(bad), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDb(db => db.OrganizationMembers.Count()));
        var good = await owner.PostFormAsync("/admin/organizations?handler=Import",
            [F("page", "salon"), F("org", "school"), F("csv", "name,email,id\nKim Kid,kim@example.com,S1\n\"Lee, Jo\",jo@example.com,S2"), F("confirm", "true")], view);
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        Assert.Equal(2, app.WithDb(db => db.OrganizationMembers.Count()));
        Assert.Equal("Lee, Jo", app.WithDb(db => db.OrganizationMembers.Single(m => m.MemberNumber == "S2").Name));

        var sent = await owner.PostFormAsync("/admin/organizations?handler=Send", [F("page", "salon"), F("org", "school"), F("kind", "organization")], view);
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.All(app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.OrganizationLink).ToList()),
            m => Assert.DoesNotContain("access=", m.TextBody ?? "", StringComparison.Ordinal));
        // The booking above and the owner's claim send mails of their own, in no fixed order with these.
        static List<MimeKit.MimeMessage> Invitations(IEnumerable<MimeKit.MimeMessage> all) =>
            all.Where(m => (m.Subject ?? "").StartsWith("Book your appointment", StringComparison.Ordinal)).ToList();
        var mails = Invitations(await smtp.WaitForAsync(2));
        for (var n = 3; mails.Count < 2 && n <= 8; n++)
        {
            mails = Invitations(await smtp.WaitForAsync(n));
        }
        Assert.Equal(2, mails.Count);
        var text = mails.Single(m => m.To.ToString().Contains("kim@", StringComparison.Ordinal)).TextBody ?? "";
        var start = text.IndexOf("https://book.example.com/book/salon?access=", StringComparison.Ordinal);
        Assert.True(start >= 0, text);
        // Issue 14: the invitation leads to the client portal too, on the business's configured host.
        Assert.Contains("Your bookings: https://book.example.com/account", text, StringComparison.Ordinal);
        var token = text.Substring(start + "https://book.example.com/book/salon?access=".Length, 43);
        var slots = await Body(await app.CreateClient().GetAsync($"/api/v1/pages/salon/slots?service=consult&from=2027-03-03&to=2027-03-03&access={token}"));
        Assert.Single(slots["slots"]!.AsArray());
    }
}

public sealed class SqliteOrganizationAdminTests : OrganizationAdminTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOrganizationAdminTests : OrganizationAdminTests
{
    protected override Db Kind => Db.Postgres;
}
