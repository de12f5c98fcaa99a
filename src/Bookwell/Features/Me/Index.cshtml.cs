using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.BookingPage;
using Bookwell.Features.Bookings;
using Bookwell.Features.ClientPortal;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Me;

/// <summary>
/// <c>/me</c>, on the install's default host only: a person who proved their e-mail address by a sign-in link sees
/// their bookings at every business of the install, each business with a link to its own portal on its own
/// configured host (none when it switched its portal off). Bookings are found by the proven address only: the
/// clients of each business with exactly that address, each with the profiles a CRM merge joined to it (the kept client
/// and every duplicate merged into it), and their bookings at that same business.
/// </summary>
[EnableRateLimiting(RateLimits.Accounts)]
public sealed class MeModel(BookwellDb db, TenantContext tenant, TenantLinks links, PlatformSignIn signIn, IServiceScopeFactory scopes,
    CatalogCache cache, IClock clock) : PageModel
{
    public const int UpcomingShown = 100;
    public const int PastShown = 20;

    public sealed record Row(Guid Id, string Service, string When, string Status);

    public sealed record Business(Guid TenantId, string Name, string? PortalUrl, List<Row> Upcoming, List<Row> Past, bool PastLimited);

    public string? SignedInAs { get; private set; }
    public string? SentTo { get; private set; }
    public string? EmailError { get; private set; }
    public List<Business> Businesses { get; } = [];

    private static readonly BookingStatus[] Finished = [BookingStatus.Cancelled, BookingStatus.Completed, BookingStatus.NoShow];

    public static bool OnDefaultHost(TenantContext tenant) => tenant?.TenantId == DefaultTenant.Id;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!OnDefaultHost(tenant))
        {
            return NotFound();
        }
        Personal();
        var result = await HttpContext.AuthenticateAsync(PlatformSignIn.Scheme);
        if (result.Principal?.FindFirstValue(PlatformSignIn.EmailClaim) is { Length: > 0 } email)
        {
            SignedInAs = email.ToLowerInvariant();
            await LoadAsync(email, ct);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? email, CancellationToken ct)
    {
        if (!OnDefaultHost(tenant))
        {
            return NotFound();
        }
        Personal();
        if (!ClientSignIn.IsValidEmail(email))
        {
            EmailError = M("email-invalid");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await signIn.RequestAsync(email!, ct);
        SentTo = email!.Trim();
        return Page();
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(PlatformSignIn.Scheme);
        return Redirect("/me");
    }

    private void Personal()
    {
        ViewData["NoIndex"] = true;
        Response.Headers.CacheControl = "no-store";
    }

    private static string M(string key) => MeText.M(key);

    private async Task LoadAsync(string emailNormalized, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        // Across businesses on purpose, by the proven address only: a client row of each business with exactly this address.
        var matched = await db.Customers.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.EmailNormalized == emailNormalized && c.ErasedAt == null)
            .Select(c => new { c.TenantId, Kept = c.MergedIntoId ?? c.Id }).ToListAsync(ct);
        // A CRM merge moved the duplicate's bookings to the client it was merged into (MergedIntoId, one hop) and left the
        // duplicate's address on the duplicate: the person is that kept client with every duplicate merged into it, at
        // the same business only, whichever of their addresses they proved.
        var kept = matched.Select(c => c.Kept).Distinct().ToList();
        var clients = await db.Customers.IgnoreQueryFilters().AsNoTracking()
            .Where(c => (kept.Contains(c.Id) || (c.MergedIntoId != null && kept.Contains(c.MergedIntoId.Value))) && c.ErasedAt == null)
            .Select(c => new { c.Id, c.TenantId, Kept = c.MergedIntoId ?? c.Id }).ToListAsync(ct);
        var provenAt = matched.Select(c => (c.TenantId, c.Kept)).ToHashSet();
        clients = [.. clients.Where(c => provenAt.Contains((c.TenantId, c.Kept)))];
        foreach (var group in clients.GroupBy(c => c.TenantId))
        {
            var tenantId = group.Key;
            var ids = group.Select(c => c.Id).ToList();
            // Both the business and its own client ids: no booking of another business can come in through an id.
            var theirs = db.Bookings.IgnoreQueryFilters().AsNoTracking().Where(b => b.TenantId == tenantId && ids.Contains(b.CustomerId));
            var upcoming = await theirs.Where(b => b.EndsAt > now && !Finished.Contains(b.Status)).OrderBy(b => b.StartsAt).Take(UpcomingShown).ToListAsync(ct);
            var past = await theirs.Where(b => b.EndsAt <= now || Finished.Contains(b.Status)).OrderByDescending(b => b.StartsAt).Take(PastShown + 1).ToListAsync(ct);
            if (upcoming.Count == 0 && past.Count == 0)
            {
                continue;
            }
            var row = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => new { t.Name, t.Host }).FirstAsync(ct);
            TenantCatalog catalog;
            using (var scope = scopes.CreateScope())
            {
                var theirDb = scope.ServiceProvider.GetRequiredService<BookwellDb>();
                theirDb.TenantId = tenantId;
                catalog = await cache.GetAsync(theirDb, ct);
            }
            var latest = upcoming.Concat(past).MaxBy(b => b.CreatedAt)!;
            var name = catalog.Pages.TryGetValue(latest.PageSlug, out var page) ? page.Doc.Name ?? row.Name : catalog.Pages.Values.FirstOrDefault()?.Doc.Name ?? row.Name;
            // The business's own configured address, never this request's host; none when its portal is off.
            var baseUrl = tenantId == DefaultTenant.Id ? links.InstallBaseUrl : row.Host is { } host ? links.ForHost(host) : null;
            var portal = PortalSwitch.IsOn(catalog) && baseUrl is not null ? PortalLinks.Url(baseUrl) : null;
            Businesses.Add(new Business(tenantId, name, portal,
                upcoming.Select(b => ToRow(catalog, b)).ToList(), past.Take(PastShown).Select(b => ToRow(catalog, b)).ToList(), past.Count > PastShown));
        }
        Businesses.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.CurrentCultureIgnoreCase));
    }

    private static Row ToRow(TenantCatalog catalog, Booking b)
    {
        catalog.Pages.TryGetValue(b.PageSlug, out var page);
        var zone = TimeFormats.Zone(b.TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
        return new Row(b.Id, b.ServiceName, SlotPicker.FormatWhen(b.StartsAt, zone), b.Status.ToWire());
    }
}
