using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bookwell.Tests.Infrastructure;

/// <summary>A browser-like client for the server-rendered pages: one host, its cookies, antiforgery tokens, no auto-redirects.</summary>
public sealed partial class WebSession
{
    private WebSession(HttpClient client, string host)
    {
        Client = client;
        Host = host;
    }

    public HttpClient Client { get; }
    public string Host { get; }

    public static WebSession For(BookwellApp app, string host = "localhost", string scheme = "http") =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri($"{scheme}://{host}") }), host);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public async Task<string> GetAsync(string path)
    {
        var response = await Client.GetAsync(path);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Posts a form with the antiforgery token a GET of <paramref name="tokenFrom"/> (default: the path itself) hands out.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, string? tokenFrom = null)
    {
        var html = await GetAsync(tokenFrom ?? path);
        var token = TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : "";
        return await Client.PostAsync(path, new FormUrlEncodedContent(fields.Append(KeyValuePair.Create("__RequestVerificationToken", token))));
    }

    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Key, string Value)[] fields) =>
        PostFormAsync(path, fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    public async Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        await PostFormAsync("/admin/login", ("Email", email), ("Password", password));

    /// <summary>The HTML of a response, decoded the way a reader sees it.</summary>
    public static async Task<string> TextAsync(HttpResponseMessage response) => WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    /// <summary>RFC 6238 code for a base32 authenticator key at the given time (30 s steps, 6 digits, HMAC-SHA1).</summary>
    public static string Totp(string base32Key, DateTimeOffset at)
    {
        var key = Base32(base32Key);
        var counter = at.ToUnixTimeSeconds() / 30;
        var message = BitConverter.GetBytes(counter);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(message);
        }
        var hash = HMACSHA1.HashData(key, message);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var clean = text.Trim().TrimEnd('=').ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }
}
