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

    [Fact]
    public async Task TheBulkPreview_NamesSlotsMembersWouldFindEmpty_TheTablesNameTheirColumns_AndBookingsShowTheOrganizationsName()
    {
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:RateLimits:BookingsPerMinute"] = "0");
        // Anna (the only one who gives consultations) is off on Tuesday 9 March; Bob cuts hair that day as ever.
        var config = Config().Also(c =>
        {
            var page = c["pages"]![0]!;
            page["staff"]![0]!["exceptions"] = JsonNode.Parse("""[ { "date": "2027-03-09", "closed": true } ]""");
            page["organizations"] = JsonNode.Parse("""
                [ { "key": "camp", "name": "Spring Camp", "services": ["haircut", "consult"], "from": "2027-03-01", "to": "2027-03-14", "exclusive": false,
                    "timeSlots": [ { "date": "2027-03-03", "hours": [["09:00","10:00"]], "services": ["consult"], "capacity": null } ] } ]
                """);
            // A second page with an organization of its own: the admin page opens on the page and organization asked for.
            c["pages"]!.AsArray().Add(JsonNode.Parse("""
                { "slug": "studio", "name": "Second Studio", "timeZone": "Europe/Amsterdam", "schedule": { "mon": [["09:00","17:00"]] },
                  "services": [ { "key": "photo", "name": "Photo", "durationMinutes": 15, "payment": "none", "requiresStaff": false, "resourceTypes": [] } ],
                  "staff": [], "resources": [],
                  "organizations": [ { "key": "club", "name": "Studio Club", "services": ["photo"], "from": null, "to": null, "exclusive": false, "timeSlots": [] } ] }
                """));
        });
        var put = await PutConfig(app.Admin(), config);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        const string view = "/admin/organizations?page=salon&org=camp";
        var studio = WebUtility.HtmlDecode(await owner.GetAsync("/admin/organizations?page=studio&org=club"));
        Assert.Contains("<option value=\"studio\" selected=\"selected\">", studio, StringComparison.Ordinal);
        Assert.Contains("Organization: Studio Club", studio, StringComparison.Ordinal);
        static KeyValuePair<string, string> F(string k, string v) => KeyValuePair.Create(k, v);
        List<KeyValuePair<string, string>> bulk =
        [
            F("page", "salon"), F("org", "camp"), F("bulk.From", "2027-03-02"), F("bulk.To", "2027-03-16"), F("bulk.Days", "tue"),
            F("bulk.Start", "09:00"), F("bulk.End", "10:00"), F("bulk.Service", ""),
        ];

        // Tuesdays 2, 9 and 16 March for both of the camp's services: the 16th lies after the camp's last date, and on the 9th
        // nobody who gives consultations works (haircuts have Bob); the 2nd is fine.
        var preview = await WebSession.TextAsync(await owner.PostFormAsync("/admin/organizations?handler=Bulk", bulk, view));
        Assert.Contains("3 time slots will be created", preview, StringComparison.Ordinal);
        Assert.Contains("2027-03-16 09:00–10:00: outside the organization's dates, so its members would never see this time slot.", preview, StringComparison.Ordinal);
        Assert.Contains("2027-03-09 09:00–10:00: no staff member who offers Consultation works in these hours", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("who offers Haircut", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("2027-03-02 09:00–10:00:", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("2027-03-16 09:00–10:00: no staff", preview, StringComparison.Ordinal);
        // Slots naming a staff member are checked against that staff member's own hours instead.
        var bob = await WebSession.TextAsync(await owner.PostFormAsync("/admin/organizations?handler=Bulk",
            [.. bulk.Where(f => f.Key != "bulk.Service"), F("bulk.Service", "haircut"), F("bulk.Staff", "bob")], view));
        Assert.DoesNotContain("no staff member", bob, StringComparison.Ordinal);
        var dutch = await WebSession.TextAsync(await owner.PostFormAsync("/admin/organizations?handler=Bulk&lang=nl", bulk, view));
        Assert.Contains("2027-03-16 09:00–10:00: buiten de data van de organisatie", dutch, StringComparison.Ordinal);
        Assert.Contains("2027-03-09 09:00–10:00: geen medewerker die Consultation aanbiedt", dutch, StringComparison.Ordinal);
        // The previews land on their result (a page without JavaScript opens at the fragment).
        Assert.Contains("#bulk-preview\"", preview, StringComparison.Ordinal);
        Assert.Contains("#import-preview\"", preview, StringComparison.Ordinal);

        // Created, they are listed by date among the slot made before them (not in the order they were added).
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/organizations?handler=Bulk", [.. bulk, F("confirm", "true")], view)).StatusCode);
        var listed = WebUtility.HtmlDecode(await owner.GetAsync(view));
        var order = new[] { "2027-03-02", "2027-03-03", "2027-03-09", "2027-03-16" }.Select(d => listed.IndexOf($"<td data-label=\"Date\">{d}</td>", StringComparison.Ordinal)).ToList();
        Assert.All(order, i => Assert.True(i > 0));
        Assert.Equal(order.Order(), order);
        Assert.DoesNotContain("slots-shown", listed, StringComparison.Ordinal);

        // A member books the camp's slot through their link.
        var link = await Body(await app.Admin().PostAsync("/api/v1/admin/organizations/camp/links",
            Json(new JsonObject { ["page"] = Slug, ["email"] = "cam@example.com", ["name"] = "Cam Camper", ["memberId"] = "C-7" })));
        var url = link["url"]!.GetValue<string>();
        var booking = Booking("2027-03-03T09:00:00+01:00", "consult", "cam@example.com");
        booking["customer"]!["name"] = "Cam Camper";
        booking["access"] = url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..];
        var booked = await Book(app.CreateClient(), booking);
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var id = (await Body(booked))["id"]!.GetValue<string>();

        // On a phone the tables stack, so each cell names its column; buttons name their row for a screen reader.
        var page = WebUtility.HtmlDecode(await owner.GetAsync(view));
        Assert.Contains("<td data-label=\"Seats\">–</td>", page, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Member id\">C-7</td>", page, StringComparison.Ordinal);
        Assert.Contains("Revoke links<span class=\"skip\">: Cam Camper</span>", page, StringComparison.Ordinal);
        Assert.Contains("Delete<span class=\"skip\">: 2027-03-03 09:00–10:00</span>", page, StringComparison.Ordinal);
        var nl = WebUtility.HtmlDecode(await owner.GetAsync(view + "&lang=nl"));
        Assert.Contains("<td data-label=\"Plaatsen\">–</td>", nl, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Lidnummer\">C-7</td>", nl, StringComparison.Ordinal);

        // The admin's bookings list and the booking's page name the organization as the owner knows it, with the member id.
        var list = WebUtility.HtmlDecode(await owner.GetAsync("/admin/bookings?from=2027-03-03&to=2027-03-03&org=camp"));
        Assert.Contains("· Spring Camp #C-7", list, StringComparison.Ordinal);
        var detail = WebUtility.HtmlDecode(await owner.GetAsync($"/admin/bookings/{id}"));
        Assert.Contains("<dd>Spring Camp · Member id C-7</dd>", detail, StringComparison.Ordinal);
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
