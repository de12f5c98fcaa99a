using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Bookwell.Features.Staff;

/// <summary>
/// Device cookies (OWASP "Slow down online guessing attacks with device cookies"): a browser where a staff member
/// signed in with the right PIN gets a signed cookie for that staff member. Its PIN attempts are counted on their
/// own key, so strangers who lock the account out by guessing do not lock out the salon's own tablet; the
/// device's own wrong guesses still lock that device.
/// </summary>
public static class StaffDevices
{
    private const string Purpose = "bookwell.staff-device";
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    /// <summary>One cookie per staff member and business; the name reveals neither.</summary>
    private static string CookieName(Guid tenant, string staffKey) =>
        "bw_dev_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}|{staffKey}")))[..16];

    /// <summary>The device's random id when this browser holds a genuine cookie for this staff member, else null.</summary>
    public static string? Read(HttpContext http, IDataProtectionProvider protection, Guid tenant, string staffKey)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(protection);
        if (http.Request.Cookies[CookieName(tenant, staffKey)] is not { Length: > 0 and < 1000 } value)
        {
            return null;
        }
        try
        {
            var parts = protection.CreateProtector(Purpose).Unprotect(value).Split('|');
            return parts.Length == 3 && parts[0] == tenant.ToString() && parts[1] == staffKey && parts[2].Length == 32 ? parts[2] : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Issues (or renews, keeping its id) the cookie after a right PIN.</summary>
    public static void Issue(HttpContext http, IDataProtectionProvider protection, Guid tenant, string staffKey, string? deviceId)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(protection);
        var id = deviceId ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        http.Response.Cookies.Append(CookieName(tenant, staffKey), protection.CreateProtector(Purpose).Protect($"{tenant}|{staffKey}|{id}"), new CookieOptions
        {
            Path = "/staff",
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            MaxAge = Lifetime,
            IsEssential = true,
        });
    }

    /// <summary>The throttle key of one device for one staff member; hashed so the key holds no cookie secret.</summary>
    public static string ThrottleKey(Guid tenant, string staffKey, string deviceId) =>
        "pin-device:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}|{staffKey}|{deviceId}")))[..40];
}
