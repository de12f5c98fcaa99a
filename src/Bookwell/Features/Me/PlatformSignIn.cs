using System.Net;
using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.ClientPortal;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Me;

/// <summary>
/// Sign-in links for <c>/me</c> on the install's default host, made like the portal's (<see cref="ClientSignIn"/>):
/// a request only queues an outbox row, the same work for any address; the outbox worker looks the address up among
/// the clients of every business when it sends, makes the token then and puts it only into the copy it sends. The
/// database keeps the token's SHA-256; a link works once, for 15 minutes.
/// </summary>
public sealed class PlatformSignIn(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IConfiguration config)
{
    public const MessageKind Kind = MessageKind.PlatformSignIn;
    public const string Scheme = "Bookwell.Me";
    public const string CookieName = "bw_me";
    public const string EmailClaim = "bw:me-email";
    public static readonly Duration Lifetime = ClientSignIn.Lifetime;

    private int PerEmail => config.GetValue("Bookwell:RateLimits:AccountLinksPerEmail", 3);

    public static IServiceCollection AddMe(IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.Path = "/me";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(2);
            o.SlidingExpiration = false;
        });
        services.AddScoped<PlatformSignIn>();
        return services;
    }

    public static ClaimsPrincipal Principal(string emailNormalized) =>
        new(new ClaimsIdentity([new Claim(EmailClaim, emailNormalized)], Scheme));

    /// <summary>Queues a link for the address unless it had its share lately (then nothing, silently). The caller answers the same either way.</summary>
    public async Task RequestAsync(string email, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        var address = email.Trim();
        var now = clock.GetCurrentInstant();
        if (!await ClientSignIn.TakeAllowanceAsync(db, gate, $"me-link:{ClientSignIn.AddressKey(address)}", PerEmail, now, ct))
        {
            return;
        }
        using (await gate.EnterAsync(db, ct))
        {
            db.Outbox.Add(new OutboxMessage
            {
                Id = Ids.New(),
                TenantId = DefaultTenant.Id,
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

    /// <summary>Whether the token would sign in now (unused, unexpired); reads only, so opening the link changes nothing.</summary>
    public async Task<bool> IsLiveAsync(string? token, CancellationToken ct)
    {
        if (!ManageTokens.LooksValid(token))
        {
            return false;
        }
        var hash = ClientSignIn.Hash(token!);
        var now = clock.GetCurrentInstant();
        return await db.PlatformSignInTokens.AnyAsync(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now, ct);
    }

    /// <summary>Uses the token, once (one conditional update); the proven address, or null.</summary>
    public async Task<string?> RedeemAsync(string? token, CancellationToken ct)
    {
        if (!ManageTokens.LooksValid(token))
        {
            return null;
        }
        var hash = ClientSignIn.Hash(token!);
        var now = clock.GetCurrentInstant();
        int used;
        using (await gate.EnterAsync(db, ct))
        {
            used = await db.PlatformSignInTokens.Where(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        }
        return used == 1 ? await db.PlatformSignInTokens.Where(t => t.TokenHash == hash).Select(t => t.EmailNormalized).FirstAsync(ct) : null;
    }

    /// <summary>
    /// Called by the outbox worker: a request for an address no business has as a client is withdrawn and the address
    /// dropped; otherwise a token is made now and the mail written into the copy that is sent (never into the stored row).
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
            db.TenantId = DefaultTenant.Id;
            var gate = services.GetRequiredService<SqliteWriteGate>();
            var now = services.GetRequiredService<IClock>().GetCurrentInstant();
            var normalized = m.To.Trim().ToUpperInvariant();
            // Across businesses on purpose: the address is what is proven, and only its owner reads the answer.
            var customerIds = await db.Customers.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.EmailNormalized == normalized && c.ErasedAt == null).Select(c => c.Id).ToListAsync(ct);
            var baseUrl = services.GetRequiredService<TenantLinks>().InstallBaseUrl;
            if (customerIds.Count == 0 || baseUrl is null)
            {
                notToSend[m.Id] = customerIds.Count == 0 ? "No business has a client with this address; nothing was sent."
                    : "This server does not know its public address (Bookwell__PublicBaseUrl), so no sign-in link was sent.";
                using (await gate.EnterAsync(db, ct))
                {
                    await db.Outbox.IgnoreQueryFilters().Where(x => x.Id == m.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.To, ClientSignIn.NotAClient), ct);
                }
                continue;
            }
            var latest = await db.Bookings.IgnoreQueryFilters().AsNoTracking().Where(b => customerIds.Contains(b.CustomerId))
                .OrderByDescending(b => b.CreatedAt).Select(b => b.Language).FirstOrDefaultAsync(ct);
            var token = ManageTokens.Create();
            using (await gate.EnterAsync(db, ct))
            {
                db.PlatformSignInTokens.Add(new PlatformSignInToken
                {
                    Id = Ids.New(),
                    EmailNormalized = normalized,
                    TokenHash = ClientSignIn.Hash(token),
                    CreatedAt = now,
                    ExpiresAt = now + Lifetime,
                });
                await db.SaveChangesAsync(ct);
                // Used and expired tokens hold an address and prove nothing any more.
                var stale = now - Duration.FromDays(1);
                await db.PlatformSignInTokens.Where(t => t.ExpiresAt < stale).ExecuteDeleteAsync(ct);
                // The stored row keeps no address either way: sent or not, the request tells nobody who is a client where.
                await db.Outbox.IgnoreQueryFilters().Where(x => x.Id == m.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.To, ClientSignIn.NotAClient), ct);
            }
            var language = TextSet.Normalize(latest);
            Compose(m, m.To.Trim(), language, $"{baseUrl}/me/login?token={token}&lang={language}");
        }
    }

    private static void Compose(OutboxMessage m, string to, string language, string link)
    {
        var w = MeText.Words;
        var intro = w.Get("mail-intro", language);
        var button = w.Get("mail-button", language);
        var ignore = w.Get("mail-ignore", language);
        m.To = to;
        m.FromName ??= w.Get("title", language);
        m.Subject = w.Get("mail-subject", language);
        m.TextBody = $"{intro}\n\n{button}: {link}\n\n{ignore}\n";
        m.HtmlBody = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"font-family:system-ui,sans-serif\"><p>{WebUtility.HtmlEncode(intro)}</p>" +
                     $"<p><a href=\"{WebUtility.HtmlEncode(link)}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none\">{WebUtility.HtmlEncode(button)}</a></p>" +
                     $"<p style=\"color:#4b5563\">{WebUtility.HtmlEncode(ignore)}</p></body></html>";
    }
}
