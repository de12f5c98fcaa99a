using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Seals manage tokens by envelope encryption: AES-256-GCM under a data key of this process, with the data key itself sealed
/// by data protection (the install's shared, rotated key ring) and stored beside each token:
/// <c>s1.{data key sealed by data protection}.{base64url(nonce ‖ ciphertext ‖ tag)}</c>.
/// Why: every new booking seals its token, and a data-protection seal derives a fresh subkey (HMAC-SHA512), draws two random
/// values and builds a cipher each time, every step an OpenSSL 3.0 call that takes shared locks: 8 µs on one thread and
/// 13–18 µs with two threads sealing at once, about a tenth of the app's CPU per booking (docs/performance.md, "Issue 12,
/// thirty-fourth session"). Here a seal is one AES-GCM encryption with a cipher kept per thread.
/// Any node opens any node's envelope, since the data key is sealed under the shared ring. A data key is replaced after
/// an hour, so seals follow the ring's rotation as data protection's own would, and no key seals more than
/// <see cref="MaxSealsPerKey"/> tokens. Nonces are a per-key random prefix and a counter: unique under a key by
/// construction. The data key is sealed under a purpose of its own (a child of the tokens' purpose), so a sealed data key
/// stored where a sealed token belongs does not open as a token.
/// <para>
/// Nodes built before the envelope open only data protection's own seals: during a rolling upgrade from such a build, set
/// <c>Bookwell__Bookings__ManageTokenSeal=data-protection</c> until every node runs this one (<see cref="Envelope"/>;
/// docs/operations.md).
/// </para>
/// </summary>
public sealed class TokenSeal(IDataProtector protector)
{
    /// <summary>False: seal with data protection directly, as builds before the envelope did (both forms always open).</summary>
    public bool Envelope { get; set; } = true;

    private readonly IDataProtector _keys = protector.CreateProtector("data-key");

    private const string Prefix = "s1.";
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const long MaxSealsPerKey = 1L << 32;
    private static readonly long KeyLifetimeMs = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    /// <summary>The authenticated data of every envelope: the format's name, bound to each ciphertext.</summary>
    private static readonly byte[] Aad = Encoding.ASCII.GetBytes("bookwell.manage-token.s1");

    /// <summary>A data key: its bytes, its sealed form as stored in every envelope, its nonce prefix and counter.</summary>
    private sealed class DataKey(byte[] key, string wrapped, long madeAt)
    {
        public readonly byte[] Key = key;
        public readonly string Wrapped = wrapped;
        public readonly long MadeAt = madeAt;
        public readonly uint NoncePrefix = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        public long Count;
    }

    private DataKey? _current;
    private readonly Lock _making = new();

    /// <summary>Data keys of other envelopes (other nodes, earlier processes) already opened by data protection. Bounded:
    /// one entry per node and hour, cleared when full.</summary>
    private readonly ConcurrentDictionary<string, byte[]> _opened = new(StringComparer.Ordinal);
    private const int MaxOpened = 512;

    [ThreadStatic]
    private static (DataKey Key, AesGcm Cipher)? cipher;

    public string Seal(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!Envelope)
        {
            return protector.Protect(token);
        }
        var key = Current();
        var n = Interlocked.Increment(ref key.Count);
        if (n > MaxSealsPerKey)
        {
            key = Renew(key);
            n = Interlocked.Increment(ref key.Count);
        }
        var byteCount = Encoding.UTF8.GetByteCount(token);
        var payload = byteCount <= 192 ? stackalloc byte[NonceSize + 192 + TagSize] : new byte[NonceSize + byteCount + TagSize];
        payload = payload[..(NonceSize + byteCount + TagSize)];
        var nonce = payload[..NonceSize];
        BitConverter.TryWriteBytes(nonce, key.NoncePrefix);
        BitConverter.TryWriteBytes(nonce[4..], n);
        var plain = payload.Slice(NonceSize, byteCount);
        Encoding.UTF8.GetBytes(token, plain);
        // Encrypted in place: GCM allows the plaintext and ciphertext to be the same buffer.
        CipherFor(key).Encrypt(nonce, plain, plain, payload[^TagSize..], Aad);
        var sealedToken = string.Concat(Prefix, key.Wrapped, ".", Base64Url.EncodeToString(payload));
        CryptographicOperations.ZeroMemory(payload);
        return sealedToken;
    }

    /// <summary>The token, or null when the copy is damaged, was sealed elsewhere, or its data-protection key is gone.</summary>
    public string? Unseal(string sealedToken)
    {
        ArgumentNullException.ThrowIfNull(sealedToken);
        if (!sealedToken.StartsWith(Prefix, StringComparison.Ordinal))
        {
            try
            {
                return protector.Unprotect(sealedToken);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }
        var rest = sealedToken.AsSpan(Prefix.Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0)
        {
            return null;
        }
        if (dot > 512)
        {
            return null;
        }
        var wrapped = rest[..dot].ToString();
        var encoded = rest[(dot + 1)..];
        if (encoded.Length > 1024 || Base64Url.GetMaxDecodedLength(encoded.Length) < NonceSize + TagSize)
        {
            return null;
        }
        var payload = new byte[Base64Url.GetMaxDecodedLength(encoded.Length)];
        if (Base64Url.DecodeFromChars(encoded, payload, out _, out var length) != System.Buffers.OperationStatus.Done || length < NonceSize + TagSize)
        {
            return null;
        }
        var key = KeyOf(wrapped);
        if (key is null)
        {
            return null;
        }
        var body = payload.AsSpan(0, length);
        var plain = new byte[length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(body[..NonceSize], body[NonceSize..^TagSize], body[^TagSize..], plain, Aad);
        }
        catch (CryptographicException)
        {
            return null;
        }
        var token = Encoding.UTF8.GetString(plain);
        CryptographicOperations.ZeroMemory(plain);
        return token;
    }

    private byte[]? KeyOf(string wrapped)
    {
        if (_current is { } current && current.Wrapped == wrapped)
        {
            return current.Key;
        }
        if (_opened.TryGetValue(wrapped, out var known))
        {
            return known;
        }
        byte[] key;
        try
        {
            key = _keys.Unprotect(Base64Url.DecodeFromChars(wrapped));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
        if (key.Length != KeySize)
        {
            return null;
        }
        if (_opened.Count >= MaxOpened)
        {
            _opened.Clear();
        }
        _opened[wrapped] = key;
        return key;
    }

    private DataKey Current()
    {
        var key = _current;
        return key is not null && Environment.TickCount64 - key.MadeAt < KeyLifetimeMs ? key : Renew(key);
    }

    /// <summary>A new data key, unless another thread replaced <paramref name="stale"/> already.</summary>
    private DataKey Renew(DataKey? stale)
    {
        lock (_making)
        {
            if (!ReferenceEquals(_current, stale) && _current is { } fresh)
            {
                return fresh;
            }
            var bytes = RandomNumberGenerator.GetBytes(KeySize);
            var made = new DataKey(bytes, Base64Url.EncodeToString(_keys.Protect(bytes)), Environment.TickCount64);
            _current = made;
            return made;
        }
    }

    private static AesGcm CipherFor(DataKey key)
    {
        if (cipher is { } held && ReferenceEquals(held.Key, key))
        {
            return held.Cipher;
        }
        cipher?.Cipher.Dispose();
        var made = new AesGcm(key.Key, TagSize);
        cipher = (key, made);
        return made;
    }
}
