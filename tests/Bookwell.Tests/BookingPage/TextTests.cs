using Bookwell.Features.BookingPage;
using Bookwell.Infrastructure;

namespace Bookwell.Tests.BookingPage;

public class TextTests
{
    /// <summary>The booking pages' words are a set of the one store, so its parity test (every language, every key) covers them.</summary>
    [Fact]
    public void BookingPageWords_AreASetOfTheStore()
    {
        Assert.Contains(TextSet.All(), s => ReferenceEquals(s, Text.Words));
        Assert.Equal("Kies een dienst", Text.Words.Get("choose-service", "nl"));
    }

    [Fact]
    public void PresetThemes_AllPassWcagAaWithWhiteText()
    {
        Assert.Equal(6, Branding.Presets.Count);
        Assert.All(Branding.Presets.Values, c => Assert.True(Bookwell.Features.Configuration.Contrast.WithWhite(c) >= 4.5, c));
    }
}
