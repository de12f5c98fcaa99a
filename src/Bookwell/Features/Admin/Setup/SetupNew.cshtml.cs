using System.Text.Json;
using Bookwell.Features.Accounts;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Admin.Setup;


/// <summary>A new booking page with sensible starting hours (weekdays 9 to 5) and one service to edit.</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class SetupNewModel(ConfigApplier applier) : AdminPageModel
{
    [BindProperty] public string? Slug { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? TimeZone { get; set; } = "Europe/Amsterdam";
    public FormErrors Errors { get; private set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var doc = ConfigCopy.Clone(Catalog.Document);
        doc.Pages ??= [];
        var weekday = new List<List<string>> { new() { "09:00", "17:00" } };
        doc.Pages.Add(new PageDoc
        {
            Slug = Slug?.Trim().ToLowerInvariant(),
            Name = Name?.Trim(),
            TimeZone = TimeZone,
            Schedule = new() { ["mon"] = weekday, ["tue"] = weekday, ["wed"] = weekday, ["thu"] = weekday, ["fri"] = weekday },
            Services = [new ServiceDoc { Key = "consultation", Name = "Consultation", DurationMinutes = 30 }],
        });
        var result = await applier.ApplyAsync(doc, ct);
        if (result.Errors.Any)
        {
            Errors = new FormErrors(result.Errors, $"pages[{doc.Pages.Count - 1}]");
            return Page();
        }
        TempData["Flash"] = AdminText.L("Booking page created. Next: services, staff and hours.");
        return Redirect($"/admin/setup/p/{doc.Pages[^1].Slug}/services");
    }
}
