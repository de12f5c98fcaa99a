using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PdfSharp.Drawing;
using PdfSharp.Fonts;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The fallback fonts of the PDFs: DejaVu Sans (<see cref="InvoiceFonts"/>) stays the font of every character it has; a
/// character it lacks (Chinese, Japanese, Korean…) is drawn in the first fallback font that has it, found on the machine
/// at start: the files <c>Bookwell:Pdf:FallbackFonts</c> names (a list, or one string of paths separated by <c>;</c>; a
/// directory stands for the <c>.ttf</c> files in it), else <see cref="DefaultSearch"/> (Debian's
/// <c>fonts-droid-fallback</c> and <c>fonts-nanum</c> for Korean, and Noto Sans CJK where installed as TrueType). With none found the PDFs still render (those
/// characters as DejaVu's empty box, as before) and one warning says so at start.
/// <para>
/// Only TrueType-outline fonts (<c>.ttf</c>) are taken: PDFsharp 6 embeds those as a subset of the glyphs used (an invoice
/// with a Chinese name grows by tens of kilobytes, not by the font's megabytes), but embeds a CFF-outline OpenType font
/// (<c>.otf</c>, like Debian's <c>fonts-noto-cjk</c>) whole and reads no font collections (<c>.ttc</c>), so those are
/// skipped with the reason logged.
/// </para>
/// </summary>
public sealed class PdfFonts
{
    /// <summary>A fallback font's family (and face) name for PDFsharp: this prefix and the file's path.</summary>
    internal const string FallbackPrefix = "Bookwell Fallback|";

    /// <summary>Where fallback fonts are looked for when the configuration names none, in order of preference.</summary>
    public static readonly IReadOnlyList<string> DefaultSearch =
    [
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansJP-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansTC-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
        // Debian's fonts-nanum (OFL-1.1): Korean. Debian's Droid Sans Fallback carries one Hangul syllable (가) of 11,172.
        "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
        "/usr/local/share/fonts/NotoSansJP-Regular.ttf",
        "/usr/local/share/fonts/NotoSansSC-Regular.ttf",
        "/usr/local/share/fonts/NotoSansTC-Regular.ttf",
        "/usr/local/share/fonts/NotoSansKR-Regular.ttf",
        "/usr/local/share/fonts/DroidSansFallbackFull.ttf",
    ];

    private static readonly Lazy<PdfFonts> LazyDefault = new(() => Find(DefaultSearch, NullLogger.Instance, configured: false),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The default search's fonts, found without logging: for rendering outside the app (tests, tools).</summary>
    public static PdfFonts Default => LazyDefault.Value;

    /// <summary>No fallback: DejaVu alone, as before fallback fonts.</summary>
    public static PdfFonts None { get; } = new([]);

    [ThreadStatic]
    private static PdfFonts? t_current;

    /// <summary>The fonts of the PDF being rendered on this thread (<see cref="Use"/>), else <see cref="Default"/>.</summary>
    internal static PdfFonts Current => t_current ?? Default;

    /// <summary>
    /// Makes <paramref name="fonts"/> the current fonts of this thread until disposed: a PDF is rendered synchronously on one
    /// thread, and its layout helpers (<see cref="InvoicePdf.Wrap"/>, shared with the credit note) read them from here.
    /// </summary>
    internal static Scope Use(PdfFonts fonts)
    {
        var previous = t_current;
        t_current = fonts;
        return new Scope(previous);
    }

    internal readonly struct Scope(PdfFonts? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }

    private readonly XFont[] _probes;
    private readonly ConcurrentDictionary<(int CodePoint, bool Bold), int> _choice = new();

    private PdfFonts(IReadOnlyList<string> files)
    {
        Files = files;
        InvoiceFonts.Ensure();
        _probes = [.. files.Select(f => new XFont(FallbackPrefix + f, 10, XFontStyleEx.Regular))];
    }

    /// <summary>The fallback font files in use, in order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The fonts the configuration names (<c>Bookwell:Pdf:FallbackFonts</c>), else those of the default search.</summary>
    public static PdfFonts FromConfiguration(IConfiguration config, ILogger<PdfFonts> log)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetSection("Bookwell:Pdf:FallbackFonts");
        var named = section.Value is { } one
            ? one.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. section.GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0)];
        return section.Exists() ? Find(named, log, configured: true) : Find(DefaultSearch, log, configured: false);
    }

    /// <summary>
    /// The usable fonts among <paramref name="candidates"/> (files, or directories of <c>.ttf</c> files), in order. A
    /// configured file that is missing or unusable is warned about; with no font at all, one warning says that CJK characters
    /// will print as boxes. Never throws for a bad file.
    /// </summary>
    public static PdfFonts Find(IEnumerable<string> candidates, ILogger log, bool configured)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(log);
        InvoiceFonts.Ensure();
        var looked = new List<string>();
        var usable = new List<string>();
        foreach (var candidate in candidates)
        {
            looked.Add(candidate);
            IEnumerable<string> files = Directory.Exists(candidate)
                ? Directory.EnumerateFiles(candidate, "*.ttf", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal)
                : [candidate];
            foreach (var file in files)
            {
                var full = Path.GetFullPath(file);
                if (usable.Contains(full))
                {
                    continue;
                }
                if (Usable(full) is { } problem)
                {
                    if (configured || File.Exists(full))
                    {
                        log.LogWarning("PDF fallback font {Path} is not used: {Problem}.", full, problem);
                    }
                    continue;
                }
                usable.Add(full);
            }
        }
        if (usable.Count == 0)
        {
            log.LogWarning("No PDF fallback font found (looked for {Paths}): Chinese, Japanese and Korean letters print as boxes on invoices, " +
                "receipts and credit notes. Install the Debian package fonts-droid-fallback, or name a TrueType font in Bookwell:Pdf:FallbackFonts.",
                looked.Count == 0 ? "none" : string.Join(", ", looked));
        }
        else
        {
            log.LogInformation("PDF fallback fonts: {Paths}.", string.Join(", ", usable));
        }
        return new PdfFonts(usable);
    }

    /// <summary>Null when PDFsharp can embed the file as a subset and read its characters; else why not.</summary>
    private static string? Usable(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return "no such file";
            }
            var head = new byte[4];
            using (var stream = File.OpenRead(path))
            {
                if (stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4)
                {
                    return "not a font";
                }
            }
            var tag = Encoding.ASCII.GetString(head);
            if (tag == "ttcf")
            {
                return "a font collection (.ttc), which PDFsharp does not read";
            }
            if (tag == "OTTO")
            {
                return "CFF outlines (OpenType .otf), which PDFsharp would embed whole in every PDF";
            }
            if (tag != "true" && !(head[0] == 0 && head[1] == 1 && head[2] == 0 && head[3] == 0))
            {
                return "not a TrueType font";
            }
            // Loads it the way a PDF will (PDFsharp keeps the font after the first time).
            var font = new XFont(FallbackPrefix + path, 10, XFontStyleEx.Regular);
            _ = GlyphHelper.GlyphIndexFromCodePoint('0', font);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException
            or IndexOutOfRangeException or NotSupportedException or NullReferenceException or InvalidCastException or OverflowException)
        {
            return $"unreadable ({ex.GetType().Name})";
        }
    }

    /// <summary>The PDFsharp family of font <paramref name="index"/>: 0 is DejaVu, 1… the fallbacks in order.</summary>
    internal string Family(int index) => index == 0 ? InvoiceFonts.Family : FallbackPrefix + Files[index - 1];

    /// <summary>
    /// <paramref name="visual"/> (drawn left to right) cut into runs of one font each: each text element in DejaVu when it
    /// has the character, else in the first fallback font that has it, else in DejaVu (its empty box). White space stays in
    /// DejaVu, so its width is DejaVu's everywhere.
    /// </summary>
    internal List<(string Text, int Font)> Runs(string visual, bool bold)
    {
        var runs = new List<(string, int)>();
        if (Files.Count == 0 || visual.All(c => c < 0x0370))
        {
            runs.Add((visual, 0));
            return runs;
        }
        var current = new StringBuilder();
        var font = 0;
        var enumerator = StringInfo.GetTextElementEnumerator(visual);
        while (enumerator.MoveNext())
        {
            var element = (string)enumerator.Current;
            var choice = char.IsWhiteSpace(element[0]) ? 0 : Choose(LineBidi.CodePoint(element), bold);
            if (choice != font && current.Length > 0)
            {
                runs.Add((current.ToString(), font));
                current.Clear();
            }
            font = choice;
            current.Append(element);
        }
        if (current.Length > 0 || runs.Count == 0)
        {
            runs.Add((current.ToString(), font));
        }
        return runs;
    }

    private int Choose(int codePoint, bool bold) => _choice.GetOrAdd((codePoint, bold), key =>
    {
        if (GlyphHelper.GlyphIndexFromCodePoint(key.CodePoint, InvoiceFonts.Probe(key.Bold)) != 0)
        {
            return 0;
        }
        var hangul = IsHangul(key.CodePoint);
        for (var i = 0; i < _probes.Length; i++)
        {
            // A font with a stray Hangul syllable or two would split a Korean name across two typefaces: for Hangul only
            // a font that has the script (its sentinel 한) is taken.
            if (GlyphHelper.GlyphIndexFromCodePoint(key.CodePoint, _probes[i]) != 0
                && (!hangul || GlyphHelper.GlyphIndexFromCodePoint(HangulSentinel, _probes[i]) != 0))
            {
                return i + 1;
            }
        }
        return 0;
    });

    private const int HangulSentinel = 0xD55C;

    private static bool IsHangul(int codePoint) =>
        codePoint is (>= 0x1100 and <= 0x11FF) or (>= 0x3130 and <= 0x318F) or (>= 0xA960 and <= 0xA97F) or (>= 0xAC00 and <= 0xD7FF);
}
