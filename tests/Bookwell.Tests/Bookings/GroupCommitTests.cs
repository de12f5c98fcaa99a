using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>New bookings that arrive together are written in one transaction (see BookingBatcher); on both databases.</summary>
public abstract class GroupCommitTests(SharedApp shared)
{
    /// <summary>This test's business: the tenant of its drafts.</summary>
    private Guid _tenant;

    /// <summary>A business of its own on the class's app (see <see cref="GroupCommitApp"/>), configured.</summary>
    protected async Task<TenantSpace> StartAsync()
    {
        var app = await shared.NewBusinessAsync();
        _tenant = app.Id;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        return app;
    }

    [Fact]
    public async Task ManyClientsAtOnce_OnDistinctSlots_EveryBookingLandsWithAllItsRows()
    {
        var app = await StartAsync();
        var starts = (await SlotStarts(app.CreateClient(), "consult", "2027-03-02", "2027-03-12")).Take(24).ToArray();
        Assert.Equal(24, starts.Length);
        using var gate = new SemaphoreSlim(0);
        // Six clients book four times each, under differently cased addresses: six customers in the end.
        var tasks = starts.Select(async (start, i) =>
        {
            await gate.WaitAsync();
            var email = i % 2 == 0 ? $"client{i % 6}@example.com" : $"Client{i % 6}@Example.com";
            return await Book(app.CreateClient(), Booking(start, service: "consult", email: email));
        }).ToArray();
        gate.Release(starts.Length);
        var responses = await Task.WhenAll(tasks);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var bodies = await Task.WhenAll(responses.Select(Body));
        Assert.Equal(starts.Order(), bodies.Select(b => b["start"]!.GetValue<string>()).Order());
        app.WithDb(db =>
        {
            var bookings = db.Bookings.Include(b => b.History).ToList();
            Assert.Equal(24, bookings.Count);
            var customers = db.Customers.ToList();
            Assert.Equal(6, customers.Count);
            foreach (var b in bookings)
            {
                Assert.Equal(b.CustomerEmail.ToUpperInvariant(), customers.Single(c => c.Id == b.CustomerId).EmailNormalized);
                Assert.Equal(BookingAction.Created, Assert.Single(b.History).Action);
                var allocation = Assert.Single(db.Allocations.Where(a => a.BookingId == b.Id).ToList());
                Assert.Equal(("staff:anna", b.StartsAt, b.EndsAt), (allocation.UnitKey, allocation.StartsAt, allocation.EndsAt));
                var kinds = db.Outbox.Where(m => m.BookingId == b.Id).Select(m => m.Kind).ToList();
                Assert.Equal(1, kinds.Count(k => k == Bookwell.Features.Notifications.MessageKind.Confirmation));
                Assert.Equal(1, kinds.Count(k => k == Bookwell.Features.Notifications.MessageKind.Reminder));
            }
            return 0;
        });
        // Every client's own link opens their own booking.
        foreach (var body in bodies)
        {
            var token = body["manageToken"]!.GetValue<string>();
            var fetched = await app.CreateClient().GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}");
            Assert.Equal(body["id"]!.GetValue<string>(), fetched!["id"]!.GetValue<string>());
        }
        foreach (var start in starts)
        {
            Assert.DoesNotContain(start, await SlotStarts(app.CreateClient(), "consult", start[..10], start[..10]));
        }
    }

    [Fact]
    public async Task DraftOnTimeAlreadyTaken_IsSentBack_TheRestOfItsGroupLands()
    {
        var app = await StartAsync();
        var taken = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", service: "consult")));
        Assert.Equal("anna", taken["staff"]!.GetValue<string>());
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();

        // PostgreSQL: the business's groups look for taken time first only once one of them met some (OverlapProbes).
        var probes = app.App.Services.GetRequiredService<OverlapProbes>();
        Assert.False(probes.Needed(app.Id));

        // A draft whose choice went stale (anna is no longer free at 10:30) is found before anything is
        // written, and only it is told to try again.
        var fine = Draft("2027-03-02T14:00:00+01:00", "fine@example.com");
        var stale = Draft("2027-03-02T10:30:00+01:00", "stale@example.com");
        // On PostgreSQL the statement without the look fails on the exclusion constraint and is run again at once with it.
        Assert.Equal(new[] { true, false }, await batcher.CommitAllAsync([fine, stale], CancellationToken.None));
        Assert.Equal([taken["id"]!.GetValue<Guid>(), fine.Booking.Id], app.WithDb(db => db.Bookings.OrderBy(b => b.StartsAt).Select(b => b.Id).ToList()));
        Assert.Equal(shared.Kind == Db.Postgres, probes.Needed(app.Id));
        Assert.Equal(0, app.WithDb(db => db.Customers.Count(c => c.EmailNormalized == "STALE@EXAMPLE.COM")));
    }

    [Fact]
    public async Task ALoneDraftOnTimeAlreadyTaken_IsSentBack_AndOnPostgreSqlItsBusinessLooksFirstFromThen()
    {
        var app = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", service: "consult"))).StatusCode);
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();
        var probes = app.App.Services.GetRequiredService<OverlapProbes>();
        Assert.False(probes.Needed(app.Id));

        // Alone in its group, it is not run again with the look (that would find only it): the refusal sends it back.
        Assert.Equal(new[] { false }, await batcher.CommitAllAsync([Draft("2027-03-02T10:30:00+01:00", "alone@example.com")], CancellationToken.None));
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count()));
        Assert.Equal(shared.Kind == Db.Postgres, probes.Needed(app.Id));
    }

    [Fact]
    public async Task GroupTheDatabaseRefuses_WritesNothing_AndEachDraftIsSentBackToTryAlone()
    {
        var app = await StartAsync();
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();

        // Something only the database catches (here two drafts with the same manage-token hash, which the
        // unique index refuses) spoils the whole group: it is rolled back and every draft is told to try again.
        var fine = Draft("2027-03-02T14:00:00+01:00", "fine@example.com");
        var clash = Draft("2027-03-02T16:00:00+01:00", "clash@example.com");
        clash.Booking.ManageTokenHash = fine.Booking.ManageTokenHash;
        Assert.Equal(new[] { false, false }, await batcher.CommitAllAsync([fine, clash], CancellationToken.None));
        Assert.Equal(0, app.WithDb(db => db.Bookings.Count()));
        Assert.Equal(0, app.WithDb(db => db.Customers.Count(c => c.EmailNormalized == "FINE@EXAMPLE.COM")));

        // Alone, the good one lands.
        var again = Draft("2027-03-02T14:00:00+01:00", "fine@example.com");
        Assert.Equal(new[] { true }, await batcher.CommitAllAsync([again], CancellationToken.None));
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count()));
    }

    [Fact]
    public async Task StaffNamed_TheTimeIsStillCheckedAgainstBookingsAndHours()
    {
        // Naming the staff member of a service without resources skips the per-request read of busy time;
        // the group writer's check stands in for it. Same answers as without a name.
        var app = await StartAsync();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T10:00:00+01:00", service: "consult", staff: "anna"))).StatusCode);
        var again = await Book(client, Booking("2027-03-02T10:00:00+01:00", service: "consult", email: "other@example.com", staff: "anna"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.EndsWith("slot-unavailable", (await Body(again))["type"]!.GetValue<string>());
        var early = await Book(client, Booking("2027-03-02T06:00:00+01:00", service: "consult", email: "early@example.com", staff: "anna"));
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count()));
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T11:00:00+01:00", service: "consult", email: "next@example.com", staff: "anna"))).StatusCode);
    }

    [Fact]
    public async Task StaffNamed_OverAnExpiredHold_TheHoldIsReleasedAndTheTimeBooked()
    {
        // The group writer's check counts an expired hold as taken (the database still does until it is
        // released); the draft is sent back, and the one-by-one path releases the hold and books.
        var app = await StartAsync();
        var client = app.CreateClient();
        const string start = "2027-03-03T10:00:00+01:00";
        var held = await Body(await Book(client, Booking(start, service: "colour", staff: "anna")));
        Assert.Equal("pending_payment", held["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking(start, service: "colour", email: "b@example.com", staff: "anna"))).StatusCode);
        app.Clock.Advance(Duration.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(start, service: "colour", email: "b@example.com", staff: "anna"))).StatusCode);
        var expired = await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{held["manageToken"]!.GetValue<string>()}");
        Assert.Equal("cancelled", expired!["status"]!.GetValue<string>());
        Assert.Equal(1, app.WithDb(db => db.Allocations.Count(a => a.Live)));
    }

    [Fact]
    public async Task ReturningClient_IsFoundByAddress_AndTheirDetailsUpdated()
    {
        var app = await StartAsync();
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();
        Assert.Equal(new[] { true }, await batcher.CommitAllAsync([Draft("2027-03-02T14:00:00+01:00", "back@example.com")], CancellationToken.None));
        long Version() => app.WithDb(db => db.BusyVersions.Single(v => v.TenantId == app.Id).Version);
        var before = Version();
        var later = Draft("2027-03-02T16:00:00+01:00", "Back@Example.com", name: "New Name", phone: "+31611111111");
        var stranger = Draft("2027-03-02T17:00:00+01:00", "new@example.com");
        Assert.Equal(new[] { true, true }, await batcher.CommitAllAsync([later, stranger], CancellationToken.None));
        // One write for the whole group, the returning client's booking with it (on PostgreSQL it once took a second
        // transaction of its own, and a second bump).
        Assert.Equal(before + 1, Version());
        var customers = app.WithDb(db => db.Customers.OrderBy(c => c.EmailNormalized).ToList());
        Assert.Equal(["BACK@EXAMPLE.COM", "NEW@EXAMPLE.COM"], customers.Select(c => c.EmailNormalized));
        Assert.Equal(("New Name", "+31611111111"), (customers[0].Name, customers[0].Phone));
        Assert.Equal(2, app.WithDb(db => db.Bookings.Count(b => b.CustomerId == customers[0].Id)));
        Assert.Equal(customers[0].Id, later.Booking.CustomerId);

        // Booked again without a phone: the name is the latest, the phone stays.
        var again = Draft("2027-03-03T10:00:00+01:00", "back@example.com", name: "Newer Name");
        Assert.Equal(new[] { true }, await batcher.CommitAllAsync([again], CancellationToken.None));
        var client = app.WithDb(db => db.Customers.Single(c => c.Id == customers[0].Id));
        Assert.Equal(("Newer Name", "+31611111111"), (client.Name, client.Phone));
    }

    /// <summary>An address an admin merged into another client books under that client, which gets the new details.</summary>
    [Fact]
    public async Task MergedDuplicatesAddress_BooksUnderTheClientItWasMergedInto()
    {
        var app = await StartAsync();
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();
        Assert.Equal(new[] { true, true }, await batcher.CommitAllAsync(
            [Draft("2027-03-02T09:00:00+01:00", "kept@example.com"), Draft("2027-03-02T11:00:00+01:00", "duplicate@example.com")], CancellationToken.None));
        var (kept, duplicate) = app.WithDb(db => (db.Customers.Single(c => c.EmailNormalized == "KEPT@EXAMPLE.COM"),
            db.Customers.Single(c => c.EmailNormalized == "DUPLICATE@EXAMPLE.COM")));
        app.WithDb(db => db.Customers.Where(c => c.Id == duplicate.Id).ExecuteUpdate(s => s.SetProperty(c => c.MergedIntoId, kept.Id)));

        var viaDuplicate = Draft("2027-03-02T14:00:00+01:00", "Duplicate@example.com", name: "Merged Name", phone: "+31622222222");
        var stranger = Draft("2027-03-02T16:00:00+01:00", "stranger@example.com");
        Assert.Equal(new[] { true, true }, await batcher.CommitAllAsync([viaDuplicate, stranger], CancellationToken.None));
        Assert.Equal(kept.Id, viaDuplicate.Booking.CustomerId);
        Assert.Equal(kept.Id, app.WithDb(db => db.Bookings.Single(b => b.Id == viaDuplicate.Booking.Id).CustomerId));
        var (keptNow, duplicateNow) = app.WithDb(db => (db.Customers.Single(c => c.Id == kept.Id), db.Customers.Single(c => c.Id == duplicate.Id)));
        Assert.Equal(("Merged Name", "+31622222222"), (keptNow.Name, keptNow.Phone));
        Assert.Equal((duplicate.Name, duplicate.Phone), (duplicateNow.Name, duplicateNow.Phone));
        // Three clients: no row was added for the duplicate's address.
        Assert.Equal(3, app.WithDb(db => db.Customers.Count()));

        // Both addresses in one group: the details go in draft order, as one client's (the last name, the last phone given).
        var first = Draft("2027-03-03T09:00:00+01:00", "duplicate@example.com", name: "First Name", phone: "+31633333333");
        var last = Draft("2027-03-03T11:00:00+01:00", "kept@example.com", name: "Last Name");
        Assert.Equal(new[] { true, true }, await batcher.CommitAllAsync([first, last], CancellationToken.None));
        var both = app.WithDb(db => db.Customers.Single(c => c.Id == kept.Id));
        Assert.Equal(("Last Name", "+31633333333"), (both.Name, both.Phone));
    }

    /// <summary>A returning client's draft whose time is taken changes nothing about them; the one written does.</summary>
    [Fact]
    public async Task ReturningClientsDraftOnTakenTime_LeavesTheirDetails_TheirWrittenDraftSetsThem()
    {
        var app = await StartAsync();
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();
        Assert.Equal(new[] { true, true }, await batcher.CommitAllAsync(
            [Draft("2027-03-02T09:00:00+01:00", "regular@example.com", name: "On File"), Draft("2027-03-02T14:00:00+01:00", "other@example.com")],
            CancellationToken.None));
        var written = Draft("2027-03-02T11:00:00+01:00", "regular@example.com", name: "Written", phone: "+31644444444");
        var onTakenTime = Draft("2027-03-02T14:30:00+01:00", "regular@example.com", name: "Never Booked", phone: "+31655555555");
        Assert.Equal(new[] { true, false }, await batcher.CommitAllAsync([written, onTakenTime], CancellationToken.None));
        var client = app.WithDb(db => db.Customers.Single(c => c.EmailNormalized == "REGULAR@EXAMPLE.COM"));
        Assert.Equal(("Written", "+31644444444"), (client.Name, client.Phone));
    }

    [Fact]
    public async Task TwoDraftsInOneGroupOnTheSameTime_FirstLands_SecondIsSentBack()
    {
        var app = await StartAsync();
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();
        var first = Draft("2027-03-02T14:00:00+01:00", "first@example.com");
        var overlapping = Draft("2027-03-02T14:30:00+01:00", "second@example.com");
        var elsewhere = Draft("2027-03-02T16:00:00+01:00", "third@example.com");
        Assert.Equal(new[] { true, false, true }, await batcher.CommitAllAsync([first, overlapping, elsewhere], CancellationToken.None));
        Assert.Equal([first.Booking.Id, elsewhere.Booking.Id], app.WithDb(db => db.Bookings.OrderBy(b => b.StartsAt).Select(b => b.Id).ToList()));
    }

    /// <summary>A group holding two businesses' drafts: each lands in its own business, stamped with its own business's version.</summary>
    [Fact]
    public async Task OneGroupForTwoBusinesses_EachBookingLandsInItsOwn_WithItsOwnVersion()
    {
        var first = await StartAsync();
        var mine = Draft("2027-03-02T10:00:00+01:00", "first@example.com");
        var second = await StartAsync();
        var theirs = Draft("2027-03-02T10:00:00+01:00", "second@example.com");
        var batcher = second.App.Services.GetRequiredService<BookingBatcher>();
        Assert.Equal(new[] { true, true }, await batcher.CommitAllAsync([mine, theirs], CancellationToken.None));
        foreach (var (business, draft) in new[] { (first, mine), (second, theirs) })
        {
            var booking = Assert.Single(business.WithDb(db => db.Bookings.ToList()));
            Assert.Equal(draft.Booking.Id, booking.Id);
            var version = business.WithDb(db => db.BusyVersions.Single(v => v.TenantId == business.Id).Version);
            Assert.Equal(version, business.WithDb(db => db.Allocations.Single(a => a.BookingId == booking.Id).Stamp));
            Assert.Equal(1, business.WithDb(db => db.Customers.Count()));
        }
    }

    [Fact]
    public async Task RaceOnOneSlot_ThroughTheGroupWriter_ExactlyOneWins()
    {
        var app = await StartAsync();
        using var gate = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, 40).Select(async i =>
        {
            await gate.WaitAsync();
            return await Book(app.CreateClient(), Booking("2027-03-03T11:00:00+01:00", service: "consult", email: $"r{i}@example.com"));
        }).ToArray();
        gate.Release(40);
        var responses = await Task.WhenAll(tasks);
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(39, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, app.WithDb(db => db.Allocations.Count(a => a.Live)));
    }

    /// <summary>A one-hour consultation with anna, built the way the writer builds one, without asking the engine.</summary>
    protected BookingDraft Draft(string start, string email, string name = "Client", string? phone = null)
    {
        var at = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(start).Value.ToInstant();
        var now = BookwellApp.DefaultNow;
        var booking = new Booking
        {
            Id = Guid.CreateVersion7(),
            TenantId = _tenant,
            PageSlug = "salon",
            ServiceKey = "consult",
            ServiceName = "Consultation",
            StaffKey = "anna",
            ResourceKeys = "",
            StartsAt = at,
            EndsAt = at + Duration.FromHours(1),
            Status = BookingStatus.Confirmed,
            TimeZone = "Europe/Amsterdam",
            CustomerName = "Client",
            CustomerEmail = email,
            AnswersJson = "{}",
            Language = "en",
            ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        booking.History.Add(BookingLifecycle.Event(booking.TenantId, booking.Id, BookingAction.Created, null, booking.Status, "test", now));
        return new BookingDraft
        {
            Booking = booking,
            Allocations =
            [
                new Allocation
                {
                    TenantId = booking.TenantId, BookingId = booking.Id, UnitKey = "staff:anna", Seat = 0, Capacity = 1,
                    StartsAt = booking.StartsAt, EndsAt = booking.EndsAt, GroupKey = booking.Id.ToString(),
                },
            ],
            Messages = [],
            Lookback = Bookwell.Features.Availability.AvailabilityLoader.MaxAllocation,
            CustomerEmail = email,
            CustomerName = name,
            CustomerPhone = phone,
            Now = now,
        };
    }
}

/// <summary>
/// The class's app, with an SMTP server nobody listens on: messages are queued (and stay queued), which is what is checked.
/// One app per class and database, each test on a business of its own (see <see cref="SharedApp"/>).
/// </summary>
public abstract class GroupCommitApp : SharedApp
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Bookwell:Smtp:Host"] = "127.0.0.1";
        settings["Bookwell:Smtp:Port"] = "9";
        settings["Bookwell:Smtp:UseTls"] = "false";
    }
}

public sealed class SqliteGroupCommitApp : GroupCommitApp
{
    public override Db Kind => Db.Sqlite;
}

public sealed class PostgresGroupCommitApp : GroupCommitApp
{
    public override Db Kind => Db.Postgres;
}

public sealed class SqliteGroupCommitTests(SqliteGroupCommitApp shared) : GroupCommitTests(shared), IClassFixture<SqliteGroupCommitApp>;

public sealed class PostgresGroupCommitTests(PostgresGroupCommitApp shared) : GroupCommitTests(shared), IClassFixture<PostgresGroupCommitApp>
{
    /// <summary>
    /// The writer's groups run on one connection of its own pool (DatabaseSetup.OwnPool), not on whichever of the shared
    /// pool's connections is free: under load that spread them over a dozen server processes with cold caches.
    /// </summary>
    [Fact]
    public async Task GroupsOneAfterAnother_RunOnTheWritersOwnConnection()
    {
        var app = await StartAsync();
        var starts = (await SlotStarts(app.CreateClient(), "consult", "2027-03-02", "2027-03-12")).Take(12).ToArray();
        // In waves, so there are several groups; requests of a wave run on the shared pool meanwhile.
        foreach (var (wave, w) in starts.Chunk(4).Select((wave, w) => (wave, w)))
        {
            var responses = await Task.WhenAll(wave.Select((start, i) => Book(app.CreateClient(), Booking(start, service: "consult", email: $"wave{w}-{i}@example.com"))));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        }
        var writers = app.WithDb(db => db.Database.SqlQuery<string>(
            $"SELECT coalesce(query, '') AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND application_name = {"Bookwell " + DatabaseSetup.GroupWriterPool}").ToList());
        // One connection, and the last thing it ran was a group: its one statement, which bumps the busy version itself.
        Assert.Single(writers);
        Assert.StartsWith("WITH bump AS (", writers[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// The keys every booking adds to indexes (the manage token's hash, the client's upper-cased address, the unit and group
    /// keys of the exclusion constraint) compare byte by byte on PostgreSQL, whatever the database's collation
    /// (BookwellDb.MachineKey): this database's own is C.UTF-8, whose comparisons go through the C library.
    /// </summary>
    [Fact]
    public async Task TheKeysABookingIndexes_CompareByteByByte()
    {
        var app = await StartAsync();
        var collations = app.WithDb(db => db.Database.SqlQuery<string>($"""
            SELECT table_name || '.' || column_name || '=' || coalesce(collation_name, '') AS "Value" FROM information_schema.columns
            WHERE (table_name, column_name) IN (('Bookings', 'ManageTokenHash'), ('Customers', 'EmailNormalized'),
                ('Allocations', 'UnitKey'), ('Allocations', 'GroupKey'), ('Bookings', 'CustomerName'))
            ORDER BY 1
            """).ToList());
        Assert.Equal(
            ["Allocations.GroupKey=C", "Allocations.UnitKey=C", "Bookings.CustomerName=", "Bookings.ManageTokenHash=C", "Customers.EmailNormalized=C"],
            collations);
    }

    /// <summary>
    /// The writer's pool plans without table scans: its plans are made on a fresh database's first group, where a scan of
    /// an empty table looks free, and kept while the tables grow (a scan of every client on each group, measured).
    /// </summary>
    [Fact]
    public async Task TheWritersPool_PlansWithoutTableScans()
    {
        var app = await StartAsync();
        var factory = app.App.Services.GetRequiredKeyedService<IDbContextFactory<PostgresBookwellDb>>(DatabaseSetup.GroupWriterPool);
        await using var db = await factory.CreateDbContextAsync();
        Assert.Equal("off", db.Database.SqlQuery<string>($"SELECT current_setting('enable_seqscan') AS \"Value\"").AsEnumerable().Single());
        // The shared pool keeps the default: its queries include small scans that are right.
        Assert.Equal("on", app.WithDb(d => d.Database.SqlQuery<string>($"SELECT current_setting('enable_seqscan') AS \"Value\"").AsEnumerable().Single()));
    }

    /// <summary>
    /// The lookup of returning clients, planned as the writer plans it (generic, on its pool's settings) against a clients
    /// table that is empty and was never analyzed, as on a fresh install's first group: every index condition on that table
    /// names the address or the primary key. Before, the merged client's lookup was planned there as a read of the
    /// business's whole address index, kept for as long as the writer's connection lived.
    /// </summary>
    [Fact]
    public async Task TheReturningClientLookup_PlannedOnAnEmptyTable_ReadsByAddressAndKeyOnly()
    {
        var app = await StartAsync();
        var factory = app.App.Services.GetRequiredKeyedService<IDbContextFactory<PostgresBookwellDb>>(DatabaseSetup.GroupWriterPool);
        // Synchronous, as the writer itself: its pool's sockets are made blocking when opened that way (BlockingWriterSocket).
        using var db = factory.CreateDbContext();
        db.Database.OpenConnection();
        try
        {
            db.Database.ExecuteSqlRaw("""CREATE TEMP TABLE "EmptyClients" (LIKE "Customers" INCLUDING INDEXES)""");
            var known = BookingWrite.KnownClients.Replace("\"Customers\"", "\"EmptyClients\"", StringComparison.Ordinal)
                .Replace("unnest($9, $10, $11)", "unnest($1, $2, $3)", StringComparison.Ordinal);
            Assert.Contains("\"EmptyClients\"", known, StringComparison.Ordinal);
            var prepare = "PREPARE lookup(uuid[], text[], int[]) AS WITH " + known + " SELECT * FROM known";
            db.Database.ExecuteSqlRaw(prepare);
            using var explain = db.Database.GetDbConnection().CreateCommand();
            explain.CommandText = "EXPLAIN EXECUTE lookup('{00000000-0000-0000-0000-000000000001}', '{SOMEONE@EXAMPLE.COM}', '{0}')";
            var lines = new List<string>();
            using (var reader = explain.ExecuteReader())
            {
                while (reader.Read())
                {
                    lines.Add(reader.GetString(0));
                }
            }
            var plan = string.Join("\n", lines);

            Assert.Contains("generic", db.Database.SqlQuery<string>($"SELECT current_setting('plan_cache_mode') AS \"Value\"").AsEnumerable().Single(),
                StringComparison.Ordinal);
            var conditions = lines.Where(l => l.Contains("Index Cond:", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, conditions.Count);
            Assert.All(conditions, c => Assert.True(c.Contains("\"EmailNormalized\"", StringComparison.Ordinal) || c.Contains("(\"Id\" = ", StringComparison.Ordinal), plan));
        }
        finally
        {
            // The connection goes back to the writer's pool as it came.
            if (db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM pg_prepared_statements WHERE name = 'lookup'").AsEnumerable().Single() > 0)
            {
                db.Database.ExecuteSqlRaw("DEALLOCATE lookup");
            }
            db.Database.ExecuteSqlRaw("""DROP TABLE IF EXISTS "EmptyClients" """);
        }
    }

    /// <summary>
    /// The group's single statement reads its snapshot before it takes the business's busy-version lock. Here another writer
    /// holds that lock with a booking at 10:00 not yet committed, and commits it only once the group's statement waits for
    /// the lock: the snapshot cannot show that booking. The statement sees from the version that something was committed in
    /// between, writes nothing, and the group goes the lock-first way, which finds 10:00 taken. Without that check the
    /// database would have refused the whole group (the exclusion constraint), the 14:00 draft with it.
    /// </summary>
    [Fact]
    public async Task AWriteCommittedWhileTheGroupWaitsForTheLock_IsSeen_OnlyTheClashingDraftIsSentBack()
    {
        var app = await StartAsync();
        var batcher = app.App.Services.GetRequiredService<BookingBatcher>();
        Assert.Equal(new[] { true }, await batcher.CommitAllAsync([Draft("2027-03-01T09:00:00+01:00", "first@example.com")], CancellationToken.None));

        long Version() => app.WithDb(db => db.BusyVersions.Single(v => v.TenantId == app.Id).Version);
        var before = Version();
        using var scope = app.CreateScope();
        var other = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        await using var tx = await other.Database.BeginTransactionAsync();
        await Bookwell.Features.Availability.BusyVersions.BumpAsync(other, app.Id, CancellationToken.None);
        var theirs = Draft("2027-03-02T10:00:00+01:00", "theirs@example.com");
        other.Bookings.Add(theirs.Booking);
        other.Allocations.AddRange(theirs.Allocations);
        await other.SaveChangesAsync();

        var fine = Draft("2027-03-02T14:00:00+01:00", "fine@example.com");
        var clash = Draft("2027-03-02T10:30:00+01:00", "clash@example.com");
        var group = batcher.CommitAllAsync([fine, clash], CancellationToken.None);
        // Polled, not timed: the writer's backend is waiting for a lock (the version row other holds).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (app.WithDb(db => db.Database.SqlQuery<int>(
                   $"SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND application_name = {"Bookwell " + DatabaseSetup.GroupWriterPool} AND wait_event_type = 'Lock'").Single()) == 0)
        {
            Assert.False(group.IsCompleted, "the group finished without waiting for the lock");
            Assert.True(DateTime.UtcNow < deadline, "the group's statement never waited for the lock");
            await Task.Yield();
        }
        await tx.CommitAsync();

        Assert.Equal(new[] { true, false }, await group.WaitAsync(TimeSpan.FromSeconds(30)));
        var rows = app.WithDb(db => db.Bookings.OrderBy(b => b.StartsAt).Select(b => b.CustomerEmail).ToList());
        Assert.Equal(["first@example.com", "theirs@example.com", "fine@example.com"], rows);
        Assert.Equal(0, app.WithDb(db => db.Customers.Count(c => c.EmailNormalized == "CLASH@EXAMPLE.COM")));
        // Three bumps: theirs, the stale statement's (which wrote nothing else), the lock-first retry's. The landed booking
        // carries the version its own write left, the business's latest.
        var version = Version();
        Assert.Equal(before + 3, version);
        Assert.Equal(version, app.WithDb(db => db.Allocations.Single(a => a.BookingId == fine.Booking.Id).Stamp));
        Assert.Equal(version, fine.Allocations[0].Stamp);
    }

    /// <summary>
    /// The writer's socket blocks in the kernel (BlockingWriterSocket), so its answer wakes it directly instead of through
    /// .NET's socket-event thread; the shared pool's sockets stay as Npgsql opens them. Read from the process's own file
    /// descriptors: the socket whose local port is the writer's backend's client port.
    /// </summary>
    [Fact]
    public async Task TheWritersSocket_BlocksInTheKernel_TheSharedPoolsDoNot()
    {
        var app = await StartAsync();
        var starts = (await SlotStarts(app.CreateClient(), "consult", "2027-03-02", "2027-03-12")).Take(3).ToArray();
        var responses = await Task.WhenAll(starts.Select((start, i) => Book(app.CreateClient(), Booking(start, service: "consult", email: $"socket{i}@example.com"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ports = app.WithDb(db => db.Database.SqlQuery<PortOf>(
            $"SELECT client_port AS \"Port\", application_name = {"Bookwell " + DatabaseSetup.GroupWriterPool} AS \"Writer\" FROM pg_stat_activity WHERE datname = current_database() AND client_port > 0").ToList());
        var writer = Assert.Single(ports, p => p.Writer);
        Assert.False(SocketIsNonBlocking(writer.Port));
        Assert.Contains(ports, p => !p.Writer && SocketIsNonBlocking(p.Port));
    }

    /// <summary>
    /// A read on the writer's blocking socket waits its timeout twice: in the kernel (Npgsql's timeout, which .NET sets there
    /// too), then in .NET's own timed wait. So a statement a little longer than the timeout still gets its answer, one far
    /// longer is cut by about twice the timeout, and the writer's pool runs on half the configured command timeout.
    /// </summary>
    [Fact]
    public async Task OnTheWritersConnection_AReadWaitsItsTimeoutTwice_SoThePoolHasHalfOfIt()
    {
        var app = await StartAsync();
        using var scope = app.CreateScope();
        var own = scope.ServiceProvider.GetRequiredKeyedService<IDbContextFactory<PostgresBookwellDb>>(DatabaseSetup.GroupWriterPool);
        using var db = own.CreateDbContext();
        db.Database.OpenConnection();
        Assert.False(SocketIsNonBlocking(db.Database.SqlQueryRaw<int>("SELECT inet_client_port() AS \"Value\"").ToList().Single()));
        var configured = app.WithDb(shared => ((Npgsql.NpgsqlConnection)shared.Database.GetDbConnection()).CommandTimeout);
        Assert.Equal(configured / 2, ((Npgsql.NpgsqlConnection)db.Database.GetDbConnection()).CommandTimeout);

        db.Database.SetCommandTimeout(TimeSpan.FromSeconds(3));
        Assert.Equal([7], db.Database.SqlQueryRaw<int>("SELECT 7 AS \"Value\" FROM pg_sleep(4)").ToList());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var timedOut = Assert.ThrowsAny<Exception>(() => db.Database.ExecuteSqlRaw("SELECT pg_sleep(60)"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"cut after {clock.Elapsed}");
        Assert.Contains(timedOut.GetBaseException().GetType().Name, new[] { nameof(TimeoutException), "PostgresException" });
        // The connection is usable again after the cancelled statement.
        Assert.Equal([1], db.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\"").ToList());
    }

    private sealed record PortOf(int Port, bool Writer);

    /// <summary>
    /// This process's TCP socket with that local port and the test server's port as its peer (/proc/self/net/tcp lists the
    /// whole network namespace, so only this process's socket inodes count): is O_NONBLOCK set?
    /// </summary>
    private static bool SocketIsNonBlocking(int localPort)
    {
        var mine = new Dictionary<string, string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    mine[target["socket:[".Length..^1]] = Path.GetFileName(fd);
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }
        var serverPort = new Npgsql.NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer).Port;
        static int Port(string address) => Convert.ToInt32(address[(address.LastIndexOf(':') + 1)..], 16);
        var rows = new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && f[1].Contains(':', StringComparison.Ordinal) && f[2].Contains(':', StringComparison.Ordinal));
        var inode = rows.First(f => Port(f[1]) == localPort && Port(f[2]) == serverPort && mine.ContainsKey(f[9]))[9];
        var flags = File.ReadLines($"/proc/self/fdinfo/{mine[inode]}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 0x800) != 0;
    }
}
