using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// Where an organization's reach ends (issue 17, on both databases): a service reserved for an exclusive organization is,
/// to the public, absent from the waitlist (API and page) and the series check, answered exactly as an unknown service; a
/// member's booking is moved only within the organization's time slots (the manage page offers only those, the API refuses
/// any other time with a field error); a mailing to many members does not hold back the confirmation of a booking made
/// while it goes out, and still reaches every member.
/// </summary>
public abstract class OrganizationReachTests
{
    protected abstract Db Kind { get; }

    /// <summary>Sunday 7 March 2027: the salon is closed on Sundays, so only the school's time slots open it.</summary>
    private const string PictureDay = "2027-03-07";

    private static JsonObject School(bool exclusive) => new()
    {
        ["key"] = "school",
        ["name"] = "Hillside School",
        ["services"] = new JsonArray("consult"),
        ["from"] = "2027-03-01",
        ["to"] = "2027-03-31",
        ["exclusive"] = exclusive,
        ["timeSlots"] = new JsonArray(
            new JsonObject { ["date"] = PictureDay, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")), ["services"] = null }),
    };

    private static JsonObject OrgConfig(bool exclusive) => Config().Also(c =>
    {
        c["pages"]![0]!["organizations"] = new JsonArray(School(exclusive));
        c["pages"]![0]!["settings"]!["waitlist"] = true;
        // A series takes no file questions: the haircut here asks none.
        c["pages"]![0]!["services"]![0]!["fields"]!.AsArray().RemoveAt(1);
    });

    private async Task<BookwellApp> StartAsync(bool exclusive, SmtpSink? sink = null)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:PublicBaseUrl"] = "https://book.example.com";
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
            s["Bookwell:RateLimits:SlotsPerMinute"] = "0";
            if (sink is not null)
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
                s["Bookwell:Smtp:From"] = "bookings@salon.example";
            }
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), OrgConfig(exclusive))).StatusCode);
        return app;
    }

    private static async Task<string> LinkAsync(BookwellApp app, string email, string name)
    {
        var response = await app.Admin().PostAsync("/api/v1/admin/organizations/school/links", Json(new JsonObject
        {
            ["page"] = Slug,
            ["email"] = email,
            ["name"] = name,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var url = (await Body(response))["url"]!.GetValue<string>();
        return url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..];
    }

    private static JsonObject Join(string service) => new()
    {
        ["service"] = service,
        ["staff"] = null,
        ["date"] = "2027-03-08",
        ["from"] = null,
        ["to"] = null,
        ["customer"] = new JsonObject { ["name"] = "Walt Waiter", ["email"] = "walt@example.com", ["phone"] = null },
    };

    private static JsonObject SeriesCheck(string service) => new()
    {
        ["service"] = service,
        ["start"] = "2027-03-08T10:00:00+01:00",
        ["timeZone"] = "Europe/Amsterdam",
        ["repeat"] = new JsonObject { ["frequency"] = "weekly", ["count"] = 3 },
    };

    [Fact]
    public async Task ExclusiveService_WaitlistAndSeriesCheck_AnswerAsForAnUnknownService()
    {
        await using var app = await StartAsync(exclusive: true);
        var client = app.CreateClient();

        // The waitlist API: the reserved service reads exactly like one that does not exist.
        var reserved = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join("consult")));
        var unknown = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join("nope")));
        Assert.Equal(unknown.StatusCode, reserved.StatusCode);
        Assert.NotEqual(HttpStatusCode.Created, reserved.StatusCode);
        Assert.Equal((await Body(unknown))["detail"]?.ToJsonString(), (await Body(reserved))["detail"]?.ToJsonString());
        // A public service still joins.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join("haircut")))).StatusCode);

        // The waitlist page neither lists it nor takes it.
        var session = WebSession.For(app);
        var form = await session.GetAsync($"/book/{Slug}/waitlist?date=2027-03-08");
        Assert.DoesNotContain("Consultation", form, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"consult\"", form, StringComparison.Ordinal);
        var fields = new Dictionary<string, string>
        {
            ["Service"] = "consult",
            ["Date"] = "2027-03-08",
            ["Pref"] = "any",
            ["Name"] = "Walt Waiter",
            ["Email"] = "walt@example.com",
        };
        var posted = await session.PostFormAsync($"/book/{Slug}/waitlist?date=2027-03-08", fields, $"/book/{Slug}/waitlist?date=2027-03-08");
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        var unknownPosted = await session.PostFormAsync($"/book/{Slug}/waitlist?date=2027-03-08", fields.Where(f => f.Key != "Service")
            .Append(KeyValuePair.Create("Service", "nope")), $"/book/{Slug}/waitlist?date=2027-03-08");
        Assert.Equal(HttpStatusCode.BadRequest, unknownPosted.StatusCode);
        // The service field is marked wrong, as for a key that does not exist.
        Assert.Contains("name=\"Service\" aria-invalid=\"true\"", await WebSession.TextAsync(posted), StringComparison.Ordinal);
        Assert.Contains("name=\"Service\" aria-invalid=\"true\"", await WebSession.TextAsync(unknownPosted), StringComparison.Ordinal);
        Assert.Equal(1, app.WithDb(db => db.WaitlistEntries.Count()));
        Assert.Equal(0, app.WithDb(db => db.WaitlistEntries.Count(w => w.ServiceKey == "consult")));

        // The series check: the same field error as for an unknown service, and no availability.
        var check = await client.PostAsync($"/api/v1/pages/{Slug}/series/check", Json(SeriesCheck("consult")));
        var checkUnknown = await client.PostAsync($"/api/v1/pages/{Slug}/series/check", Json(SeriesCheck("nope")));
        Assert.Equal(HttpStatusCode.BadRequest, check.StatusCode);
        var checkBody = await Body(check);
        Assert.Null(checkBody["occurrences"]);
        Assert.Equal((await Body(checkUnknown))["errors"]!["service"]!.ToJsonString(), checkBody["errors"]!["service"]!.ToJsonString());
        // A public service is still checked.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/pages/{Slug}/series/check", Json(SeriesCheck("haircut").Also(b => b["staff"] = null)))).StatusCode);
    }

    [Fact]
    public async Task MemberBooking_MovesOnlyWithinTheOrganizationsTimeSlots()
    {
        await using var app = await StartAsync(exclusive: false);
        var client = app.CreateClient();
        var access = await LinkAsync(app, "kid@example.com", "Kim Kid");
        var created = await Book(client, Booking($"{PictureDay}T09:00:00+01:00", "consult", "kid@example.com").Also(b => b["access"] = access));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (await Body(created))["manageToken"]!.GetValue<string>();

        // The manage page offers the school's remaining slot on picture day, and nothing on the public Monday.
        var session = WebSession.For(app);
        var pictureDay = WebUtility.HtmlDecode(await session.GetAsync($"/booking/{token}?reschedule=1&date={PictureDay}"));
        Assert.Contains("value=\"2027-03-07T10:00:00+01:00\"", pictureDay, StringComparison.Ordinal);
        var monday = WebUtility.HtmlDecode(await session.GetAsync($"/booking/{token}?reschedule=1&date=2027-03-08"));
        Assert.DoesNotContain("name=\"start\"", monday, StringComparison.Ordinal);

        // The API (and the MCP tool, which calls it) refuses a public time with a field error; nothing moves.
        var outside = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-03-08T10:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("Hillside School", (await Body(outside))["errors"]!["start"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var outsideWindow = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-04-05T10:00:00+02:00" }));
        Assert.Equal(HttpStatusCode.BadRequest, outsideWindow.StatusCode);
        Assert.True((await Body(outsideWindow))["errors"]!.AsObject().ContainsKey("start"));
        Assert.Equal("2027-03-07T09:00:00+01:00", (await Body(await client.GetAsync($"/api/v1/bookings/{token}")))["start"]!.GetValue<string>());

        // Within the school's slots it moves, and keeps the organization.
        var inside = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = $"{PictureDay}T10:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Equal($"{PictureDay}T10:00:00+01:00", (await Body(inside))["start"]!.GetValue<string>());
        Assert.Equal("school", app.WithDb(db => db.Bookings.AsNoTracking().Single().OrganizationKey));

        // The manage page's own form: a public time is not taken either.
        var posted = await session.PostFormAsync($"/booking/{token}?handler=Reschedule", [KeyValuePair.Create("start", "2027-03-08T11:00:00+01:00")]);
        Assert.NotEqual(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal($"{PictureDay}T10:00:00+01:00", (await Body(await client.GetAsync($"/api/v1/bookings/{token}")))["start"]!.GetValue<string>());
    }

    [Fact]
    public async Task BigMailing_ABookingsConfirmationGoesBeforeItsBulk_AndTheMailingStillCompletes()
    {
        const int members = 200;
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(exclusive: false, sink);
        var admin = app.Admin();
        using (var throttle = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(1, members).Select(async i =>
            {
                await throttle.WaitAsync();
                try
                {
                    await LinkAsync(app, $"member{i:D4}@example.com", $"Pupil {i:D4}");
                }
                finally
                {
                    throttle.Release();
                }
            }));
        }
        var mailing = Guid.NewGuid();
        var sent = await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(new JsonObject
        {
            ["page"] = Slug,
            ["id"] = mailing.ToString(),
            ["subject"] = "Picture day at {{organization}}",
            ["body"] = "Hello {{first_name}}, book here: {{booking_link}}",
            ["audience"] = "all",
            ["language"] = "en",
        }));
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        // Then a client books, with the clock standing still.
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-08T10:00:00+01:00", email: "ada@example.com"))).StatusCode);

        int MailingSent() => app.WithDb(db => db.Outbox.Count(m => m.Kind == MessageKind.OrganizationMailing && m.Status == OutboxStatus.Sent));
        bool ConfirmationSent() => app.WithDb(db => db.Outbox.Any(m => m.Kind == MessageKind.Confirmation && m.To == "ada@example.com" && m.Status == OutboxStatus.Sent));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!ConfirmationSent() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(ConfirmationSent(), "the confirmation was not sent");
        // At the default 600 a minute, only the first second's ten were due before it.
        Assert.InRange(MailingSent(), 0, 10);

        // Time moves on: the rest goes out, every member once (three minutes of real time: a loaded runner sent 90 of
        // the 200 in one).
        deadline = DateTime.UtcNow.AddSeconds(180);
        while (MailingSent() < members && DateTime.UtcNow < deadline)
        {
            app.Clock.Advance(NodaTime.Duration.FromSeconds(2));
            await Task.Delay(50);
        }
        Assert.Equal(members, MailingSent());
        await sink.WaitForAsync(members + 1);
        var recipients = sink.Messages().Where(m => (m.Subject ?? "").StartsWith("Picture day", StringComparison.Ordinal))
            .Select(m => m.To.Mailboxes.Single().Address).ToList();
        Assert.Equal(members, recipients.Count);
        Assert.Equal(members, recipients.Distinct().Count());
    }
}

public sealed class SqliteOrganizationReachTests : OrganizationReachTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOrganizationReachTests : OrganizationReachTests
{
    protected override Db Kind => Db.Postgres;
}
