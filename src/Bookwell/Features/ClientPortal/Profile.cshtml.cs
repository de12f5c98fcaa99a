using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The client's name and phone, under the same rules as the booking form. Later bookings start from these;
/// past bookings keep the details they were made with.
/// </summary>
public sealed class ProfileModel(BookwellDb db, CatalogCache cache, IClock clock) : PortalPage(db, cache)
{
    public string Name { get; private set; } = "";
    public string Phone { get; private set; } = "";
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
    public bool Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        Name = Client!.Name;
        Phone = Client.Phone ?? "";
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? name, string? phone, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: true, ct))
        {
            return await EndSessionAsync();
        }
        Name = name ?? "";
        Phone = phone ?? "";
        if (ContactRules.NameProblem(name) is not null)
        {
            Errors["name"] = PortalText.P("name-invalid");
        }
        var region = Site is null ? null : ContactRules.RegionOf(Site.Zone);
        if (!string.IsNullOrWhiteSpace(phone) && !ContactRules.IsPhone(phone, region))
        {
            Errors["phone"] = PortalText.P("phone-invalid");
        }
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Client!.Name = name!.Trim();
        Client.Phone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
        Client.UpdatedAt = clock.GetCurrentInstant();
        await Db.SaveChangesAsync(ct);
        Name = Client.Name;
        Phone = Client.Phone ?? "";
        Saved = true;
        return Page();
    }
}
