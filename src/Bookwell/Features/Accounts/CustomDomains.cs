using System.Security.Cryptography;
using Bookwell.Data;
using Bookwell.Features.Calendars;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Accounts;

/// <summary>
/// A business's own domain. Asking for one only records it as pending, with a token; it takes effect (routes
/// visitors, sign-ins and links to the business) only after Bookwell has fetched
/// <c>http://&lt;domain&gt;/.well-known/bookwell-verify/&lt;token&gt;</c> and found the token there. Bookwell itself
/// never serves that path, so a domain that already points at this server (the install's own host, another
/// business's host, a wildcard) cannot be proven by a business that does not control what the domain serves.
/// Names that belong to the install (its canonical hosts and anything under them, the sign-up domain and
/// anything under it, localhost) are refused outright.
/// </summary>
public sealed class CustomDomains(BookwellDb db, IConfiguration config, TenantLinks links, TenantHosts hosts, IHttpClientFactory http)
{
    public const string WellKnownPath = "/.well-known/bookwell-verify/";
    public const string HttpClientName = "domain-verify";

    /// <summary>Lower case, no trailing dot; null when empty.</summary>
    public static string? Normalize(string? domain) =>
        string.IsNullOrWhiteSpace(domain) ? null : domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Why this host cannot be this business's own domain, or null when it may be asked for.</summary>
    public async Task<string?> RefusalAsync(string host, Guid tenantId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Length > 253 || Uri.CheckHostName(host) != UriHostNameType.Dns || !host.Contains('.', StringComparison.Ordinal))
        {
            return "Enter a host name such as book.example.com, without https:// or a path.";
        }
        var tenantDomain = (config["Bookwell:TenantDomain"] ?? "localhost").Trim().TrimStart('.').TrimEnd('.').ToLowerInvariant();
        var reserved = links.InstallHosts().Append(tenantDomain).Append("localhost");
        if (reserved.Any(r => host == r || host.EndsWith("." + r, StringComparison.Ordinal)))
        {
            return "This address belongs to this Bookwell server itself; choose a domain of your own.";
        }
        if (await db.Tenants.AnyAsync(t => t.Host == host && t.Id != tenantId, ct))
        {
            return "This domain belongs to another business.";
        }
        return null;
    }

    /// <summary>Records the domain as pending with a fresh token; the current host keeps working meanwhile.</summary>
    public static void Request(Tenant tenant, string host)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        tenant.PendingHost = host;
        tenant.PendingHostToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
    }

    /// <summary>
    /// Fetches the token from the pending domain and, when it is there, makes the domain the business's host.
    /// Returns null on success, else what went wrong (for the owner to fix).
    /// </summary>
    public async Task<string?> VerifyAsync(Tenant tenant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (tenant.PendingHost is not { } host || tenant.PendingHostToken is not { } token)
        {
            return "There is no domain waiting to be verified.";
        }
        if (await RefusalAsync(host, tenant.Id, ct) is { } refused)
        {
            return refused;
        }
        var found = await FetchAsync(host, token, ct);
        if (found is not null)
        {
            return found;
        }
        var old = tenant.Host;
        tenant.Host = host;
        tenant.PendingHost = null;
        tenant.PendingHostToken = null;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return "This domain belongs to another business.";
        }
        if (old is not null)
        {
            hosts.Forget(old);
        }
        hosts.Remember(host, tenant.Id);
        return null;
    }

    private async Task<string?> FetchAsync(string host, string token, CancellationToken ct)
    {
        var client = http.CreateClient(HttpClientName);
        var url = new Uri($"http://{host}{WellKnownPath}{token}");
        try
        {
            for (var hop = 0; hop < 2; hop++)
            {
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && hop == 0 && response.Headers.Location is { } location)
                {
                    // Only the common plain-to-TLS redirect on the same host and path: a redirect elsewhere would
                    // let any site that redirects on request vouch for a domain it does not serve.
                    var next = location.IsAbsoluteUri ? location : new Uri(url, location);
                    if (next.Scheme != Uri.UriSchemeHttps || !string.Equals(next.IdnHost, host, StringComparison.OrdinalIgnoreCase) || next.AbsolutePath != url.AbsolutePath)
                    {
                        return "The domain redirected the check elsewhere. Serve the file on the domain itself.";
                    }
                    url = next;
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    return $"The domain answered {(int)response.StatusCode} instead of the token. Serve the file, then check again.";
                }
                var body = await ReadSmallAsync(response, ct);
                return body.Trim() == token ? null : "The domain answered, but not with the token. Serve exactly the token, then check again.";
            }
            return "The domain redirected the check elsewhere. Serve the file on the domain itself.";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return "Bookwell could not reach the domain over HTTP. Check its DNS and web server, then check again.";
        }
    }

    private static async Task<string> ReadSmallAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[256];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is > 0 and var n)
        {
            read += n;
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>
    /// The check's HTTP client: no automatic redirects, short timeouts, and no connections to this machine or
    /// private networks (a business could otherwise make the server probe its own network).
    /// </summary>
    public static IServiceCollection AddCustomDomains(IServiceCollection services)
    {
        services.AddScoped<CustomDomains>();
        services.AddHttpClient(HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ConnectCallback = (context, ct) => AddressRules.ConnectAsync(context.DnsEndPoint, allowPrivateAddresses: false,
                    sp.GetRequiredService<OutboundNetwork>(), m => new HttpRequestException(m), ct),
            });
        return services;
    }
}
