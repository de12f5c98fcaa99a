using System.Text;

namespace Bookwell.Features.Invoices;

/// <summary>
/// Arabic contextual shaping for the PDFs, in house: PDFsharp draws one glyph per character and shapes nothing, so each
/// Arabic letter is replaced here by its presentation form (Unicode's Arabic Presentation Forms-B, U+FE70–U+FEFF, and for
/// the Persian letters پ چ ژ ک گ ی Forms-A), which DejaVu Sans carries: isolated, initial, medial or final as its
/// neighbours join, and lam followed by an alef as one lam-alef ligature. The text stays in logical order; <see cref="LineBidi"/>
/// puts it in visual order afterwards.
/// <para>
/// Joining follows Unicode's ArabicShaping.txt for the letters in the table: right-joining letters (alef, dal, reh, waw…)
/// never join the letter after them, so "دار" is three separate forms; marks (harakat) are transparent; tatweel and ZWJ
/// join both sides, ZWNJ breaks a join. Limits: letters outside the table (Urdu, Pashto, Sindhi extensions, Syriac, N'Ko)
/// are left as they are, unjoined; no mark positioning beyond what the font's combining glyphs do; the optional ligatures
/// of Forms-A (e.g. lam-meem) are not used.
/// </para>
/// </summary>
public static class ArabicShaping
{
    private enum Joining : byte
    {
        None,
        Right,
        Dual,
        Causing,
        Transparent,
    }

    /// <summary>A letter's forms: isolated, final, initial, medial (0: the letter has no such form).</summary>
    private readonly record struct Forms(char Isolated, char Final, char Initial, char Medial);

    private static readonly Dictionary<char, Forms> Letters = Build();

    private static Dictionary<char, Forms> Build()
    {
        var d = new Dictionary<char, Forms>();
        void R(char letter, char isolated) => d[letter] = new Forms(isolated, (char)(isolated + 1), '\0', '\0');
        void D(char letter, char isolated) => d[letter] = new Forms(isolated, (char)(isolated + 1), (char)(isolated + 2), (char)(isolated + 3));
        d['\u0621'] = new Forms('\uFE80', '\0', '\0', '\0'); // hamza: joins nothing
        R('\u0622', '\uFE81'); // alef with madda
        R('\u0623', '\uFE83'); // alef with hamza above
        R('\u0624', '\uFE85'); // waw with hamza
        R('\u0625', '\uFE87'); // alef with hamza below
        D('\u0626', '\uFE89'); // yeh with hamza
        R('\u0627', '\uFE8D'); // alef
        D('\u0628', '\uFE8F'); // beh
        R('\u0629', '\uFE93'); // teh marbuta
        D('\u062A', '\uFE95'); // teh
        D('\u062B', '\uFE99'); // theh
        D('\u062C', '\uFE9D'); // jeem
        D('\u062D', '\uFEA1'); // hah
        D('\u062E', '\uFEA5'); // khah
        R('\u062F', '\uFEA9'); // dal
        R('\u0630', '\uFEAB'); // thal
        R('\u0631', '\uFEAD'); // reh
        R('\u0632', '\uFEAF'); // zain
        D('\u0633', '\uFEB1'); // seen
        D('\u0634', '\uFEB5'); // sheen
        D('\u0635', '\uFEB9'); // sad
        D('\u0636', '\uFEBD'); // dad
        D('\u0637', '\uFEC1'); // tah
        D('\u0638', '\uFEC5'); // zah
        D('\u0639', '\uFEC9'); // ain
        D('\u063A', '\uFECD'); // ghain
        D('\u0641', '\uFED1'); // feh
        D('\u0642', '\uFED5'); // qaf
        D('\u0643', '\uFED9'); // kaf
        D('\u0644', '\uFEDD'); // lam
        D('\u0645', '\uFEE1'); // meem
        D('\u0646', '\uFEE5'); // noon
        D('\u0647', '\uFEE9'); // heh
        R('\u0648', '\uFEED'); // waw
        d['\u0649'] = new Forms('\uFEEF', '\uFEF0', '\uFBE8', '\uFBE9'); // alef maksura (dual-joining; its joining forms are in Forms-A)
        D('\u064A', '\uFEF1'); // yeh
        D('\u067E', '\uFB56'); // peh
        D('\u0686', '\uFB7A'); // tcheh
        R('\u0698', '\uFB8A'); // jeh
        D('\u06A9', '\uFB8E'); // keheh
        D('\u06AF', '\uFB92'); // gaf
        D('\u06CC', '\uFBFC'); // farsi yeh
        return d;
    }

    /// <summary>Lam-alef ligatures by the alef: isolated form (the final form is the next code point).</summary>
    private static char LamAlef(char alef) => alef switch
    {
        '\u0622' => '\uFEF5',
        '\u0623' => '\uFEF7',
        '\u0625' => '\uFEF9',
        '\u0627' => '\uFEFB',
        _ => '\0',
    };

    private static Joining TypeOf(char c)
    {
        if (Letters.TryGetValue(c, out var forms))
        {
            return forms.Initial != '\0' ? Joining.Dual : forms.Final != '\0' ? Joining.Right : Joining.None;
        }
        return c switch
        {
            '\u0640' or '\u200D' => Joining.Causing, // tatweel, zero width joiner
            >= '\u0610' and <= '\u061A' or >= '\u064B' and <= '\u065F' or '\u0670' or >= '\u06D6' and <= '\u06DC'
                or >= '\u06DF' and <= '\u06E4' or '\u06E7' or '\u06E8' or >= '\u06EA' and <= '\u06ED' => Joining.Transparent,
            _ => Joining.None,
        };
    }

    /// <summary>True when the text has a letter this shaper changes (a fast way past Latin, CJK and the rest).</summary>
    public static bool NeedsShaping(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (c is >= '\u0621' and <= '\u06CC' && Letters.ContainsKey(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <paramref name="text"/> (logical order) with each Arabic letter of the table in its contextual presentation form
    /// and lam + alef as one ligature; every other character unchanged.
    /// </summary>
    public static string Shape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!NeedsShaping(text))
        {
            return text;
        }
        var types = new Joining[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            types[i] = TypeOf(text[i]);
        }
        int Previous(int i)
        {
            for (var p = i - 1; p >= 0; p--)
            {
                if (types[p] != Joining.Transparent)
                {
                    return p;
                }
            }
            return -1;
        }
        int Next(int i)
        {
            for (var n = i + 1; n < text.Length; n++)
            {
                if (types[n] != Joining.Transparent)
                {
                    return n;
                }
            }
            return -1;
        }
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!Letters.TryGetValue(c, out var forms))
            {
                sb.Append(c);
                continue;
            }
            var p = Previous(i);
            var n = Next(i);
            var joinsBefore = types[i] is Joining.Right or Joining.Dual && p >= 0 && types[p] is Joining.Dual or Joining.Causing;
            var ligature = c == '\u0644' && n >= 0 ? LamAlef(text[n]) : '\0';
            if (ligature != '\0')
            {
                sb.Append(joinsBefore ? (char)(ligature + 1) : ligature);
                // Marks between the lam and its alef stay, after the ligature; the alef itself is in it.
                for (var m = i + 1; m < n; m++)
                {
                    sb.Append(text[m]);
                }
                i = n;
                continue;
            }
            var joinsAfter = types[i] == Joining.Dual && n >= 0 && types[n] is Joining.Right or Joining.Dual or Joining.Causing;
            sb.Append((joinsBefore, joinsAfter) switch
            {
                (true, true) => forms.Medial,
                (true, false) => forms.Final,
                (false, true) => forms.Initial,
                _ => forms.Isolated,
            });
        }
        return sb.ToString();
    }
}
