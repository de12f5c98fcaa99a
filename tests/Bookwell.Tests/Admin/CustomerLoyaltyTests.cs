using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Admin;

/// <summary>
/// Issue 14's CRM gaps on both databases: loyalty tiers from visits (per-business thresholds, list, detail, filter,
/// page, CSV), late cancellations by the service's cancellation-policy window, bulk tagging (API and page, another
/// business's ids left alone) and client phones stored in E.164. Every booking and status goes through the app's endpoints.
/// One app per class and database, each test on a business of its own with its own signed-in owner (see
/// <see cref="SharedApp"/>); the test of the phones converted at start restarts its app, so it keeps an app of its own.
/// </summary>
public abstract class CustomerLoyaltyTests(SharedApp shared)
{
    /// <summary>A business of its own on the class's app, configured, and a session of its owner.</summary>
    private async Task<(TenantSpace App, WebSession Owner)> StartAsync(Action<JsonObject>? change = null)
    {
        var app = await shared.NewBusinessAsync();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        change?.Invoke(doc);
        var put = await PutConfig(app.Admin(), doc);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        return (app, await app.OwnerAsync("Olga", AccountTests.Password));
    }

    private static async Task<string> BookAsync(TenantSpace app, string start, string email, string name, string? phone = "+31600000000")
    {
        var body = Booking(start, staff: "anna", email: email);
        body["page"] = Slug;
        body["customer"]!["name"] = name;
        body["customer"]!["phone"] = phone;
        var response = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await Body(response))["id"]!.GetValue<string>();
    }

    private static async Task SetStatusAsync(TenantSpace app, string booking, string status)
    {
        var response = await app.Admin().PostAsync($"/api/v1/admin/bookings/{booking}/status", Json(new JsonObject { ["status"] = status }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static Guid IdOf(TenantSpace app, string email) =>
        app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.TenantId == app.Id && c.EmailNormalized == email.ToUpperInvariant()).Id);

    private static async Task<JsonObject> ListAsync(TenantSpace app, string query)
    {
        var response = await app.Admin().GetAsync("/api/v1/admin/customers?limit=500&" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await Body(response);
    }

    private static async Task<Dictionary<string, string>> TiersAsync(TenantSpace app, string query = "") =>
        (await ListAsync(app, query))["items"]!.AsArray().ToDictionary(i => i!["name"]!.GetValue<string>(), i => i!["tier"]!.GetValue<string>());

    /// <summary>
    /// Fixed data set, all through the booking and status endpoints: Nia has only a future booking (0 visits), Bo 1 completed,
    /// Cy 2 completed, Di 4 completed and a no-show, Eve 5 completed and a cancellation.
    /// </summary>
    private static async Task SeedAsync(TenantSpace app)
    {
        var plan = new (string Name, int Completed)[] { ("Bo", 1), ("Cy", 2), ("Di", 4), ("Eve", 5) };
        var slot = 0;
        string Next() // Wednesdays and Thursdays of March 2027 (open 09:00-17:00), every half hour from 09:00.
        {
            var days = new[] { "2027-03-03", "2027-03-04" };
            var s = slot++;
            return $"{days[s / 14]}T{9 + s % 14 / 2:00}:{(s % 2) * 30:00}:00+01:00";
        }
        var done = new List<string>();
        string di = "", eve = "";
        foreach (var (name, completed) in plan)
        {
            for (var i = 0; i < completed; i++)
            {
                done.Add(await BookAsync(app, Next(), $"{name.ToLowerInvariant()}@example.com", name));
            }
            if (name == "Di") { di = await BookAsync(app, Next(), "di@example.com", "Di"); }
            if (name == "Eve") { eve = await BookAsync(app, Next(), "eve@example.com", "Eve"); }
        }
        await BookAsync(app, "2027-03-24T09:00:00+01:00", "nia@example.com", "Nia");
        await SetStatusAsync(app, eve, "cancelled");
        app.Clock.Advance(Duration.FromDays(5)); // 2027-03-06: every March 3/4 booking has taken place
        foreach (var id in done)
        {
            await SetStatusAsync(app, id, "completed");
        }
        await SetStatusAsync(app, di, "no_show");
    }

    [Fact]
    public async Task LoyaltyTiers_FromVisits_DefaultAndPerBusinessThresholds_ListDetailFilterPageAndCsv()
    {
        var (app, owner) = await StartAsync();
        await SeedAsync(app);

        // Default thresholds: 2 returning, 5 regular, 10 VIP. Di's no-show and Eve's cancellation are no visits.
        Assert.Equal(new Dictionary<string, string> { ["Bo"] = "new", ["Cy"] = "returning", ["Di"] = "returning", ["Eve"] = "regular", ["Nia"] = "new" }, await TiersAsync(app));
        Assert.Equal(["Bo", "Nia"], (await TiersAsync(app, "tier=new")).Keys.Order());
        Assert.Equal(["Cy", "Di"], (await TiersAsync(app, "tier=returning")).Keys.Order());
        Assert.Equal(2, (await ListAsync(app, "tier=returning"))["total"]!.GetValue<int>());
        Assert.Empty(await TiersAsync(app, "tier=vip"));

        // The business's own thresholds (config, additive): 2 returning, 4 regular, 5 VIP.
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["settings"]!["loyalty"] = new JsonObject { ["returning"] = 2, ["regular"] = 4, ["vip"] = 5 };
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        Assert.Equal(new Dictionary<string, string> { ["Bo"] = "new", ["Cy"] = "returning", ["Di"] = "regular", ["Eve"] = "vip", ["Nia"] = "new" }, await TiersAsync(app));
        Assert.Equal(["Eve"], (await TiersAsync(app, "tier=vip")).Keys);
        Assert.Equal(["Di"], (await TiersAsync(app, "tier=regular")).Keys);
        Assert.Equal(["Cy"], (await TiersAsync(app, "tier=returning")).Keys);

        var detail = await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{IdOf(app, "eve@example.com")}"));
        Assert.Equal(("vip", 5, 1), (detail["tier"]!.GetValue<string>(), detail["visits"]!.GetValue<int>(), detail["cancelled"]!.GetValue<int>()));
        Assert.Equal("regular", (await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{IdOf(app, "di@example.com")}")))["tier"]!.GetValue<string>());

        // The page: a column and the filter; the customer page names the tier; the CSV has a tier column.
        var page = await owner.GetAsync("/admin/customers?tier=vip");
        Assert.Contains("data-tier=\"vip\"", page, StringComparison.Ordinal);
        Assert.Contains(">Eve</a>", page, StringComparison.Ordinal);
        Assert.DoesNotContain(">Di</a>", page, StringComparison.Ordinal);
        Assert.Contains("id=\"tier\" data-tier=\"regular\"", await owner.GetAsync($"/admin/customers/{IdOf(app, "di@example.com")}"), StringComparison.Ordinal);
        var csv = (await (await owner.Client.GetAsync("/admin/customers?handler=Csv&sort=visits")).Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(',')).ToList();
        Assert.Equal("tier", csv[0][^1]);
        Assert.Equal(["Eve:vip", "Di:regular", "Cy:returning", "Bo:new", "Nia:new"], csv.Skip(1).Select(r => r[0] + ":" + r[^1]));

        // Bad input: a field error, never a 500.
        var bad = await app.Admin().GetAsync("/api/v1/admin/customers?tier=gold");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await Body(bad))["errors"]!.AsObject().ContainsKey("tier"));
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Client.GetAsync("/admin/customers?tier=gold")).StatusCode);
    }

    [Fact]
    public async Task LoyaltySetting_BadValues_AreFieldErrors()
    {
        var app = await shared.NewBusinessAsync();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["loyalty"] = new JsonObject { ["returning"] = 1, ["regular"] = 5, ["vip"] = 200_000 };
        var response = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].settings.loyalty.returning") && errors.ContainsKey("pages[0].settings.loyalty.vip"), errors.ToJsonString());
        Assert.False(errors.ContainsKey("pages[0].settings.loyalty.regular"), errors.ToJsonString());

        doc["pages"]![0]!["settings"]!["loyalty"] = new JsonObject { ["returning"] = 6 }; // above the default regular (5)
        errors = (await Body(await PutConfig(app.Admin(), doc)))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].settings.loyalty.regular"), errors.ToJsonString());

        doc["pages"]![0]!["settings"]!["loyalty"] = new JsonObject { ["returning"] = "two" };
        Assert.Equal(HttpStatusCode.BadRequest, (await PutConfig(app.Admin(), doc)).StatusCode);
    }

    [Fact]
    public async Task LateCancellations_AreThoseInsideThePolicyWindow_ByWhenTheCancelHappened()
    {
        var (app, owner) = await StartAsync(doc => doc["pages"]![0]!["services"]![0]!["cancellationPolicy"] =
            JsonNode.Parse("""{ "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] }"""));
        // Clock: 2027-03-01 07:00 UTC. Both bookings start on Thursday 2027-03-04 at 09:00 and 09:30 (+01:00).
        var early = await BookAsync(app, "2027-03-04T09:00:00+01:00", "ada@example.com", "Ada");
        var late = await BookAsync(app, "2027-03-04T09:30:00+01:00", "ada@example.com", "Ada");
        var kept = await BookAsync(app, "2027-03-04T10:00:00+01:00", "ada@example.com", "Ada");
        await SetStatusAsync(app, early, "cancelled"); // three days ahead: outside the 48-hour window
        app.Clock.Advance(Duration.FromHours(48)); // 2027-03-03 07:00 UTC: 25.5 hours before 09:30 (+01:00)
        await SetStatusAsync(app, late, "cancelled"); // inside the window (the refund would be 50%, not all)
        var id = IdOf(app, "ada@example.com");

        var detail = await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{id}"));
        Assert.Equal((2, 1, 3), (detail["cancelled"]!.GetValue<int>(), detail["lateCancelled"]!.GetValue<int>(), detail["bookings"]!.GetValue<int>()));
        var page = await owner.GetAsync($"/admin/customers/{id}");
        Assert.Contains("id=\"latecancelled\">1<", page, StringComparison.Ordinal);
        Assert.Contains("id=\"cancelled\">2<", page, StringComparison.Ordinal);
        Assert.NotNull(kept);
    }

    /// <summary>Pays a booking at the desk by card, as the checkout page's form does, once the visit's check-in has opened.</summary>
    private static async Task PayAtTheDeskAsync(TenantSpace app, WebSession owner, string booking, string start, string price)
    {
        app.Clock.Reset(NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(start).Value.ToInstant());
        var path = $"/admin/checkout/{booking}";
        var html = await owner.GetAsync(path);
        var key = System.Text.RegularExpressions.Regex.Match(html, "name=\"Key\" value=\"([0-9a-f]+)\"").Groups[1].Value;
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        var paid = await owner.Client.PostAsync(path + "?handler=Pay", new FormUrlEncodedContent([KeyValuePair.Create("Desc[0]", "Haircut"),
            KeyValuePair.Create("Price[0]", price), KeyValuePair.Create("Method", "card"), KeyValuePair.Create("Key", key), KeyValuePair.Create("site", Slug),
            KeyValuePair.Create("__RequestVerificationToken", token)]));
        Assert.True(paid.StatusCode == HttpStatusCode.Redirect, await paid.Content.ReadAsStringAsync());
    }

    /// <summary>Lifetime value and the visit history's money: what each visit was paid at the desk, summed for the client, never another client's.</summary>
    [Fact]
    public async Task LifetimeValue_AndEachVisitsMoney_AreWhatTheClientPaid_AndNobodyElses()
    {
        var (app, owner) = await StartAsync();
        var first = await BookAsync(app, "2027-03-03T10:00:00+01:00", "ada@example.com", "Ada");
        var second = await BookAsync(app, "2027-03-04T10:00:00+01:00", "ada@example.com", "Ada");
        var unpaid = await BookAsync(app, "2027-03-24T10:00:00+01:00", "ada@example.com", "Ada");
        var ben = await BookAsync(app, "2027-03-03T11:00:00+01:00", "ben@example.com", "Ben");
        await PayAtTheDeskAsync(app, owner, first, "2027-03-03T10:00:00+01:00", "25");
        await PayAtTheDeskAsync(app, owner, ben, "2027-03-03T11:00:00+01:00", "99");
        await PayAtTheDeskAsync(app, owner, second, "2027-03-04T10:00:00+01:00", "40.50");

        var ada = IdOf(app, "ada@example.com");
        var detail = await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{ada}"));
        var spent = Assert.Single(detail["totalSpent"]!.AsArray())!;
        Assert.Equal((65.50m, "EUR"), (spent["amount"]!.GetValue<decimal>(), spent["currency"]!.GetValue<string>()));

        var page = await WebSession.TextAsync(await owner.Client.GetAsync($"/admin/customers/{ada}"));
        Assert.Contains("id=\"spent\">€65.50<", page, StringComparison.Ordinal);
        Assert.Matches($"data-booking=\"{first}\">[^\n]*<td class=\"paid\">€25\\.00</td>", page);
        Assert.Matches($"data-booking=\"{second}\">[^\n]*<td class=\"paid\">€40\\.50</td>", page);
        Assert.Matches($"data-booking=\"{unpaid}\">[^\n]*<td class=\"paid\">—</td>", page);
        Assert.DoesNotContain(ben, page, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">Betaald</th>", await WebSession.TextAsync(await owner.Client.GetAsync($"/admin/customers/{ada}?lang=nl")),
            StringComparison.Ordinal);
    }

    /// <summary>
    /// A visit of two services is cancelled late by the strictest of its parts' policies (as its booking page states it), not by its
    /// first part's: consultation (24 h) then trim (48 h), cancelled 30 hours ahead, is late; a consultation alone at that moment is not.
    /// </summary>
    [Fact]
    public async Task LateCancellations_OfAVisit_UseTheStrictestPolicyOverAllItsParts()
    {
        var (app, owner) = await StartAsync(doc =>
        {
            var page = doc["pages"]![0]!;
            var services = page["services"]!.AsArray();
            services.Single(s => s!["key"]!.GetValue<string>() == "consult")!["cancellationPolicy"] =
                JsonNode.Parse("""{ "refunds": [ { "hoursBefore": 24, "percent": 100 } ] }""");
            services.Add(JsonNode.Parse("""
                { "key": "trim", "name": "Trim", "durationMinutes": 30, "price": { "amount": 20, "currency": "EUR" }, "payment": "none",
                  "cancellationPolicy": { "refunds": [ { "hoursBefore": 48, "percent": 100 } ] },
                  "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
                """));
            page["staff"]![0]!["services"]!.AsArray().Add("trim");
        });
        // Clock: 2027-03-01 07:00 UTC. The visit starts on Thursday 2027-03-04 at 09:00 (+01:00), the consultation alone at 11:00.
        var visit = Booking("2027-03-04T09:00:00+01:00", service: "consult", email: "vera@example.com");
        visit.Remove("service");
        visit["services"] = new JsonArray("consult", "trim");
        var booked = await Book(app.CreateClient(), visit);
        Assert.True(booked.StatusCode == HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        var visitId = (await Body(booked))["id"]!.GetValue<string>();
        var alone = await Body(await Book(app.CreateClient(), Booking("2027-03-04T11:00:00+01:00", service: "consult", email: "vera@example.com")));
        app.Clock.Advance(Duration.FromHours(49)); // 2027-03-03 08:00 UTC: 30 hours before 09:00 (+01:00), 32 before 11:00
        await SetStatusAsync(app, visitId, "cancelled");
        await SetStatusAsync(app, alone["id"]!.GetValue<string>(), "cancelled");
        var id = IdOf(app, "vera@example.com");

        var detail = await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{id}"));
        Assert.Equal((2, 1), (detail["cancelled"]!.GetValue<int>(), detail["lateCancelled"]!.GetValue<int>()));
        Assert.Contains("id=\"latecancelled\">1<", await owner.GetAsync($"/admin/customers/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BulkTag_TagsThisBusinesssClients_LeavesOthersIds_AndIsValidated()
    {
        var (app, owner) = await StartAsync();
        await BookAsync(app, "2027-03-03T09:00:00+01:00", "ada@example.com", "Ada");
        await BookAsync(app, "2027-03-03T10:00:00+01:00", "bo@example.com", "Bo");
        await BookAsync(app, "2027-03-03T11:00:00+01:00", "cy@example.com", "Cy");
        var (ada, bo, cy) = (IdOf(app, "ada@example.com"), IdOf(app, "bo@example.com"), IdOf(app, "cy@example.com"));
        var otherTenant = Guid.NewGuid();
        var theirs = Guid.NewGuid();
        app.WithDb(db =>
        {
            db.Tenants.Add(new Tenant { Id = otherTenant, Name = "Other", Host = $"other-{otherTenant:N}.example.test" });
            db.Customers.Add(new Customer { Id = theirs, TenantId = otherTenant, Email = "x@example.com", EmailNormalized = "X@EXAMPLE.COM", Name = "Elsewhere" });
            db.SaveChanges();
            return 0;
        });
        List<string> TagsOf(Guid id) => app.WithDb(db => db.CustomerTags.IgnoreQueryFilters().Where(t => t.CustomerId == id).Select(t => t.Tag).OrderBy(t => t).ToList());

        var response = await app.Admin().PostAsync("/api/v1/admin/customers/tags",
            Json(new JsonObject { ["ids"] = new JsonArray(ada.ToString(), bo.ToString(), theirs.ToString(), ada.ToString()), ["tag"] = " Spring Promo " }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var result = await Body(response);
        Assert.Equal("spring promo", result["tag"]!.GetValue<string>());
        Assert.Equal(new[] { ada, bo }.Order(), result["tagged"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())).Order());
        Assert.Equal([theirs], result["notFound"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())));
        Assert.Equal(["spring promo"], TagsOf(ada));
        Assert.Equal(["spring promo"], TagsOf(bo));
        Assert.Empty(TagsOf(cy));
        Assert.Empty(TagsOf(theirs));
        // Twice is once.
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync("/api/v1/admin/customers/tags", Json(new JsonObject { ["ids"] = new JsonArray(ada.ToString()), ["tag"] = "spring promo" }))).StatusCode);
        Assert.Equal(["spring promo"], TagsOf(ada));

        // Validation: field by field.
        async Task<JsonObject> ErrorsAsync(JsonObject body)
        {
            var r = await app.Admin().PostAsync("/api/v1/admin/customers/tags", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return (await Body(r))["errors"]!.AsObject();
        }
        Assert.True((await ErrorsAsync(new JsonObject { ["ids"] = new JsonArray(), ["tag"] = "x" })).ContainsKey("ids"));
        Assert.True((await ErrorsAsync(new JsonObject { ["ids"] = new JsonArray([.. Enumerable.Range(0, 501).Select(_ => (JsonNode)Guid.NewGuid().ToString())]), ["tag"] = "x" })).ContainsKey("ids"));
        var mixed = await ErrorsAsync(new JsonObject { ["ids"] = new JsonArray(ada.ToString(), "nope"), ["tag"] = "<b>" });
        Assert.True(mixed.ContainsKey("ids[1]") && mixed.ContainsKey("tag"), mixed.ToJsonString());
        Assert.Empty(TagsOf(cy));

        // The page: tick rows, one tag for all (CSRF token from the page); another business's id in the form tags nothing.
        var list = await owner.GetAsync("/admin/customers");
        Assert.Contains($"name=\"Selected\" value=\"{cy}\"", list, StringComparison.Ordinal);
        var posted = await owner.PostFormAsync("/admin/customers?p=1&handler=TagSelected",
            [new("Selected", cy.ToString()), new("Selected", bo.ToString()), new("Selected", theirs.ToString()), new("BulkTag", "Newsletter")], "/admin/customers");
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(["newsletter"], TagsOf(cy));
        Assert.Equal(["newsletter", "spring promo"], TagsOf(bo));
        Assert.Empty(TagsOf(theirs));
        var none = await owner.PostFormAsync("/admin/customers?p=1&handler=TagSelected", [new("BulkTag", "Newsletter")], "/admin/customers");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("id=\"bulktag-error\"", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var noToken = await owner.Client.PostAsync("/admin/customers?p=1&handler=TagSelected", new FormUrlEncodedContent([new("Selected", ada.ToString()), new("BulkTag", "csrf")]));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal(["spring promo"], TagsOf(ada));
    }

    [Fact]
    public async Task Phones_AreStoredInE164_FromBookings_InThePagesCountry()
    {
        var (app, _) = await StartAsync();
        await BookAsync(app, "2027-03-03T09:00:00+01:00", "ada@example.com", "Ada", "06 1234 5678");
        await BookAsync(app, "2027-03-03T10:00:00+01:00", "bo@example.com", "Bo", "+44 20 7946 0958");
        Assert.Equal("+31612345678", app.WithDb(db => db.Customers.Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM").Phone));
        Assert.Equal("+442079460958", app.WithDb(db => db.Customers.Single(c => c.EmailNormalized == "BO@EXAMPLE.COM").Phone));
    }

    [Fact]
    public async Task Phones_StoredBeforeE164_AreConvertedAtStart_Once_UnreadableOnesKeptAndCountedWithoutTheNumber()
    {
        // An app of its own: the conversion runs at a start, on every business's rows.
        await using var app = await BookwellApp.StartAsync(shared.Kind);
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        // A new database is converted (there is nothing to convert) at its first start, and marked so.
        Assert.True(app.WithDb(db => db.OneOffSteps.Any(s => s.Name == Bookwell.Features.Bookings.StoredPhones.Step)));
        // Rows as an earlier version wrote them: phones as typed, bookings without their E.164 copy.
        var now = app.Clock.GetCurrentInstant();
        Customer Person(string email, string? phone) => new()
        {
            Id = Guid.NewGuid(),
            TenantId = DefaultTenant.Id,
            Email = email,
            EmailNormalized = email.ToUpperInvariant(),
            Name = email,
            Phone = phone,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var (ada, bo, cy, di) = (Person("ada@example.com", "06 1234 5678"), Person("bo@example.com", "+44 20 7946 0958"), Person("cy@example.com", "call the shop"),
            Person("di@example.com", "+31611112222"));
        var booking = new Booking
        {
            Id = Guid.NewGuid(),
            TenantId = DefaultTenant.Id,
            PageSlug = Slug,
            ServiceKey = "haircut",
            ServiceName = "Haircut",
            StartsAt = Instant.FromUtc(2027, 3, 3, 9, 0),
            EndsAt = Instant.FromUtc(2027, 3, 3, 9, 30),
            Status = Bookwell.Features.Bookings.BookingStatus.Confirmed,
            TimeZone = "Europe/Amsterdam",
            CustomerId = ada.Id,
            CustomerName = "Ada",
            CustomerEmail = "ada@example.com",
            CustomerPhone = "020-555 1234",
            ManageTokenHash = Bookwell.Features.Bookings.ManageTokens.Hash(Bookwell.Features.Bookings.ManageTokens.Create()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var entry = new Bookwell.Features.Waitlist.WaitlistEntry
        {
            Key = Guid.NewGuid(),
            TenantId = DefaultTenant.Id,
            PageSlug = Slug,
            ServiceKey = "haircut",
            Date = "2027-03-05",
            CustomerName = "Bo",
            CustomerEmail = "bo@example.com",
            CustomerPhone = "(06) 2222 3333",
            TimeZone = "Europe/Amsterdam",
            TokenHash = "x",
            Status = Bookwell.Features.Waitlist.WaitlistStatus.Waiting,
            CreatedAt = now,
            UpdatedAt = now,
        };
        app.WithDb(db =>
        {
            db.Customers.AddRange(ada, bo, cy, di);
            db.Bookings.Add(booking);
            db.WaitlistEntries.Add(entry);
            // A database an earlier version wrote has no marker.
            db.OneOffSteps.RemoveRange(db.OneOffSteps);
            return db.SaveChanges();
        });
        string Snapshot(BookwellApp a) => a.WithDb(db => string.Join("|",
            db.Customers.IgnoreQueryFilters().OrderBy(c => c.Email).Select(c => c.Email + "=" + c.Phone).ToList()
                .Concat(db.Bookings.IgnoreQueryFilters().Select(b => b.CustomerPhone + ">" + b.PhoneE164).ToList())
                .Concat(db.WaitlistEntries.IgnoreQueryFilters().Select(w => w.CustomerPhone).ToList())));

        // A start converts them, with the business's country (the salon is in Amsterdam: NL) for national numbers.
        await using (var started = app.Restart())
        {
            _ = started.Services;
            Assert.Equal("ada@example.com=+31612345678|bo@example.com=+442079460958|cy@example.com=call the shop|di@example.com=+31611112222|" +
                         "020-555 1234>+31205551234|+31622223333", Snapshot(started));
            var line = Assert.Single(started.Logs.Entries, e => e.Category == "Bookwell.Phones").Message;
            Assert.Contains("4 converted", line, StringComparison.Ordinal); // ada, bo, the waitlist entry, the booking's E.164 copy
            Assert.Contains("1 could not be read", line, StringComparison.Ordinal);
            Assert.DoesNotContain(started.Logs.Entries, e => e.Message.Contains("call the shop", StringComparison.Ordinal) ||
                                                             e.Message.Contains("1234", StringComparison.Ordinal) || e.Message.Contains("2222", StringComparison.Ordinal));
        }
        Assert.True(app.WithDb(db => db.OneOffSteps.Any(s => s.Name == Bookwell.Features.Bookings.StoredPhones.Step)));
        // The marker makes it a one-off: a later start reads no phones at all, so even a row in the old form (which no
        // write makes any more) stays as it is, and nothing is logged.
        app.WithDb(db =>
        {
            db.Customers.Add(Person("eve@example.com", "06 9999 8888"));
            return db.SaveChanges();
        });
        await using (var again = app.Restart())
        {
            _ = again.Services;
            Assert.Equal("ada@example.com=+31612345678|bo@example.com=+442079460958|cy@example.com=call the shop|di@example.com=+31611112222|" +
                         "eve@example.com=06 9999 8888|020-555 1234>+31205551234|+31622223333", Snapshot(again));
            Assert.DoesNotContain(again.Logs.Entries, e => e.Category == "Bookwell.Phones");
        }
    }
}

public sealed class SqliteCustomerLoyaltyTests(SqliteSharedApp shared) : CustomerLoyaltyTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresCustomerLoyaltyTests(PostgresSharedApp shared) : CustomerLoyaltyTests(shared), IClassFixture<PostgresSharedApp>;
