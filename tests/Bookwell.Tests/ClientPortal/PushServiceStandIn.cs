using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bookwell.Tests.ClientPortal;

/// <summary>A push message the stand-in accepted: its VAPID key, the JWT's claims and the decrypted payload.</summary>
public sealed record ReceivedPush(string Device, string VapidKey, JsonObject Claims, string Payload, string Ttl);

/// <summary>
/// A push service on loopback, with the browser side of each subscription: it makes a device's P-256 key pair and
/// 16-byte auth secret as a browser does, and on each POST to a device's endpoint it does what a real push service and
/// browser do together: checks the VAPID authorization (RFC 8292: <c>vapid t=JWT, k=key</c>, ES256 signature made with
/// <c>k</c>, <c>aud</c> the endpoint's origin, <c>exp</c> within 24 hours, a <c>sub</c> contact) and decrypts the
/// body per RFC 8291 / RFC 8188 (<c>aes128gcm</c>: salt, record size, the sender's key in the header; ECDH with the
/// device's key, HKDF with the auth secret, AES-128-GCM, padding delimiter 2). A request that fails any check is
/// answered 400/401/403 and recorded as refused. A device marked gone answers 410.
/// </summary>
public sealed class PushServiceStandIn : IAsyncDisposable
{
    public sealed class Device : IDisposable
    {
        public required string Id { get; init; }
        public required ECDiffieHellman Key { get; init; }
        public required byte[] Auth { get; init; }
        public byte[] PublicKey => Point(Key.ExportParameters(false));
        public void Dispose() => Key.Dispose();
    }

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Device> _devices = new();
    private readonly ConcurrentDictionary<string, int> _gone = new();
    private readonly ConcurrentQueue<ReceivedPush> _received = new();
    private readonly ConcurrentQueue<string> _refused = new();

    private PushServiceStandIn(WebApplication app) => _app = app;

    public int Port { get; private set; }
    public string Origin => $"http://127.0.0.1:{Port}";
    public IReadOnlyList<ReceivedPush> Received => [.. _received];
    public IReadOnlyList<string> Refused => [.. _refused];

    public static async Task<PushServiceStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new PushServiceStandIn(app);
        app.MapPost("/push/{id}", (Delegate)service.ReceiveAsync);
        await app.StartAsync();
        service.Port = new Uri(app.Urls.First()).Port;
        return service;
    }

    /// <summary>A new browser subscription: what <c>PushSubscription.toJSON()</c> would give for it.</summary>
    public (Device Device, JsonObject Json) NewDevice()
    {
        var device = new Device { Id = Guid.NewGuid().ToString("N"), Key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), Auth = RandomNumberGenerator.GetBytes(16) };
        _devices[device.Id] = device;
        return (device, new JsonObject
        {
            ["endpoint"] = $"{Origin}/push/{device.Id}",
            ["expirationTime"] = null,
            ["keys"] = new JsonObject { ["p256dh"] = B64(device.PublicKey), ["auth"] = B64(device.Auth) },
        });
    }

    /// <summary>The device's endpoint answers 410 Gone (or 404) from now on, as after the user revoked permission.</summary>
    public void Expire(Device device, int status = 410) => _gone[device.Id] = status;

    public async Task<IReadOnlyList<ReceivedPush>> WaitForAsync(Func<ReceivedPush, bool> which, int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (_received.Count(which) < count && _refused.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }
        return [.. _received.Where(which)];
    }

    private async Task<IResult> ReceiveAsync(HttpContext context, string id)
    {
        if (_gone.TryGetValue(id, out var goneStatus))
        {
            return Results.StatusCode(goneStatus);
        }
        if (!_devices.TryGetValue(id, out var device))
        {
            return Results.NotFound();
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var (failure, key, claims) = CheckVapid(context.Request.Headers.Authorization.ToString(), Origin);
        if (failure is not null)
        {
            _refused.Enqueue(failure);
            return Results.StatusCode(failure.StartsWith("401", StringComparison.Ordinal) ? 401 : 403);
        }
        var ttl = context.Request.Headers["TTL"].ToString();
        if (context.Request.Headers.ContentEncoding.ToString() != "aes128gcm" || ttl.Length == 0)
        {
            _refused.Enqueue("400 Content-Encoding must be aes128gcm and TTL is required");
            return Results.BadRequest();
        }
        string payload;
        try
        {
            payload = Decrypt(device, body);
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidDataException)
        {
            _refused.Enqueue("400 cannot decrypt: " + ex.Message);
            return Results.BadRequest();
        }
        _received.Enqueue(new ReceivedPush(id, key!, claims!, payload, ttl));
        context.Response.Headers.Location = $"{Origin}/message/{Guid.NewGuid():N}";
        return Results.StatusCode(201);
    }

    /// <summary>RFC 8292: <c>vapid t=&lt;JWT&gt;, k=&lt;public key&gt;</c>; the JWT is ES256 (raw r||s) signed by that key.</summary>
    public static (string? Failure, string? Key, JsonObject? Claims) CheckVapid(string authorization, string origin)
    {
        if (!authorization.StartsWith("vapid ", StringComparison.Ordinal))
        {
            return ("401 no vapid authorization", null, null);
        }
        var parts = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var jwt) || !parts.TryGetValue("k", out var k) || FromB64(k) is not { Length: 65 } point || point[0] != 4)
        {
            return ("401 t or k missing or k not a P-256 point", null, null);
        }
        var pieces = jwt.Split('.');
        if (pieces.Length != 3)
        {
            return ("401 not a JWT", null, null);
        }
        var header = JsonNode.Parse(FromB64(pieces[0])!)!.AsObject();
        var claims = JsonNode.Parse(FromB64(pieces[1])!)!.AsObject();
        if (header["alg"]?.GetValue<string>() != "ES256")
        {
            return ("401 alg is not ES256", null, null);
        }
        using var verifier = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
        var signature = FromB64(pieces[2]);
        if (signature is not { Length: 64 } || !verifier.VerifyData(Encoding.ASCII.GetBytes(pieces[0] + "." + pieces[1]), signature, HashAlgorithmName.SHA256))
        {
            return ("403 the JWT's signature does not verify with k", null, null);
        }
        if (claims["aud"]?.GetValue<string>() != origin)
        {
            return ($"403 aud is {claims["aud"]}, not {origin}", null, null);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (claims["exp"] is not JsonValue expValue || !expValue.TryGetValue<long>(out var exp) || exp <= now || exp > now + 86400)
        {
            return ("403 exp missing, past or more than 24 hours ahead", null, null);
        }
        if (claims["sub"]?.GetValue<string>() is not { } sub || !(sub.StartsWith("mailto:", StringComparison.Ordinal) || sub.StartsWith("https:", StringComparison.Ordinal)))
        {
            return ("403 sub must be a mailto: or https: contact", null, null);
        }
        return (null, k, claims);
    }

    /// <summary>RFC 8291 section 3.4 and RFC 8188 section 2, for one record (push messages are at most 4,096 bytes).</summary>
    public static string Decrypt(Device device, byte[] body)
    {
        if (body.Length < 21 + 65 + 17)
        {
            throw new InvalidDataException("body too short");
        }
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        int idLength = body[20];
        if (idLength != 65 || recordSize < 18)
        {
            throw new InvalidDataException("keyid must be the sender's 65-byte public key");
        }
        var senderKey = body[21..(21 + 65)];
        var ciphertext = body[(21 + 65)..];
        if (ciphertext.Length > recordSize)
        {
            throw new InvalidDataException("more than one record");
        }
        using var sender = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = senderKey[1..33], Y = senderKey[33..] } });
        var shared = device.Key.DeriveRawSecretAgreement(sender.PublicKey);
        byte[] keyInfo = [.. "WebPush: info"u8, 0, .. device.PublicKey, .. senderKey];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, device.Auth, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, [.. "Content-Encoding: aes128gcm"u8, 0]);
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, [.. "Content-Encoding: nonce"u8, 0]);
        var plain = new byte[ciphertext.Length - 16];
        using (var gcm = new AesGcm(cek, 16))
        {
            gcm.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plain);
        }
        var end = plain.Length - 1;
        while (end >= 0 && plain[end] == 0)
        {
            end--;
        }
        if (end < 0 || plain[end] != 2)
        {
            throw new InvalidDataException("the last record must end with the padding delimiter 2");
        }
        return Encoding.UTF8.GetString(plain, 0, end);
    }

    private static byte[] Point(ECParameters p) => [4, .. p.Q.X!, .. p.Q.Y!];

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[]? FromB64(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(s);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        foreach (var d in _devices.Values)
        {
            d.Dispose();
        }
    }
}
