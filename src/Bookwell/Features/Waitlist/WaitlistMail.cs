using System.Globalization;
using System.Net;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// The waitlist's mails, in the client's language. Like booking mails they are stored with
/// <see cref="ManageLinks.Placeholder"/> where the entry's token goes; the outbox worker renders the link
/// from the entry's sealed token when it sends (<see cref="LinksAsync"/>), so no stored body opens an entry.
/// </summary>
public static class WaitlistMail
{
    private const string Purpose = "bookwell.waitlist-token";

    public static string Seal(IDataProtectionProvider protection, string token) =>
        protection.CreateProtector(Purpose).Protect(token);

    public static string? Unseal(IDataProtectionProvider protection, string? sealedToken)
    {
        if (sealedToken is null)
        {
            return null;
        }
        try
        {
            return protection.CreateProtector(Purpose).Unprotect(sealedToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static string Url(string baseUrl) => $"{baseUrl}/waitlist/{ManageLinks.Placeholder}";

    public static OutboxMessage Joined(WaitlistEntry entry, CompiledPage page, string baseUrl, Instant now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(page);
        var (language, culture) = Language(entry);
        var service = page.Services.GetValueOrDefault(entry.ServiceKey)?.Doc.Name ?? entry.ServiceKey;
        var day = Day(entry, culture);
        var window = Window(entry, language);
        var subject = WaitlistText.Words.FormatIn(language, culture, "joined-subject", service, day, page.Doc.Name);
        var body = WaitlistText.Words.FormatIn(language, culture, "joined-body", service, $"{day} ({window})");
        return Message(entry, page, MessageKind.WaitlistJoined, subject, [body], "manage-link", baseUrl, now);
    }

    public static OutboxMessage Offer(WaitlistEntry entry, CompiledPage page, ServiceModel service, Instant start, Instant until, string baseUrl, Instant now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var (language, culture) = Language(entry);
        var zone = TimeFormats.Zone(entry.TimeZone) ?? page.Zone;
        var when = When(start, zone, culture);
        var subject = WaitlistText.Words.FormatIn(language, culture, "offer-subject", service.Doc.Name, when, page.Doc.Name);
        var body = WaitlistText.Words.FormatIn(language, culture, "offer-body", service.Doc.Name, when, When(until, zone, culture));
        return Message(entry, page, MessageKind.WaitlistOffer, subject, [body, WaitlistText.Words.Get("offer-expired-note", language)], "open-link", baseUrl, now);
    }

    /// <summary>
    /// The optional third mail (seed 001): the time held for the entry ran out unaccepted and went to the next in line. Sent only
    /// where the page's (or branch's) <c>waitlistExpiredMail</c> is on; the link opens the entry, which says it expired.
    /// </summary>
    public static OutboxMessage Expired(WaitlistEntry entry, CompiledPage page, Instant start, Instant until, string baseUrl, Instant now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(page);
        var (language, culture) = Language(entry);
        var zone = TimeFormats.Zone(entry.TimeZone) ?? page.Zone;
        var service = page.Services.GetValueOrDefault(entry.ServiceKey)?.Doc.Name ?? entry.ServiceKey;
        var when = When(start, zone, culture);
        var subject = WaitlistText.Words.FormatIn(language, culture, "expired-subject", service, when, page.Doc.Name);
        var body = WaitlistText.Words.FormatIn(language, culture, "expired-body", service, when, When(until, zone, culture));
        return Message(entry, page, MessageKind.WaitlistExpired, subject, [body, WaitlistText.Words.Get("expired-again", language)], "manage-link", baseUrl, now);
    }

    /// <summary>A time as the client reads it: weekday, date, time and the zone's name.</summary>
    public static string When(Instant instant, DateTimeZone zone, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = instant.InZone(zone);
        return LocalDatePattern.Create("dddd d MMMM yyyy", culture).Format(local.Date) + ", " +
               local.TimeOfDay.ToString("HH:mm", culture) + $" ({zone.Id})";
    }

    public static string Day(WaitlistEntry entry, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return TimeFormats.TryParseDate(entry.Date, out var date) ? LocalDatePattern.Create("dddd d MMMM yyyy", culture).Format(date) : entry.Date;
    }

    public static string Window(WaitlistEntry entry, string language)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.FromMinute is null && entry.ToMinute is null)
        {
            return WaitlistText.Words.Get("window-any", language);
        }
        return WaitlistText.Words.FormatIn(language, CultureInfo.InvariantCulture, "window-range",
            Clock(entry.FromMinute ?? 0), Clock(entry.ToMinute ?? 24 * 60));
    }

    public static string Clock(int minute) => minute >= 24 * 60 ? "24:00" : $"{minute / 60:00}:{minute % 60:00}";

    private static (string Language, CultureInfo Culture) Language(WaitlistEntry entry)
    {
        var language = TextSet.Normalize(entry.Language);
        return (language, Bookwell.Features.Notifications.MailText.Culture(language));
    }

    private static OutboxMessage Message(WaitlistEntry entry, CompiledPage page, MessageKind kind, string subject, string[] paragraphs, string linkKey,
        string baseUrl, Instant now)
    {
        var language = TextSet.Normalize(entry.Language);
        var url = Url(baseUrl);
        var link = WaitlistText.Words.Get(linkKey, language);
        var hello = WaitlistText.Words.FormatIn(language, CultureInfo.InvariantCulture, "hello", entry.CustomerName);
        var business = page.Doc.Name ?? page.Slug;
        var text = new StringBuilder().AppendLine(hello).AppendLine();
        foreach (var p in paragraphs)
        {
            text.AppendLine(p).AppendLine();
        }
        text.AppendLine($"{link}: {url}").AppendLine();
        // "Your bookings", as every client mail, while the business's portal is on.
        var portal = ClientPortal.PortalLinks.ForMail(page, baseUrl);
        if (portal is not null)
        {
            text.AppendLine(ClientPortal.PortalLinks.TextLine(portal, language)).AppendLine();
        }
        text.AppendLine(business);
        static string H(string s) => WebUtility.HtmlEncode(s);
        var accent = Branding.Accent(page.Doc.Branding);
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html><html lang=\"{language}\"><body style=\"margin:0;font-family:system-ui,Segoe UI,Roboto,sans-serif;color:#1f2937\">");
        html.Append($"<div style=\"background:{accent};color:#fff;padding:16px 20px;font-size:20px;font-weight:600\">{H(business)}</div>");
        html.Append($"<div style=\"padding:20px;max-width:560px\"><p>{H(hello)}</p>");
        foreach (var p in paragraphs)
        {
            html.Append($"<p>{H(p)}</p>");
        }
        html.Append($"<p><a href=\"{H(url)}\" style=\"display:inline-block;background:{accent};color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{H(link)}</a></p>");
        if (portal is not null)
        {
            html.Append(ClientPortal.PortalLinks.HtmlLine(portal, language, accent));
        }
        html.Append("</div></body></html>");
        return new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = entry.TenantId,
            BookingId = entry.Key,
            Kind = kind,
            To = entry.CustomerEmail,
            FromName = business.Length > 200 ? business[..200] : business,
            ReplyTo = page.Doc.Settings?.OwnerEmail,
            Subject = new string(subject.Select(c => char.IsControl(c) ? ' ' : c).ToArray()),
            TextBody = text.ToString(),
            HtmlBody = html.ToString(),
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }

    /// <summary>For the outbox worker: each entry's token (opened only for this send) and page, by the id its mails name.</summary>
    public static async Task<List<(Guid Id, Guid TenantId, string? Token, string Slug)>> LinksAsync(BookwellDb db, IDataProtectionProvider protection,
        List<Guid> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.WaitlistEntries.IgnoreQueryFilters().AsNoTracking().Where(w => keys.Contains(w.Key))
            .Select(w => new { w.Key, w.TenantId, w.TokenHash, w.TokenSealed, w.PageSlug }).ToListAsync(ct);
        return rows.ConvertAll(w =>
        {
            var token = Unseal(protection, w.TokenSealed);
            return (w.Key, w.TenantId, token is not null && ManageTokens.Hash(token) == w.TokenHash ? token : null, w.PageSlug);
        });
    }
}
