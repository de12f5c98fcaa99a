using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>
/// "Send personal links": one outbox row per member, written in one transaction. The stored bodies hold a
/// placeholder naming the member and the link kind, never a link; the outbox worker makes the member's link
/// when it sends (<see cref="PrepareAsync"/>) and writes it only into the copy it hands to the mail server.
/// A member who is gone by then (or whose organization is), who was erased, or whose links were revoked after the mail
/// was queued gets nothing: the message is withdrawn with the reason.
/// </summary>
public static partial class OrganizationMail
{
    public const MessageKind Kind = MessageKind.OrganizationLink;

    [GeneratedRegex(@"\{\{organization-link:([0-9a-f]{32}):([a-z-]{1,32})\}\}")]
    private static partial Regex Placeholder();

    public static string PlaceholderFor(Guid member, LinkKind kind) => $"{{{{organization-link:{member:N}:{kind.ToWire()}}}}}";

    public static async Task<int> QueueAsync(BookwellDb db, SqliteWriteGate gate, CompiledPage page, OrganizationModel organization, LinkKind kind,
        string language, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(organization);
        // An erased client stays in the member list as an anonymous row: nothing goes to them.
        var members = await db.OrganizationMembers.AsNoTracking()
            .Where(m => m.PageSlug == page.Slug && m.OrganizationKey == organization.Key)
            .Where(m => db.Customers.Any(c => c.Id == m.CustomerId && c.ErasedAt == null)).OrderBy(m => m.Name).ToListAsync(ct);
        var w = OrganizationText.Words;
        var culture = CultureInfo.GetCultureInfo(language);
        var business = page.Doc.Name!;
        // Spread like a mailing (issue 17): booking mails queued meanwhile are not stuck behind every member's link.
        var perMinute = page.Doc.Settings?.MailingsPerMinute ?? Mailings.DefaultPerMinute;
        var index = 0;
        using (await gate.EnterAsync(db, ct))
        {
            foreach (var m in members)
            {
                var link = PlaceholderFor(m.Id, kind);
                var hello = w.FormatIn(language, culture, "mail-hello", m.Name);
                var intro = w.FormatIn(language, culture, "mail-intro", business, organization.Name);
                var button = w.Get("mail-button", language);
                var personal = w.Get("mail-personal", language);
                // "Your bookings" (the portal's address is written when the mail is sent), while the business's portal is on.
                var portal = ClientPortal.PortalLinks.Deferred(page);
                db.Outbox.Add(new OutboxMessage
                {
                    Id = Ids.New(),
                    TenantId = db.TenantId,
                    Kind = Kind,
                    FromName = business,
                    To = m.Email,
                    Subject = w.FormatIn(language, culture, "mail-subject", business),
                    TextBody = $"{hello}\n\n{intro}\n\n{button}: {link}\n\n{personal}\n" +
                               (portal is null ? "" : $"\n{ClientPortal.PortalLinks.TextLine(portal, language)}\n"),
                    HtmlBody = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"font-family:system-ui,sans-serif\"><p>{WebUtility.HtmlEncode(hello)}</p>" +
                               $"<p>{WebUtility.HtmlEncode(intro)}</p><p><a href=\"{link}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none\">{WebUtility.HtmlEncode(button)}</a></p>" +
                               $"<p style=\"color:#4b5563\">{WebUtility.HtmlEncode(personal)}</p>" +
                               (portal is null ? "" : ClientPortal.PortalLinks.HtmlLine(portal, language, "#1d4ed8")) + "</body></html>",
                    Status = OutboxStatus.Queued,
                    DueAt = Mailings.DueAt(now, index++, perMinute),
                    CreatedAt = now,
                });
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        return members.Count;
    }

    /// <summary>Called by the outbox worker for a batch it is about to send: each member's link is made now, into the copy that is sent.</summary>
    public static async Task PrepareAsync(IServiceScopeFactory scopes, List<OutboxMessage> batch, Dictionary<Guid, string> notToSend, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(notToSend);
        foreach (var m in batch.Where(m => m.Kind == Kind && !notToSend.ContainsKey(m.Id)))
        {
            var match = Placeholder().Match(m.TextBody ?? "");
            if (!match.Success)
            {
                notToSend[m.Id] = "The message names no member.";
                continue;
            }
            using var scope = scopes.CreateScope();
            var services = scope.ServiceProvider;
            var db = services.GetRequiredService<BookwellDb>();
            db.TenantId = m.TenantId;
            var memberId = Guid.ParseExact(match.Groups[1].Value, "N");
            var known = Wire<LinkKind>.TryParse(match.Groups[2].Value, out var kind);
            var member = await db.OrganizationMembers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == memberId, ct);
            var catalog = await services.GetRequiredService<CatalogCache>().GetAsync(db, ct);
            if (member is null || !catalog.Pages.TryGetValue(member.PageSlug, out var page) || !page.Organizations.ContainsKey(member.OrganizationKey) ||
                !known)
            {
                notToSend[m.Id] = "The member or their organization no longer exists; nothing was sent.";
                continue;
            }
            if (await OrganizationAccess.NoLinkReasonAsync(db, member, m.CreatedAt, ct) is { } why)
            {
                notToSend[m.Id] = why;
                continue;
            }
            var links = services.GetRequiredService<TenantLinks>();
            string? baseUrl = m.TenantId == DefaultTenant.Id
                ? links.InstallBaseUrl
                : await db.Tenants.AsNoTracking().Where(t => t.Id == m.TenantId).Select(t => t.Host).FirstOrDefaultAsync(ct) is { } host ? links.ForHost(host) : null;
            if (baseUrl is null)
            {
                notToSend[m.Id] = "This server does not know its public address (Bookwell__PublicBaseUrl), so no link was sent.";
                continue;
            }
            var days = Math.Clamp(services.GetRequiredService<IConfiguration>().GetValue("Bookwell:Organizations:LinkDays", 30), 1, 365);
            var (token, _) = await OrganizationAccess.CreateTokenAsync(db, services.GetRequiredService<SqliteWriteGate>(), member, kind,
                services.GetRequiredService<IClock>().GetCurrentInstant(), days, ct);
            var url = OrganizationAccess.Url(baseUrl, page.Slug, token);
            m.TextBody = Placeholder().Replace(m.TextBody!, url);
            m.HtmlBody = m.HtmlBody is null ? null : Placeholder().Replace(m.HtmlBody, WebUtility.HtmlEncode(url));
        }
    }
}
