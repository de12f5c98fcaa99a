using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Infrastructure;

/// <summary>
/// Resolves the tenant once per request: an admin key (the bootstrap key, or a tenant's API key) decides it;
/// otherwise the host does (a tenant's subdomain or custom domain), and any other host is the default tenant.
/// </summary>
public sealed class TenantMiddleware(RequestDelegate next, IConfiguration config)
{
    private readonly byte[]? _bootstrapHash = config["Bookwell:BootstrapApiKey"] is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    // Not async where it need not be: the bootstrap key and a cached host decide at once, and the request then goes on
    // without a state machine of this middleware's own (one per request, as long as the request runs).
    public Task InvokeAsync(HttpContext context, TenantContext tenant, TenantHosts hosts, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(hosts);
        var bearer = Bearer(context.Request.Headers.Authorization.ToString());
        if (bearer is not null && IsBootstrapKey(bearer))
        {
            tenant.TenantId = DefaultTenant.Id;
            tenant.IsAdmin = true;
            return Continue(context, tenant);
        }
        if (bearer is not null && IsAdminApi(context))
        {
            return KeyedAsync(context, tenant, hosts, services, bearer);
        }
        var resolving = hosts.ResolveAsync(context.Request.Host.Host, services);
        if (resolving.IsCompletedSuccessfully)
        {
            (tenant.TenantId, tenant.Host) = resolving.Result;
            return Continue(context, tenant);
        }
        return ResolvedAsync(context, tenant, resolving);
    }

    private async Task KeyedAsync(HttpContext context, TenantContext tenant, TenantHosts hosts, IServiceProvider services, string bearer)
    {
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            var now = scope.ServiceProvider.GetRequiredService<IClock>().GetCurrentInstant();
            if (await ApiKeys.FindTenantAsync(db, bearer, now, context.RequestAborted) is { } keyTenant)
            {
                tenant.TenantId = keyTenant.Tenant;
                tenant.ApiKeyId = keyTenant.Key;
                tenant.IsAdmin = true;
                tenant.Host = await hosts.HostOfAsync(keyTenant.Tenant, services);
            }
            else
            {
                (tenant.TenantId, tenant.Host) = await hosts.ResolveAsync(context.Request.Host.Host, services);
            }
        }
        await Continue(context, tenant);
    }

    private async Task ResolvedAsync(HttpContext context, TenantContext tenant, Task<(Guid Id, string? Host)> resolving)
    {
        (tenant.TenantId, tenant.Host) = await resolving;
        await Continue(context, tenant);
    }

    private Task Continue(HttpContext context, TenantContext tenant)
    {
        if (tenant.TenantId == DefaultTenant.Id)
        {
            // The default business's links follow the install's configured address, not any host it answers on.
            tenant.Host = null;
        }
        return next(context);
    }

    private static string? Bearer(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;

    /// <summary>An admin API request that presents a key: the key, not a cookie session, says who acts.</summary>
    public static bool IsKeyedAdminRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsAdminApi(context) && context.RequestServices.GetRequiredService<TenantContext>().IsAdmin;
    }

    private static bool IsAdminApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api/v1/admin", StringComparison.OrdinalIgnoreCase);

    private bool IsBootstrapKey(string presented) =>
        _bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _bootstrapHash);
}

/// <summary>
/// Host → tenant, cached per node: a known host for 30 s, an unknown one (the default tenant) for 5 s, so a
/// new tenant's host works on every node within seconds and at once on the node that created it. Only a
/// tenant's stored (verified) host maps to it; a domain still awaiting verification maps to nothing.
/// </summary>
public sealed class TenantHosts
{
    private readonly ConcurrentDictionary<string, (Guid Id, string? Host, DateTime Until)> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Guid, (string? Host, DateTime Until)> _hostOf = new();

    /// <summary>The tenant answering on this host, and its stored host name (null for the default tenant).</summary>
    public async Task<(Guid Id, string? Host)> ResolveAsync(string host, IServiceProvider services)
    {
        if (_cache.TryGetValue(host, out var hit) && hit.Until > DateTime.UtcNow)
        {
            return (hit.Id, hit.Host);
        }
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var normalized = host.ToLowerInvariant();
        var id = await db.Tenants.AsNoTracking().Where(t => t.Host == normalized).Select(t => (Guid?)t.Id).FirstOrDefaultAsync();
        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }
        _cache[host] = (id ?? DefaultTenant.Id, id is null ? null : normalized, DateTime.UtcNow.AddSeconds(id is null ? 5 : 30));
        return (id ?? DefaultTenant.Id, id is null ? null : normalized);
    }

    /// <summary>A tenant's stored host (for a request whose tenant an API key decided, not its Host header).</summary>
    public async Task<string?> HostOfAsync(Guid tenantId, IServiceProvider services)
    {
        if (_hostOf.TryGetValue(tenantId, out var hit) && hit.Until > DateTime.UtcNow)
        {
            return hit.Host;
        }
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var host = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.Host).FirstOrDefaultAsync();
        if (_hostOf.Count > 10_000)
        {
            _hostOf.Clear();
        }
        _hostOf[tenantId] = (host, DateTime.UtcNow.AddSeconds(30));
        return host;
    }

    public void Remember(string host, Guid tenantId)
    {
        _cache[host] = (tenantId, host.ToLowerInvariant(), DateTime.UtcNow.AddSeconds(30));
        _hostOf[tenantId] = (host.ToLowerInvariant(), DateTime.UtcNow.AddSeconds(30));
    }

    public void Forget(string host)
    {
        if (_cache.TryRemove(host, out var gone))
        {
            _hostOf.TryRemove(gone.Id, out _);
        }
    }
}

public static class AdminAuth
{
    /// <summary>Admin endpoints answer 401 problem details unless the request carries an admin key.</summary>
    public static RouteGroupBuilder RequireAdmin(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        // Not async: an admitted request goes straight on to its handler, without a state machine of the filter's own.
        group.AddEndpointFilter((ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<TenantContext>().IsAdmin ? next(ctx) : ValueTask.FromResult<object?>(Problems.Unauthorized()));
        return group;
    }
}
