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
    /// One protector per provider (one per app; several in a test process): every new booking seals its token, and making
    /// the protector (its purpose encoded into the authenticated data) was part of that cost each time. Same purpose, same
    /// output format, so sealed copies read the same either way.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider,
        Microsoft.AspNetCore.DataProtection.IDataProtector> Protectors = new();

    private static Microsoft.AspNetCore.DataProtection.IDataProtector Protector(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection) =>
        Protectors.GetValue(protection, p => p.CreateProtector(Purpose));

    public static string Seal(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, string token) =>
        Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Protect(Protector(protection), token);

    /// <summary>The client's token from its sealed copy, or null when there is none or it cannot be opened.</summary>
    public static string? Unseal(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, string? sealedToken)
    {
        if (sealedToken is null)
        {
            return null;
        }
        try
        {
            return Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Unprotect(Protector(protection), sealedToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static bool LooksValid(string? token) => token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
