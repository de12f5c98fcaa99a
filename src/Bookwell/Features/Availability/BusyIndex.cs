using System.Collections.Concurrent;
using System.Collections.Frozen;
using Bookwell.Data;
using Bookwell.Scheduling.Intervals;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;

namespace Bookwell.Features.Availability;

/// <summary>
/// Every business's live allocations in memory, per unit and seat, in start order: what availability reads
/// instead of the database. Before each use it reads the business's busy version (one primary-key row,
/// <see cref="BusyVersions"/>); when another request or another node wrote since, it reads only the rows
/// stamped after the version it holds. So a booking answered 201 by any node is in the very next answer of
/// every node, and a month of availability costs one tiny read instead of thousands of rows.
/// It decides only what to offer: the database still refuses overlapping writes.
/// Holds are kept with their expiry and filtered by the clock when read. Businesses unused for an hour are
/// dropped and loaded again on demand; rows ending more than two days before the load are not kept, and a
/// question about older time is read from the database.
/// </summary>
public sealed class BusyIndex : IDisposable
{
    /// <summary>How far before its load a business's index reaches.</summary>
    public static readonly Duration Reach = Duration.FromDays(2);

    /// <summary>An index older than this is loaded afresh (its reach would fall behind the clock).</summary>
    public static readonly Duration MaxAge = Duration.FromDays(1);

    /// <summary>A business nobody asked about for this long is dropped (and loaded again when someone does).</summary>
    public static readonly Duration Idle = Duration.FromHours(1);

    /// <summary>Cached availability answers per business and version.</summary>
    public const int MaxAnswers = 128;

    private readonly ConcurrentDictionary<Guid, Business> _businesses = new();
    private readonly Timer _sweeper;
    private BusyVersionReader? _reader;

    /// <summary>
    /// Idleness is measured on the app's clock (the same one the answers use), so it can be tested with a fake one; the timer
    /// only decides how often to look.
    /// </summary>
    public BusyIndex(IClock clock) =>
        _sweeper = new Timer(_ => DropIdle(clock.GetCurrentInstant()), null, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));

    /// <summary>Businesses held in memory now (for the figures and the tests).</summary>
    public int Count => _businesses.Count;

    /// <summary>
    /// The current busy time of the caller's business, or null when the database must answer: inside a
    /// transaction (its own uncommitted writes must count, and must never reach the shared index) or for
    /// time before the index's reach.
    /// </summary>
    public async Task<Snapshot?> GetAsync(BookwellDb db, Instant from, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction is not null || from < now - Reach)
        {
            return null;
        }
        var business = _businesses.GetOrAdd(db.TenantId, _ => new Business());
        business.LastUsed = now.ToUnixTimeTicks();
        var version = await ReadVersionAsync(db, ct);
        var current = business.Current;
        if (current is not null && current.Version >= version && current.Fresh(now))
        {
            return current;
        }
        // One reader per business catches up; the others wait for it and use what it read.
        await business.Gate.WaitAsync(ct);
        try
        {
            current = business.Current;
            if (current is null || !current.Fresh(now))
            {
                current = await Snapshot.LoadAsync(db, version, now - Reach, now, ct);
            }
            else if (current.Version < version)
            {
                current = await current.WithChangesAsync(db, version, ct);
            }
            business.Current = current;
            return current;
        }
        finally
        {
            business.Gate.Release();
        }
    }

    private async Task<long> ReadVersionAsync(BookwellDb db, CancellationToken ct)
    {
        var reader = _reader;
        if (reader is null)
        {
            lock (_sweeper)
            {
                reader = _reader ??= BusyVersionReader.For(db);
            }
        }
        if (reader.ConnectionString == db.Database.GetConnectionString())
        {
            try
            {
                return await reader.ReadAsync(db.TenantId, ct);
            }
            catch (System.Data.Common.DbException)
            {
                // The kept connection failed (a restarted database server); this request reads the ordinary way.
            }
        }
        return await BusyVersions.ReadAsync(db, ct);
    }

    /// <summary>Forgets every business (tests: a restarted node).</summary>
    public void Clear() => _businesses.Clear();

    /// <summary>Drops the businesses last asked about more than <see cref="Idle"/> before <paramref name="now"/>.</summary>
    public void DropIdle(Instant now)
    {
        var cutoff = (now - Idle).ToUnixTimeTicks();
        foreach (var (tenant, business) in _businesses)
        {
            if (business.LastUsed < cutoff)
            {
                _businesses.TryRemove(tenant, out _);
            }
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        _reader?.Dispose();
    }

    private sealed class Business
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public volatile Snapshot? Current;
        public long LastUsed;
    }

    /// <summary>One allocation as the index keeps it: ticks since the epoch; no hold is <see cref="long.MaxValue"/>.</summary>
    public readonly record struct Entry(long Id, long Start, long End, long Hold);

    /// <summary>An immutable view of one business at one version; a change builds the next one.</summary>
    public sealed class Snapshot
    {
        private readonly FrozenDictionary<string, BusyRuns> _units;

        private Snapshot(long version, Instant floor, Instant loadedAt, FrozenDictionary<string, BusyRuns> units)
        {
            Version = version;
            Floor = floor;
            LoadedAt = loadedAt;
            _units = units;
        }

        public long Version { get; }

        /// <summary>Rows ending at or before this were not loaded.</summary>
        public Instant Floor { get; }

        public Instant LoadedAt { get; }

        private readonly ConcurrentDictionary<string, SlotAnswer> _answers = new(StringComparer.Ordinal);

        /// <summary>Answers computed from this version; a write makes a new snapshot, so they never outlive their data.</summary>
        internal bool TryAnswer(string key, out SlotAnswer answer) => _answers.TryGetValue(key, out answer!);

        /// <summary>The questions answered from this version so far (tests).</summary>
        internal ICollection<string> AnswerKeys => _answers.Keys;

        /// <summary>
        /// Keeps at most <see cref="MaxAnswers"/> answers per version: enough for every page, service and month
        /// people look at. Full, it starts over: keys carry the clock's 10-second bucket, so a business nobody
        /// books for a while fills its cache with past buckets in minutes, and a cache that then refused new
        /// answers would compute every question until the next booking.
        /// </summary>
        internal void Remember(string key, SlotAnswer answer)
        {
            if (_answers.Count >= MaxAnswers)
            {
                _answers.Clear();
            }
            _answers.TryAdd(key, answer);
        }

        private readonly ConcurrentDictionary<string, Task<IReadOnlyDictionary<string, List<Scheduling.Travel.Stop>>>> _stops = new(StringComparer.Ordinal);

        /// <summary>
        /// The read of mobile stops under <paramref name="key"/> at this version (<see cref="AvailabilityLoader"/>): the one already
        /// under way or done, else <paramref name="read"/>, which the caller then completes. One read per key, however many
        /// requests ask at once (a new ten-second bucket used to start one read per request in flight). Never changed once done.
        /// </summary>
        internal Task<IReadOnlyDictionary<string, List<Scheduling.Travel.Stop>>> ShareStops(string key, Task<IReadOnlyDictionary<string, List<Scheduling.Travel.Stop>>> read)
        {
            if (_stops.TryGetValue(key, out var shared))
            {
                return shared;
            }
            // At most MaxAnswers keys per version, starting over when full (as answers do).
            if (_stops.Count >= MaxAnswers)
            {
                _stops.Clear();
            }
            return _stops.GetOrAdd(key, read);
        }

        /// <summary>Drops a read that failed, so the next request reads again.</summary>
        internal void ForgetStops(string key, Task<IReadOnlyDictionary<string, List<Scheduling.Travel.Stop>>> read) =>
            _stops.TryRemove(new KeyValuePair<string, Task<IReadOnlyDictionary<string, List<Scheduling.Travel.Stop>>>>(key, read));

        private readonly ConcurrentDictionary<string, Task> _shared = new(StringComparer.Ordinal);

        /// <summary>
        /// Work derived from this version under <paramref name="key"/> (a mobile question prepared for every address,
        /// <see cref="AvailabilityLoader"/>): the one already under way or done, else <paramref name="work"/>, which the caller
        /// then completes. At most <see cref="MaxAnswers"/> keys per version, starting over when full (as answers do).
        /// </summary>
        internal Task<T> Share<T>(string key, Task<T> work)
        {
            if (_shared.TryGetValue(key, out var shared))
            {
                return (Task<T>)shared;
            }
            if (_shared.Count >= MaxAnswers)
            {
                _shared.Clear();
            }
            return (Task<T>)_shared.GetOrAdd(key, work);
        }

        /// <summary>Drops shared work that failed, so the next request does it again.</summary>
        internal void Forget(string key, Task work) => _shared.TryRemove(new KeyValuePair<string, Task>(key, work));

        internal bool Fresh(Instant now) => now - LoadedAt < MaxAge && now >= LoadedAt;

        /// <summary>
        /// Busy spans per unit ("key" or "key#seat"), the same rows the database read gives: live, not an
        /// expired hold, overlapping [from, to), starting no earlier than <paramref name="earliest"/>; with
        /// <paramref name="units"/>, only theirs.
        /// </summary>
        public Dictionary<string, List<Span>> Busy(string[]? units, Instant earliest, Instant to, Instant from, Instant now)
        {
            var result = new Dictionary<string, List<Span>>(StringComparer.Ordinal);
            var (e, t, f, n) = (earliest.ToUnixTimeTicks(), to.ToUnixTimeTicks(), from.ToUnixTimeTicks(), now.ToUnixTimeTicks());
            if (units is null)
            {
                foreach (var (key, entries) in _units)
                {
                    Collect(result, key, entries, e, t, f, n);
                }
                return result;
            }
            foreach (var (key, entries) in _units)
            {
                // Seats are kept as "unit#seat"; the filter names units.
                var hash = key.IndexOf('#', StringComparison.Ordinal);
                var unit = hash < 0 ? key : key[..hash];
                if (Array.IndexOf(units, unit) >= 0)
                {
                    Collect(result, key, entries, e, t, f, n);
                }
            }
            return result;
        }

        private static void Collect(Dictionary<string, List<Span>> result, string key, BusyRuns entries, long earliest, long to, long from, long now)
        {
            if (entries.Collect(earliest, to, from, now) is { } list)
            {
                result[key] = list;
            }
        }

        internal static async Task<Snapshot> LoadAsync(BookwellDb db, long version, Instant floor, Instant now, CancellationToken ct)
        {
            var units = new Dictionary<string, List<Entry>>(StringComparer.Ordinal);
            // An allocation lasts at most MaxAllocation, so the start bound keeps the read on the index.
            await ReadAsync(db, """ "Live" AND "StartsAt" > @a AND "EndsAt" > @b """, floor - AvailabilityLoader.MaxAllocation, floor, null,
                (row, _) => Add(units, row), ct);
            return new Snapshot(version, floor, now, Freeze(units));
        }

        internal async Task<Snapshot> WithChangesAsync(BookwellDb db, long version, CancellationToken ct)
        {
            var changed = new Dictionary<string, List<(Entry Entry, bool Live)>>(StringComparer.Ordinal);
            var floor = Floor.ToUnixTimeTicks();
            await ReadAsync(db, """ "Stamp" > @stamp """, null, null, Version, (row, live) =>
            {
                if (!changed.TryGetValue(row.Key, out var list))
                {
                    changed[row.Key] = list = [];
                }
                list.Add((row.Entry, live && row.Entry.End > floor));
            }, ct);
            if (changed.Count == 0)
            {
                return new Snapshot(version, Floor, LoadedAt, _units);
            }
            var units = new Dictionary<string, BusyRuns>(_units, StringComparer.Ordinal);
            foreach (var (key, rows) in changed)
            {
                // Each changed row leaves the unit and the live ones (few, sorted) come back in, as they are now; only the
                // chunks they touch are copied (BusyRuns).
                var gone = new HashSet<long>(rows.Count);
                foreach (var r in rows)
                {
                    gone.Add(r.Entry.Id);
                }
                var added = rows.Where(r => r.Live).Select(r => r.Entry).DistinctBy(x => x.Id).ToList();
                added.Sort(static (a, b) => a.Start.CompareTo(b.Start));
                var next = units.TryGetValue(key, out var stored) ? stored.With(gone, added) : BusyRuns.FromSorted([.. added]);
                if (next is null)
                {
                    units.Remove(key);
                }
                else
                {
                    units[key] = next;
                }
            }
            return new Snapshot(Math.Max(version, Version), Floor, LoadedAt, units.ToFrozenDictionary(StringComparer.Ordinal));
        }

        private static void Add(Dictionary<string, List<Entry>> units, (string Key, Entry Entry) row)
        {
            if (!units.TryGetValue(row.Key, out var list))
            {
                units[row.Key] = list = [];
            }
            list.Add(row.Entry);
        }

        private static FrozenDictionary<string, BusyRuns> Freeze(Dictionary<string, List<Entry>> units) =>
            units.ToFrozenDictionary(u => u.Key, u =>
            {
                u.Value.Sort(static (a, b) => a.Start.CompareTo(b.Start));
                return BusyRuns.FromSorted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(u.Value))!;
            }, StringComparer.Ordinal);

        /// <summary>
        /// Reads allocation rows of the caller's business. Without EF (as <see cref="AvailabilityLoader"/>): the
        /// model's own type mappings turn ids and instants into what each provider stores.
        /// </summary>
        private static async Task ReadAsync(BookwellDb db, string where, Instant? a, Instant? b, long? stamp, Action<(string Key, Entry Entry), bool> row,
            CancellationToken ct)
        {
            var allocation = db.Model.FindEntityType(typeof(Allocation))!;
            var instant = (RelationalTypeMapping)allocation.FindProperty(nameof(Allocation.StartsAt))!.GetRelationalTypeMapping();
            var tenant = (RelationalTypeMapping)allocation.FindProperty(nameof(Allocation.TenantId))!.GetRelationalTypeMapping();
            var number = (RelationalTypeMapping)allocation.FindProperty(nameof(Allocation.Stamp))!.GetRelationalTypeMapping();
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await using var command = connection.CreateCommand();
                command.Parameters.Add(tenant.CreateParameter(command, "@tenant", db.TenantId));
                if (a is not null && b is not null)
                {
                    command.Parameters.Add(instant.CreateParameter(command, "@a", a.Value));
                    command.Parameters.Add(instant.CreateParameter(command, "@b", b.Value));
                }
                if (stamp is not null)
                {
                    command.Parameters.Add(number.CreateParameter(command, "@stamp", stamp.Value));
                }
                command.CommandText = $"""
                    SELECT "Id", "UnitKey", "Seat", "StartsAt", "EndsAt", "HoldExpiresAt", "Live"
                    FROM "Allocations" WHERE "TenantId" = @tenant AND {where}
                    """;
                await using var reader = await command.ExecuteReaderAsync(ct);
                var pg = db.IsPostgres;
                while (await reader.ReadAsync(ct))
                {
                    var unit = reader.GetString(1);
                    var seat = reader.GetInt32(2);
                    var start = pg ? reader.GetFieldValue<Instant>(3).ToUnixTimeTicks() : reader.GetInt64(3);
                    var end = pg ? reader.GetFieldValue<Instant>(4).ToUnixTimeTicks() : reader.GetInt64(4);
                    var hold = reader.IsDBNull(5) ? long.MaxValue : pg ? reader.GetFieldValue<Instant>(5).ToUnixTimeTicks() : reader.GetInt64(5);
                    row((seat == 0 ? unit : $"{unit}#{seat}", new Entry(reader.GetInt64(0), start, end, hold)), reader.GetBoolean(6));
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }
}
