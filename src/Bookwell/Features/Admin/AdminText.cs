using System.Globalization;

namespace Bookwell.Features.Admin;

/// <summary>
/// The dashboards' words: written in English where they are used, with the Dutch looked up by the English.
/// A test reads every <c>L("…")</c> in the dashboards' pages and checks that Dutch has it.
/// </summary>
public static class AdminText
{
    private static bool UseDutch => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "nl";

    public static string L(string english) => UseDutch && Dutch.TryGetValue(english, out var nl) ? nl : english;

    public static string L(string english, params object[] args) => string.Format(CultureInfo.CurrentCulture, L(english), args);

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
    };
}
