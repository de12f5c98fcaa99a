using Bookwell.Features.Payments;
using Stripe;
using Stripe.Terminal;

namespace Bookwell.Features.Checkout;

/// <summary>Where a card payment at the desk stands.</summary>
/// <param name="Status"><c>waiting</c> (the reader shows the amount), <c>authorized</c>/<c>succeeded</c>, <c>failed</c> (with
/// <paramref name="Failure"/>: the card was declined or the client cancelled on the reader; the payment can be tried again), or
/// <c>canceled</c> (the desk cancelled it: nothing can be taken on it any more).</param>
/// <param name="Amount">The PaymentIntent's amount in minor units, as Stripe holds it (0 until read back).</param>
/// <param name="Reference">What the PaymentIntent was made for (its <c>bookwell_desk</c> metadata), as Stripe holds it: a desk checks it is
/// its own before settling, retrying or cancelling, since the id comes back from the browser.</param>
public sealed record TerminalPayment(string PaymentIntent, string Reader, string Status, string? Failure = null, long Amount = 0, string? Currency = null,
    string? Reference = null);

/// <summary>
/// A card reader at the desk, shaped like Stripe Terminal's server-driven flow: the server makes a
/// <c>card_present</c> PaymentIntent and hands it to a reader (<c>process_payment_intent</c>), the client taps
/// their card, the server reads the outcome back and captures; a declined card is tried again on the same
/// PaymentIntent, and the desk can cancel the reader's action. Another provider's terminal fits the same steps.
/// </summary>
public interface ITerminal
{
    /// <summary>Sends the amount to the reader. The key makes a retry land on the same PaymentIntent; <paramref name="reference"/> is kept on it.</summary>
    Task<TerminalPayment> StartAsync(string reader, long amount, string currency, string idempotencyKey, string reference, string? account, CancellationToken ct);

    /// <summary>Reads the reader's action and the PaymentIntent back.</summary>
    Task<TerminalPayment> StatusAsync(TerminalPayment payment, string? account, CancellationToken ct);

    /// <summary>Takes the authorized money.</summary>
    Task<TerminalPayment> CaptureAsync(TerminalPayment payment, string? account, CancellationToken ct);

    /// <summary>Hands the same PaymentIntent to the reader again (after a decline); <paramref name="attempt"/> keys the call.</summary>
    Task<TerminalPayment> RetryAsync(TerminalPayment payment, int attempt, string? account, CancellationToken ct);

    /// <summary>Stops the reader and cancels the PaymentIntent (an authorization is released).</summary>
    Task<TerminalPayment> CancelAsync(TerminalPayment payment, string? account, CancellationToken ct);
}

/// <summary>Stripe Terminal, server-driven (<c>POST /v1/terminal/readers/{id}/process_payment_intent</c>), through Stripe.net.</summary>
public sealed class StripeTerminal(StripeClient client) : ITerminal
{
    public const string ReferenceKey = "bookwell_desk";

    public async Task<TerminalPayment> StartAsync(string reader, long amount, string currency, string idempotencyKey, string reference, string? account, CancellationToken ct)
    {
        var options = new PaymentIntentCreateOptions
        {
            Amount = amount,
            Currency = currency.ToLowerInvariant(),
            CaptureMethod = "manual",
            Metadata = new Dictionary<string, string> { [ReferenceKey] = reference },
        };
        // Stripe.net's typed options no longer carry payment_method_types; Terminal still requires card_present.
        options.AddExtraParam("payment_method_types[0]", "card_present");
        var intent = await new PaymentIntentService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = idempotencyKey, StripeAccount = account }, ct);
        if (intent.Status is "requires_capture" or "succeeded" or "canceled")
        {
            // A retried start of a payment that already went further: nothing to hand to the reader.
            return new TerminalPayment(intent.Id, reader, Map(intent.Status), null, intent.Amount, intent.Currency, ReferenceOf(intent));
        }
        await new ReaderService(client).ProcessPaymentIntentAsync(reader, new ReaderProcessPaymentIntentOptions { PaymentIntent = intent.Id },
            new RequestOptions { IdempotencyKey = idempotencyKey + "-reader", StripeAccount = account }, ct);
        return new TerminalPayment(intent.Id, reader, "waiting", null, intent.Amount, intent.Currency, ReferenceOf(intent));
    }

    public async Task<TerminalPayment> StatusAsync(TerminalPayment payment, string? account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var request = new RequestOptions { StripeAccount = account };
        var intent = await new PaymentIntentService(client).GetAsync(payment.PaymentIntent, null, request, ct);
        var status = Map(intent.Status);
        string? failure = null;
        if (status == "waiting")
        {
            // Only the reader knows a decline or a cancel on its screen; and only its action for this PaymentIntent counts.
            var reader = await new ReaderService(client).GetAsync(payment.Reader, null, request, ct);
            if (reader.Action is { Status: "failed" } action && action.ProcessPaymentIntent?.PaymentIntentId == payment.PaymentIntent)
            {
                (status, failure) = ("failed", action.FailureCode ?? "failed");
            }
            else if (reader.Action?.ProcessPaymentIntent?.PaymentIntentId != payment.PaymentIntent && intent.LastPaymentError is { } error)
            {
                (status, failure) = ("failed", error.DeclineCode ?? error.Code ?? "failed");
            }
        }
        return payment with { Status = status, Failure = failure, Amount = intent.Amount, Currency = intent.Currency, Reference = ReferenceOf(intent) };
    }

    public async Task<TerminalPayment> CaptureAsync(TerminalPayment payment, string? account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var intent = await new PaymentIntentService(client).CaptureAsync(payment.PaymentIntent, null,
            new RequestOptions { IdempotencyKey = $"bookwell-capture-{payment.PaymentIntent}", StripeAccount = account }, ct);
        return payment with { Status = intent.Status == "succeeded" ? "succeeded" : "failed", Amount = intent.Amount, Currency = intent.Currency };
    }

    public async Task<TerminalPayment> RetryAsync(TerminalPayment payment, int attempt, string? account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        await new ReaderService(client).ProcessPaymentIntentAsync(payment.Reader, new ReaderProcessPaymentIntentOptions { PaymentIntent = payment.PaymentIntent },
            new RequestOptions { IdempotencyKey = $"bookwell-reader-{payment.PaymentIntent}-{attempt}", StripeAccount = account }, ct);
        return payment with { Status = "waiting", Failure = null };
    }

    public async Task<TerminalPayment> CancelAsync(TerminalPayment payment, string? account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var request = new RequestOptions { StripeAccount = account };
        var reader = await new ReaderService(client).GetAsync(payment.Reader, null, request, ct);
        if (reader.Action is { Status: "in_progress" } action && action.ProcessPaymentIntent?.PaymentIntentId == payment.PaymentIntent)
        {
            try
            {
                await new ReaderService(client).CancelActionAsync(payment.Reader, null, request, ct);
            }
            catch (StripeException e) when (e.HttpStatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                // The action ended between the read and the cancel; the PaymentIntent below decides.
            }
        }
        var intent = await new PaymentIntentService(client).GetAsync(payment.PaymentIntent, null, request, ct);
        if (intent.Status is "requires_payment_method" or "requires_confirmation" or "requires_action" or "requires_capture" or "processing")
        {
            intent = await new PaymentIntentService(client).CancelAsync(payment.PaymentIntent, null,
                new RequestOptions { IdempotencyKey = $"bookwell-cancel-{payment.PaymentIntent}", StripeAccount = account }, ct);
        }
        return payment with { Status = Map(intent.Status), Failure = null, Amount = intent.Amount, Currency = intent.Currency };
    }

    /// <summary>The desk reference of a <c>card_present</c> PaymentIntent; null for any other (an online payment is never the desk's).</summary>
    private static string? ReferenceOf(PaymentIntent intent) =>
        intent.PaymentMethodTypes?.Contains("card_present") == true && intent.Metadata?.TryGetValue(ReferenceKey, out var r) == true ? r : null;

    private static string Map(string status) => status switch
    {
        "requires_capture" => "authorized",
        "succeeded" => "succeeded",
        "canceled" => "canceled",
        _ => "waiting",
    };
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
