using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>What an operator composes: the mailing's id comes from the compose form (or the API caller), so a repeat finds the first.</summary>
public sealed record MailingDraft(Guid Id, string Subject, string Body, string Audience, string Language);

/// <summary>
/// Merge fields of a mailing. Names and the organization are filled in when the mailing is queued; personal links are
/// stored as placeholders naming the member and the link kind and made only when the outbox worker sends the message.
/// </summary>
public static partial class MailingMerge
{
    /// <summary>Every merge field; the links open the organization's services (all, appointments, sessions) or the regular page.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Fields = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["name"] = null,
        ["first_name"] = null,
        ["organization"] = null,
        ["member_id"] = null,
        ["business"] = null,
        ["booking_link"] = LinkKind.Organization.ToWire(),
        ["appointment_link"] = LinkKind.OrganizationAppointment.ToWire(),
        ["session_link"] = LinkKind.OrganizationSession.ToWire(),
        ["regular_appointment_link"] = LinkKind.Appointment.ToWire(),
        ["regular_session_link"] = LinkKind.Session.ToWire(),
    };

    public static readonly string[] Audiences = ["all", "not-booked", "booked"];

    [GeneratedRegex(@"\{\{\s*([a-z_]{1,40})\s*\}\}")]
    private static partial Regex Field();

    [GeneratedRegex(@"\{\{organization-link:([0-9a-f]{32}):([a-z-]{1,32})\}\}")]
    public static partial Regex LinkPlaceholder();

    public const string Pixel = "{{mailing-pixel}}";
    public const string Unsubscribe = "{{mailing-unsubscribe}}";

    /// <summary>Merge fields the text names that do not exist.</summary>
    public static IReadOnlyList<string> Unknown(string text) =>
        [.. Field().Matches(text).Select(m => m.Groups[1].Value).Where(f => !Fields.ContainsKey(f)).Distinct()];

    /// <summary>
    /// The text with a member's values; each link becomes what <paramref name="link"/> makes of its kind (a placeholder
    /// when queuing, a sample address for the preview).
    /// </summary>
    public static string Fill(string text, OrganizationMember member, OrganizationModel organization, string business, Func<string, string> link)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(link);
        return Field().Replace(text, m => m.Groups[1].Value switch
        {
            "name" => member.Name,
            "first_name" => member.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? member.Name,
            "organization" => organization.Name,
            "member_id" => member.MemberNumber ?? "",
            "business" => business,
            var f when Fields.TryGetValue(f, out var kind) && kind is not null => link(kind),
            _ => m.Value,
        });
    }

    [GeneratedRegex(@"(\{\{organization-link:[0-9a-f]{32}:[a-z-]{1,32}\}\}|https?://[^\s<>""]+)")]
    private static partial Regex Linkable();

    /// <summary>The HTML part: paragraphs from blank lines, every link (or link placeholder) a link, then the footer and the pixel's place.</summary>
    /// <param name="portal">The "Your bookings" link (<see cref="ClientPortal.PortalLinks.Deferred"/>), or null for none.</param>
    public static string Html(string text, string language, string footer, string? portal = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var html = new StringBuilder($"<!DOCTYPE html><html lang=\"{language}\"><body>");
        foreach (var paragraph in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var encoded = WebUtility.HtmlEncode(paragraph.Trim('\n')).Replace("\n", "<br>", StringComparison.Ordinal);
            html.Append("<p>").Append(Linkable().Replace(encoded, m => $"<a href=\"{m.Value}\">{m.Value}</a>")).Append("</p>");
        }
        html.Append("<hr><p><small>").Append(WebUtility.HtmlEncode(footer)).Append(" <a href=\"").Append(Unsubscribe).Append("\">")
            .Append(WebUtility.HtmlEncode(MailingText.Words.Get("mail-unsubscribe", language))).Append("</a></small></p>")
            .Append(portal is null ? "" : ClientPortal.PortalLinks.HtmlLine(portal, language, "#1d4ed8"))
            .Append(Pixel).Append("</body></html>");
        return html.ToString();
    }
}

/// <summary>
/// Sending a mailing: every recipient's message is written into the outbox in one transaction with the mailing and its
/// recipient rows. The mailing's id is the caller's; a repeat (double click, a retry after a crash, two nodes) finds the
/// mailing already there, or loses the race on its primary key, and writes nothing. Each message's id is derived from
/// the mailing and the member, and (mailing, member) is unique, so no path can give a member two messages of a mailing.
/// </summary>
public static class Mailings
{
    public const MessageKind Kind = MessageKind.OrganizationMailing;

    /// <summary>Messages of a mailing per minute when the page's <c>settings.mailingsPerMinute</c> is not set.</summary>
    public const int DefaultPerMinute = 600;

    /// <summary>
    /// When the <paramref name="index"/>-th message of a mailing is due: the mailing is spread at <paramref name="perMinute"/>
    /// messages a minute, in whole seconds from <paramref name="now"/> (at 600 a minute, ten a second). The outbox claims by due
    /// time on every node and both databases, so a booking's confirmation or reminder queued while a mailing goes out waits
    /// only for the mailing's messages already due, never for the whole mailing.
    /// </summary>
    public static Instant DueAt(Instant now, int index, int perMinute) =>
        now + Duration.FromSeconds((long)index * 60 / Math.Max(1, perMinute));

    /// <summary>The id of a member's message in a mailing: the same on every attempt (and so is its Message-ID).</summary>
    public static Guid RecipientId(Guid mailing, Guid member)
    {
        Span<byte> input = stackalloc byte[32];
        mailing.TryWriteBytes(input[..16]);
        member.TryWriteBytes(input[16..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return new Guid(hash[..16]);
    }

    /// <summary>The members a mailing goes to: the audience chosen, without clients who unsubscribed or were erased.</summary>
    public static IQueryable<OrganizationMember> Audience(BookwellDb db, string slug, string organization, string audience)
    {
        ArgumentNullException.ThrowIfNull(db);
        var members = db.OrganizationMembers.Where(m => m.PageSlug == slug && m.OrganizationKey == organization)
            .Where(m => db.Customers.Any(c => c.Id == m.CustomerId && c.MailingsOffAt == null && c.ErasedAt == null));
        return audience switch
        {
            "booked" => members.Where(m => db.Bookings.Any(b => b.OrganizationMemberId == m.Id && b.Status != BookingStatus.Cancelled)),
            "not-booked" => members.Where(m => !db.Bookings.Any(b => b.OrganizationMemberId == m.Id && b.Status != BookingStatus.Cancelled)),
            _ => members,
        };
    }

    public static Errors Check(MailingDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new Errors();
        var w = MailingText.Words;
        // Each field's unknown merge fields under that field, so the form and the API point at the one to fix.
        if (string.IsNullOrWhiteSpace(draft.Subject) || draft.Subject.Length > 200)
        {
            errors.Add("subject", w["bad-subject"]);
        }
        else if (MailingMerge.Unknown(draft.Subject) is { Count: > 0 } inSubject)
        {
            errors.Add("subject", w.Format("unknown-field", string.Join(", ", inSubject.Select(u => "{{" + u + "}}"))));
        }
        if (string.IsNullOrWhiteSpace(draft.Body) || draft.Body.Length > 20_000)
        {
            errors.Add("body", w["bad-body"]);
        }
        else if (MailingMerge.Unknown(draft.Body) is { Count: > 0 } unknown)
        {
            errors.Add("body", w.Format("unknown-field", string.Join(", ", unknown.Select(u => "{{" + u + "}}"))));
        }
        if (!MailingMerge.Audiences.Contains(draft.Audience))
        {
            errors.Add("audience", w.Format("bad-audience", string.Join(", ", MailingMerge.Audiences)));
        }
        if (!TextSet.Languages.Contains(draft.Language))
        {
            errors.Add("language", string.Join(", ", TextSet.Languages));
        }
        return errors;
    }

    /// <summary>Writes the mailing, its recipients and their outbox messages at once; false (and the stored mailing) when it existed already.</summary>
    public static async Task<(Mailing Mailing, bool Created)> SendAsync(BookwellDb db, SqliteWriteGate gate, CompiledPage page, OrganizationModel organization,
        MailingDraft draft, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(draft);
        if (await db.Mailings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == draft.Id, ct) is { } existing)
        {
            return (existing, false);
        }
        var business = page.Doc.Name!;
        var language = draft.Language;
        var footer = MailingText.Words.FormatIn(language, CultureInfo.GetCultureInfo(language), "mail-footer", business, organization.Name);
        try
        {
            using (await gate.EnterAsync(db, ct))
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                if (await db.Mailings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == draft.Id, ct) is { } raced)
                {
                    return (raced, false);
                }
                var trackOpens = !await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.MailOpenTrackingOff).FirstOrDefaultAsync(ct);
                var members = await Audience(db, page.Slug, organization.Key, draft.Audience).AsNoTracking().OrderBy(m => m.Name).ToListAsync(ct);
                var mailing = new Mailing
                {
                    Id = draft.Id,
                    TenantId = db.TenantId,
                    PageSlug = page.Slug,
                    OrganizationKey = organization.Key,
                    Subject = draft.Subject.Trim(),
                    Body = draft.Body,
                    Audience = draft.Audience,
                    Language = language,
                    TrackOpens = trackOpens,
                    Recipients = members.Count,
                    CreatedAt = now,
                };
                db.Mailings.Add(mailing);
                var perMinute = page.Doc.Settings?.MailingsPerMinute ?? DefaultPerMinute;
                var index = 0;
                foreach (var m in members)
                {
                    var id = RecipientId(mailing.Id, m.Id);
                    db.MailingRecipients.Add(new MailingRecipient
                    {
                        Id = id,
                        TenantId = db.TenantId,
                        MailingId = mailing.Id,
                        MemberId = m.Id,
                        CustomerId = m.CustomerId,
                        Name = m.Name,
                        Email = m.Email,
                    });
                    var text = MailingMerge.Fill(draft.Body, m, organization, business, kind => OrganizationMail.PlaceholderFor(m.Id, Wire<LinkKind>.Parse(kind)));
                    // "Your bookings" under the footer (the portal's address is written when the mail is sent), while the business's portal is on.
                    var portal = ClientPortal.PortalLinks.Deferred(page);
                    db.Outbox.Add(new OutboxMessage
                    {
                        Id = id,
                        TenantId = db.TenantId,
                        Kind = Kind,
                        FromName = business,
                        To = m.Email,
                        Subject = MailingMerge.Fill(mailing.Subject, m, organization, business, _ => ""),
                        TextBody = $"{text}\n\n--\n{footer}\n{MailingText.Words.Get("mail-unsubscribe", language)}: {MailingMerge.Unsubscribe}\n" +
                                   (portal is null ? "" : ClientPortal.PortalLinks.TextLine(portal, language) + "\n"),
                        HtmlBody = MailingMerge.Html(text, language, footer, portal),
                        Status = OutboxStatus.Queued,
                        DueAt = DueAt(now, index++, perMinute),
                        CreatedAt = now,
                    });
                }
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                db.ChangeTracker.Clear();
                return (mailing, true);
            }
        }
        catch (DbUpdateException)
        {
            // Another request (or node) wrote this mailing first: its primary key decided, and nothing of ours was kept.
            db.ChangeTracker.Clear();
            var first = await db.Mailings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == draft.Id, ct);
            return first is null ? throw new InvalidOperationException("The mailing was refused but is not stored.") : (first, false);
        }
    }

    /// <summary>
    /// Called by the outbox worker for the mailing messages of a batch: each member's personal links are made now, and go
    /// through the click redirect; the pixel (when the mailing tracks opens) and the unsubscribe link are written in.
    /// </summary>
    public static async Task PrepareAsync(IServiceScopeFactory scopes, List<OutboxMessage> batch, Dictionary<Guid, string> notToSend, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(notToSend);
        var mine = batch.Where(m => m.Kind == Kind && !notToSend.ContainsKey(m.Id)).ToList();
        if (mine.Count == 0)
        {
            return;
        }
        using var scope = scopes.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<BookwellDb>();
        var ids = mine.Select(m => m.Id).ToList();
        var recipients = await db.MailingRecipients.IgnoreQueryFilters().AsNoTracking().Where(r => ids.Contains(r.Id))
            .Join(db.Mailings.IgnoreQueryFilters(), r => r.MailingId, m => m.Id, (r, m) => new { Recipient = r, m.TrackOpens, m.PageSlug })
            .ToDictionaryAsync(x => x.Recipient.Id, ct);
        var links = services.GetRequiredService<TenantLinks>();
        var tracking = MailingTracking.Protector(services.GetRequiredService<IDataProtectionProvider>());
        var clock = services.GetRequiredService<IClock>();
        var gate = services.GetRequiredService<SqliteWriteGate>();
        var days = Math.Clamp(services.GetRequiredService<IConfiguration>().GetValue("Bookwell:Organizations:LinkDays", 30), 1, 365);
        foreach (var m in mine)
        {
            if (!recipients.TryGetValue(m.Id, out var r) || r.Recipient.TenantId != m.TenantId)
            {
                notToSend[m.Id] = "The mailing of this message no longer exists; nothing was sent.";
                continue;
            }
            db.TenantId = m.TenantId;
            var catalog = await services.GetRequiredService<CatalogCache>().GetAsync(db, ct);
            var member = await db.OrganizationMembers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == r.Recipient.MemberId, ct);
            if (member is null || !catalog.Pages.TryGetValue(member.PageSlug, out var page) || !page.Organizations.ContainsKey(member.OrganizationKey))
            {
                notToSend[m.Id] = "The member or their organization no longer exists; nothing was sent.";
                continue;
            }
            if (await db.Customers.AsNoTracking().AnyAsync(c => c.Id == member.CustomerId && (c.MailingsOffAt != null || c.ErasedAt != null), ct))
            {
                notToSend[m.Id] = "The client unsubscribed from mailings; nothing was sent.";
                continue;
            }
            // A mailing with personal links is not sent without them: links revoked after it was queued make none.
            if (MailingMerge.LinkPlaceholder().IsMatch(m.TextBody ?? "") && await OrganizationAccess.NoLinkReasonAsync(db, member, m.CreatedAt, ct) is { } why)
            {
                notToSend[m.Id] = why;
                continue;
            }
            string? baseUrl = m.TenantId == DefaultTenant.Id
                ? links.InstallBaseUrl
                : await db.Tenants.AsNoTracking().Where(t => t.Id == m.TenantId).Select(t => t.Host).FirstOrDefaultAsync(ct) is { } host ? links.ForHost(host) : null;
            if (baseUrl is null)
            {
                notToSend[m.Id] = "This server does not know its public address (Bookwell__PublicBaseUrl), so no link was sent.";
                continue;
            }
            // One token per kind of link the mail holds, each through the click redirect.
            var made = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match match in MailingMerge.LinkPlaceholder().Matches(m.TextBody ?? ""))
            {
                if (made.ContainsKey(match.Value))
                {
                    continue;
                }
                var kind = match.Groups[2].Value;
                if (Guid.ParseExact(match.Groups[1].Value, "N") != member.Id || !Wire<LinkKind>.TryParse(kind, out var linkKind))
                {
                    continue;
                }
                var (token, _) = await OrganizationAccess.CreateTokenAsync(db, gate, member, linkKind, clock.GetCurrentInstant(), days, ct);
                made[match.Value] = MailingTracking.ClickUrl(tracking, baseUrl, m.TenantId, m.Id, OrganizationAccess.Url(baseUrl, page.Slug, token));
            }
            string Links(string body, bool html) => MailingMerge.LinkPlaceholder().Replace(body, x =>
                made.TryGetValue(x.Value, out var url) ? (html ? WebUtility.HtmlEncode(url) : url) : "");
            var unsubscribe = MailingTracking.UnsubscribeUrl(tracking, baseUrl, m.TenantId, m.Id);
            m.TextBody = Links(m.TextBody ?? "", false).Replace(MailingMerge.Unsubscribe, unsubscribe, StringComparison.Ordinal);
            if (m.HtmlBody is not null)
            {
                var pixel = r.TrackOpens
                    ? $"<img src=\"{WebUtility.HtmlEncode(MailingTracking.OpenUrl(tracking, baseUrl, m.TenantId, m.Id))}\" width=\"1\" height=\"1\" alt=\"\">"
                    : "";
                m.HtmlBody = Links(m.HtmlBody, true).Replace(MailingMerge.Unsubscribe, WebUtility.HtmlEncode(unsubscribe), StringComparison.Ordinal)
                    .Replace(MailingMerge.Pixel, pixel, StringComparison.Ordinal);
            }
        }
    }
}
