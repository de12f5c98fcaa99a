using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Waitlist;

/// <summary>
/// One client, one budget: joining a waitlist by its HTML form is rate limited like the API's join (it was not at all), and the
/// form, the booking API and the join API draw on the same per-address count of bookings (the booking form kept a count of its own,
/// so a client had two budgets). Both databases.
/// </summary>
public abstract class SharedBudgetTests
{
    protected abstract Db Kind { get; }

    private const string Day = "2027-03-03";

    [Fact]
    public async Task JoinForm_IsLimited_AndSharesTheApisBudget()
    {
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:RateLimits:BookingsPerMinute"] = "3";
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config().Also(c =>
        {
            var page = c["pages"]![0]!.AsObject();
            page["settings"]!["waitlist"] = true;
            page["exceptions"]!.AsArray().Add(new JsonObject { ["date"] = Day, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")) });
        }))).StatusCode);
        // The day is full (booked by the business: the admin key is never counted).
        foreach (var time in new[] { "09:00", "10:00" })
        {
            var body = Booking($"{Day}T{time}:00+01:00", "consult", $"at{time[..2]}@example.com");
            body["page"] = Slug;
            Assert.Equal(HttpStatusCode.Created, (await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body))).StatusCode);
        }
        var client = app.CreateClient();
        JsonObject Join(string email) => new()
        {
            ["service"] = "consult",
            ["date"] = Day,
            ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = email },
        };

        // Three of the budget of three: a booking and a join by the API, a join by the form.
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T10:00:00+01:00"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join("api@example.com")))).StatusCode);
        var session = WebSession.For(app);
        (string, string)[] form = [("Service", "consult"), ("Date", Day), ("Pref", "any"), ("Name", "Form Filler"), ("Email", "form@example.com")];
        var joined = await session.PostFormAsync($"/book/{Slug}/waitlist?service=consult&date={Day}", form);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        Assert.Contains("id=\"joined\"", await joined.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The fourth by the form: 429, and the page says why.
        var limited = await session.PostFormAsync($"/book/{Slug}/waitlist?service=consult&date={Day}",
            [.. form.Where(f => f.Item1 != "Email"), ("Email", "again@example.com")]);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains("Too many attempts from your connection.", await WebSession.TextAsync(limited), StringComparison.Ordinal);
        // And by the API, for a join and for a booking: the form's join counted there too.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(Join("api2@example.com")))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Book(client, Booking("2027-03-02T11:00:00+01:00", email: "b@example.com"))).StatusCode);
        Assert.Equal(2, app.WithDb(db => db.WaitlistEntries.Count()));
    }
}

public sealed class SqliteSharedBudgetTests : SharedBudgetTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresSharedBudgetTests : SharedBudgetTests
{
    protected override Db Kind => Db.Postgres;
}
