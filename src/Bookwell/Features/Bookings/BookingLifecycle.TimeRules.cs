using Bookwell.Data;
using Bookwell.Features.Availability;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The changes the clock makes: a hold that ran out expires, a confirmed booking nobody checked in for becomes a no-show.
/// The same changes as any other (run through <see cref="ApplyCoreAsync"/> one by one, or in a batch by
/// <see cref="ApplyTimeRulesAsync"/>), and their unused time is let go.
/// </summary>
public sealed partial class BookingLifecycle
{
    private async Task<WriteResult> ExpireCoreAsync(Booking booking, Instant now, List<TimeFreed> freed, CancellationToken ct, bool checkoutEnded = false)
    {
        if (booking.Status is not (BookingStatus.Pending or BookingStatus.PendingPayment) ||
            (checkoutEnded ? booking.Status != BookingStatus.PendingPayment : booking.HoldExpiresAt is null || booking.HoldExpiresAt > now))
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.Cancelled);
        }
        booking.History.Add(Event(booking, BookingAction.Expired, booking.Status, BookingStatus.Cancelled, "system", now));
        booking.Status = BookingStatus.Cancelled;
        booking.UpdatedAt = now;
        await BookingMessages.WithdrawRemindersAsync(db, booking.Id, ct);
        if (await FreeAsync(booking, ct))
        {
            freed.Add(Freed(booking, booking.StartsAt, booking.EndsAt, "expired"));
        }
        return new WriteResult.Done(booking, null);
    }

    private async Task<WriteResult> AutoNoShowCoreAsync(Booking booking, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.Status != BookingStatus.Confirmed || booking.AutoNoShowAt is null || booking.AutoNoShowAt > now || booking.CheckedInAt is not null)
        {
            return new WriteResult.BadTransition(booking.Status, BookingStatus.NoShow);
        }
        booking.History.Add(Event(booking, BookingAction.Status, booking.Status, BookingStatus.NoShow, "system", now));
        booking.Status = BookingStatus.NoShow;
        booking.UpdatedAt = now;
        await BookingMessages.WithdrawRemindersAsync(db, booking.Id, ct);
        await money.NoShowAsync(db, booking, now, ct);
        await FreeRemainderAsync(booking, now, freed, ct);
        return new WriteResult.Done(booking, null);
    }

    /// <summary>
    /// A no-show leaves the rest of its time unused: it is let go (for the waitlist and anyone else) from now on.
    /// Class members keep their seat on record; the class itself goes on.
    /// </summary>
    private async Task FreeRemainderAsync(Booking booking, Instant now, List<TimeFreed> freed, CancellationToken ct)
    {
        if (booking.GroupKey is not null || now >= booking.EndsAt + Duration.FromMinutes(booking.BufferAfterMinutes))
        {
            return;
        }
        if (await Allocator.TrimAsync(db, booking, now, ct) && now < booking.EndsAt)
        {
            freed.Add(Freed(booking, now > booking.StartsAt ? now : booking.StartsAt, booking.EndsAt, "no_show"));
        }
    }

    /// <summary>
    /// Expiries and automatic no-shows that are due, each through the same change as any other, inside the
    /// caller's transaction (the time-rules worker's, or a booking's that needs expired holds out of the way).
    /// </summary>
    /// <returns>How many bookings changed.</returns>
    public async Task<int> ApplyTimeRulesAsync(Instant now, bool allTenants, List<TimeFreed> freed, List<Guid>? noShows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freed);
        // The worker serves every tenant; requests stay inside their own.
        var bookings = allTenants ? db.Bookings.IgnoreQueryFilters() : db.Bookings;
        var due = await bookings
            .Where(b => b.HoldExpiresAt != null && b.HoldExpiresAt <= now && (b.Status == BookingStatus.Pending || b.Status == BookingStatus.PendingPayment))
            .OrderBy(b => b.HoldExpiresAt).Select(b => new { b.Id, b.TenantId, NoShow = false })
            .Take(TimeRules.BatchSize).ToListAsync(ct);
        due.AddRange(await bookings
            .Where(b => b.AutoNoShowAt != null && b.AutoNoShowAt <= now && b.Status == BookingStatus.Confirmed)
            .OrderBy(b => b.AutoNoShowAt).Select(b => new { b.Id, b.TenantId, NoShow = true })
            .Take(TimeRules.BatchSize).ToListAsync(ct));
        // Busy versions are locked business by business in one order on every node (see BusyVersions).
        due = [.. due.OrderBy(b => b.TenantId)];
        Guid? locked = null;
        var changed = 0;
        var tenant = db.TenantId;
        try
        {
            foreach (var b in due)
            {
                db.TenantId = b.TenantId;
                if (locked != b.TenantId)
                {
                    await BusyVersions.BumpAsync(db, b.TenantId, ct);
                    locked = b.TenantId;
                }
                var booking = await LockAsync(db, b.Id, ct);
                if (booking is null)
                {
                    continue;
                }
                var before = booking.Status;
                var result = b.NoShow ? await AutoNoShowCoreAsync(booking, now, freed, ct) : await ExpireCoreAsync(booking, now, freed, ct);
                if (result is WriteResult.Done)
                {
                    await AnnounceAsync(booking, before, moved: false, now, ct);
                    changed++;
                    if (b.NoShow)
                    {
                        noShows?.Add(b.Id);
                    }
                }
            }
        }
        finally
        {
            db.TenantId = tenant;
        }
        return changed;
    }
}
