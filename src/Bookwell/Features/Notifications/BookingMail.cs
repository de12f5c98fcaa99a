using System.Net;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Notifications;

/// <summary>Where links in a message point and which language it is written in; known only during the request.</summary>
public sealed record MailContext(string BaseUrl, string Language, string? From);

/// <summary>
/// Composes client e-mails at the moment of the change, in the client's language, branded with the page's
/// accent colour, as HTML and plain text with the .ics attached. A <c>token</c> argument only says whether the
/// client's manage link belongs in the message: what is stored holds <see cref="ManageLinks.Placeholder"/>
/// instead, and the worker puts the booking's token in when it sends (a copy of the database opens no booking).
/// </summary>
public static class BookingMail
{
    private static readonly InstantPattern Compact = InstantPattern.CreateWithInvariantCulture("uuuuMMdd'T'HHmmss'Z'");

    /// <param name="series">For the confirmation of a recurring series: the start of every occurrence booked, listed in the mail.</param>
    public static OutboxMessage Compose(MessageKind kind, Booking booking, CompiledPage? page, string? token, MailContext ctx, Instant now,
        IReadOnlyList<Instant>? series = null)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(ctx);
        var language = TextSet.Normalize(ctx.Language);
        string W(string key) => MailText.Words.Get(key, language);
        var culture = MailText.Culture(language);
        var zone = TimeFormats.Zone(booking.TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
        var local = booking.StartsAt.InZone(zone);
        var when = LocalDatePattern.Create("dddd d MMMM yyyy", culture).Format(local.Date) + ", " +
                   local.TimeOfDay.ToString("HH:mm", culture) + $" ({zone.Id})";
        var business = page?.Doc.Name ?? booking.PageSlug;
        var headline = kind == MessageKind.Confirmation ? W(booking.Status is BookingStatus.Pending or BookingStatus.PendingPayment ? booking.Status.ToWire() : "confirmed") : W(kind.ToWire());
        var subject = Clean($"{headline}: {booking.ServiceName}, {when} – {business}");
        var manageUrl = token is null ? null : ManageLinks.Url(ctx.BaseUrl) + (kind == MessageKind.ConfirmRequest ? "?confirm=1" : "");
        var staff = booking.StaffKey is null ? null : page?.Staff.FirstOrDefault(s => s.Key == booking.StaffKey)?.Name ?? booking.StaffKey;
        var where = page?.Doc.Location?.Mode == "virtual" ? page.Doc.Location.MeetingUrl : page?.Doc.Location?.Details;
        var google = $"https://calendar.google.com/calendar/render?action=TEMPLATE&text={Uri.EscapeDataString(booking.ServiceName + " – " + business)}" +
                     $"&dates={Compact.Format(booking.StartsAt)}/{Compact.Format(booking.EndsAt)}";

        var rows = new List<(string Label, string Value)> { (W("service"), booking.ServiceName), (W("when"), when) };
        if (staff is not null) { rows.Add((W("with"), staff)); }
        if (!string.IsNullOrWhiteSpace(where)) { rows.Add((W("where"), where)); }

        var text = new StringBuilder();
        text.AppendLine(MailText.Words.FormatIn(language, culture, "hello", booking.CustomerName)).AppendLine();
        text.AppendLine(kind == MessageKind.Cancelled ? W("cancel-note") : headline).AppendLine();
        foreach (var (label, value) in rows) { text.AppendLine($"{label}: {value}"); }
        var dates = series?.Select(s => { var l = s.InZone(zone); return LocalDatePattern.Create("ddd d MMM yyyy", culture).Format(l.Date) + ", " + l.TimeOfDay.ToString("HH:mm", culture); }).ToList();
        if (dates is not null)
        {
            text.AppendLine().AppendLine(MailText.Words.FormatIn(language, culture, kind switch { MessageKind.Cancelled => "series-cancelled", MessageKind.Rescheduled => "series-moved", _ => "series-dates" }, dates.Count));
            foreach (var d in dates) { text.AppendLine("- " + d); }
        }
        if (kind != MessageKind.Cancelled)
        {
            text.AppendLine().AppendLine($"{W("google")}: {google}");
        }
        if (manageUrl is not null && kind != MessageKind.Cancelled)
        {
            text.AppendLine().AppendLine($"{(kind == MessageKind.ConfirmRequest ? W("confirm-button") : W("manage"))}: {manageUrl}");
        }
        else if (manageUrl is null && kind == MessageKind.Confirmation)
        {
            text.AppendLine().AppendLine(W("earlier-link"));
        }
        var preferencesUrl = token is null ? null : ManageLinks.Url(ctx.BaseUrl) + "/preferences";
        if (preferencesUrl is not null)
        {
            text.AppendLine().AppendLine($"{W("preferences")}: {preferencesUrl}");
        }
        // Every client mail leads to the client's portal at this business (its own address, as all links here),
        // unless the business switched its portal off.
        var portalUrl = ClientPortal.PortalLinks.ForMail(page, ctx.BaseUrl);
        if (portalUrl is not null)
        {
            text.AppendLine().AppendLine(ClientPortal.PortalLinks.TextLine(portalUrl, language));
        }
        text.AppendLine().AppendLine(business);

        var accent = Branding.Accent(page?.Doc.Branding);
        static string H(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html><html lang=\"{language}\"><body style=\"margin:0;font-family:system-ui,Segoe UI,Roboto,sans-serif;color:#1f2937\">");
        var logo = page?.Doc.Branding?.LogoUrl is { } logoUrl && logoUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? $"<img src=\"{H(logoUrl)}\" alt=\"\" height=\"40\" style=\"vertical-align:middle;background:#fff;border-radius:6px;padding:2px;margin-right:12px\">"
            : "";
        html.Append($"<div style=\"background:{accent};color:#fff;padding:16px 20px;font-size:20px;font-weight:600\">{logo}{H(business)}</div>");
        html.Append("<div style=\"padding:20px;max-width:560px\">");
        html.Append($"<p>{H(MailText.Words.FormatIn(language, culture, "hello", booking.CustomerName))}</p><h1 style=\"font-size:20px\">{H(kind == MessageKind.Cancelled ? W("cancel-note") : headline)}</h1><table>");
        foreach (var (label, value) in rows)
        {
            html.Append($"<tr><td style=\"color:#4b5563;padding:2px 16px 2px 0\">{H(label)}</td><td>{H(value)}</td></tr>");
        }
        html.Append("</table>");
        if (dates is not null)
        {
            html.Append($"<p>{H(MailText.Words.FormatIn(language, culture, kind switch { MessageKind.Cancelled => "series-cancelled", MessageKind.Rescheduled => "series-moved", _ => "series-dates" }, dates.Count))}</p><ul>");
            foreach (var d in dates) { html.Append($"<li>{H(d)}</li>"); }
            html.Append("</ul>");
        }
        if (page?.Doc.Branding?.ConfirmationMessage is { } message && kind == MessageKind.Confirmation)
        {
            html.Append($"<p>{H(message)}</p>");
        }
        if (kind != MessageKind.Cancelled)
        {
            html.Append($"<p><a href=\"{H(google)}\">{H(W("google"))}</a></p>");
            if (manageUrl is null && kind == MessageKind.Confirmation)
            {
                html.Append($"<p>{H(W("earlier-link"))}</p>");
            }
            if (manageUrl is not null)
            {
                var label = kind == MessageKind.ConfirmRequest ? W("confirm-button") : W("manage");
                html.Append($"<p><a href=\"{H(manageUrl)}\" style=\"display:inline-block;background:{accent};color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{H(label)}</a></p>");
            }
        }
        if (preferencesUrl is not null)
        {
            html.Append($"<p style=\"color:#4b5563;font-size:13px\"><a href=\"{H(preferencesUrl)}\" style=\"color:#4b5563\">{H(W("preferences"))}</a></p>");
        }
        if (portalUrl is not null)
        {
            html.Append(ClientPortal.PortalLinks.HtmlLine(portalUrl, language, accent));
        }
        html.Append("</div></body></html>");

        var method = kind == MessageKind.Cancelled ? IcsMethod.Cancel : IcsMethod.Request;
        var ics = kind == MessageKind.ConfirmRequest ? null : IcsWriter.Write(booking, business, where, manageUrl, now, method, ctx.From);
        return new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = booking.TenantId,
            BookingId = booking.Id,
            Kind = kind,
            To = booking.CustomerEmail,
            FromName = business.Length > 200 ? business[..200] : business,
            ReplyTo = page?.Doc.Settings?.OwnerEmail,
            Subject = subject,
            TextBody = text.ToString(),
            HtmlBody = html.ToString(),
            Ics = ics,
            IcsMethod = ics is null ? null : method,
            Status = OutboxStatus.Queued,
            DueAt = now,
            ForStart = booking.StartsAt,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// Reminders at the service's (or else the page's) offsets before the start — one day unless configured —
    /// leaving out any whose moment has already passed.
    /// </summary>
    public static IEnumerable<OutboxMessage> Reminders(Booking booking, CompiledPage? page, string? token, MailContext ctx, Instant now)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var offsets = page?.Services.GetValueOrDefault(booking.ServiceKey)?.Doc.ReminderMinutes ?? page?.SettingsFor(booking.BranchKey).ReminderMinutes ?? [1440];
        foreach (var minutes in offsets)
        {
            var due = booking.StartsAt - Duration.FromMinutes(minutes);
            if (due <= now)
            {
                continue;
            }
            var message = Compose(MessageKind.Reminder, booking, page, token, ctx, now);
            message.DueAt = due;
            message.Ics = null;
            message.IcsMethod = null;
            yield return message;
        }
    }

    /// <summary>After a no-show, where the page asks for it: a friendly note with the way to book again.</summary>
    public static OutboxMessage NoShowFollowUp(Booking booking, CompiledPage page, string baseUrl, Instant now)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(page);
        var language = TextSet.Normalize(booking.Language);
        var culture = MailText.Culture(language);
        var business = page.Doc.Name ?? booking.PageSlug;
        var bookAgain = $"{baseUrl}/book/{booking.PageSlug}?service={Uri.EscapeDataString(booking.ServiceKey)}";
        var subject = MailText.Words.FormatIn(language, culture, "no-show-subject", business);
        var hello = MailText.Words.FormatIn(language, culture, "hello", booking.CustomerName);
        var line = MailText.Words.FormatIn(language, culture, "no-show-line", booking.ServiceName);
        var button = MailText.Words.Get("no-show-button", language);
        var accent = Branding.Accent(page.Doc.Branding);
        static string H(string s) => WebUtility.HtmlEncode(s);
        return new OutboxMessage
        {
            Id = Ids.New(),
            TenantId = booking.TenantId,
            BookingId = booking.Id,
            Kind = MessageKind.NoShow,
            To = booking.CustomerEmail,
            FromName = business.Length > 200 ? business[..200] : business,
            ReplyTo = page.Doc.Settings?.OwnerEmail,
            Subject = Clean(subject),
            TextBody = $"{hello}\n\n{line}\n\n{button}: {bookAgain}\n\n{business}\n",
            HtmlBody = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"font-family:system-ui,sans-serif;color:#1f2937\">" +
                       $"<div style=\"background:{accent};color:#fff;padding:16px 20px;font-size:20px;font-weight:600\">{H(business)}</div><div style=\"padding:20px\">" +
                       $"<p>{H(hello)}</p><p>{H(line)}</p><p><a href=\"{H(bookAgain)}\" style=\"display:inline-block;background:{accent};color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{H(button)}</a></p></div></body></html>",
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }

    /// <summary>Text-message reminders at the same moments as the e-mail ones: short, in the client's language, with the manage link.</summary>
    public static IEnumerable<OutboxMessage> SmsReminders(Booking booking, CompiledPage? page, string? token, MailContext ctx, Instant now)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(ctx);
        if (booking.PhoneE164 is null)
        {
            yield break;
        }
        var language = TextSet.Normalize(booking.Language);
        var zone = TimeFormats.Zone(booking.TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
        var local = booking.StartsAt.InZone(zone);
        var culture = MailText.Culture(language);
        var when = LocalDatePattern.Create("ddd d MMM", culture).Format(local.Date) + " " + local.TimeOfDay.ToString("HH:mm", culture);
        var business = page?.Doc.Name ?? booking.PageSlug;
        var summary = MailText.Words.FormatIn(language, culture, "sms-reminder", booking.ServiceName, business, when);
        var text = token is null ? summary : summary + " " + MailText.Words.FormatIn(language, culture, "sms-manage", ManageLinks.Url(ctx.BaseUrl));
        var offsets = page?.Services.GetValueOrDefault(booking.ServiceKey)?.Doc.ReminderMinutes ?? page?.SettingsFor(booking.BranchKey).ReminderMinutes ?? [1440];
        foreach (var minutes in offsets)
        {
            var due = booking.StartsAt - Duration.FromMinutes(minutes);
            if (due <= now)
            {
                continue;
            }
            yield return new OutboxMessage
            {
                Id = Ids.New(),
                TenantId = booking.TenantId,
                BookingId = booking.Id,
                Kind = MessageKind.Reminder,
                Channel = OutboxChannel.Sms,
                To = booking.PhoneE164,
                // The subject stays in the delivery record after sending, so it never holds the link.
                Subject = Clean(summary.Length > 300 ? summary[..300] : summary),
                TextBody = text,
                Status = OutboxStatus.Queued,
                DueAt = due,
                ForStart = booking.StartsAt,
                CreatedAt = now,
            };
        }
    }

    /// <summary>
    /// Notices to the business (assigned staff member, owner) about a booking change. They carry the client's
    /// contact details but never the client's manage link. A visit of several services notifies each person who serves a
    /// part about their own part(s), at their own time (issue 15); the owner gets the whole visit.
    /// </summary>
    public static IEnumerable<OutboxMessage> BusinessNotices(string kind, Booking booking, CompiledPage? page, Instant now)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var settings = page?.Doc.Settings;
        var notices = new List<(string To, IReadOnlyList<Booking> Parts)>();
        if (settings?.NotifyStaff != false)
        {
            foreach (var person in Bookings.Visits.PerPerson(booking).Where(p => p.StaffKey is not null).GroupBy(p => p.StaffKey!))
            {
                if (page?.Staff.FirstOrDefault(s => s.Key == person.Key)?.Doc.Email is { } staffEmail &&
                    !notices.Exists(n => string.Equals(n.To, staffEmail, StringComparison.OrdinalIgnoreCase)))
                {
                    notices.Add((staffEmail, [.. person.OrderBy(p => p.StartsAt)]));
                }
            }
        }
        if (settings?.OwnerEmail is { } owner && !notices.Exists(n => string.Equals(n.To, owner, StringComparison.OrdinalIgnoreCase)))
        {
            notices.Add((owner, [booking]));
        }
        var language = MailText.BusinessLanguage;
        string W(string key) => MailText.Words.Get(key, language);
        var culture = MailText.Culture(language);
        var zone = page?.Zone ?? DateTimeZone.Utc;
        string When(Booking b)
        {
            var local = b.StartsAt.InZone(zone);
            return LocalDatePattern.Create("dddd d MMMM yyyy", culture).Format(local.Date) +
                   ", " + local.TimeOfDay.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        }
        string Staff(Booking b) => b.StaffKey is null ? "" : " " + MailText.Words.FormatIn(language, culture, "business-with", page?.Staff.FirstOrDefault(s => s.Key == b.StaffKey)?.Name ?? b.StaffKey);
        var what = W(kind is "cancelled" or "rescheduled" ? "business-" + kind : "business-new");
        foreach (var (to, parts) in notices)
        {
            var lines = string.Concat(parts.Select(p => $"{what}: {p.ServiceName}{Staff(p)}, {When(p)} ({zone.Id})\n"));
            var text = $"{lines}\n" +
                       $"{W("business-client")}: {booking.CustomerName} <{booking.CustomerEmail}>{(booking.CustomerPhone is null ? "" : ", " + booking.CustomerPhone)}\n" +
                       (booking.Notes is null ? "" : $"{W("business-notes")}: {booking.Notes}\n") + $"{W("business-status")}: {booking.Status.ToWire()}\n";
            yield return new OutboxMessage
            {
                Id = Ids.New(),
                TenantId = booking.TenantId,
                BookingId = booking.Id,
                Kind = kind switch { "cancelled" => MessageKind.BusinessCancelled, "rescheduled" => MessageKind.BusinessRescheduled, _ => MessageKind.BusinessNew },
                To = to,
                Subject = Clean($"{what}: {string.Join(" + ", parts.Select(p => p.ServiceName))}, {When(parts[0])} – {booking.CustomerName}"),
                TextBody = text,
                Status = OutboxStatus.Queued,
                DueAt = now,
                CreatedAt = now,
            };
        }
    }

    /// <summary>Nothing a client typed may break a header line.</summary>
    private static string Clean(string s) => new(s.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
}

public static class MailContexts
{
    /// <summary>Links point to the request's tenant's configured address (never the request's Host); words follow the request's language.</summary>
    public static MailContext For(HttpRequest request, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new MailContext(Infrastructure.TenantLinks.BaseUrl(request), TextSet.CurrentLanguage, config["Bookwell:Smtp:From"]);
    }
}
