using Bookwell.Features.Payments;
using Stripe;
using Stripe.Terminal;

namespace Bookwell.Features.Checkout;

/// <summary>Where a card payment at the desk stands.</summary>
/// <param name="Status"><c>waiting</c> (the reader shows the amount), <c>authorized</c>/<c>succeeded</c>, or <c>failed</c> (with <paramref name="Failure"/>).</param>
public sealed record TerminalPayment(string PaymentIntent, string Reader, string Status, string? Failure = null);

/// <summary>
/// A card reader at the desk, shaped like Stripe Terminal's server-driven flow: the server makes a
/// <c>card_present</c> PaymentIntent and hands it to a reader (<c>process_payment_intent</c>), the client taps
/// their card, the server reads the outcome back and captures. Another provider's terminal fits the same four
/// steps.
/// </summary>
public interface ITerminal
{
    /// <summary>Sends the amount to the reader. The key makes a retry land on the same PaymentIntent.</summary>
    Task<TerminalPayment> StartAsync(string reader, long amount, string currency, string idempotencyKey, string? account, CancellationToken ct);

    /// <summary>Reads the reader's action and the PaymentIntent back.</summary>
    Task<TerminalPayment> StatusAsync(TerminalPayment payment, string? account, CancellationToken ct);

    /// <summary>Takes the authorized money.</summary>
    Task<TerminalPayment> CaptureAsync(TerminalPayment payment, string? account, CancellationToken ct);
}

/// <summary>Stripe Terminal, server-driven (<c>POST /v1/terminal/readers/{id}/process_payment_intent</c>), through Stripe.net.</summary>
public sealed class StripeTerminal(StripeClient client) : ITerminal
{
    public async Task<TerminalPayment> StartAsync(string reader, long amount, string currency, string idempotencyKey, string? account, CancellationToken ct)
    {
        var options = new PaymentIntentCreateOptions
        {
            Amount = amount,
            Currency = currency.ToLowerInvariant(),
            CaptureMethod = "manual",
        };
        // Stripe.net's typed options no longer carry payment_method_types; Terminal still requires card_present.
        options.AddExtraParam("payment_method_types[0]", "card_present");
        var intent = await new PaymentIntentService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = idempotencyKey, StripeAccount = account }, ct);
        await new ReaderService(client).ProcessPaymentIntentAsync(reader, new ReaderProcessPaymentIntentOptions { PaymentIntent = intent.Id },
            new RequestOptions { IdempotencyKey = idempotencyKey + "-reader", StripeAccount = account }, ct);
        return new TerminalPayment(intent.Id, reader, "waiting");
    }

    public async Task<TerminalPayment> StatusAsync(TerminalPayment payment, string? account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var request = new RequestOptions { StripeAccount = account };
        var reader = await new ReaderService(client).GetAsync(payment.Reader, null, request, ct);
        if (reader.Action?.Status == "failed")
        {
            return payment with { Status = "failed", Failure = reader.Action.FailureCode ?? "failed" };
        }
        var intent = await new PaymentIntentService(client).GetAsync(payment.PaymentIntent, null, request, ct);
        return payment with
        {
            Status = intent.Status switch
            {
                "requires_capture" => "authorized",
                "succeeded" => "succeeded",
                "canceled" => "failed",
                _ => "waiting",
            },
        };
    }

    public async Task<TerminalPayment> CaptureAsync(TerminalPayment payment, string? account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var intent = await new PaymentIntentService(client).CaptureAsync(payment.PaymentIntent, null,
            new RequestOptions { IdempotencyKey = $"bookwell-capture-{payment.PaymentIntent}", StripeAccount = account }, ct);
        return payment with { Status = intent.Status == "succeeded" ? "succeeded" : "failed" };
    }
}

public static class TerminalServices
{
    /// <summary>With Stripe on, its Terminal is the desk's card reader.</summary>
    public static IServiceCollection AddTerminal(this IServiceCollection services, StripeOptions? stripe)
    {
        if (stripe is not null)
        {
            services.AddSingleton<ITerminal>(sp => new StripeTerminal(new StripeClient(stripe.SecretKey, apiBase: stripe.ApiBase,
                httpClient: new SystemNetHttpClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("stripe"), maxNetworkRetries: 2, appInfo: null,
                    enableTelemetry: false))));
        }
        return services;
    }
}
