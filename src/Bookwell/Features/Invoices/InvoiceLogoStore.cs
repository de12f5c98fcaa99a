using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Calendars;
using Bookwell.Features.Configuration;
using Bookwell.Features.Refunds;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Invoices;

/// <summary>
/// Logo bytes as fetched, stored once per business by their SHA-256 (content-addressed): every invoice and credit note
/// issued with this logo names <see cref="Sha256"/>, so ten thousand invoices keep one copy. Append-only: a document
/// may name it forever.
/// </summary>
public sealed class LogoBlob : ITenantOwned
{
    public Guid TenantId { get; set; }
    /// <summary>SHA-256 of <see cref="Bytes"/>, lower-case hex.</summary>
    public required string Sha256 { get; set; }
    /// <summary>The JPEG or PNG file as the business's server sent it (at most 1 MB).</summary>
    public required byte[] Bytes { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>
/// What a logo address served when it was last fetched (<see cref="Sha256"/> null: no JPEG or PNG the PDFs can show).
/// Issuing reads this row, never the network: an invoice is written inside its booking's transaction.
/// </summary>
public sealed class LogoSource : ITenantOwned
{
    public Guid TenantId { get; set; }
    /// <summary>SHA-256 of <see cref="Url"/> (the key: an address may be 2,000 characters).</summary>
    public required string UrlKey { get; set; }
    public required string Url { get; set; }
    public string? Sha256 { get; set; }
    public Instant CheckedAt { get; set; }
}

/// <summary>What an invoice and a credit note share for their logo: whose they are, the address at issue and the capture they print.</summary>
public interface ILogoDocument
{
    Guid Id { get; }
    Guid TenantId { get; }
    string? LogoUrl { get; }
    string? LogoSha256 { get; set; }
}

/// <summary>
/// The business's logo (the page's <c>branding.logoUrl</c>) on its invoice and credit-note PDFs, frozen at issue: an
/// issued document prints the bytes it was issued with (<see cref="LogoBlob"/>), whatever later happens to the page's
/// logo or the file at its address.
/// <para>
/// Fetching: http(s) only, no redirects, no proxy, at most 1 MB in 5 seconds, and never from a private, loopback or
/// link-local address (<see cref="AddressRules"/>) unless <c>Bookwell:Invoices:AllowPrivateLogoAddresses</c> (tests and
/// development). A logo is fetched (<see cref="CaptureAsync"/>) when a configuration naming it is saved, and again when a
/// document of its page is printed and the last fetch is more than ten minutes old; never while a document is issued.
/// Issuing (<see cref="AtIssueAsync"/>) takes the address's last capture; a document issued before its address was
/// ever fetched keeps the address and is frozen by its first print (<see cref="ForDocumentAsync"/>).
/// </para>
/// </summary>
public sealed class InvoiceLogo
{
    public const int MaxBytes = 1_000_000;
    private static readonly Duration Keep = Duration.FromMinutes(10);
    private readonly HttpClient _http;
    private readonly IClock _clock;
    private readonly SqliteWriteGate _gate;
    private readonly ILogger<InvoiceLogo> _log;

    public InvoiceLogo(IConfiguration config, OutboundNetwork network, IClock clock, SqliteWriteGate gate, ILogger<InvoiceLogo> log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(network);
        _clock = clock;
        _gate = gate;
        _log = log;
        var allowPrivate = config.GetValue("Bookwell:Invoices:AllowPrivateLogoAddresses", false);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxResponseHeadersLength = 64,
            ConnectCallback = (context, ct) =>
                AddressRules.ConnectAsync(context.DnsEndPoint, allowPrivate, network, m => new HttpRequestException(m), ct),
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Bookwell-Invoices/1.0");
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string UrlKey(string url) => Hash(Encoding.UTF8.GetBytes(url));

    private static bool Usable(string? url) =>
        !string.IsNullOrWhiteSpace(url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == "https" || uri.Scheme == "http");

    /// <summary>The file at <paramref name="url"/> when it is a JPEG or PNG the PDFs can show, within the limits (see the class); else null.</summary>
    public async Task<byte[]?> FetchAsync(string url, CancellationToken ct)
    {
        if (!Usable(url))
        {
            return null;
        }
        try
        {
            using var response = await _http.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.IsSuccessStatusCode && response.Content.Headers.ContentLength is null or <= MaxBytes)
            {
                await using var stream = await response.Content.ReadAsStreamAsync(ct);
                using var buffer = new MemoryStream();
                var chunk = new byte[16384];
                int n;
                while ((n = await stream.ReadAsync(chunk, ct)) > 0 && buffer.Length <= MaxBytes)
                {
                    buffer.Write(chunk, 0, n);
                }
                if (buffer.Length <= MaxBytes && buffer.ToArray() is var bytes && PdfImage.Read(bytes) is not null)
                {
                    return bytes;
                }
            }
            _log.LogInformation("Logo {Url} is not a JPEG or PNG the invoices can show (HTTP {Status})", url, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            _log.LogInformation(ex, "Logo {Url} could not be fetched for the invoices", url);
        }
        return null;
    }

    /// <summary>
    /// Fetches <paramref name="url"/> now and records what it served (the bytes once by their hash, and the address's
    /// latest capture); the hash, or null when it served no usable image. Outside any transaction (it writes its own).
    /// </summary>
    public async Task<string?> CaptureAsync(BookwellDb db, Guid tenantId, string url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var bytes = await FetchAsync(url, ct);
        var sha = bytes is null ? null : Hash(bytes);
        var key = UrlKey(url);
        for (var attempt = 1; ; attempt++)
        {
            using var _ = await _gate.EnterAsync(db, ct);
            try
            {
                var now = _clock.GetCurrentInstant();
                if (sha is not null && !await db.Set<LogoBlob>().IgnoreQueryFilters().AnyAsync(b => b.TenantId == tenantId && b.Sha256 == sha, ct))
                {
                    db.Set<LogoBlob>().Add(new LogoBlob { TenantId = tenantId, Sha256 = sha, Bytes = bytes!, CreatedAt = now });
                }
                var source = await db.Set<LogoSource>().IgnoreQueryFilters().FirstOrDefaultAsync(s => s.TenantId == tenantId && s.UrlKey == key, ct);
                if (source is null)
                {
                    db.Set<LogoSource>().Add(new LogoSource { TenantId = tenantId, UrlKey = key, Url = url, Sha256 = sha, CheckedAt = now });
                }
                else
                {
                    source.Sha256 = sha;
                    source.CheckedAt = now;
                }
                await db.SaveChangesAsync(ct);
                return sha;
            }
            catch (DbUpdateException ex) when (attempt < 3 && Conflicts.IsLostRace(ex))
            {
                // Another capture of the same bytes or address at the same moment: look again (the rows are let go below).
            }
            finally
            {
                // Only this capture's rows: the caller's context may track its own.
                foreach (var entry in db.ChangeTracker.Entries().Where(e => e.Entity is LogoBlob or LogoSource).ToList())
                {
                    entry.State = EntityState.Detached;
                }
            }
        }
    }

    /// <summary>
    /// After a configuration document was saved: each page's logo address is fetched, every one when the document changed
    /// (the business may have put a new file at the same address), otherwise only those never fetched or last fetched
    /// more than ten minutes ago.
    /// </summary>
    public async Task CapturePagesAsync(BookwellDb db, Guid tenantId, ConfigDocument doc, bool changed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(doc);
        foreach (var url in (doc.Pages ?? []).Select(p => p.Branding?.LogoUrl).Where(Usable).Distinct(StringComparer.Ordinal))
        {
            if (changed || await StaleAsync(db, tenantId, url!, ct))
            {
                await CaptureAsync(db, tenantId, url!, ct);
            }
        }
    }

    private async Task<bool> StaleAsync(BookwellDb db, Guid tenantId, string url, CancellationToken ct)
    {
        var key = UrlKey(url);
        var checkedAt = await db.Set<LogoSource>().IgnoreQueryFilters().AsNoTracking().Where(s => s.TenantId == tenantId && s.UrlKey == key)
            .Select(s => (Instant?)s.CheckedAt).FirstOrDefaultAsync(ct);
        return checkedAt is null || checkedAt.Value + Keep < _clock.GetCurrentInstant();
    }

    /// <summary>
    /// What a document issued now for a page with logo address <paramref name="url"/> keeps: the address and its last
    /// capture's hash (null when never fetched). Reads the database only: safe inside the issuing transaction.
    /// </summary>
    public static async Task<(string? Url, string? Sha256)> AtIssueAsync(BookwellDb db, Guid tenantId, string? url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!Usable(url))
        {
            return (null, null);
        }
        var key = UrlKey(url!);
        var source = await db.Set<LogoSource>().IgnoreQueryFilters().AsNoTracking().Where(s => s.TenantId == tenantId && s.UrlKey == key)
            .Select(s => new { s.Sha256 }).FirstOrDefaultAsync(ct);
        return (url, source?.Sha256);
    }

    /// <summary>The page's logo address as the business's stored configuration has it now (any tenant: the outbox worker reads across them).</summary>
    public static async Task<string?> PageLogoUrlAsync(BookwellDb db, Guid tenantId, string pageSlug, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var json = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.ConfigJson).FirstOrDefaultAsync(ct);
        var doc = json is null ? null : JsonSerializer.Deserialize<ConfigDocument>(json, Json.Options);
        return doc?.Pages?.FirstOrDefault(p => p.Slug == pageSlug)?.Branding?.LogoUrl;
    }

    /// <summary>
    /// The document's own logo, as issued (see the class); null when it was issued without one. A document issued before its
    /// address was ever fetched is frozen now, once: of two prints at the same moment, the first to store its capture wins
    /// and both print what is stored. With <paramref name="pageSlug"/> the page's current logo is refreshed for documents issued next.
    /// </summary>
    public async Task<PdfImage?> ForDocumentAsync<T>(BookwellDb db, T document, string? pageSlug, CancellationToken ct)
        where T : class, ILogoDocument
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(document);
        var sha = document.LogoSha256;
        if (sha is null && document.LogoUrl is { } url)
        {
            sha = await PendingAsync(db, document.TenantId, url, ct);
            if (sha is not null)
            {
                // Named through EF.Property: the shape is an interface, and EF maps the entity's own properties.
                var (id, tenant) = (document.Id, document.TenantId);
                var row = db.Set<T>().IgnoreQueryFilters()
                    .Where(d => EF.Property<Guid>(d, nameof(ILogoDocument.Id)) == id && EF.Property<Guid>(d, nameof(ILogoDocument.TenantId)) == tenant);
                using (await _gate.EnterAsync(db, ct))
                {
                    await row.Where(d => EF.Property<string?>(d, nameof(ILogoDocument.LogoSha256)) == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(d => EF.Property<string?>(d, nameof(ILogoDocument.LogoSha256)), sha), ct);
                }
                // Another print may have frozen it first: the stored one is the document's.
                sha = await row.Select(d => EF.Property<string?>(d, nameof(ILogoDocument.LogoSha256))).FirstOrDefaultAsync(ct);
                document.LogoSha256 = sha;
            }
        }
        if (pageSlug is not null)
        {
            await RefreshAsync(db, document.TenantId, pageSlug, ct);
        }
        return await ImageAsync(db, document.TenantId, sha, ct);
    }

    /// <summary>A document issued before its address was ever fetched: the address's capture, fetched now unless it was fetched in the last ten minutes.</summary>
    private async Task<string?> PendingAsync(BookwellDb db, Guid tenantId, string url, CancellationToken ct) =>
        await StaleAsync(db, tenantId, url, ct) ? await CaptureAsync(db, tenantId, url, ct) : (await AtIssueAsync(db, tenantId, url, ct)).Sha256;

    /// <summary>The page's current logo fetched again when its last fetch is more than ten minutes old, so documents issued next carry a replaced file.</summary>
    private async Task RefreshAsync(BookwellDb db, Guid tenantId, string pageSlug, CancellationToken ct)
    {
        if (await PageLogoUrlAsync(db, tenantId, pageSlug, ct) is { } current && Usable(current) && await StaleAsync(db, tenantId, current, ct))
        {
            await CaptureAsync(db, tenantId, current, ct);
        }
    }

    private static async Task<PdfImage?> ImageAsync(BookwellDb db, Guid tenantId, string? sha, CancellationToken ct)
    {
        if (sha is null)
        {
            return null;
        }
        var bytes = await db.Set<LogoBlob>().IgnoreQueryFilters().AsNoTracking().Where(b => b.TenantId == tenantId && b.Sha256 == sha)
            .Select(b => b.Bytes).FirstOrDefaultAsync(ct);
        return bytes is null ? null : PdfImage.Read(bytes);
    }

    /// <summary>Called from <see cref="BookwellDb"/>'s model building; both sets are filtered by the context's tenant.</summary>
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<LogoBlob>(e =>
        {
            e.ToTable("LogoBlobs");
            e.HasQueryFilter(b => b.TenantId == db.TenantId);
            e.HasKey(b => new { b.TenantId, b.Sha256 });
            e.Property(b => b.Sha256).HasMaxLength(64);
        });
        modelBuilder.Entity<LogoSource>(e =>
        {
            e.ToTable("LogoSources");
            e.HasQueryFilter(s => s.TenantId == db.TenantId);
            e.HasKey(s => new { s.TenantId, s.UrlKey });
            e.Property(s => s.UrlKey).HasMaxLength(64);
            e.Property(s => s.Url).HasMaxLength(2000);
            e.Property(s => s.Sha256).HasMaxLength(64);
        });
    }
}
