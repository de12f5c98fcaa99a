using System.Globalization;
using System.Text;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;
using Calendar = Ical.Net.Calendar;
using Duration = NodaTime.Duration;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Time zones of a subscribed feed that are neither IANA nor Windows names. Calendar programs write such TZIDs with the
/// zone's rules in the file's VTIMEZONE (Outlook's "(UTC+01:00) Amsterdam, Berlin…" or "Customized Time Zone", Lotus
/// Notes, exports of older programs); Ical.Net resolves TZIDs by name only, and for these either gives up (the whole feed
/// then failed, blocking nothing) or guesses a wrong zone (anything beginning with "GMT" became UTC, an hour off in
/// Amsterdam). Before the feed is parsed, each event whose times name such a zone gets floating times and a marker
/// naming a zone built from the file's own VTIMEZONE rules; a name with no VTIMEZONE at all is read as floating, in the
/// staff member's zone. Feeds naming only known zones are left exactly as they are.
/// </summary>
public static class FeedZones
{
    /// <summary>The property that tells <see cref="BusyExpander"/> which of <see cref="Prepared.Zones"/> an event's floating times are in.</summary>
    public const string Marker = "X-BOOKWELL-ZONE";

    public sealed record Prepared(string Ics, IReadOnlyList<DateTimeZone> Zones);

    /// <summary>A TZID Ical.Net resolves exactly: an IANA id, a Windows id, or a Mozilla-style path ending in an IANA id.</summary>
    public static bool IsKnown(string tzid)
    {
        ArgumentNullException.ThrowIfNull(tzid);
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(tzid) is not null || TzdbDateTimeZoneSource.Default.WindowsMapping.PrimaryMapping.ContainsKey(tzid))
        {
            return true;
        }
        var parts = tzid.Split('/');
        return tzid.StartsWith('/') && parts.Length >= 3 && DateTimeZoneProviders.Tzdb.GetZoneOrNull($"{parts[^2]}/{parts[^1]}") is not null;
    }

    /// <summary>The feed ready for Ical.Net; zones are built for the instants <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static Prepared Prepare(string ics, Instant from, Instant to)
    {
        ArgumentNullException.ThrowIfNull(ics);
        if (!ics.Contains("TZID=", StringComparison.OrdinalIgnoreCase))
        {
            return new Prepared(ics, []);
        }
        var lines = ics.Replace("\r\n ", "", StringComparison.Ordinal).Replace("\r\n\t", "", StringComparison.Ordinal)
            .Replace("\n ", "", StringComparison.Ordinal).Replace("\n\t", "", StringComparison.Ordinal)
            .Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        var definitions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var unknown = false;
        List<string>? block = null;
        var inEvent = false;
        foreach (var line in lines)
        {
            if (line.Equals("BEGIN:VTIMEZONE", StringComparison.OrdinalIgnoreCase))
            {
                block = [];
            }
            else if (line.Equals("END:VTIMEZONE", StringComparison.OrdinalIgnoreCase) && block is not null)
            {
                if (block.FirstOrDefault(l => l.StartsWith("TZID:", StringComparison.OrdinalIgnoreCase)) is { } id)
                {
                    definitions.TryAdd(id[5..], block);
                }
                block = null;
            }
            else if (block is not null)
            {
                block.Add(line);
            }
            else if (line.Equals("BEGIN:VEVENT", StringComparison.OrdinalIgnoreCase))
            {
                inEvent = true;
            }
            else if (line.Equals("END:VEVENT", StringComparison.OrdinalIgnoreCase))
            {
                inEvent = false;
            }
            else if (inEvent && Split(line) is { TzId: { } tz } && !IsKnown(tz))
            {
                unknown = true;
            }
        }
        if (!unknown)
        {
            return new Prepared(ics, []);
        }

        var zones = new List<DateTimeZone>();
        var built = new Dictionary<string, int?>(StringComparer.Ordinal);
        var output = new StringBuilder(ics.Length);
        int? eventZone = null;
        inEvent = false;
        foreach (var line in lines)
        {
            var text = line;
            if (line.Equals("BEGIN:VEVENT", StringComparison.OrdinalIgnoreCase))
            {
                inEvent = true;
                eventZone = null;
            }
            else if (line.Equals("END:VEVENT", StringComparison.OrdinalIgnoreCase))
            {
                if (eventZone is { } z)
                {
                    output.Append(Marker).Append(':').Append(z.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
                }
                inEvent = false;
            }
            else if (inEvent && Split(line) is { TzId: { } tz } parsed && !IsKnown(tz))
            {
                // Floating from here on; the marker says in which zone (none: the staff member's).
                text = parsed.WithoutTzId;
                if (!built.TryGetValue(tz, out var index))
                {
                    if (definitions.TryGetValue(tz, out var definition) && Build(tz, definition, from, to) is { } zone)
                    {
                        index = zones.Count;
                        zones.Add(zone);
                    }
                    built[tz] = index;
                }
                if (parsed.Name.Equals("DTSTART", StringComparison.OrdinalIgnoreCase))
                {
                    eventZone = index;
                }
            }
            output.Append(text).Append("\r\n");
        }
        return new Prepared(output.ToString(), zones);
    }

    private sealed record Line(string Name, string? TzId, string WithoutTzId);

    /// <summary>A content line's name and TZID parameter (quoted values may hold ':' and ';'), and the line without that parameter.</summary>
    private static Line? Split(string line)
    {
        var quoted = false;
        var colon = -1;
        var cuts = new List<int>();
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == ';')
            {
                cuts.Add(i);
            }
            else if (!quoted && c == ':')
            {
                colon = i;
                break;
            }
        }
        if (colon < 0 || cuts.Count == 0)
        {
            return null;
        }
        cuts.Add(colon);
        var name = line[..cuts[0]];
        var kept = new StringBuilder(name);
        string? tzid = null;
        for (var k = 0; k < cuts.Count - 1; k++)
        {
            var parameter = line[(cuts[k] + 1)..cuts[k + 1]];
            if (parameter.StartsWith("TZID=", StringComparison.OrdinalIgnoreCase))
            {
                tzid = parameter[5..].Trim('"');
            }
            else
            {
                kept.Append(';').Append(parameter);
            }
        }
        return tzid is null ? null : new Line(name, tzid, kept.Append(line[colon..]).ToString());
    }

    private static readonly LocalDateTimePattern Local = LocalDateTimePattern.CreateWithInvariantCulture("uuuuMMdd'T'HHmmss");

    private sealed record Observance(LocalDateTime Start, Offset From, Offset To, string? Rule, List<LocalDateTime> Dates);

    /// <summary>A zone from a VTIMEZONE's STANDARD and DAYLIGHT observances, its transitions worked out around the window; null when unusable.</summary>
    internal static DateTimeZone? Build(string id, List<string> definition, Instant from, Instant to)
    {
        var observances = new List<Observance>();
        Dictionary<string, string>? current = null;
        List<string>? dates = null;
        foreach (var line in definition)
        {
            if (line.Equals("BEGIN:STANDARD", StringComparison.OrdinalIgnoreCase) || line.Equals("BEGIN:DAYLIGHT", StringComparison.OrdinalIgnoreCase))
            {
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                dates = [];
            }
            else if ((line.Equals("END:STANDARD", StringComparison.OrdinalIgnoreCase) || line.Equals("END:DAYLIGHT", StringComparison.OrdinalIgnoreCase)) && current is not null)
            {
                if (current.TryGetValue("DTSTART", out var start) && Local.Parse(start).TryGetValue(default, out var s) &&
                    ParseOffset(current.GetValueOrDefault("TZOFFSETFROM")) is { } f && ParseOffset(current.GetValueOrDefault("TZOFFSETTO")) is { } t)
                {
                    var extra = new List<LocalDateTime>();
                    foreach (var d in dates!.SelectMany(d => d.Split(',')))
                    {
                        if (Local.Parse(d.Trim()).TryGetValue(default, out var r))
                        {
                            extra.Add(r);
                        }
                    }
                    observances.Add(new Observance(s, f, t, current.GetValueOrDefault("RRULE"), extra));
                }
                current = null;
            }
            else if (current is not null && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
            {
                var name = line[..colon].Split(';')[0];
                if (name.Equals("RDATE", StringComparison.OrdinalIgnoreCase))
                {
                    dates!.Add(line[(colon + 1)..]);
                }
                else
                {
                    current[name] = line[(colon + 1)..];
                }
            }
        }
        if (observances.Count == 0)
        {
            return null;
        }
        // Transitions from two years before the window to a year after it: enough to know the offset at every instant in it.
        var first = (from - Duration.FromDays(2 * 366)).InUtc().LocalDateTime;
        var last = (to + Duration.FromDays(366)).InUtc().LocalDateTime;
        var transitions = new List<(Instant At, Offset From, Offset To)>();
        try
        {
            foreach (var o in observances)
            {
                foreach (var onset in Onsets(o, first, last))
                {
                    transitions.Add((onset.WithOffset(o.From).ToInstant(), o.From, o.To));
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or Ical.Net.Evaluation.EvaluationException)
        {
            return null;
        }
        transitions = [.. transitions.GroupBy(t => t.At).Select(g => g.Last()).OrderBy(t => t.At)];
        if (transitions.Count == 0)
        {
            return null;
        }
        return new RuleZone(id, [.. transitions.Select(t => t.At)], [.. transitions.Select(t => t.To)], transitions[0].From);
    }

    private static IEnumerable<LocalDateTime> Onsets(Observance o, LocalDateTime first, LocalDateTime last)
    {
        yield return o.Start;
        foreach (var d in o.Dates)
        {
            yield return d;
        }
        if (o.Rule is not { Length: > 0 } rule)
        {
            yield break;
        }
        // UNTIL is in UTC while DTSTART is local: a floating UNTIL two days later takes in the last onset and no other (yearly rules).
        var parts = rule.Split(';').Select(p =>
        {
            if (!p.StartsWith("UNTIL=", StringComparison.OrdinalIgnoreCase) || p.Length < 14)
            {
                return p;
            }
            var day = LocalDatePattern.Iso.Parse($"{p[6..10]}-{p[10..12]}-{p[12..14]}");
            return day.Success ? $"UNTIL={day.Value.PlusDays(2):yyyyMMdd}T000000" : p;
        });
        var text = string.Join("\r\n",
        [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bookwell//Zones//EN", "BEGIN:VEVENT", "UID:onset", "DTSTAMP:20000101T000000Z",
            $"DTSTART:{Local.Format(o.Start)}", $"RRULE:{string.Join(';', parts)}", "END:VEVENT", "END:VCALENDAR", "",
        ]);
        var calendar = Calendar.Load(text) ?? throw new FormatException("No calendar.");
        var start = o.Start > first ? o.Start : first;
        var begin = new CalDateTime(start.Year, start.Month, start.Day, start.Hour, start.Minute, start.Second, null);
        foreach (var occurrence in calendar.GetOccurrences<CalendarEvent>(begin, new Ical.Net.Evaluation.EvaluationOptions { MaxUnmatchedIncrementsLimit = 10_000 }))
        {
            var value = LocalDateTime.FromDateTime(occurrence.Period.StartTime.Value);
            if (value > last)
            {
                yield break;
            }
            yield return value;
        }
    }

    private static Offset? ParseOffset(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var t = text.Trim();
        if (t.Length is not (5 or 7) || t[0] is not ('+' or '-') || !t[1..].All(char.IsAsciiDigit))
        {
            return null;
        }
        var seconds = (int.Parse(t[1..3], CultureInfo.InvariantCulture) * 3600) + (int.Parse(t[3..5], CultureInfo.InvariantCulture) * 60) +
                      (t.Length == 7 ? int.Parse(t[5..7], CultureInfo.InvariantCulture) : 0);
        return seconds > 18 * 3600 ? null : Offset.FromSeconds(t[0] == '-' ? -seconds : seconds);
    }

    /// <summary>A zone given by its transitions: the offset after each, and the one before the first.</summary>
    private sealed class RuleZone : DateTimeZone
    {
        private readonly Instant[] _at;
        private readonly Offset[] _offsets;
        private readonly Offset _initial;

        public RuleZone(string id, Instant[] at, Offset[] offsets, Offset initial)
            : base(id, false, Min(offsets, initial), Max(offsets, initial))
        {
            _at = at;
            _offsets = offsets;
            _initial = initial;
        }

        private static Offset Min(Offset[] offsets, Offset initial) => offsets.Append(initial).Min();

        private static Offset Max(Offset[] offsets, Offset initial) => offsets.Append(initial).Max();

        public override ZoneInterval GetZoneInterval(Instant instant)
        {
            var i = Array.BinarySearch(_at, instant);
            if (i < 0)
            {
                i = ~i - 1;
            }
            Instant? start = i >= 0 ? _at[i] : null;
            Instant? end = i + 1 < _at.Length ? _at[i + 1] : null;
            return new ZoneInterval(Id, start, end, i >= 0 ? _offsets[i] : _initial, Offset.Zero);
        }
    }
}
