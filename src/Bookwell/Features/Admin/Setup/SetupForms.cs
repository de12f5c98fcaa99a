using System.Globalization;
using System.Text.Json;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Bookwell.Features.Admin.Setup;

/// <summary>
/// The setup forms edit a copy of the tenant's configuration document and apply the whole of it through the
/// same validator and applier as <c>PUT /api/v1/admin/config</c>: one rule set, per-field messages, and
/// nothing stored unless all of it is valid.
/// </summary>
public sealed class FormReader(IFormCollection form, Errors errors)
{
    public Errors Errors => errors;

    public string? Text(string name, int max = 2000)
    {
        var value = form[name].ToString().Trim();
        if (value.Length > max)
        {
            errors.Add(name, $"At most {max} characters.");
            return value[..max];
        }
        return value.Length == 0 ? null : value;
    }

    public int? Int(string name)
    {
        var raw = form[name].ToString().Trim();
        if (raw.Length == 0)
        {
            return null;
        }
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        errors.Add(name, "Must be a whole number.");
        return null;
    }

    public decimal? Decimal(string name)
    {
        var raw = form[name].ToString().Trim().Replace(',', '.');
        if (raw.Length == 0)
        {
            return null;
        }
        if (decimal.TryParse(raw, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        errors.Add(name, "Must be a number such as 35.00.");
        return null;
    }

    public bool Bool(string name) => form[name].Any(v => v == "true" || v == "on");

    public List<string> Values(string name) => form[name].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).Distinct().ToList();

    public List<int>? IntList(string name)
    {
        var raw = form[name].ToString();
        var result = new List<int>();
        foreach (var part in raw.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                result.Add(n);
            }
            else
            {
                errors.Add(name, "Use whole numbers separated by commas, such as 1440, 120.");
                return null;
            }
        }
        return result;
    }

    public List<string> Lines(string name) =>
        form[name].ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>Seven inputs, one per day, each like <c>09:00-12:00, 13:00-17:00</c>; empty means closed.</summary>
    public Dictionary<string, List<List<string>>?> Schedule(string prefix)
    {
        var schedule = new Dictionary<string, List<List<string>>?>(StringComparer.Ordinal);
        foreach (var day in ConfigValidator.DayNames)
        {
            var field = $"{prefix}.{day}";
            var ranges = ParseRanges(form[field].ToString(), field);
            schedule[day] = ranges;
        }
        return schedule;
    }

    private List<List<string>>? ParseRanges(string text, string field)
    {
        var ranges = new List<List<string>>();
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split(['-', '–'], StringSplitOptions.TrimEntries);
            if (ends.Length != 2 || ends[0].Length == 0 || ends[1].Length == 0)
            {
                errors.Add(field, "Write times as 09:00-12:00, 13:00-17:00.");
                return [];
            }
            ranges.Add([Pad(ends[0]), Pad(ends[1])]);
        }
        return ranges;
    }

    private static string Pad(string time) => time.Length == 4 && time[1] == ':' ? "0" + time : time;

    /// <summary>One line per date: <c>2027-12-25 closed</c> or <c>2027-12-24 09:00-13:00</c>.</summary>
    public List<ExceptionDoc> Exceptions(string name)
    {
        var list = new List<ExceptionDoc>();
        var lines = Lines(name);
        if (lines.Count > 400)
        {
            errors.Add(name, "At most 400 dates.");
            return list;
        }
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var date = space < 0 ? line : line[..space];
            var rest = space < 0 ? "closed" : line[(space + 1)..].Trim();
            if (!TimeFormats.TryParseDate(date, out _))
            {
                errors.Add(name, $"'{(line.Length > 40 ? line[..40] : line)}': start each line with a date as YYYY-MM-DD.");
                continue;
            }
            if (rest.Equals("closed", StringComparison.OrdinalIgnoreCase) || rest.Equals("gesloten", StringComparison.OrdinalIgnoreCase))
            {
                list.Add(new ExceptionDoc { Date = date, Closed = true });
            }
            else
            {
                list.Add(new ExceptionDoc { Date = date, Closed = false, Hours = ParseRanges(rest, name) });
            }
        }
        return list;
    }

    public static string ScheduleText(Dictionary<string, List<List<string>>?>? schedule, string day) =>
        schedule is not null && schedule.TryGetValue(day, out var ranges) && ranges is not null
            ? string.Join(", ", ranges.Where(r => r.Count == 2).Select(r => $"{r[0]}-{r[1]}"))
            : "";

    public static string ExceptionsText(List<ExceptionDoc>? exceptions) =>
        string.Join('\n', (exceptions ?? []).Select(x => x.Closed == true || x.Hours is null
            ? $"{x.Date} closed"
            : $"{x.Date} {string.Join(", ", x.Hours.Where(r => r.Count == 2).Select(r => $"{r[0]}-{r[1]}"))}"));
}

public static class ConfigCopy
{
    public static ConfigDocument Clone(ConfigDocument doc) =>
        JsonSerializer.Deserialize<ConfigDocument>(JsonSerializer.Serialize(doc, Json.Options), Json.Options)!;
}
