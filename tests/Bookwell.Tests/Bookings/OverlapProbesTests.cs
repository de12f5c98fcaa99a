using Bookwell.Features.Bookings;
using NodaTime;
using NodaTime.Testing;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// When a business's group statement looks for taken time first: for a minute after the database refused one of its groups
/// for taken time, and not otherwise (the writing itself: GroupCommitTests). A fake clock, so the minute is exact.
/// </summary>
public sealed class OverlapProbesTests
{
    [Fact]
    public void ABusinessLooksFirst_ForAMinuteAfterARefusal_OthersDoNot()
    {
        var clock = new FakeClock(Instant.FromUtc(2027, 3, 2, 9, 0));
        var probes = new OverlapProbes(clock);
        var refused = Guid.NewGuid();
        var other = Guid.NewGuid();
        Assert.False(probes.Needed(refused));
        probes.Refused(refused);
        Assert.True(probes.Needed(refused));
        Assert.False(probes.Needed(other));
        clock.Advance(OverlapProbes.LookFor - Duration.FromSeconds(1));
        Assert.True(probes.Needed(refused));
        // A second refusal within the minute starts the minute again.
        probes.Refused(refused);
        clock.Advance(Duration.FromSeconds(2));
        Assert.True(probes.Needed(refused));
        clock.Advance(OverlapProbes.LookFor);
        Assert.False(probes.Needed(refused));
        Assert.False(probes.Needed(refused));
    }
}
