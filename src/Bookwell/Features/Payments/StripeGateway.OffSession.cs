using Bookwell.Data;
using Stripe;
using Stripe.Checkout;

namespace Bookwell.Features.Payments;

/// <summary>A no-show fee to charge off-session with a saved card.</summary>
public sealed record OffSessionCharge(Guid TenantId, Guid BookingId, Guid FeeId, long Amount, string Currency, string Customer, string PaymentMethod,
    string? StripeAccount, long? ApplicationFee, int Attempt = 0);

/// <summary>What Stripe made of it: <c>succeeded</c>, or the state and decline code of a refused charge.</summary>
public sealed record OffSessionResult(string? PaymentIntent, string Status, string? FailureCode);

/// <summary>The customer and card a completed Checkout Session saved for later.</summary>
public sealed record SavedCard(string Customer, string PaymentMethod);

public sealed partial class StripeGateway
{
    public static string NoShowFeeKey(Guid bookingId, Guid feeId, int attempt = 0) =>
        attempt == 0 ? $"bookwell-booking-{bookingId:N}-noshow-fee-{feeId:N}" : $"bookwell-booking-{bookingId:N}-noshow-fee-{feeId:N}-attempt-{attempt}";

    /// <summary>
    /// Checkout saves the card for later when the service has a no-show fee: in payment mode through
    /// <c>payment_intent_data[setup_future_usage]=off_session</c>, for a service paid later through
    /// <c>mode=setup</c>. Either way a Customer is created, so the card can be charged off-session.
    /// </summary>
    private static void SaveCard(SessionCreateOptions options, SessionRequest r)
    {
        if (r.Purpose == CheckoutPurpose.Card)
        {
            options.Mode = "setup";
            options.LineItems = null;
            options.Currency = r.Currency.ToLowerInvariant();
            options.CustomerCreation = "always";
            options.PaymentIntentData = null;
            return;
        }
        if (!r.SaveCard)
        {
            return;
        }
        options.CustomerCreation = "always";
        options.PaymentIntentData ??= new SessionPaymentIntentDataOptions();
        options.PaymentIntentData.SetupFutureUsage = "off_session";
    }

    /// <summary>
    /// The card a completed session saved: its <c>customer</c>, and the <c>payment_method</c> of its SetupIntent
    /// (setup mode) or PaymentIntent (payment mode). Null when the session saved none.
    /// </summary>
    public async Task<SavedCard?> SavedCardAsync(string sessionId, string? account, CancellationToken ct)
    {
        var request = new RequestOptions { StripeAccount = account };
        var session = await CallAsync(() => new SessionService(_client).GetAsync(sessionId, null, request, ct));
        if (string.IsNullOrEmpty(session.CustomerId))
        {
            return null;
        }
        string? method = null;
        if (!string.IsNullOrEmpty(session.SetupIntentId))
        {
            method = (await CallAsync(() => new SetupIntentService(_client).GetAsync(session.SetupIntentId, null, request, ct))).PaymentMethodId;
        }
        else if (!string.IsNullOrEmpty(session.PaymentIntentId))
        {
            var intent = await CallAsync(() => new PaymentIntentService(_client).GetAsync(session.PaymentIntentId, null, request, ct));
            // Only a card saved for off-session use may be charged without the client.
            method = intent.SetupFutureUsage == "off_session" ? intent.PaymentMethodId : null;
        }
        return string.IsNullOrEmpty(method) ? null : new SavedCard(session.CustomerId, method);
    }

    /// <summary>
    /// <c>POST /v1/payment_intents</c> with <c>off_session=true, confirm=true</c>. The idempotency key is derived
    /// from the booking and its fee: a retry, or a second node, gets the first PaymentIntent back, never a second
    /// charge. A decline (HTTP 402) is an answer, not an outage: its code comes back with the PaymentIntent.
    /// </summary>
    public async Task<OffSessionResult> ChargeOffSessionAsync(OffSessionCharge c, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var options = new PaymentIntentCreateOptions
        {
            Amount = c.Amount,
            Currency = c.Currency.ToLowerInvariant(),
            Customer = c.Customer,
            PaymentMethod = c.PaymentMethod,
            OffSession = true,
            Confirm = true,
            Description = "No-show fee",
            ApplicationFeeAmount = c.ApplicationFee is > 0 && c.StripeAccount is not null ? c.ApplicationFee : null,
            Metadata = new Dictionary<string, string>
            {
                ["bookwell_tenant"] = c.TenantId.ToString(),
                ["bookwell_booking"] = c.BookingId.ToString(),
                ["bookwell_purpose"] = "no_show_fee",
            },
        };
        var request = new RequestOptions { IdempotencyKey = NoShowFeeKey(c.BookingId, c.FeeId, c.Attempt), StripeAccount = c.StripeAccount };
        try
        {
            var intent = await CallAsync(() => new PaymentIntentService(_client).CreateAsync(options, request, ct));
            return new OffSessionResult(intent.Id, intent.Status, intent.LastPaymentError?.Code);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.PaymentRequired || ex.StripeError?.Type == "card_error")
        {
            return new OffSessionResult(ex.StripeError?.PaymentIntent?.Id, ex.StripeError?.PaymentIntent?.Status ?? "requires_payment_method",
                ex.StripeError?.Code ?? ex.StripeError?.DeclineCode ?? "card_declined");
        }
    }
}
