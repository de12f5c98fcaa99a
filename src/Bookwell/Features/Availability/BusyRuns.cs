using Bookwell.Scheduling.Intervals;
using Entry = Bookwell.Features.Availability.BusyIndex.Entry;

namespace Bookwell.Features.Availability;

/// <summary>
/// One unit's entries of the busy index in start order, held in chunks of a few hundred. A change copies only the chunks
/// it touches. One array per unit made every refresh copy the whole unit: in a business with a month of bookings that
/// is about 100 KB per staff member, on the large-object heap, for each refresh, and under booking load each 409 and each
/// <c>/slots</c> question after a booking refreshes (docs/performance.md, thirty-fifth session). Immutable, like the
/// snapshot that holds it.
/// </summary>
public sealed class BusyRuns
{
    /// <summary>Entries per chunk when built: 512 × 32 bytes, well below the large-object heap's 85,000 bytes.</summary>
    public const int ChunkSize = 512;

    private readonly Entry[][] _chunks;

    /// <summary>Each chunk's first start, for finding where a time begins.</summary>
    private readonly long[] _firsts;

    /// <summary>Each chunk's lowest and highest id: a changed row's id outside them is not in that chunk, so it is not read.</summary>
    private readonly long[] _minIds;

    private readonly long[] _maxIds;

    /// <summary>Entries before each chunk: sizes a range's list once.</summary>
    private readonly int[] _before;

    /// <summary>A chunk with its lowest and highest id, worked out once when it is made: shared chunks keep theirs.</summary>
    private readonly record struct Chunk(Entry[] Entries, long MinId, long MaxId)
    {
        public static Chunk Of(Entry[] entries)
        {
            var (min, max) = (long.MaxValue, long.MinValue);
            foreach (ref readonly var x in entries.AsSpan())
            {
                (min, max) = (Math.Min(min, x.Id), Math.Max(max, x.Id));
            }
            return new Chunk(entries, min, max);
        }
    }

    private BusyRuns(List<Chunk> chunks)
    {
        _chunks = new Entry[chunks.Count][];
        _firsts = new long[chunks.Count];
        _minIds = new long[chunks.Count];
        _maxIds = new long[chunks.Count];
        _before = new int[chunks.Count];
        for (var c = 0; c < chunks.Count; c++)
        {
            var chunk = chunks[c];
            _chunks[c] = chunk.Entries;
            _firsts[c] = chunk.Entries[0].Start;
            _before[c] = Count;
            (_minIds[c], _maxIds[c]) = (chunk.MinId, chunk.MaxId);
            Count += chunk.Entries.Length;
        }
    }

    public int Count { get; }

    /// <summary>The chunks as stored (tests: none is empty or larger than twice the chunk size).</summary>
    internal IReadOnlyList<Entry[]> Chunks => _chunks;

    /// <summary>Entries already in start order; null when there are none.</summary>
    public static BusyRuns? FromSorted(ReadOnlySpan<Entry> sorted, int chunkSize = ChunkSize)
    {
        if (sorted.IsEmpty)
        {
            return null;
        }
        var chunks = new List<Chunk>(sorted.Length / chunkSize + 1);
        Split(sorted, chunkSize, chunks);
        return new BusyRuns(chunks);
    }

    /// <summary>
    /// These entries without those whose id is in <paramref name="gone"/>, and with <paramref name="added"/> (in start order)
    /// merged in; null when nothing is left. Chunks that neither lose nor gain an entry are shared with this one.
    /// </summary>
    public BusyRuns? With(IReadOnlySet<long> gone, IReadOnlyList<Entry> added, int chunkSize = ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(gone);
        ArgumentNullException.ThrowIfNull(added);
        var (minGone, maxGone) = (long.MaxValue, long.MinValue);
        foreach (var id in gone)
        {
            (minGone, maxGone) = (Math.Min(minGone, id), Math.Max(maxGone, id));
        }
        var result = new List<Chunk>(_chunks.Length + 1);
        var next = 0;
        for (var c = 0; c < _chunks.Length; c++)
        {
            var chunk = _chunks[c];
            // The added entries that go here: those starting before the next chunk's first start (all, for the last chunk).
            var take = next;
            while (take < added.Count && (c == _chunks.Length - 1 || added[take].Start < _firsts[c + 1]))
            {
                take++;
            }
            var loses = gone.Count > 0 && minGone <= _maxIds[c] && maxGone >= _minIds[c] && Contains(chunk, gone);
            if (!loses && take == next)
            {
                result.Add(new Chunk(chunk, _minIds[c], _maxIds[c]));
                continue;
            }
            var merged = new Entry[chunk.Length + take - next];
            var n = 0;
            foreach (ref readonly var x in chunk.AsSpan())
            {
                if (loses && gone.Contains(x.Id))
                {
                    continue;
                }
                while (next < take && added[next].Start < x.Start)
                {
                    merged[n++] = added[next++];
                }
                merged[n++] = x;
            }
            while (next < take)
            {
                merged[n++] = added[next++];
            }
            if (n > 2 * chunkSize)
            {
                Split(merged.AsSpan(0, n), chunkSize, result);
            }
            else if (n > 0 && result.Count > 0 && result[^1].Entries.Length + n <= chunkSize && Math.Min(result[^1].Entries.Length, n) <= chunkSize / 2)
            {
                // A chunk left small by cancellations joins the one before it, so churn does not leave many tiny chunks.
                result[^1] = Chunk.Of([.. result[^1].Entries, .. merged.AsSpan(0, n)]);
            }
            else if (n > 0)
            {
                result.Add(Chunk.Of(n == merged.Length ? merged : merged[..n]));
            }
        }
        return result.Count == 0 ? null : new BusyRuns(result);
    }

    /// <summary>
    /// Busy spans as <see cref="BusyIndex.Snapshot.Busy"/> gives them: starting at or after <paramref name="earliest"/> and before
    /// <paramref name="to"/>, ending after <paramref name="from"/>, not an expired hold at <paramref name="now"/>. Null when none.
    /// </summary>
    public List<Span>? Collect(long earliest, long to, long from, long now)
    {
        var (c, i) = FirstAtOrAfter(earliest);
        var (lastChunk, lastIndex) = FirstAtOrAfter(to);
        var count = _before[lastChunk] + lastIndex - (_before[c] + i);
        if (count <= 0)
        {
            return null;
        }
        var list = new List<Span>(count);
        for (; count > 0; c++, i = 0)
        {
            var chunk = _chunks[c];
            for (; i < chunk.Length && count > 0; i++, count--)
            {
                ref readonly var x = ref chunk[i];
                if (x.End > from && x.Hold > now)
                {
                    list.Add(new Span(x.Start, x.End));
                }
            }
        }
        return list.Count > 0 ? list : null;
    }

    /// <summary>Every entry in start order (tests).</summary>
    internal IEnumerable<Entry> All() => _chunks.SelectMany(c => c);

    /// <summary>The position of the first entry starting at or after <paramref name="start"/> (chunk, index in it).</summary>
    private (int Chunk, int Index) FirstAtOrAfter(long start)
    {
        // The last chunk whose first start is before the time: entries at or after it begin there or in the next chunk.
        var (lo, hi) = (0, _firsts.Length);
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_firsts[mid] < start)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var c = Math.Max(lo - 1, 0);
        var chunk = _chunks[c];
        var (a, b) = (0, chunk.Length);
        while (a < b)
        {
            var mid = (a + b) >>> 1;
            if (chunk[mid].Start < start)
            {
                a = mid + 1;
            }
            else
            {
                b = mid;
            }
        }
        return (c, a);
    }

    private static bool Contains(Entry[] chunk, IReadOnlySet<long> gone)
    {
        foreach (ref readonly var x in chunk.AsSpan())
        {
            if (gone.Contains(x.Id))
            {
                return true;
            }
        }
        return false;
    }

    private static void Split(ReadOnlySpan<Entry> sorted, int chunkSize, List<Chunk> into)
    {
        for (var at = 0; at < sorted.Length; at += chunkSize)
        {
            into.Add(Chunk.Of(sorted.Slice(at, Math.Min(chunkSize, sorted.Length - at)).ToArray()));
        }
    }
}
