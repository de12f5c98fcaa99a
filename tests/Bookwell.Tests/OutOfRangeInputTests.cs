using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests;

/// <summary>
/// Instants and dates at the ends of NodaTime's range, and nulls inside a configuration document's lists:
/// each once answered 500. They must be field errors (API) or a page that ignores them (dashboard, booking page).
/// On both databases; one app per database for the class (every request here is refused or only reads).
/// </summary>
public abstract class OutOfRangeInputTests(OutOfRangeInputTests.Shared shared)
{
    public static readonly TheoryData<string> Extremes = new() { "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00" };

    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        /// <summary>The manage token of the one booking.</summary>
        public string Token { get; private set; } = "";

        /// <summary>The business's owner, signed in on the dashboard.</summary>
        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
            Token = (await Body(await Book(App.CreateClient(), Booking("2027-03-02T10:00:00+01:00", staff: "anna"))))["manageToken"]!.GetValue<string>();
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Alice Owner"), ("Email", "owner@a.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private static async Task AssertFieldError(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]![field] is JsonArray { Count: > 0 }, $"no error at '{field}'");
    }

    [Theory]
    [MemberData(nameof(Extremes))]
    public async Task ExtremeStart_IsAFieldError_OnEveryWayToBook(string start)
    {
        var client = shared.App.CreateClient();
        await AssertFieldError(await Book(client, Booking(start)), "start");
        await AssertFieldError(await client.PostAsync($"/api/v1/bookings/{shared.Token}/reschedule", Json(new JsonObject { ["start"] = start })), "start");
        var admin = Booking(start);
        admin["page"] = Slug;
        await AssertFieldError(await shared.App.Admin().PostAsync("/api/v1/admin/bookings", Json(admin)), "start");

        var web = WebSession.For(shared.App);
        var escaped = Uri.EscapeDataString(start);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync($"/book/salon?service=haircut&start={escaped}")).StatusCode);
        var posted = await web.PostFormAsync("/book/salon", [KeyValuePair.Create("service", "haircut"), KeyValuePair.Create("start", start)], "/book/salon?service=haircut");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync($"/booking/{shared.Token}?reschedule=1&start={escaped}")).StatusCode);
        var moved = await web.PostFormAsync($"/booking/{shared.Token}?handler=Reschedule", [KeyValuePair.Create("start", start)], $"/booking/{shared.Token}");
        Assert.Equal(HttpStatusCode.Redirect, moved.StatusCode);
        Assert.Equal($"/booking/{shared.Token}?reschedule=1", moved.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("0001-01-01")]
    public async Task ExtremeDates_AreFieldErrors_OrIgnoredByPages(string date)
    {
        await AssertFieldError(await shared.App.CreateClient().GetAsync($"/api/v1/pages/salon/slots?service=haircut&from={date}&to={date}"), "from");
        await AssertFieldError(await shared.App.Admin().GetAsync($"/api/v1/admin/bookings?from={date}"), "from");
        await AssertFieldError(await shared.App.Admin().GetAsync($"/api/v1/admin/bookings?to={date}"), "to");

        var owner = shared.Owner;
        foreach (var path in new[] { $"/admin/bookings?from={date}&to={date}", $"/admin/calendar?date={date}", $"/admin/calendar?date={date}&view=week",
                     $"/book/salon?service=haircut&date={date}&from={date}", $"/booking/{shared.Token}?reschedule=1&date={date}&from={date}" })
        {
            var response = await owner.Client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} → {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("pages", "pages[0]")]
    [InlineData("services", "pages[0].services[0]")]
    [InlineData("fields", "pages[0].services[0].fields[0]")]
    [InlineData("exceptions", "pages[0].exceptions[0]")]
    [InlineData("staffExceptions", "pages[0].staff[0].exceptions[0]")]
    [InlineData("staff", "pages[0].staff[0]")]
    [InlineData("resources", "pages[0].resources[0]")]
    [InlineData("branches", "pages[0].branches[0]")]
    public async Task NullInsideAConfigurationList_IsAFieldError(string list, string path)
    {
        var doc = Config();
        var page = doc["pages"]![0]!.AsObject();
        switch (list)
        {
            case "pages":
                doc["pages"] = new JsonArray(null, page.DeepClone());
                break;
            case "fields":
                page["services"]![0]!["fields"]!.AsArray().Insert(0, null);
                break;
            case "staffExceptions":
                page["staff"]![0]!["exceptions"]!.AsArray().Insert(0, null);
                break;
            default:
                page[list]!.AsArray().Insert(0, null);
                break;
        }
        var response = await PutConfig(shared.App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.Equal("Must not be null.", errors[path]![0]!.GetValue<string>());
    }
}

public sealed class SqliteOutOfRangeShared : OutOfRangeInputTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOutOfRangeShared : OutOfRangeInputTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteOutOfRangeInputTests(SqliteOutOfRangeShared shared) : OutOfRangeInputTests(shared), IClassFixture<SqliteOutOfRangeShared>;

public sealed class PostgresOutOfRangeInputTests(PostgresOutOfRangeShared shared) : OutOfRangeInputTests(shared), IClassFixture<PostgresOutOfRangeShared>;
