using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// The client's details (name and phone under the booking form's rules; birthday, gender and address optional),
/// their password, and deleting the account. Later bookings start from these details; past bookings keep the
/// details they were made with. A password is set without the old one only in a session that a sign-in link
/// opened in the last 30 minutes (that is the reset by e-mail) or when there is none yet; otherwise the current
/// password is asked for. A session from an organization's personal link sets no password and deletes nothing.
/// </summary>
public sealed class ProfileModel(BookwellDb db, CatalogCache cache, IClock clock, ClientAccounts accounts, Admin.ClientErasure erasure) : PortalPage(db, cache)
{
    public static readonly string[] Genders = ["female", "male", "nonbinary", "unsaid"];

    public string Name { get; private set; } = "";
    public string Phone { get; private set; } = "";
    public string Birthday { get; private set; } = "";
    public string Gender { get; private set; } = "";
    public string Address { get; private set; } = "";
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
    public string? Notice { get; private set; }
    public bool HasPassword => Account?.PasswordHash is not null;
    public bool GoogleLinked => Account?.GoogleSubject is not null;
    /// <summary>The current password is asked for before a new one is set.</summary>
    public bool NeedsCurrentPassword => HasPassword && !accounts.RecentlyProvedEmail(User);
    /// <summary>
    /// False in a session an organization's personal link started: it may see and book, but sets no password and deletes
    /// no account (the organization knowing the person proves nothing about the mailbox).
    /// </summary>
    public bool MayManageAccount => ClientAccounts.ProvedOwnership(User);

    public async Task<IActionResult> OnGetAsync(string? google, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        Fill();
        if (google == "linked" && GoogleLinked)
        {
            Notice = PortalText.P("google-linked");
        }
        return Page();
    }

    private void Fill()
    {
        Name = Client!.Name;
        Phone = Client.Phone ?? "";
        Birthday = Client.Birthday is { } b ? LocalDatePattern.Iso.Format(b) : "";
        Gender = Client.Gender ?? "";
        Address = Client.Address ?? "";
    }

    public async Task<IActionResult> OnPostAsync(string? name, string? phone, string? birthday, string? gender, string? address, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: true, ct))
        {
            return await EndSessionAsync();
        }
        Name = name ?? "";
        Phone = phone ?? "";
        Birthday = birthday ?? "";
        Gender = gender ?? "";
        Address = address ?? "";
        if (ContactRules.NameProblem(name) is not null)
        {
            Errors["name"] = PortalText.P("name-invalid");
        }
        var region = Site is null ? null : ContactRules.RegionOf(Site.Zone);
        if (!string.IsNullOrWhiteSpace(phone) && !ContactRules.IsPhone(phone, region))
        {
            Errors["phone"] = PortalText.P("phone-invalid");
        }
        LocalDate? day = null;
        if (!string.IsNullOrWhiteSpace(birthday))
        {
            var today = clock.GetCurrentInstant().InUtc().Date;
            var parsed = LocalDatePattern.Iso.Parse(birthday.Trim());
            if (!parsed.Success || parsed.Value > today || parsed.Value < today.PlusYears(-130))
            {
                Errors["birthday"] = PortalText.P("birthday-invalid");
            }
            else
            {
                day = parsed.Value;
            }
        }
        if (!string.IsNullOrEmpty(gender) && !Genders.Contains(gender))
        {
            Errors["gender"] = PortalText.P("gender-invalid");
        }
        if (address is { Length: > 500 } || (address is not null && address.Any(c => char.IsControl(c) && c is not '\n' and not '\r')))
        {
            Errors["address"] = PortalText.P("address-invalid");
        }
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Client!.Name = name!.Trim();
        Client.Phone = CustomerBook.Normalize(phone, region);
        Client.Birthday = day;
        Client.Gender = string.IsNullOrEmpty(gender) ? null : gender;
        Client.Address = string.IsNullOrWhiteSpace(address) ? null : address.Trim().Replace("\r\n", "\n", StringComparison.Ordinal);
        Client.UpdatedAt = clock.GetCurrentInstant();
        await Db.SaveChangesAsync(ct);
        Fill();
        Notice = PortalText.P("saved");
        return Page();
    }

    public async Task<IActionResult> OnPostPasswordAsync(string? current, string? password, string? confirm, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        Fill();
        if (!MayManageAccount)
        {
            return Refused();
        }
        if (NeedsCurrentPassword && !ClientAccounts.Verify(Account!, current))
        {
            Errors["current"] = PortalText.P("current-password-wrong");
        }
        if (ClientAccounts.PasswordProblem(password, Client!.Email) is { } problem)
        {
            Errors["password"] = PortalText.P(problem, ClientAccounts.MinLength);
        }
        else if (!string.Equals(password, confirm, StringComparison.Ordinal))
        {
            Errors["confirm"] = PortalText.P("password-mismatch");
        }
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var account = await accounts.SetPasswordAsync(Client.Id, password!, ct);
        // Every other session ends (their stamp is old); this one carries on with the new stamp.
        await HttpContext.SignInAsync(ClientPortalSetup.Scheme, accounts.Principal(Client, account, "password"));
        Account = account;
        Notice = PortalText.P("password-saved");
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(bool confirmDelete, CancellationToken ct)
    {
        if (!await LoadClientAsync(track: false, ct))
        {
            return await EndSessionAsync();
        }
        Fill();
        if (!MayManageAccount)
        {
            return Refused();
        }
        if (!confirmDelete)
        {
            Errors["confirmDelete"] = PortalText.P("delete-confirm-needed");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await erasure.EraseAsync(Client!.Id, Admin.CrmAudit.Client, ct);
        await HttpContext.SignOutAsync(ClientPortalSetup.Scheme);
        return Redirect("/account/signin?deleted=1");
    }

    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult Refused()
    {
        Errors["account"] = PortalText.P("org-link-refused");
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }
}
