using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Bookwell.Infrastructure;

public static class Localization
{
    /// <summary>
    /// Words follow English or Dutch; dates, times and the 12/24-hour clock follow the visitor's own culture.
    /// Order of choice: <c>?lang=</c>, then the language cookie, then Accept-Language.
    /// Every culture handed out is the runtime's shared read-only instance (<see cref="CultureInfo.GetCultureInfo(string)"/>):
    /// the middleware would otherwise clone a writable supported culture on every request, and the default culture would
    /// stay writable, and NodaTime neither caches nor reuses its format info and parsed patterns for a writable culture, so
    /// every date it formatted built them afresh (most of the booking page's month calendar's CPU, seen in a profile).
    /// </summary>
    public static IServiceCollection AddBookwellLocalization(this IServiceCollection services) =>
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var formatting = CultureInfo.GetCultures(CultureTypes.SpecificCultures | CultureTypes.NeutralCultures)
                .Where(c => c.Name.Length > 0).Select(c => CultureInfo.GetCultureInfo(c.Name)).ToList();
            o.DefaultRequestCulture = new RequestCulture(CultureInfo.GetCultureInfo("en-US"), CultureInfo.GetCultureInfo("en"));
            o.SupportedCultures = formatting;
            o.SupportedUICultures = [.. TextSet.Languages.Select(CultureInfo.GetCultureInfo)];
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = "lang", UIQueryStringKey = "lang" },
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
}
