using System.Text.Json;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Admin;

/// <summary>
/// A booking made by the business: an existing client (by e-mail) or a new one, a time and a staff member,
/// or a walk-in starting now. It goes through the same validation and writer as the public API.
/// </summary>
[Authorize(Policy = Accounts.Policies.Manager)]
public sealed class NewBookingModel(BookingCreator writer, IConfiguration config) : AdminPageModel
{
    [BindProperty(SupportsGet = true, Name = "site")] public string? PageSlug { get; set; }
    [BindProperty(SupportsGet = true)] public string? Service { get; set; }
    [BindProperty(SupportsGet = true)] public string? Staff { get; set; }
    [BindProperty(SupportsGet = true)] public string? Branch { get; set; }
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    [BindProperty(SupportsGet = true)] public string? Time { get; set; }
    [BindProperty] public bool WalkIn { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty(SupportsGet = true)] public string? Email { get; set; }
    [BindProperty] public string? Phone { get; set; }
    [BindProperty] public string? Notes { get; set; }
    [BindProperty] public string? Address { get; set; }
    /// <summary>For a service of the client's choice: <c>mobile</c> (at the client's address) or <c>onsite</c>.</summary>
    [BindProperty] public string? Where { get; set; }
    /// <summary>A pin instead of (or to correct) the geocoded address; both or neither.</summary>
    [BindProperty] public string? Latitude { get; set; }
    [BindProperty] public string? Longitude { get; set; }
    [BindProperty] public List<string> Resources { get; set; } = [];
    [BindProperty] public Dictionary<string, string> Answers { get; set; } = [];

    public CompiledPage? Site { get; private set; }
    public ServiceModel? Chosen { get; private set; }
    public List<string> KnownEmails { get; private set; } = [];
    public FormErrors Errors { get; private set; } = new();

    /// <summary>How the chosen service is done: <c>onsite</c>, <c>mobile</c> (always at the client's address) or <c>choice</c>.</summary>
    public string Mode => Site is null || Chosen is null ? "onsite" : Mobile.MobileServices.ModeOf(Site, Chosen);

    private async Task PrepareAsync(CancellationToken ct)
    {
        Site = (PageSlug is not null ? PageOf(PageSlug) : null) ?? Catalog.Pages.Values.FirstOrDefault();
        Chosen = Site?.ActiveService(Service) ?? Site?.Services.Values.FirstOrDefault(s => s.Doc.Active != false);
        var walkIn = CustomerBook.WalkInEmail.ToUpperInvariant();
        KnownEmails = await Db.Customers.AsNoTracking().Where(c => c.EmailNormalized != walkIn).OrderByDescending(c => c.UpdatedAt).Select(c => c.Email).Take(500).ToListAsync(ct);
    }

    public async Task OnGetAsync(CancellationToken ct)
    {
        await PrepareAsync(ct);
        if (Site is not null && Date is null)
        {
            Date = Iso(Clock.GetCurrentInstant().InZone(Site.Zone).Date);
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await PrepareAsync(ct);
        if (Site is null || Chosen is null)
        {
            return Page();
        }
        var e = new Errors();
        string? start = null;
        if (!WalkIn)
        {
            if (!TimeFormats.TryParseDate(Date, out var day))
            {
                e.Add("date", "Must be a date.");
            }
            else if (!TimeRange.TryParseMinute(Time, out var minute) || minute >= 24 * 60)
            {
                e.Add("time", "Must be a time such as 09:30.");
            }
            else
            {
                var at = Site.Zone.AtLeniently(day.At(new LocalTime(minute / 60, minute % 60)));
                start = OffsetDateTimePattern.ExtendedIso.Format(at.ToOffsetDateTime());
            }
        }
        var answers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var f in Chosen.Doc.Fields ?? [])
        {
            if (Answers.TryGetValue(f.Key!, out var raw) && !string.IsNullOrWhiteSpace(raw))
            {
                answers[f.Key!] = f.Type switch
                {
                    "number" when decimal.TryParse(raw, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var n) => JsonSerializer.SerializeToElement(n),
                    "checkbox" => JsonSerializer.SerializeToElement(raw == "true"),
                    "multichoice" => JsonSerializer.SerializeToElement(raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)),
                    _ => JsonSerializer.SerializeToElement(raw),
                };
            }
        }
        var request = new BookingRequest
        {
            Page = Site.Slug,
            Service = Chosen.Key,
            Start = start,
            Staff = string.IsNullOrEmpty(Staff) ? null : Staff,
            Branch = string.IsNullOrEmpty(Branch) ? null : Branch,
            WalkIn = WalkIn,
            Customer = new CustomerInput { Name = Name, Email = Email, Phone = Phone },
            Notes = string.IsNullOrWhiteSpace(Notes) ? null : Notes,
            Answers = answers,
            Resources = Resources.Count > 0 ? Resources : null,
            Location = Location(e),
        };
        var valid = e.Any ? null : BookingValidation.Validate(request, Site, e, admin: true);
        if (valid is null || e.Any)
        {
            Errors = new FormErrors(e);
            return Page();
        }
        var result = await writer.CreateAsync(valid, Actor, MailContexts.For(Request, config), ct);
        switch (result)
        {
            case WriteResult.Done done:
                TempData["Flash"] = AdminText.L("Booking created.");
                return Redirect($"/admin/bookings/{done.Booking.Id}");
            case WriteResult.Invalid invalid:
                Errors = new FormErrors(invalid.Errors);
                return Page();
            default:
                Errors.Add("time", AdminText.L("That time is not free for this service and staff member. Choose another time or let the system assign."));
                // Issue 15: name what holds the time.
                foreach (var b in await ConflictingBookings.FindAsync(Db, valid, ct))
                {
                    Errors.Add("time", AdminText.L("It overlaps {0} for {1}, {2}.", b.ServiceName, b.CustomerName,
                        $"{AdminPageModel.HourMinute(b.StartsAt, Site.Zone)}–{AdminPageModel.HourMinute(b.EndsAt, Site.Zone)}"));
                }
                return Page();
        }
    }

    /// <summary>
    /// Where the booking happens, from the form: for a service done at the client's address (always, or by choice) the
    /// address and an optional pin, checked on the server (validation requires the address; the writer locates it).
    /// </summary>
    private LocationInput? Location(Errors e)
    {
        var atClient = Mode == "mobile" || (Mode == "choice" && Where == "mobile");
        if (!atClient)
        {
            return Mode == "choice" ? new LocationInput { Mode = "onsite" } : null;
        }
        double? Coordinate(string? raw, string field, double limit, string message)
        {
            if (string.IsNullOrWhiteSpace(raw))
            {
                return null;
            }
            if (double.TryParse(raw.Trim().Replace(',', '.'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) &&
                v >= -limit && v <= limit)
            {
                return v;
            }
            e.Add("location." + field, message);
            return null;
        }
        return new LocationInput
        {
            Address = string.IsNullOrWhiteSpace(Address) ? null : Address.Trim(),
            Latitude = Coordinate(Latitude, "latitude", 90, "Must be between -90 and 90."),
            Longitude = Coordinate(Longitude, "longitude", 180, "Must be between -180 and 180."),
            Mode = Mode == "choice" ? "mobile" : null,
        };
    }
}
