using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Infrastructure;

/// <summary>
/// Resolves the tenant once per request (by host; the default tenant for any other host) and recognises the
/// bootstrap admin key, which always acts on the default tenant.
/// </summary>
public sealed class TenantMiddleware(RequestDelegate next, IConfiguration config)
{
    private readonly byte[]? _bootstrapHash = config["Bookwell:BootstrapApiKey"] is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
    private Dictionary<string, Guid> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private DateTime _hostsLoadedAt = DateTime.MinValue;

    public async Task InvokeAsync(HttpContext context, TenantContext tenant, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tenant);
        if (IsBootstrapKey(context.Request.Headers.Authorization.ToString()))
        {
            tenant.TenantId = DefaultTenant.Id;
            tenant.IsAdmin = true;
        }
        else
        {
            tenant.TenantId = await HostTenantAsync(context.Request.Host.Host, services);
        }
        await next(context);
    }

    private bool IsBootstrapKey(string header)
    {
        if (_bootstrapHash is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _bootstrapHash);
    }

    private async Task<Guid> HostTenantAsync(string host, IServiceProvider services)
    {
        // Host mappings change rarely; a short cache keeps a lookup off every request.
        if (DateTime.UtcNow - _hostsLoadedAt > TimeSpan.FromSeconds(30))
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            _hosts = await db.Tenants.AsNoTracking().Where(t => t.Host != null).ToDictionaryAsync(t => t.Host!, t => t.Id, StringComparer.OrdinalIgnoreCase);
            _hostsLoadedAt = DateTime.UtcNow;
        }
        return _hosts.TryGetValue(host, out var id) ? id : DefaultTenant.Id;
    }
}

public static class AdminAuth
{
    /// <summary>Admin endpoints answer 401 problem details unless the request carries an admin key.</summary>
    public static RouteGroupBuilder RequireAdmin(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<TenantContext>().IsAdmin ? await next(ctx) : Problems.Unauthorized());
        return group;
    }
}
