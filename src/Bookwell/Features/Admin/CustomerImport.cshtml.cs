using System.Text;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Bookwell.Features.Admin;

/// <summary>
/// Admin → Customers → import from CSV: upload, a preview of every line (what it would do, or its problems), then
/// one confirmation that imports all lines or none (<see cref="CustomerImport"/>). The file travels from the preview
/// to the confirmation in a hidden field, base64, so it is confirmed byte for byte as previewed, and is checked again.
/// </summary>
[Authorize(Policy = Policies.Manager)]
[RequestSizeLimit(4 * CustomerImport.MaxBytes)]
public sealed class CustomerImportModel(SqliteWriteGate gate, IConfiguration config) : AdminPageModel
{
    [BindProperty] public string? Existing { get; set; }
    [BindProperty] public string? Data { get; set; }
    public ImportPlan? Plan { get; private set; }
    public FormErrors Errors { get; } = new();

    public ImportExisting Mode => Existing == "skip" ? ImportExisting.Skip : ImportExisting.Update;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostPreviewAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
        {
            Errors.Add("file", "Choose a CSV file.");
            return Invalid();
        }
        await using var stream = file.OpenReadStream();
        var (text, error) = await CustomerImport.ReadAsync(stream, ct);
        if (text is null)
        {
            Errors.Add("file", error!);
            return Invalid();
        }
        Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        Plan = await CustomerImport.PlanAsync(Db, text, Mode, CustomerImport.RegionOf(Catalog, config), ct);
        if (Plan.FileError is { } fileError)
        {
            Errors.Add("file", fileError);
        }
        return Plan.Importable ? Page() : Invalid();
    }

    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken ct)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(Data ?? ""));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            Errors.Add("file", "Choose a CSV file.");
            return Invalid();
        }
        var (plan, imported) = await CustomerImport.ImportAsync(Db, gate, text, Mode, CustomerImport.RegionOf(Catalog, config), CrmAudit.ActorOf(HttpContext),
            Clock.GetCurrentInstant(), ct);
        if (!imported)
        {
            Plan = plan;
            if (plan.FileError is { } fileError)
            {
                Errors.Add("file", fileError);
            }
            return Invalid();
        }
        TempData["Flash"] = AdminText.L("Imported: {0} added, {1} updated, {2} unchanged, {3} skipped.", plan.Count(ImportAction.Add), plan.Count(ImportAction.Update),
            plan.Count(ImportAction.Unchanged), plan.Count(ImportAction.Skip));
        return Redirect("/admin/customers?sort=newest");
    }

    private PageResult Invalid()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public static string ActionLabel(ImportAction action) => action switch
    {
        ImportAction.Add => AdminText.L("New client"),
        ImportAction.Update => AdminText.L("Update"),
        ImportAction.Unchanged => AdminText.L("No change"),
        ImportAction.Skip => AdminText.L("Known, skipped"),
        _ => AdminText.L("Problem"),
    };
}
