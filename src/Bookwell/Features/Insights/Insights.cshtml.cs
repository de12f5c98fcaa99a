using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Bookwell.Features.Insights;

/// <summary>The insights dashboard: the API's figures for a chosen range, as cards and bars (no script needed).</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class InsightsModel(InsightsCalculator calculator) : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "page")] public string? PageSlug { get; set; }
    [BindProperty(SupportsGet = true)] public string? Preset { get; set; }
    /// <summary>One service's figures (issue 15): its bookings and its own available time.</summary>
    [BindProperty(SupportsGet = true)] public string? Service { get; set; }

    public InsightsReport? Report { get; private set; }

    public Errors FormErrors { get; } = new();

    public Dictionary<string, string[]> ErrorList => FormErrors.ToDictionary();

    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;

    /// <summary>Preset key → (from, to), for the quick links.</summary>
    public IReadOnlyList<(string Key, LocalDate From, LocalDate To)> Presets { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (PageSlug is { Length: 0 } || (PageSlug is not null && !Catalog.Pages.ContainsKey(PageSlug)))
        {
            PageSlug = null;
        }
        if (Service is { Length: 0 } || (Service is not null && !InsightsEndpoints.HasService(Catalog, PageSlug, Service)))
        {
            Service = null;
        }
        Zone = InsightsCalculator.ZoneOf(Catalog, PageSlug);
        var today = Clock.GetCurrentInstant().InZone(Zone).Date;
        var monthStart = today.With(DateAdjusters.StartOfMonth);
        Presets =
        [
            ("this-month", monthStart, monthStart.With(DateAdjusters.EndOfMonth)),
            ("last-month", monthStart.PlusMonths(-1), monthStart.PlusDays(-1)),
            ("last-30", today.PlusDays(-29), today),
        ];
        if (Preset is not null && Presets.FirstOrDefault(p => p.Key == Preset) is { Key: not null } chosen)
        {
            From = Iso(chosen.From);
            To = Iso(chosen.To);
        }
        else if (From is null && To is null)
        {
            From = Iso(Presets[0].From);
            To = Iso(Presets[0].To);
        }
        var range = InsightsEndpoints.ReadRange(From, To, FormErrors);
        if (range is { } r)
        {
            Report = await calculator.ComputeAsync(r.From, r.To, PageSlug, ct, Service);
        }
    }

    public string PresetLink(string key) =>
        "/admin/insights?preset=" + key + (PageSlug is null ? "" : "&page=" + Uri.EscapeDataString(PageSlug)) +
        (Service is null ? "" : "&service=" + Uri.EscapeDataString(Service));

    /// <summary>The services to choose from: the chosen page's active ones, or every page's (by key, once).</summary>
    public IEnumerable<(string Key, string Name)> Services() =>
        Catalog.Pages.Values.Where(p => PageSlug is null || p.Slug == PageSlug)
            .SelectMany(p => p.Services.Values.Where(s => s.Doc.Active != false).Select(s => (s.Key, s.Doc.Name ?? s.Key)))
            .DistinctBy(s => s.Key);
}
