using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Accounts;

/// <summary>
/// What proves that the person claiming the default business is the person who runs the server: a one-time
/// code printed in the start-up log (like a notebook server's token), the operator's own configured code
/// (Bookwell__SetupCode, for several nodes or scripted installs), or the bootstrap API key. Always required:
/// where a request comes from proves nothing, since a reverse proxy on the same machine makes every visitor
/// look local. Only hashes are kept.
/// </summary>
public sealed class SetupCodes(IConfiguration config)
{
    private readonly byte[]? _configured = Hash(config["Bookwell:SetupCode"]);
    private readonly byte[]? _bootstrap = Hash(config["Bookwell:BootstrapApiKey"]);
    private byte[]? _generated;

    public bool HasConfiguredCode => _configured is not null;

    /// <summary>A fresh unguessable code; only its hash stays here. The caller prints it once.</summary>
    public string Generate()
    {
        var code = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _generated = Hash(code);
        return code;
    }

    public bool Matches(string? presented)
    {
        if (presented is not { Length: > 0 and <= 200 })
        {
            return false;
        }
        var hash = Hash(presented)!;
        // Each compared in full (no early exit), so the time taken says nothing about which one matched.
        var ok = false;
        foreach (var known in new[] { _generated, _configured, _bootstrap })
        {
            ok |= known is not null && CryptographicOperations.FixedTimeEquals(hash, known);
        }
        return ok;
    }

    private static byte[]? Hash(string? code) => code is { Length: > 0 } ? SHA256.HashData(Encoding.UTF8.GetBytes(code)) : null;

    /// <summary>
    /// At start, when the default business has no owner: the line telling the person who started the server
    /// how to claim it (null when there is an owner). The generated code appears in it once and nowhere else.
    /// </summary>
    public async Task<Func<string, string>?> StartupLineAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        if (await db.Users.AnyAsync(u => u.TenantId == DefaultTenant.Id && u.Role == UserRole.Owner, ct))
        {
            return null;
        }
        if (HasConfiguredCode)
        {
            return baseUrl => $"{baseUrl}/admin/claim (enter the configured set-up code, Bookwell__SetupCode)";
        }
        var code = Generate();
        return baseUrl => $"{baseUrl}/admin/claim?code={code}";
    }
}
