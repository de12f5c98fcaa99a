using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Bookwell.Infrastructure;

public static class Localization
{
    /// <summary>
    /// Words follow English or Dutch; dates, times and the 12/24-hour clock follow the visitor's own culture.
    /// Order of choice: <c>?lang=</c>, then the language cookie, then Accept-Language.
    /// </summary>
    public static IServiceCollection AddBookwellLocalization(this IServiceCollection services) =>
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var formatting = CultureInfo.GetCultures(CultureTypes.SpecificCultures | CultureTypes.NeutralCultures)
                .Where(c => c.Name.Length > 0).ToList();
            o.DefaultRequestCulture = new RequestCulture("en-US", "en");
            o.SupportedCultures = formatting;
            o.SupportedUICultures = [.. TextSet.Languages.Select(l => new CultureInfo(l))];
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = "lang", UIQueryStringKey = "lang" },
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
}
