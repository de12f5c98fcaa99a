namespace Bookwell.Infrastructure;

/// <summary>
/// Ids in a route are read exactly as Bookwell writes them (36 characters, <c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>).
/// <see cref="Guid.TryParse(string?, out Guid)"/> forgives surrounding white space and other spellings (braces, no hyphens),
/// so <c>/bookings/{id}%20</c> named the same booking as <c>/bookings/{id}</c>: one resource had many addresses, and caches,
/// logs and audits keyed by the path saw them as different. Anything else is no id: 404, as for an unknown one.
/// </summary>
public static class RouteIds
{
    public static bool TryParse(string? text, out Guid id)
    {
        id = Guid.Empty;
        return text is { Length: 36 } && !text.Any(char.IsWhiteSpace) && Guid.TryParseExact(text, "D", out id);
    }
}

/// <summary>The <c>guid</c> route constraint, exact (<see cref="RouteIds"/>): registered in its place for pages and endpoints alike.</summary>
public sealed class ExactGuidRouteConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.TryGetValue(routeKey, out var value) && value switch
        {
            Guid => true,
            string text => RouteIds.TryParse(text, out _),
            _ => false,
        };
    }
}
