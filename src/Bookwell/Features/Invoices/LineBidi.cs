using System.Globalization;
using System.Text;

namespace Bookwell.Features.Invoices;

/// <summary>
/// One line of text from logical into visual (left-to-right drawing) order, for the PDFs: PDFsharp draws characters in
/// the order given, so Arabic and Hebrew must be reordered before they are drawn. A small subset of the Unicode
/// Bidirectional Algorithm (UAX #9), enough for names, addresses and line descriptions:
/// <list type="bullet">
/// <item>the line's direction is its first strong letter's (P2/P3), left-to-right when it has none;</item>
/// <item>character types: strong left (letters of other scripts), strong right (Hebrew, Arabic, Syriac, Thaana, N'Ko and
/// their presentation forms), numbers (ASCII, Arabic-Indic and Extended Arabic-Indic digits; after Arabic they are
/// treated like European digits, not as Arabic numbers), number separators and terminators, marks, neutrals;</item>
/// <item>weak types resolved as W4, W5, W6 and W7 say (a single <c>+ -</c> or <c>, . / :</c> between two digits belongs to
/// the number, <c>% $ € #</c> next to a number too; digits after left-to-right text count as left-to-right);</item>
/// <item>neutrals (spaces, punctuation) take the direction of the text on both sides when it agrees, else the line's
/// (N1/N2); embedding levels as I1/I2; the reordering of L2 (reverse each run at a level and higher, from the highest
/// level down to the lowest odd one), so digits and Latin inside right-to-left text stay left-to-right;</item>
/// <item>paired brackets and a few other mirrored characters (<c>( ) [ ] { } &lt; &gt; « »</c>) drawn mirrored at
/// right-to-left levels (L4).</item>
/// </list>
/// Limits (what the full algorithm does and this does not): no explicit embeddings, overrides or isolates (LRE, RLE, LRO,
/// RLO, PDF, LRI, RLI, FSI, PDI are dropped as formatting characters); no bracket pairs (N0); no Arabic-number type (AN)
/// distinct from European numbers; each drawn line is its own paragraph, so a wrapped paragraph's later lines take their
/// direction from their own first strong letter. Characters move as whole text elements (a letter with its marks, a
/// surrogate pair), never split.
/// </summary>
public static class LineBidi
{
    private enum Kind : byte
    {
        L,
        R,
        Number,
        NumberSeparator,
        CommonSeparator,
        NumberTerminator,
        Neutral,
    }

    /// <summary>True when the text has a right-to-left letter (so it needs reordering).</summary>
    public static bool HasRightToLeft(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (IsRightToLeft(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The first code point of a text element (a lone surrogate as itself).</summary>
    internal static int CodePoint(string element) =>
        char.IsSurrogatePair(element, 0) ? char.ConvertToUtf32(element[0], element[1]) : element[0];

    private static bool IsRightToLeft(int c) => c is >= 0x0590 and <= 0x08FF and not (>= 0x0660 and <= 0x0669) and not (>= 0x06F0 and <= 0x06F9)
        && !IsMark(c) || c is >= 0xFB1D and <= 0xFDFF or >= 0xFE70 and <= 0xFEFE || c is >= 0x10800 and <= 0x10FFF or >= 0x1E800 and <= 0x1EFFF;

    private static bool IsMark(int c)
    {
        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        return category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
    }

    private static Kind KindOf(int c)
    {
        if (c is >= '0' and <= '9' or >= 0x0660 and <= 0x0669 or >= 0x06F0 and <= 0x06F9 or >= 0xFF10 and <= 0xFF19)
        {
            return Kind.Number;
        }
        switch (c)
        {
            case '+' or '-' or 0x2212 or 0xFF0B or 0xFF0D:
                return Kind.NumberSeparator;
            case ',' or '.' or '/' or ':' or 0x00A0 or 0x060C or 0x202F or 0x2044 or 0xFF0C or 0xFF0E or 0xFF0F or 0xFF1A:
                return Kind.CommonSeparator;
            case '#' or '%' or 0x00B0 or 0x00B1 or 0x066A or 0x2030 or 0x2031 or 0x2032 or 0x2033:
                return Kind.NumberTerminator;
        }
        if (IsRightToLeft(c))
        {
            return Kind.R;
        }
        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        if (category == UnicodeCategory.CurrencySymbol)
        {
            return Kind.NumberTerminator;
        }
        return category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.LetterNumber or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.OtherNumber => Kind.L,
            _ => Kind.Neutral,
        };
    }

    private static readonly Dictionary<string, string> Mirrored = new(StringComparer.Ordinal)
    {
        ["("] = ")",
        [")"] = "(",
        ["["] = "]",
        ["]"] = "[",
        ["{"] = "}",
        ["}"] = "{",
        ["<"] = ">",
        [">"] = "<",
        ["«"] = "»",
        ["»"] = "«",
        ["‹"] = "›",
        ["›"] = "‹",
    };

    /// <summary>
    /// The line in visual order: what is drawn left to right. Text without a right-to-left letter comes back unchanged.
    /// Bidirectional formatting characters are dropped.
    /// </summary>
    public static string Visual(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!HasRightToLeft(line))
        {
            return line;
        }
        // Text elements: a base character with its marks (their type is the base's: W1), or a surrogate pair.
        var elements = new List<string>();
        var enumerator = StringInfo.GetTextElementEnumerator(line);
        while (enumerator.MoveNext())
        {
            var element = (string)enumerator.Current;
            if (element.Length == 1 && CharUnicodeInfo.GetUnicodeCategory(element[0]) == UnicodeCategory.Format)
            {
                continue;
            }
            elements.Add(element);
        }
        var n = elements.Count;
        var kinds = new Kind[n];
        for (var i = 0; i < n; i++)
        {
            kinds[i] = KindOf(CodePoint(elements[i]));
        }

        // P2/P3: the first strong type sets the line's direction.
        var rtl = false;
        foreach (var k in kinds)
        {
            if (k is Kind.L or Kind.R)
            {
                rtl = k == Kind.R;
                break;
            }
        }
        var paragraph = rtl ? Kind.R : Kind.L;

        // W4: one separator between two numbers joins them.
        for (var i = 1; i < n - 1; i++)
        {
            if (kinds[i] is Kind.NumberSeparator or Kind.CommonSeparator && kinds[i - 1] == Kind.Number && kinds[i + 1] == Kind.Number)
            {
                kinds[i] = Kind.Number;
            }
        }
        // W5: terminators next to a number belong to it.
        for (var i = 0; i < n; i++)
        {
            if (kinds[i] != Kind.NumberTerminator)
            {
                continue;
            }
            var end = i;
            while (end < n && kinds[end] == Kind.NumberTerminator)
            {
                end++;
            }
            if ((i > 0 && kinds[i - 1] == Kind.Number) || (end < n && kinds[end] == Kind.Number))
            {
                for (var j = i; j < end; j++)
                {
                    kinds[j] = Kind.Number;
                }
            }
            i = end - 1;
        }
        // W6: the separators and terminators left are neutral. W7: numbers after left-to-right text are left-to-right.
        var lastStrong = paragraph;
        for (var i = 0; i < n; i++)
        {
            if (kinds[i] is Kind.NumberSeparator or Kind.CommonSeparator or Kind.NumberTerminator)
            {
                kinds[i] = Kind.Neutral;
            }
            else if (kinds[i] is Kind.L or Kind.R)
            {
                lastStrong = kinds[i];
            }
            else if (kinds[i] == Kind.Number && lastStrong == Kind.L)
            {
                kinds[i] = Kind.L;
            }
        }
        // N1/N2: a run of neutrals between text of one direction (numbers counting as right-to-left) takes it, else the line's.
        for (var i = 0; i < n; i++)
        {
            if (kinds[i] != Kind.Neutral)
            {
                continue;
            }
            var end = i;
            while (end < n && kinds[end] == Kind.Neutral)
            {
                end++;
            }
            var before = i == 0 ? paragraph : kinds[i - 1] == Kind.Number ? Kind.R : kinds[i - 1];
            var after = end == n ? paragraph : kinds[end] == Kind.Number ? Kind.R : kinds[end];
            var resolved = before == after ? before : paragraph;
            for (var j = i; j < end; j++)
            {
                kinds[j] = resolved;
            }
            i = end - 1;
        }
        // I1/I2: embedding levels.
        var levels = new int[n];
        for (var i = 0; i < n; i++)
        {
            levels[i] = (rtl, kinds[i]) switch
            {
                (false, Kind.L) => 0,
                (false, Kind.R) => 1,
                (false, _) => 2,
                (true, Kind.R) => 1,
                _ => 2,
            };
        }
        // L1: trailing white space at the line's level.
        for (var i = n - 1; i >= 0 && string.IsNullOrWhiteSpace(elements[i]); i--)
        {
            levels[i] = rtl ? 1 : 0;
        }
        // L4: mirrored characters at odd levels.
        for (var i = 0; i < n; i++)
        {
            if (levels[i] % 2 == 1 && Mirrored.TryGetValue(elements[i], out var mirror))
            {
                elements[i] = mirror;
            }
        }
        // L2: from the highest level down to the lowest odd one, reverse every run at that level or higher.
        var highest = levels.Length == 0 ? 0 : levels.Max();
        var lowestOdd = levels.Where(l => l % 2 == 1).DefaultIfEmpty(1).Min();
        var order = Enumerable.Range(0, n).ToArray();
        for (var level = highest; level >= lowestOdd; level--)
        {
            for (var i = 0; i < n; i++)
            {
                if (levels[order[i]] < level)
                {
                    continue;
                }
                var end = i;
                while (end < n && levels[order[end]] >= level)
                {
                    end++;
                }
                Array.Reverse(order, i, end - i);
                i = end - 1;
            }
        }
        var sb = new StringBuilder(line.Length);
        foreach (var i in order)
        {
            sb.Append(elements[i]);
        }
        return sb.ToString();
    }
}
