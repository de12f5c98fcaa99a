using System.Text;

namespace Bookwell.Features.Organizations;

/// <summary>
/// The members' CSV as RFC 4180 reads it: fields in double quotes keep separators, line breaks and doubled quotes;
/// records end at CRLF, LF or CR; a byte order mark is dropped. Spreadsheets in languages that write decimal commas
/// export with semicolons, so the separator is the one the first line uses outside quotes (a comma when it uses
/// neither, or both equally). Each record knows the line it starts on, which is what an error names.
/// </summary>
public static class MemberCsv
{
    /// <summary>One record: the line it starts on, its fields, and whether a quoted field ran to the end of the text unclosed.</summary>
    public sealed record Record(int Line, IReadOnlyList<string> Fields, bool Unclosed);

    public static List<Record> Read(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var text = csv.Length > 0 && csv[0] == '\uFEFF' ? csv[1..] : csv;
        var separator = SeparatorOf(text);
        var records = new List<Record>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var start = 1;
        var quoted = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                }
                else
                {
                    if (c == '\n' || (c == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
                    {
                        line++;
                    }
                    field.Append(c);
                }
                i++;
                continue;
            }
            if (c == '"')
            {
                // A quote opens a quoted part anywhere in a field (lenient: `a"b,c"` reads as `ab,c`), as spreadsheets read it.
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\r' or '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add(new Record(start, [.. fields], false));
                fields.Clear();
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                line++;
                start = line;
            }
            else
            {
                field.Append(c);
            }
            i++;
        }
        if (quoted || field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(new Record(start, [.. fields], quoted));
        }
        // Blank lines (and lines of empty fields) are no records.
        records.RemoveAll(r => !r.Unclosed && r.Fields.All(string.IsNullOrWhiteSpace));
        return records;
    }

    /// <summary>Comma or semicolon: whichever the first line uses more often outside quotes.</summary>
    private static char SeparatorOf(string text)
    {
        int commas = 0, semicolons = 0;
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\r' or '\n')
            {
                if (commas + semicolons > 0)
                {
                    break;
                }
            }
            else if (!quoted && c == ',')
            {
                commas++;
            }
            else if (!quoted && c == ';')
            {
                semicolons++;
            }
        }
        return semicolons > commas ? ';' : ',';
    }

    /// <summary>
    /// A first record is a header only when it reads like one: its address column holds a heading (e-mail, mail,
    /// address, in English or Dutch), not an address or anything else. Any other first line is a member, checked as one.
    /// </summary>
    public static bool IsHeader(Record record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var email = record.Fields.ElementAtOrDefault(1);
        if (email is null)
        {
            return false;
        }
        var word = new string([.. email.Where(char.IsLetter).Select(char.ToLowerInvariant)]);
        return word is "email" or "mail" or "emailaddress" or "address" or "emailadres" or "mailadres" or "adres";
    }
}
