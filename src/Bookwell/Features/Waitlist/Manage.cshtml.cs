using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// The client's page for one waitlist entry, reached through the secret link in its mails: accept or decline an
/// offer, or leave the list. Plain form posts (antiforgery on: this page is opened first-party, never framed).
/// </summary>
public sealed class ManageModel(BookwellDb db, CatalogCache cache, WaitlistService waitlist, IConfiguration config) : PageModel
{
    public WaitlistEntry? Entry { get; private set; }
    public CompiledPage? Site { get; private set; }
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public string Token { get; private set; } = "";
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAcceptAsync(string token, string? start, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        if (TimeFormats.TryParseInstant(start, out var at) &&
            await waitlist.AcceptAsync(Entry!, at, MailContexts.For(Request, config), ct) is AcceptResult.Booked { Token: { } booking })
        {
            return Redirect($"/booking/{booking}?new=1");
        }
        await LoadAsync(token, ct);
        Message = WaitlistText.Words["gone"];
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    public Task<IActionResult> OnPostDeclineAsync(string token, CancellationToken ct) => LetGoAsync(token, WaitlistStatus.Declined, ct);

    public Task<IActionResult> OnPostLeaveAsync(string token, CancellationToken ct) => LetGoAsync(token, WaitlistStatus.Left, ct);

    private async Task<IActionResult> LetGoAsync(string token, WaitlistStatus to, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        await waitlist.LetGoAsync(Entry!, to, ct);
        return Redirect($"/waitlist/{token}");
    }

    private async Task<bool> LoadAsync(string token, CancellationToken ct)
    {
        Entry = await waitlist.FindAsync(token, ct);
        if (Entry is null)
        {
            return false;
        }
        Token = token;
        (await cache.GetAsync(db, ct)).Pages.TryGetValue(Entry.PageSlug, out var site);
        Site = site;
        Zone = TimeFormats.Zone(Entry.TimeZone) ?? site?.Zone ?? DateTimeZone.Utc;
        return true;
    }
}
