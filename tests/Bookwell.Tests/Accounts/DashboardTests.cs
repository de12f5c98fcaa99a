using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Accounts;

/// <summary>
/// The admin dashboard's pages doing their work: setup forms, the bookings list, moves and corrections. One app per class
/// and database, each test on a business of its own with its own signed-in owner (see <see cref="SharedApp"/>); the
/// 50,001-row export starts its own app, so its rows never sit beside another test's.
/// </summary>
public abstract class DashboardTests(SharedApp shared)
{
    private Db Kind => shared.Kind;

    /// <summary>A business of its own on the class's app, configured, and a session of its owner.</summary>
    private async Task<(TenantSpace App, WebSession Owner)> NewAsync()
    {
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return (app, await app.OwnerAsync());
    }

    private static async Task<string> CreateAsync(TenantSpace app, string start, string staff, string email, string name = "Ada Lovelace")
    {
        var body = Booking(start, staff: staff, email: email);
        body["page"] = Slug;
        body["customer"]!["name"] = name;
        var response = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Body(response))["id"]!.GetValue<string>();
    }

    /// <summary>The form as the page renders it: every input with its current value, then the changes.</summary>
    private static async Task<HttpResponseMessage> SubmitAsync(WebSession session, string path, Dictionary<string, string> changes)
    {
        var html = await session.GetAsync(path);
        var form = System.Text.RegularExpressions.Regex.Match(html, "<form method=\"post\" class=\"card\" novalidate>(.*?)</form>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        var fields = new List<KeyValuePair<string, string>>();
        foreach (System.Text.RegularExpressions.Match input in System.Text.RegularExpressions.Regex.Matches(form, "<input ([^>]*)>"))
        {
            var attrs = input.Groups[1].Value;
            var name = Attr(attrs, "name");
            if (name is null || name == "__RequestVerificationToken" || changes.ContainsKey(name))
            {
                continue;
            }
            var type = Attr(attrs, "type");
            if (type is "checkbox" or "radio")
            {
                if (attrs.Contains("checked", StringComparison.Ordinal))
                {
                    fields.Add(new(name, Attr(attrs, "value") ?? "on"));
                }
                continue;
            }
            fields.Add(new(name, WebUtility.HtmlDecode(Attr(attrs, "value") ?? "")));
        }
        foreach (System.Text.RegularExpressions.Match select in System.Text.RegularExpressions.Regex.Matches(form, "<select [^>]*name=\"([^\"]+)\"[^>]*>(.*?)</select>", System.Text.RegularExpressions.RegexOptions.Singleline))
        {
            if (changes.ContainsKey(select.Groups[1].Value))
            {
                continue;
            }
            var selected = System.Text.RegularExpressions.Regex.Match(select.Groups[2].Value, "<option (?:value=\"([^\"]*)\" )?selected=\"selected\"[^>]*>([^<]*)<");
            fields.Add(new(select.Groups[1].Value, selected.Success ? WebUtility.HtmlDecode(selected.Groups[1].Success ? selected.Groups[1].Value : selected.Groups[2].Value) : ""));
        }
        foreach (System.Text.RegularExpressions.Match area in System.Text.RegularExpressions.Regex.Matches(form, "<textarea [^>]*name=\"([^\"]+)\"[^>]*>(.*?)</textarea>", System.Text.RegularExpressions.RegexOptions.Singleline))
        {
            if (!changes.ContainsKey(area.Groups[1].Value))
            {
                fields.Add(new(area.Groups[1].Value, WebUtility.HtmlDecode(area.Groups[2].Value)));
            }
        }
        fields.AddRange(changes);
        return await session.PostFormAsync(path, fields);
    }

    private static string? Attr(string attrs, string name) =>
        System.Text.RegularExpressions.Regex.Match(attrs, $"(?:^|\\s){name}=\"([^\"]*)\"") is { Success: true } m ? m.Groups[1].Value : null;

    private static async Task<JsonObject> ConfigAsync(TenantSpace app) => (await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config"))!;

    [Fact]
    public async Task ServiceForm_BadValues_ErrorsBesideTheFields_NothingSaved_GoodValuesSavedWithANewQuestion()
    {
        var (app, owner) = await NewAsync();
        var version = app.WithDb(db => db.Tenants.Single(t => t.Id == app.Id).ConfigVersion);
        var bad = await SubmitAsync(owner, "/admin/setup/p/salon/services/haircut", new() { ["durationMinutes"] = "0", ["name"] = "Renamed", ["price.amount"] = "abc" });
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        var html = await WebSession.TextAsync(bad);
        Assert.Contains("id=\"price-error\"", html);
        Assert.Contains("Nothing was saved", html);
        Assert.Equal(version, app.WithDb(db => db.Tenants.Single(t => t.Id == app.Id).ConfigVersion));

        var bad2 = await SubmitAsync(owner, "/admin/setup/p/salon/services/haircut", new() { ["durationMinutes"] = "0" });
        Assert.Contains("id=\"durationMinutes-error\"", await WebSession.TextAsync(bad2));
        Assert.Equal(version, app.WithDb(db => db.Tenants.Single(t => t.Id == app.Id).ConfigVersion));

        var good = await SubmitAsync(owner, "/admin/setup/p/salon/services/haircut", new()
        {
            ["name"] = "Haircut deluxe",
            ["durationMinutes"] = "45",
            ["fields[2].key"] = "allergies",
            ["fields[2].label"] = "Allergies",
            ["fields[2].type"] = "text",
        });
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        var service = (await ConfigAsync(app))["pages"]![0]!["services"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == "haircut")!;
        Assert.Equal(("Haircut deluxe", 45), (service["name"]!.GetValue<string>(), service["durationMinutes"]!.GetValue<int>()));
        Assert.Equal(["hairLength", "photo", "allergies"], service["fields"]!.AsArray().Select(f => f!["key"]!.GetValue<string>()));
        // Everything the form did not touch is as before.
        Assert.Equal(25m, service["price"]!["amount"]!.GetValue<decimal>());
        Assert.Equal(["short", "medium", "long"], service["fields"]![0]!["options"]!.AsArray().Select(o => o!.GetValue<string>()));
    }

    [Fact]
    public async Task HoursForm_BreaksAndExceptions_Saved_AndSlotsFollow_BadTimesRefused()
    {
        var (app, owner) = await NewAsync();
        var bad = await SubmitAsync(owner, "/admin/setup/p/salon/hours", new() { ["schedule.mon"] = "9-five" });
        Assert.Contains("id=\"schedule-mon-error\"", await WebSession.TextAsync(bad));
        var good = await SubmitAsync(owner, "/admin/setup/p/salon/hours", new()
        {
            ["schedule.mon"] = "09:00-12:00, 13:00-15:00",
            ["exceptions"] = "2027-03-08 closed\n2027-03-15 10:00-11:00",
        });
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        var page = (await ConfigAsync(app))["pages"]![0]!;
        Assert.Equal("""[["09:00","12:00"],["13:00","15:00"]]""", page["schedule"]!["mon"]!.ToJsonString());
        var starts = await SlotStarts(app.CreateClient(), "consult", "2027-03-15", "2027-03-15");
        Assert.Equal(["2027-03-15T10:00:00+01:00"], starts);
        Assert.Empty(await SlotStarts(app.CreateClient(), "consult", "2027-03-08", "2027-03-08"));
        Assert.DoesNotContain("2027-03-22T12:00:00+01:00", await SlotStarts(app.CreateClient(), "consult", "2027-03-22", "2027-03-22"));
    }

    [Fact]
    public async Task NewStaffMember_AndPageSettings_Saved_DuplicateKeyRefused()
    {
        var (app, owner) = await NewAsync();
        var created = await owner.PostFormAsync("/admin/setup/p/salon/staff/new", [new("key", "cleo"), new("name", "Cleo"), new("services", "haircut"), new("active", "true")]);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains((await ConfigAsync(app))["pages"]![0]!["staff"]!.AsArray(), s => s!["key"]!.GetValue<string>() == "cleo");
        var duplicate = await owner.PostFormAsync("/admin/setup/p/salon/staff/new", [new("key", "anna"), new("name", "Anna 2"), new("active", "true")]);
        Assert.Equal(HttpStatusCode.OK, duplicate.StatusCode);
        Assert.Contains("id=\"key-error\"", await WebSession.TextAsync(duplicate));

        var settings = await SubmitAsync(owner, "/admin/setup/p/salon/page", new() { ["settings.minNoticeMinutes"] = "120", ["settings.reminderMinutes"] = "1440, 60" });
        Assert.Equal(HttpStatusCode.Redirect, settings.StatusCode);
        var s = (await ConfigAsync(app))["pages"]![0]!["settings"]!;
        Assert.Equal(120, s["minNoticeMinutes"]!.GetValue<int>());
        Assert.Equal("[1440,60]", s["reminderMinutes"]!.ToJsonString());
        Assert.Equal(60, s["horizonDays"]!.GetValue<int>());
    }

    [Fact]
    public async Task PageSettings_ClientPortalSwitch_ClosesAndReopensThePortal_ForEveryPageOfTheBusiness()
    {
        var (app, owner) = await NewAsync();
        // A second page that names the setting itself: the business's pages must agree, so the switch changes both.
        var doc = Config();
        doc["pages"]!.AsArray().Add(JsonNode.Parse("""
            { "slug": "second", "name": "Second", "timeZone": "Europe/Amsterdam", "settings": { "clientPortal": true },
              "schedule": { "mon": [["09:00","17:00"]] }, "services": [ { "key": "lesson", "name": "Lesson", "durationMinutes": 60, "requiresStaff": false } ] }
            """));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var client = app.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri($"http://{app.Host}") });
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/signin")).StatusCode);
        Assert.Matches("<input id=\"cp\" name=\"settings.clientPortal\" type=\"checkbox\" value=\"true\"[^>]* checked", await owner.GetAsync("/admin/setup/p/salon/page"));

        // Unticked (a browser leaves an unticked box out of the form).
        var off = await SubmitAsync(owner, "/admin/setup/p/salon/page", new() { ["settings.clientPortal"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, off.StatusCode);
        var pages = (await ConfigAsync(app))["pages"]!.AsArray();
        Assert.False(pages[0]!["settings"]!["clientPortal"]!.GetValue<bool>());
        Assert.False(pages[1]!["settings"]!["clientPortal"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/account/signin")).StatusCode);
        Assert.DoesNotMatch("<input id=\"cp\"[^>]* checked", await owner.GetAsync("/admin/setup/p/salon/page"));
        // Other settings on the form are kept as they were.
        Assert.Equal(60, pages[0]!["settings"]!["horizonDays"]!.GetValue<int>());

        // Saving the form again without touching the box keeps the portal closed.
        Assert.Equal(HttpStatusCode.Redirect, (await SubmitAsync(owner, "/admin/setup/p/salon/page", new() { ["settings.minNoticeMinutes"] = "30" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/account/signin")).StatusCode);

        var on = await SubmitAsync(owner, "/admin/setup/p/salon/page", new() { ["settings.clientPortal"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, on.StatusCode);
        pages = (await ConfigAsync(app))["pages"]!.AsArray();
        Assert.True(pages[0]!["settings"]!["clientPortal"]!.GetValue<bool>());
        Assert.True(pages[1]!["settings"]!["clientPortal"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/signin")).StatusCode);
    }

    [Fact]
    public async Task BookingsList_SearchFiltersAndPaging()
    {
        var (app, owner) = await NewAsync();
        await CreateAsync(app, "2027-03-02T09:00:00+01:00", "anna", "ada@example.com", "Ada Lovelace");
        await CreateAsync(app, "2027-03-09T10:00:00+01:00", "bob", "grace@example.com", "Grace Hopper");
        var cancelled = await CreateAsync(app, "2027-03-04T09:00:00+01:00", "anna", "alan@example.com", "Alan Turing");
        await app.Admin().PostAsync($"/api/v1/admin/bookings/{cancelled}/status", Json(new JsonObject { ["status"] = "cancelled" }));

        var byName = await owner.GetAsync("/admin/bookings?q=hopper");
        Assert.Contains("Grace Hopper", byName);
        Assert.DoesNotContain("Ada Lovelace", byName);
        var byStaff = await owner.GetAsync("/admin/bookings?staff=anna");
        Assert.Contains("Ada Lovelace", byStaff);
        Assert.DoesNotContain("Grace Hopper", byStaff);
        var byStatus = await owner.GetAsync("/admin/bookings?status=cancelled");
        Assert.Contains("Alan Turing", byStatus);
        Assert.DoesNotContain("Ada Lovelace", byStatus);
        var byDate = await owner.GetAsync("/admin/bookings?from=2027-03-09&to=2027-03-09");
        Assert.Contains("Grace Hopper", byDate);
        Assert.DoesNotContain("Alan Turing", byDate);
        var sorted = await owner.GetAsync("/admin/bookings?sort=start-desc");
        Assert.True(sorted.IndexOf("Alan Turing", StringComparison.Ordinal) < sorted.IndexOf("Ada Lovelace", StringComparison.Ordinal));
        Assert.Contains("Grace Hopper", await owner.GetAsync("/admin/customers?q=grace"));

        // The same filters export as CSV; a client's text never becomes a spreadsheet formula.
        await CreateAsync(app, "2027-03-05T09:00:00+01:00", "anna", "eve@example.com", "=HYPERLINK(\"x\")");
        var csv = await owner.Client.GetAsync("/admin/bookings?staff=anna&handler=Csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("start,end,time_zone,page,service,staff", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("2027-03-02 09:00,2027-03-02 09:30,Europe/Amsterdam,salon,Haircut,Anna,,confirmed,Ada Lovelace,ada@example.com", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"'=HYPERLINK(\"\"x\"\")\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Grace Hopper", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BookingsCsv_ExportsEveryRow_PastTheFormer50000Cap()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"), ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        // More rows than the export once stopped at (silently), written straight to the table.
        const int count = 50_001;
        var first = Instant.FromUtc(2027, 3, 2, 8, 0);
        var bookings = Enumerable.Range(0, count).Select(i => new Bookwell.Data.Booking
        {
            Id = Guid.NewGuid(),
            TenantId = Bookwell.Data.DefaultTenant.Id,
            PageSlug = Slug,
            ServiceKey = "haircut",
            ServiceName = "Haircut",
            StaffKey = "anna",
            StartsAt = first + Duration.FromMinutes(i),
            EndsAt = first + Duration.FromMinutes(i + 30),
            Status = Bookwell.Features.Bookings.BookingStatus.Confirmed,
            TimeZone = "Europe/Amsterdam",
            CustomerName = $"Client {i}",
            CustomerEmail = $"c{i}@example.com",
            ManageTokenHash = $"csv-{i}",
            CreatedAt = first,
            UpdatedAt = first,
        }).ToList();
        app.WithDb(db =>
        {
            using var tx = db.Database.BeginTransaction();
            Bookwell.Data.BulkInsert.Insert(db, bookings);
            tx.Commit();
            return 0;
        });

        var csv = await owner.Client.GetAsync("/admin/bookings?handler=Csv", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Equal("bookings.csv", csv.Content.Headers.ContentDisposition?.FileNameStar);
        // An encoding without a preamble, so the reader hands the byte-order mark over instead of skipping it.
        using var reader = new StreamReader(await csv.Content.ReadAsStreamAsync(), new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
        Assert.Equal('\uFEFF', (char)reader.Read());
        Assert.StartsWith("start,end,time_zone,page,service,staff", await reader.ReadLineAsync(), StringComparison.Ordinal);
        var (rows, last) = (0, "");
        while (await reader.ReadLineAsync() is { } line)
        {
            rows++;
            last = line;
        }
        Assert.Equal(count, rows);
        // In start order, to the very last booking: 50,000 minutes after the first, in Amsterdam's summer time by then.
        Assert.StartsWith("2027-04-06 03:20,2027-04-06 03:50,Europe/Amsterdam,salon,Haircut,Anna,,confirmed,Client 50000,c50000@example.com", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomerSearch_MatchesAnEmailAddress_InAnyCase()
    {
        var (app, owner) = await NewAsync();
        await CreateAsync(app, "2027-03-02T09:00:00+01:00", "anna", "ada@example.com", "Ada Lovelace");
        await CreateAsync(app, "2027-03-09T10:00:00+01:00", "bob", "grace@navy.test", "Grace Hopper");

        var lower = await owner.GetAsync("/admin/customers?q=grace%40navy");
        Assert.Contains("Grace Hopper", lower);
        Assert.DoesNotContain("Ada Lovelace", lower);
        var upper = await owner.GetAsync("/admin/customers?q=ADA%40EXAMPLE.COM");
        Assert.Contains("Ada Lovelace", upper);
        Assert.DoesNotContain("Grace Hopper", upper);
    }

    [Fact]
    public async Task MoveFromTheCalendar_SameRulesAsEverywhere_ConflictRefused_FreeTimeMoved()
    {
        var (app, owner) = await NewAsync();
        var first = await CreateAsync(app, "2027-03-02T09:00:00+01:00", "anna", "ada@example.com");
        await CreateAsync(app, "2027-03-02T10:00:00+01:00", "anna", "grace@example.com");
        var day = await owner.GetAsync("/admin/calendar?date=2027-03-02");
        Assert.Contains($"data-id=\"{first}\"", day);
        Assert.Contains("class=\"free ", day);

        var clash = await owner.PostFormAsync("/admin/calendar?handler=Move", [new("id", first), new("date", "2027-03-02"), new("time", "10:00"), new("staff", "anna")], "/admin/calendar");
        Assert.Equal(HttpStatusCode.Redirect, clash.StatusCode);
        Assert.Contains("not free", await owner.GetAsync(clash.Headers.Location!.OriginalString));
        var move = await owner.PostFormAsync("/admin/calendar?handler=Move", [new("id", first), new("date", "2027-03-02"), new("time", "14:00"), new("staff", "bob")], "/admin/calendar");
        Assert.Contains("Booking moved", await owner.GetAsync(move.Headers.Location!.OriginalString));
        var moved = await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{first}"));
        Assert.Equal(("2027-03-02T14:00:00+01:00", "bob"), (moved["start"]!.GetValue<string>(), moved["staff"]!.GetValue<string>()));
        Assert.Contains(moved["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "rescheduled");
        var week = await owner.GetAsync("/admin/calendar?view=week&date=2027-03-02");
        Assert.Contains("Ada Lovelace", week);
    }

    [Fact]
    public async Task Corrections_ReopenCancelledOnlyWhileFree_OverruleNoShow()
    {
        var (app, owner) = await NewAsync();
        var id = await CreateAsync(app, "2027-03-02T09:00:00+01:00", "anna", "ada@example.com");
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"/admin/bookings/{id}?handler=Status", [new("to", "cancelled")], $"/admin/bookings/{id}")).StatusCode);
        var other = await CreateAsync(app, "2027-03-02T09:00:00+01:00", "anna", "grace@example.com");
        var refused = await owner.PostFormAsync($"/admin/bookings/{id}?handler=Status", [new("to", "confirmed")], $"/admin/bookings/{id}");
        Assert.Contains("no longer free", await owner.GetAsync(refused.Headers.Location!.OriginalString));
        Assert.Equal("cancelled", (await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{id}")))["status"]!.GetValue<string>());
        await app.Admin().PostAsync($"/api/v1/admin/bookings/{other}/status", Json(new JsonObject { ["status"] = "cancelled" }));
        await owner.PostFormAsync($"/admin/bookings/{id}?handler=Status", [new("to", "confirmed")], $"/admin/bookings/{id}");
        var reopened = await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{id}"));
        Assert.Equal("confirmed", reopened["status"]!.GetValue<string>());
        Assert.Contains(reopened["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "reopened");
        // Its time is held again: the same slot is not offered.
        Assert.DoesNotContain("2027-03-02T09:00:00+01:00", await SlotStarts(app.CreateClient(), "haircut", "2027-03-02", "2027-03-02", staff: "anna"));

        app.Clock.Advance(Duration.FromDays(1) + Duration.FromHours(3));
        await app.Admin().PostAsync($"/api/v1/admin/bookings/{id}/status", Json(new JsonObject { ["status"] = "no_show" }));
        await owner.PostFormAsync($"/admin/bookings/{id}?handler=Status", [new("to", "completed")], $"/admin/bookings/{id}");
        Assert.Equal("completed", (await Body(await app.Admin().GetAsync($"/api/v1/admin/bookings/{id}")))["status"]!.GetValue<string>());
    }
}

public sealed class SqliteDashboardTests(SqliteSharedApp shared) : DashboardTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresDashboardTests(PostgresSharedApp shared) : DashboardTests(shared), IClassFixture<PostgresSharedApp>;
