using System.Net;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The portal's address in mails, built on the business's own base URL (<see cref="Infrastructure.TenantLinks"/>), never the
/// request's Host; and the "Your bookings" line every client mail carries while the business's portal is on
/// (<see cref="PortalSwitch.IsOn(CompiledPage?)"/>). A mail written where the business's address is at hand (booking and
/// waitlist mails) gets the address at once (<see cref="ForMail"/>); one written where it is not (an invoice issued by a
/// payment webhook, an organization's invitations and mailings) gets <see cref="Placeholder"/>, which the outbox worker
/// replaces with the address when it sends (<see cref="PrepareAsync"/>).
/// </summary>
public static class PortalLinks
{
    /// <summary>Where the business's portal address goes in a stored mail until it is sent.</summary>
    public const string Placeholder = "{{portal-link}}";

    public static string Url(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return baseUrl.TrimEnd('/') + "/account";
    }

    /// <summary>The portal's address for a client mail about <paramref name="page"/>; null when the business switched its portal off.</summary>
    public static string? ForMail(CompiledPage? page, string baseUrl) => PortalSwitch.IsOn(page) ? Url(baseUrl) : null;

    /// <summary><see cref="Placeholder"/> for a mail whose address is written when it is sent; null when the portal is off.</summary>
    public static string? Deferred(CompiledPage? page) => PortalSwitch.IsOn(page) ? Placeholder : null;

    public static string Label(string language) => PortalText.Words.Get("mail-your-bookings", language);

    /// <summary>The plain-text line: "Your bookings: https://…/account".</summary>
    public static string TextLine(string url, string language) => $"{Label(language)}: {url}";

    /// <summary>The HTML paragraph with the link (in the mail's accent colour).</summary>
    public static string HtmlLine(string url, string language, string color) =>
        $"<p style=\"font-size:13px\"><a href=\"{WebUtility.HtmlEncode(url)}\" id=\"your-bookings\" style=\"color:{color}\">{WebUtility.HtmlEncode(Label(language))}</a></p>";

    /// <summary>Called by the outbox worker for a batch it is about to send: each business's portal address replaces <see cref="Placeholder"/>.</summary>
    public static async Task PrepareAsync(IServiceScopeFactory scopes, List<OutboxMessage> batch, Dictionary<Guid, string> notToSend, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(notToSend);
        var holding = batch.Where(m => !notToSend.ContainsKey(m.Id) &&
            (m.TextBody?.Contains(Placeholder, StringComparison.Ordinal) == true || m.HtmlBody?.Contains(Placeholder, StringComparison.Ordinal) == true)).ToList();
        if (holding.Count == 0)
        {
            return;
        }
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var links = scope.ServiceProvider.GetRequiredService<TenantLinks>();
        var urls = new Dictionary<Guid, string>();
        foreach (var m in holding)
        {
            if (!urls.TryGetValue(m.TenantId, out var url))
            {
                db.TenantId = m.TenantId;
                // As booking mails: the business's own address, else the install's listen address (never a request's Host).
                urls[m.TenantId] = url = Url(await ClientSignIn.BaseUrlAsync(db, links, m.TenantId, ct) ?? links.FallbackBaseUrl);
            }
            m.TextBody = m.TextBody?.Replace(Placeholder, url, StringComparison.Ordinal);
            m.HtmlBody = m.HtmlBody?.Replace(Placeholder, WebUtility.HtmlEncode(url), StringComparison.Ordinal);
        }
    }
}
