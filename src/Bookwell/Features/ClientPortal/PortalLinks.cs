namespace Bookwell.Features.ClientPortal;

/// <summary>The portal's address in mails, built on the business's own base URL (<see cref="Infrastructure.TenantLinks"/>), never the request's Host.</summary>
public static class PortalLinks
{
    public static string Url(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return baseUrl.TrimEnd('/') + "/account";
    }
}
