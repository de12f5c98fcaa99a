using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Sign-in links for the client portal. A request only queues an outbox row (the same work for any address, so
/// neither the answer nor its timing tells whether the address is a client); the outbox worker looks the client
/// up when it sends, creates the token then, and puts it only in the copy it hands to the mail server. The
/// database keeps the token's SHA-256, never the token.
/// </summary>
public sealed class ClientSignIn(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IConfiguration config)
{
    public const MessageKind Kind = MessageKind.ClientSignIn;
    public static readonly Duration Lifetime = Duration.FromMinutes(15);
    /// <summary>Where an address that is no client's ends up in the stored row once the worker has looked: not kept.</summary>
    public const string NotAClient = "(not a client)";
    private static readonly Duration EmailWindow = Duration.FromMinutes(15);

    /// <summary>Links one address may be sent per 15 minutes (<c>Bookwell:RateLimits:AccountLinksPerEmail</c>; 0 turns it off).</summary>
    private int PerEmail => config.GetValue("Bookwell:RateLimits:AccountLinksPerEmail", 3);

    public static bool IsValidEmail(string? email) => email is not null && ContactRules.IsEmail(email.Trim());

    /// <summary>
    /// Queues a sign-in mail for the address, unless this address had its share of links lately (then nothing
    /// happens, silently, whether or not it is a client's). The caller answers the same either way.
    /// </summary>
    public async Task RequestAsync(string email, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        var address = email.Trim();
        var now = clock.GetCurrentInstant();
        if (!await TakeEmailAllowanceAsync(address, now, ct))
        {
            return;
        }
        using (await gate.EnterAsync(db, ct))
        {
            db.Outbox.Add(new OutboxMessage
            {
                Id = Ids.New(),
                TenantId = db.TenantId,
                Kind = Kind,
                To = address,
                Subject = "Sign-in link",
                Status = OutboxStatus.Queued,
                DueAt = now,
                CreatedAt = now,
            });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        outbox.Notify();
    }

    /// <summary>One conditional update on a shared counter row per (business, address), so every node sees the same count.</summary>
    private Task<bool> TakeEmailAllowanceAsync(string address, Instant now, CancellationToken ct) =>
        TakeAllowanceAsync(db, gate, $"client-link:{db.TenantId:N}:{AddressKey(address)}", PerEmail, now, ct);

    /// <summary>The SHA-256 of an address as the throttle keys name it (the address itself is not kept there).</summary>
    public static string AddressKey(string address) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes((address ?? "").Trim().ToUpperInvariant())));

    /// <summary>
    /// Takes one of <paramref name="limit"/> links per 15 minutes from the counter row <paramref name="key"/> (0 turns it
    /// off); false when they are used up. Shared by the portal's links and <c>/me</c>'s.
    /// </summary>
    public static async Task<bool> TakeAllowanceAsync(BookwellDb db, SqliteWriteGate gate, string key, int limit, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        if (limit <= 0)
        {
            return true;
        }
        var windowStart = now - EmailWindow;
        using (await gate.EnterAsync(db, ct))
        {
            if (!await db.LoginThrottles.AnyAsync(t => t.Key == key, ct))
            {
                db.LoginThrottles.Add(new LoginThrottle { Key = key, WindowStart = now, LastFailureAt = now });
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException)
                {
                    // Another request inserted it first; its row serves.
                }
                finally
                {
                    db.ChangeTracker.Clear();
                }
            }
            return await db.LoginThrottles
                .Where(t => t.Key == key && (t.Failures < limit || t.WindowStart < windowStart))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Failures, t => t.WindowStart < windowStart ? 1 : t.Failures + 1)
                    .SetProperty(t => t.WindowStart, t => t.WindowStart < windowStart ? now : t.WindowStart)
                    .SetProperty(t => t.LastFailureAt, now), ct) == 1;
        }
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// Uses the token, once: a single conditional update marks it used, and only the request whose update
    /// changed the row gets the client. Filtered by the request's business, so another business's token fails
    /// (and stays unused).
    /// </summary>
    public async Task<Customer?> RedeemAsync(string? token, CancellationToken ct)
    {
        if (!ManageTokens.LooksValid(token))
        {
            return null;
        }
        var hash = Hash(token!);
        var now = clock.GetCurrentInstant();
        int used;
        using (await gate.EnterAsync(db, ct))
        {
            used = await db.ClientSignInTokens.Where(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        }
        if (used != 1)
        {
            return null;
        }
        var customerId = await db.ClientSignInTokens.Where(t => t.TokenHash == hash).Select(t => t.CustomerId).FirstAsync(ct);
        // A profile merged into another since the link was sent signs in as the kept one.
        return await ClientAccounts.SurvivorAsync(db, await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == customerId && c.ErasedAt == null, ct), ct);
    }

    /// <summary>
    /// Called by the outbox worker for the sign-in requests of a batch it is about to send: a request for an
    /// address that is no client of that business is withdrawn (and the address dropped from the row); for a
    /// client, a token is created now and the mail is written into the in-memory copy the worker sends. The
    /// stored row is never given the body.
    /// </summary>
    public static async Task PrepareAsync(IServiceScopeFactory scopes, List<OutboxMessage> batch, Dictionary<Guid, string> notToSend, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(notToSend);
        foreach (var m in batch.Where(m => m.Kind == Kind && !notToSend.ContainsKey(m.Id)))
        {
            using var scope = scopes.CreateScope();
            var services = scope.ServiceProvider;
            var db = services.GetRequiredService<BookwellDb>();
            db.TenantId = m.TenantId;
            var gate = services.GetRequiredService<SqliteWriteGate>();
            var now = services.GetRequiredService<IClock>().GetCurrentInstant();
            var normalized = m.To.Trim().ToUpperInvariant();
            var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.EmailNormalized == normalized && c.ErasedAt == null, ct);
            var catalog = await services.GetRequiredService<CatalogCache>().GetAsync(db, ct);
            if (!PortalSwitch.IsOn(catalog))
            {
                // Asked for before the business switched its portal off: nothing is sent, and the address is not kept.
                notToSend[m.Id] = "The business switched its client portal off; no sign-in link was sent.";
                using (await gate.EnterAsync(db, ct))
                {
                    await db.Outbox.Where(x => x.Id == m.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.To, NotAClient), ct);
                }
                continue;
            }
            var baseUrl = customer is null ? null : await BaseUrlAsync(db, services.GetRequiredService<TenantLinks>(), m.TenantId, ct);
            if (customer is null || baseUrl is null)
            {
                notToSend[m.Id] = customer is null ? "No client of this business has this address; nothing was sent."
                    : "This server does not know its public address (Bookwell__PublicBaseUrl), so no sign-in link was sent.";
                if (customer is null)
                {
                    using (await gate.EnterAsync(db, ct))
                    {
                        await db.Outbox.Where(x => x.Id == m.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.To, NotAClient), ct);
                    }
                }
                continue;
            }
            var latest = await db.Bookings.AsNoTracking().Where(b => b.CustomerId == customer.Id).OrderByDescending(b => b.CreatedAt)
                .Select(b => new { b.Language, b.PageSlug }).FirstOrDefaultAsync(ct);
            var page = latest is not null && catalog.Pages.TryGetValue(latest.PageSlug, out var p) ? p : catalog.Pages.Values.FirstOrDefault();
            var business = page?.Doc.Name ?? await db.Tenants.Where(t => t.Id == m.TenantId).Select(t => t.Name).FirstAsync(ct);
            var token = ManageTokens.Create();
            using (await gate.EnterAsync(db, ct))
            {
                db.ClientSignInTokens.Add(new ClientSignInToken
                {
                    Id = Ids.New(),
                    TenantId = m.TenantId,
                    CustomerId = customer.Id,
                    TokenHash = Hash(token),
                    CreatedAt = now,
                    ExpiresAt = now + Lifetime,
                });
                await db.SaveChangesAsync(ct);
            }
            var language = TextSet.Normalize(latest?.Language);
            var link = $"{baseUrl}/account/login?token={token}&lang={language}";
            Compose(m, customer, business, language, link);
        }
    }

    private static void Compose(OutboxMessage m, Customer customer, string business, string language, string link)
    {
        var w = PortalText.Words;
        var culture = CultureInfo.GetCultureInfo(language);
        var hello = w.FormatIn(language, culture, "mail-hello", customer.Name);
        var intro = w.FormatIn(language, culture, "mail-intro", business);
        var button = w.Get("mail-button", language);
        var ignore = w.Get("mail-ignore", language);
        m.To = customer.Email;
        m.FromName ??= business;
        m.Subject = w.FormatIn(language, culture, "mail-subject", business);
        m.TextBody = $"{hello}\n\n{intro}\n\n{button}: {link}\n\n{ignore}\n";
        m.HtmlBody = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"font-family:system-ui,sans-serif\"><p>{WebUtility.HtmlEncode(hello)}</p>" +
                     $"<p>{WebUtility.HtmlEncode(intro)}</p>" +
                     $"<p><a href=\"{WebUtility.HtmlEncode(link)}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none\">{WebUtility.HtmlEncode(button)}</a></p>" +
                     $"<p style=\"color:#4b5563\">{WebUtility.HtmlEncode(ignore)}</p></body></html>";
    }

    /// <summary>The business's own address for links (never the request's Host): as account e-mails do.</summary>
    internal static async Task<string?> BaseUrlAsync(BookwellDb db, TenantLinks links, Guid tenantId, CancellationToken ct)
    {
        if (tenantId == DefaultTenant.Id)
        {
            return links.InstallBaseUrl;
        }
        var host = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.Host).FirstOrDefaultAsync(ct);
        return host is null ? null : links.ForHost(host);
    }
}
