using Bookwell.Features.BookingPage;

namespace Bookwell.Tests.BookingPage;

public class TextTests
{
    [Fact]
    public void EnglishAndDutch_HoldTheSameKeys()
    {
        Assert.Empty(Text.English.Keys.Except(Text.Dutch.Keys));
        Assert.Empty(Text.Dutch.Keys.Except(Text.English.Keys));
    }

    [Fact]
    public void PresetThemes_AllPassWcagAaWithWhiteText()
    {
        Assert.Equal(6, Branding.Presets.Count);
        Assert.All(Branding.Presets.Values, c => Assert.True(Bookwell.Features.Configuration.Contrast.WithWhite(c) >= 4.5, c));
    }
}
