using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// Contract 4.6 end to end over HTTP on both databases: organizations in the configuration document, personal
/// links (made with the business's own address, refused when changed, expired or revoked, with no difference
/// between those cases), the organization's time slots offered only with a valid link, exclusive services
/// kept off the public page, and bookings made with a link carrying the organization while the database
/// still refuses a second booking of the same time.
/// </summary>
public abstract class OrganizationTests
{
    protected abstract Db Kind { get; }

    private const string Base = "https://book.example.com";

    /// <summary>Sunday 7 March 2027: the salon is closed on Sundays, so only the school's time slots open it.</summary>
    private const string PictureDay = "2027-03-07";

    private static JsonObject School(bool exclusive = false, string? from = "2027-03-01", string? to = "2027-03-31") => new()
    {
        ["key"] = "school",
        ["name"] = "Hillside School",
        ["services"] = new JsonArray("consult", "yoga"),
        ["from"] = from,
        ["to"] = to,
        ["exclusive"] = exclusive,
        ["timeSlots"] = new JsonArray(
            new JsonObject { ["date"] = PictureDay, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")), ["services"] = null },
            new JsonObject { ["date"] = "2027-03-14", ["hours"] = new JsonArray(new JsonArray("09:00", "10:00")), ["services"] = new JsonArray("yoga") },
            // Outside the window: never offered.
            new JsonObject { ["date"] = "2027-04-04", ["hours"] = new JsonArray(new JsonArray("09:00", "10:00")), ["services"] = null }),
    };

    private static JsonObject OrgConfig(params JsonObject[] organizations) => Config().Also(c =>
    {
        var list = new JsonArray();
        foreach (var o in organizations)
        {
            list.Add(o);
        }
        c["pages"]![0]!["organizations"] = list;
    });

    private async Task<BookwellApp> StartAsync(JsonObject? config = null)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:PublicBaseUrl"] = Base;
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
            s["Bookwell:RateLimits:SlotsPerMinute"] = "0";
        });
        var put = await PutConfig(app.Admin(), config ?? OrgConfig(School()));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return app;
    }

    private static async Task<(string Url, string Token, string ExpiresAt)> LinkAsync(BookwellApp app, string email = "kid@example.com", string name = "Kim Kid",
        string org = "school", string? kind = null, string? memberId = "S-1001")
    {
        var response = await app.Admin().PostAsync($"/api/v1/admin/organizations/{org}/links", Json(new JsonObject
        {
            ["page"] = Slug,
            ["email"] = email,
            ["name"] = name,
            ["kind"] = kind,
            ["memberId"] = memberId,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Body(response);
        var url = body["url"]!.GetValue<string>();
        return (url, url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..], body["expiresAt"]!.GetValue<string>());
    }

    private static async Task<HttpResponseMessage> Slots(HttpClient client, string service, string from, string to, string? access) =>
        await client.GetAsync($"/api/v1/pages/{Slug}/slots?service={service}&from={from}&to={to}" + (access is null ? "" : $"&access={access}"));

    private static async Task<string[]> Starts(HttpClient client, string service, string from, string to, string? access)
    {
        var response = await Slots(client, service, from, to, access);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Body(response))["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToArray();
    }

    [Fact]
    public async Task Configuration_RoundTripsThroughGet_AndIsJudgedFieldByField()
    {
        await using var app = await StartAsync();
        var org = (await Body(await app.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]![0]!;
        Assert.Equal("school", org["key"]!.GetValue<string>());
        Assert.Equal("Hillside School", org["name"]!.GetValue<string>());
        Assert.Equal(["consult", "yoga"], org["services"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("2027-03-01", org["from"]!.GetValue<string>());
        Assert.Equal("2027-03-31", org["to"]!.GetValue<string>());
        Assert.False(org["exclusive"]!.GetValue<bool>());
        var slot = org["timeSlots"]![0]!;
        Assert.Equal(PictureDay, slot["date"]!.GetValue<string>());
        Assert.Equal("09:00", slot["hours"]![0]![0]!.GetValue<string>());
        Assert.True(slot.AsObject().ContainsKey("services"));
        Assert.Null(slot["services"]);
        Assert.Equal("yoga", org["timeSlots"]![1]!["services"]![0]!.GetValue<string>());

        var bad = await PutConfig(app.Admin(), OrgConfig(
            School().Also(o =>
            {
                o["services"] = new JsonArray("consult", "nope");
                o["from"] = "2027-02-30";
                o["timeSlots"]!.AsArray().Add(new JsonObject { ["date"] = "x", ["hours"] = new JsonArray(new JsonArray("10:00", "09:00")), ["services"] = new JsonArray("haircut") });
            }),
            School().Also(o =>
            {
                o["name"] = "";
                o["from"] = "2027-03-10";
                o["to"] = "2027-03-01";
            })));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        foreach (var path in new[]
        {
            "pages[0].organizations[0].services[1]", "pages[0].organizations[0].from", "pages[0].organizations[0].timeSlots[3].date",
            "pages[0].organizations[0].timeSlots[3].hours[0]", "pages[0].organizations[0].timeSlots[3].services[0]",
            "pages[0].organizations[1].key", "pages[0].organizations[1].name", "pages[0].organizations[1].to",
        })
        {
            Assert.True(errors.ContainsKey(path), $"no error at {path}: {errors.ToJsonString()}");
        }

        var nulls = await PutConfig(app.Admin(), OrgConfig(School()).Also(c =>
        {
            var list = c["pages"]![0]!["organizations"]!.AsArray();
            list.Add(null);
            list[0]!["timeSlots"]![0]!["hours"]!.AsArray().Add(null);
            list[0]!["timeSlots"]!.AsArray().Add(null);
            list[0]!["services"]!.AsArray().Add(null);
        }));
        Assert.Equal(HttpStatusCode.BadRequest, nulls.StatusCode);
        var nullErrors = (await Body(nulls))["errors"]!.AsObject();
        foreach (var path in new[]
        {
            "pages[0].organizations[1]", "pages[0].organizations[0].timeSlots[0].hours[1]", "pages[0].organizations[0].timeSlots[3]",
            "pages[0].organizations[0].services[2]",
        })
        {
            Assert.True(nullErrors.ContainsKey(path), $"no error at {path}: {nullErrors.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Link_UsesTheBusinessAddress_AndIsCheckedFieldByField()
    {
        await using var app = await StartAsync();
        var (url, token, expiresAt) = await LinkAsync(app);
        Assert.StartsWith($"{Base}/book/{Slug}?access=", url, StringComparison.Ordinal);
        Assert.Equal(43, token.Length);
        var expected = app.Clock.GetCurrentInstant() + Duration.FromDays(30);
        Assert.Equal(expected, NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(expiresAt).Value.ToInstant());
        // A second link for the same address is another token for the same member.
        var (_, again, _) = await LinkAsync(app);
        Assert.NotEqual(token, again);
        Assert.Equal(1, app.WithDb(db => db.OrganizationMembers.Count()));
        Assert.Equal("S-1001", app.WithDb(db => db.OrganizationMembers.Single().MemberNumber));
        // The database keeps the hash only.
        Assert.False(app.WithDb(db => db.OrganizationLinks.Any(l => l.TokenHash == token)));

        var bad = await app.Admin().PostAsync("/api/v1/admin/organizations/school/links",
            Json(new JsonObject { ["page"] = "", ["email"] = "not-an-address", ["name"] = "", ["kind"] = "everything" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("page"));
        var bad2 = await app.Admin().PostAsync("/api/v1/admin/organizations/school/links",
            Json(new JsonObject { ["page"] = Slug, ["email"] = "not-an-address", ["name"] = "", ["kind"] = "everything" }));
        var errors2 = (await Body(bad2))["errors"]!.AsObject();
        Assert.True(errors2.ContainsKey("email") && errors2.ContainsKey("name") && errors2.ContainsKey("kind"), errors2.ToJsonString());
        // A member id is printed in mailings and on bookings: the rule of names (no controls, no direction overrides), 64 characters.
        foreach (var memberId in new[] { "S-10\u202E01", "S-1001\n", "S\u0000", "\u2066S-1\u2069", "S-\u200F1", new string('9', 65) })
        {
            var refused = await app.Admin().PostAsync("/api/v1/admin/organizations/school/links",
                Json(new JsonObject { ["page"] = Slug, ["email"] = "kid2@example.com", ["name"] = "Kim", ["memberId"] = memberId }));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var memberErrors = (await Body(refused))["errors"]!.AsObject();
            Assert.Equal(["memberId"], memberErrors.Select(e => e.Key));
        }
        Assert.Equal(1, app.WithDb(db => db.OrganizationMembers.Count()));
        var missing = await app.Admin().PostAsync("/api/v1/admin/organizations/nobody/links",
            Json(new JsonObject { ["page"] = Slug, ["email"] = "kid@example.com", ["name"] = "Kim" }));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var anonymous = await app.CreateClient().PostAsync("/api/v1/admin/organizations/school/links",
            Json(new JsonObject { ["page"] = Slug, ["email"] = "kid@example.com", ["name"] = "Kim" }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task TimeSlots_OnlyWithAValidLink_OnlyItsServices_InsideItsWindow()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        var (_, token, _) = await LinkAsync(app);

        Assert.Equal(["2027-03-07T09:00:00+01:00", "2027-03-07T10:00:00+01:00"], await Starts(client, "consult", PictureDay, PictureDay, token));
        // The second slot is for yoga only; the one in April is outside the window.
        Assert.Empty(await Starts(client, "consult", "2027-03-14", "2027-03-14", token));
        Assert.Equal(["2027-03-14T09:00:00+01:00"], await Starts(client, "yoga", "2027-03-14", "2027-03-14", token));
        Assert.Empty(await Starts(client, "consult", "2027-04-04", "2027-04-04", token));
        // Only the organization's services; and none of its public hours (Monday is a public day, not the school's).
        Assert.Equal(HttpStatusCode.NotFound, (await Slots(client, "haircut", PictureDay, PictureDay, token)).StatusCode);
        Assert.Empty(await Starts(client, "consult", "2027-03-08", "2027-03-08", token));

        // Without the link, or with a changed one, the time slots are never listed: the public page is closed on Sundays.
        var changed = (token[0] == 'A' ? "B" : "A") + token[1..];
        foreach (var access in new string?[] { null, changed, "x", token + "x" })
        {
            Assert.Empty(await Starts(client, "consult", PictureDay, PictureDay, access));
            Assert.NotEmpty(await Starts(client, "consult", "2027-03-08", "2027-03-08", access));
        }

        // The page seen with the link lists only the organization's services.
        var page = await Body(await client.GetAsync($"/api/v1/pages/{Slug}?access={token}"));
        Assert.Equal(["consult", "yoga"], page["services"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task ExpiredOrRevokedLinks_OpenNothing_TheSameWayAsAChangedOne()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        var (_, one, _) = await LinkAsync(app, "one@example.com", "One");
        var (_, two, _) = await LinkAsync(app, "two@example.com", "Two");
        var (_, three, _) = await LinkAsync(app, "three@example.com", "Three");
        Assert.NotEmpty(await Starts(client, "consult", PictureDay, PictureDay, one));

        var revoked = await app.Admin().PostAsync("/api/v1/admin/organizations/school/revoke", Json(new JsonObject { ["page"] = Slug, ["email"] = "one@example.com" }));
        Assert.Equal(1, (await Body(revoked))["revoked"]!.GetValue<int>());
        Assert.Empty(await Starts(client, "consult", PictureDay, PictureDay, one));
        Assert.NotEmpty(await Starts(client, "consult", PictureDay, PictureDay, two));

        var all = await app.Admin().PostAsync("/api/v1/admin/organizations/school/revoke", Json(new JsonObject { ["page"] = Slug }));
        Assert.Equal(2, (await Body(all))["revoked"]!.GetValue<int>());
        Assert.Empty(await Starts(client, "consult", PictureDay, PictureDay, two));
        Assert.Empty(await Starts(client, "consult", PictureDay, PictureDay, three));

        var (_, fresh, _) = await LinkAsync(app, "four@example.com", "Four");
        Assert.NotEmpty(await Starts(client, "consult", PictureDay, PictureDay, fresh));
        app.Clock.Advance(Duration.FromDays(30));
        Assert.Empty(await Starts(client, "consult", PictureDay, PictureDay, fresh));

        // The booking page: the same public page for every dead link, with nothing of the organization.
        var pages = new List<string>();
        foreach (var access in new[] { one, fresh, "A" + fresh[1..] })
        {
            var html = await client.GetStringAsync($"/book/{Slug}?access={access}");
            Assert.DoesNotContain("Hillside", html, StringComparison.Ordinal);
            pages.Add(html);
        }
    }

    [Fact]
    public async Task ExclusiveServices_AreBookableOnlyThroughTheOrganization()
    {
        await using var app = await StartAsync(OrgConfig(School(exclusive: true)));
        var client = app.CreateClient();
        var (_, token, _) = await LinkAsync(app);

        Assert.Equal(HttpStatusCode.NotFound, (await Slots(client, "consult", "2027-03-08", "2027-03-08", null)).StatusCode);
        var page = await Body(await client.GetAsync($"/api/v1/pages/{Slug}"));
        Assert.DoesNotContain("consult", page["services"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()));
        var html = await client.GetStringAsync($"/book/{Slug}?service=consult");
        Assert.DoesNotContain("Consultation", html, StringComparison.Ordinal);
        var publicTry = await Book(client, Booking("2027-03-08T10:00:00+01:00", "consult"));
        Assert.Equal(HttpStatusCode.BadRequest, publicTry.StatusCode);
        Assert.True((await Body(publicTry))["errors"]!.AsObject().ContainsKey("service"));
        // Services of no exclusive organization stay public.
        Assert.NotEmpty(await Starts(client, "haircut", "2027-03-08", "2027-03-08", null));

        Assert.NotEmpty(await Starts(client, "consult", PictureDay, PictureDay, token));
        var booked = await Book(client, Booking($"{PictureDay}T09:00:00+01:00", "consult", "kid@example.com").Also(b => b["access"] = token));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    [Fact]
    public async Task ABookingWithTheLink_TakesTheOrganizationsSlot_OnceWhateverTheRace()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient();
        var tokens = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            tokens.Add((await LinkAsync(app, $"kid{i}@example.com", $"Kid {i}", memberId: $"S-{i}")).Token);
        }
        // Eight members at once for the one consultation at 09:00 on picture day: one wins, the database refuses the rest.
        var results = await Task.WhenAll(tokens.Select((t, i) =>
            Book(client, Booking($"{PictureDay}T09:00:00+01:00", "consult", $"kid{i}@example.com").Also(b => b["access"] = t))));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var booking = app.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.ServiceKey == "consult"));
        Assert.Equal("school", booking.OrganizationKey);
        Assert.NotNull(booking.OrganizationMemberId);
        Assert.StartsWith("S-", booking.MemberNumber, StringComparison.Ordinal);
        Assert.Equal(["2027-03-07T10:00:00+01:00"], await Starts(client, "consult", PictureDay, PictureDay, tokens[0]));

        // Without a link the same time cannot be booked at all (it is not the page's time).
        var plain = await Book(client, Booking($"{PictureDay}T10:00:00+01:00", "consult", "walker@example.com"));
        Assert.Equal(HttpStatusCode.Conflict, plain.StatusCode);

        // A class of three on 14 March: ten members at once, three seats.
        var more = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            more.Add((await LinkAsync(app, $"yogi{i}@example.com", $"Yogi {i}")).Token);
        }
        var seats = await Task.WhenAll(more.Select((t, i) =>
            Book(client, Booking("2027-03-14T09:00:00+01:00", "yoga", $"yogi{i}@example.com").Also(b => b["access"] = t))));
        Assert.Equal(3, seats.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, app.WithDb(db => db.Bookings.Count(b => b.ServiceKey == "yoga" && b.OrganizationKey == "school")));
    }

    /// <summary>
    /// A time slot naming a staff member is their time; a service booked without staff (the page's own calendar) never takes
    /// them, so such a slot would reserve nothing of its hours for the members. The document refuses it at the slot's
    /// <c>staff</c>, and the admin's forms refuse it with one message in the owner's words, storing nothing.
    /// </summary>
    [Fact]
    public async Task ASlotNamingAStaffMember_ForAServiceBookedWithoutStaff_IsRefusedByTheDocumentAndTheAdminForms()
    {
        static JsonObject Slot(JsonArray? services) => new()
        {
            ["date"] = PictureDay,
            ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")),
            ["services"] = services,
            ["staff"] = "anna",
        };
        static JsonObject WithBooth(JsonObject slot) => OrgConfig(School(exclusive: true).Also(o =>
        {
            o["services"] = new JsonArray("consult", "booth");
            o["timeSlots"] = new JsonArray(slot);
        })).Also(c => c["pages"]![0]!["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "booth", "name": "Photo booth", "durationMinutes": 15, "price": { "amount": 5, "currency": "EUR" }, "payment": "none",
              "requiresStaff": false, "resourceTypes": [] }
            """)));
        await using var app = await StartAsync(WithBooth(Slot(new JsonArray("consult"))));
        const string path = "pages[0].organizations[0].timeSlots[0].staff";

        // The slot for every service of the school (the booth among them), or naming the booth: refused at its staff.
        foreach (var services in new[] { null, new JsonArray("consult", "booth") })
        {
            var refused = await PutConfig(app.Admin(), WithBooth(Slot(services)));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await Body(refused))["errors"]!.AsObject();
            Assert.Equal([path], errors.Select(e => e.Key));
            Assert.Contains("'booth' is booked without a staff member", errors[path]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }
        // Without the staff member the same slot is fine.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WithBooth(Slot(null).Also(t => t["staff"] = null)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WithBooth(Slot(new JsonArray("consult"))))).StatusCode);

        // The admin's forms: one slot, and in bulk, for the booth or for every service, with Anna: refused, nothing stored.
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Bookwell.Tests.Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        const string view = "/admin/organizations?page=salon&org=school";
        static KeyValuePair<string, string> F(string k, string v) => KeyValuePair.Create(k, v);
        async Task<int> StoredSlotsAsync() =>
            (await Body(await app.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]![0]!["timeSlots"]!.AsArray().Count;
        foreach (var service in new[] { "booth", "" })
        {
            var one = await owner.PostFormAsync("/admin/organizations?handler=AddSlot",
                [F("page", "salon"), F("org", "school"), F("date", "2027-03-21"), F("start", "09:00"), F("end", "10:00"), F("service", service), F("staff", "anna")], view);
            Assert.Equal(HttpStatusCode.Redirect, one.StatusCode);
            Assert.Contains("Photo booth is booked without a staff member", WebUtility.HtmlDecode(await owner.GetAsync(view)), StringComparison.Ordinal);
            var bulk = await owner.PostFormAsync("/admin/organizations?handler=Bulk",
                [F("page", "salon"), F("org", "school"), F("bulk.From", "2027-03-21"), F("bulk.To", "2027-03-28"), F("bulk.Days", "sun"),
                 F("bulk.Start", "09:00"), F("bulk.End", "10:00"), F("bulk.Service", service), F("bulk.Staff", "anna"), F("confirm", "true")], view);
            Assert.Equal(HttpStatusCode.Redirect, bulk.StatusCode);
            Assert.Contains("Photo booth is booked without a staff member", WebUtility.HtmlDecode(await owner.GetAsync(view)), StringComparison.Ordinal);
            Assert.Equal(1, await StoredSlotsAsync());
        }
        // In Dutch too.
        await owner.PostFormAsync("/admin/organizations?handler=AddSlot&lang=nl",
            [F("page", "salon"), F("org", "school"), F("date", "2027-03-21"), F("start", "09:00"), F("end", "10:00"), F("service", "booth"), F("staff", "anna")], view);
        Assert.Contains("Photo booth wordt zonder medewerker geboekt", WebUtility.HtmlDecode(await owner.GetAsync($"{view}&lang=nl")), StringComparison.Ordinal);
        // A service that needs a staff member takes one.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/organizations?handler=AddSlot",
            [F("page", "salon"), F("org", "school"), F("date", "2027-03-21"), F("start", "09:00"), F("end", "10:00"), F("service", "consult"), F("staff", "anna")], view)).StatusCode);
        Assert.Equal(2, await StoredSlotsAsync());
    }

    [Fact]
    public async Task TheBookingPage_WithTheLink_IsSignedInAsTheMember_AndBooksTheOrganizationsSlot()
    {
        await using var app = await StartAsync();
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, token, _) = await LinkAsync(app);
        var page = await client.GetAsync($"/book/{Slug}?access={token}&service=consult&date={PictureDay}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Hillside School", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Haircut", html, StringComparison.Ordinal);
        Assert.Contains("start=2027-03-07T09", html, StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        var details = await client.GetStringAsync($"/book/{Slug}?access={token}&service=consult&start={Uri.EscapeDataString($"{PictureDay}T09:00:00+01:00")}");
        Assert.Contains("value=\"Kim Kid\"", details, StringComparison.Ordinal);
        Assert.Contains("value=\"kid@example.com\"", details, StringComparison.Ordinal);
        Assert.Contains($"name=\"access\" value=\"{token}\"", details, StringComparison.Ordinal);
        // Signed in to the client portal too.
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("bw_client=", StringComparison.Ordinal));

        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["service"] = "consult",
            ["access"] = token,
            ["tz"] = "Europe/Amsterdam",
            ["start"] = $"{PictureDay}T09:00:00+01:00",
            ["name"] = "Kim Kid",
            ["email"] = "kid@example.com",
            ["terms"] = "true",
            ["step"] = "confirm",
        });
        var posted = await client.PostAsync($"/book/{Slug}?access={token}", form);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var booking = app.WithDb(db => db.Bookings.AsNoTracking().Single());
        Assert.Equal("school", booking.OrganizationKey);
        Assert.Equal("S-1001", booking.MemberNumber);
    }
}

public sealed class SqliteOrganizationTests : OrganizationTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOrganizationTests : OrganizationTests
{
    protected override Db Kind => Db.Postgres;
}
