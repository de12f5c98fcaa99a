using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using NodaTime;

namespace Bookwell.Features.Series;

/// <summary>
/// Books a recurring series, all or nothing (the job <see cref="BookingCreator"/> does for one booking): each occurrence
/// drafted by <see cref="BookingDrafts"/>, all written in one <see cref="BookingWrite"/> unit of work.
/// </summary>
public sealed class SeriesCreator(BookwellDb db, IClock clock, BookingWrite write, BookingLifecycle lifecycle, BookingDrafts drafts, BookingExtras extras,
    BookingMessages messages)
{
    private const int Attempts = 4;

    /// <summary>A series at the client's address located once before its occurrences are chosen (see <see cref="BookingExtras.LocateAsync"/>).</summary>
    public Task<(ValidBooking? Booking, Infrastructure.Errors? Errors)> LocateAsync(ValidBooking v, string language, CancellationToken ct) =>
        extras.LocateAsync(v, language, ct);

    /// <summary>
    /// A recurring series: every chosen occurrence in one transaction, all or none. Each occurrence is assigned by the
    /// engine on its own (a read), then written with its own allocations; the database refuses any that overlaps a live
    /// allocation, the whole series rolls back, and the loop chooses again a few times before reporting which
    /// occurrences are taken. One confirmation lists every date (on the first occurrence); each occurrence keeps its
    /// own reminders and manage link. Services paid online, invoiced, with file answers or group classes are refused
    /// by validation before this is called (<see cref="SeriesValidation"/>).
    /// </summary>
    public async Task<SeriesWriteResult> CreateSeriesAsync(ValidBooking v, IReadOnlyList<(int Index, Instant Start)> occurrences, string by,
        MailContext? mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(occurrences);
        // A series at the client's address: located once, and every occurrence holds its own travel like a single booking.
        var (located, locateErrors) = await extras.LocateAsync(v, mail?.Language ?? "en", ct);
        if (located is null)
        {
            return new SeriesWriteResult.Invalid(locateErrors!);
        }
        v = located;
        var trip = Mobile.MobileServices.TripTo(v.Page, v.Place);
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetCurrentInstant();
            var seriesId = Ids.New();
            var chosen = new List<(BookingDraft Draft, string Token)>(occurrences.Count);
            var taken = new List<int>();
            foreach (var (index, start) in occurrences.OrderBy(o => o.Start))
            {
                var assignment = await Allocator.AssignAsync(db, v.Page, v.Service, start, v.Branch, v.Staff, v.Resources, false, now, ct, trip: trip,
                    clientEmail: v.CustomerEmail);
                if (assignment is null)
                {
                    taken.Add(index);
                    continue;
                }
                var token = ManageTokens.Create();
                var draft = drafts.Draft(v, by, null, token, start, assignment.Value.Branch, assignment.Value.Assignment, now, startNow: false);
                draft.Booking.SeriesId = seriesId;
                draft.Booking.SeriesIndex = index;
                draft.Booking.Language = mail?.Language ?? "en";
                chosen.Add((draft, token));
            }
            if (taken.Count > 0)
            {
                return new SeriesWriteResult.Taken(taken);
            }
            var written = await write.TryAsync<SeriesWriteResult>(attempt, Attempts, new SeriesWriteResult.Taken([]), async current =>
            {
                if (current.Number > 1)
                {
                    await lifecycle.ApplyTimeRulesAsync(now, allTenants: false, current.Freed, null, ct);
                }
                if (trip is not null && !await drafts.TravelStillFitsAsync(v, chosen, trip, now, ct))
                {
                    // A neighbour written since the engine chose leaves too little travel time: as a refusal, so the loop chooses again.
                    return current.Retry(new SeriesWriteResult.Taken([]));
                }
                var customer = (await CustomerBook.ForBookingAsync(db, v, now, ct)).Id;
                var starts = chosen.Select(d => d.Draft.Booking.StartsAt).ToList();
                for (var i = 0; i < chosen.Count; i++)
                {
                    var (draft, token) = chosen[i];
                    var booking = draft.Booking;
                    booking.CustomerId = customer;
                    db.Bookings.Add(booking);
                    if (!await Allocator.AddAsync(db, booking, draft.Allocations, v.Service.Rules.Capacity, ct, v.Page.ConfigVersion))
                    {
                        throw new InvalidOperationException("Series are never group classes.");
                    }
                    db.Outbox.AddRange(SeriesMessages(booking, v.Page, token, mail, i == 0 ? starts : null, now));
                    await Webhooks.WebhookQueue.QueueAsync(db, Webhooks.WebhookEvents.BookingCreated, booking, now, ct);
                }
                return current.Commit(new SeriesWriteResult.Done(seriesId, chosen.Select(d => (d.Draft.Booking, d.Token)).ToList()));
            }, ct, fresh: false);
            if (written is not null)
            {
                return written;
            }
        }
    }

    /// <summary>One confirmation for the whole series (on its first occurrence, listing every date), reminders per occurrence.</summary>
    private IEnumerable<OutboxMessage> SeriesMessages(Booking booking, CompiledPage page, string token, MailContext? mail, IReadOnlyList<Instant>? dates, Instant now)
    {
        if (booking.WalkIn)
        {
            yield break;
        }
        if (messages.Mail)
        {
            if (mail is not null)
            {
                if (dates is not null)
                {
                    yield return BookingMail.Compose(MessageKind.Confirmation, booking, page, token, mail, now, dates);
                }
                foreach (var m in BookingMail.Reminders(booking, page, token, mail, now))
                {
                    yield return m;
                }
            }
            if (dates is not null)
            {
                foreach (var m in BookingMail.BusinessNotices("new", booking, page, now))
                {
                    yield return m;
                }
            }
        }
        if (mail is not null)
        {
            foreach (var m in messages.SmsReminders(booking, page, token, mail, now))
            {
                yield return m;
            }
        }
    }
}
