using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Bookwell.Infrastructure;

/// <summary>
/// The one text store: every word Bookwell shows or sends lives in a <see cref="TextSet"/> owned by its feature
/// (a <c>public static readonly TextSet</c> field), with one dictionary per language. Pages follow the request's
/// UI culture; mails pass the recipient's language explicitly. A test finds every set by reflection and fails
/// when a language lacks a key or a text's placeholders differ between languages.
/// </summary>
public sealed partial class TextSet
{
    /// <summary>Languages every set must hold in full. Adding one here makes the test list what is missing.</summary>
    public static readonly IReadOnlyList<string> Languages = ["en", "nl"];

    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _byLanguage;

    public TextSet(string name, IReadOnlyDictionary<string, string> english, IReadOnlyDictionary<string, string> dutch)
        : this(name, new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal) { ["en"] = english, ["nl"] = dutch })
    {
    }

    /// <summary>A set with a dictionary per language code (it must hold "en", the fallback).</summary>
    public TextSet(string name, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> byLanguage)
    {
        ArgumentNullException.ThrowIfNull(byLanguage);
        if (!byLanguage.ContainsKey("en") || byLanguage.Values.Any(v => v is null))
        {
            throw new ArgumentException("A text set needs English and no empty language.", nameof(byLanguage));
        }
        Name = name;
        _byLanguage = new(byLanguage, StringComparer.Ordinal);
    }

    /// <summary>A set whose keys are its English texts (dashboards write the English where they use it).</summary>
    public static TextSet EnglishKeyed(string name, IReadOnlyDictionary<string, string> dutch)
    {
        ArgumentNullException.ThrowIfNull(dutch);
        return new TextSet(name, dutch.Keys.ToDictionary(k => k, k => k, StringComparer.Ordinal), dutch) { KeysAreEnglish = true };
    }

    public string Name { get; }

    /// <summary>True when a key missing from every language is shown as written (it is the English text).</summary>
    public bool KeysAreEnglish { get; private init; }

    public IReadOnlyDictionary<string, string> In(string language) =>
        _byLanguage.TryGetValue(language, out var texts) ? texts : _byLanguage["en"];

    /// <summary>The set's own dictionary for <paramref name="language"/>, or null when it has none (no fallback).</summary>
    public IReadOnlyDictionary<string, string>? Exactly(string language) => _byLanguage.GetValueOrDefault(language);

    /// <summary>The language of the current request's UI culture, or English.</summary>
    public static string CurrentLanguage => LanguageOf(CultureInfo.CurrentUICulture);

    public static string LanguageOf(CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        var two = culture.TwoLetterISOLanguageName;
        return Languages.Contains(two) ? two : "en";
    }

    /// <summary>Normalises a stored or requested language ("nl-BE", "NL", null) to one this store holds.</summary>
    public static string Normalize(string? language)
    {
        if (string.IsNullOrEmpty(language))
        {
            return "en";
        }
        var two = language.Length >= 2 ? language[..2].ToLowerInvariant() : language.ToLowerInvariant();
        return Languages.Contains(two) ? two : "en";
    }

    /// <summary>The text for <paramref name="key"/> in the current UI language.</summary>
    public string this[string key] => Get(key, CurrentLanguage);

    public string Get(string key, string language)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (In(Normalize(language)).TryGetValue(key, out var text) || _byLanguage["en"].TryGetValue(key, out text))
        {
            return text;
        }
        // An unknown key is a bug the tests catch; showing the key beats a 500 on a live page.
        return key;
    }

    /// <summary>The text in the current UI language, its placeholders filled in the current culture's format.</summary>
    public string Format(string key, params object?[] args) => string.Format(CultureInfo.CurrentCulture, this[key], args);

    /// <summary>The text in <paramref name="language"/>, placeholders formatted for <paramref name="formatting"/>.</summary>
    public string FormatIn(string language, IFormatProvider formatting, string key, params object?[] args) =>
        string.Format(formatting, Get(key, language), args);

    /// <summary>Every <c>{0}</c> or <c>{0:...}</c> placeholder index of a text, sorted, for the parity test.</summary>
    public static IReadOnlyList<string> Placeholders(string text) =>
        [.. Placeholder().Matches(text ?? "").Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Every set declared as a public static field anywhere in this assembly.</summary>
    public static IReadOnlyList<TextSet> All() =>
        [.. typeof(TextSet).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(TextSet))
            .Select(f => (TextSet)f.GetValue(null)!)];

    [GeneratedRegex(@"(?<!\{)\{(\d+)(?:[,:][^}]*)?\}(?!\})")]
    private static partial Regex Placeholder();
}
