using System.Reflection;
using PdfSharp.Drawing;
using PdfSharp.Fonts;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The typeface of invoices, receipts and credit notes: DejaVu Sans, carried in the assembly and embedded (as a subset)
/// in each PDF, so a client's name in Polish, Greek, Cyrillic, Arabic or Hebrew prints as written on any server and in any
/// reader; for the characters DejaVu lacks (Chinese, Japanese, Korean) the fallback fonts found on the machine
/// (<see cref="PdfFonts"/>), also embedded as subsets.
/// </summary>
public static class InvoiceFonts
{
    public const string Family = "Bookwell Sans";

    private static readonly Lazy<bool> Registered = new(() =>
    {
        // PDFsharp's resolver is process-wide and may be set once, before the first font is made.
        GlobalFontSettings.FontResolver = new Resolver();
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void Ensure() => _ = Registered.Value;

    private static readonly Lazy<XFont> Regular = new(() => { Ensure(); return new XFont(Family, 10, XFontStyleEx.Regular); });

    private static readonly Lazy<XFont> Bold = new(() => { Ensure(); return new XFont(Family, 10, XFontStyleEx.Bold); });

    /// <summary>DejaVu at some size, to ask whether it has a character.</summary>
    internal static XFont Probe(bool bold) => bold ? Bold.Value : Regular.Value;

    private sealed class Resolver : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            familyName.StartsWith(PdfFonts.FallbackPrefix, StringComparison.Ordinal)
                // A fallback font is one file, regular: its bold is PDFsharp's simulated bold.
                ? new(familyName, bold, false)
                : new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[]? GetFont(string faceName)
        {
            if (faceName.StartsWith(PdfFonts.FallbackPrefix, StringComparison.Ordinal))
            {
                // The file was checked when the fallback set was made (PdfFonts.Find); PDFsharp asks once and keeps the font.
                return File.ReadAllBytes(faceName[PdfFonts.FallbackPrefix.Length..]);
            }
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"fonts/{faceName}.ttf")
                ?? throw new InvalidOperationException($"The font {faceName} is not in the assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
