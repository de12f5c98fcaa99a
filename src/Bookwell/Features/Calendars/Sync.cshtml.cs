using System.Text.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Sync health per busy source and connection, each staff member's calendar connection (CalDAV by form,
/// Google and Microsoft 365 through their OAuth sign-in with PKCE), and each staff member's secret feed address.
/// </summary>
[Authorize(Policy = Policies.Manager)]
public sealed class SyncModel(CalendarSync sync, CalendarConnections connections, CalendarOptions options, OAuthCalendarSettings oauth,
    OAuthClient oauthClient, IDataProtectionProvider protection, TenantLinks links, Data.TenantContext tenant) : AdminPageModel
{
    private const string StatePurpose = "bookwell.calendar-oauth-state";

    public IReadOnlyList<SourceStatus> Sources { get; private set; } = [];

    public IReadOnlyList<(string Key, string Name, string? Url)> Staff { get; private set; } = [];

    public IReadOnlyList<(string Slug, string Name, string? Url)> Pages { get; private set; } = [];

    public IReadOnlyDictionary<string, SourceStatus> Connected { get; private set; } = new Dictionary<string, SourceStatus>();

    /// <summary>Staff members whose calendar is stale on some page (issue 16), and whether a page hides their slots.</summary>
    public IReadOnlyList<(string Key, string Name, bool Hidden)> Stale { get; private set; } = [];

    /// <summary>The staff member whose CalDAV form came back with field errors (that form shows them and keeps what was typed, never the password).</summary>
    public string? FormStaff { get; private set; }

    public FormErrors FormErrors { get; private set; } = new();

    public string? FormUrl { get; private set; }

    public string? FormUserName { get; private set; }

    public bool FormCancelOnDelete { get; private set; }

    public bool GoogleEnabled => oauth.Google is not null;

    public bool MicrosoftEnabled => oauth.Microsoft is not null;

    public async Task OnGetAsync(CancellationToken ct)
    {
        Sources = (await CalendarEndpoints.ListAsync(Db, Catalog, Clock.GetCurrentInstant(), ct)).Items;
        Stale = await StaleCalendars.ForAdminAsync(Db, Catalog, Clock.GetCurrentInstant(), ct);
        Connected = Sources.Where(s => s.Kind != BusySource.Ics.ToWire()).GroupBy(s => s.Staff).ToDictionary(g => g.Key, g => g.First());
        var tokens = await CalendarFeeds.ExistingAsync(Db, protection, CalendarFeeds.StaffKind, ct);
        var baseUrl = links.BaseUrl(tenant);
        Staff = [.. Catalog.Pages.Values.SelectMany(p => p.Staff).DistinctBy(s => s.Key)
            .Select(s => (s.Key, s.Name, tokens.TryGetValue(s.Key, out var t) ? CalendarFeeds.Url(baseUrl, t) : null))];
        var pageTokens = await CalendarFeeds.ExistingAsync(Db, protection, CalendarFeeds.PageKind, ct);
        Pages = [.. Catalog.Pages.Values.OrderBy(p => p.Slug, StringComparer.Ordinal)
            .Select(p => (p.Slug, p.Doc.Name ?? p.Slug, pageTokens.TryGetValue(p.Slug, out var t) ? CalendarFeeds.Url(baseUrl, t) : null))];
    }

    public async Task<IActionResult> OnPostSyncAsync(CancellationToken ct)
    {
        await sync.SyncTenantAsync(Db.TenantId, ct);
        TempData["Flash"] = CalendarText.Words["synced"];
        return RedirectToPage();
    }

    private string? StaffName(string? key) => Catalog.Pages.Values.SelectMany(p => p.Staff).FirstOrDefault(s => s.Key == key)?.Name;

    public async Task<IActionResult> OnPostCalDavAsync(string? staff, string? url, string? userName, string? password, bool cancelOnDelete, CancellationToken ct)
    {
        if (StaffName(staff) is not { } name)
        {
            return NotFound();
        }
        var (errors, collection) = await CalendarEndpoints.CheckCalDavAsync(new ConnectionRequest(CalDavProvider.KindName, url, userName, password), connections,
            options, Clock.GetCurrentInstant(), ct);
        if (errors.Any)
        {
            // Shown at the fields of this staff member's form (400), what was typed kept except the password.
            FormStaff = staff;
            FormErrors = new FormErrors(errors);
            FormUrl = url;
            FormUserName = userName;
            FormCancelOnDelete = cancelOnDelete;
            await OnGetAsync(ct);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await connections.ConnectAsync(Db, staff!, CalendarKind.CalDav, collection!, userName!.Trim(), password!, ct, cancelOnDelete);
        TempData["Flash"] = CalendarText.Words.Format("connected", name);
        return RedirectToPage();
    }

    /// <summary>What a booking event deleted in the staff member's calendar does (<see cref="BusySource.CancelOnDelete"/>).</summary>
    public async Task<IActionResult> OnPostDeletedEventsAsync(string? staff, bool cancelOnDelete, CancellationToken ct)
    {
        if (StaffName(staff) is not { } name || !await connections.SetCancelOnDeleteAsync(Db, staff!, cancelOnDelete, ct))
        {
            return NotFound();
        }
        TempData["Flash"] = CalendarText.Words.Format("setting-saved", name);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDisconnectAsync(string? staff, CancellationToken ct)
    {
        if (StaffName(staff) is not { } name)
        {
            return NotFound();
        }
        await connections.DisconnectAsync(Db, staff!, ct);
        TempData["Flash"] = CalendarText.Words.Format("disconnected", name);
        return RedirectToPage();
    }

    private string RedirectUri => $"{links.BaseUrl(tenant)}/admin/sync/callback";

    /// <summary>
    /// Starts the provider's sign-in: authorization code with PKCE (S256). The verifier travels inside the sealed,
    /// time-limited state (Data Protection), bound to this business and staff member, never in the clear.
    /// </summary>
    public IActionResult OnPostOAuth(string? staff, string? provider)
    {
        if (StaffName(staff) is null || oauth.For(provider) is not { } o)
        {
            return NotFound();
        }
        var verifier = OAuthProviderOptions.NewVerifier();
        var state = protection.CreateProtector(StatePurpose).ToTimeLimitedDataProtector().Protect(
            JsonSerializer.Serialize(new JsonObject { ["t"] = Db.TenantId, ["s"] = staff, ["p"] = o.Kind, ["v"] = verifier }), TimeSpan.FromMinutes(15));
        return Redirect(o.AuthorizeUrl(RedirectUri, state, OAuthProviderOptions.Challenge(verifier)));
    }

    /// <summary>The provider sends the browser back here with a code (or an error); the code is exchanged with the verifier.</summary>
    public async Task<IActionResult> OnGetCallbackAsync(string? code, string? state, string? error, CancellationToken ct)
    {
        JsonObject? s = null;
        try
        {
            s = state is null ? null : JsonNode.Parse(protection.CreateProtector(StatePurpose).ToTimeLimitedDataProtector().Unprotect(state))?.AsObject();
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException or FormatException)
        {
            s = null;
        }
        if (s is null || s["t"]?.GetValue<Guid>() != Db.TenantId || oauth.For(s["p"]?.GetValue<string>()) is not { } o ||
            StaffName(s["s"]?.GetValue<string>()) is not { } name)
        {
            TempData["Flash"] = CalendarText.Words["oauth-invalid"];
            return RedirectToPage();
        }
        var staff = s["s"]!.GetValue<string>();
        if (error is not null || string.IsNullOrEmpty(code))
        {
            TempData["Flash"] = CalendarText.Words.Format("connect-failed", name, CalendarText.Words["oauth-denied"]);
            return RedirectToPage();
        }
        try
        {
            var tokens = await oauthClient.ExchangeAsync(o, code, s["v"]!.GetValue<string>(), RedirectUri, ct);
            await connections.ConnectAsync(Db, staff, Wire<CalendarKind>.Parse(o.Kind), o.Kind == GoogleCalendarProvider.KindName ? "google:primary" : "microsoft:me", null, tokens.ToJson(), ct);
            TempData["Flash"] = CalendarText.Words.Format("connected", name);
        }
        catch (Exception ex) when (ex is FeedException or CalendarAuthException)
        {
            TempData["Flash"] = CalendarText.Words.Format("connect-failed", name, ex.Message);
        }
        return RedirectToPage();
    }

    /// <summary>The feed a form names: a staff member's (<paramref name="staff"/>) or a booking page's (<paramref name="page"/>), with the name to show.</summary>
    private (CalendarFeedKind Kind, string Key, string Name)? FeedOf(string? staff, string? page)
    {
        if (staff is not null)
        {
            return Catalog.Pages.Values.SelectMany(p => p.Staff).FirstOrDefault(s => s.Key == staff) is { } m ? (CalendarFeeds.StaffKind, m.Key, m.Name) : null;
        }
        return page is not null && Catalog.Pages.TryGetValue(page, out var p) ? (CalendarFeeds.PageKind, p.Slug, p.Doc.Name ?? p.Slug) : null;
    }

    public async Task<IActionResult> OnPostFeedAsync(string? staff, string? page, bool rotate, CancellationToken ct)
    {
        if (FeedOf(staff, page) is not (var kind, var key, var name))
        {
            return NotFound();
        }
        if (rotate)
        {
            await CalendarFeeds.RotateAsync(Db, protection, kind, key, Clock.GetCurrentInstant(), ct);
            TempData["Flash"] = CalendarText.Words.Format("rotated", name);
        }
        else
        {
            await CalendarFeeds.TokenAsync(Db, protection, kind, key, Clock.GetCurrentInstant(), ct);
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRevokeFeedAsync(string? staff, string? page, CancellationToken ct)
    {
        if (FeedOf(staff, page) is not (var kind, var key, var name))
        {
            return NotFound();
        }
        await CalendarFeeds.RevokeAsync(Db, kind, key, ct);
        TempData["Flash"] = CalendarText.Words.Format("revoked", name);
        return RedirectToPage();
    }
}
