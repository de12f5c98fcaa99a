using Bookwell.Data;
using Microsoft.AspNetCore.Identity;

namespace Bookwell.Features.Accounts;

/// <summary>A hash of a random password, made once, to verify against when there is no account to verify against.</summary>
internal static class DummyHash
{
    private static readonly AppUser Nobody = new() { Id = Guid.Empty, DisplayName = "", Role = UserRole.Staff };
    private static string? _hash;

    public static void Verify(IPasswordHasher<AppUser> hasher, string? password)
    {
        _hash ??= hasher.HashPassword(Nobody, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        _ = hasher.VerifyHashedPassword(Nobody, _hash, password is { Length: > 0 and <= 200 } ? password : "-");
    }
}
