using Bookwell.Features.Configuration;

namespace Bookwell.Features.BookingPage;

/// <summary>The six preset themes; each accent passes WCAG AA (4.5:1) against white text.</summary>
public static class Branding
{
    private static readonly Dictionary<string, string> Accents = new(StringComparer.Ordinal)
    {
        ["slate"] = "#334155",
        ["ocean"] = "#0E7490",
        ["violet"] = "#6D28D9",
        ["emerald"] = "#047857",
        ["rose"] = "#BE123C",
        ["amber"] = "#B45309",
    };

    public static IReadOnlyDictionary<string, string> Presets => Accents;

    public static string Accent(BrandingDoc? branding) =>
        branding?.AccentColor ?? (branding?.Theme is { } theme && Accents.TryGetValue(theme, out var c) ? c : Accents["slate"]);
}
