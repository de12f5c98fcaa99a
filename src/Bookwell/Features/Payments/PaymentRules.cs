using System.Text.RegularExpressions;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;

namespace Bookwell.Features.Payments;

/// <summary>What a configuration document must satisfy to take money online.</summary>
public static partial class PaymentRules
{
    [GeneratedRegex("^acct_[A-Za-z0-9]{1,64}$")]
    private static partial Regex AccountPattern();

    /// <summary>
    /// A service paid online (<c>now</c>, <c>deposit</c>) cannot work without a payment provider: every booking
    /// of it would be refused. The document is rejected at that service's path instead, so the operator learns
    /// it when configuring, not from clients who cannot book.
    /// </summary>
    public static void RequireProvider(ConfigDocument doc, Errors errors, PaymentProviders providers)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(providers);
        if (providers.Any || doc.Pages is null)
        {
            return;
        }
        for (var p = 0; p < doc.Pages.Count; p++)
        {
            var services = doc.Pages[p]?.Services;
            for (var s = 0; s < (services?.Count ?? 0); s++)
            {
                if (services![s]?.Payment is "now" or "deposit")
                {
                    errors.Add($"pages[{p}].services[{s}].payment",
                        "No payment provider is configured on this server (Bookwell__Stripe__SecretKey and __WebhookSecret): use 'none' or 'invoice'.");
                }
            }
        }
    }

    public static void ValidateAccount(Errors errors, string path, string? account)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (account is not null && !AccountPattern().IsMatch(account))
        {
            errors.Add(path, "Must be a Stripe account id such as acct_1A2b3C4d5E6f7G8h.");
        }
    }
}
