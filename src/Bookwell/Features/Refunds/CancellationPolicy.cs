using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using NodaTime;

namespace Bookwell.Features.Refunds;

/// <summary>
/// A service's cancellation policy as the configuration document writes it:
/// <c>"cancellationPolicy": { "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] }</c>.
/// Cancelling at least <c>hoursBefore</c> hours before the start gives back <c>percent</c> of what was paid online
/// (the tier with the most hours that still applies wins); later than every tier gives back nothing. No policy
/// at all gives everything back; an empty list never gives anything back.
/// </summary>
public sealed class CancellationPolicyDoc
{
    public List<RefundTierDoc>? Refunds { get; set; }
}

public sealed class RefundTierDoc
{
    public int? HoursBefore { get; set; }
    public int? Percent { get; set; }
}

/// <summary>What a client cancelling now gets back.</summary>
/// <param name="Percent">The share of what was paid.</param>
/// <param name="Paid">What was paid online and not yet refunded.</param>
/// <param name="Back">What goes back, rounded half to even at the currency's minor units.</param>
/// <param name="HoursBefore">The tier that applied; null when no policy is set (everything back) or none applied.</param>
public sealed record RefundQuote(int Percent, MoneyView Paid, MoneyView Back, int? HoursBefore);

public static class CancellationPolicy
{
    public const int MaxTiers = 10;

    public static void Validate(Errors e, string path, CancellationPolicyDoc? policy)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (policy is null)
        {
            return;
        }
        if (policy.Refunds is null)
        {
            e.Add($"{path}.refunds", "Required: a list of { \"hoursBefore\", \"percent\" } (empty for no refund).");
            return;
        }
        if (policy.Refunds.Count > MaxTiers)
        {
            e.Add($"{path}.refunds", $"At most {MaxTiers} tiers.");
            return;
        }
        var seen = new HashSet<int>();
        for (var i = 0; i < policy.Refunds.Count; i++)
        {
            var tier = policy.Refunds[i];
            var tp = $"{path}.refunds[{i}]";
            if (tier is null)
            {
                e.Add(tp, "Must be an object { \"hoursBefore\", \"percent\" }.");
                continue;
            }
            if (tier.HoursBefore is not { } hours || hours < 0 || hours > 8760)
            {
                e.Add($"{tp}.hoursBefore", "Required: whole hours before the start, 0 to 8760.");
            }
            else if (!seen.Add(hours))
            {
                e.Add($"{tp}.hoursBefore", "Each tier needs its own number of hours.");
            }
            if (tier.Percent is not { } percent || percent < 0 || percent > 100)
            {
                e.Add($"{tp}.percent", "Required: the share refunded, 0 to 100.");
            }
        }
    }

    /// <summary>The share given back when cancelling at <paramref name="now"/> a booking that starts at <paramref name="start"/>.</summary>
    public static (int Percent, int? HoursBefore) Share(CancellationPolicyDoc? policy, Instant start, Instant now)
    {
        if (policy?.Refunds is null)
        {
            return (100, null);
        }
        var ahead = start - now;
        foreach (var tier in policy.Refunds.Where(t => t?.HoursBefore is not null && t.Percent is not null).OrderByDescending(t => t.HoursBefore))
        {
            if (ahead >= Duration.FromHours(tier.HoursBefore!.Value))
            {
                return (tier.Percent!.Value, tier.HoursBefore);
            }
        }
        return (0, null);
    }

    public static RefundQuote Quote(CancellationPolicyDoc? policy, Instant start, Instant now, decimal paid, string currency)
    {
        var (percent, hours) = Share(policy, start, now);
        var back = MinorUnits.Round(paid * percent / 100m, currency);
        return new RefundQuote(percent, new MoneyView(MinorUnits.Round(paid, currency), currency), new MoneyView(back, currency), hours);
    }

    /// <summary>The policy in words, tier by tier, for the booking page (empty when the service takes nothing online).</summary>
    public static IReadOnlyList<string> Describe(CancellationPolicyDoc? policy, string language)
    {
        var w = RefundText.Words;
        if (policy?.Refunds is null)
        {
            return [w.Get("policy-full", language)];
        }
        var tiers = policy.Refunds.Where(t => t?.HoursBefore is not null && t.Percent is not null).OrderByDescending(t => t.HoursBefore).ToList();
        if (tiers.Count == 0 || tiers.All(t => t.Percent == 0))
        {
            return [w.Get("policy-none", language)];
        }
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        var lines = tiers.Select(t => w.FormatIn(language, culture, "policy-tier", t.Percent!.Value, t.HoursBefore!.Value)).ToList();
        if (tiers[^1].HoursBefore > 0)
        {
            lines.Add(w.FormatIn(language, culture, "policy-later", tiers[^1].HoursBefore!.Value));
        }
        return lines;
    }
}
