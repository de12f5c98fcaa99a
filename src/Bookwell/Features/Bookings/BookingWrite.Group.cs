using System.Data.Common;
using Bookwell.Data;
using Bookwell.Features.Availability;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Bookwell.Features.Bookings;

/// <summary>A new booking worked out in memory (time chosen, rows built) and waiting to be written.</summary>
public sealed class BookingDraft
{
    public required Booking Booking { get; init; }
    public required IReadOnlyList<Allocation> Allocations { get; set; }
    public required IReadOnlyList<OutboxMessage> Messages { get; init; }
    /// <summary>The page's longest allocation: how far back an overlapping allocation can start.</summary>
    public required Duration Lookback { get; init; }
    public required string CustomerEmail
    {
        get;
        init
        {
            field = value;
            EmailNormalized = value.ToUpperInvariant();
        }
    }

    /// <summary>
    /// The e-mail as clients are matched by, and the id the client gets if the group finds them new: both made with the
    /// draft, on the request's thread, so that the group writer (the serial step of booking) does not spend its time on
    /// them. A fresh id costs a call for random bytes.
    /// </summary>
    internal string EmailNormalized { get; private set; } = "";

    internal Guid NewCustomerId { get; } = Ids.New();
    public required string CustomerName { get; init; }
    public string? CustomerPhone { get; init; }
    /// <summary>The country of the page's time zone, for storing the client's phone in E.164 (<see cref="CustomerBook.Update"/>).</summary>
    public string? PhoneRegion { get; init; }

    /// <summary>The phone as the client book stores it (<see cref="CustomerBook.Normalize"/>), worked out once per draft.</summary>
    internal string? StoredPhone
    {
        get
        {
            if (!_phoneStored)
            {
                _storedPhone = CustomerBook.Normalize(CustomerPhone, PhoneRegion);
                _phoneStored = true;
            }
            return _storedPhone;
        }
    }

    private string? _storedPhone;
    private bool _phoneStored;
    public bool MarketingOptIn { get; init; }
    public Instant Now { get; init; }

    /// <summary>True once committed; false when the caller must try again on its own (lost a race, or the group failed).</summary>
    internal TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The seam's group commit (issue 11): new bookings that arrive together, written together (on PostgreSQL one statement per
/// business for clients without a consent to record, new or returning; else one transaction for the group), owned here like every other booking write, with the
/// same lock order (the write gate, then each business's busy version, first) and the same effects as
/// <see cref="BookingCreator"/>'s one-by-one path: the drafts' history entries, allocations stamped with the busy version
/// (<see cref="Allocator.Stamp"/>; the busy index reads them by it) and outbox rows, all committed together, the outbox
/// woken after the commit. <see cref="BookingBatcher"/> only queues the drafts and runs this on its writer thread.
/// Synchronous on purpose (see <see cref="BookingBatcher"/>): every booking waits for this writer, so it must not rejoin the
/// thread pool's queue after each round trip.
/// </summary>
public sealed partial class BookingWrite
{
    /// <summary>
    /// Writes a group of new bookings and answers each draft (<see cref="BookingDraft.Done"/>): true once
    /// committed, false when it must go the one-by-one way (it overlaps an earlier draft of the group or a stored allocation,
    /// or the group failed). Synchronous, for <see cref="BookingBatcher"/>'s dedicated writer thread.
    /// </summary>
    public void CommitGroup(List<BookingDraft> batch, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(log);
        var (accepted, deferred) = WithoutOverlaps(batch);
        if (db.IsPostgres && accepted.Count > 0)
        {
            // Clients without a consent to record, new or returning: one round trip per business (OneTrip). Marketing
            // opt-ins (consent rows, written through EF) and a business whose statement found its snapshot stale go the
            // two-round-trip way below, in a transaction of their own.
            var simple = accepted.FindAll(d => !d.MarketingOptIn);
            accepted.RemoveAll(d => !d.MarketingOptIn);
            if (simple.Count > 0)
            {
                accepted.AddRange(OneTrip(simple, deferred, log));
            }
            if (accepted.Count == 0)
            {
                Answer([], deferred);
                return;
            }
        }
        TwoTrips(accepted, deferred, log);
    }

    /// <summary>Answers the drafts of a group: committed, or "try again" one by one.</summary>
    private static void Answer(List<BookingDraft> committed, List<BookingDraft> deferred)
    {
        foreach (var d in committed)
        {
            d.Done.TrySetResult(true);
        }
        foreach (var d in deferred)
        {
            d.Done.TrySetResult(false);
        }
    }

    /// <summary>
    /// PostgreSQL, one round trip per business for a group of bookings: a single statement, on its own (its own transaction,
    /// committed when it ends). A data-modifying <c>WITH</c> that bumps the business's busy version (taking its lock to the
    /// end), finds the drafts whose time is taken (the probe of <see cref="TakenAndCustomers"/>) and the clients who have
    /// booked before (by address; a merged duplicate's address books under the client it was merged into, as in
    /// <see cref="UpsertCustomers"/>), and writes every other draft's booking, history, allocations (stamped with the bumped
    /// version) and outbox rows, each new client's row, and each returning client's latest name and phone (the phone kept
    /// when the booking gave none); it answers the version, the drafts it left out, and the returning clients' ids.
    /// <para>
    /// Why one statement: Npgsql writes the second and later statements of a synchronous batch from a task on the thread
    /// pool (its guard against a deadlock on large batches), so the group waited for a pool thread, behind every request
    /// under way, before PostgreSQL even had it (measured: docs/performance.md, "Issue 12, thirty-first session").
    /// </para>
    /// <para>
    /// The probe reads the statement's snapshot, taken before the version's lock, where the two-statement form took the lock
    /// first. So the statement compares the version it bumped with the one its snapshot saw: one more means nobody committed
    /// a write to that business in between (every writer bumps first and holds the lock to its commit), so the probe saw
    /// everything. Otherwise it writes nothing but the bump and says so, and the business's drafts go the two-round-trip
    /// way (lock first, then read): a wait for the lock therefore costs that business one more round trip and an empty
    /// bump. The exclusion constraint still judges: a conflict the statement did not see fails it. Without the look
    /// (<see cref="OverlapProbes"/>) the statement then runs again with it; otherwise that business's drafts go one by one.
    /// </para>
    /// <para>
    /// Returning clients used to go the two-round-trip way as well (measured in docs/performance.md, "Issue 12,
    /// thirty-second session"): in a business where most clients come back, nearly every group paid three round trips.
    /// </para>
    /// Answers the drafts written and the taken ones (into <paramref name="deferred"/>); returns those of a business whose
    /// snapshot was stale, for the two-round-trip way.
    /// </summary>
    private List<BookingDraft> OneTrip(List<BookingDraft> drafts, List<BookingDraft> deferred, ILogger log)
    {
        var later = new List<BookingDraft>();
        // Business by business, in one order: each statement holds one business's lock, and only until it ends.
        foreach (var tenant in drafts.GroupBy(d => d.Booking.TenantId).OrderBy(g => g.Key))
        {
            OneStatement([.. tenant], deferred, later, log);
        }
        return later;
    }

    /// <summary><see cref="OneTrip"/> for one business's drafts.</summary>
    private void OneStatement(List<BookingDraft> drafts, List<BookingDraft> deferred, List<BookingDraft> later, ILogger log)
    {
        var tenant = drafts[0].Booking.TenantId;
        // The look for taken time only where a group met some lately (OverlapProbes); without it, its arrays are sent empty.
        var look = overlapProbes.Needed(tenant);
        var taken = new HashSet<int>();
        var returning = new Dictionary<int, Guid>();
        long? version = null;
        List<Customer>? customers = null;
        while (true)
        {
            try
            {
                using var _ = gate.Enter(db);
                if (customers is null)
                {
                    // Every client taken as new: the statement writes the row of each who is. For each who is not it writes the
                    // latest name and phone of their drafts that it writes (the per-draft details, GroupStatement).
                    customers = [];
                    UpsertCustomers(db, tenant, drafts, customers, new());
                }
                db.Database.OpenConnection();
                try
                {
                    // One command alone: no BEGIN or COMMIT around it, and nothing for Npgsql to write from another thread.
                    using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
                    batch.BatchCommands.Add(GroupStatement(db, drafts, customers, tenant, look));
                    using var reader = batch.ExecuteReader();
                    while (reader.Read())
                    {
                        var d = reader.GetInt32(0);
                        if (d < 0)
                        {
                            version = reader.IsDBNull(2) ? null : reader.GetInt64(2);
                        }
                        else if (reader.GetBoolean(1))
                        {
                            returning[d] = reader.GetGuid(3);
                        }
                        else
                        {
                            taken.Add(d);
                        }
                    }
                }
                finally
                {
                    db.Database.CloseConnection();
                }
            }
            catch (Exception ex) when (!look && drafts.Count > 1 && Conflicts.IsTimeTaken(ex))
            {
                // Without the look a draft on taken time failed the statement, which wrote nothing. Again at once with the
                // look: it leaves that draft out and writes the others (a lone draft just tries again alone, below). Sending the whole group to be written one by one
                // instead stalled the business for half a second under load (docs/performance.md, thirty-fourth session).
                overlapProbes.Clashed(tenant);
                look = true;
                (version, taken, returning) = (null, [], []);
                continue;
            }
            catch (Exception ex)
            {
                if (!Conflicts.IsConflictError(ex))
                {
                    log.LogWarning(ex, "A group of {Count} bookings failed; writing them one by one", drafts.Count);
                }
                if (Conflicts.IsTimeTaken(ex))
                {
                    overlapProbes.Clashed(tenant);
                }
                deferred.AddRange(drafts);
                return;
            }
            break;
        }
        if (taken.Count > 0)
        {
            // The look found taken time: the business keeps looking first (OverlapProbes).
            overlapProbes.Clashed(tenant);
        }
        if (version is not { } stamp)
        {
            // Another writer committed to this business between the statement's snapshot and its lock: nothing was written.
            later.AddRange(drafts);
            return;
        }
        var written = new List<BookingDraft>(drafts.Count);
        for (var i = 0; i < drafts.Count; i++)
        {
            if (taken.Contains(i))
            {
                deferred.Add(drafts[i]);
                continue;
            }
            if (returning.TryGetValue(i, out var client))
            {
                drafts[i].Booking.CustomerId = client;
            }
            written.Add(drafts[i]);
        }
        foreach (var d in written)
        {
            Allocator.Stamp(d.Allocations, stamp);
            d.Done.TrySetResult(true);
        }
        if (written.Count > 0)
        {
            outbox.Notify(queued: written.Exists(d => d.Messages.Count > 0));
        }
    }

    /// <summary>One positional array parameter (the statements here number their placeholders: Npgsql then sends the text as it is).</summary>
    private static void Add<T>(NpgsqlBatchCommand command, List<T> values) => command.Parameters.Add(new NpgsqlParameter<T[]> { TypedValue = [.. values] });

    /// <summary>The overlap probe's parameters ($1-$7 of both statements that ask it), one element per allocation of the drafts.</summary>
    private static void AddProbe(NpgsqlBatchCommand command, List<(BookingDraft Draft, Allocation Allocation)> probes)
    {
        Add(command, probes.ConvertAll(p => p.Allocation.TenantId));
        Add(command, probes.ConvertAll(p => p.Allocation.UnitKey));
        Add(command, probes.ConvertAll(p => p.Allocation.Seat));
        Add(command, probes.ConvertAll(p => p.Allocation.GroupKey));
        Add(command, probes.ConvertAll(p => p.Allocation.StartsAt - p.Draft.Lookback));
        Add(command, probes.ConvertAll(p => p.Allocation.StartsAt));
        Add(command, probes.ConvertAll(p => p.Allocation.EndsAt));
    }

    /// <summary>
    /// The group statement's text for each shape (which of clients, history and outbox rows it writes), built once: it names
    /// no row, only numbered arrays. Building it and having Npgsql parse it for named parameters was a fifth of the group
    /// writer's CPU.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Microsoft.EntityFrameworkCore.Metadata.IModel, int), string> GroupSql = new();

    [Flags]
    private enum GroupShape
    {
        None = 0,
        Customers = 1,
        History = 2,
        Messages = 4,
    }

    /// <summary>
    /// The single statement of <see cref="OneTrip"/>. Its rows: first (-1, false, the bumped version, or null when the
    /// snapshot was stale and nothing was written, null), then the drafts whose time is taken (index, false, null, null),
    /// then those of returning clients (index, true, null, the client's id).
    /// </summary>
    /// <param name="look">Look for taken time first (<see cref="OverlapProbes"/>); false: the look's arrays are empty, so it
    /// finds nothing, and the exclusion constraint alone refuses a draft whose time is taken (failing the statement).</param>
    private static NpgsqlBatchCommand GroupStatement(BookwellDb db, List<BookingDraft> drafts, List<Customer> customers, Guid tenant, bool look)
    {
        var command = new NpgsqlBatchCommand();
        // Loops, not LINQ: this runs on the serial step of booking, and every iterator and closure is memory it must clear.
        var probes = new List<(BookingDraft Draft, int Index, Allocation Allocation)>(drafts.Count);
        var history = new List<(BookingEvent Row, int Index)>(drafts.Count);
        var messages = new List<(OutboxMessage Row, int Index)>(drafts.Count * 2);
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i];
            for (var k = 0; k < d.Allocations.Count; k++)
            {
                probes.Add((d, i, d.Allocations[k]));
            }
            foreach (var h in d.Booking.History)
            {
                history.Add((h, i));
            }
            for (var k = 0; k < d.Messages.Count; k++)
            {
                messages.Add((d.Messages[k], i));
            }
        }
        // The parameters in the order GroupText numbers them.
        AddProbe(command, look ? probes.ConvertAll(p => (p.Draft, p.Allocation)) : []);
        Add(command, look ? probes.ConvertAll(p => p.Index) : []);
        Add(command, drafts.ConvertAll(d => d.Booking.TenantId));
        Add(command, drafts.ConvertAll(d => d.EmailNormalized));
        Add(command, Enumerable.Range(0, drafts.Count).ToList());
        var drafted = Enumerable.Range(0, drafts.Count).ToList();
        BulkInsert.AddRows(db, command, drafts.ConvertAll(d => d.Booking), drafted);
        var shape = GroupShape.None;
        if (customers.Count > 0)
        {
            BulkInsert.AddRows(db, command, customers, null);
            shape |= GroupShape.Customers;
        }
        if (history.Count > 0)
        {
            BulkInsert.AddRows(db, command, history.ConvertAll(h => h.Row), history.ConvertAll(h => h.Index));
            shape |= GroupShape.History;
        }
        BulkInsert.AddRows(db, command, probes.ConvertAll(p => p.Allocation), probes.ConvertAll(p => p.Index));
        if (messages.Count > 0)
        {
            BulkInsert.AddRows(db, command, messages.ConvertAll(m => m.Row), messages.ConvertAll(m => m.Index));
            shape |= GroupShape.Messages;
        }
        // The business, after every array of rows; then each draft's client details, for the clients who have booked before.
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenant });
        Add(command, drafted);
        Add(command, drafts.ConvertAll(d => d.CustomerName));
        Add(command, drafts.ConvertAll(d => d.StoredPhone));
        Add(command, drafts.ConvertAll(d => d.Now));
        command.CommandText = GroupSql.GetOrAdd((db.Model, (int)shape), static (key, db) => GroupText(db, (GroupShape)key.Item2), db);
        return command;
    }

    /// <summary>
    /// The group statement's lookup of returning clients ($9-$11: business, upper-cased address, draft), each found by the
    /// business's address index; a merged duplicate's address books under the client it was merged into, when that client
    /// is there.
    /// <para>
    /// The merged client is found by primary key only. The writer's plans are generic, made at its first statement, often
    /// on an empty table: with <c>"TenantId" = k.tenant</c> there, PostgreSQL chose the business's (TenantId,
    /// EmailNormalized) index and read every client of the business for each returning client, in about half of the bench's
    /// fresh runs (docs/performance.md, thirty-fifth session). <c>IS NOT DISTINCT FROM</c> tests the same for this non-null
    /// column, but no index answers it, so it can only be a filter; and the look is skipped when the client was not merged.
    /// </para>
    /// </summary>
    internal const string KnownClients = """
            known AS (SELECT k.d, coalesce(w."Id", x."Id") AS customer FROM unnest($9, $10, $11) AS k(tenant, email, d)
            CROSS JOIN LATERAL (SELECT x."Id", x."MergedIntoId" FROM "Customers" x
                WHERE x."TenantId" = k.tenant AND x."EmailNormalized" = k.email LIMIT 1) AS x
            LEFT JOIN LATERAL (SELECT w."Id" FROM "Customers" w WHERE x."MergedIntoId" IS NOT NULL AND w."Id" = x."MergedIntoId"
                AND w."TenantId" IS NOT DISTINCT FROM k.tenant LIMIT 1) AS w ON true)
        """;

    private static string GroupText(BookwellDb db, GroupShape shape)
    {
        // Nothing but the bump is written unless the snapshot is known complete (fresh: see OneTrip).
        const string Kept = "r.d NOT IN (SELECT d FROM skip) AND EXISTS (SELECT 1 FROM fresh)";
        var next = 12;
        var members = new List<string>
        {
            // The probe and the client lookup as in TakenAndCustomers (LATERAL ... LIMIT 1: index probes, whatever the plan).
            $"""
            taken AS (SELECT DISTINCT p.d FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
                AS p(tenant, unit, seat, grp, earliest, starts, ends, d)
            CROSS JOIN LATERAL (SELECT 1 FROM "Allocations" a
                WHERE tstzrange(a."StartsAt", a."EndsAt", '[)') && tstzrange(p.starts, p.ends, '[)') AND {Overlap} LIMIT 1) AS found)
            """,
            KnownClients,
            "skip AS (SELECT d FROM taken)",
            "b AS (" + BulkInsert.KeptInsertSql(db, typeof(Booking), ref next, withDraft: true, Kept, returning: "\"CustomerId\"",
                expressions: new Dictionary<string, string>
                {
                    [nameof(Booking.CustomerId)] = """coalesce((SELECT k.customer FROM known k WHERE k.d = r.d), r."CustomerId")""",
                }) + ")",
        };
        // A new client's row is written when one of the bookings written is theirs (two drafts of one new client share one
        // row); a returning client's bookings name their own id, so their draft row is not.
        if (shape.HasFlag(GroupShape.Customers))
        {
            members.Add("c AS (" + BulkInsert.KeptInsertSql(db, typeof(Customer), ref next, withDraft: false, "r.\"Id\" IN (SELECT \"CustomerId\" FROM b)") + ")");
        }
        if (shape.HasFlag(GroupShape.History))
        {
            members.Add("h AS (" + BulkInsert.KeptInsertSql(db, typeof(BookingEvent), ref next, withDraft: true, Kept) + ")");
        }
        // The stamp is the version the statement's bump left (its RETURNING: the table itself still shows the snapshot's).
        members.Add("a AS (" + BulkInsert.KeptInsertSql(db, typeof(Allocation), ref next, withDraft: true, Kept,
            expressions: new Dictionary<string, string>
            {
                [nameof(Allocation.Stamp)] = """(SELECT "Version" FROM fresh)""",
            }) + ")");
        if (shape.HasFlag(GroupShape.Messages))
        {
            members.Add("o AS (" + BulkInsert.KeptInsertSql(db, typeof(OutboxMessage), ref next, withDraft: true, Kept) + ")");
        }
        // The business follows the arrays of rows. The bump comes first in the text (the others name it) and runs once
        // whatever reads it; its lock is held to the statement's end. fresh: the bumped version when it is one more than the
        // snapshot's (0 when the business had none), else no row.
        var tenant = "$" + next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Returning clients written for, as UpsertCustomers does in draft order: the name and time of their last draft
        // written, the last phone given (a booking without one keeps theirs), over every draft that reached them (two
        // addresses can: a merged duplicate's and its client's). Drafts whose time is taken change nothing. An erased
        // client (erased while the statement waited for the row) keeps no new details. The per-draft details are the four
        // last parameters (draft, name, phone, time).
        var details = string.Join(", ", Enumerable.Range(next + 1, 4).Select(i => "$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        members.Add($"""
            latest AS (SELECT k.customer, (array_agg(n.name ORDER BY n.d DESC))[1] AS name,
                    (array_agg(n.phone ORDER BY n.d DESC) FILTER (WHERE n.phone IS NOT NULL))[1] AS phone,
                    (array_agg(n.at ORDER BY n.d DESC))[1] AS at
                FROM known k JOIN unnest({details}) AS n(d, name, phone, at) ON n.d = k.d
                WHERE k.d NOT IN (SELECT d FROM skip) AND EXISTS (SELECT 1 FROM fresh)
                GROUP BY k.customer)
            """);
        members.Add("""
            u AS (UPDATE "Customers" x SET "Name" = n.name, "Phone" = coalesce(n.phone, x."Phone"), "UpdatedAt" = n.at
                FROM latest n
                WHERE x."Id" = n.customer AND x."ErasedAt" IS NULL)
            """);
        members.InsertRange(0,
        [
            "bump AS (" + BusyVersions.BumpSql.Replace("@tenant", tenant + "::uuid", StringComparison.Ordinal) + ")",
            $"""
            fresh AS (SELECT n."Version" FROM bump n
                WHERE n."Version" = coalesce((SELECT v."Version" FROM "BusyVersions" v WHERE v."TenantId" = {tenant}::uuid), 0) + 1)
            """,
        ]);
        return $"""
            WITH {string.Join(",\n", members)}
            SELECT -1, false, (SELECT "Version" FROM fresh), NULL::uuid
            UNION ALL SELECT d, false, NULL::bigint, NULL::uuid FROM taken
            UNION ALL SELECT d, true, NULL::bigint, customer FROM known WHERE d NOT IN (SELECT d FROM taken)
            """;
    }

    /// <summary>The group in two round trips (SQLite: in process), for what <see cref="OneTrip"/> does not take.</summary>
    private void TwoTrips(List<BookingDraft> accepted, List<BookingDraft> deferred, ILogger log)
    {
        var committed = false;
        try
        {
            using var _ = gate.Enter(db);
            using var tx = new GroupTransaction(db);
            // Busy versions first, business by business in one order (BusyVersions); the rows carry them.
            // On PostgreSQL the bumps, the check of taken time and the lookup of returning clients share one
            // round trip (TakenAndCustomers).
            var tenants = accepted.GroupBy(d => d.Booking.TenantId).OrderBy(g => g.Key).ToList();
            HashSet<BookingDraft> taken;
            Dictionary<(Guid, string), Customer>? known = null;
            if (db.IsPostgres)
            {
                (taken, known) = TakenAndCustomers(db, tx, accepted, tenants);
            }
            else
            {
                foreach (var tenant in tenants)
                {
                    Allocator.Stamp(tenant.SelectMany(d => d.Allocations), BusyVersions.Bump(db, tenant.Key));
                }
                taken = Taken(db, accepted);
            }
            // A draft whose time is taken would make the database refuse the whole group; those wait.
            if (taken.Count > 0)
            {
                accepted.RemoveAll(taken.Contains);
                deferred.AddRange(taken);
            }
            var newCustomers = new List<Customer>();
            foreach (var tenant in accepted.GroupBy(d => d.Booking.TenantId))
            {
                UpsertCustomers(db, tenant.Key, [.. tenant], newCustomers, known);
            }
            // Returning clients are tracked rows (EF writes only what changed); everything new is written
            // straight (BulkInsert: one batch on PostgreSQL, one prepared INSERT per table on SQLite).
            db.SaveChanges();
            // PostgreSQL: the same batch carries the COMMIT (GroupTransaction).
            tx.InsertAndCommit(newCustomers, accepted.ConvertAll(d => d.Booking), accepted.SelectMany(d => d.Booking.History).ToList(),
                accepted.SelectMany(d => d.Allocations).ToList(), accepted.SelectMany(d => d.Messages).ToList());
            committed = true;
        }
        catch (Exception ex)
        {
            // Any failure of the group sends its drafts down the one-by-one path, which reports for itself.
            if (!Conflicts.IsConflictError(ex))
            {
                log.LogWarning(ex, "A group of {Count} bookings failed; writing them one by one", accepted.Count);
            }
        }
        foreach (var d in accepted)
        {
            d.Done.TrySetResult(committed);
        }
        foreach (var d in deferred)
        {
            d.Done.TrySetResult(false);
        }
        if (committed)
        {
            outbox.Notify(queued: accepted.Exists(d => d.Messages.Count > 0));
        }
    }

    /// <summary>Drafts are taken in arrival order; one that overlaps an earlier one on the same staff member or seat waits.</summary>
    private static (List<BookingDraft> Accepted, List<BookingDraft> Deferred) WithoutOverlaps(List<BookingDraft> batch)
    {
        var taken = new Dictionary<(Guid, string, int), List<(Instant Start, Instant End)>>();
        var accepted = new List<BookingDraft>(batch.Count);
        var deferred = new List<BookingDraft>();
        foreach (var d in batch)
        {
            var clash = d.Allocations.Any(a => taken.TryGetValue((a.TenantId, a.UnitKey, a.Seat), out var spans) &&
                                               spans.Exists(s => s.Start < a.EndsAt && a.StartsAt < s.End));
            if (clash)
            {
                deferred.Add(d);
                continue;
            }
            foreach (var a in d.Allocations)
            {
                if (!taken.TryGetValue((a.TenantId, a.UnitKey, a.Seat), out var spans))
                {
                    taken[(a.TenantId, a.UnitKey, a.Seat)] = spans = [];
                }
                spans.Add((a.StartsAt, a.EndsAt));
            }
            accepted.Add(d);
        }
        return (accepted, deferred);
    }

    /// <summary>
    /// The drafts that overlap a live allocation already in the database, by the exclusion constraint's own
    /// rule (same tenant, unit and seat, another group). Some drafts come without a busy-time read of their
    /// own (<see cref="BookingCreator"/>: a named staff member and nothing else to choose), so this is where
    /// their time is checked; for the others it catches what was written since they read. SQLite: one
    /// prepared probe per allocation, in process and inside the single writer's transaction (PostgreSQL:
    /// <see cref="TakenAndCustomers"/>).
    /// </summary>
    private static HashSet<BookingDraft> Taken(BookwellDb db, List<BookingDraft> drafts)
    {
        var probes = drafts.SelectMany(d => d.Allocations.Select(a => (Draft: d, Allocation: a))).ToList();
        var taken = new HashSet<BookingDraft>();
        if (probes.Count == 0)
        {
            return taken;
        }
        using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        // The model's type mappings bind each value as SQLite stores it (ids as text, instants as ticks).
        var entity = db.Model.FindEntityType(typeof(Allocation))!;
        var mappings = new[]
        {
            ("tenant", nameof(Allocation.TenantId)), ("unit", nameof(Allocation.UnitKey)), ("seat", nameof(Allocation.Seat)),
            ("grp", nameof(Allocation.GroupKey)), ("earliest", nameof(Allocation.StartsAt)), ("starts", nameof(Allocation.StartsAt)),
            ("ends", nameof(Allocation.EndsAt)),
        }.Select(m => (Name: m.Item1, Mapping: (RelationalTypeMapping)entity.FindProperty(m.Item2)!.GetRelationalTypeMapping())).ToArray();
        var parameters = mappings.Select(m =>
        {
            var parameter = m.Mapping.CreateParameter(command, "@" + m.Name, null, nullable: false);
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        command.CommandText = $"""SELECT EXISTS (SELECT 1 FROM "Allocations" a WHERE {Overlap.Replace("p.", "@", StringComparison.Ordinal)})""";
        command.Prepare();
        foreach (var (draft, a) in probes)
        {
            if (taken.Contains(draft))
            {
                continue;
            }
            object[] values = [a.TenantId, a.UnitKey, a.Seat, a.GroupKey, a.StartsAt - draft.Lookback, a.StartsAt, a.EndsAt];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = mappings[i].Mapping.Converter?.ConvertToProvider(values[i]) ?? values[i];
            }
            if (command.ExecuteScalar() is long found && found != 0)
            {
                taken.Add(draft);
            }
        }
        return taken;
    }

    private const string Overlap = """
        a."TenantId" = p.tenant AND a."UnitKey" = p.unit AND a."Seat" = p.seat AND a."Live" AND a."GroupKey" <> p.grp
        AND a."StartsAt" >= p.earliest AND a."StartsAt" < p.ends AND a."EndsAt" > p.starts
        """;

    /// <summary>
    /// PostgreSQL: <see cref="Taken"/>'s question and the lookup of returning clients in one batch, one round
    /// trip (the group writer is the serial step of booking, and each round trip costs it a wake-up on a
    /// busy machine: measured 0.9-1.1 ms each, for 0.1-0.3 ms of work). The clients are read with the model's
    /// own column list and attached, so EF writes back only what <see cref="UpsertCustomers"/> changes.
    /// </summary>
    private static (HashSet<BookingDraft> Taken, Dictionary<(Guid, string), Customer> Known) TakenAndCustomers(BookwellDb db, GroupTransaction tx, List<BookingDraft> drafts,
        List<IGrouping<Guid, BookingDraft>> tenants)
    {
        var taken = new HashSet<BookingDraft>();
        var known = new Dictionary<(Guid, string), Customer>();
        var probes = drafts.SelectMany(d => d.Allocations.Select(a => (Draft: d, Allocation: a))).ToList();
        // Opens the group's transaction: the bumps' locks are held from here to the COMMIT of the inserts' batch.
        using var batch = tx.FirstBatch();
        foreach (var tenant in tenants)
        {
            var bump = new NpgsqlBatchCommand(BusyVersions.BumpSql.Replace("@tenant", "@t", StringComparison.Ordinal));
            bump.Parameters.Add(new NpgsqlParameter<Guid>("t", tenant.Key));
            batch.BatchCommands.Add(bump);
        }
        // LATERAL ... LIMIT 1 keeps the plan an index probe per allocation; written as EXISTS, the generic
        // plan turned into a hash join over the whole table once statistics came in (measured: 0.24 ms a
        // group before ANALYZE, 9-10 ms after). The overlap is asked twice, as the exclusion constraint's
        // range (&&) and as start bounds, so whichever index a generic plan picks (GiST or the unit/start
        // btree) is searched narrowly: with the bounds alone, a plan made on a young table took the GiST index
        // for the equalities only and filtered every row of the staff member (auto_explain on a fresh node:
        // 3-8 ms a probe, 120-240 ms a group, bookings at 270-600/s).
        var probe = new NpgsqlBatchCommand($"""
            SELECT p.i FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
                AS p(tenant, unit, seat, grp, earliest, starts, ends, i)
            CROSS JOIN LATERAL (SELECT 1 FROM "Allocations" a
                WHERE tstzrange(a."StartsAt", a."EndsAt", '[)') && tstzrange(p.starts, p.ends, '[)') AND {Overlap} LIMIT 1) AS found
            """);
        AddProbe(probe, probes);
        Add(probe, Enumerable.Range(0, probes.Count).ToList());
        batch.BatchCommands.Add(probe);

        var entity = db.Model.FindEntityType(typeof(Customer))!;
        var properties = entity.GetProperties().Where(p => p.PropertyInfo is not null).ToList();
        var keys = drafts.Select(d => (d.Booking.TenantId, Email: d.EmailNormalized)).Distinct().ToList();
        // Raw SQL gets no query filter: the tenant is part of every key looked up. LATERAL for the same
        // reason as above: as a plain join, the generic plan became a hash join over every customer once the
        // table had grown (measured: bookings fell from 5,000 to 600 a second).
        var columns = string.Join(", ", properties.Select(p => "c.\"" + p.GetColumnName() + "\""));
        var clients = new NpgsqlBatchCommand($"""
            SELECT {columns}
            FROM unnest($1, $2) AS k(tenant, email)
            CROSS JOIN LATERAL (SELECT * FROM "Customers" x WHERE x."TenantId" = k.tenant AND x."EmailNormalized" = k.email LIMIT 1) AS c
            """);
        Add(clients, keys.ConvertAll(k => k.TenantId));
        Add(clients, keys.ConvertAll(k => k.Email));
        batch.BatchCommands.Add(clients);

        using var reader = batch.ExecuteReader();
        foreach (var tenant in tenants)
        {
            reader.Read();
            Allocator.Stamp(tenant.SelectMany(d => d.Allocations), reader.GetInt64(0));
            reader.NextResult();
        }
        while (reader.Read())
        {
            taken.Add(probes[reader.GetInt32(0)].Draft);
        }
        reader.NextResult();
        while (reader.Read())
        {
            var customer = Activator.CreateInstance<Customer>();
            for (var i = 0; i < properties.Count; i++)
            {
                properties[i].PropertyInfo!.SetValue(customer, reader.IsDBNull(i) ? null : reader.GetValue(i));
            }
            known[(customer.TenantId, customer.EmailNormalized)] = customer;
        }
        reader.Close();
        db.Customers.AttachRange(known.Values);
        return (taken, known);

    }

    /// <summary>One query per tenant finds the clients who booked before; the rest are created (once, if they booked twice).</summary>
    private static void UpsertCustomers(BookwellDb db, Guid tenantId, List<BookingDraft> drafts, List<Customer> created,
        Dictionary<(Guid, string), Customer>? read)
    {
        db.TenantId = tenantId;
        var emails = drafts.Select(d => d.EmailNormalized).Distinct().ToList();
        // One parameter for the whole list (JSON on SQLite, an array on PostgreSQL): the same SQL text for
        // any group size, so it is generated and prepared once instead of once per size.
        var known = read is not null
            ? read.Where(r => r.Key.Item1 == tenantId).ToDictionary(r => r.Key.Item2, r => r.Value)
            : db.Customers.Where(c => EF.Parameter(emails).Contains(c.EmailNormalized)).ToDictionary(c => c.EmailNormalized);
        // A duplicate merged into another client books there.
        var winners = known.Values.Where(c => c.MergedIntoId != null).Select(c => c.MergedIntoId!.Value).Distinct().ToList();
        if (winners.Count > 0)
        {
            var found = db.Customers.Where(c => winners.Contains(c.Id)).ToDictionary(c => c.Id);
            foreach (var (key, loser) in known.Where(kv => kv.Value.MergedIntoId is { } w && found.ContainsKey(w)).ToList())
            {
                known[key] = found[loser.MergedIntoId!.Value];
            }
        }
        foreach (var d in drafts)
        {
            var normalized = d.EmailNormalized;
            if (!known.TryGetValue(normalized, out var customer))
            {
                known[normalized] = customer = CustomerBook.New(tenantId, d.CustomerEmail, d.CustomerName, d.Now, d.NewCustomerId);
                created.Add(customer);
            }
            CustomerBook.UpdateStored(db, customer, d.CustomerName, d.StoredPhone, d.MarketingOptIn, d.Now);
            d.Booking.CustomerId = customer.Id;
        }
    }
}
