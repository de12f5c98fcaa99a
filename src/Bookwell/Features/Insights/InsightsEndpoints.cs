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

    private static async Task<Results<Ok<InsightsReport>, ProblemHttpResult>> Get(string? from, string? to, string? page,
        BookwellDb db, CatalogCache cache, InsightsCalculator calculator, CancellationToken ct)
    {
        var e = new Errors();
        var range = ReadRange(from, to, e);
        if (range is null)
        {
            return Problems.Validation(e);
        }
        if (page is not null)
        {
            var catalog = await cache.GetAsync(db, ct);
            if (!catalog.Pages.ContainsKey(page))
            {
                return Problems.NotFound($"No page '{(page.Length > 64 ? page[..64] : page)}'.");
            }
        }
        return TypedResults.Ok(await calculator.ComputeAsync(range.Value.From, range.Value.To, page, ct));
    }
}
