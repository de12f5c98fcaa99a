using System.Collections.Concurrent;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Which businesses' group statements look for taken time before they write (PostgreSQL, <see cref="BookingWrite"/>'s
/// one-statement group commit). A draft reaches the group writer only after the engine found its time free in the busy
/// index, so in a business without a race for the same time the look finds nothing, yet it was a second search of the
/// exclusion constraint's index per allocation, on the serial step of booking (docs/performance.md, "Issue 12,
/// thirty-fourth session"). Without it the exclusion constraint still judges: a draft whose time was taken fails its
/// group's statement, nothing of the group is written, and every draft of it tries again alone, as any group the database
/// refuses. After such a refusal the business's groups look first for <see cref="LookFor"/>, so a burst of clients racing
/// for the same times costs one failed statement, not one per group.
/// </summary>
public sealed class OverlapProbes(IClock clock)
{
    public static readonly Duration LookFor = Duration.FromMinutes(1);

    private readonly ConcurrentDictionary<Guid, Instant> _until = new();

    /// <summary>Whether the business's next group looks for taken time first (a refusal within <see cref="LookFor"/>).</summary>
    public bool Needed(Guid tenant)
    {
        if (!_until.TryGetValue(tenant, out var until))
        {
            return false;
        }
        if (clock.GetCurrentInstant() < until)
        {
            return true;
        }
        _until.TryRemove(KeyValuePair.Create(tenant, until));
        return false;
    }

    /// <summary>The database refused a group of the business for taken time.</summary>
    public void Refused(Guid tenant) => _until[tenant] = clock.GetCurrentInstant() + LookFor;
}
