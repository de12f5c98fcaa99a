using Bookwell.Data;
using Bookwell.Infrastructure;

namespace Bookwell.Tests.Infrastructure;

public sealed class IdsTests
{
    [Fact]
    public void AnId_IsVersion7_WithTheMillisecondsOfItsTime_AsTheRuntimeLaysThemOut()
    {
        var at = new DateTimeOffset(2026, 12, 6, 7, 15, 42, 123, TimeSpan.Zero);
        for (var i = 0; i < 1000; i++)
        {
            var id = Ids.New(at);
            Assert.Equal(7, id.Version);
            // RFC 9562's variant: the two high bits of byte 8 are 10 (Guid.Variant reads them as 8-11).
            Assert.InRange(id.Variant, 8, 11);
            // The runtime's own version 7 for the same instant has the same first 48 bits (its time).
            Assert.Equal(Guid.CreateVersion7(at).ToString()[..13], id.ToString()[..13]);
        }
    }

    [Fact]
    public void IdsOfLaterMilliseconds_SortAfter_AsTheDatabaseCompares()
    {
        var start = new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 500).Select(i => (Ms: i, Id: Ids.New(start.AddMilliseconds(i * 7)))).ToList();
        // PostgreSQL's uuid and SQLite's text both compare the canonical form byte by byte.
        var sorted = ids.OrderBy(x => x.Id.ToString(), StringComparer.Ordinal).Select(x => x.Ms).ToList();
        Assert.Equal(ids.Select(x => x.Ms), sorted);
    }

    [Fact]
    public void ManyIds_OnManyThreads_NeverRepeat_AndTheirRandomBitsAreNotConstant()
    {
        var at = DateTimeOffset.UtcNow;
        var perThread = 20_000;
        var lists = new Guid[4][];
        Parallel.For(0, 4, t => lists[t] = Enumerable.Range(0, perThread).Select(_ => Ids.New(at)).ToArray());
        var all = lists.SelectMany(l => l).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        // Every random nibble position takes many values over the ids (a pool handed out twice, or never refilled, would not).
        var text = all.ConvertAll(g => g.ToString("N"));
        foreach (var position in new[] { 13, 14, 17, 20, 31 })
        {
            Assert.True(text.Select(s => s[position]).Distinct().Count() >= 15, $"hex digit {position}");
        }
    }

    [Fact]
    public void SecureRandom_HandsOutFreshBytes_AcrossRefills_AndForLargeDraws()
    {
        // 16-byte draws, well past several 4 KiB pools: none repeats.
        var seen = new HashSet<string>();
        Span<byte> small = stackalloc byte[16];
        for (var i = 0; i < 2000; i++)
        {
            SecureRandom.Fill(small);
            Assert.True(seen.Add(Convert.ToHexString(small)));
        }
        // Odd sizes that do not divide the pool, and a draw larger than the pool hands out.
        foreach (var size in new[] { 1, 7, 33, 64, 65, 5000 })
        {
            var a = new byte[size];
            var b = new byte[size];
            SecureRandom.Fill(a);
            SecureRandom.Fill(b);
            if (size >= 7)
            {
                Assert.NotEqual(a, b);
                Assert.True(a.Distinct().Count() > Math.Min(size, 256) / 4, $"size {size}");
            }
        }
    }
}
