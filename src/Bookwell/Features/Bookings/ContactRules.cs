using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.TimeZones;
using PhoneNumbers;

namespace Bookwell.Features.Bookings;

/// <summary>
/// What a person's name, e-mail address and phone number may be, wherever one is accepted (booking API and
/// forms, admin and staff bookings, sign-up, invitations, staff in the configuration), so one rule holds everywhere.
/// </summary>
public static partial class ContactRules
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 254;

    public const string NameMessage = "Must not contain control characters or text-direction overrides.";
    public const string EmailMessage = "Must be an e-mail address such as ada@example.com.";
    public const string PhoneMessage = "Must be a phone number such as +31600000000.";

    /// <summary>
    /// Characters that have no place in a name: control characters (a line break in a name becomes a new line in
    /// an e-mail header or a calendar), lone surrogates, line and paragraph separators, and the bidi embeddings,
    /// overrides and isolates that make "Ana" display as something else in the dashboard and in mails.
    /// </summary>
    public static bool HasForbiddenCharacters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u061C' or '\u200E' or '\u200F')
            {
                return true;
            }
            if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return true;
            }
        }
        return HasLoneSurrogate(text);
    }

    internal static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The problem with a required name, or null when it is fine.</summary>
    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Required."
        : name.Length > MaxNameLength ? $"At most {MaxNameLength} characters."
        : HasForbiddenCharacters(name) ? NameMessage
        : null;

    /// <summary>
    /// A deliverable-looking address: <c>local@domain</c>, the local part of the usual unquoted characters (no
    /// dots at its ends or side by side), a domain of at least two labels of letters, digits and inner hyphens,
    /// a top-level label that is not all digits nor the reserved <c>invalid</c>; no IP literals, no quoted local parts, no comments.
    /// </summary>
    public static bool IsEmail(string? value)
    {
        if (value is not { Length: >= 5 and <= MaxEmailLength })
        {
            return false;
        }
        var at = value.LastIndexOf('@');
        if (at is < 1 or > 64 || value.IndexOf('@', StringComparison.Ordinal) != at)
        {
            return false;
        }
        var local = value.AsSpan(0, at);
        var domain = value[(at + 1)..];
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in local)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+/=?^_`{|}~.-".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }
        if (domain.Length is 0 or > 253)
        {
            return false;
        }
        var labels = domain.Split('.');
        // .invalid is reserved (RFC 2606): nothing is delivered there, and the walk-in client's address uses it.
        if (labels.Length < 2 || labels[^1].All(char.IsAsciiDigit) || labels[^1].Equals("invalid", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' ||
                !label.All(c => c == '-' || char.IsAsciiLetterOrDigit(c) || (c > 127 && char.IsLetterOrDigit(c))))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A phone number that libphonenumber reads as a possible number: with its own country code, or in the
    /// national format of <paramref name="region"/> (the country of the booking page's time zone).
    /// </summary>
    /// <remarks>Only digits, spaces, brackets, dashes and dots after an optional +, as people write numbers.</remarks>
    public static bool IsPhone(string? raw, string? region) =>
        raw is not null && PhoneCharacters().IsMatch(raw.Trim()) && Phone.Parse(raw.Trim(), region ?? "ZZ") is not null;

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-.]{4,24}$")]
    private static partial Regex PhoneCharacters();

    private static readonly Dictionary<string, string> ZoneCountries = (TzdbDateTimeZoneSource.Default.ZoneLocations ?? [])
        .GroupBy(l => l.ZoneId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().CountryCode, StringComparer.Ordinal);

    /// <summary>The country a page's time zone lies in (Europe/Amsterdam: NL), for reading national phone numbers.</summary>
    public static string? RegionOf(DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return ZoneCountries.GetValueOrDefault(zone.Id);
    }
}

/// <summary>Phone numbers as clients type them, read into E.164 for text messages.</summary>
public static class Phone
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    internal static PhoneNumber? Parse(string? raw, string region)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 40)
        {
            return null;
        }
        try
        {
            var number = Util.Parse(raw, region);
            return Util.IsPossibleNumber(number) ? number : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>
    /// E.164 (<c>+31612345678</c>) when the number can be read — with its own country code, or in the national
    /// format of <paramref name="region"/> — and has a possible length; otherwise null (the booking keeps the
    /// number as typed, and gets no text messages).
    /// </summary>
    public static string? ToE164(string? raw, string region) =>
        Parse(raw, region) is { } number ? Util.Format(number, PhoneNumberFormat.E164) : null;
}
