using Bookwell.Features.Payments;
using Stripe;

namespace Bookwell.Features.Refunds;

/// <summary>What Bookwell asks of <c>POST /v1/refunds</c>.</summary>
public sealed record RefundRequest(string PaymentIntent, long Amount, string IdempotencyKey, string? StripeAccount, Guid RefundId, Guid BookingId);

/// <summary>A refund as Stripe describes it (the fields Bookwell reads).</summary>
public sealed record RefundState(string Id, string Status, long Amount, string? Currency, string? FailureReason);

/// <summary>Stripe said no (a 4xx): nothing was refunded and asking again with the same request will not change that.</summary>
public sealed class StripeRefusedException(string message, string? code, Exception inner) : Exception(message, inner)
{
    public string? Code { get; } = code;
}

/// <summary>
/// Refunds through Stripe.net. Every call carries the refund's idempotency key (the booking and the refund's
/// position among its refunds), so a retry, by Stripe.net or by the retry pass, never refunds twice.
/// </summary>
public sealed class StripeRefundGateway
{
    private readonly Stripe.RefundService _refunds;

    public StripeRefundGateway(StripeOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new StripeClient(options.SecretKey, apiBase: options.ApiBase,
            httpClient: new SystemNetHttpClient(http, maxNetworkRetries: 2, appInfo: null, enableTelemetry: false));
        _refunds = new Stripe.RefundService(client);
    }

    public static string IdempotencyKey(Guid bookingId, int sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bookwell-refund-{bookingId:N}-{sequence}");

    /// <exception cref="StripeUnavailableException">Stripe could not be reached: the refund may or may not exist; ask again with the same key.</exception>
    /// <exception cref="StripeRefusedException">Stripe refused it: nothing was refunded.</exception>
    public async Task<RefundState> CreateAsync(RefundRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var options = new RefundCreateOptions
        {
            PaymentIntent = r.PaymentIntent,
            Amount = r.Amount,
            Reason = "requested_by_customer",
            Metadata = new Dictionary<string, string>
            {
                ["bookwell_refund"] = r.RefundId.ToString(),
                ["bookwell_booking"] = r.BookingId.ToString(),
            },
        };
        try
        {
            var refund = await _refunds.CreateAsync(options, new RequestOptions { IdempotencyKey = r.IdempotencyKey, StripeAccount = r.StripeAccount }, ct);
            return new RefundState(refund.Id, refund.Status ?? "pending", refund.Amount, refund.Currency?.ToUpperInvariant(), refund.FailureReason);
        }
        catch (StripeException ex) when ((int)ex.HttpStatusCode >= 500 || ex.HttpStatusCode == 0 || ex.InnerException is HttpRequestException or TaskCanceledException)
        {
            throw new StripeUnavailableException("Stripe did not answer usefully; the refund will be asked again with the same key.", ex);
        }
        catch (StripeException ex) when (ex.HttpStatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.TooManyRequests)
        {
            throw new StripeUnavailableException("Stripe asked to try again later.", ex);
        }
        catch (StripeException ex)
        {
            throw new StripeRefusedException(ex.StripeError?.Message ?? ex.Message, ex.StripeError?.Code, ex);
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
}
