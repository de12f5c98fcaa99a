using System.Collections.Concurrent;
using System.Security.Cryptography;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.DataProtection;

namespace Bookwell.Tests.Security;

/// <summary>
/// Manage tokens are stored sealed so that later messages can carry the client's link. The seal is an envelope (a data key
/// per process, itself sealed by data protection): any node of the install opens any node's copy, copies sealed by data
/// protection directly (every copy stored before the envelope) still open, and nothing damaged or foreign opens or throws.
/// Real data-protection key rings in temporary directories: two providers on one directory are two nodes of one install.
/// </summary>
public sealed class TokenSealTests : IDisposable
{
    private readonly DirectoryInfo _ring = Directory.CreateTempSubdirectory("bookwell-ring-");
    private readonly DirectoryInfo _otherRing = Directory.CreateTempSubdirectory("bookwell-ring-");

    public void Dispose()
    {
        _ring.Delete(recursive: true);
        _otherRing.Delete(recursive: true);
    }

    private static IDataProtectionProvider Node(DirectoryInfo ring) => DataProtectionProvider.Create(ring);

    [Fact]
    public void ASealedToken_OpensOnTheSameNode_AndOnAnotherNodeOfTheInstall_ButNotElsewhere()
    {
        var a = Node(_ring);
        var token = ManageTokens.Create();
        var sealedToken = ManageTokens.Seal(a, token);
        Assert.StartsWith("s1.", sealedToken, StringComparison.Ordinal);
        Assert.DoesNotContain(token, sealedToken, StringComparison.Ordinal);
        Assert.Equal(token, ManageTokens.Unseal(a, sealedToken));
        // Another process on the same key ring has its own data key, and opens this one's through the ring.
        var b = Node(_ring);
        Assert.Equal(token, ManageTokens.Unseal(b, sealedToken));
        var fromB = ManageTokens.Seal(b, token);
        Assert.NotEqual(sealedToken.Split('.')[1], fromB.Split('.')[1]);
        Assert.Equal(token, ManageTokens.Unseal(a, fromB));
        // Another install's ring cannot open the data key.
        Assert.Null(ManageTokens.Unseal(Node(_otherRing), sealedToken));
    }

    [Fact]
    public void ACopySealedByDataProtectionDirectly_AsBeforeTheEnvelope_StillOpens()
    {
        var node = Node(_ring);
        var token = ManageTokens.Create();
        var before = node.CreateProtector("bookwell.manage-token").Protect(token);
        Assert.DoesNotContain('.', before);
        Assert.Equal(token, ManageTokens.Unseal(Node(_ring), before));
        // The same seal under another purpose is not a manage token.
        Assert.Null(ManageTokens.Unseal(node, node.CreateProtector("bookwell.something-else").Protect(token)));
    }

    [Fact]
    public void DamagedOrForeignCopies_OpenToNull_NeverThrow()
    {
        var node = Node(_ring);
        var token = ManageTokens.Create();
        var sealedToken = ManageTokens.Seal(node, token);
        var parts = sealedToken.Split('.');
        string Flip(string s, int i) => s[..i] + (s[i] == 'A' ? 'B' : 'A') + s[(i + 1)..];
        var damaged = new[]
        {
            $"s1.{parts[1]}.{Flip(parts[2], 5)}",                   // ciphertext or nonce changed: the tag fails
            $"s1.{parts[1]}.{Flip(parts[2], parts[2].Length - 3)}", // the tag itself changed
            $"s1.{Flip(parts[1], 40)}.{parts[2]}",                  // the sealed data key changed: data protection refuses it
            $"s1.{parts[1]}.{parts[2][..10]}",                      // too short to hold a nonce and a tag
            $"s1.{parts[1]}",
            $"s1..{parts[2]}",
            "s1.",
            $"s1.{parts[1]}.!!not-base64!!",
            $"s1.@@@.{parts[2]}",
            $"s1.{new string('A', 600)}.{parts[2]}",
            $"s1.{parts[1]}.{new string('A', 2000)}",
            "",
            "not sealed at all",
        };
        Assert.All(damaged, d => Assert.Null(ManageTokens.Unseal(node, d)));
        Assert.Null(ManageTokens.Unseal(node, null));
        // A valid envelope of another install, with this install's data key swapped in, still fails: the key does not match the tag.
        var foreign = ManageTokens.Seal(Node(_otherRing), token).Split('.');
        Assert.Null(ManageTokens.Unseal(node, $"s1.{parts[1]}.{foreign[2]}"));
        Assert.Equal(token, ManageTokens.Unseal(node, sealedToken));
    }

    [Fact]
    public void SealsFromManyThreadsAtOnce_AllOpen_WithNoNonceUsedTwice()
    {
        var node = Node(_ring);
        var sealedTokens = new ConcurrentBag<(string Token, string Sealed)>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 500; i++)
            {
                var token = ManageTokens.Create();
                sealedTokens.Add((token, ManageTokens.Seal(node, token)));
            }
        });
        Assert.Equal(4000, sealedTokens.Count);
        var nonces = sealedTokens.Select(s => Convert.ToHexString(System.Buffers.Text.Base64Url.DecodeFromChars(s.Sealed.Split('.')[2]).AsSpan(0, 12))).ToHashSet();
        Assert.Equal(4000, nonces.Count);
        Assert.All(sealedTokens, s => Assert.Equal(s.Token, ManageTokens.Unseal(node, s.Sealed)));
    }
}
