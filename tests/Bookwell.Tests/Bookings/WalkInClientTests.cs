using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Walk-ins without an address book under one "walk-in" client per business, found or added in the booking's own
/// transaction (the unique tenant-and-address index allows one): repeat and parallel walk-ins reuse it, and a walk-in
/// the database refuses leaves no client, booking or allocation behind.
/// </summary>
public abstract class WalkInClientTests(SharedApp shared)
{
    private const string Tuesday = "2027-03-02";

    /// <summary>A business of its own on the class's app (one app per class and database; see <see cref="SharedApp"/>), with the studio.</summary>
    private async Task<TenantSpace> StartAsync()
    {
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), PageCalendarTests.Studio())).StatusCode);
        return app;
    }

    /// <summary>An operator's walk-in on the studio's own calendar, with no e-mail address.</summary>
    private static JsonObject WalkIn(string time, string name) =>
        Booking($"{Tuesday}T{time}:00+01:00", "session").Also(b =>
        {
            b["page"] = "studio";
            b["walkIn"] = true;
            b["customer"] = new JsonObject { ["name"] = name };
        });

    private static Task<HttpResponseMessage> Post(HttpClient admin, JsonObject body) => admin.PostAsync("/api/v1/admin/bookings", Json(body));

    private static int WalkInClients(TenantSpace app) =>
        app.WithDb(db => db.Customers.Count(c => c.EmailNormalized == CustomerBook.WalkInEmail.ToUpperInvariant()));

    [Fact]
    public async Task RepeatAndParallelWalkIns_ShareOneWalkInClient_EachBookingKeepsItsName()
    {
        var app = await StartAsync();
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.Created, (await Post(admin, WalkIn("09:00", "First"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Post(admin, WalkIn("10:15", "Second"))).StatusCode);

        // Five more at once (a session is 60 minutes plus 15 of buffer, the studio closes at 17:00; walk-ins may
        // start off the grid): three on free times, two racing for 15:15.
        var clients = Enumerable.Range(0, 5).Select(_ => app.Admin()).ToArray();
        string[] times = ["11:30", "12:45", "14:00"];
        using var go = new SemaphoreSlim(0);
        var tasks = clients.Select(async (c, i) =>
        {
            await go.WaitAsync();
            return await Post(c, WalkIn(i < 3 ? times[i] : "15:15", $"Parallel {i}"));
        }).ToArray();
        go.Release(clients.Length);
        var answers = await Task.WhenAll(tasks);
        Assert.Equal(4, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Conflict));

        var bookings = app.WithDb(db => db.Bookings.Where(b => b.WalkIn).Select(b => new { b.CustomerId, b.CustomerName }).ToList());
        Assert.Equal(6, bookings.Count);
        Assert.Single(bookings.Select(b => b.CustomerId).Distinct());
        Assert.Equal(1, WalkInClients(app));
        var client = app.WithDb(db => db.Customers.Single(c => c.Id == bookings[0].CustomerId));
        Assert.Equal((CustomerBook.WalkInEmail, CustomerBook.WalkInName), (client.Email, client.Name));
        Assert.Equal(6, bookings.Select(b => b.CustomerName).Distinct().Count());
        Assert.Contains("Second", bookings.Select(b => b.CustomerName));
        // Walk-ins send the client nothing (there is nobody to send to).
        Assert.Equal(0, app.WithDb(db => db.Outbox.Count(m => m.To == CustomerBook.WalkInEmail)));
    }

    [Fact]
    public async Task RefusedWalkIns_LeaveNothingBehind_AndNobodyElseMayUseTheWalkInAddress()
    {
        var app = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking($"{Tuesday}T10:00:00+01:00", "session"), "studio")).StatusCode);

        // Ten walk-ins at once on a fresh business, all for one time: one wins, the database refuses the others
        // (or the engine does first); nothing of theirs is written, not even the walk-in client.
        var clients = Enumerable.Range(0, 10).Select(_ => app.Admin()).ToArray();
        using var go = new SemaphoreSlim(0);
        var tasks = clients.Select(async (c, i) =>
        {
            await go.WaitAsync();
            return await Post(c, WalkIn("13:00", $"Racer {i}"));
        }).ToArray();
        go.Release(clients.Length);
        var answers = await Task.WhenAll(tasks);
        Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(9, answers.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, WalkInClients(app));
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count(b => b.WalkIn)));
        Assert.Equal(2, app.WithDb(db => db.Bookings.Count()));
        Assert.Equal(2, app.WithDb(db => db.Allocations.Count()));
        Assert.Equal(2, app.WithDb(db => db.Customers.Count()));

        // A walk-in refused on a business that has no walk-in client yet writes none.
        var fresh = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await Book(fresh.CreateClient(), Booking($"{Tuesday}T10:00:00+01:00", "session"), "studio")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(fresh.Admin(), WalkIn("10:20", "Late"))).StatusCode);
        Assert.Equal(0, WalkInClients(fresh));
        Assert.Equal(1, fresh.WithDb(db => db.Customers.Count()));

        // The walk-in address is reserved: a client cannot book into the walk-in record.
        var hijack = await Book(app.CreateClient(), Booking($"{Tuesday}T15:00:00+01:00", "session", CustomerBook.WalkInEmail), "studio");
        Assert.Equal(HttpStatusCode.BadRequest, hijack.StatusCode);
        Assert.NotNull((await Body(hijack))["errors"]!["customer.email"]);
    }
}

public sealed class SqliteWalkInClientTests(SqliteSharedApp shared) : WalkInClientTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresWalkInClientTests(PostgresSharedApp shared) : WalkInClientTests(shared), IClassFixture<PostgresSharedApp>;
