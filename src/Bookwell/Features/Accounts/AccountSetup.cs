using System.Security.Claims;
using System.Xml.Linq;
using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Bookwell.Features.Accounts;

public static class Policies
{
    /// <summary>Any account of the request's tenant: owner, admin or staff.</summary>
    public const string Member = "member";
    /// <summary>Owner or admin of the request's tenant: everything but people and keys.</summary>
    public const string Manager = "manager";
    /// <summary>The owner: team, API keys, domain.</summary>
    public const string Owner = "owner";
    /// <summary>A staff member signed in with their PIN on the staff dashboard.</summary>
    public const string StaffApp = "staff-app";
}

public static class BookwellClaims
{
    public const string Tenant = "bw:tenant";
    public const string StaffKey = "bw:staff";
    public const string Name = "bw:name";
}

public static class AccountSetup
{
    public const string StaffScheme = "Bookwell.Staff";

    public static IServiceCollection AddBookwellAccounts(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Bookwell");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new DbKeyRepository(sp.GetRequiredService<IServiceScopeFactory>())));

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                // Length alone lets "aaaaaaaaaa" through; a few different characters refuse the most repetitive passwords.
                o.Password.RequiredUniqueChars = 5;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.SignIn.RequireConfirmedEmail = false;
                // "Confirmed" here means "has a role this version knows" (KnownRole): anything else may not sign in.
                o.SignIn.RequireConfirmedAccount = true;
            })
            .AddEntityFrameworkStores<BookwellDb>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<ClaimsFactory>()
            .AddErrorDescriber<LocalizedIdentityErrors>();
        services.AddScoped<IUserConfirmation<AppUser>, KnownRole>();
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromHours(24));

        services.AddAuthentication(IdentityConstants.ApplicationScheme)
            .AddCookie(StaffScheme, o =>
            {
                o.Cookie.Name = "bw_staff";
                o.Cookie.Path = "/staff";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/staff/login";
                o.AccessDeniedPath = "/staff/login";
                o.SlidingExpiration = false;
            });
        services.AddAuthentication().AddIdentityCookies(c => c.ApplicationCookie!.Configure(o =>
        {
            o.Cookie.Name = "bw_admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/admin/login";
            o.LogoutPath = "/admin/logout";
            o.AccessDeniedPath = "/admin/denied";
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
        }));
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(5));

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Member, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireAuthenticatedUser()
                .RequireAssertion(c => OfThisTenant(c) && Roles.Of(c.User) is UserRole.Owner or UserRole.Admin or UserRole.Staff))
            .AddPolicy(Policies.Manager, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireAuthenticatedUser()
                .RequireAssertion(c => OfThisTenant(c) && Roles.Of(c.User) is UserRole.Owner or UserRole.Admin))
            .AddPolicy(Policies.Owner, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireAuthenticatedUser()
                .RequireAssertion(c => OfThisTenant(c) && Roles.Of(c.User) == UserRole.Owner))
            .AddPolicy(Policies.StaffApp, p => p.AddAuthenticationSchemes(StaffScheme).RequireAuthenticatedUser()
                .RequireAssertion(c => OfThisTenant(c) && c.User.FindFirstValue(BookwellClaims.StaffKey) is not null));
        services.AddSingleton<TenantHosts>();
        services.AddSingleton<TenantLinks>();
        services.AddSingleton<SetupCodes>();
        services.AddScoped<LoginThrottles>();
        return services;
    }

    /// <summary>
    /// A cookie is only good on the tenant it was issued for, even when two tenants' hosts share a parent
    /// domain or a host is remapped to another tenant.
    /// </summary>
    private static bool OfThisTenant(AuthorizationHandlerContext c)
    {
        if (c.Resource is not HttpContext http)
        {
            return false;
        }
        var tenant = http.RequestServices.GetRequiredService<TenantContext>().TenantId;
        return c.User.FindFirstValue(BookwellClaims.Tenant) == tenant.ToString();
    }

    public static string? StaffKeyOf(ClaimsPrincipal user) =>
        Roles.Of(user) == UserRole.Staff ? user.FindFirstValue(BookwellClaims.StaffKey) ?? "" : null;

    /// <summary>
    /// Sign-in's last check (<see cref="SignInManager{TUser}.CanSignInAsync"/>): a member whose stored role this version does not
    /// know (<see cref="UserRole.Unknown"/>) is refused like a wrong password instead of being signed in with no role.
    /// </summary>
    private sealed class KnownRole : IUserConfirmation<AppUser>
    {
        public Task<bool> IsConfirmedAsync(UserManager<AppUser> manager, AppUser user) => Task.FromResult(user?.Role is UserRole.Owner or UserRole.Admin or UserRole.Staff);
    }

    private sealed class ClaimsFactory(UserManager<AppUser> users, IOptions<IdentityOptions> options)
        : UserClaimsPrincipalFactory<AppUser>(users, options)
    {
        protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
        {
            var identity = await base.GenerateClaimsAsync(user);
            identity.AddClaim(new Claim(BookwellClaims.Tenant, user.TenantId.ToString()));
            identity.AddClaim(new Claim(ClaimTypes.Role, user.Role.Name()));
            identity.AddClaim(new Claim(BookwellClaims.Name, user.DisplayName));
            if (user.StaffKey is not null)
            {
                identity.AddClaim(new Claim(BookwellClaims.StaffKey, user.StaffKey));
            }
            return identity;
        }
    }

    /// <summary>Keys live in the database so that a cookie issued by one node is read by every other.</summary>
    private sealed class DbKeyRepository(IServiceScopeFactory scopes) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            return db.DataProtectionKeys.Select(k => k.Xml).ToList().Select(XElement.Parse).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
            db.SaveChanges();
        }
    }
}
