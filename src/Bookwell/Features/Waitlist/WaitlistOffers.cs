using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// Offers freed time to the waitlist. An offer is a held booking: status <c>pending</c>, created by
/// <see cref="Change.AcceptOffer.OfferBy"/>, with a hold until the page's <c>waitlistHoldMinutes</c>. Its
/// allocations go through <see cref="Allocator"/> like any booking's, so the database keeps the time for this
/// entry only and /slots no longer lists it; when the hold runs out the time rules expire it like any hold,
/// which frees the time again and brings it back here for the next in line.
/// The entry is claimed (waiting → offered) in the same transaction as the hold, so an entry never holds two
/// offers and a hold never exists without its entry.
/// </summary>
public sealed class WaitlistOfferer(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IEnumerable<IEmailSender> senders,
    BookingLifecycle lifecycle, TenantLinks links, CatalogCache catalogs, IConfiguration config)
{
    /// <summary>How many waiting entries one freed time is tried against; the rest wait for the next.</summary>
    private const int MaxEntriesPerFreedTime = 100;

    private readonly bool _mail = senders.Any();

    /// <summary>
    /// A hold of this tenant's was let go (<paramref name="bookingId"/>): the entry it was offered to no longer has it. When it ran
    /// out unaccepted and the page (or the booking's <paramref name="branch"/>) says so, the client is told in the same transaction.
    /// </summary>
    public async Task CloseOfferAsync(Guid bookingId, string reason, CancellationToken ct, string? branch = null)
    {
        // A shortened booking keeps its start and the rest of its time: an offer held by it is still open.
        if (reason == "shortened")
        {
            return;
        }
        var status = reason == "expired" ? WaitlistStatus.Expired : WaitlistStatus.Withdrawn;
        var catalog = status == WaitlistStatus.Expired && _mail ? await catalogs.GetAsync(db, ct) : null;
        var baseUrl = catalog is null ? null : await BaseUrlAsync(ct);
        var now = clock.GetCurrentInstant();
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ChangeTracker.Clear();
        var entry = catalog is null ? null
            : await db.WaitlistEntries.AsNoTracking().FirstOrDefaultAsync(w => w.OfferBookingId == bookingId && w.Status == WaitlistStatus.Offered, ct);
        // Conditional on still being offered: of an expiry and an accept (or two deliveries of one expiry), one closes it.
        var closed = await db.WaitlistEntries.Where(w => w.OfferBookingId == bookingId && w.Status == WaitlistStatus.Offered)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, status).SetProperty(w => w.UpdatedAt, now), ct);
        if (closed > 0 && entry is { OfferStart: { } start, OfferExpiresAt: { } until } && baseUrl is not null &&
            catalog!.Pages.TryGetValue(entry.PageSlug, out var page) && page.SettingsFor(branch ?? entry.BranchKey).WaitlistExpiredMail == true)
        {
            db.Outbox.Add(WaitlistMail.Expired(entry, page, start, until, baseUrl, now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            outbox.Notify();
            return;
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Offers time freed on a page (at <paramref name="branch"/>, when the booking had one) to the waiting entries of those
    /// days, in join order; returns how many got an offer. The waitlist's switch and mode are the branch's (issue 15).
    /// </summary>
    public async Task<int> OfferFreedAsync(string pageSlug, string? branch, Instant start, Instant end, CancellationToken ct)
    {
        var catalog = await catalogs.GetAsync(db, ct);
        // Manual mode: staff choose whom to offer the time to (/admin/waitlist); nothing is offered by itself.
        if (!catalog.Pages.TryGetValue(pageSlug, out var page) || !BranchSettings.WaitlistOn(page, branch) ||
            page.SettingsFor(branch).WaitlistMode == "manual" || end <= start)
        {
            return 0;
        }
        // Freed time at a branch is offered at that branch (whose switch let it through), not at another one.
        branch = page.Branches.Any(b => b.Key == branch) ? branch : null;
        var dates = new List<string>();
        for (var d = start.InZone(page.Zone).Date; d <= (end - Duration.Epsilon).InZone(page.Zone).Date && dates.Count < 4; d = d.PlusDays(1))
        {
            dates.Add(TimeFormats.FormatDate(d));
        }
        var entries = await db.WaitlistEntries.AsNoTracking()
            .Where(w => w.PageSlug == page.Slug && w.Status == WaitlistStatus.Waiting && dates.Contains(w.Date) &&
                        (w.BranchKey == null || w.BranchKey == branch))
            .OrderBy(w => w.Id).Take(MaxEntriesPerFreedTime).ToListAsync(ct);
        var offered = 0;
        foreach (var entry in entries)
        {
            // Each offer holds its time before the next entry looks, so a longer freed span can serve several.
            if (await OfferAsync(entry, page, (start, end), ct, branch))
            {
                offered++;
            }
        }
        return offered;
    }

    /// <summary>
    /// Holds the first bookable time that fits the entry (inside <paramref name="within"/> when given) and mails the
    /// offer. False when nothing fits or the entry is no longer waiting.
    /// </summary>
    public async Task<bool> OfferAsync(WaitlistEntry entry, CompiledPage page, (Instant Start, Instant End)? within, CancellationToken ct,
        string? branch = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(page);
        // Waitlist entries are the public's: a service reserved for an exclusive organization is never offered in public hours.
        if (WaitlistService.PublicService(page, entry.ServiceKey) is not { } service || !TimeFormats.TryParseDate(entry.Date, out var date))
        {
            return false;
        }
        // An entry that waits at a branch (issue 15) is offered time there only: freed time elsewhere is not for it.
        if (entry.BranchKey is not null)
        {
            if ((branch is not null && branch != entry.BranchKey) || page.Branches.All(b => b.Key != entry.BranchKey))
            {
                return false;
            }
            branch = entry.BranchKey;
        }
        // A mobile entry: only inside the service area as it is set now (radius and postcode list, against the postcode kept
        // from joining), and only at times that leave the travel the engine asks for.
        var place = Place(entry);
        if (place is { } at && Mobile.MobileServices.OutsideArea(page, at, entry.Postcode) is not null)
        {
            return false;
        }
        var trip = Mobile.MobileServices.TripTo(page, place);
        var now = clock.GetCurrentInstant();
        var slots = await AvailabilityLoader.FindSlotsAsync(db, page, service, branch, entry.StaffKey, page.Zone, date, date, now, ct, trip);
        foreach (var slot in slots)
        {
            if (!Fits(entry, page.Zone, date, slot.Start, slot.End) || (within is { } w && !(slot.Start < w.End && w.Start < slot.End)))
            {
                continue;
            }
            switch (await HoldAsync(entry, page, service, slot.Start, branch, trip, ct))
            {
                case Hold.Held:
                    return true;
                case Hold.EntryGone:
                    return false;
            }
        }
        return false;
    }

    /// <summary>Whether a time lies inside the entry's wished window on its day.</summary>
    public static bool Fits(WaitlistEntry entry, DateTimeZone zone, LocalDate date, Instant start, Instant end)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(zone);
        var from = start.InZone(zone);
        var to = end.InZone(zone);
        if (from.Date != date)
        {
            return false;
        }
        var fromMinute = (from.Hour * 60) + from.Minute;
        var toMinute = to.Date > date ? 24 * 60 : (to.Hour * 60) + to.Minute;
        return fromMinute >= (entry.FromMinute ?? 0) && toMinute <= (entry.ToMinute ?? 24 * 60);
    }

    private enum Hold
    {
        Held,
        Taken,
        EntryGone,
    }

    /// <summary>Where a mobile entry wants the service; null for an entry at the business (or one located nowhere).</summary>
    public static Scheduling.Travel.GeoPoint? Place(WaitlistEntry entry) =>
        entry?.Latitude is { } lat && entry.Longitude is { } lon ? new Scheduling.Travel.GeoPoint(lat, lon) : null;

    /// <summary>
    /// The offer's held booking, through the lifecycle seam (<see cref="BookingLifecycle.HoldAsync"/>): the seam writes the booking,
    /// its history and its allocations; the waitlist claims its entry and records the offer (mail, webhook) in that transaction.
    /// </summary>
    private async Task<Hold> HoldAsync(WaitlistEntry entry, CompiledPage page, ServiceModel service, Instant start, string? branch,
        Scheduling.Travel.Trip? trip, CancellationToken ct)
    {
        var baseUrl = await BaseUrlAsync(ct);
        var region = SmsOptions.DefaultRegion(config);
        var request = new HeldBooking(page, service, start, branch, entry.StaffKey, trip, Change.AcceptOffer.OfferBy,
            // Held as long as the branch it landed at says (issue 15); an offer that outlives its own start would hold nothing anybody can use.
            HoldUntil: (landed, now) =>
            {
                var hold = now + Duration.FromMinutes(page.SettingsFor(landed).WaitlistHoldMinutes ?? page.Doc.Settings!.WaitlistHoldMinutes ?? 120);
                return hold < start ? hold : start;
            },
            Describe: booking =>
            {
                booking.TimeZone = entry.TimeZone;
                booking.CustomerName = entry.CustomerName;
                booking.CustomerEmail = entry.CustomerEmail;
                booking.CustomerPhone = entry.CustomerPhone;
                booking.PhoneE164 = Phone.ToE164(entry.CustomerPhone, region);
                booking.Language = entry.Language;
                // Accepting books the held booking as it is: at the entry's address, with the travel held around it.
                booking.LocationJson = entry.LocationJson;
                booking.Latitude = entry.Latitude;
                booking.Longitude = entry.Longitude;
            },
            // Conditional on still waiting: on PostgreSQL the update locks the entry's row, so a second offer for it waits and then finds it offered.
            Claim: async (db, booking, token) => await db.WaitlistEntries.Where(w => w.Id == entry.Id && w.Status == WaitlistStatus.Waiting)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, WaitlistStatus.Offered).SetProperty(w => w.OfferBookingId, booking.Id)
                    .SetProperty(w => w.OfferStart, start).SetProperty(w => w.OfferExpiresAt, booking.HoldExpiresAt).SetProperty(w => w.UpdatedAt, booking.CreatedAt), token) > 0,
            Record: async (db, booking, token) =>
            {
                var until = booking.HoldExpiresAt!.Value;
                if (_mail)
                {
                    db.Outbox.Add(WaitlistMail.Offer(entry, page, service, start, until, baseUrl, booking.CreatedAt));
                }
                // Contract 4.7: the held booking, with the entry it was offered to, in the offer's own transaction.
                await Webhooks.WebhookQueue.QueueAsync(db, Webhooks.WebhookEvents.WaitlistOffered, booking, booking.CreatedAt, token, "waitlist", new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = entry.Key.ToString(),
                    ["date"] = entry.Date,
                    ["offerExpiresAt"] = TimeFormats.Format(until, TimeFormats.Zone(entry.TimeZone) ?? DateTimeZone.Utc),
                });
            });
        return await lifecycle.HoldAsync(request, ct) switch
        {
            HoldResult.Held => Hold.Held,
            HoldResult.Refused => Hold.EntryGone,
            _ => Hold.Taken,
        };
    }

    /// <summary>The tenant's own address, as every link of its mails (never a request's Host).</summary>
    public async Task<string> BaseUrlAsync(CancellationToken ct)
    {
        var host = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.Host).FirstOrDefaultAsync(ct);
        return links.BaseUrl(new TenantContext { TenantId = db.TenantId, Host = host });
    }
}

/// <summary>The waitlist's ear on the booking lifecycle: every committed change that freed time comes here.</summary>
public sealed class WaitlistListener(IServiceScopeFactory scopes) : ITimeFreedListener
{
    public async Task OnTimeFreedAsync(TimeFreed freed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freed);
        // Its own scope: the caller's context may be mid-way through other tenants' work (the time-rules worker).
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        db.TenantId = freed.TenantId;
        var offers = scope.ServiceProvider.GetRequiredService<WaitlistOfferer>();
        await offers.CloseOfferAsync(freed.BookingId, freed.Reason, ct, freed.BranchKey);
        await offers.OfferFreedAsync(freed.PageSlug, freed.BranchKey, freed.Start, freed.End, ct);
    }
}
