using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Bookings;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Bookwell.Features.ClientPortal;

public sealed class AccountLinkRequest
{
    public string? Email { get; set; }
}

/// <summary>
/// The client portal's own sign-in: a cookie scheme of its own (a staff cookie is no client session, and a
/// client cookie is read by no staff or admin policy), scoped to <c>/account</c> and to the business that issued it.
/// </summary>
public static class ClientPortalSetup
{
    public const string Scheme = "Bookwell.Client";
    public const string Policy = "client";
    public const string CustomerClaim = "bw:customer";
    public const string CookieName = "bw_client";
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
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
            .RequireAssertion(c => c.Resource is HttpContext http && c.User.FindFirstValue(CustomerClaim) is not null &&
                                   c.User.FindFirstValue(BookwellClaims.Tenant) == http.RequestServices.GetRequiredService<TenantContext>().TenantId.ToString()));
        services.AddScoped<ClientSignIn>();
        services.AddScoped<ClientAccounts>();
        services.AddSingleton(ClientGoogle.Add(services, config));
        return services;
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
