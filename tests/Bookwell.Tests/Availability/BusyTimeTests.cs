using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Availability;

/// <summary>
/// Busy-time reads look back only as far as the business's longest allocation. That bound must cover
/// bookings made under an older configuration, whose services may have been longer than today's.
/// </summary>
public abstract class BusyTimeTests
{
    protected abstract Db Kind { get; }

    private static JsonObject Night(int longMinutes) => JsonNode.Parse($$"""
    {
      "pages": [{
        "slug": "night", "name": "Night clinic", "timeZone": "Europe/Amsterdam",
        "settings": { "horizonDays": 60, "minNoticeMinutes": 0 },
        "schedule": { "mon": [["00:00","24:00"]], "tue": [["00:00","24:00"]], "wed": [["00:00","24:00"]], "thu": [["00:00","24:00"]] },
        "services": [
          { "key": "long", "name": "Long", "durationMinutes": {{longMinutes}}, "slotIntervalMinutes": 60 },
          { "key": "short", "name": "Short", "durationMinutes": 30, "slotIntervalMinutes": 60 }
        ],
        "staff": [ { "key": "anna", "name": "Anna", "services": ["long", "short"] } ]
      }]
    }
    """)!.AsObject();

    [Fact]
    public async Task BookingLongerThanAnyServiceToday_StillBlocksAWindowItStartedBefore()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Night(10 * 60))).StatusCode);
        // Tuesday 08:00 until 18:00 in Amsterdam.
        var created = await Book(app.CreateClient(), Booking("2027-03-02T08:00:00+01:00", service: "long"), "night");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The service is shortened; the stored booking keeps its 10 hours. A visitor on Kiritimati (UTC+14)
        // asking for their Wednesday 3 March asks for a window that opens at 11:00 on Tuesday in Amsterdam,
        // three hours after the booking began.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Night(30))).StatusCode);
        var starts = await SlotStarts(app.CreateClient(), "short", "2027-03-03", "2027-03-03", "Pacific/Kiritimati", "anna", "night");
        Assert.DoesNotContain("2027-03-03T03:00:00+14:00", starts); // 14:00 in Amsterdam
        Assert.Contains("2027-03-03T07:00:00+14:00", starts);       // 18:00 in Amsterdam, when the booking ends
        var late = await Book(app.CreateClient(), Booking("2027-03-02T14:00:00+01:00", service: "short", email: "b@example.com"), "night");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }
}

public sealed class SqliteBusyTimeTests : BusyTimeTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresBusyTimeTests : BusyTimeTests
{
    protected override Db Kind => Db.Postgres;
}
