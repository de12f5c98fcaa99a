using System.Text;

namespace Bookwell.Infrastructure;

/// <summary>One record of a CSV file: its cells and the line it starts on (1-based, for error messages).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Cells);

/// <summary>
/// RFC 4180 reading: records end at CRLF or LF (a lone CR too); a field in double quotes may hold commas, line
/// breaks and doubled quotes; a leading byte order mark is dropped; a final line break adds no record; blank lines
/// are skipped. A quote left open, or text after a closing quote, is an error naming its line. The separator is a
/// comma, or a semicolon when the first line has semicolons and no commas (spreadsheets with a decimal comma).
/// </summary>
public static class Csv
{
    public static (List<CsvRecord> Records, string? Error) Parse(string text, int maxRecords)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<CsvRecord>();
        var n = text.Length;
        var i = n > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var separator = Separator(text, i);
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, inQuotes = false;
        int line = 1, recordLine = 1, quoteLine = 1;
        string? End()
        {
            record.Add(field.ToString());
            field.Clear();
            // A blank line is no record; a line of one quoted empty field is.
            if (!(record.Count == 1 && record[0].Length == 0 && !quoted))
            {
                if (records.Count >= maxRecords)
                {
                    return $"More than {maxRecords} lines.";
                }
                records.Add(new CsvRecord(recordLine, record));
            }
            record = [];
            quoted = false;
            return null;
        }
        while (i < n)
        {
            var c = text[i];
            var next = i + 1 < n ? text[i + 1] : '\0';
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (next == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }
                    inQuotes = false;
                    i++;
                    if (i < n && text[i] != separator && text[i] is not '\r' and not '\n')
                    {
                        return (records, $"Line {line}: text after a closing quote.");
                    }
                    continue;
                }
                if (c == '\n' || (c == '\r' && next != '\n'))
                {
                    line++;
                }
                field.Append(c);
                i++;
                continue;
            }
            if (c == '"')
            {
                if (field.Length > 0 || quoted)
                {
                    return (records, $"Line {line}: a quote inside an unquoted field (quote the whole field and double the quote).");
                }
                inQuotes = quoted = true;
                quoteLine = line;
                i++;
                continue;
            }
            if (c == separator)
            {
                record.Add(field.ToString());
                field.Clear();
                quoted = false;
                i++;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (End() is { } tooMany)
                {
                    return (records, tooMany);
                }
                i += c == '\r' && next == '\n' ? 2 : 1;
                recordLine = ++line;
                continue;
            }
            field.Append(c);
            i++;
        }
        if (inQuotes)
        {
            return (records, $"Line {quoteLine}: a quoted field is not closed.");
        }
        return (records, End());
    }

    private static char Separator(string text, int from)
    {
        var end = text.IndexOfAny(['\r', '\n'], from);
        var first = end < 0 ? text.AsSpan(from) : text.AsSpan(from, end - from);
        return first.Contains(';') && !first.Contains(',') ? ';' : ',';
    }

    /// <summary>Undoes the apostrophe the CSV exports put before a formula-like cell (<c>BookingsModel.Cell</c>), so a file exported here imports its own values again.</summary>
    public static string Unguard(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > 1 && value[0] == '\'' && value[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? value[1..] : value;
    }
}
