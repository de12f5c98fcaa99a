using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bookwell.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect provider on loopback, answering as Google documents its endpoints: discovery
/// (<c>/.well-known/openid-configuration</c>), JWKS, <c>/authorize</c> (authorization code, response_mode=query,
/// PKCE S256) and <c>/token</c> (client secret, code used once, redirect_uri and code_verifier checked), with an
/// RS256-signed id_token carrying <c>sub</c>, <c>email</c>, <c>email_verified</c>, <c>name</c> and the request's
/// <c>nonce</c>. The person who "signs in" at the provider is <see cref="NextUser"/>; <see cref="NonceOverride"/>
/// makes it sign a nonce other than the one asked for.
/// </summary>
public sealed class OidcStandIn : IAsyncDisposable
{
    public const string ClientId = "bookwell-test.apps.example";
    public const string ClientSecret = "stand-in-secret-0123456789";

    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new();

    public sealed record User(string Subject, string Email, bool EmailVerified, string Name);
    private sealed record Grant(User User, string? Nonce, string RedirectUri, string? Challenge);

    public User NextUser { get; set; } = new("google-sub-1", "ada@example.com", true, "Ada Lovelace");
    public string? NonceOverride { get; set; }
    public string BaseUrl { get; private set; } = "";
    public ConcurrentQueue<string> TokenRequests { get; } = new();

    private OidcStandIn(WebApplication app) => _app = app;

    public static async Task<OidcStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var self = new OidcStandIn(app);
        app.Run(self.HandleAsync);
        await app.StartAsync();
        self.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return self;
    }

    private string Kid => "stand-in-1";

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        switch (path)
        {
            case "/.well-known/openid-configuration":
                await Json(context, new JsonObject
                {
                    ["issuer"] = BaseUrl,
                    ["authorization_endpoint"] = BaseUrl + "/authorize",
                    ["token_endpoint"] = BaseUrl + "/token",
                    ["jwks_uri"] = BaseUrl + "/jwks",
                    ["response_types_supported"] = new JsonArray("code"),
                    ["subject_types_supported"] = new JsonArray("public"),
                    ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
                    ["code_challenge_methods_supported"] = new JsonArray("S256"),
                    ["scopes_supported"] = new JsonArray("openid", "email", "profile"),
                });
                return;
            case "/jwks":
                var p = _rsa.ExportParameters(false);
                await Json(context, new JsonObject
                {
                    ["keys"] = new JsonArray(new JsonObject
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["alg"] = "RS256",
                        ["kid"] = Kid,
                        ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                    }),
                });
                return;
            case "/authorize":
                Authorize(context);
                return;
            case "/token":
                await TokenAsync(context);
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    private void Authorize(HttpContext context)
    {
        var q = context.Request.Query;
        if (q["client_id"] != ClientId || q["response_type"] != "code" || string.IsNullOrEmpty(q["redirect_uri"]) || !q["scope"].ToString().Split(' ').Contains("openid"))
        {
            context.Response.StatusCode = 400;
            return;
        }
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new Grant(NextUser, q["nonce"], q["redirect_uri"]!, q["code_challenge_method"] == "S256" ? q["code_challenge"].ToString() : null);
        var back = $"{q["redirect_uri"]}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(q["state"].ToString())}";
        context.Response.Redirect(back);
    }

    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        TokenRequests.Enqueue(string.Join('&', form.Select(f => f.Key)));
        var (id, secret) = (form["client_id"].ToString(), form["client_secret"].ToString());
        if (context.Request.Headers.Authorization.ToString() is { Length: > 6 } basic && basic.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..])).Split(':', 2);
            (id, secret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        if (id != ClientId || secret != ClientSecret || form["grant_type"] != "authorization_code" ||
            !_codes.TryRemove(form["code"].ToString(), out var grant) || form["redirect_uri"] != grant.RedirectUri ||
            (grant.Challenge is not null && Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge))
        {
            context.Response.StatusCode = 400;
            await Json(context, new JsonObject { ["error"] = "invalid_grant" }, 400);
            return;
        }
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = grant.User.Subject,
            ["email"] = grant.User.Email,
            ["email_verified"] = grant.User.EmailVerified,
            ["name"] = grant.User.Name,
        };
        if ((NonceOverride ?? grant.Nonce) is { } nonce)
        {
            claims["nonce"] = nonce;
        }
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = BaseUrl,
            Audience = ClientId,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = Kid }, SecurityAlgorithms.RsaSha256),
        });
        await Json(context, new JsonObject
        {
            ["access_token"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24)),
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["id_token"] = token,
        });
    }

    private static async Task Json(HttpContext context, JsonObject body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
