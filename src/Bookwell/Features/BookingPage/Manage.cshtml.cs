using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.BookingPage;

/// <summary>The client's own page for one booking, reached only through its secret link.</summary>
/// <remarks>
/// No antiforgery token: nothing here is authorised by a cookie (the booking form is public, the manage page is
/// authorised by the secret in its URL), and a token cookie would not reach a third-party site's widget iframe.
/// </remarks>
[IgnoreAntiforgeryToken]
public sealed class ManageModel(BookwellDb db, CatalogCache cache, IClock clock, BookingLifecycle lifecycle, IConfiguration config,
    Payments.PaymentStatus payments, Series.SeriesCanceller series, Series.SeriesMover mover) : Microsoft.AspNetCore.Mvc.RazorPages.PageModel
{
    private static readonly InstantPattern Compact = InstantPattern.CreateWithInvariantCulture("uuuuMMdd'T'HHmmss'Z'");

    public Booking? Booking { get; private set; }
    public CompiledPage? Site { get; private set; }
    public ServiceModel? Service { get; private set; }
    /// <summary>The page as this booking is moved: the organization's view for a member's booking (issue 17), else <see cref="Site"/>.</summary>
    public CompiledPage? Scheduling { get; private set; }
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public SlotPickerModel? Picker { get; private set; }
    public string Token { get; private set; } = "";
    public string? Message { get; private set; }
    /// <summary>Field errors of the reschedule form (<c>start</c>: the new time breaks a rule), shown next to the times.</summary>
    public Dictionary<string, string[]> Errors { get; } = [];
    public bool Created { get; private set; }
    public bool AskCancel { get; private set; }
    public bool Rescheduling { get; private set; }
    public string? NewStart { get; private set; }
    /// <summary>The series scope of a reschedule asked for (<c>one</c> or <c>following</c>), kept when the answer is a refusal.</summary>
    public string? Scope { get; private set; }
    /// <summary>Paid, or waiting for payment (with where to pay), for a booking paid online; null otherwise.</summary>
    public Payments.ManagePayment? Payment { get; private set; }
    /// <summary>The online step only saves a card for a no-show fee: the page never says it waits for a payment.</summary>
    public bool CardOnly => Payment?.CardOnly == true;
    /// <summary>What cancelling now gives back, shown before the client confirms; null when nothing was paid online.</summary>
    public Refunds.RefundQuote? CancelQuote { get; private set; }
    /// <summary>Every occurrence of the booking's recurring series, by start; empty for a single booking.</summary>
    public List<Booking> Occurrences { get; private set; } = [];
    public bool CanCancelOccurrence(Booking occurrence) =>
        occurrence is not null && occurrence.Status.IsOpen() && occurrence.StartsAt > clock.GetCurrentInstant();
    public bool CanChange => Booking is not null && Booking.Status.IsOpen() && Booking.StartsAt > clock.GetCurrentInstant();

    public string ManageUrl => $"{Infrastructure.TenantLinks.BaseUrl(Request)}/booking/{Token}";

    public async Task<IActionResult> OnGetAsync(string token, string? @new, string? cancel, string? reschedule, string? date, string? from,
        string? start, string? moved, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        // Never the return URL's word: the ledger decides, after asking Stripe about a session still open.
        if (await payments.RefreshAsync(Booking!, ct))
        {
            db.ChangeTracker.Clear();
            await LoadAsync(token, ct);
        }
        Payment = await payments.ForManageAsync(Booking!, Zone, ct);
        Created = @new == "1";
        Message = moved switch { "1" => Text.T("rescheduled"), "series" => Text.T("series-moved"), _ => null };
        AskCancel = cancel == "1" && CanChange && !Created;
        if (AskCancel)
        {
            CancelQuote = await HttpContext.RequestServices.GetRequiredService<Refunds.RefundService>().QuoteAsync(Booking!, ct);
        }
        Rescheduling = reschedule == "1" && CanChange && Service is not null && !Created;
        if (Created)
        {
            // The confirmation right after booking ends the widget's flow inside the business's site, so it may be
            // framed wherever the booking page may. It offers no cancel or reschedule button to overlay: changes
            // open the private manage page in a tab of its own, which only the listed sites may frame.
            EmbedPolicy.ApplyConfirmation(Response, Site);
        }
        if (Rescheduling)
        {
            await BuildPickerAsync(date, from, ct);
            NewStart = TimeFormats.TryParseInstant(start, out var s) ? TimeFormats.Format(s, Zone) : null;
        }
        return Page();
    }

    public bool AskConfirm => Booking is { AwaitingClientConfirmation: true, Status: BookingStatus.Pending };

    public async Task<IActionResult> OnPostConfirmAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        await lifecycle.ConfirmByClientAsync(Booking!.Id, new Actor("customer", Notifications.MailContexts.For(Request, config), Site, token), ct);
        return Redirect($"/booking/{token}?new=1");
    }

    public async Task<IActionResult> OnPostCancelAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        await lifecycle.ChangeStatusAsync(Booking!.Id, BookingStatus.Cancelled, new Actor("customer", Notifications.MailContexts.For(Request, config), Site, token), ct);
        // The refund planned with the cancellation goes to Stripe now (the retry pass takes it if Stripe is away).
        await HttpContext.RequestServices.GetRequiredService<Refunds.RefundService>().SendPendingAsync(Booking.Id, ct);
        return Redirect($"/booking/{token}");
    }

    /// <summary>Cancels one occurrence of the series, or it and every later one (<paramref name="scope"/> <c>following</c>).</summary>
    public async Task<IActionResult> OnPostSeriesCancelAsync(string token, int index, string? scope, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        var from = Occurrences.FirstOrDefault(b => b.SeriesIndex == index);
        if (from is null)
        {
            return Redirect($"/booking/{token}");
        }
        var now = clock.GetCurrentInstant();
        var ids = Occurrences.Where(b => scope == "following" ? b.StartsAt >= from.StartsAt : b.Id == from.Id)
            .Where(b => b.Status.IsOpen() && b.StartsAt > now).Select(b => b.Id).ToList();
        if (ids.Count > 0)
        {
            await series.CancelAsync(ids, "customer", Site, Notifications.MailContexts.For(Request, config), ct);
        }
        return Redirect($"/booking/{token}#series");
    }

    public async Task<IActionResult> OnPostRescheduleAsync(string token, string? start, string? scope, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct))
        {
            return NotFound();
        }
        if (Service is null || !TimeFormats.TryParseInstant(start, out var instant))
        {
            return Redirect($"/booking/{token}?reschedule=1");
        }
        var following = scope == "following" && Booking!.SeriesId is not null;
        // A member's booking moves only within the organization's dates and time slots: the API's start field error (the
        // series owner's check, every occurrence the move takes), shown at the times in the visitor's language; nothing moves.
        if (Site is not null && Series.SeriesRescheduling.OutsideSlots(Site, Occurrences.Count > 0 ? Occurrences : [Booking!], Booking!, instant, following,
                clock.GetCurrentInstant(), TextSet.CurrentLanguage, i => SlotPicker.FormatWhen(i, Zone)) is { } outside)
        {
            Errors["start"] = [outside];
            Message = Text.T("fix-fields");
            Scope = following ? "following" : null;
            Rescheduling = true;
            NewStart = TimeFormats.Format(instant, Zone);
            await BuildPickerAsync(instant.InZone(Zone).Date.ToString("yyyy-MM-dd", null), null, ct);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (following)
        {
            return await MoveFollowingAsync(Booking!.SeriesId!.Value, instant, ct);
        }
        switch (await lifecycle.RescheduleAsync(Booking!.Id, Scheduling!, Service, instant, new Actor("customer", Notifications.MailContexts.For(Request, config), Site, token), ct))
        {
            case WriteResult.Done:
                return Redirect($"/booking/{token}?moved=1");
            case WriteResult.BadTransition:
                Message = Text.T("cannot-change");
                return Page();
            default:
                Message = Text.T("slot-taken");
                Rescheduling = true;
                await BuildPickerAsync(instant.InZone(Zone).Date.ToString("yyyy-MM-dd", null), null, ct);
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
        }
    }

    /// <summary>This occurrence and every later one, by the same local shift, all or nothing (<see cref="Series.SeriesMover"/>).</summary>
    private async Task<IActionResult> MoveFollowingAsync(Guid seriesId, Instant instant, CancellationToken ct)
    {
        var actor = new Actor("customer", Notifications.MailContexts.For(Request, config), Site, Token);
        switch (await mover.MoveAsync(seriesId, Booking!.Id, instant, following: true, Scheduling!, Service!, actor, ct))
        {
            case Series.SeriesMoveResult.Done:
                return Redirect($"/booking/{Token}?moved=series#series");
            case Series.SeriesMoveResult.Refused refused when refused.Blocked.Count > 0:
                Message = Text.T("series-move-blocked", string.Join("; ", refused.Blocked.Select(b => SlotPicker.FormatWhen(b.To, Zone))));
                break;
            case Series.SeriesMoveResult.Refused:
                Message = Text.T("slot-taken");
                break;
            default:
                Message = Text.T("cannot-change");
                return Page();
        }
        Scope = "following";
        Rescheduling = true;
        await BuildPickerAsync(instant.InZone(Zone).Date.ToString("yyyy-MM-dd", null), null, ct);
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    private async Task<bool> LoadAsync(string token, CancellationToken ct)
    {
        EmbedPolicy.ApplyPrivate(Response, null);
        ViewData["NoIndex"] = true;
        if (!ManageTokens.LooksValid(token))
        {
            return false;
        }
        var hash = ManageTokens.Hash(token);
        Booking = await db.Bookings.Include(b => b.History).FirstOrDefaultAsync(b => b.ManageTokenHash == hash, ct);
        if (Booking is null)
        {
            return false;
        }
        Token = token;
        var catalog = await cache.GetAsync(db, ct);
        catalog.Pages.TryGetValue(Booking.PageSlug, out var site);
        Site = site;
        EmbedPolicy.ApplyPrivate(Response, site);
        Scheduling = site is null ? null : Organizations.OrganizationBookings.ViewFor(site, Booking);
        Service = Scheduling?.ActiveService(Booking.ServiceKey);
        Occurrences = Booking.SeriesId is { } seriesId ? await Series.SeriesEndpoints.OccurrencesAsync(db, seriesId, ct) : [];
        Zone = TimeFormats.Zone(Request.Query["tz"]) ?? TimeFormats.Zone(Booking.TimeZone) ?? site?.Zone ?? DateTimeZone.Utc;
        return true;
    }

    private async Task BuildPickerAsync(string? date, string? from, CancellationToken ct)
    {
        LocalDate? selected = TimeFormats.TryParseDate(date, out var d) ? d : null;
        LocalDate? strip = TimeFormats.TryParseDate(from, out var f) ? f : selected;
        Picker = await SlotPicker.BuildAsync(db, Scheduling!, Service!, null, Booking!.StaffKey, Zone, strip, selected, clock.GetCurrentInstant(), ct);
    }

    public string Link(params (string Key, string? Value)[] values) =>
        Links.With($"/booking/{Token}", values.Select(v => KeyValuePair.Create(v.Key, v.Value)));

    /// <summary>The meeting link for virtual pages; otherwise the branch address and the page's directions.</summary>
    public string Location =>
        Site?.Doc.Location?.Mode == "virtual" ? Site.Doc.Location.MeetingUrl ?? ""
        : string.Join(" · ", new[]
        {
            Site?.Branches.FirstOrDefault(b => b.Key == Booking?.BranchKey) is { } branch ? $"{branch.Doc.Name}, {branch.Doc.Address} {branch.Doc.City}".Trim() : null,
            Site?.Doc.Location?.Details,
        }.Where(x => !string.IsNullOrWhiteSpace(x)));

    public string GoogleUrl => "https://calendar.google.com/calendar/render?action=TEMPLATE" +
        $"&text={Uri.EscapeDataString(Title)}&dates={Compact.Format(Booking!.StartsAt)}/{Compact.Format(Booking.EndsAt)}" +
        $"&details={Uri.EscapeDataString(ManageUrl)}&location={Uri.EscapeDataString(Location)}";

    public string OutlookUrl => "https://outlook.live.com/calendar/0/deeplink/compose?path=/calendar/action/compose&rru=addevent" +
        $"&subject={Uri.EscapeDataString(Title)}" +
        $"&startdt={Uri.EscapeDataString(Booking!.StartsAt.ToString("uuuu-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture))}" +
        $"&enddt={Uri.EscapeDataString(Booking.EndsAt.ToString("uuuu-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture))}" +
        $"&body={Uri.EscapeDataString(ManageUrl)}&location={Uri.EscapeDataString(Location)}";

    private string Title => $"{Booking!.ServiceName} – {Site?.Doc.Name ?? Booking.PageSlug}";
}
