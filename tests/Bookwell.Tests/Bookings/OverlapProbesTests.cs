using Bookwell.Features.Bookings;
using NodaTime;
using NodaTime.Testing;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// When a business's group statement looks for taken time first: for a minute after one of its groups met taken time (the
/// database refused it, or its look found some), and not otherwise (the writing itself: GroupCommitTests). A fake clock, so the minute is exact.
/// </summary>
public sealed class OverlapProbesTests
{
    [Fact]
    public void ABusinessLooksFirst_UntilAMinutePassesWithoutTakenTime_OthersDoNot()
    {
        var clock = new FakeClock(Instant.FromUtc(2027, 3, 2, 9, 0));
        var probes = new OverlapProbes(clock);
        var refused = Guid.NewGuid();
        var other = Guid.NewGuid();
        Assert.False(probes.Needed(refused));
        probes.Clashed(refused);
        Assert.True(probes.Needed(refused));
        Assert.False(probes.Needed(other));
        clock.Advance(OverlapProbes.LookFor - Duration.FromSeconds(1));
        Assert.True(probes.Needed(refused));
        // Taken time met again within the minute (a refusal, or the look finding some) starts the minute again.
        probes.Clashed(refused);
        clock.Advance(Duration.FromSeconds(2));
        Assert.True(probes.Needed(refused));
        clock.Advance(OverlapProbes.LookFor);
        Assert.False(probes.Needed(refused));
        Assert.False(probes.Needed(refused));
    }
}
