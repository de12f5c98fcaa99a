using System.Security.Cryptography;
using System.Text;

namespace Bookwell.Features.Bookings;

/// <summary>
/// A manage token is 256 bits from the OS CSPRNG (drawn in bulk: <see cref="Infrastructure.SecureRandom"/>), shown once to the client; only its SHA-256 is stored, so a
/// database leak does not hand out control of bookings.
/// </summary>
public static class ManageTokens
{
    public static string Create()
    {
        Span<byte> bytes = stackalloc byte[32];
        Infrastructure.SecureRandom.Fill(bytes);
        return System.Buffers.Text.Base64Url.EncodeToString(bytes);
    }

    public static string Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        // Tokens are 43 characters; anything a client sends is size-limited long before it gets here.
        var bytes = Encoding.UTF8.GetMaxByteCount(token.Length) <= 256 ? stackalloc byte[256] : new byte[Encoding.UTF8.GetMaxByteCount(token.Length)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[..Encoding.UTF8.GetBytes(token, bytes)], hash);
        return Convert.ToHexStringLower(hash);
    }

    private const string Purpose = "bookwell.manage-token";

    /// <summary>
    /// One sealer per provider (one per app; several in a test process), holding the data key it seals with and the keys of
    /// other sealers it has opened (<see cref="TokenSeal"/>).
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider,
        TokenSeal> Sealers = new();

    private static TokenSeal Sealer(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection) =>
        Sealers.GetValue(protection, p => new TokenSeal(p.CreateProtector(Purpose)));

    /// <summary>
    /// Whether new seals are envelopes (the default) or data protection's own, from <c>Bookwell:Bookings:ManageTokenSeal</c>
    /// ("data-protection" for a rolling upgrade from a build before the envelope). Set once at start-up.
    /// </summary>
    public static void Configure(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var format = config["Bookwell:Bookings:ManageTokenSeal"];
        if (format is not (null or "" or "envelope" or "data-protection"))
        {
            throw new InvalidOperationException($"Bookwell:Bookings:ManageTokenSeal is '{format}': expected 'envelope' or 'data-protection'.");
        }
        Sealer(protection).Envelope = format != "data-protection";
    }

    /// <summary>The token sealed for storage, so that later messages can carry the client's link (<see cref="TokenSeal"/>).</summary>
    public static string Seal(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, string token) =>
        Sealer(protection).Seal(token);

    /// <summary>
    /// The client's token from its sealed copy, or null when there is none or it cannot be opened. Opens both forms: the
    /// envelope (<see cref="TokenSeal"/>) and a copy data protection sealed directly, as every copy was before it.
    /// </summary>
    public static string? Unseal(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, string? sealedToken) =>
        sealedToken is null ? null : Sealer(protection).Unseal(sealedToken);

    public static bool LooksValid(string? token) => token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
