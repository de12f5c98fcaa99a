using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Series;

/// <summary>What a series reschedule came to.</summary>
public abstract record SeriesMoveResult
{
    /// <summary>Every chosen occurrence moved (in one transaction).</summary>
    public sealed record Done(IReadOnlyList<Booking> Moved) : SeriesMoveResult;

    /// <summary>Nothing moved: these occurrences cannot go to their new time.</summary>
    public sealed record Refused(IReadOnlyList<BlockedOccurrence> Blocked) : SeriesMoveResult;

    /// <summary>The occurrence asked about is not open (cancelled, completed, past).</summary>
    public sealed record BadTransition(BookingStatus From) : SeriesMoveResult;

    public sealed record NoSuchOccurrence : SeriesMoveResult;
}

/// <summary>An occurrence that cannot move: its index, where it is, where it would go, and why (<c>unavailable</c> or <c>not-open</c>).</summary>
public sealed record BlockedOccurrence(int Index, Instant From, Instant To, string Reason);

/// <summary>
/// Reschedules one occurrence of a series, or it and every open one after it, all or nothing. "This and following" moves
/// each occurrence by the same shift of the business's local wall-clock time (days, and the time of day), so an
/// occurrence at 09:00 goes to 10:30 before and after a DST change alike. Every occurrence is judged on its own at its
/// new time, through <see cref="BookingLifecycle.ApplyLockedAsync"/> (the lifecycle seam and <see cref="BookingMove"/>),
/// all in one transaction under the write lock with every occurrence of the series locked in one order (two moves of
/// one series queue; the second is judged on the first's result). Any occurrence that cannot move rolls everything
/// back and is named (one <see cref="BookingWrite"/> unit of work). After the commit the freed time goes to the waitlist, and the client gets one mail listing the
/// new dates (each occurrence keeps its own reminders).
/// </summary>
public sealed class SeriesMover(BookwellDb db, BookingLifecycle lifecycle, BookingMoney money, BookingWrite write, BookingMessages messages,
    IDataProtectionProvider protection, IClock clock)
{
    private const int Attempts = 4;

    /// <param name="series">The series.</param>
    /// <param name="anchor">The occurrence whose new start is given (by booking id).</param>
    /// <param name="start">Its new start.</param>
    /// <param name="following">Also every open occurrence after it, by the same local shift.</param>
    /// <param name="page">The page the series is moved on (its zone is the wall clock kept).</param>
    public Task<SeriesMoveResult> MoveAsync(Guid series, Guid anchor, Instant start, bool following, CompiledPage page, ServiceModel service,
        Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(actor);
        return write.RunAsync<SeriesMoveResult>(Attempts, new SeriesMoveResult.Refused([]), async attempt =>
        {
            // Every occurrence locked in id order: two moves of one series never wait for each other crosswise.
            var ids = await db.Bookings.AsNoTracking().Where(b => b.SeriesId == series).OrderBy(b => b.Id).Select(b => b.Id).ToListAsync(ct);
            var all = new List<Booking>(ids.Count);
            foreach (var id in ids)
            {
                if (await BookingLifecycle.LockAsync(db, id, ct) is { } locked)
                {
                    all.Add(locked);
                }
            }
            var now = clock.GetCurrentInstant();
            var from = all.FirstOrDefault(b => b.Id == anchor);
            if (from is null)
            {
                return attempt.Answer(new SeriesMoveResult.NoSuchOccurrence());
            }
            if (!from.Status.IsOpen() || from.StartsAt <= now)
            {
                return attempt.Answer(new SeriesMoveResult.BadTransition(from.Status));
            }
            var plan = Plan(all, from, start, following, page.Zone, now);
            var blocked = new List<BlockedOccurrence>();
            var moved = new List<Booking>();
            foreach (var (booking, to, before) in plan)
            {
                var change = new Change.Reschedule(page, service, to, InSeries: true);
                var result = await lifecycle.ApplyLockedAsync(booking, change, actor, attempt.Freed, ct);
                if (result is WriteResult.Done)
                {
                    await money.AfterChangeAsync(db, booking, actor, ct);
                    // Saved at once (still uncommitted), so the next occurrence is judged with this one at its new time.
                    await db.SaveChangesAsync(ct);
                    moved.Add(booking);
                }
                else
                {
                    blocked.Add(new BlockedOccurrence(booking.SeriesIndex ?? 0, before, to,
                        result is WriteResult.BadTransition ? "not-open" : "unavailable"));
                }
            }
            if (blocked.Count > 0)
            {
                return attempt.Answer(new SeriesMoveResult.Refused([.. blocked.OrderBy(b => b.Index)]));
            }
            moved.Sort((a, b) => a.StartsAt.CompareTo(b.StartsAt));
            if (actor.Mail is not null && messages.Mail && !from.WalkIn)
            {
                // One mail for the whole move, on the occurrence asked about, with its own manage link.
                var token = from.Id == anchor && actor.Token is not null ? actor.Token : ManageTokens.Unseal(protection, from.ManageTokenSealed);
                db.Outbox.Add(BookingMail.Compose(MessageKind.Rescheduled, from, page, token, actor.Mail with { Language = from.Language }, now,
                    moved.Select(b => b.StartsAt).ToList()));
                db.Outbox.AddRange(BookingMail.BusinessNotices("rescheduled", from, page, now));
            }
            return attempt.Commit(new SeriesMoveResult.Done(moved));
        }, ct);
    }

    /// <summary>
    /// Which occurrences move and where to, in an order where none lands on time another still holds: later ones first
    /// when moving later, earlier ones first when moving earlier. The asked occurrence goes to <paramref name="start"/>;
    /// every other one by the same local shift, resolved in the zone as the engine resolves a range's start (a time in a
    /// spring-forward gap moves to the first instant after it).
    /// </summary>
    public static List<(Booking Booking, Instant To, Instant From)> Plan(IReadOnlyList<Booking> all, Booking anchor, Instant start, bool following,
        DateTimeZone zone, Instant now)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(zone);
        var shift = Period.Between(anchor.StartsAt.InZone(zone).LocalDateTime, start.InZone(zone).LocalDateTime, PeriodUnits.Days | PeriodUnits.Minutes);
        var chosen = following
            ? all.Where(b => b.Id == anchor.Id || (b.Status.IsOpen() && b.StartsAt > anchor.StartsAt && b.StartsAt > now)).ToList()
            : [anchor];
        var plan = chosen.Select(b => (Booking: b,
            To: b.Id == anchor.Id ? start : zone.ResolveLocal(b.StartsAt.InZone(zone).LocalDateTime.Plus(shift), ZoneMapping.StartResolver).ToInstant(),
            From: b.StartsAt)).ToList();
        return start >= anchor.StartsAt ? [.. plan.OrderByDescending(p => p.From)] : [.. plan.OrderBy(p => p.From)];
    }
}
