using System.Security.Cryptography;
using System.Text;

namespace Bookwell.Features.Bookings;

/// <summary>
/// A manage token is 256 bits from the OS CSPRNG, shown once to the client; only its SHA-256 is stored, so a
/// database leak does not hand out control of bookings.
/// </summary>
public static class ManageTokens
{
    public static string Create() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private const string Purpose = "bookwell.manage-token";

    public static string Seal(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, string token) =>
        Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Protect(protection.CreateProtector(Purpose), token);

    /// <summary>The client's token from its sealed copy, or null when there is none or it cannot be opened.</summary>
    public static string? Unseal(Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection, string? sealedToken)
    {
        if (sealedToken is null)
        {
            return null;
        }
        try
        {
            return Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Unprotect(protection.CreateProtector(Purpose), sealedToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static bool LooksValid(string? token) => token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
