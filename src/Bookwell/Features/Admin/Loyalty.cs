using System.Text.Json.Serialization;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;

namespace Bookwell.Features.Admin;

/// <summary>
/// Additive (issue 14): <c>settings.loyalty</c>, the completed visits from which a client counts as returning, regular
/// or VIP: <c>{ "returning": 2, "regular": 5, "vip": 10 }</c> (each absent one keeps its default). Fewer visits than
/// <c>returning</c> is a new client. A setting of the business: the first page that sets it gives the thresholds, and
/// every other page that sets it must agree.
/// </summary>
public sealed class LoyaltyDoc
{
    public int? Returning { get; set; }
    public int? Regular { get; set; }
    public int? Vip { get; set; }
}

public enum LoyaltyTier
{
    [JsonStringEnumMemberName("new")] New,
    [JsonStringEnumMemberName("returning")] Returning,
    [JsonStringEnumMemberName("regular")] Regular,
    [JsonStringEnumMemberName("vip")] Vip,
}

/// <summary>The business's thresholds: the least number of visits for each tier above new.</summary>
public sealed record LoyaltyTiers(int Returning, int Regular, int Vip)
{
    public const int MaxVisits = 100_000;
    public static readonly LoyaltyTiers Default = new(2, 5, 10);

    public LoyaltyTier Of(int visits) => visits >= Vip ? LoyaltyTier.Vip : visits >= Regular ? LoyaltyTier.Regular : visits >= Returning ? LoyaltyTier.Returning : LoyaltyTier.New;

    /// <summary>The visits a tier covers: at least <c>From</c>, fewer than <c>Below</c> (null: no upper bound).</summary>
    public (int From, int? Below) Range(LoyaltyTier tier) => tier switch
    {
        LoyaltyTier.New => (0, Returning),
        LoyaltyTier.Returning => (Returning, Regular),
        LoyaltyTier.Regular => (Regular, Vip),
        _ => (Vip, null),
    };

    /// <summary>The thresholds of the business: the first page's <c>settings.loyalty</c> that is set, else the defaults.</summary>
    public static LoyaltyTiers Of(TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return From((catalog.Document.Pages ?? []).Select(p => p.Settings?.Loyalty).FirstOrDefault(l => l is not null));
    }

    public static LoyaltyTiers From(LoyaltyDoc? doc) =>
        doc is null ? Default : new(doc.Returning ?? Default.Returning, doc.Regular ?? Default.Regular, doc.Vip ?? Default.Vip);

    /// <summary>Field errors for <c>settings.loyalty</c>: whole numbers, 1 &lt; returning &lt; regular &lt; vip ≤ 100,000.</summary>
    public static void Validate(Errors e, string path, LoyaltyDoc? doc)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (doc is null)
        {
            return;
        }
        var bad = false;
        foreach (var (name, value) in new[] { ("returning", doc.Returning), ("regular", doc.Regular), ("vip", doc.Vip) })
        {
            if (value is < 2 or > MaxVisits)
            {
                e.Add($"{path}.{name}", $"Must be a whole number of visits from 2 to {MaxVisits}.");
                bad = true;
            }
        }
        if (bad)
        {
            return;
        }
        var t = From(doc);
        if (t.Regular <= t.Returning)
        {
            e.Add($"{path}.regular", $"Must be more than returning ({t.Returning}).");
        }
        if (t.Vip <= t.Regular)
        {
            e.Add($"{path}.vip", $"Must be more than regular ({t.Regular}).");
        }
    }

    /// <summary>Pages that set <c>settings.loyalty</c> must give the same thresholds (they are the business's).</summary>
    public static void ValidateAgreement(Errors e, ConfigDocument doc)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(doc);
        var pages = doc.Pages ?? [];
        var first = pages.FindIndex(p => p.Settings?.Loyalty is not null);
        for (var i = first + 1; first >= 0 && i < pages.Count; i++)
        {
            if (pages[i].Settings?.Loyalty is { } other && From(other) != From(pages[first].Settings!.Loyalty))
            {
                e.Add($"pages[{i}].settings.loyalty", $"Loyalty tiers belong to the whole business: every page that sets them must give the same values as pages[{first}].");
            }
        }
    }

    public static string Name(LoyaltyTier tier) => tier.ToWire();
}
