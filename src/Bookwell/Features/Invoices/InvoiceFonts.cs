using System.Reflection;
using PdfSharp.Fonts;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The one typeface of invoices, receipts and credit notes: DejaVu Sans, carried in the assembly and embedded (as a subset)
/// in each PDF, so a client's name in Polish, Greek or Cyrillic prints as written on any server and in any reader.
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

    private sealed class Resolver : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[]? GetFont(string faceName)
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"fonts/{faceName}.ttf")
                ?? throw new InvalidOperationException($"The font {faceName} is not in the assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
