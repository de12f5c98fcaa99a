using Bookwell.Infrastructure;

namespace Bookwell.Tests.Infrastructure;

/// <summary>Every text set of the one store holds every language in full, with the same placeholders.</summary>
public class TextStoreTests
{
    public static TheoryData<string> Sets() => [.. TextSet.All().Select(s => s.Name)];

    [Fact]
    public void SetsAreFoundAndNamedOnce()
    {
        var names = TextSet.All().Select(s => s.Name).ToList();
        Assert.Contains("admin", names);
        Assert.Contains("booking-page", names);
        Assert.Contains("mail", names);
        Assert.Contains("account-mail", names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EveryLanguageHoldsEveryKeyWithTheSamePlaceholders(string name)
    {
        var set = TextSet.All().Single(s => s.Name == name);
        var english = set.In("en");
        foreach (var language in TextSet.Languages)
        {
            // Exactly, not In: In falls back to English, which would hide a language the set does not have at all.
            var texts = set.Exactly(language);
            Assert.True(texts is not null, $"{name} has no {language} texts: add a dictionary for {language}");
            Assert.True(english.Keys.Order().SequenceEqual(texts.Keys.Order()),
                $"{name}/{language}: missing {string.Join(", ", english.Keys.Except(texts.Keys))}; extra {string.Join(", ", texts.Keys.Except(english.Keys))}");
            foreach (var (key, text) in texts)
            {
                Assert.True(!string.IsNullOrWhiteSpace(text), $"{name}/{language}/{key} is empty");
                Assert.True(TextSet.Placeholders(english[key]).SequenceEqual(TextSet.Placeholders(text)),
                    $"{name}/{language}/{key}: placeholders differ from English ('{english[key]}' vs '{text}')");
            }
        }
    }

    /// <summary>A language added to <see cref="TextSet.Languages"/> before a set has it shows as missing, not as English.</summary>
    [Fact]
    public void ALanguageASetLacks_IsNotHiddenByTheEnglishFallback()
    {
        var set = new TextSet("only-english", new Dictionary<string, IReadOnlyDictionary<string, string>> { ["en"] = new Dictionary<string, string> { ["hi"] = "Hello" } });
        Assert.Null(set.Exactly("nl"));
        Assert.Equal("Hello", set.Get("hi", "nl"));
    }

    [Fact]
    public void PlaceholdersAreReadWithFormatsAndEscapedBracesIgnored()
    {
        Assert.Equal(["0", "1"], TextSet.Placeholders("{1} at {0:HH:mm} {{literal}}"));
        Assert.Empty(TextSet.Placeholders("no {{0}} here"));
    }

    [Fact]
    public void UnknownLanguagesFallBackToEnglish()
    {
        Assert.Equal("en", TextSet.Normalize("fr-FR"));
        Assert.Equal("nl", TextSet.Normalize("nl-BE"));
        Assert.Equal("en", TextSet.Normalize(null));
    }
}
