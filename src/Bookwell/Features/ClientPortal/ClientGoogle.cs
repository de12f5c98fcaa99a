using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// "Sign in with Google" for clients, by OpenID Connect (authorization code flow, <c>state</c> and <c>nonce</c>
/// checked by ASP.NET Core's handler). Configured by <c>Bookwell__Google__ClientId</c> and <c>__ClientSecret</c>;
/// without them nothing is registered and no button shows. <c>Bookwell__Google__Authority</c> (or
/// <c>__MetadataAddress</c>) points it at another provider, as the tests do with a stand-in on loopback.
/// The handler signs into a short-lived cookie of its own; <c>/account/google/done</c> decides what the
/// Google account may open (see <see cref="GoogleDoneModel"/>).
/// </summary>
public sealed class ClientGoogle
{
    public const string Scheme = "Bookwell.Google";
    public const string ExternalScheme = "Bookwell.ClientExternal";
    public const string CallbackPath = "/account/google/callback";
    public const string PendingCookie = "bw_client_google";
    public static readonly Duration PendingLifetime = Duration.FromMinutes(30);
    private const string Purpose = "Bookwell.ClientPortal.GoogleLink";

    public bool Enabled { get; init; }

    /// <summary>
    /// The provider's origin (<c>https://accounts.google.com</c>), which the sign-in page's <c>form-action</c> must name:
    /// Chromium holds a form's redirect to any origin the policy leaves out, so with <c>'self'</c> alone the button did nothing.
    /// </summary>
    public string? Origin { get; init; }

    public static ClientGoogle Add(IServiceCollection services, IConfiguration config)
    {
        var clientId = config["Bookwell:Google:ClientId"];
        var secret = config["Bookwell:Google:ClientSecret"];
        if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(secret))
        {
            return new ClientGoogle { Enabled = false };
        }
        var authority = config["Bookwell:Google:Authority"] is { Length: > 0 } a ? a.TrimEnd('/') : "https://accounts.google.com";
        var metadata = config["Bookwell:Google:MetadataAddress"];
        services.AddAuthentication()
            .AddCookie(ExternalScheme, o =>
            {
                o.Cookie.Name = "bw_client_ext";
                o.Cookie.Path = "/account";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(5);
                o.SlidingExpiration = false;
            })
            .AddOpenIdConnect(Scheme, o =>
            {
                o.SignInScheme = ExternalScheme;
                o.Authority = authority;
                if (!string.IsNullOrWhiteSpace(metadata))
                {
                    o.MetadataAddress = metadata;
                }
                var local = Uri.TryCreate(metadata is { Length: > 0 } ? metadata : authority, UriKind.Absolute, out var u) && u.IsLoopback;
                o.RequireHttpsMetadata = !local;
                o.ClientId = clientId;
                o.ClientSecret = secret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                // A top-level GET back (not a cross-site form POST), so the correlation and nonce cookies can be SameSite=Lax.
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.UsePkce = true;
                o.CallbackPath = CallbackPath;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("email");
                o.Scope.Add("profile");
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.SaveTokens = false;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.CorrelationCookie.Path = "/account";
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.Path = "/account";
                o.RemoteAuthenticationTimeout = TimeSpan.FromMinutes(10);
                o.Events = new OpenIdConnectEvents
                {
                    // The provider sends the client back to the business's own address, never to the request's Host.
                    OnRedirectToIdentityProvider = ctx =>
                    {
                        var links = ctx.HttpContext.RequestServices.GetRequiredService<TenantLinks>();
                        var tenant = ctx.HttpContext.RequestServices.GetRequiredService<TenantContext>();
                        if (links.CanonicalBaseUrl(tenant) is { } baseUrl)
                        {
                            // The handler itself keeps this redirect_uri for the code redemption (it Adds
                            // OpenIdConnectDefaults.RedirectUriForCodePropertiesKey after this event, so setting that
                            // key here too made every challenge throw "same key has already been added", a 500).
                            ctx.ProtocolMessage.RedirectUri = baseUrl + CallbackPath;
                        }
                        ctx.Properties.Items["bw:tenant"] = tenant.TenantId.ToString();
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = ctx =>
                    {
                        var tenant = ctx.HttpContext.RequestServices.GetRequiredService<TenantContext>().TenantId.ToString();
                        // The round trip began at this business: a state carried over from another host opens nothing here.
                        if (!ctx.Properties!.Items.TryGetValue("bw:tenant", out var started) || started != tenant)
                        {
                            ctx.Fail("The sign-in began at another business.");
                            return Task.CompletedTask;
                        }
                        (ctx.Principal!.Identity as ClaimsIdentity)!.AddClaim(new Claim(BookwellClaims.Tenant, tenant));
                        return Task.CompletedTask;
                    },
                    // Anything that goes wrong on the way back (state, nonce, signature, a refusal at the provider) ends on the sign-in page, never in a 500.
                    OnRemoteFailure = ctx =>
                    {
                        ctx.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<ClientGoogle>()
                            .LogInformation("A Google sign-in was refused: {Reason}", ctx.Failure?.GetType().Name);
                        ctx.Response.Redirect("/account/signin?google=failed");
                        ctx.HandleResponse();
                        return Task.CompletedTask;
                    },
                    OnAccessDenied = ctx =>
                    {
                        ctx.Response.Redirect("/account/signin?google=failed");
                        ctx.HandleResponse();
                        return Task.CompletedTask;
                    },
                };
            });
        return new ClientGoogle { Enabled = true, Origin = new Uri(authority).GetLeftPart(UriPartial.Authority) };
    }

    /// <summary>A Google account waiting to be linked once the client proves the address by a sign-in link in this browser.</summary>
    public sealed record Pending(Guid Tenant, string Subject, string EmailNormalized, Instant Until);

    public static void RememberPending(HttpContext http, IDataProtectionProvider protection, Pending pending)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(pending);
        var text = string.Join('\n', pending.Tenant.ToString(), pending.Subject, pending.EmailNormalized,
            pending.Until.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        http.Response.Cookies.Append(PendingCookie, protection.CreateProtector(Purpose).Protect(text), new CookieOptions
        {
            Path = "/account",
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            MaxAge = PendingLifetime.ToTimeSpan(),
        });
    }

    /// <summary>The pending link of this browser, if any, still fresh and for this business; the cookie is removed either way.</summary>
    public static Pending? TakePending(HttpContext http, IDataProtectionProvider protection, Guid tenant, Instant now)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(PendingCookie, out var raw) || string.IsNullOrEmpty(raw))
        {
            return null;
        }
        http.Response.Cookies.Delete(PendingCookie, new CookieOptions { Path = "/account" });
        try
        {
            var parts = protection.CreateProtector(Purpose).Unprotect(raw).Split('\n');
            if (parts.Length != 4 || !Guid.TryParse(parts[0], out var t) || t != tenant ||
                !long.TryParse(parts[3], System.Globalization.CultureInfo.InvariantCulture, out var until) || Instant.FromUnixTimeSeconds(until) < now)
            {
                return null;
            }
            return new Pending(t, parts[1], parts[2], Instant.FromUnixTimeSeconds(until));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
