using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Notifications;

/// <summary>
/// The client's manage link in queued messages. Reminders wait in the outbox for days; were the link stored in
/// clear, a copy of the database would open every booking. So bodies are stored with a placeholder where the
/// token goes, and the worker renders the link only in the copy it hands to the sender.
/// </summary>
public static partial class ManageLinks
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

    [GeneratedRegex("/booking/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant)]
    private static partial Regex StoredToken();

    private static string? Strip(string? body) => body is null ? null : StoredToken().Replace(body, $"/booking/{Placeholder}");

    /// <summary>
    /// Messages queued (or parked) before links were rendered at send time hold tokens in clear, and text messages
    /// kept theirs in the subject even once sent: the tokens are replaced by the placeholder, once, when the worker starts.
    /// A booking from before sealed copies gets one from the token found, so its link still goes out.
    /// Idempotent, so several nodes may run it at once. Returns how many rows it rewrote.
    /// </summary>
    public static async Task<int> StripStoredTokensAsync(BookwellDb db, SqliteWriteGate gate, IDataProtectionProvider protection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        var rewritten = 0;
        while (true)
        {
            // Rewritten rows leave the filter, so each pass reads the next ones; a pass that changes nothing ends it.
            var rows = await db.Outbox.IgnoreQueryFilters().AsNoTracking()
                .Where(m => m.BookingId != null &&
                            ((m.TextBody != null && m.TextBody.Contains("/booking/") && !m.TextBody.Contains(Placeholder)) ||
                             (m.Subject.Contains("/booking/") && !m.Subject.Contains(Placeholder))))
                .OrderBy(m => m.Id).Take(200).ToListAsync(ct);
            var changed = 0;
            foreach (var m in rows)
            {
                var (subject, text, html) = (Strip(m.Subject)!, Strip(m.TextBody), Strip(m.HtmlBody));
                var ics = m.Ics is null ? null : IcsWriter.Refold(Strip(IcsWriter.Unfold(m.Ics))!);
                if (subject == m.Subject && text == m.TextBody && html == m.HtmlBody && ics == m.Ics)
                {
                    continue;
                }
                changed++;
                var found = StoredToken().Match(m.TextBody ?? m.Subject).Value;
                var token = found.Length > 0 ? found["/booking/".Length..] : null;
                var booking = token is null ? null : await db.Bookings.IgnoreQueryFilters().AsNoTracking().Where(b => b.Id == m.BookingId)
                    .Select(b => new { b.ManageTokenHash, b.ManageTokenSealed }).FirstOrDefaultAsync(ct);
                using (await gate.EnterAsync(db, ct))
                {
                    if (booking is not null && ManageTokens.Hash(token!) == booking.ManageTokenHash && ManageTokens.Unseal(protection, booking.ManageTokenSealed) != token)
                    {
                        var sealedToken = ManageTokens.Seal(protection, token!);
                        await db.Bookings.IgnoreQueryFilters().Where(b => b.Id == m.BookingId)
                            .ExecuteUpdateAsync(s => s.SetProperty(b => b.ManageTokenSealed, sealedToken), ct);
                    }
                    // Only while the row is as read: a message sent meanwhile has had its bodies wiped and stays so.
                    rewritten += await db.Outbox.IgnoreQueryFilters().Where(x => x.Id == m.Id && x.Status == m.Status)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.Subject, subject).SetProperty(x => x.TextBody, text)
                            .SetProperty(x => x.HtmlBody, html).SetProperty(x => x.Ics, ics), ct);
                }
            }
            if (changed == 0)
            {
                return rewritten;
            }
        }
    }
}
