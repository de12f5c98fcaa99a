using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Bookwell.Features.Insights;

public static class InsightsEndpoints
{
    public static RouteGroupBuilder MapInsights(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/insights", Get).WithTags("Insights").WithName("GetInsights");
        return admin;
    }

    /// <summary>The dates of a request, checked field by field; null with the errors filled in when they are not usable.</summary>
    public static (LocalDate From, LocalDate To)? ReadRange(string? from, string? to, Errors e)
    {
        ArgumentNullException.ThrowIfNull(e);
        LocalDate? f = null, t = null;
        if (string.IsNullOrEmpty(from))
        {
            e.Add("from", "Required: the first date of the range as YYYY-MM-DD.");
        }
        else if (TimeFormats.TryParseDate(from, out var fd))
        {
            f = fd;
        }
        else
        {
            e.Add("from", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
        }
        if (string.IsNullOrEmpty(to))
        {
            e.Add("to", "Required: the last date of the range as YYYY-MM-DD.");
        }
        else if (TimeFormats.TryParseDate(to, out var td))
        {
            t = td;
        }
        else
        {
            e.Add("to", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
        }
        if (f is { } a && t is { } b)
        {
            if (b < a)
            {
                e.Add("to", "Must be on or after 'from'.");
                return null;
            }
            if (Period.Between(a, b, PeriodUnits.Days).Days + 1 > InsightsCalculator.MaxDays)
            {
                e.Add("to", $"A range holds at most {InsightsCalculator.MaxDays} days.");
                return null;
            }
            return (a, b);
        }
        return null;
    }

    private static async Task<Results<Ok<InsightsReport>, ProblemHttpResult>> Get(string? from, string? to, string? page, string? service,
        BookwellDb db, CatalogCache cache, InsightsCalculator calculator, CancellationToken ct)
    {
        var e = new Errors();
        var range = ReadRange(from, to, e);
        var catalog = await cache.GetAsync(db, ct);
        // Additive (issue 15): one service's figures; it must be an active service of the page (or of any page without one).
        if (service is not null && (page is null || catalog.Pages.ContainsKey(page)) && !HasService(catalog, page, service))
        {
            e.Add("service", $"No active service '{(service.Length > 64 ? service[..64] : service)}'{(page is null ? "" : " on this page")}.");
        }
        if (range is null || e.Any)
        {
            return Problems.Validation(e);
        }
        if (page is not null && !catalog.Pages.ContainsKey(page))
        {
            return Problems.NotFound($"No page '{(page.Length > 64 ? page[..64] : page)}'.");
        }
        return TypedResults.Ok(await calculator.ComputeAsync(range.Value.From, range.Value.To, page, ct, service));
    }

    /// <summary>Whether the service is active on the page, or (without a page) on any page.</summary>
    public static bool HasService(TenantCatalog catalog, string? page, string service)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Pages.Values.Any(p => (page is null || p.Slug == page) && p.ActiveService(service) is not null);
    }
}
