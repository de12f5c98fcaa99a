using System.Globalization;
using Bookwell.Data;

namespace Bookwell.Features.Payments;

/// <summary>
/// Stripe settings from the environment (<c>Bookwell__Stripe__*</c>). Stripe is on when a secret key is set;
/// then a webhook secret is required, since without it nobody could tell Stripe's events from forged ones and
/// no payment could ever be confirmed.
/// </summary>
public sealed record StripeOptions(string SecretKey, string WebhookSecret, string? ApiBase, decimal PlatformFeePercent)
{
    /// <summary>How old a signed event may be (Stripe's own default tolerance).</summary>
    public static readonly NodaTime.Duration SignatureTolerance = NodaTime.Duration.FromSeconds(300);

    /// <summary>Null when Stripe is off; throws <see cref="StartupException"/> for settings that cannot work.</summary>
    public static StripeOptions? Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var key = config["Bookwell:Stripe:SecretKey"]?.Trim();
        var webhook = config["Bookwell:Stripe:WebhookSecret"]?.Trim();
        var apiBase = config["Bookwell:Stripe:ApiBase"]?.Trim();
        var fee = config["Bookwell:Stripe:PlatformFeePercent"]?.Trim();
        if (string.IsNullOrEmpty(key))
        {
            if (!string.IsNullOrEmpty(webhook))
            {
                throw new StartupException("Bookwell__Stripe__WebhookSecret is set but Bookwell__Stripe__SecretKey is not: set both to take payments, or neither.");
            }
            return null;
        }
        if (string.IsNullOrEmpty(webhook))
        {
            throw new StartupException("Bookwell__Stripe__SecretKey is set but Bookwell__Stripe__WebhookSecret is empty: without it Stripe's events cannot be verified " +
                                       "and no payment could be confirmed. Set the signing secret of your webhook endpoint (whsec_...).");
        }
        if (!string.IsNullOrEmpty(apiBase) && (!Uri.TryCreate(apiBase, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new StartupException("Bookwell__Stripe__ApiBase must be an absolute http(s) URL such as https://api.stripe.com.");
        }
        var percent = 0m;
        if (!string.IsNullOrEmpty(fee) &&
            (!decimal.TryParse(fee, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out percent) || percent < 0 || percent >= 100))
        {
            throw new StartupException("Bookwell__Stripe__PlatformFeePercent must be a number from 0 up to (not including) 100.");
        }
        return new StripeOptions(key, webhook, string.IsNullOrEmpty(apiBase) ? null : apiBase.TrimEnd('/'), percent);
    }

    /// <summary>
    /// Where Checkout pages live, for the booking page's <c>form-action</c>: Chromium holds a form's redirect to
    /// the CSP of the page that sent it, so a "confirm and pay" that answers with a redirect to Checkout needs
    /// that origin allowed. Stripe's own, or a stand-in's (which serves its pages from its API address).
    /// </summary>
    public string CheckoutOrigin => ApiBase is null ? "https://checkout.stripe.com" : new Uri(ApiBase).GetLeftPart(UriPartial.Authority);

    /// <summary>Never shown: the record's generated text would otherwise print both secrets into a log.</summary>
    public override string ToString() => $"Stripe (api {ApiBase ?? "default"}, platform fee {PlatformFeePercent}%)";
}

/// <summary>Which payment providers this installation has; a document asking for online payment needs one.</summary>
public sealed class PaymentProviders(StripeOptions? stripe)
{
    public bool Any => stripe is not null;

    public StripeOptions? Stripe => stripe;
}
