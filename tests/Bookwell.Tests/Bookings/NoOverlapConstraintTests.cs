using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// The database's own refusal of double booking (PostgreSQL: exclusion constraint; SQLite: triggers),
/// checked with rows written straight to the table, past every check in the app. One app per class and database, each
/// test writing the rows of a business of its own (see <see cref="SharedApp"/>).
/// </summary>
public abstract class NoOverlapConstraintTests(SharedApp shared)
{
    private static readonly Instant Ten = Instant.FromUtc(2027, 3, 2, 9, 0);

    /// <summary>This test's business (its rows' tenant), and another business that has no rows yet.</summary>
    private TenantSpace _app = null!;
    private Guid _other;

    private async Task<TenantSpace> StartAsync()
    {
        _app = await shared.NewBusinessAsync();
        _other = TenantSpace.Create(_app.App, "Other").Id;
        return _app;
    }

    private Allocation Row(Instant start, int minutes, string unit = "staff:anna", int seat = 0, int capacity = 1, string? group = null,
        bool live = true, Guid? tenant = null) => new()
        {
            TenantId = tenant ?? _app.Id,
            BookingId = Guid.CreateVersion7(),
            UnitKey = unit,
            Seat = seat,
            Capacity = capacity,
            StartsAt = start,
            EndsAt = start + Duration.FromMinutes(minutes),
            GroupKey = group ?? Guid.NewGuid().ToString(),
            Live = live,
        };

    /// <summary>Writes <paramref name="second"/> after <paramref name="first"/>; true when the database accepted it.</summary>
    private static bool Accepts(TenantSpace app, Allocation first, Allocation second)
    {
        app.WithDb(db =>
        {
            db.Allocations.Add(first);
            return db.SaveChanges();
        });
        try
        {
            app.WithDb(db =>
            {
                db.Allocations.Add(second);
                return db.SaveChanges();
            });
            return true;
        }
        catch (DbUpdateException ex) when (Conflicts.IsConflictError(ex))
        {
            return false;
        }
    }

    public static TheoryData<string> Cases() =>
    [
        "overlap", "inside", "covering", "touching-after", "touching-before", "same-group", "other-seat", "other-unit", "not-live",
        "other-tenant",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheDatabaseRefusesExactlyTheOverlapsOfOneUnitAndSeat(string name)
    {
        var app = await StartAsync();
        var first = Row(Ten, 60, capacity: 2, group: "g1");
        var (second, refused) = name switch
        {
            "overlap" => (Row(Ten + Duration.FromMinutes(30), 60, capacity: 2), true),
            "inside" => (Row(Ten + Duration.FromMinutes(15), 15, capacity: 2), true),
            "covering" => (Row(Ten - Duration.FromMinutes(15), 90, capacity: 2), true),
            "touching-after" => (Row(Ten + Duration.FromMinutes(60), 30, capacity: 2), false),
            "touching-before" => (Row(Ten - Duration.FromMinutes(30), 30, capacity: 2), false),
            "same-group" => (Row(Ten, 60, capacity: 2, group: "g1"), false),
            "other-seat" => (Row(Ten, 60, seat: 1, capacity: 2), false),
            "other-unit" => (Row(Ten, 60, unit: "staff:bob", capacity: 2), false),
            "not-live" => (Row(Ten, 60, capacity: 2, live: false), false),
            "other-tenant" => (Row(Ten, 60, capacity: 2, tenant: _other), false),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        Assert.Equal(!refused, Accepts(app, first, second));
        Assert.Equal(refused ? 1 : 2, app.WithDb(db => db.Allocations.IgnoreQueryFilters().Count(a => a.TenantId == app.Id || a.TenantId == _other)));
    }

    [Fact]
    public async Task AForeignKeyRefusal_IsAFault_NotALostRace()
    {
        var app = await StartAsync();
        var error = Assert.Throws<DbUpdateException>(() => app.WithDb(db =>
        {
            db.Set<BookingEvent>().Add(new BookingEvent
            {
                TenantId = app.Id,
                BookingId = Guid.CreateVersion7(),
                Action = BookingAction.Created,
                ToStatus = BookingStatus.Confirmed,
                By = "test",
                At = Ten,
            });
            return db.SaveChanges();
        }));
        Assert.False(Conflicts.IsConflictError(error));
        Assert.False(Conflicts.IsTransient(error));
    }

    private Customer Client(Instant at) => new()
    {
        Id = Guid.NewGuid(),
        TenantId = _app.Id,
        Email = "ada@example.com",
        EmailNormalized = "ADA@EXAMPLE.COM",
        Name = "Ada",
        CreatedAt = at,
        UpdatedAt = at,
    };

    [Fact]
    public async Task AUniqueKeyRefusal_IsNotTimeTaken_ButIsARaceForRowWriters()
    {
        var app = await StartAsync();
        app.WithDb(db =>
        {
            db.Customers.Add(Client(Ten));
            return db.SaveChanges();
        });
        var error = Assert.Throws<DbUpdateException>(() => app.WithDb(db =>
        {
            db.Customers.Add(Client(Ten));
            return db.SaveChanges();
        }));
        Assert.False(Conflicts.IsConflictError(error));
        Assert.False(Conflicts.IsConflict(error));
        Assert.False(Conflicts.IsTimeTaken(error));
        // An invoice, a ledger entry or a queued reminder written twice at once: that writer's retry finds the first.
        Assert.True(Conflicts.IsLostRace(error));
    }

    [Fact]
    public async Task ABookingWrite_RefusedByAUniqueKey_IsThrownAtOnce_NotRetriedOrAnsweredAsTaken()
    {
        var app = await StartAsync();
        app.WithDb(db =>
        {
            db.Customers.Add(Client(Ten));
            return db.SaveChanges();
        });
        using var scope = app.CreateScope();
        var write = scope.ServiceProvider.GetRequiredService<BookingWrite>();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var runs = 0;
        await Assert.ThrowsAsync<DbUpdateException>(() => write.RunAsync<string>(4, "taken", attempt =>
        {
            runs++;
            db.Customers.Add(Client(Ten));
            return Task.FromResult(attempt.Commit("written"));
        }, CancellationToken.None));
        Assert.Equal(1, runs);

        // The time held by another booking is the race it retries, and then answers as taken.
        app.WithDb(db =>
        {
            db.Allocations.Add(Row(Ten, 60));
            return db.SaveChanges();
        });
        runs = 0;
        var answer = await write.RunAsync<string>(3, "taken", attempt =>
        {
            runs++;
            db.Allocations.Add(Row(Ten + Duration.FromMinutes(30), 60));
            return Task.FromResult(attempt.Commit("written"));
        }, CancellationToken.None);
        Assert.Equal("taken", answer);
        Assert.Equal(3, runs);
    }
}

public sealed class SqliteNoOverlapConstraintTests(SqliteSharedApp shared) : NoOverlapConstraintTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresNoOverlapConstraintTests(PostgresSharedApp shared) : NoOverlapConstraintTests(shared), IClassFixture<PostgresSharedApp>;
