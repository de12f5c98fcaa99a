using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Staff;


/// <summary>
/// PIN sign-in for the shared tablet. Attempts from strangers count per client address and per staff member (see
/// <see cref="LoginThrottles"/>), so neither many addresses against one PIN nor one address against many
/// PINs gets far. The address is the socket's unless a trusted proxy is configured. A browser where the staff
/// member signed in before (see <see cref="StaffDevices"/>) counts on its own key, so strangers who lock the
/// account cannot lock its owner out.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class LoginModel(BookwellDb db, CatalogCache cache, LoginThrottles throttles, IClock clock, IDataProtectionProvider protection) : PageModel
{
    [BindProperty] public string? Staff { get; set; }
    [BindProperty] public string? Pin { get; set; }
    public List<StaffModel> People { get; private set; } = [];
    public string? Message { get; private set; }
    public string Business { get; private set; } = "";

    private async Task LoadAsync(CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        var withPin = await db.StaffPins.Select(p => p.StaffKey).ToListAsync(ct);
        People = catalog.Pages.Values.SelectMany(p => p.Staff).Where(s => s.Doc.Active != false && withPin.Contains(s.Key)).DistinctBy(s => s.Key).OrderBy(s => s.Name).ToList();
        Business = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.Name).FirstAsync(ct);
        ViewData["Business"] = Business;
    }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        var person = People.FirstOrDefault(p => p.Key == Staff);
        if (person is null)
        {
            Message = AdminText.L("Choose your name.");
            return Page();
        }
        var ip = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var device = StaffDevices.Read(HttpContext, protection, db.TenantId, person.Key);
        string[] keys = device is null
            ? [$"pin-ip:{db.TenantId}:{ip}", $"pin-staff:{db.TenantId}:{person.Key}"]
            : [StaffDevices.ThrottleKey(db.TenantId, person.Key, device)];
        // The attempt is counted before the PIN is checked, so parallel guesses cannot outrun the count.
        if (await throttles.TryReserveAsync(keys, ct) is { } until)
        {
            var minutes = Math.Max(1, (int)Math.Ceiling((until - clock.GetCurrentInstant()).TotalMinutes));
            Message = AdminText.L("Too many wrong PINs. Try again in {0} minutes.", minutes);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        var row = await db.StaffPins.FirstOrDefaultAsync(p => p.StaffKey == person.Key, ct);
        var ok = row is not null && Pin is { Length: >= 4 and <= 6 } &&
                 new PasswordHasher<StaffPin>().VerifyHashedPassword(row, row.PinHash, Pin) != PasswordVerificationResult.Failed;
        if (!ok)
        {
            await throttles.FailAsync(keys, ct);
            Message = AdminText.L("That PIN is not right.");
            return Page();
        }
        await throttles.SucceedAsync(keys, ct);
        StaffDevices.Issue(HttpContext, protection, db.TenantId, person.Key, device);
        var minutesValid = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.StaffSessionMinutes).FirstAsync(ct);
        var identity = new ClaimsIdentity(
        [
            new Claim(BookwellClaims.Tenant, db.TenantId.ToString()),
            new Claim(BookwellClaims.StaffKey, person.Key),
            new Claim(BookwellClaims.Name, person.Name),
        ], AccountSetup.StaffScheme);
        await HttpContext.SignInAsync(AccountSetup.StaffScheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IsPersistent = true,
            ExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(minutesValid > 0 ? minutesValid : 720),
        });
        return Redirect("/staff");
    }
}
