using System.Text;
using Bookwell.Data;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Writes bookings as RFC 5545 calendars with Ical.Net, which escapes TEXT values (§3.3.11); lines are folded
/// at 75 octets without splitting a character (§3.1, see <see cref="Serialize"/>). Times are UTC, so no VTIMEZONE is needed. The UID
/// is the booking's id (stable across every change) and SEQUENCE counts the changes since it was created, so
/// a client replaces its copy instead of adding a second one.
/// </summary>
public static class IcsWriter
{
    public const string ProductId = "-//Bookwell//Bookwell 1.0//EN";

    /// <param name="method">PUBLISH for a download; REQUEST or CANCEL (RFC 5546) when mailed as an invitation.</param>
    public static string Write(Booking booking, string businessName, string? location, string? manageUrl, Instant now,
        IcsMethod method = IcsMethod.Publish, string? organizer = null)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var calendar = NewCalendar(method);
        var description = manageUrl is null ? booking.ServiceName : $"{booking.ServiceName}\nManage or cancel: {manageUrl}";
        var e = Event(booking, Sequence(booking), $"{booking.ServiceName} – {businessName}", description, location, now,
            cancelled: method == IcsMethod.Cancel);
        if (manageUrl is not null && Uri.TryCreate(manageUrl, UriKind.Absolute, out var url))
        {
            e.Url = url;
        }
        if (organizer is not null)
        {
            e.Organizer = new Organizer($"mailto:{organizer}") { CommonName = Param(businessName) };
            e.Attendees.Add(new Attendee($"mailto:{booking.CustomerEmail}")
            {
                CommonName = Param(booking.CustomerName),
                Role = "REQ-PARTICIPANT",
                ParticipationStatus = "ACCEPTED",
            });
        }
        calendar.Events.Add(e);
        return Serialize(calendar);
    }

    /// <summary>Changes since the booking was created (its history holds the creation and every change).</summary>
    public static int Sequence(Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        // A work order is the business's own note: the client's calendar has nothing new to take from it.
        return Math.Max(0, booking.History.Count(h => h.Action.IsForClient()) - 1);
    }

    public static Calendar NewCalendar(IcsMethod method = IcsMethod.Publish) => new()
    {
        ProductId = ProductId,
        Scale = "GREGORIAN",
        Method = method.ToWire(),
    };

    /// <summary>One booking as a VEVENT; text is cleaned of line breaks of every kind and control characters first.</summary>
    public static CalendarEvent Event(Booking booking, int sequence, string summary, string? description, string? location, Instant now,
        bool cancelled = false)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var e = new CalendarEvent
        {
            Uid = $"{booking.Id}@bookwell",
            DtStamp = Utc(now),
            DtStart = Utc(booking.StartsAt),
            DtEnd = Utc(booking.EndsAt),
            Sequence = sequence,
            Summary = Clean(summary),
            Status = cancelled || booking.Status == BookingStatus.Cancelled ? "CANCELLED"
                : booking.Status is BookingStatus.Pending or BookingStatus.PendingPayment ? "TENTATIVE" : "CONFIRMED",
        };
        if (description is not null)
        {
            e.Description = Clean(description);
        }
        if (!string.IsNullOrWhiteSpace(location))
        {
            e.Location = Clean(location);
        }
        return e;
    }

    /// <summary>
    /// Ical.Net's text, folded again by code points: Ical.Net 5.2.4 counts octets but may fold between the two
    /// halves of a surrogate pair (an emoji), which no encoder can write as UTF-8 (PostgreSQL refused the stored
    /// message; SQLite and the mail turned it into two U+FFFD). Unfolding joins the halves again.
    /// </summary>
    public static string Serialize(Calendar calendar) => Refold(Unfold(new CalendarSerializer().SerializeToString(calendar) ?? ""));

    public static CalDateTime Utc(Instant instant) => new(instant.ToDateTimeUtc(), CalDateTime.UtcTzId, true);

    /// <summary>A parameter value (§3.2) may not hold quotes or line breaks; the serializer quotes the rest.</summary>
    private static string Param(string text) =>
        new(text.Where(c => c != '"' && !char.IsControl(c) && !IsLineBreak(c)).ToArray());

    /// <summary>
    /// Every kind of line break (CRLF, a lone CR or LF, and the Unicode line and paragraph separators and NEL
    /// that some clients also break on) becomes one \n, which the serializer escapes, so configuration text can
    /// never end a content line and start a property of its own. Other control characters are not allowed in
    /// TEXT and are dropped.
    /// </summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }
            if (IsLineBreak(c))
            {
                sb.Append('\n');
            }
            else if (c == '\t' || !char.IsControl(c))
            {
                sb.Append(c);
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

    /// <summary>
    /// Folds every line of an unfolded calendar again after a value in it was filled in (the manage link at send
    /// time), with the serializer's rule: at most 75 octets, never inside a UTF-8 sequence, continuation lines
    /// start with a space. Pure text, so stored messages are rewritten byte for byte the same way every time.
    /// </summary>
    public static string Refold(string unfolded)
    {
        ArgumentNullException.ThrowIfNull(unfolded);
        var sb = new StringBuilder(unfolded.Length + 64);
        foreach (var line in unfolded.Split("\r\n"))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var octets = 0;
            foreach (var rune in line.EnumerateRunes())
            {
                var size = rune.Utf8SequenceLength;
                if (octets + size > 75)
                {
                    sb.Append("\r\n ");
                    octets = 1;
                }
                sb.Append(rune.ToString());
                octets += size;
            }
            sb.Append("\r\n");
        }
        return sb.ToString();
    }
}

/// <summary>An iCalendar METHOD (RFC 5546); stored with a mailed invitation as its upper-case name (<see cref="Data.Wire{T}"/>).</summary>
public enum IcsMethod
{
    /// <summary>A download or feed: no scheduling meaning.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("PUBLISH")] Publish,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("REQUEST")] Request,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("CANCEL")] Cancel,
}
