using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>
/// "Join the waitlist" for a full day, linked from the booking page: a plain form with a time preference
/// (any, morning, afternoon, evening, or a from–to window). Same validation and storage as the API.
/// </summary>
public sealed class JoinModel(BookwellDb db, CatalogCache cache, WaitlistService waitlist, IClock clock, ClientBudgets budgets) : PageModel
{
    public CompiledPage? Site { get; private set; }
    public Dictionary<string, string[]> Errors { get; private set; } = [];
    public bool Joined { get; private set; }
    /// <summary>The page exists but takes no waitlist: browsers get a page saying so (404), not a bare error.</summary>
    public bool Off { get; private set; }
    /// <summary>Seconds to wait: this client has joined (or booked) as often as the budget allows this minute.</summary>
    public int? RetryAfter { get; private set; }

    [BindProperty(SupportsGet = true)] public string? Service { get; set; }
    [BindProperty(SupportsGet = true)] public string? Staff { get; set; }
    /// <summary>The branch to wait at (issue 15): carried from the booking page, or chosen here on a page with several.</summary>
    [BindProperty(SupportsGet = true)] public string? Branch { get; set; }
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    [BindProperty] public string Pref { get; set; } = "any";
    [BindProperty] public string? From { get; set; }
    [BindProperty] public string? To { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Phone { get; set; }
    /// <summary>Where a service at the client's address is wanted (issue 15), with the optional pin as the fallback.</summary>
    [BindProperty] public string? Address { get; set; }
    [BindProperty] public string? Lat { get; set; }
    [BindProperty] public string? Lng { get; set; }

    /// <summary>Whether any service on offer here may come to the client (asked for its address).</summary>
    public bool AsksAddress => Site is not null && Site.Services.Values.Any(s => s.Doc.Active != false && Site.IsPublic(s.Key) &&
        Mobile.MobileServices.ModeOf(Site, s) is "mobile" or "choice");

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct) => await LoadAsync(slug, ct) ? Page() : Closed();

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct))
        {
            return Closed();
        }
        var (from, to) = Pref switch
        {
            "morning" => (null, "12:00"),
            "afternoon" => ("12:00", "17:00"),
            "evening" => ("17:00", null),
            "range" => (Blank(From), Blank(To)),
            _ => ((string?)null, (string?)null),
        };
        var request = new JoinRequest
        {
            Service = Service,
            Staff = Blank(Staff),
            Branch = Blank(Branch),
            Date = Date,
            From = from,
            To = to,
            Customer = new CustomerInput { Name = Name, Email = Email, Phone = Blank(Phone) },
        };
        var errors = new Errors();
        if (WaitlistService.PublicService(Site!, Service) is { } chosen && Mobile.MobileServices.ModeOf(Site!, chosen) is var mode &&
            (mode == "mobile" || (mode == "choice" && Blank(Address) is not null)))
        {
            // A service of the client's choice comes to them when they give an address; a mobile one always needs it.
            request.Location = new LocationInput
            {
                Address = Blank(Address),
                Latitude = Coordinate(Lat, "lat", errors),
                Longitude = Coordinate(Lng, "lng", errors),
                Mode = mode == "choice" ? "mobile" : null,
            };
        }
        if (Service is not null && WaitlistService.PublicService(Site!, Service) is null)
        {
            errors.Add("service", WaitlistText.Say(TextSet.CurrentLanguage, "No such service on this page."));
        }
        var entry = errors.Any ? null : WaitlistService.Validate(request, Site!, clock.GetCurrentInstant(), errors, TextSet.CurrentLanguage);
        if (entry is not null && !errors.Any && !budgets.TryAcquire(HttpContext, RateLimits.Bookings, out var wait))
        {
            // Counted for a form that would be written (one with field errors costs nothing), before the address is looked up, against
            // the same budget as the API's join and bookings: one client, one count, whichever way it comes.
            RetryAfter = wait;
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Page();
        }
        if (entry is null || errors.Any || !await waitlist.LocateAsync(entry, Site!, TextSet.CurrentLanguage, errors, ct))
        {
            Errors = errors.ToDictionary();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (await waitlist.JoinAsync(entry, Site!, TextSet.CurrentLanguage, ct) is null)
        {
            errors.Add("customer.email", WaitlistText.Say(TextSet.CurrentLanguage,
                "This e-mail address is already on the waitlist for this service and day. Use the link in the e-mail we sent to see or leave your place."));
            Errors = errors.ToDictionary();
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        Joined = true;
        return Page();
    }

    public string? Error(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private static double? Coordinate(string? text, string field, Errors e)
    {
        if (Blank(text) is not { } t)
        {
            return null;
        }
        if (double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        e.Add(field, WaitlistText.Say(TextSet.CurrentLanguage, "Must be a number such as 52.09."));
        return null;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private IActionResult Closed()
    {
        if (Site is null)
        {
            return NotFound();
        }
        Off = true;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var site))
        {
            return false;
        }
        // Reached from the booking page inside the widget's iframe: framed like the booking page itself.
        BookingPage.EmbedPolicy.Apply(Response, site);
        if (!BranchSettings.WaitlistOn(site, null))
        {
            Site = site;
            return false;
        }
        Site = site;
        Service ??= site.Services.Values.FirstOrDefault(s => s.Doc.Active != false && site.IsPublic(s.Key))?.Key;
        return true;
    }
}
