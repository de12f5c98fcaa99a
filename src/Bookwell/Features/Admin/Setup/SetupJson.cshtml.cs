using System.Text.Json;
using Bookwell.Features.Accounts;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Admin.Setup;


/// <summary>The whole configuration document as JSON, for those who prefer it; the same rules apply.</summary>
[Authorize(Policy = Policies.Manager)]
public sealed class SetupJsonModel(ConfigApplier applier) : AdminPageModel
{
    [BindProperty] public string? Json { get; set; }
    public FormErrors Errors { get; private set; } = new();

    public void OnGet() => Json = JsonSerializer.Serialize(Catalog.Document, new JsonSerializerOptions(Infrastructure.Json.Options) { WriteIndented = true });

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Json is null || Json.Length > ConfigEndpoints.MaxDocumentBytes)
        {
            Errors.Add("json", "The document is empty or larger than 2 MB.");
            return Page();
        }
        ConfigDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<ConfigDocument>(Json, Infrastructure.Json.Options);
        }
        catch (JsonException ex)
        {
            Errors.Add("json", $"Not valid JSON: {ex.Message}");
            return Page();
        }
        if (doc is null)
        {
            Errors.Add("json", "The document is empty.");
            return Page();
        }
        var result = await applier.ApplyAsync(doc, ct);
        if (result.Errors.Any)
        {
            Errors = new FormErrors(result.Errors);
            return Page();
        }
        TempData["Flash"] = result.Changed ? AdminText.L("Saved. The booking page uses it from now on.") : AdminText.L("Nothing changed.");
        return Redirect("/admin/setup/json");
    }
}
