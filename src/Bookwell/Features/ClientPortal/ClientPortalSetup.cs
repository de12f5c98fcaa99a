using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Bookwell.Features.ClientPortal;

public sealed class AccountLinkRequest
{
    public string? Email { get; set; }
}

/// <summary>
/// The client portal's own sign-in: a cookie scheme of its own (a staff cookie is no client session, and a
/// client cookie is read by no staff or admin policy), scoped to <c>/account</c> and to the business that issued it;
/// and its narrow copy for the booking page (<see cref="BookScheme"/>), scoped to <c>/book</c>.
/// </summary>
public static class ClientPortalSetup
{
    public const string Scheme = "Bookwell.Client";
    public const string Policy = "client";
    public const string CustomerClaim = "bw:customer";
    public const string CookieName = "bw_client";
    /// <summary>
    /// The booking page's narrow copy of the session: a cookie of its own scheme (its ticket is sealed for this scheme,
    /// so it is no portal session even if copied into <see cref="CookieName"/>), sent only to <c>/book</c>, holding only
    /// who the client is. The booking page reads it to fill in the client's details, and for nothing else: booking is
    /// authorised by no cookie, so a cross-site form post gains nothing from it (the page keeps taking no antiforgery token).
    /// </summary>
    public const string BookScheme = "Bookwell.ClientBook";
    public const string BookCookieName = "bw_client_book";
    private const int MaxBodyBytes = 4 * 1024;

    public static IServiceCollection AddClientPortal(this IServiceCollection services, IConfiguration config)
    {
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.Path = "/account";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/signin";
            o.AccessDeniedPath = "/account/signin";
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = true;
            o.Events = new CookieAuthenticationEvents
            {
                // The booking page's copy follows the session: written with it, renewed with it, removed with it.
                OnSignedIn = c => WriteBookSignalAsync(c.HttpContext, c.Principal, c.Properties),
                OnCheckSlidingExpiration = c => c.ShouldRenew ? WriteBookSignalAsync(c.HttpContext, c.Principal, c.Properties) : Task.CompletedTask,
                OnSigningOut = c => c.HttpContext.SignOutAsync(BookScheme),
            };
        })
        .AddCookie(BookScheme, o =>
        {
            o.Cookie.Name = BookCookieName;
            o.Cookie.Path = "/book";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = false;
            // Never a way in: nothing challenges with this scheme, and if anything did it would answer 401, not a sign-in page.
            o.Events = new CookieAuthenticationEvents
            {
                OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; },
                OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; },
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
            .RequireAssertion(c => c.Resource is HttpContext http && c.User.FindFirstValue(CustomerClaim) is not null &&
                                   c.User.FindFirstValue(BookwellClaims.Tenant) == http.RequestServices.GetRequiredService<TenantContext>().TenantId.ToString()));
        services.AddScoped<ClientSignIn>();
        services.AddScoped<ClientAccounts>();
        services.AddSingleton(ClientGoogle.Add(services, config));
        return services;
    }

    /// <summary>Writes the booking page's copy of a client session: the client, the business, the account's stamp and the organization link behind it, nothing else.</summary>
    private static Task WriteBookSignalAsync(HttpContext http, ClaimsPrincipal? session, AuthenticationProperties properties)
    {
        if (session is null || session.FindFirstValue(CustomerClaim) is not { } customer)
        {
            return Task.CompletedTask;
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(CustomerClaim, customer),
            new Claim(BookwellClaims.Tenant, session.FindFirstValue(BookwellClaims.Tenant) ?? ""),
            new Claim(ClientAccounts.StampClaim, session.FindFirstValue(ClientAccounts.StampClaim) ?? ""),
        ], BookScheme);
        // A session from an organization's link ends with the link, here as in the portal (PortalSession).
        if (session.FindFirstValue(ClientAccounts.MethodClaim) == ClientAccounts.OrganizationLinkMethod)
        {
            identity.AddClaim(new Claim(ClientAccounts.MethodClaim, ClientAccounts.OrganizationLinkMethod));
            identity.AddClaim(new Claim(ClientAccounts.OrganizationLinkClaim, session.FindFirstValue(ClientAccounts.OrganizationLinkClaim) ?? ""));
        }
        return http.SignInAsync(BookScheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = properties.IsPersistent });
    }

    public static RouteGroupBuilder MapClientPortal(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/account/link", RequestLink).WithName("RequestAccountLink").WithTags("Client accounts")
            .Accepts<AccountLinkRequest>("application/json").Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().RequireRateLimiting(RateLimits.Accounts);
        return api;
    }

    /// <summary>202 for any well-formed address: whether it belongs to a client is decided later, by the outbox worker.</summary>
    private static async Task<IResult> RequestLink(HttpRequest request, ClientSignIn signIn, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<AccountLinkRequest>(request, MaxBodyBytes, Json.Options);
        if (body is not null && !ClientSignIn.IsValidEmail(body.Email))
        {
            errors.Add("email", ContactRules.EmailMessage);
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        // A business that switched its portal off sends no links, and says so to nobody: the same 202 for every address.
        if (await PortalSwitch.IsOnAsync(request.HttpContext, ct))
        {
            await signIn.RequestAsync(body!.Email!, ct);
        }
        return Results.Json(new { status = "accepted" }, Json.Options, statusCode: StatusCodes.Status202Accepted);
    }
}
