using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Classes;

/// <summary>One class session's attendee list with a check-in form per attendee (plain posts; no script needed).</summary>
[Authorize(Policy = Policies.Member)]
public sealed class SessionModel(BookingLifecycle lifecycle) : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Id { get; set; }

    public ClassSession? Session { get; private set; }

    /// <summary>The app's clock when the page was made: the check-in button shows only inside a booking's check-in window.</summary>
    public NodaTime.Instant Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Now = Clock.GetCurrentInstant();
        Session = Id is null ? null : await ClassSessions.FindAsync(Db, Catalog, Now, Id, OnlyStaff, ct);
        return Session is null ? NotFound() : Page();
    }

    public Task<IActionResult> OnPostCheckInAsync(Guid booking, CancellationToken ct) => ChangeAsync(booking, undo: false, ct);

    public Task<IActionResult> OnPostUndoAsync(Guid booking, CancellationToken ct) => ChangeAsync(booking, undo: true, ct);

    private async Task<IActionResult> ChangeAsync(Guid booking, bool undo, CancellationToken ct)
    {
        var outcome = await Attendance.ChangeAsync(Db, Catalog, lifecycle, booking, undo, OnlyStaff, Actor, ct);
        if (outcome is not { } o)
        {
            return NotFound();
        }
        TempData[o.Done ? "Flash" : "FlashBad"] = o.Message;
        return Redirect("/admin/classes/session?id=" + Uri.EscapeDataString(Id ?? "") + "#attendee-" + booking);
    }
}
