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
    public required string CustomerEmail { get; init; }
    public required string CustomerName { get; init; }
    public string? CustomerPhone { get; init; }
    /// <summary>The country of the page's time zone, for storing the client's phone in E.164 (<see cref="CustomerBook.Update"/>).</summary>
    public string? PhoneRegion { get; init; }
    public bool MarketingOptIn { get; init; }
    public Instant Now { get; init; }

    /// <summary>True once committed; false when the caller must try again on its own (lost a race, or the group failed).</summary>
    internal TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The seam's group commit (issue 11): new bookings that arrive together, written in one transaction owned here like every
/// other booking write, with the same lock order (the write gate, then each business's busy version, first) and the same
/// effects as <see cref="BookingCreator"/>'s one-by-one path: the drafts' history entries, allocations stamped with the busy
/// version (<see cref="Allocator.Stamp"/>; the busy index reads them by it) and outbox rows, all in that transaction, the
/// outbox woken after the commit. <see cref="BookingBatcher"/> only queues the drafts and runs this on its writer thread.
/// Synchronous on purpose (see <see cref="BookingBatcher"/>): every booking waits for this writer, so it must not rejoin the
/// thread pool's queue after each round trip.
/// </summary>
public sealed partial class BookingWrite
{
    /// <summary>
    /// Writes a group of new bookings in one transaction and answers each draft (<see cref="BookingDraft.Done"/>): true once
    /// committed, false when it must go the one-by-one way (it overlaps an earlier draft of the group or a stored allocation,
    /// or the group failed). Synchronous, for <see cref="BookingBatcher"/>'s dedicated writer thread.
    /// </summary>
    public void CommitGroup(List<BookingDraft> batch, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(log);
        var (accepted, deferred) = WithoutOverlaps(batch);
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
            SELECT p.i FROM unnest(@tenant, @unit, @seat, @grp, @earliest, @starts, @ends, @i)
                AS p(tenant, unit, seat, grp, earliest, starts, ends, i)
            CROSS JOIN LATERAL (SELECT 1 FROM "Allocations" a
                WHERE tstzrange(a."StartsAt", a."EndsAt", '[)') && tstzrange(p.starts, p.ends, '[)') AND {Overlap} LIMIT 1) AS found
            """);
        Add(probe, "tenant", probes.ConvertAll(p => p.Allocation.TenantId));
        Add(probe, "unit", probes.ConvertAll(p => p.Allocation.UnitKey));
        Add(probe, "seat", probes.ConvertAll(p => p.Allocation.Seat));
        Add(probe, "grp", probes.ConvertAll(p => p.Allocation.GroupKey));
        Add(probe, "earliest", probes.ConvertAll(p => p.Allocation.StartsAt - p.Draft.Lookback));
        Add(probe, "starts", probes.ConvertAll(p => p.Allocation.StartsAt));
        Add(probe, "ends", probes.ConvertAll(p => p.Allocation.EndsAt));
        Add(probe, "i", Enumerable.Range(0, probes.Count).ToList());
        batch.BatchCommands.Add(probe);

        var entity = db.Model.FindEntityType(typeof(Customer))!;
        var properties = entity.GetProperties().Where(p => p.PropertyInfo is not null).ToList();
        var keys = drafts.Select(d => (d.Booking.TenantId, Email: d.CustomerEmail.ToUpperInvariant())).Distinct().ToList();
        // Raw SQL gets no query filter: the tenant is part of every key looked up. LATERAL for the same
        // reason as above: as a plain join, the generic plan became a hash join over every customer once the
        // table had grown (measured: bookings fell from 5,000 to 600 a second).
        var columns = string.Join(", ", properties.Select(p => "c.\"" + p.GetColumnName() + "\""));
        var clients = new NpgsqlBatchCommand($"""
            SELECT {columns}
            FROM unnest(@ct, @ce) AS k(tenant, email)
            CROSS JOIN LATERAL (SELECT * FROM "Customers" x WHERE x."TenantId" = k.tenant AND x."EmailNormalized" = k.email LIMIT 1) AS c
            """);
        Add(clients, "ct", keys.ConvertAll(k => k.TenantId));
        Add(clients, "ce", keys.ConvertAll(k => k.Email));
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

        static void Add<T>(NpgsqlBatchCommand command, string name, List<T> values) => command.Parameters.Add(new NpgsqlParameter<T[]>(name, [.. values]));
    }

    /// <summary>One query per tenant finds the clients who booked before; the rest are created (once, if they booked twice).</summary>
    private static void UpsertCustomers(BookwellDb db, Guid tenantId, List<BookingDraft> drafts, List<Customer> created,
        Dictionary<(Guid, string), Customer>? read)
    {
        db.TenantId = tenantId;
        var emails = drafts.Select(d => d.CustomerEmail.ToUpperInvariant()).Distinct().ToList();
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
            var normalized = d.CustomerEmail.ToUpperInvariant();
            if (!known.TryGetValue(normalized, out var customer))
            {
                known[normalized] = customer = CustomerBook.New(tenantId, d.CustomerEmail, d.CustomerName, d.Now);
                created.Add(customer);
            }
            CustomerBook.Update(db, customer, d.CustomerName, d.CustomerPhone, d.MarketingOptIn, d.Now, d.PhoneRegion);
            d.Booking.CustomerId = customer.Id;
        }
    }
}
