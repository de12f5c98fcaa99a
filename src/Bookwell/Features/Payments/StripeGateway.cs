using Bookwell.Data;
using NodaTime;
using Stripe;
using Stripe.Checkout;

namespace Bookwell.Features.Payments;

/// <summary>What Bookwell asks of a Checkout Session.</summary>
public sealed record SessionRequest(Guid TenantId, Guid BookingId, CheckoutPurpose Purpose, string Description, long UnitAmount, string Currency,
    Instant ExpiresAt, string SuccessUrl, string CancelUrl, string CustomerEmail, string? StripeAccount, long? ApplicationFee, bool SaveCard = false);

/// <summary>A Checkout Session as Stripe describes it (the fields Bookwell reads).</summary>
public sealed record SessionState(string Id, string? Url, string Status, string PaymentStatus, Guid? BookingId, long? AmountTotal, string? Currency,
    string? PaymentIntent, Instant? ExpiresAt);

/// <summary>Stripe could not be reached or answered with a server error: nothing was decided, try again later.</summary>
public sealed class StripeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The calls Bookwell makes to Stripe, through Stripe.net. Every call that changes something carries an
/// idempotency key derived from what it does (the booking and the purpose), so a retry, by Stripe.net or by
/// us, returns the first result instead of creating a second session.
/// </summary>
public sealed partial class StripeGateway
{
    private readonly StripeClient _client;
    private readonly SessionService _sessions;

    public StripeGateway(StripeOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Stripe.net retries network failures and 409/5xx itself, with the same idempotency key.
        _client = new StripeClient(options.SecretKey, apiBase: options.ApiBase,
            httpClient: new SystemNetHttpClient(http, maxNetworkRetries: 2, appInfo: null, enableTelemetry: false));
        _sessions = new SessionService(_client);
    }

    public static string IdempotencyKey(Guid bookingId, CheckoutPurpose purpose) => $"bookwell-booking-{bookingId:N}-{purpose.ToWire()}";

    public async Task<SessionState> CreateSessionAsync(SessionRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var options = new SessionCreateOptions
        {
            Mode = "payment",
            ClientReferenceId = r.BookingId.ToString(),
            CustomerEmail = r.CustomerEmail,
            ExpiresAt = r.ExpiresAt.ToDateTimeUtc(),
            SuccessUrl = r.SuccessUrl,
            CancelUrl = r.CancelUrl,
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = r.Currency.ToLowerInvariant(),
                        UnitAmount = r.UnitAmount,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = r.Description },
                    },
                },
            ],
            Metadata = new Dictionary<string, string>
            {
                ["bookwell_tenant"] = r.TenantId.ToString(),
                ["bookwell_booking"] = r.BookingId.ToString(),
                ["bookwell_purpose"] = r.Purpose.ToWire(),
            },
        };
        if (r.ApplicationFee is > 0 && r.StripeAccount is not null)
        {
            options.PaymentIntentData = new SessionPaymentIntentDataOptions { ApplicationFeeAmount = r.ApplicationFee };
        }
        SaveCard(options, r);
        var request = new RequestOptions { IdempotencyKey = IdempotencyKey(r.BookingId, r.Purpose), StripeAccount = r.StripeAccount };
        return State(await CallAsync(() => _sessions.CreateAsync(options, request, ct)));
    }

    public async Task<SessionState> GetSessionAsync(string id, string? account, CancellationToken ct) =>
        State(await CallAsync(() => _sessions.GetAsync(id, null, new RequestOptions { StripeAccount = account }, ct)));

    /// <summary>Ends an open session early (the booking's hold ran out first). A session already complete or expired is left as it is.</summary>
    public async Task<SessionState?> ExpireSessionAsync(string id, string? account, CancellationToken ct)
    {
        try
        {
            return State(await CallAsync(() => _sessions.ExpireAsync(id, null,
                new RequestOptions { IdempotencyKey = $"bookwell-expire-{id}", StripeAccount = account }, ct)));
        }
        catch (StripeException ex) when (ex.HttpStatusCode is System.Net.HttpStatusCode.BadRequest)
        {
            // Stripe refuses to expire a session that is no longer open: whatever it became, its event tells us.
            return null;
        }
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException ex) when ((int)ex.HttpStatusCode >= 500 || ex.HttpStatusCode == 0 || ex.InnerException is HttpRequestException or TaskCanceledException)
        {
            throw new StripeUnavailableException("Stripe did not answer usefully; nothing was charged.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new StripeUnavailableException("Stripe could not be reached.", ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new StripeUnavailableException("Stripe did not answer in time.", ex);
        }
    }

    private static SessionState State(Session s) => new(
        s.Id, s.Url, s.Status ?? "open", s.PaymentStatus ?? "unpaid",
        Guid.TryParse(s.ClientReferenceId, out var id) ? id : null, s.AmountTotal, s.Currency?.ToUpperInvariant(), s.PaymentIntentId,
        s.ExpiresAt == default ? null : Instant.FromDateTimeUtc(DateTime.SpecifyKind(s.ExpiresAt, DateTimeKind.Utc)));
}
