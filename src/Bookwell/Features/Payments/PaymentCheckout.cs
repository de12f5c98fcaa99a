using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using NodaTime;

namespace Bookwell.Features.Payments;

/// <summary>
/// What the booking page shows about money before the client commits (<c>_PriceDue</c>): the service's (or visit's) money and
/// whether what is paid now is a deposit (<see cref="Bookings.Visits.TakesDeposit(IEnumerable{ServiceDoc})"/>).
/// </summary>
/// <param name="Invoiced">The rest is invoiced, not paid at the appointment (<see cref="Bookings.Visits.InvoicesRest(IEnumerable{ServiceDoc})"/>).</param>
public sealed record PriceDue(ServiceDoc Billing, bool Deposit, bool Invoiced = false);


/// <summary>
/// Opens the Checkout Session for a new booking that must be paid (all of it, or a deposit) before the booking
/// is written. Stripe is asked first: when it cannot be reached the booking is refused with a clear error and
/// nothing is written, so no hold is left behind that nobody can pay. The session row is then written in the
/// booking's own transaction; if the booking loses its time meanwhile the session is expired again.
/// </summary>
public sealed class PaymentCheckout(IServiceProvider services, TenantLinks links, TenantContext tenant, IClock clock, ILogger<PaymentCheckout> log)
{
    /// <summary>Stripe refuses an <c>expires_at</c> less than 30 minutes ahead; a minute's margin covers the trip there.</summary>
    public static readonly Duration ShortestSession = Duration.FromMinutes(31);

    /// <summary>...and more than 24 hours ahead.</summary>
    public static readonly Duration LongestSession = Duration.FromHours(24);

    /// <summary>What a booking of this service costs now and in total, or null when it is not paid online.</summary>
    public static (CheckoutPurpose Purpose, decimal Now, decimal Total, string Currency)? Charge(ServiceDoc service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Price is not { Amount: { } total, Currency: { } currency })
        {
            return null;
        }
        return service.Payment switch
        {
            "now" => (CheckoutPurpose.Full, total, total, currency),
            "deposit" when service.Deposit?.Amount is { } deposit => (CheckoutPurpose.Deposit, deposit, total, currency),
            // A service paid later with a no-show fee: Checkout only saves the card (NoShowFees).
            "none" when NoShowFees.NeedsCardOnly(service) => (CheckoutPurpose.Card, 0m, total, currency),
            _ => null,
        };
    }

    /// <summary>
    /// Money is taken online when this service is booked (all of it, or a deposit). Not so for a service that only saves
    /// the card for a no-show fee (<see cref="NoShowFees.NeedsCardOnly"/>): it goes through Checkout, but charges nothing,
    /// so there is nothing to refund when the booking is cancelled.
    /// </summary>
    public static bool ChargesAtBooking(ServiceDoc service) => Charge(service) is { Purpose: not CheckoutPurpose.Card, Now: > 0m };

    /// <summary>Whether this installation takes payments online (Stripe is configured).</summary>
    public bool Enabled => services.GetService<StripeGateway>() is not null;

    /// <summary>A booking of this service waits for Checkout though nothing is paid online: it only saves the card for a no-show fee.</summary>
    public bool SavesCardOnly(ServiceDoc service) => services.GetService<StripeGateway>() is not null && NoShowFees.NeedsCardOnly(service);

    /// <summary>When the session ends: at the booking's hold, moved inside the window Stripe accepts.</summary>
    public static Instant SessionExpiry(Instant holdEnds, Instant now)
    {
        var earliest = now + ShortestSession;
        var latest = now + LongestSession;
        return holdEnds < earliest ? earliest : holdEnds > latest ? latest : holdEnds;
    }

    /// <summary>The session for a booking drafted but not yet written; null when this installation takes no payments.</summary>
    /// <exception cref="StripeUnavailableException">Stripe could not be reached; nothing was created.</exception>
    public async Task<CheckoutSession?> OpenAsync(Booking booking, CompiledPage page, ServiceModel service, string token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var gateway = services.GetService<StripeGateway>();
        var options = services.GetService<StripeOptions>();
        if (gateway is null || options is null || Charge(service.Doc) is not { } charge)
        {
            return null;
        }
        var now = clock.GetCurrentInstant();
        var expires = SessionExpiry(booking.HoldExpiresAt ?? now + ShortestSession, now);
        var baseUrl = links.BaseUrl(tenant);
        var minor = MinorUnits.ToMinor(charge.Now, charge.Currency);
        // Direct charges on the business's connected account where it has one (Connect.cs), else the platform's.
        var account = await StripeConnect.ChargeAccountAsync(services.GetRequiredService<Data.BookwellDb>(), page.Doc.Settings?.StripeAccount, ct);
        long? fee = options.PlatformFeePercent > 0 && account is not null
            ? (long)Math.Round(minor * options.PlatformFeePercent / 100m, 0, MidpointRounding.ToEven)
            : null;
        var description = charge.Purpose == CheckoutPurpose.Card
            ? service.Doc.Name ?? service.Key
            : charge.Purpose == CheckoutPurpose.Deposit && Bookings.Visits.TakesDeposit(page, booking, true)
            ? $"{service.Doc.Name} ({PaymentText.Words.Get("deposit", booking.Language)})"
            : service.Doc.Name ?? service.Key;
        var state = await gateway.CreateSessionAsync(new SessionRequest(
            booking.TenantId, booking.Id, charge.Purpose, description, minor, charge.Currency, expires,
            $"{baseUrl}/booking/{token}?paid=1", $"{baseUrl}/booking/{token}", booking.CustomerEmail, account, charge.Purpose == CheckoutPurpose.Card ? null : fee,
            SaveCard: NoShowFees.FeeFor(service.Doc) is not null), ct);
        if (state.Url is null)
        {
            throw new StripeUnavailableException("Stripe answered without a checkout URL.");
        }
        return new CheckoutSession
        {
            Id = state.Id,
            TenantId = booking.TenantId,
            BookingId = booking.Id,
            Purpose = charge.Purpose,
            Amount = MinorUnits.Round(charge.Now, charge.Currency),
            Total = MinorUnits.Round(charge.Total, charge.Currency),
            Currency = charge.Currency,
            Url = state.Url,
            ExpiresAt = state.ExpiresAt ?? expires,
            State = CheckoutState.Open,
            StripeAccount = account,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>The booking was not written after all: its session must not stay payable. Best effort; a failure is logged.</summary>
    public async Task AbandonAsync(CheckoutSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (services.GetService<StripeGateway>() is not { } gateway)
        {
            return;
        }
        try
        {
            await gateway.ExpireSessionAsync(session.Id, session.StripeAccount, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The client never saw its URL, so nobody can pay it; Stripe ends it at its expires_at anyway.
            log.LogWarning(ex, "Could not expire the unused checkout session {Session}", session.Id);
        }
    }
}
