using Bookwell.Features.Invoices;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// The PDFs' in-house Arabic shaper and line reordering, against forms worked out by hand from Unicode's Arabic
/// Presentation Forms-B chart (isolated, final, initial, medial) and UAX #9's examples.
/// </summary>
public sealed class PdfScriptTests
{
    [Theory]
    // سلام: seen initial, lam joined before and followed by alef → the final lam-alef ligature, meem after an alef: isolated.
    [InlineData("سلام", "\uFEB3\uFEFC\uFEE1")]
    // لا alone: the isolated lam-alef ligature.
    [InlineData("لا", "\uFEFB")]
    // دار: dal, alef and reh join nothing after them: three isolated forms.
    [InlineData("دار", "\uFEA9\uFE8D\uFEAD")]
    // محمد: meem initial, hah medial, meem medial, dal final.
    [InlineData("محمد", "\uFEE3\uFEA4\uFEE4\uFEAA")]
    // علي: ain initial, lam medial, yeh final.
    [InlineData("علي", "\uFECB\uFEE0\uFEF2")]
    // A mark (fatha) between two behs is transparent: they still join, and the mark stays after its letter.
    [InlineData("بَب", "\uFE91\u064E\uFE90")]
    // Persian پدر: peh initial (Forms-A), dal final, reh after dal isolated.
    [InlineData("پدر", "\uFB58\uFEAA\uFEAD")]
    // Words are shaped apart; alef after a space is isolated; lam-alef with hamza above, isolated.
    [InlineData("بب أ لأ", "\uFE91\uFE90 \uFE83 \uFEF7")]
    // Latin, digits and CJK pass unchanged.
    [InlineData("Anna 12 王小明", "Anna 12 王小明")]
    public void Shape_GivesEachLetterItsContextualForm(string logical, string shaped) =>
        Assert.Equal(Hex(shaped), Hex(ArabicShaping.Shape(logical)));

    [Theory]
    // Hebrew alone: reversed.
    [InlineData("שלום", "םולש")]
    // Latin alone: unchanged.
    [InlineData("Salon 12", "Salon 12")]
    // A right-to-left line with a number: the number stays left to right, at the left end.
    [InlineData("רחוב 12", "12 בוחר")]
    // A number with separators and a percent sign stays whole and in order.
    [InlineData("מחיר 1,234.50 %", "% 1,234.50 ריחמ")]
    // Right-to-left inside a left-to-right line: only the Hebrew run (with the number after it) is turned.
    [InlineData("Salon שלום 3", "Salon 3 םולש")]
    // Latin inside a right-to-left line stays left to right.
    [InlineData("שלום Anna לך", "ךל Anna םולש")]
    // Brackets at right-to-left levels are mirrored: they still open and close around the word.
    [InlineData("(שלום)", "(םולש)")]
    // Bidirectional formatting characters are dropped.
    [InlineData("\u200Fשלום", "םולש")]
    public void Visual_ReordersRightToLeftRuns_KeepingNumbersAndLatinLeftToRight(string logical, string visual) =>
        Assert.Equal(visual, LineBidi.Visual(logical));

    [Fact]
    public void Drawable_ShapesThenReorders_AnArabicNameWithNumber()
    {
        // سلام 2: shaped (seen initial, final lam-alef, meem isolated), then the word reversed and the digit kept on the left.
        Assert.Equal(Hex("2 \uFEE1\uFEFC\uFEB3"), Hex(InvoicePdf.Drawable("سلام 2")));
        // Read back: reversing the visual order and NFKC-normalising the presentation forms gives the logical text again.
        var drawn = InvoicePdf.Drawable("محمد عبد الله");
        Assert.Equal("محمد عبد الله", new string([.. drawn.Reverse()]).Normalize(System.Text.NormalizationForm.FormKC));
    }

    private static string Hex(string s) => string.Join(" ", s.Select(c => ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)));
}
