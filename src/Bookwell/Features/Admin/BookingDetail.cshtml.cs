using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

public sealed class BookingDetailModel(BookingLifecycle lifecycle, BookingMessages messages, IConfiguration config, Series.SeriesCanceller series,
    Series.SeriesMover mover) : AdminPageModel
{
    public Booking? Booking { get; private set; }
    public CompiledPage? Site { get; private set; }
    public List<OutboxMessage> Messages { get; private set; } = [];
    public Dictionary<string, string> Answers { get; private set; } = [];
    public List<Upload> Files { get; private set; } = [];
    /// <summary>Every occurrence of the booking's recurring series, by start; empty for a single booking.</summary>
    public List<Booking> Occurrences { get; private set; } = [];
    /// <summary>The booking's no-show fee, if it has one (managers see it, and charge it where it is owed).</summary>
    public Bookwell.Features.Payments.NoShowFee? Fee { get; private set; }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        Booking = await Db.Bookings.AsNoTracking().Include(b => b.History).FirstOrDefaultAsync(b => b.Id == id, ct);
        if (Booking is null || (OnlyStaff is not null && Booking.StaffKey != OnlyStaff))
        {
            Booking = null;
            return false;
        }
        Site = PageOf(Booking.PageSlug);
        Messages = await Db.Outbox.AsNoTracking().Where(m => m.BookingId == id).OrderBy(m => m.CreatedAt).ToListAsync(ct);
        Files = await Db.Uploads.AsNoTracking().Where(u => u.BookingId == id).ToListAsync(ct);
        Fee = IsManager ? await Db.Set<Bookwell.Features.Payments.NoShowFee>().AsNoTracking().Where(f => f.BookingId == id).OrderByDescending(f => f.CreatedAt).FirstOrDefaultAsync(ct) : null;
        Occurrences = Booking.SeriesId is { } seriesId ? await Series.SeriesEndpoints.OccurrencesAsync(Db, seriesId, ct) : [];
        try
        {
            using var doc = JsonDocument.Parse(Booking.AnswersJson);
            Answers = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.Array => string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString())),
                _ => p.Value.ToString(),
            });
        }
        catch (JsonException)
        {
            Answers = [];
        }
        return true;
    }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnGetFileAsync(Guid id, string? file, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct) || Files.FirstOrDefault(f => f.Id == file) is not { } upload)
        {
            return NotFound();
        }
        // Always a download, never rendered in our origin: a client chose this file.
        return File(upload.Content, "application/octet-stream", upload.FileName);
    }

    public async Task<IActionResult> OnPostStatusAsync(Guid id, string? to, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        if (new Errors().Read<BookingStatus>("to", to,
                [BookingStatus.Confirmed, BookingStatus.InProgress, BookingStatus.Completed, BookingStatus.NoShow, BookingStatus.Cancelled]) is not { } next)
        {
            return BadRequest();
        }
        var by = Actor;
        // Reopening a cancelled booking and overruling a no-show are corrections the public state machine does not allow.
        var result = Booking!.Status is BookingStatus.Cancelled or BookingStatus.NoShow
            ? await lifecycle.CorrectAsync(id, next, new Actor(by, null, Site), ct)
            : await lifecycle.ChangeStatusAsync(id, next, new Actor(by, MailContexts.For(Request, config), Site), ct);
        TempData[result is WriteResult.Done ? "Flash" : "FlashBad"] = result switch
        {
            WriteResult.Done => AdminText.L("Status changed to {0}.", StatusLabel(next)),
            WriteResult.BadTransition bad => AdminText.L("A booking that is {0} cannot become {1}.", StatusLabel(bad.From), StatusLabel(bad.To)),
            WriteResult.TooEarly early => TooEarlyText(early),
            _ => AdminText.L("That time is no longer free, so the booking cannot be reopened."),
        };
        return Redirect($"/admin/bookings/{id}");
    }

    /// <summary>Cancels this occurrence and every later open one of its series, each through the lifecycle.</summary>
    public async Task<IActionResult> OnPostSeriesCancelAsync(Guid id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct) || Occurrences.Count == 0)
        {
            return NotFound();
        }
        var ids = Occurrences.Where(b => b.StartsAt >= Booking!.StartsAt && b.Status.IsOpen()).Select(b => b.Id).ToList();
        var done = ids.Count == 0 ? [] : await series.CancelAsync(ids, Actor, Site, MailContexts.For(Request, config), ct);
        TempData[done.Count > 0 ? "Flash" : "FlashBad"] = done.Count > 0
            ? AdminText.L("{0} dates cancelled.", done.Count)
            : AdminText.L("Nothing left to cancel from this date on.");
        return Redirect($"/admin/bookings/{id}");
    }

    /// <summary>
    /// Moves this occurrence of its series (<paramref name="scope"/> <c>one</c>), or it and every later open one by the same
    /// shift of local time (<c>following</c>), all or nothing through <see cref="Series.SeriesMover"/>: a plain form, no script.
    /// </summary>
    public async Task<IActionResult> OnPostSeriesMoveAsync(Guid id, string? date, string? time, string? scope, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct) || Occurrences.Count == 0 || Site is null || Booking!.SeriesId is not { } seriesId)
        {
            return NotFound();
        }
        var service = Site.Services.GetValueOrDefault(Booking.ServiceKey);
        if (service is null || !TimeFormats.TryParseDate(date, out var day) || !TimeRange.TryParseMinute(time, out var minute) || minute >= 24 * 60 ||
            scope is not ("one" or "following"))
        {
            TempData["FlashBad"] = AdminText.L("Choose a date and a time.");
            return Redirect($"/admin/bookings/{id}#h-series");
        }
        var start = Site.Zone.AtLeniently(day.At(new LocalTime(minute / 60, minute % 60))).ToInstant();
        var result = await mover.MoveAsync(seriesId, Booking.Id, start, scope == "following", Site, service,
            new Actor(Actor, MailContexts.For(Request, config), Site), ct);
        TempData[result is Series.SeriesMoveResult.Done ? "Flash" : "FlashBad"] = result switch
        {
            Series.SeriesMoveResult.Done done => AdminText.L("{0} dates moved.", done.Moved.Count),
            Series.SeriesMoveResult.Refused { Blocked.Count: > 0 } refused => AdminText.L("Nothing was moved: these dates are not free: {0}.",
                string.Join("; ", refused.Blocked.Select(b => When(b.To, Site.Zone)))),
            Series.SeriesMoveResult.Refused => AdminText.L("That time is not free. The booking was not moved."),
            _ => AdminText.L("This booking can no longer be moved."),
        };
        return Redirect($"/admin/bookings/{id}#h-series");
    }

    public async Task<IActionResult> OnPostRescheduleAsync(Guid id, string? date, string? time, string? staff, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct) || Site is null)
        {
            return NotFound();
        }
        await MoveAsync(Booking!, Site, date, time, staff, ct);
        return Redirect($"/admin/bookings/{id}");
    }

    /// <summary>Whether the booking can be given an earlier end here: an open single booking (not a class seat, not a visit of several services).</summary>
    public bool CanShorten => Booking is { GroupKey: null, VisitPartsJson: null } b && Site is not null &&
                              b.Status is BookingStatus.Pending or BookingStatus.PendingPayment or BookingStatus.Confirmed or BookingStatus.InProgress;

    /// <summary>
    /// A new end (issue 15, seed 002's start and end), as a local time on the booking's day (the next day's for a booking that
    /// runs past midnight), through the lifecycle. Earlier: the rest of the booking's time is freed for the waitlist and anyone
    /// else. Later: taken if free; otherwise the flash names the bookings in the way.
    /// </summary>
    public async Task<IActionResult> OnPostShortenAsync(Guid id, string? end, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct) || Site is null)
        {
            return NotFound();
        }
        var booking = Booking!;
        if (!TimeRange.TryParseMinute(end, out var minute) || minute >= 24 * 60)
        {
            TempData["FlashBad"] = AdminText.L("Choose a time.");
            return Redirect($"/admin/bookings/{id}#h-shorten");
        }
        var day = booking.StartsAt.InZone(Site.Zone).Date;
        var at = Site.Zone.AtLeniently(day.At(new LocalTime(minute / 60, minute % 60))).ToInstant();
        if (at <= booking.StartsAt)
        {
            at = Site.Zone.AtLeniently(day.PlusDays(1).At(new LocalTime(minute / 60, minute % 60))).ToInstant();
        }
        var longer = at > booking.EndsAt;
        var result = await lifecycle.ShortenAsync(id, Site, at, new Actor(Actor, null, Site), ct);
        var conflicts = result is WriteResult.Taken && longer ? await ConflictingBookings.FindForEndAsync(Db, booking, Site, at, ct) : [];
        TempData[result is WriteResult.Done ? "Flash" : "FlashBad"] = result switch
        {
            WriteResult.Done when longer => AdminText.L("The booking now ends at {0}.", HourMinute(at, Site.Zone)),
            WriteResult.Done => AdminText.L("The booking now ends at {0}. The rest of its time is free again.", HourMinute(at, Site.Zone)),
            WriteResult.Invalid => AdminText.L("Choose an end after the start that differs from the current end ({0}); a booking may not run longer than the business's longest service.",
                HourMinute(booking.EndsAt, Site.Zone)),
            WriteResult.Taken when conflicts.Count > 0 => AdminText.L("The new end overlaps: {0}.", string.Join("; ", conflicts.Select(c =>
                $"{c.ServiceName}, {c.CustomerName}, {HourMinute(c.StartsAt, Site.Zone)}–{HourMinute(c.EndsAt, Site.Zone)}"))),
            WriteResult.Taken => AdminText.L("The new end overlaps other booked time."),
            _ => AdminText.L("This booking's end can no longer be changed."),
        };
        return Redirect($"/admin/bookings/{id}#h-shorten");
    }

    /// <summary>Issue 15: set, change or (with <paramref name="remove"/>) take away the booking's work order link; managers only.</summary>
    public async Task<IActionResult> OnPostWorkOrderAsync(Guid id, string? reference, string? url, string? remove, CancellationToken ct)
    {
        if (!IsManager || !await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var words = WorkOrders.WorkOrderText.Words;
        WorkOrders.WorkOrderView? link = null;
        if (remove is null)
        {
            var errors = new Errors();
            link = WorkOrders.WorkOrderRules.Read(reference, url, errors);
            if (link is null)
            {
                var fields = errors.ToDictionary();
                TempData["FlashBad"] = string.Join(" ", new[] { fields.ContainsKey("reference") ? words["bad-reference"] : null, fields.ContainsKey("url") ? words["bad-url"] : null }
                    .OfType<string>());
                return Redirect($"/admin/bookings/{id}#h-work-order");
            }
        }
        if (await lifecycle.SetWorkOrderAsync(id, link, new Actor(Actor, null, Site), ct) is not WriteResult.Done)
        {
            return NotFound();
        }
        TempData["Flash"] = link is null ? words["removed"] : words.Format("saved", link.Reference);
        return Redirect($"/admin/bookings/{id}#h-work-order");
    }

    public async Task<IActionResult> OnPostResendAsync(Guid id, string? kind, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }
        var ok = await messages.ResendAsync(id, kind == "reminder" ? "reminder" : "confirmation", Site, MailContexts.For(Request, config), ct);
        TempData[ok ? "Flash" : "FlashBad"] = ok ? AdminText.L("The e-mail is on its way.") : AdminText.L("Nothing was sent: e-mail is not set up, or the booking is closed.");
        return Redirect($"/admin/bookings/{id}");
    }
}
