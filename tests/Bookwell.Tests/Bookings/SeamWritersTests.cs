using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Issue 11: every writer of a booking goes through the lifecycle seam, so each leaves the same effects whichever way it came in:
/// one <c>created</c> history entry, its allocations stamped with the busy version of its own transaction (which is how the busy
/// index finds them), and the time gone from <c>/slots</c> at once. Checked for the group commit (a client's booking on an idle
/// server), the one-by-one path (an operator's walk-in) and the waitlist's offer hold (time freed by a cancellation). Both databases.
/// </summary>
public abstract class SeamWritersTests
{
    protected abstract Db Kind { get; }

    /// <summary>Wednesday 3 March 2027 opens 09:00–11:00 only: the 60-minute consultation has two slots.</summary>
    private const string Day = "2027-03-03";

    private static JsonObject WaitlistConfig() => Config().Also(c =>
    {
        var page = c["pages"]![0]!.AsObject();
        page["settings"]!["waitlist"] = true;
        page["settings"]!["waitlistHoldMinutes"] = 30;
        page["exceptions"]!.AsArray().Add(new JsonObject { ["date"] = Day, ["hours"] = new JsonArray(new JsonArray("09:00", "11:00")) });
    });

    /// <summary>The booking's one history entry, and whether its live allocations carry the business's busy version as it is now.</summary>
    private static (BookingEvent Created, bool StampedWithTheLatestVersion, int Allocations) Effects(BookwellApp app, Guid id) => app.WithDb(db =>
    {
        var booking = db.Bookings.AsNoTracking().Include(b => b.History).Single(b => b.Id == id);
        var version = db.BusyVersions.AsNoTracking().Single(v => v.TenantId == booking.TenantId).Version;
        var stamps = db.Allocations.AsNoTracking().Where(a => a.BookingId == id && a.Live).Select(a => a.Stamp).ToList();
        return (Assert.Single(booking.History), stamps.Count > 0 && stamps.All(s => s == version), stamps.Count);
    });

    [Fact]
    public async Task GroupCommit_OneByOne_AndWaitlistHold_LeaveTheSameHistoryAndBusyIndexEffects()
    {
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:RateLimits:ManagePerMinute"] = "0");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WaitlistConfig())).StatusCode);
        var client = app.CreateClient();
        var nine = $"{Day}T09:00:00+01:00";
        var ten = $"{Day}T10:00:00+01:00";
        Assert.Equal([nine, ten], await SlotStarts(client, "consult", Day, Day));

        // A client's booking: the group writer's path (an idle server writes a lone draft at once).
        var grouped = await Book(client, Booking(nine, "consult", "group@example.com"));
        Assert.Equal(HttpStatusCode.Created, grouped.StatusCode);
        var groupedId = Guid.Parse((await Body(grouped))["id"]!.GetValue<string>());
        var (created, stamped, count) = Effects(app, groupedId);
        Assert.Equal((BookingAction.Created, (BookingStatus?)null, BookingStatus.Confirmed, "customer", true, 1),
            (created.Action, created.FromStatus, created.ToStatus, created.By, stamped, count));
        Assert.Equal([ten], await SlotStarts(client, "consult", Day, Day));

        // An operator's walk-in: the one-by-one path.
        var walkIn = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(Booking(ten, "consult").Also(b =>
        {
            b["page"] = Slug;
            b["walkIn"] = true;
            b["customer"] = new JsonObject { ["name"] = "Walk In" };
        })));
        Assert.Equal(HttpStatusCode.Created, walkIn.StatusCode);
        var walkInId = Guid.Parse((await Body(walkIn))["id"]!.GetValue<string>());
        (created, stamped, count) = Effects(app, walkInId);
        Assert.Equal((BookingAction.Created, (BookingStatus?)null, BookingStatus.Confirmed, true, 1), (created.Action, created.FromStatus, created.ToStatus, stamped, count));
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));

        // Someone waits for the day; the walk-in is cancelled, and the freed time is held for them.
        var join = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(new JsonObject
        {
            ["service"] = "consult",
            ["date"] = Day,
            ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = "waiting@example.com", ["phone"] = "+31600000001" },
        }));
        Assert.Equal(HttpStatusCode.Created, join.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync($"/api/v1/admin/bookings/{walkInId}/status", Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);

        var entry = app.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == "waiting@example.com"));
        Assert.Equal(WaitlistStatus.Offered, entry.Status);
        var held = app.WithDb(db => db.Bookings.AsNoTracking().Single(b => b.Id == entry.OfferBookingId));
        (created, stamped, count) = Effects(app, held.Id);
        Assert.Equal((BookingAction.Created, (BookingStatus?)null, BookingStatus.Pending, Change.AcceptOffer.OfferBy, true, 1),
            (created.Action, created.FromStatus, created.ToStatus, created.By, stamped, count));
        // The hold and the entry's offer are one: the same start and the same end of the hold, from one transaction.
        Assert.Equal((entry.OfferStart, entry.OfferExpiresAt), (held.StartsAt, held.HoldExpiresAt));
        Assert.Equal(app.Clock.GetCurrentInstant() + NodaTime.Duration.FromMinutes(30), held.HoldExpiresAt);
        Assert.Equal(("waiting@example.com", "Wai Ting"), (held.CustomerEmail, held.CustomerName));
        Assert.NotEqual(Guid.Empty, held.CustomerId);
        // Freed by the cancellation and taken again by the hold in the very next answer: the busy index found the hold by its stamp.
        Assert.Empty(await SlotStarts(client, "consult", Day, Day));
    }
}

public sealed class SqliteSeamWritersTests : SeamWritersTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresSeamWritersTests : SeamWritersTests
{
    protected override Db Kind => Db.Postgres;
}
