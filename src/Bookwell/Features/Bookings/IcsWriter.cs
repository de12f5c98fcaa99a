using System.Globalization;
using System.Text;
using Bookwell.Data;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Writes one booking as an RFC 5545 calendar. Times are UTC (no VTIMEZONE needed); text is escaped
/// (§3.3.11) and lines folded at 75 octets (§3.1) so strict clients such as Outlook accept it.
/// </summary>
public static class IcsWriter
{
    private static readonly InstantPattern Utc = InstantPattern.CreateWithInvariantCulture("uuuuMMdd'T'HHmmss'Z'");

    /// <param name="method">PUBLISH for a download; REQUEST or CANCEL (RFC 5546) when mailed as an invitation.</param>
    public static string Write(Booking booking, string businessName, string? location, string? manageUrl, Instant now,
        string method = "PUBLISH", string? organizer = null)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var sb = new StringBuilder();
        void Line(string text) => Fold(sb, text);
        Line("BEGIN:VCALENDAR");
        Line("VERSION:2.0");
        Line("PRODID:-//Bookwell//Bookwell 1.0//EN");
        Line("CALSCALE:GREGORIAN");
        Line($"METHOD:{method}");
        Line("BEGIN:VEVENT");
        Line($"UID:{booking.Id}@bookwell");
        Line($"DTSTAMP:{Utc.Format(now)}");
        if (organizer is not null)
        {
            Line($"ORGANIZER;CN={Param(businessName)}:mailto:{organizer}");
            Line($"ATTENDEE;CN={Param(booking.CustomerName)};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{booking.CustomerEmail}");
        }
        Line($"DTSTART:{Utc.Format(booking.StartsAt)}");
        Line($"DTEND:{Utc.Format(booking.EndsAt)}");
        Line($"SEQUENCE:{booking.History.Count(h => h.Action == "rescheduled").ToString(CultureInfo.InvariantCulture)}");
        Line($"SUMMARY:{Escape($"{booking.ServiceName} – {businessName}")}");
        var description = manageUrl is null ? booking.ServiceName : $"{booking.ServiceName}\nManage or cancel: {manageUrl}";
        Line($"DESCRIPTION:{Escape(description)}");
        if (!string.IsNullOrWhiteSpace(location))
        {
            Line($"LOCATION:{Escape(location)}");
        }
        if (manageUrl is not null)
        {
            Line($"URL:{manageUrl}");
        }
        Line($"STATUS:{(booking.Status == BookingStatus.Cancelled || method == "CANCEL" ? "CANCELLED" : booking.Status is BookingStatus.Pending or BookingStatus.PendingPayment ? "TENTATIVE" : "CONFIRMED")}");
        Line("END:VEVENT");
        Line("END:VCALENDAR");
        return sb.ToString();
    }

    /// <summary>A parameter value (§3.2) may not hold quotes, and is quoted when it holds , ; or :.</summary>
    private static string Param(string text)
    {
        var clean = new string(text.Where(c => c != '"' && !char.IsControl(c) && !IsLineBreak(c)).ToArray());
        return clean.IndexOfAny([',', ';', ':']) >= 0 ? $"\"{clean}\"" : clean;
    }

    /// <summary>
    /// A TEXT value (§3.3.11): backslash, semicolon and comma escaped; every kind of line break (CRLF, a lone CR
    /// or LF, and the Unicode line and paragraph separators and NEL that some clients also break on) becomes
    /// one escaped \n, so configuration text can never end a content line and start a property of its own.
    /// Other control characters are not allowed in TEXT and are dropped.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\\':
                    sb.Append(@"\\");
                    break;
                case ';':
                    sb.Append(@"\;");
                    break;
                case ',':
                    sb.Append(@"\,");
                    break;
                case '\r':
                    sb.Append(@"\n");
                    if (i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }
                    break;
                case '\t':
                    sb.Append(c);
                    break;
                default:
                    if (IsLineBreak(c))
                    {
                        sb.Append(@"\n");
                    }
                    else if (!char.IsControl(c))
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool IsLineBreak(char c) => c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029' or '\v' or '\f';

    /// <summary>Undoes folding (§3.1): a line break followed by one space continues the line before it.</summary>
    public static string Unfold(string ics)
    {
        ArgumentNullException.ThrowIfNull(ics);
        return ics.Replace("\r\n ", "", StringComparison.Ordinal).Replace("\r\n\t", "", StringComparison.Ordinal);
    }

    /// <summary>Folds every line of an unfolded calendar again, e.g. after a value in it was filled in.</summary>
    public static string Refold(string unfolded)
    {
        ArgumentNullException.ThrowIfNull(unfolded);
        var sb = new StringBuilder(unfolded.Length + 64);
        foreach (var line in unfolded.Split("\r\n"))
        {
            if (line.Length > 0)
            {
                Fold(sb, line);
            }
        }
        return sb.ToString();
    }

    /// <summary>Folds after at most 75 octets without splitting a UTF-8 sequence; continuation lines start with a space.</summary>
    private static void Fold(StringBuilder sb, string line)
    {
        var octets = 0;
        var limit = 75;
        foreach (var rune in line.EnumerateRunes())
        {
            var size = rune.Utf8SequenceLength;
            if (octets + size > limit)
            {
                sb.Append("\r\n ");
                octets = 1;
                limit = 75;
            }
            sb.Append(rune.ToString());
            octets += size;
        }
        sb.Append("\r\n");
    }
}
