using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// The "Mailings" admin page on both databases: compose, preview for a member, send once (a second send of the same form sends
/// nothing), figures per recipient, no style attributes, Dutch.
/// </summary>
public abstract partial class MailingsPageTests
{
    protected abstract Db Kind { get; }

    [GeneratedRegex("name=\"Compose.Id\" value=\"([0-9a-f-]{36})\"")]
    private static partial Regex ComposeId();

    [Fact]
    public async Task Page_PreviewsForAMember_SendsOnce_ShowsRecipients()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
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
        foreach (var (name, email) in new[] { ("Ann Able", "ann@example.com"), ("Bob Baker", "bob@example.com") })
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync("/api/v1/admin/organizations/school/links",
                Json(new JsonObject { ["page"] = Slug, ["email"] = email, ["name"] = name }))).StatusCode);
        }
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);

        var html = await owner.GetAsync("/admin/mailings?page=salon&org=school");
        Assert.Contains("This mailing goes to 2 members.", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        var id = ComposeId().Match(html).Groups[1].Value;
        var bob = app.WithDb(db => db.OrganizationMembers.Single(m => m.Email == "bob@example.com").Id.ToString());
        (string, string)[] form =
        [
            ("page", "salon"), ("org", "school"), ("Compose.Id", id), ("Compose.Audience", "all"), ("Compose.Language", "en"),
            ("Compose.Subject", "Picture day"), ("Compose.Body", "Dear {{first_name}}, book for {{organization}}: {{booking_link}}"), ("Compose.PreviewMember", bob),
        ];
        var preview = await WebSession.TextAsync(await owner.PostFormAsync("/admin/mailings?handler=Preview&page=salon&org=school",
            form.Select(f => KeyValuePair.Create(f.Item1, f.Item2)), "/admin/mailings?page=salon&org=school"));
        Assert.Contains("Dear Bob, book for Hillside School: https://book.example.test/book/salon?access=", preview, StringComparison.Ordinal);
        Assert.Contains("Send to 2 members", preview, StringComparison.Ordinal);
        Assert.Equal(0, app.WithDb(db => db.Outbox.Count(m => m.Kind == MessageKind.OrganizationMailing)));

        var sent = await owner.PostFormAsync("/admin/mailings?handler=Send&page=salon&org=school", form.Select(f => KeyValuePair.Create(f.Item1, f.Item2)),
            "/admin/mailings?page=salon&org=school");
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.Equal($"/admin/mailings/{id}", sent.Headers.Location!.ToString());
        var again = await owner.PostFormAsync("/admin/mailings?handler=Send&page=salon&org=school", form.Select(f => KeyValuePair.Create(f.Item1, f.Item2)),
            "/admin/mailings?page=salon&org=school");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal(2, app.WithDb(db => db.Outbox.Count(m => m.Kind == MessageKind.OrganizationMailing)));

        var detail = await owner.GetAsync($"/admin/mailings/{id}");
        Assert.Contains("Ann Able", detail, StringComparison.Ordinal);
        Assert.Contains("Bob Baker", detail, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"n-recipients\">2</dd>", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", detail, StringComparison.Ordinal);
        Assert.Contains("Picture day", await owner.GetAsync("/admin/mailings?page=salon&org=school"), StringComparison.Ordinal);
        Assert.Contains("Ontvangers", await owner.GetAsync($"/admin/mailings/{id}?lang=nl"), StringComparison.Ordinal);
        Assert.Contains("Versturen aan", await owner.GetAsync("/admin/mailings?page=salon&org=school&lang=nl"), StringComparison.Ordinal);
        // The bookings list takes the organization as a filter (none booked through it yet).
        Assert.Contains("0 bookings", await owner.GetAsync("/admin/bookings?org=school"), StringComparison.Ordinal);
    }
}

public sealed class SqliteMailingsPageTests : MailingsPageTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMailingsPageTests : MailingsPageTests
{
    protected override Db Kind => Db.Postgres;
}
