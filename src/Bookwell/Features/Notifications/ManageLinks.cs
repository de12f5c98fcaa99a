using Bookwell.Data;
using Bookwell.Features.Bookings;

namespace Bookwell.Features.Notifications;

/// <summary>
/// The client's manage link in queued messages. Reminders wait in the outbox for days; were the link stored in
/// clear, a copy of the database would open every booking. So bodies are stored with a placeholder where the
/// token goes, and the worker renders the link only in the copy it hands to the sender.
/// </summary>
public static class ManageLinks
{
    /// <summary>Left intact by HTML encoding, iCalendar text escaping and URL paths; never part of a real token (base64url).</summary>
    public const string Placeholder = "{{manage-token}}";

    /// <summary>The manage link as stored: the tenant's base URL with the placeholder for the token.</summary>
    public static string Url(string baseUrl) => $"{baseUrl}/booking/{Placeholder}";

    public static bool Holds(string? body) => body is not null && body.Contains(Placeholder, StringComparison.Ordinal);

    public static bool Holds(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Holds(message.TextBody) || Holds(message.HtmlBody) || (message.Ics is { } ics && Holds(IcsWriter.Unfold(ics)));
    }

    /// <summary>
    /// A body with the client's link rendered. Without a token (the booking is gone, or its sealed copy cannot be
    /// opened) the link, with whatever follows it (<c>?confirm=1</c>, <c>/preferences</c>), points to the booking page
    /// instead, or to the site when the booking is gone.
    /// </summary>
    public static string? Render(string? body, string? token, string? pageSlug)
    {
        if (!Holds(body))
        {
            return body;
        }
        if (token is not null)
        {
            return body!.Replace(Placeholder, token, StringComparison.Ordinal);
        }
        var page = pageSlug is null ? "" : $"/book/{pageSlug}";
        return body!.Replace($"/booking/{Placeholder}?confirm=1", page, StringComparison.Ordinal)
            .Replace($"/booking/{Placeholder}/preferences", page, StringComparison.Ordinal)
            .Replace($"/booking/{Placeholder}", page, StringComparison.Ordinal)
            .Replace(Placeholder, "", StringComparison.Ordinal);
    }

    /// <summary>The .ics is stored folded, which may split the placeholder; it is unfolded, rendered and folded again.</summary>
    public static string? RenderIcs(string? ics, string? token, string? pageSlug)
    {
        if (ics is null)
        {
            return null;
        }
        var unfolded = IcsWriter.Unfold(ics);
        return Holds(unfolded) ? IcsWriter.Refold(Render(unfolded, token, pageSlug)!) : ics;
    }
}
