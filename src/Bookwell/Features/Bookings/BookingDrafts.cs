using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.DataProtection;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// A new booking built in memory before anything is written (<see cref="BookingDraft"/>: the booking, its allocations and
/// its messages), and a mobile booking's travel judged again inside the writer's transaction. Shared by the one-by-one
/// and group writers (<see cref="BookingCreator"/>) and the series writer (<see cref="Series.SeriesCreator"/>).
/// </summary>
public sealed class BookingDrafts(BookwellDb db, BookingMessages messages, IConfiguration config, IDataProtectionProvider protection, BookingExtras extras)
{
    private readonly string _region = SmsOptions.DefaultRegion(config);

    /// <summary>The booking, its time allocations and its messages, built in memory; the customer is linked when written.</summary>
    public BookingDraft Draft(ValidBooking v, string by, MailContext? mail, string token, Instant start, string? branch,
        Scheduling.Slots.Assignment assignment, Instant now, bool startNow, IReadOnlyList<Webhooks.WebhookTarget>? hooks = null,
        (IReadOnlyList<ServiceModel> Services, IReadOnlyList<Scheduling.Slots.Assignment> Parts)? visit = null)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(assignment);
        // Double opt-in and automatic no-show as the booking's branch sets them (issue 15), else the page's.
        var settings = v.Page.SettingsFor(branch);
        // A visit is paid as one (Visits.Billing): online when any of its parts is.
        var money = visit is { } billed ? Visits.Billing([.. billed.Services.Select(s => s.Doc)]) : v.Service.Doc;
        var online = money.Payment is "now" or "deposit" || extras.SavesCardOnly(money);
        var optIn = by == "customer" && settings.DoubleOptInHours is not null && settings.RequiresApproval != true && !online;
        var status = (settings.RequiresApproval == true && by == "customer") || optIn ? BookingStatus.Pending
            : online && by == "customer" ? BookingStatus.PendingPayment
            : startNow && v.WalkIn && by != "customer" && start == now ? BookingStatus.InProgress
            : BookingStatus.Confirmed;
        Instant? holdUntil = status switch
        {
            BookingStatus.PendingPayment => now + Duration.FromMinutes(settings.PaymentHoldMinutes ?? 30),
            BookingStatus.Pending => now + Duration.FromHours(optIn ? settings.DoubleOptInHours!.Value : 24),
            _ => null,
        };
        var booking = new Booking
        {
            Id = Ids.New(),
            TenantId = db.TenantId,
            PageSlug = v.Page.Slug,
            ServiceKey = v.Service.Key,
            ServiceName = v.Service.Doc.Name!,
            StaffKey = assignment.Staff,
            BranchKey = branch,
            ResourceKeys = Units.FormatSeats(assignment.Resources),
            StartsAt = start,
            EndsAt = start + v.Service.Rules.Duration,
            BufferBeforeMinutes = (int)v.Service.Rules.BufferBefore.TotalMinutes,
            BufferAfterMinutes = (int)v.Service.Rules.BufferAfter.TotalMinutes,
            Status = status,
            TimeZone = v.TimeZone.Id,
            CustomerName = v.CustomerName,
            CustomerEmail = v.CustomerEmail,
            CustomerPhone = v.CustomerPhone,
            // Read in the page's country (as the form's check and the client book read it), else the SMS default.
            PhoneE164 = Phone.ToE164(v.CustomerPhone, ContactRules.RegionOf(v.Page.Zone) ?? _region),
            AnswersJson = v.AnswersJson,
            Notes = v.Notes,
            MarketingOptIn = v.MarketingOptIn,
            TermsAccepted = v.TermsAccepted,
            TermsHash = v.TermsAccepted ? v.TermsHash : null,
            TermsAcceptedAt = v.TermsAccepted ? now : null,
            LocationJson = v.LocationJson,
            Latitude = v.Place?.Latitude,
            Longitude = v.Place?.Longitude,
            TravelBeforeMinutes = (int)assignment.TravelBefore.TotalMinutes,
            TravelAfterMinutes = (int)assignment.TravelAfter.TotalMinutes,
            VehicleTravelBeforeMinutes = (int)assignment.VehicleTravelBefore.TotalMinutes,
            VehicleTravelAfterMinutes = (int)assignment.VehicleTravelAfter.TotalMinutes,
            Language = mail?.Language ?? "en",
            WalkIn = v.WalkIn,
            GroupKey = v.Service.Rules.Capacity > 1 ? Units.ClassGroup(v.Page.Slug, v.Service.Key, start) : null,
            ManageTokenHash = ManageTokens.Hash(token),
            ManageTokenSealed = ManageTokens.Seal(protection, token),
            HoldExpiresAt = holdUntil,
            AwaitingClientConfirmation = optIn,
            OrganizationKey = v.OrganizationKey,
            OrganizationMemberId = v.OrganizationMemberId,
            MemberNumber = v.MemberNumber,
            AutoNoShowAt = settings.AutoNoShowMinutes is { } late ? start + Duration.FromMinutes(late) : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (visit is { } vp)
        {
            // Its parts, and from them its service name, end, units and buffers; each part writes its own allocations.
            Visits.Apply(booking, vp.Services, start, branch, vp.Parts);
        }
        booking.History.Add(BookingLifecycle.Event(booking, BookingAction.Created, null, status, by, now));
        return new BookingDraft
        {
            Booking = booking,
            Allocations = Allocator.Rows(booking, v.Page, Units.UsesCalendar(v.Service)),
            // booking.created goes out with the booking's own write (the group writer inserts these messages with it).
            Messages = hooks is { Count: > 0 } ? [.. messages.ForNew(booking, v.Page, token, mail, optIn, now), .. Webhooks.WebhookQueue.Messages(hooks,
                Webhooks.WebhookEvents.BookingCreated, booking, now)] : messages.ForNew(booking, v.Page, token, mail, optIn, now),
            Lookback = v.Page.Lookback,
            CustomerEmail = v.CustomerEmail,
            CustomerName = v.CustomerName,
            CustomerPhone = v.CustomerPhone,
            PhoneRegion = ContactRules.RegionOf(v.Page.Zone),
            MarketingOptIn = v.MarketingOptIn,
            Now = now,
        };
    }

    /// <summary>
    /// Travel for a mobile booking, judged once more after the busy-version bump: from there on the business's writers go one
    /// at a time (PostgreSQL's row lock on the version, SQLite's single writer), and the read inside the transaction sees
    /// every committed booking. Two clients taking neighbouring times at once could otherwise each miss the other's address,
    /// and their allocations, each without the other's leg, would not overlap. The legs found now are the ones held.
    /// </summary>
    public async Task<bool> TravelStillFitsAsync(ValidBooking v, BookingDraft draft, Scheduling.Travel.Trip trip, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(trip);
        var booking = draft.Booking;
        var again = await Allocator.AssignAsync(db, v.Page, v.Service, booking.StartsAt, booking.BranchKey, booking.StaffKey, v.Resources, v.WalkIn, now, ct,
            trip: trip);
        if (again is null)
        {
            return false;
        }
        var a = again.Value.Assignment;
        var before = (int)a.TravelBefore.TotalMinutes;
        var after = (int)a.TravelAfter.TotalMinutes;
        var vehicleBefore = (int)a.VehicleTravelBefore.TotalMinutes;
        var vehicleAfter = (int)a.VehicleTravelAfter.TotalMinutes;
        // The vehicle found now may be another seat than the draft's (the first one's drive no longer fits).
        var seats = Units.FormatSeats(a.Resources);
        if (before != booking.TravelBeforeMinutes || after != booking.TravelAfterMinutes || vehicleBefore != booking.VehicleTravelBeforeMinutes ||
            vehicleAfter != booking.VehicleTravelAfterMinutes || (seats != booking.ResourceKeys && booking.GroupKey is null))
        {
            booking.TravelBeforeMinutes = before;
            booking.TravelAfterMinutes = after;
            booking.VehicleTravelBeforeMinutes = vehicleBefore;
            booking.VehicleTravelAfterMinutes = vehicleAfter;
            if (booking.GroupKey is null)
            {
                booking.ResourceKeys = seats;
            }
            draft.Allocations = Allocator.Rows(booking, v.Page, Units.UsesCalendar(v.Service));
        }
        return true;
    }

    /// <summary>Every occurrence's travel judged again inside the series' transaction (see the single booking's check below).</summary>
    public async Task<bool> TravelStillFitsAsync(ValidBooking v, List<(BookingDraft Draft, string Token)> drafts, Scheduling.Travel.Trip trip, Instant now,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        foreach (var (draft, _) in drafts)
        {
            if (!await TravelStillFitsAsync(v, draft, trip, now, ct))
            {
                return false;
            }
        }
        return true;
    }
}
