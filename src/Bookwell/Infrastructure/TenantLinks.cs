using Bookwell.Data;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Bookwell.Infrastructure;

/// <summary>
/// Where links in e-mails and on pages point: a business's configured host, or for the default business the
/// install's own address. Never the request's Host header: anyone can send any Host, and a reset link built
/// from it would carry the reset token to the sender's site.
/// </summary>
public sealed class TenantLinks(IConfiguration config, IServer server)
{
    /// <summary>
    /// The install's own base URL: Bookwell__PublicBaseUrl; else, for a local install, the server's own
    /// loopback address (as <c>dotnet run</c> gives it). Null when neither is known (e.g. a server listening
    /// on every interface with no public URL configured): then account e-mails are refused, not guessed.
    /// </summary>
    public string? InstallBaseUrl
    {
        get
        {
            // Asked for every booking's links: once known for good (configured, or the server listening) it is kept, not
            // worked out again from the settings and the addresses each time. A changed PublicBaseUrl takes a restart.
            if (_install is { } known)
            {
                return known.Url;
            }
            if (PublicBaseUrl(config) is { } configured)
            {
                _install = new Install(configured);
                return configured;
            }
            var live = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            var addresses = ListenAddresses();
            var url = addresses.Count == 0 ? "http://localhost:5000" : addresses.FirstOrDefault(IsLocal)?.TrimEnd('/');
            if (live is { Count: > 0 })
            {
                _install = new Install(url);
            }
            return url;
        }
    }

    private sealed record Install(string? Url);

    private volatile Install? _install;

    /// <summary>Booking links must go out even when the install's address is not configured; they then name the listen address, still never the request's.</summary>
    public string FallbackBaseUrl => InstallBaseUrl ??
        ListenAddresses().Select(a => a.Replace("0.0.0.0", "localhost", StringComparison.Ordinal).Replace("[::]", "localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal).TrimEnd('/')).FirstOrDefault()
        ?? "http://localhost:5000";

    /// <summary>The base URL of a business's own links, or null when no canonical address is known.</summary>
    public string? CanonicalBaseUrl(TenantContext tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (tenant.TenantId == DefaultTenant.Id)
        {
            return InstallBaseUrl;
        }
        return tenant.Host is { } host ? ForHost(host) : null;
    }

    public string BaseUrl(TenantContext tenant) => CanonicalBaseUrl(tenant) ?? FallbackBaseUrl;

    /// <summary>The request's tenant's base URL (resolved from its configured host, not from the request's).</summary>
    public static string BaseUrl(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.HttpContext.RequestServices;
        return services.GetRequiredService<TenantLinks>().BaseUrl(services.GetRequiredService<TenantContext>());
    }

    /// <summary>
    /// A business host's base URL. The scheme (and a non-standard port) follow the install's own address, so a
    /// local install on http://localhost:5000 links to http://acme.localhost:5000 and a public one to https.
    /// Bookwell__TenantScheme overrides the scheme.
    /// </summary>
    public string ForHost(string host)
    {
        var install = Uri.TryCreate(InstallBaseUrl ?? "", UriKind.Absolute, out var u) ? u : null;
        var scheme = config["Bookwell:TenantScheme"] is { Length: > 0 } s ? s : install?.Scheme ?? "https";
        var port = install is { IsDefaultPort: false } && install.Scheme == scheme ? $":{install.Port}" : "";
        return $"{scheme}://{host}{port}";
    }

    /// <summary>The host names of the install itself: never available to a business as its own domain.</summary>
    public IReadOnlyList<string> InstallHosts()
    {
        var hosts = new List<string>();
        if (PublicBaseUrl(config) is { } configured && Uri.TryCreate(configured, UriKind.Absolute, out var u))
        {
            hosts.Add(u.IdnHost.ToLowerInvariant());
        }
        foreach (var extra in (config["Bookwell:CanonicalHosts"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            hosts.Add(extra.TrimEnd('.').ToLowerInvariant());
        }
        return hosts.Distinct().ToList();
    }

    public static string? PublicBaseUrl(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config["Bookwell:PublicBaseUrl"] is { Length: > 0 } url && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? url.Trim().TrimEnd('/')
            : null;
    }

    private List<string> ListenAddresses()
    {
        var live = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (live is { Count: > 0 })
        {
            return [.. live];
        }
        return ConfiguredListenAddresses(config);
    }

    /// <summary>What the server is told to listen on before it starts (--urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, Kestrel endpoints).</summary>
    public static List<string> ConfiguredListenAddresses(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var list = new List<string>();
        list.AddRange((config["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var port in (config["http_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add($"http://*:{port}");
        }
        foreach (var port in (config["https_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add($"https://*:{port}");
        }
        foreach (var endpoint in config.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                list.Add(url);
            }
        }
        return list;
    }

    /// <summary>A listen address only this machine can reach.</summary>
    public static bool IsLocal(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var host = address.Replace("://+", "://wildcard.invalid", StringComparison.Ordinal).Replace("://*", "://wildcard.invalid", StringComparison.Ordinal);
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri))
        {
            return false;
        }
        return uri.IsLoopback || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);
    }
}
