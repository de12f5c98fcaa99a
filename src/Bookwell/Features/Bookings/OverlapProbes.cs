using System.Collections.Concurrent;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Which businesses' group statements look for taken time before they write (PostgreSQL, <see cref="BookingWrite"/>'s
/// one-statement group commit). The look is a second search of the exclusion constraint's index per allocation, on the
/// serial step of booking (docs/performance.md, "Issue 12, thirty-fourth session"), and it finds nothing unless a client
/// asks for time already taken: a race for the same time, or a booking that names its staff member and has nothing else to
/// choose, which skips the busy index (<see cref="BookingCreator"/>'s rules-only drafts) and may come from an old page or a
/// double submit. Without the look the exclusion constraint still judges: such a draft fails its group's statement, which
/// writes nothing, and the writer runs the statement again at once with the look, which leaves that draft out. From then on
/// the business's groups look first, until <see cref="LookFor"/> passes without taken time; so a business where clients
/// keep meeting taken time pays one failed statement, not one per group.
/// </summary>
public sealed class OverlapProbes(IClock clock)
{
    public static readonly Duration LookFor = Duration.FromMinutes(1);

    private readonly ConcurrentDictionary<Guid, Instant> _until = new();

    /// <summary>Whether the business's next group looks for taken time first (taken time met within <see cref="LookFor"/>).</summary>
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

    /// <summary>A group of the business met taken time: the database refused it, or its look found some.</summary>
    public void Clashed(Guid tenant) => _until[tenant] = clock.GetCurrentInstant() + LookFor;
}
