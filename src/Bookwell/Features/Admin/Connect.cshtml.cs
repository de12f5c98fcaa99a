using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Admin;

/// <summary>
/// The owner connects the business's own Stripe account (Connect onboarding): the button makes the account
/// once and sends the owner to Stripe's forms; Stripe sends them back to <c>?step=return</c> (or
/// <c>?step=refresh</c> when the link expired, which makes a fresh one). What the page shows is always read
/// back from Stripe (<c>charges_enabled</c>), never taken from the return URL.
/// </summary>
[Authorize(Policy = Policies.Owner)]
public sealed class ConnectModel : AdminPageModel
{
    public bool StripeOn { get; private set; }
    public ConnectAccount? Account { get; private set; }
    public decimal PlatformFeePercent { get; private set; }
    public List<string> PageAccounts { get; private set; } = [];

    private StripeGateway? Gateway => HttpContext.RequestServices.GetService<StripeGateway>();

    private string BaseUrl => HttpContext.RequestServices.GetRequiredService<TenantLinks>().BaseUrl(HttpContext.RequestServices.GetRequiredService<TenantContext>());

    public async Task<IActionResult> OnGetAsync(string? step, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Gateway is not { } gateway || Account is null || step is not ("return" or "refresh"))
        {
            return Page();
        }
        try
        {
            if (step == "refresh")
            {
                // Stripe's link expired or was used: a new one, straight back to Stripe.
                return Redirect(await StripeConnect.OnboardingLinkAsync(Db, gateway, BaseUrl, null, Clock.GetCurrentInstant(), ct));
            }
            Account = await StripeConnect.RefreshAsync(Db, gateway, Clock.GetCurrentInstant(), ct);
        }
        catch (StripeUnavailableException)
        {
            TempData["FlashBad"] = StripeConnect.Words["unavailable"];
        }
        return Redirect("/admin/connect");
    }

    public async Task<IActionResult> OnPostConnectAsync(CancellationToken ct)
    {
        if (Gateway is not { } gateway)
        {
            return Redirect("/admin/connect");
        }
        try
        {
            var email = User.FindFirst(System.Security.Claims.ClaimTypes.Email)?.Value;
            return Redirect(await StripeConnect.OnboardingLinkAsync(Db, gateway, BaseUrl, email, Clock.GetCurrentInstant(), ct));
        }
        catch (StripeUnavailableException)
        {
            TempData["FlashBad"] = StripeConnect.Words["unavailable"];
            return Redirect("/admin/connect");
        }
    }

    public async Task<IActionResult> OnPostCheckAsync(CancellationToken ct)
    {
        if (Gateway is { } gateway)
        {
            try
            {
                await StripeConnect.RefreshAsync(Db, gateway, Clock.GetCurrentInstant(), ct);
            }
            catch (StripeUnavailableException)
            {
                TempData["FlashBad"] = StripeConnect.Words["unavailable"];
            }
        }
        return Redirect("/admin/connect");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        StripeOn = Gateway is not null;
        PlatformFeePercent = HttpContext.RequestServices.GetService<StripeOptions>()?.PlatformFeePercent ?? 0;
        Account = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(Db.Set<ConnectAccount>(), ct);
        PageAccounts = [.. Catalog.Pages.Values.Select(p => p.Doc.Settings?.StripeAccount).OfType<string>().Distinct()];
    }
}
