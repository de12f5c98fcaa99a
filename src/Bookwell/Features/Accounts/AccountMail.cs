using System.Net;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using NodaTime;

namespace Bookwell.Features.Accounts;

/// <summary>
/// Account e-mails (verify address, reset password, invitation) go through the same outbox as booking mail,
/// so they survive a crash; the link in them is a secret, and the outbox wipes bodies once sent.
/// </summary>
public static class AccountMail
{
    public static OutboxMessage Compose(Guid tenantId, string kind, string to, string subject, string intro, string linkText, string link, Instant now)
    {
        var text = $"{intro}\n\n{linkText}: {link}\n\nIf you did not ask for this, you can ignore this e-mail.\n";
        var html = $"<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif\"><p>{WebUtility.HtmlEncode(intro)}</p>" +
                   $"<p><a href=\"{WebUtility.HtmlEncode(link)}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none\">{WebUtility.HtmlEncode(linkText)}</a></p>" +
                   "<p style=\"color:#4b5563\">If you did not ask for this, you can ignore this e-mail.</p></body></html>";
        return new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenantId,
            Kind = kind,
            To = to,
            Subject = subject,
            TextBody = text,
            HtmlBody = html,
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }
}
