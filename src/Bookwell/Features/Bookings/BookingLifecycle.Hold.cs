using Bookwell.Data;
using Bookwell.Features.Configuration;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// A held booking made for someone who did not ask for it at this time (the waitlist's offer): the caller names the time and the
/// person, and says what its own records need (<see cref="Claim"/>, <see cref="Record"/>); the seam chooses who serves it, writes the
/// booking, its <c>created</c> history entry and its allocations, all in one transaction through <see cref="BookingWrite"/>.
/// </summary>
/// <param name="By">Who creates it, as its history records (<see cref="Change.AcceptOffer.OfferBy"/>).</param>
/// <param name="HoldUntil">How long the time is held, given where it landed (the branch is known only once assigned) and now; at or before
/// now: nothing is held.</param>
/// <param name="Describe">Fills the client's side of the booking (name, address, language, place), before it is written.</param>
/// <param name="Claim">The caller's own claim, in the same transaction before anything else is written (the waitlist entry: waiting →
/// offered), given the booking and its hold; false refuses the whole hold (<see cref="HoldResult.Refused"/>).</param>
/// <param name="Record">The caller's own rows once the time is held (the offer's mail, its webhook), in the same transaction.</param>
public sealed record HeldBooking(
    CompiledPage Page,
    ServiceModel Service,
    Instant Start,
    string? Branch,
    string? Staff,
    Scheduling.Travel.Trip? Trip,
    string By,
    Func<string?, Instant, Instant> HoldUntil,
    Action<Booking> Describe,
    Func<BookwellDb, Booking, CancellationToken, Task<bool>> Claim,
    Func<BookwellDb, Booking, CancellationToken, Task> Record);

/// <summary>What <see cref="BookingLifecycle.HoldAsync"/> did.</summary>
public abstract record HoldResult
{
    /// <summary>Written and committed: the booking holds its time until <see cref="Booking.HoldExpiresAt"/>.</summary>
    public sealed record Held(Booking Booking) : HoldResult;

    /// <summary>Nothing written: nobody can serve that time now, or the database refused it (someone took it first).</summary>
    public sealed record Taken : HoldResult;

    /// <summary>Nothing written: the caller's claim said no (the entry is no longer waiting).</summary>
    public sealed record Refused : HoldResult;
}

public sealed partial class BookingLifecycle
{
    /// <summary>
    /// Holds <paramref name="request"/>'s time as a <c>pending</c> booking with a hold, in one transaction of the seam's write loop
    /// (write gate, busy version first, then the caller's claim, then the booking's rows), so a hold has the same history entry,
    /// stamped allocations and lock order as any booking written one by one. One attempt: a refusal by the database means the time
    /// went to someone else, and the caller moves on to its next time.
    /// </summary>
    public Task<HoldResult> HoldAsync(HeldBooking request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return write.RunAsync<HoldResult>(1, new HoldResult.Taken(), async attempt =>
        {
            var now = clock.GetCurrentInstant();
            var (page, service, start) = (request.Page, request.Service, request.Start);
            var assignment = await Allocator.AssignAsync(db, page, service, start, request.Branch, request.Staff, null, false, now, ct, trip: request.Trip);
            if (assignment is null)
            {
                return attempt.Answer(new HoldResult.Taken());
            }
            var until = request.HoldUntil(assignment.Value.Branch, now);
            if (until <= now)
            {
                return attempt.Answer(new HoldResult.Taken());
            }
            var token = ManageTokens.Create();
            var chosen = assignment.Value.Assignment;
            var booking = new Booking
            {
                Id = Ids.New(),
                TenantId = db.TenantId,
                PageSlug = page.Slug,
                ServiceKey = service.Key,
                ServiceName = service.Doc.Name!,
                StaffKey = chosen.Staff,
                BranchKey = assignment.Value.Branch,
                ResourceKeys = Units.FormatSeats(chosen.Resources),
                StartsAt = start,
                EndsAt = start + service.Rules.Duration,
                BufferBeforeMinutes = (int)service.Rules.BufferBefore.TotalMinutes,
                BufferAfterMinutes = (int)service.Rules.BufferAfter.TotalMinutes,
                Status = BookingStatus.Pending,
                TimeZone = page.Zone.Id,
                CustomerName = "",
                CustomerEmail = "",
                GroupKey = service.Rules.Capacity > 1 ? Units.ClassGroup(page.Slug, service.Key, start) : null,
                TravelBeforeMinutes = (int)chosen.TravelBefore.TotalMinutes,
                TravelAfterMinutes = (int)chosen.TravelAfter.TotalMinutes,
                VehicleTravelBeforeMinutes = (int)chosen.VehicleTravelBefore.TotalMinutes,
                VehicleTravelAfterMinutes = (int)chosen.VehicleTravelAfter.TotalMinutes,
                ManageTokenHash = ManageTokens.Hash(token),
                ManageTokenSealed = ManageTokens.Seal(protection, token),
                HoldExpiresAt = until,
                CreatedAt = now,
                UpdatedAt = now,
            };
            request.Describe(booking);
            // The caller's claim before the booking's rows: on PostgreSQL it locks the caller's row (after the busy version, as
            // every writer orders its locks), so a second hold for the same entry waits here and then finds it claimed.
            if (!await request.Claim(db, booking, ct))
            {
                return attempt.Answer(new HoldResult.Refused());
            }
            booking.CustomerId = (await CustomerBook.UpsertAsync(db, booking.CustomerEmail, booking.CustomerName, booking.CustomerPhone, false, now,
                ContactRules.RegionOf(page.Zone), ct)).Id;
            booking.History.Add(Event(booking, BookingAction.Created, null, BookingStatus.Pending, request.By, now));
            db.Bookings.Add(booking);
            if (!await Allocator.AddAsync(db, booking, Allocator.Rows(booking, page, Units.UsesCalendar(service)), service.Rules.Capacity, ct, page.ConfigVersion))
            {
                return attempt.Answer(new HoldResult.Taken());
            }
            await request.Record(db, booking, ct);
            return attempt.Commit(new HoldResult.Held(booking));
        }, ct);
    }
}
