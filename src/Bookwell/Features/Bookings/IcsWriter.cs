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
        var clean = new string(text.Where(c => c != '"' && !char.IsControl(c)).ToArray());
        return clean.IndexOfAny([',', ';', ':']) >= 0 ? $"\"{clean}\"" : clean;
    }

    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(";", "\\;", StringComparison.Ordinal)
            .Replace(",", "\\,", StringComparison.Ordinal).Replace("\r\n", "\\n", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

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
