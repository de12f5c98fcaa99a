using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Calendars;
using Bookwell.Infrastructure;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Notifications;

/// <summary>
/// <c>Bookwell:Push:Subject</c>: the contact a push service may use (RFC 8292 <c>sub</c>, a <c>mailto:</c> or
/// <c>https:</c> address; see <see cref="WebPushSender.SubjectFor"/> when unset). <c>Bookwell:Push:AllowLocalEndpoints</c>
/// lets browsers name push services on loopback or private addresses and over plain http: for tests and development
/// only, as a subscription's endpoint is an address any signed-in client chooses. <see cref="Contact"/> is the address
/// of <c>Bookwell:Smtp:From</c>, the install's own mail sender.
/// </summary>
public sealed record WebPushOptions(string? Subject, bool AllowLocalEndpoints, string? Contact = null)
{
    public static WebPushOptions Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var subject = config["Bookwell:Push:Subject"] is { Length: > 0 } s ? s.Trim() : null;
        if (subject is not null && !IsSubject(subject))
        {
            // Push services refuse every message signed with another kind of contact: say so at start, not with each push.
            throw new StartupException($"Bookwell__Push__Subject must be a mailto: address or an https: URL (RFC 8292), not \"{subject}\".");
        }
        var from = config["Bookwell:Smtp:From"] is { Length: > 0 } f && MimeKit.MailboxAddress.TryParse(f, out var mailbox) ? mailbox.Address : null;
        return new WebPushOptions(subject, config.GetValue("Bookwell:Push:AllowLocalEndpoints", false), from);
    }

    /// <summary>What push services accept as <c>sub</c>: <c>mailto:</c> with an address, or an absolute https URL.</summary>
    public static bool IsSubject(string value) =>
        value.StartsWith("mailto:", StringComparison.Ordinal)
            ? value.IndexOf('@', StringComparison.Ordinal) > "mailto:".Length && !value.Any(char.IsWhiteSpace)
            : Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
}

/// <summary>A VAPID key pair, both halves URL-safe base64 as RFC 8292 and the Push API write them (public: 65-byte uncompressed point; private: 32 bytes).</summary>
public sealed record VapidPair(string PublicKey, string PrivateKey);

/// <summary>
/// The install's VAPID keys: read from the database, or made and stored at the first start (the first node to insert
/// wins; the others read its pair). The private half is sealed with data protection, like the other secrets.
/// </summary>
public sealed class PushKeys(IServiceScopeFactory scopes, IDataProtectionProvider protection, IClock clock) : IHostedService
{
    private const string Purpose = "Bookwell.WebPush.Vapid";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private VapidPair? _pair;

    public Task StartAsync(CancellationToken cancellationToken) => GetAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<VapidPair> GetAsync(CancellationToken ct)
    {
        if (_pair is { } known)
        {
            return known;
        }
        await _lock.WaitAsync(ct);
        try
        {
            if (_pair is { } again)
            {
                return again;
            }
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            var gate = scope.ServiceProvider.GetRequiredService<SqliteWriteGate>();
            var protector = protection.CreateProtector(Purpose);
            var row = await db.VapidKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == 1, ct);
            if (row is null)
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var p = key.ExportParameters(includePrivateParameters: true);
                byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
                row = new VapidKey { Id = 1, PublicKey = Base64Url(point), PrivateKeySealed = protector.Protect(Base64Url(p.D!)), CreatedAt = clock.GetCurrentInstant() };
                using (await gate.EnterAsync(db, ct))
                {
                    db.VapidKeys.Add(row);
                    try
                    {
                        await db.SaveChangesAsync(ct);
                    }
                    catch (DbUpdateException)
                    {
                        // Another node stored its pair first: that one is the install's.
                        db.ChangeTracker.Clear();
                        row = await db.VapidKeys.AsNoTracking().FirstAsync(k => k.Id == 1, ct);
                    }
                }
            }
            return _pair = new VapidPair(row.PublicKey, protector.Unprotect(row.PrivateKeySealed));
        }
        finally
        {
            _lock.Release();
        }
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes URL-safe (or standard) base64 with or without padding; null when it is not base64.</summary>
    public static byte[]? FromBase64Url(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 512)
        {
            return null;
        }
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var n) ? buffer[..n] : null;
    }
}

/// <summary>What became of one push.</summary>
public enum PushOutcome { Delivered, Gone }

/// <summary>
/// Sends one Web Push message: payload encrypted per RFC 8291 (<c>aes128gcm</c>) and the request signed per RFC 8292
/// (VAPID, <c>Authorization: vapid t=…, k=…</c>), by <c>Lib.Net.Http.WebPush</c>. Connections go through
/// <see cref="AddressRules.ConnectAsync"/> as webhooks do (a subscription's endpoint is an address a client chose):
/// no private or loopback address unless <see cref="WebPushOptions.AllowLocalEndpoints"/>, no redirects, no proxy.
/// A 404 or 410 answer means the subscription has expired; any other failure throws and the outbox retries.
/// </summary>
public sealed class WebPushSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly PushServiceClient _client;
    private readonly PushKeys _keys;
    private readonly WebPushOptions _options;
    private readonly TenantLinks _links;

    private readonly IServiceScopeFactory _scopes;

    public WebPushSender(PushKeys keys, WebPushOptions options, TenantLinks links, OutboundNetwork network, IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        _scopes = scopes;
        _keys = keys;
        _options = options;
        _links = links;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, ct) =>
                AddressRules.ConnectAsync(context.DnsEndPoint, options.AllowLocalEndpoints, network, m => new HttpRequestException(m), ct),
        };
        _http = new HttpClient(new AudienceWithPort(this) { InnerHandler = handler }) { Timeout = TimeSpan.FromSeconds(20) };
        _client = new PushServiceClient(_http) { AutoRetryAfter = false };
    }

    /// <summary>Whether a browser's endpoint may be stored: an absolute https address (http and local hosts only when allowed), at most 2,048 characters.</summary>
    public bool AcceptsEndpoint(string? endpoint) =>
        endpoint is { Length: > 0 and <= 2048 } && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0 &&
        (uri.Scheme == Uri.UriSchemeHttps || (_options.AllowLocalEndpoints && uri.Scheme == Uri.UriSchemeHttp)) &&
        (_options.AllowLocalEndpoints || AddressRules.HostRefusal(uri) is null);

    private VapidAuthentication? _vapid;

    /// <summary>One signer for the install's keys (its JWTs are made per audience and expiry).</summary>
    private async Task<VapidAuthentication> VapidAsync(CancellationToken ct)
    {
        if (_vapid is { } known)
        {
            return known;
        }
        var pair = await _keys.GetAsync(ct);
        string? owner = null;
        if (_options.Subject is null && _options.Contact is null)
        {
            using var scope = _scopes.CreateScope();
            owner = await scope.ServiceProvider.GetRequiredService<BookwellDb>().Users.AsNoTracking()
                .Where(u => u.TenantId == DefaultTenant.Id && u.Role == UserRole.Owner).OrderBy(u => u.CreatedAt).Select(u => u.Email).FirstOrDefaultAsync(ct);
        }
        var made = new VapidAuthentication(pair.PublicKey, pair.PrivateKey) { Subject = SubjectFor(_options, _links.InstallBaseUrl, owner) };
        if (Interlocked.CompareExchange(ref _vapid, made, null) is { } other)
        {
            made.Dispose();
            return other;
        }
        return made;
    }

    /// <summary>
    /// The VAPID <c>sub</c> (RFC 8292 section 2.1): push services (Apple's, Mozilla's) refuse a message whose contact is
    /// not a <c>mailto:</c> or <c>https:</c> URI, so an install on plain http must not offer its own address. In order:
    /// <c>Bookwell:Push:Subject</c>; the install's address when it is https; <c>mailto:</c> the install's mail sender
    /// (<c>Bookwell:Smtp:From</c>); <c>mailto:</c> the default business's owner; <c>mailto:push@localhost</c> as a last resort.
    /// </summary>
    public static string SubjectFor(WebPushOptions options, string? installBaseUrl, string? ownerEmail)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Subject is { } configured)
        {
            return configured;
        }
        if (Uri.TryCreate(installBaseUrl, UriKind.Absolute, out var install) && install.Scheme == Uri.UriSchemeHttps)
        {
            return install.GetLeftPart(UriPartial.Authority);
        }
        foreach (var address in new[] { options.Contact, ownerEmail })
        {
            if (address is not null && Bookings.ContactRules.IsEmail(address))
            {
                return "mailto:" + address;
            }
        }
        return "mailto:push@localhost";
    }

    /// <summary>
    /// RFC 8292 section 2: the JWT's <c>aud</c> is the origin of the push resource, port included. The library leaves a
    /// non-default port out (push services all listen on 443, so it never matters there); for an endpoint on another
    /// port the header is signed again, by the library, for the full origin.
    /// </summary>
    private sealed class AudienceWithPort(WebPushSender owner) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { IsDefaultPort: false } uri && owner._vapid is { } vapid &&
                string.Equals(request.Headers.Authorization?.Scheme, "vapid", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("vapid",
                    vapid.GetVapidSchemeAuthenticationHeaderValueParameter(uri.GetLeftPart(UriPartial.Authority)));
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    public async Task<PushOutcome> SendAsync(ClientPushSubscription subscription, string payload, int timeToLiveSeconds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var vapid = await VapidAsync(ct);
        var target = new PushSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        var message = new PushMessage(payload) { TimeToLive = timeToLiveSeconds, Urgency = PushMessageUrgency.Normal };
        try
        {
            await _client.RequestPushMessageDeliveryAsync(target, message, vapid, VapidAuthenticationScheme.Vapid, ct);
            return PushOutcome.Delivered;
        }
        catch (PushServiceClientException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return PushOutcome.Gone;
        }
    }

    /// <summary>What the service worker shows: the business as title, the mail's one-line summary as text, and the portal to open.</summary>
    public static string Payload(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return JsonSerializer.Serialize(new { title = message.FromName ?? "", body = message.Subject, url = "/account", tag = message.BookingId?.ToString() ?? message.Id.ToString() });
    }

    public void Dispose()
    {
        _http.Dispose();
        _vapid?.Dispose();
    }
}

/// <summary>
/// Booking messages go to the client's devices too. When the worker takes a client's booking mail (confirmation,
/// reminder, reschedule, cancellation) it queues one push row per device the client subscribed, at that moment: so a
/// device added after the booking still gets its reminder. Each row's id is derived from the mail's and the
/// subscription's ids, so a mail taken twice (a retry, a crash) queues nothing twice. While the business's client portal
/// is switched off nothing is planned and queued push rows are withdrawn (<see cref="PortalClosedAsync"/>).
/// </summary>
public static class PushFanOut
{
    private static readonly MessageKind[] Kinds = [MessageKind.Confirmation, MessageKind.Reminder, MessageKind.Rescheduled, MessageKind.Cancelled];

    /// <summary>Why a push is withdrawn while its business's client portal is switched off.</summary>
    public const string PortalOff = "The business switched its client portal off; nothing is pushed to clients' devices.";

    /// <summary>
    /// The push rows of the batch whose business switched its client portal off are withdrawn (marked in
    /// <paramref name="notToSend"/>), and the businesses of the batch's fan-out sources that did so are returned for
    /// <see cref="PlanAsync"/>: while the portal is off nothing is pushed or planned.
    /// </summary>
    public static async Task<HashSet<Guid>> PortalClosedAsync(IServiceScopeFactory scopes, List<OutboxMessage> batch, Dictionary<Guid, string> notToSend, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(notToSend);
        var concerned = batch.Where(m => m.Channel == OutboxChannel.Push || IsSource(m)).Select(m => m.TenantId).ToList();
        if (concerned.Count == 0)
        {
            return [];
        }
        var closed = await ClientPortal.PortalSwitch.ClosedAsync(scopes, concerned, ct);
        foreach (var m in batch.Where(m => m.Channel == OutboxChannel.Push && closed.Contains(m.TenantId)))
        {
            notToSend.TryAdd(m.Id, PortalOff);
        }
        return closed;
    }

    private static bool IsSource(OutboxMessage m) => m.Channel == OutboxChannel.Email && m.BookingId is not null && Kinds.Contains(m.Kind);

    public static async Task PlanAsync(BookwellDb db, SqliteWriteGate gate, List<OutboxMessage> batch, Dictionary<Guid, string> notToSend, IReadOnlySet<Guid> portalClosed,
        Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(notToSend);
        ArgumentNullException.ThrowIfNull(portalClosed);
        // A reminder the client turned off by e-mail still goes to the devices they subscribed; one for a booking no longer live does not,
        // and nothing goes while the business's client portal (where devices are subscribed) is switched off.
        var sources = batch.Where(m => IsSource(m) && !portalClosed.Contains(m.TenantId) &&
                                       (!notToSend.TryGetValue(m.Id, out var why) || why == OutboxWorker.TurnedOff)).ToList();
        if (sources.Count == 0)
        {
            return;
        }
        var bookingIds = sources.Select(m => m.BookingId!.Value).Distinct().ToList();
        var owners = await db.Bookings.IgnoreQueryFilters().Where(b => bookingIds.Contains(b.Id))
            .Select(b => new { b.Id, b.TenantId, b.CustomerId }).ToDictionaryAsync(b => b.Id, ct);
        var customerIds = owners.Values.Select(o => o.CustomerId).Distinct().ToList();
        var devices = (await db.ClientPushSubscriptions.IgnoreQueryFilters().AsNoTracking().Where(s => customerIds.Contains(s.CustomerId))
            .Select(s => new { s.Id, s.TenantId, s.CustomerId }).ToListAsync(ct)).ToLookup(s => (s.TenantId, s.CustomerId));
        var rows = new List<OutboxMessage>();
        foreach (var m in sources)
        {
            if (!owners.TryGetValue(m.BookingId!.Value, out var owner) || owner.TenantId != m.TenantId)
            {
                continue;
            }
            foreach (var device in devices[(m.TenantId, owner.CustomerId)])
            {
                rows.Add(new OutboxMessage
                {
                    Id = DerivedId(m.Id, device.Id),
                    TenantId = m.TenantId,
                    BookingId = m.BookingId,
                    Kind = m.Kind,
                    Channel = OutboxChannel.Push,
                    To = device.Id.ToString(),
                    FromName = m.FromName,
                    Subject = m.Subject,
                    Status = OutboxStatus.Queued,
                    DueAt = now,
                    ForStart = m.ForStart,
                    CreatedAt = now,
                });
            }
        }
        if (rows.Count == 0)
        {
            return;
        }
        var ids = rows.Select(r => r.Id).ToList();
        using (await gate.EnterAsync(db, ct))
        {
            var existing = await db.Outbox.IgnoreQueryFilters().Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync(ct);
            db.Outbox.AddRange(rows.Where(r => !existing.Contains(r.Id)));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>A stable id for (mail, device): the first 16 bytes of SHA-256 over both ids, as a version-8 GUID.</summary>
    public static Guid DerivedId(Guid message, Guid device)
    {
        Span<byte> input = stackalloc byte[32];
        message.TryWriteBytes(input[..16]);
        device.TryWriteBytes(input[16..]);
        var hash = SHA256.HashData(input);
        hash[7] = (byte)((hash[7] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>The device each push row of the batch goes to (rows of removed devices are missing).</summary>
    public static async Task<Dictionary<Guid, ClientPushSubscription>> DevicesAsync(BookwellDb db, List<OutboxMessage> batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(batch);
        var wanted = batch.Where(m => m.Channel == OutboxChannel.Push).Select(m => (m, Id: Guid.TryParse(m.To, out var id) ? id : Guid.Empty)).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        var ids = wanted.Select(w => w.Id).Distinct().ToList();
        var found = await db.ClientPushSubscriptions.IgnoreQueryFilters().AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        var result = new Dictionary<Guid, ClientPushSubscription>();
        foreach (var (m, id) in wanted)
        {
            if (found.TryGetValue(id, out var s) && s.TenantId == m.TenantId)
            {
                result[m.Id] = s;
            }
        }
        return result;
    }
}
