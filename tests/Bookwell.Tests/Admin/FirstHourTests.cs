using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Admin;

/// <summary>A newcomer's first hour with the demo: samples appear even after an API test booking, and the owner is welcomed with first steps.</summary>
public sealed class FirstHourTests
{
    [Fact]
    public async Task ClaimAfterAnApiBooking_StillAddsTheSamples_AndWelcomesTheOwner()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s => s["Bookwell:SeedDemo"] = "true");
        var client = app.CreateClient();
        var today = BookwellApp.DefaultNow.InUtc().Date;
        var slots = await client.GetFromJsonAsync<JsonObject>(
            $"/api/v1/pages/demo-salon/slots?service=haircut&from={today:yyyy-MM-dd}&to={today.PlusDays(6):yyyy-MM-dd}");
        var start = slots!["slots"]![0]!["start"]!.GetValue<string>();
        var body = Booking(start, email: "first-try@example.com").Also(b => b["answers"] = new JsonObject { ["hairLength"] = "short" });
        Assert.Equal(HttpStatusCode.Created, (await Book(client, body, "demo-salon")).StatusCode);

        var owner = WebSession.For(app);
        var claimed = await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@demo.test"), ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey));
        Assert.Equal("/admin?welcome=1", claimed.Headers.Location?.OriginalString);
        Assert.True(app.WithDb(db => db.BookingEvents.Count(e => e.By == "demo")) >= 4);

        var welcome = await owner.GetAsync("/admin?welcome=1");
        Assert.Contains("Welcome, your business is ready", welcome, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/setup\"", welcome, StringComparison.Ordinal);
        Assert.Contains("href=\"/book/demo-salon\"", welcome, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/team\"", welcome, StringComparison.Ordinal);
        Assert.DoesNotContain("Welcome, your business is ready", await owner.GetAsync("/admin"), StringComparison.Ordinal);
    }
}
