using Bookwell.Features.Availability;
using Entry = Bookwell.Features.Availability.BusyIndex.Entry;

namespace Bookwell.Tests.Availability;

/// <summary>
/// A unit's busy entries kept in chunks (<see cref="BusyRuns"/>), against a plain list that is sorted again after every change:
/// after random removals and additions the two hold the same entries in start order, and every window gives the same spans.
/// Chunks of four make a few dozen entries cross many chunk edges, splits and emptied chunks.
/// </summary>
public sealed class BusyRunsTests
{
    private const int Chunk = 4;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomChanges_KeepTheSameEntriesAndAnswersAsASortedList(int seed)
    {
        var random = new Random(seed);
        var nextId = 1L;
        // Starts on a coarse grid, so that equal starts happen (a class and its seats, two staff members' bookings).
        Entry Make()
        {
            var start = random.Next(0, 60) * 10L;
            return new(nextId++, start, start + random.Next(1, 40), random.Next(0, 8) == 0 ? random.Next(0, 700) : long.MaxValue);
        }
        var reference = Enumerable.Range(0, random.Next(1, 30)).Select(_ => Make()).OrderBy(e => e.Start).ToList();
        var runs = BusyRuns.FromSorted([.. reference], Chunk);
        var windowsChecked = 0;
        for (var step = 0; step < 300; step++)
        {
            var gone = new HashSet<long>();
            foreach (var e in reference)
            {
                if (random.Next(0, 10) == 0)
                {
                    gone.Add(e.Id);
                }
            }
            // Ids the unit never held (a row of another unit's, or written and let go between two refreshes) change nothing.
            if (random.Next(0, 2) == 0)
            {
                gone.Add(nextId + 1000);
            }
            // Sometimes a changed row comes back as it is now: let go and added again under the same id, cut short or moved.
            var back = reference.Where(e => gone.Contains(e.Id) && random.Next(0, 3) == 0)
                .Select(e => random.Next(0, 2) == 0 ? e with { End = e.End + 5 } : e with { Start = e.Start + 300, End = e.End + 300 }).ToList();
            var added = Enumerable.Range(0, random.Next(0, step % 50 == 0 ? 40 : 6)).Select(_ => Make()).Concat(back).OrderBy(e => e.Start).ToList();

            reference = [.. reference.Where(e => !gone.Contains(e.Id)).Concat(added).OrderBy(e => e.Start)];
            runs = runs is null ? BusyRuns.FromSorted([.. added], Chunk) : runs.With(gone, added, Chunk);

            if (reference.Count == 0)
            {
                Assert.Null(runs);
                reference = [Make()];
                runs = BusyRuns.FromSorted([.. reference], Chunk);
                continue;
            }
            Assert.NotNull(runs);
            var all = runs.All().ToList();
            Assert.Equal(reference.Count, runs.Count);
            Assert.Equal(reference.OrderBy(e => e.Id), all.OrderBy(e => e.Id));
            Assert.Equal(reference.Select(e => e.Start), all.Select(e => e.Start));
            Assert.All(runs.Chunks, c => Assert.InRange(c.Length, 1, 2 * Chunk));

            for (var w = 0; w < 5; w++)
            {
                var earliest = random.Next(-20, 620);
                var to = earliest + random.Next(0, 200);
                var from = earliest + random.Next(-30, 30);
                var now = random.Next(0, 700);
                var expected = reference.Where(e => e.Start >= earliest && e.Start < to && e.End > from && e.Hold > now)
                    .Select(e => (e.Start, e.End)).OrderBy(s => s).ToList();
                var got = runs.Collect(earliest, to, from, now);
                if (expected.Count == 0)
                {
                    Assert.Null(got);
                    continue;
                }
                Assert.NotNull(got);
                Assert.Equal(expected, got.Select(s => (s.Start, s.End)).OrderBy(s => s));
                windowsChecked++;
            }
        }
        // Most windows found something to compare, so the comparison above is not mostly of empty answers.
        Assert.True(windowsChecked > 750, $"only {windowsChecked} of 1,500 windows held busy time");
    }

    [Fact]
    public void OneBookingAdded_CopiesOnlyTheChunkItLandsIn()
    {
        var entries = Enumerable.Range(0, 10 * BusyRuns.ChunkSize).Select(i => new Entry(i + 1, i * 100L, i * 100L + 50, long.MaxValue)).ToArray();
        var before = BusyRuns.FromSorted(entries)!;
        // Between the 3,000th and the 3,001st entry: the sixth chunk.
        var after = before.With(new HashSet<long> { -1 }, [new Entry(1_000_000, 2999 * 100L + 10, 2999 * 100L + 20, long.MaxValue)])!;

        Assert.Equal(before.Chunks.Count, after.Chunks.Count);
        var copied = Enumerable.Range(0, before.Chunks.Count).Where(c => !ReferenceEquals(before.Chunks[c], after.Chunks[c])).ToList();
        Assert.Equal([3000 / BusyRuns.ChunkSize], copied);
        Assert.Equal(entries.Length + 1, after.Count);
        // The one copied is small enough to stay off the large-object heap.
        Assert.True(after.Chunks.Max(c => c.Length) * 32 < 85_000);
    }

    [Fact]
    public void ALetGoBooking_CopiesOnlyTheChunkThatHeldIt()
    {
        var entries = Enumerable.Range(0, 4 * BusyRuns.ChunkSize).Select(i => new Entry(i + 1, i * 100L, i * 100L + 50, long.MaxValue)).ToArray();
        var before = BusyRuns.FromSorted(entries)!;
        var after = before.With(new HashSet<long> { 2 * BusyRuns.ChunkSize + 7 }, [])!;

        var copied = Enumerable.Range(0, before.Chunks.Count).Where(c => !ReferenceEquals(before.Chunks[c], after.Chunks[c])).ToList();
        Assert.Equal([2], copied);
        Assert.DoesNotContain(after.All(), e => e.Id == 2 * BusyRuns.ChunkSize + 7);
        Assert.Equal(entries.Length - 1, after.Count);
    }

    [Fact]
    public void ChunksLeftSmallByCancellations_JoinTheOneBefore()
    {
        var size = BusyRuns.ChunkSize;
        var entries = Enumerable.Range(0, 4 * size).Select(i => new Entry(i + 1, i * 100L, i * 100L + 50, long.MaxValue)).ToArray();
        var before = BusyRuns.FromSorted(entries)!;
        // All but the first entry of the second and third chunks let go.
        var gone = entries.Where((_, i) => i / size is 1 or 2 && i % size != 0).Select(e => e.Id).ToHashSet();
        var after = before.With(gone, [])!;

        // The second (one entry) cannot join the full first; the third joins the second.
        Assert.Equal([size, 2, size], after.Chunks.Select(c => c.Length));
        Assert.Equal(entries.Where(e => !gone.Contains(e.Id)), after.All());
    }
}
