using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// A visit of several services served by two people (issue 15), on both databases: each person sees their own part at its
/// own time, in the staff dashboard's day, in their column of the admin calendar, and in the notice the business is sent;
/// the second person is not left out because the booking's own staff member is the first part's.
/// </summary>
public abstract class VisitPeopleTests
{
    protected abstract Db Kind { get; }

    /// <summary>Monday 1 March 2027, the test clock's day: Bob works 13:00-17:00.</summary>
    private const string Day = "2027-03-01";

    /// <summary>The standard salon plus "cut" (30 min; Anna and Bob) and "tint" (60 min; Anna only).</summary>
    private static JsonObject VisitConfig()
    {
        var config = Config();
        var page = config["pages"]![0]!;
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "cut", "name": "Cut", "durationMinutes": 30, "price": { "amount": 25, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "tint", "name": "Tint", "durationMinutes": 60, "price": { "amount": 60, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("cut");
        page["staff"]![0]!["services"]!.AsArray().Add("tint");
        page["staff"]![1]!["services"]!.AsArray().Add("cut");
        return config;
    }

    private static async Task<WebSession> StaffAsync(BookwellApp app, WebSession owner, string key, string pin)
    {
        var saved = await owner.PostFormAsync($"/admin/setup/p/salon/staff/{key}?handler=Pin", [KeyValuePair.Create("pin", pin)], $"/admin/setup/p/salon/staff/{key}");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var staff = WebSession.For(app);
        Assert.Equal("/staff", (await staff.PostFormAsync("/staff/login", ("Staff", key), ("Pin", pin))).Headers.Location?.OriginalString);
        return staff;
    }

    /// <summary>The HTML of one staff member's column in the admin calendar's day view.</summary>
    private static string Column(string html, string title)
    {
        var start = html.IndexOf($"<section class=\"col\" aria-label=\"{title}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no column for {title}");
        var end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    [Fact]
    public async Task TwoPeopleVisit_EachSeesTheirOwnPart_InTheirDay_TheirCalendarColumn_AndTheirNotice()
    {
        using var sink = SmtpSink.Start();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), VisitConfig())).StatusCode);

        // Anna has a haircut at 13:00, so Bob cuts at 13:00; only Anna tints, at 13:30.
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking($"{Day}T13:00:00+01:00", "haircut", "other@example.com", "anna").Also(b =>
            b["customer"]!["name"] = "Otto Other"))).StatusCode);
        var visit = Booking($"{Day}T13:00:00+01:00", "cut", "ada@example.com").Also(b =>
        {
            b.Remove("service");
            b["services"] = new JsonArray("cut", "tint");
        });
        var created = await Book(app.CreateClient(), visit);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var parts = (await Body(created))["parts"]!.AsArray();
        Assert.Equal(["bob", "anna"], parts.Select(p => p!["staff"]!.GetValue<string>()));

        // The notices: each person hears of their own part, at its own time.
        // Two confirmations, Anna's notice of the haircut, and one notice of the visit to each of its two people.
        var mails = await sink.WaitForAsync(5);
        var anna = Assert.Single(mails, m => m.To.Mailboxes.Single().Address == "anna@example.com" && (m.Subject ?? "").Contains("Ada Lovelace", StringComparison.Ordinal));
        Assert.Contains("Tint", anna.Subject, StringComparison.Ordinal);
        Assert.Contains("13:30", anna.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("Cut", anna.Subject, StringComparison.Ordinal);
        var bob = Assert.Single(mails, m => m.To.Mailboxes.Single().Address == "bob@example.com");
        Assert.Contains("Cut", bob.Subject, StringComparison.Ordinal);
        Assert.Contains("13:00", bob.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("Tint", bob.Subject, StringComparison.Ordinal);

        // The admin calendar (in Dutch, for 24-hour times): Anna's column holds the tint at 13:30, Bob's the cut at 13:00.
        var owner = WebSession.For(app);
        await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"), ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey));
        var html = WebUtility.HtmlDecode(await owner.GetAsync($"/admin/calendar?site={Slug}&date={Day}&lang=nl"));
        var annaColumn = Column(html, "Anna");
        Assert.Contains("<strong>13:30</strong> Ada Lovelace<br>Tint", annaColumn, StringComparison.Ordinal);
        Assert.DoesNotContain("Ada Lovelace<br>Cut", annaColumn, StringComparison.Ordinal);
        var bobColumn = Column(html, "Bob");
        Assert.Contains("<strong>13:00</strong> Ada Lovelace<br>Cut", bobColumn, StringComparison.Ordinal);
        Assert.DoesNotContain("Tint", bobColumn, StringComparison.Ordinal);
        // Anna's part moves only with the visit (its first part): it is not draggable on its own.
        Assert.Contains("draggable=\"false\"", annaColumn, StringComparison.Ordinal);
        Assert.DoesNotContain("draggable=\"false\"", bobColumn, StringComparison.Ordinal);

        // The staff dashboard: each person's day holds their own part.
        var annaDay = WebUtility.HtmlDecode(await (await StaffAsync(app, owner, "anna", "2468")).GetAsync("/staff?lang=nl"));
        Assert.Contains("<strong>13:30–14:30</strong> · Ada Lovelace · Tint", annaDay, StringComparison.Ordinal);
        var bobDay = WebUtility.HtmlDecode(await (await StaffAsync(app, owner, "bob", "1357")).GetAsync("/staff?lang=nl"));
        Assert.Contains("<strong>13:00–13:30</strong> · Ada Lovelace · Cut", bobDay, StringComparison.Ordinal);
        Assert.DoesNotContain("Tint", bobDay, StringComparison.Ordinal);
    }
}

public sealed class SqliteVisitPeopleTests : VisitPeopleTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresVisitPeopleTests : VisitPeopleTests
{
    protected override Db Kind => Db.Postgres;
}
