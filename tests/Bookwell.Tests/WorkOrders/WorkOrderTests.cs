using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.WorkOrders;

/// <summary>
/// Issue 15 (seed 002): an operator links a booking to a work order in another system — by the admin API and on the
/// booking's dashboard page (English and Dutch) — finds the booking by its number, and the client never sees it. Both databases.
/// </summary>
public abstract class WorkOrderTests(WorkOrderTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@workorder.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private BookwellApp App => shared.App;

    private async Task<(Guid Id, string Token)> BookAsync(string start, string email, string? staff = null)
    {
        var created = await Book(App.CreateClient(), Booking(start, email: email, staff: staff));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Body(created);
        return (Guid.Parse(body["id"]!.GetValue<string>()), body["manageToken"]!.GetValue<string>());
    }

    private static StringContent Link(string? reference, string? url) => Json(new JsonObject { ["reference"] = reference, ["url"] = url });

    [Fact]
    public async Task TheApiSetsChangesAndClearsTheLink_FindsTheBookingByIt_AndTheClientNeverSeesIt()
    {
        var (id, token) = await BookAsync("2027-03-15T10:00:00+01:00", "wo-api@example.com");
        var admin = App.Admin();
        var set = await admin.PutAsync($"/api/v1/admin/bookings/{id}/work-order", Link("  WO-2027-0412 ", "https://erp.example.com/orders/412"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("WO-2027-0412", (await Body(set))["workOrder"]!["reference"]!.GetValue<string>());
        var read = await Body(await admin.GetAsync($"/api/v1/admin/bookings/{id}"));
        Assert.Equal("https://erp.example.com/orders/412", read["workOrder"]!["url"]!.GetValue<string>());

        // Looked up by its whole number in any case, not by a part of it.
        var found = await Body(await admin.GetAsync("/api/v1/admin/bookings?q=wo-2027-0412"));
        Assert.Equal([id.ToString()], found["items"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()));
        Assert.Empty((await Body(await admin.GetAsync("/api/v1/admin/bookings?q=WO-2027")))["items"]!.AsArray());

        // The client's own view of the booking has no trace of it.
        var mine = await App.CreateClient().GetStringAsync($"/api/v1/bookings/{token}");
        Assert.DoesNotContain("WO-2027-0412", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("workOrder", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("WO-2027-0412", await App.CreateClient().GetStringAsync($"/booking/{token}"), StringComparison.Ordinal);

        // A number alone (no web page for it), then cleared.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/admin/bookings/{id}/work-order", Link("Job 77", null))).StatusCode);
        Assert.Equal(("Job 77", (string?)null), App.WithDb(db => db.Bookings.AsNoTracking().Where(b => b.Id == id).Select(b => new { b.WorkOrderReference, b.WorkOrderUrl })
            .AsEnumerable().Select(b => (b.WorkOrderReference, b.WorkOrderUrl)).Single()));
        var cleared = await admin.DeleteAsync($"/api/v1/admin/bookings/{id}/work-order");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Null((await Body(cleared))["workOrder"]);
        Assert.Null(App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == id).WorkOrderReference));
    }

    /// <summary>Issue 11: the audit trail. Every change leaves a history entry (who, when, the reference before and after).</summary>
    [Fact]
    public async Task EachChange_LeavesAHistoryEntry_WhoAndOldToNew_InTheAdminApiAndPage_AndNeverInTheClientsView()
    {
        var (id, token) = await BookAsync("2027-03-16T10:00:00+01:00", "wo-audit@example.com");
        var admin = App.Admin();
        var icsBefore = Sequence(await App.CreateClient().GetStringAsync($"/api/v1/bookings/{token}/ics"));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/admin/bookings/{id}/work-order", Link("WO-1", null))).StatusCode);
        // The same link again is no change and records nothing.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/admin/bookings/{id}/work-order", Link("WO-1", null))).StatusCode);
        var page = $"/admin/bookings/{id}";
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync($"{page}?handler=WorkOrder", [KeyValuePair.Create("reference", "WO-2")], page)).StatusCode);
        var cleared = await admin.DeleteAsync($"/api/v1/admin/bookings/{id}/work-order");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);

        var entries = (await Body(cleared))["history"]!.AsArray().Where(h => h!["action"]!.GetValue<string>() == "work-order").ToList();
        Assert.Equal(
            [("admin", null, "WO-1"), ("owner:Olga", "WO-1", "WO-2"), ("admin", "WO-2", null)],
            entries.Select(h => (h!["by"]!.GetValue<string>(), h["previousWorkOrder"]?.GetValue<string>(), h["workOrder"]?.GetValue<string>())).ToArray());
        Assert.All(entries, h => Assert.Equal(h!["from"]!.GetValue<string>(), h["to"]!.GetValue<string>()));
        Assert.Equal(3, App.WithDb(db => db.BookingEvents.AsNoTracking().Count(e => e.BookingId == id && e.Action == Bookwell.Features.Bookings.BookingAction.WorkOrder)));

        // The booking's page shows them with the rest of its history.
        var html = WebUtility.HtmlDecode(await shared.Owner.GetAsync(page));
        var history = html[html.IndexOf("id=\"h-history\"", StringComparison.Ordinal)..];
        Assert.Contains("(Work order: WO-1 → WO-2)", history, StringComparison.Ordinal);
        Assert.Contains("(Work order: None → WO-1)", history, StringComparison.Ordinal);
        Assert.Contains("(Werkorder: WO-2 → Geen)", WebUtility.HtmlDecode(await shared.Owner.GetAsync($"{page}?lang=nl")), StringComparison.Ordinal);

        // The client's view, their data export and their calendar file know nothing of it.
        var mine = await Body(await App.CreateClient().GetAsync($"/api/v1/bookings/{token}"));
        Assert.DoesNotContain(mine["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "work-order");
        Assert.Equal(icsBefore, Sequence(await App.CreateClient().GetStringAsync($"/api/v1/bookings/{token}/ics")));
    }

    private static string Sequence(string ics) => ics.Split("\r\n").FirstOrDefault(l => l.StartsWith("SEQUENCE:", StringComparison.Ordinal)) ?? "SEQUENCE:0";

    [Fact]
    public async Task BadLinks_AreRefusedFieldByField_AndNothingIsWritten()
    {
        var (id, _) = await BookAsync("2027-03-15T11:00:00+01:00", "wo-bad@example.com");
        var admin = App.Admin();
        var cases = new (string? Reference, string? Url, string[] Fields)[]
        {
            (null, "https://erp.example.com/1", ["reference"]),
            ("   ", null, ["reference"]),
            (new string('W', 101), null, ["reference"]),
            ("WO\u202E21", null, ["reference"]),
            ("WO\n1", null, ["reference"]),
            ("WO-1", "javascript:alert(1)", ["url"]),
            ("WO-1", "data:text/html,hi", ["url"]),
            ("WO-1", "/orders/1", ["url"]),
            ("WO-1", "ftp://erp.example.com/1", ["url"]),
            ("WO-1", "https://erp.example.com/" + new string('a', 2000), ["url"]),
            ("", "mailto:x@example.com", ["reference", "url"]),
        };
        foreach (var (reference, url, fields) in cases)
        {
            var response = await admin.PutAsync($"/api/v1/admin/bookings/{id}/work-order", Link(reference, url));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await Body(response))["errors"]!.AsObject().Select(kv => kv.Key).Order().ToArray();
            Assert.Equal(fields, errors);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync($"/api/v1/admin/bookings/{id}/work-order",
            new StringContent("{\"reference\": 5}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Null(App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == id).WorkOrderReference));

        // No such booking, or not a booking id at all.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync($"/api/v1/admin/bookings/{Guid.NewGuid()}/work-order", Link("WO-1", null))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/admin/bookings/{Guid.NewGuid()}/work-order")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/api/v1/admin/bookings/nope/work-order", Link("WO-1", null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().PutAsync($"/api/v1/admin/bookings/{id}/work-order", Link("WO-1", null))).StatusCode);
    }

    [Fact]
    public async Task TheDashboardFormSetsAndRemovesIt_InEnglishAndDutch_AndAnotherBusinessCannotTouchIt()
    {
        var (id, _) = await BookAsync("2027-03-15T12:00:00+01:00", "wo-page@example.com");
        var owner = shared.Owner;
        var page = $"/admin/bookings/{id}";
        Assert.Contains("id=\"wo-reference\"", await owner.GetAsync(page), StringComparison.Ordinal);

        var saved = await owner.PostFormAsync($"{page}?handler=WorkOrder", [KeyValuePair.Create("reference", "WO-9"), KeyValuePair.Create("url", "https://erp.example.com/9?a=1&b=2")], page);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var html = await owner.GetAsync(page);
        Assert.Contains("Work order WO-9 saved.", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Contains("<dd id=\"work-order\"> <a href=\"https://erp.example.com/9?a=1&amp;b=2\" rel=\"noopener noreferrer\">WO-9</a> </dd>", html, StringComparison.Ordinal);

        // A script address is refused with the page's own words, in Dutch too; the stored link stays.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"{page}?handler=WorkOrder&lang=nl",
            [KeyValuePair.Create("reference", "WO-10"), KeyValuePair.Create("url", "javascript:alert(1)")], page)).StatusCode);
        Assert.Contains("Het adres moet een webadres zijn dat begint met http:// of https://.", WebUtility.HtmlDecode(await owner.GetAsync($"{page}?lang=nl")), StringComparison.Ordinal);
        Assert.Equal("WO-9", App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == id).WorkOrderReference));

        // Another business's owner gets nothing: not the page, not the form.
        var other = await AccountTests.SignUpAsync(App, "wocuts", "owner@wocuts.test");
        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.GetAsync(page)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostFormAsync($"{page}?handler=WorkOrder", [KeyValuePair.Create("remove", "1")], "/admin")).StatusCode);
        Assert.Equal("WO-9", App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == id).WorkOrderReference));

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync($"{page}?handler=WorkOrder", [KeyValuePair.Create("remove", "1")], page)).StatusCode);
        Assert.Contains("Work order removed.", WebUtility.HtmlDecode(await owner.GetAsync(page)), StringComparison.Ordinal);
        Assert.Null(App.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == id).WorkOrderReference));
    }

    [Fact]
    public async Task TheStaffDayShowsEachVisitsWorkOrder_InEnglishAndDutch_AndNeverAnotherBusinesss()
    {
        // The app's clock stands at Monday 1 March 2027, 08:00 in Amsterdam: the staff day is that day.
        var (linked, _) = await BookAsync("2027-03-01T14:00:00+01:00", "wo-staff@example.com", "anna");
        var (plain, _) = await BookAsync("2027-03-01T15:00:00+01:00", "wo-staff2@example.com", "anna");
        var admin = App.Admin();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/admin/bookings/{linked}/work-order", Link("WO-77", "https://erp.example.com/orders/77"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/admin/bookings/{plain}/work-order", Link("Job 78", null))).StatusCode);

        // Another business has a staff member with the same key, a visit the same day on a page with the same name, and a work order.
        var other = Guid.Parse("00000000-0000-0000-0000-0000000000b7");
        App.WithDb(db =>
        {
            db.Tenants.Add(new Tenant { Id = other, Name = "Other", Host = "wo-other.example.test" });
            var client = new Customer
            {
                Id = Guid.NewGuid(),
                TenantId = other,
                Email = "x@example.com",
                EmailNormalized = "X@EXAMPLE.COM",
                Name = "X",
                CreatedAt = BookwellApp.DefaultNow,
                UpdatedAt = BookwellApp.DefaultNow
            };
            db.Customers.Add(client);
            db.Bookings.Add(new Booking
            {
                Id = Guid.NewGuid(),
                TenantId = other,
                PageSlug = "salon",
                ServiceKey = "haircut",
                ServiceName = "Haircut",
                StaffKey = "anna",
                StartsAt = Instant.FromUtc(2027, 3, 1, 11, 0),
                EndsAt = Instant.FromUtc(2027, 3, 1, 11, 30),
                Status = BookingStatus.Confirmed,
                TimeZone = "Europe/Amsterdam",
                CustomerId = client.Id,
                CustomerName = "X",
                CustomerEmail = "x@example.com",
                ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
                CreatedAt = BookwellApp.DefaultNow,
                UpdatedAt = BookwellApp.DefaultNow,
                WorkOrderReference = "WO-FOREIGN",
                WorkOrderUrl = "https://erp.other.test/1",
            });
            return db.SaveChanges();
        });

        var owner = shared.Owner;
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/setup/p/salon/staff/anna?handler=Pin", [KeyValuePair.Create("pin", "2468")],
            "/admin/setup/p/salon/staff/anna")).StatusCode);
        var anna = WebSession.For(App);
        Assert.Equal("/staff", (await anna.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))).Headers.Location?.OriginalString);

        // Razor leaves spaces around the link: compared with runs of white space made one.
        static string Squeezed(string html) => System.Text.RegularExpressions.Regex.Replace(html, @"\s+", " ");
        var day = Squeezed(await anna.GetAsync("/staff"));
        Assert.Matches("<p class=\"work-order\">Work order: ?<a href=\"https://erp.example.com/orders/77\" rel=\"noopener noreferrer\">WO-77</a> ?</p>", day);
        // Without an address it is the number alone, not a link.
        Assert.Matches("<p class=\"work-order\">Work order: ?Job 78 ?</p>", day);
        Assert.DoesNotContain("WO-FOREIGN", day, StringComparison.Ordinal);
        Assert.DoesNotContain("erp.other.test", day, StringComparison.Ordinal);
        var dutch = Squeezed(await anna.GetAsync("/staff?lang=nl"));
        Assert.Matches("<p class=\"work-order\">Werkorder: ?Job 78 ?</p>", dutch);
        Assert.DoesNotContain("WO-FOREIGN", dutch, StringComparison.Ordinal);
    }
}

public sealed class SqliteWorkOrderTests(SqliteWorkOrderTests.Fixture fixture) : WorkOrderTests(fixture), IClassFixture<SqliteWorkOrderTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Sqlite;
    }
}

public sealed class PostgresWorkOrderTests(PostgresWorkOrderTests.Fixture fixture) : WorkOrderTests(fixture), IClassFixture<PostgresWorkOrderTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Postgres;
    }
}
