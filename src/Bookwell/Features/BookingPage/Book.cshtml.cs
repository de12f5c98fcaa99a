using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.BookingPage;

/// <summary>
/// The public booking page. Every step is a plain GET (service, branch, staff, date, time) or a form POST
/// (details, review, confirm), so it works before any script arrives; book.js only adds the visitor's
/// time zone and small comforts.
/// </summary>
/// <remarks>
/// No antiforgery token: nothing here is authorised by a cookie (the booking form is public, the manage page is
/// authorised by the secret in its URL), and a token cookie would not reach a third-party site's widget iframe.
/// </remarks>
[IgnoreAntiforgeryToken]
public sealed class BookModel(BookwellDb db, CatalogCache cache, IClock clock, BookingCreator writer, ClientBudgets budgets, IConfiguration config,
    Mobile.MobileLocator locator) : Microsoft.AspNetCore.Mvc.RazorPages.PageModel
{
    /// <summary>Issue 15: the client's address, for a service that comes to the client (carried in every link).</summary>
    public string? Address { get; private set; }

    /// <summary>A mobile service whose address is missing or was refused: the page asks for it before showing times.</summary>
    public bool AddressNeeded { get; private set; }

    /// <summary>Whether this booking happens at the client's address (the service is mobile, or of choice and an address was given).</summary>
    public bool AtClient => Site is not null && Service is not null &&
                            (Mobile.MobileServices.ModeOf(Site, Service) == "mobile" ||
                             (Mobile.MobileServices.ModeOf(Site, Service) == "choice" && !string.IsNullOrWhiteSpace(Address ?? Form.Address)));

    private Scheduling.Travel.Trip? _trip;

    public CompiledPage? Site { get; private set; }
    public ServiceModel? Service { get; private set; }
    public string? Branch { get; private set; }
    public string? Staff { get; private set; }
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public SlotPickerModel? Picker { get; private set; }
    public string? Start { get; private set; }
    public Instant? StartInstant { get; private set; }
    public BookingForm Form { get; private set; } = new();
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);
    public string? Message { get; private set; }
    public bool Reviewing { get; private set; }
    public Dictionary<string, string> FileNames { get; } = new(StringComparer.Ordinal);
    public bool NeedsBranch => Site is { Branches.Count: > 1 } && Branch is null;

    /// <summary>Services added to the chosen one for one visit (issue 15), in the order chosen; <c>also=</c> in the address.</summary>
    public List<ServiceModel> Also { get; } = [];

    /// <summary>The visit's services (the chosen one first) when more than one; null for a single service.</summary>
    public IReadOnlyList<ServiceModel>? Visit => Service is not null && Also.Count > 0 ? [Service, .. Also] : null;

    /// <summary>What the client pays and when: the chosen service's money, or a visit's as one (<see cref="Visits.Billing(IReadOnlyList{ServiceDoc})"/>).</summary>
    public ServiceDoc? Billing => Visit is { } v ? Visits.Billing([.. v.Select(s => s.Doc)]) : Service?.Doc;

    /// <summary>What is paid now is (or holds) a deposit; not so for a visit whose online part is paid in full (<see cref="Visits.TakesDeposit(IEnumerable{ServiceDoc})"/>).</summary>
    public bool TakesDeposit => Visit is { } v ? Visits.TakesDeposit(v.Select(part => part.Doc)) : Service?.Doc.Payment == "deposit";

    /// <summary>A visit part paid online whose rest is invoiced, not paid at the appointment (<see cref="Visits.InvoicesRest(IEnumerable{ServiceDoc})"/>).</summary>
    public bool InvoicesRest => Visit is { } v && Visits.InvoicesRest(v.Select(part => part.Doc));

    /// <summary>Services that may join the chosen one in one visit (none when the chosen one cannot be part of a visit).</summary>
    /// A visit happens at the business: services done (or possibly done) at the client's address neither start nor join one.
    public IEnumerable<ServiceModel> VisitChoices =>
        Service is null || Visits.Unfit(Service) is not null || Access is not null || Mobile.MobileServices.ModeOf(Site!, Service) != "onsite" ? []
            : Choices.Where(s => s.Key != Service.Key && Visits.Unfit(s) is null && Mobile.MobileServices.ModeOf(Site!, s) == "onsite" &&
                                 !Visits.MixedCurrencies([Service.Doc, s.Doc]));

    /// <summary>The questions to ask: the chosen service's, or every part's for a visit (a shared key once).</summary>
    public IReadOnlyList<FieldDoc> Fields => Visit is { } v ? [.. v.SelectMany(s => s.Doc.Fields!).DistinctBy(f => f.Key)] : Service?.Doc.Fields ?? [];

    /// <summary>The <c>also</c> value with <paramref name="key"/> added or taken out.</summary>
    public string? AlsoToggled(string key)
    {
        var keys = Also.Select(s => s.Key).ToList();
        if (!keys.Remove(key))
        {
            keys.Add(key);
        }
        return keys.Count == 0 ? null : string.Join(',', keys);
    }

    public string? AlsoValue => Also.Count == 0 ? null : string.Join(',', Also.Select(s => s.Key));

    /// <summary>How the booking repeats (weekly, biweekly, monthly), empty for a single booking; and how many times.</summary>
    public string Repeat { get; private set; } = "";
    public int RepeatCount { get; private set; } = 6;
    /// <summary>Every occurrence of the series as checked now, for the review step.</summary>
    public Series.SeriesCheck? Plan { get; private set; }

    /// <summary>Whether this service may be booked as a recurring series from this page.</summary>
    public bool CanRepeat
    {
        get
        {
            if (Site is null || Service is null || Visit is not null)
            {
                return false;
            }
            var e = new Errors();
            Series.SeriesValidation.Service(Site, Service, admin: false, e);
            return !e.Any;
        }
    }
    /// <summary>Contract 4.6: the member whose personal link opened the page (null without a valid one).</summary>
    public Organizations.MemberAccess? Access { get; private set; }

    /// <summary>
    /// A personal link was followed that opens nothing (changed, expired, revoked, another page's): the public page with one
    /// notice, the same for every such link, so the page tells nobody which of those it was.
    /// </summary>
    public bool DeadLink { get; private set; }

    /// <summary>The client signed in to this business's portal, whose details the form starts with; null otherwise.</summary>
    public Customer? PortalClient { get; private set; }

    /// <summary>Services this visitor may book here: the link's, or the public page's.</summary>
    public IEnumerable<ServiceModel> Choices => Site is null ? [] : Site.Services.Values.Where(s => s.Doc.Active != false && Site.IsPublic(s.Key));

    public IEnumerable<StaffModel> StaffChoices =>
        Service is { Rules.RequiresStaff: true } && Site is not null
            ? Site.StaffFor(Service.Key).Where(s => Branch is null || s.Branch is null || s.Branch == Branch)
            : [];

    public async Task<IActionResult> OnGetAsync(string slug, string? service, string? branch, string? staff, string? tz,
        string? date, string? from, string? start, string? access, string? address, CancellationToken ct)
    {
        if (!await LoadAsync(slug, service, branch, staff, tz, access, ct))
        {
            return NotFoundPage();
        }
        Address = string.IsNullOrWhiteSpace(address) ? null : address.Trim();
        if (AtClient && (Address is not null || Mobile.MobileServices.AddressFirst(Site!, Service!)) && !await LocateAsync(ct))
        {
            return Page();
        }
        if (Access is not null)
        {
            // Signed in as the member: their details filled in, and the client portal's session for /account.
            Form = new BookingForm { Name = Access.Member.Name, Email = Access.Member.Email };
            await SignInPortalAsync(ct);
        }
        else
        {
            await FillFromPortalAsync(ct);
        }
        await BuildPickerAsync(date, from, ct);
        SelectStart(start);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, string? service, string? branch, string? staff, string? tz, string? start,
        string? step, string? access, CancellationToken ct)
    {
        if (!await LoadAsync(slug, service, branch, staff, tz, access, ct))
        {
            return NotFoundPage();
        }
        if (Service is null)
        {
            return ServiceRefused(service);
        }
        Form = BookingForm.Read(Request.Form, Service, Fields);
        Repeat = Request.Form["repeat"].ToString() is "weekly" or "biweekly" or "monthly" && CanRepeat && Visit is null ? Request.Form["repeat"].ToString() : "";
        RepeatCount = int.TryParse(Request.Form["repeatCount"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : 6;
        await ReadFilesAsync(ct);
        if (!SelectStart(start))
        {
            await BuildPickerAsync(null, null, ct);
            return Page();
        }
        var request = Form.ToRequest(Service, Start!, Staff, Branch, Zone.Id, Site!.Doc.Location?.Mode == "mobile" || AtClient, Fields,
            Mobile.MobileServices.ModeOf(Site, Service) == "choice" && AtClient ? "mobile" : null);
        if (Visit is { } visit)
        {
            request.Services = [.. visit.Select(s => s.Key)];
        }
        var errors = new Errors();
        var valid = BookingValidation.Validate(request, Site, errors, admin: false, TextSet.CurrentLanguage);
        if (valid is null || Errors.Count > 0)
        {
            foreach (var (path, messages) in errors.ToDictionary())
            {
                var field = BookingForm.FieldFor(path);
                Errors[field] = [.. messages];
            }
            Message = Text.T("fix-fields");
            return Page();
        }
        valid = Organizations.OrganizationBookings.Stamp(valid, Access);
        if (Repeat.Length > 0)
        {
            return await SeriesStepAsync(valid, step, ct);
        }
        if (step != "confirm")
        {
            Reviewing = step == "review";
            return Page();
        }
        if (!budgets.TryAcquire(HttpContext, RateLimits.Bookings, out var retryAfter))
        {
            // The same budget as the API's bookings: one client, one count, whichever way it books.
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Message = Text.T("rate-limited");
            Reviewing = true;
            return Page();
        }
        switch (await writer.CreateAsync(valid, "customer", Notifications.MailContexts.For(Request, config), ct))
        {
            case WriteResult.Done { PaymentUrl: { } pay }:
                // Straight on to pay; Checkout brings the client back to the booking's own page.
                return Redirect(pay);
            case WriteResult.Done done:
                return Redirect($"/booking/{done.ManageToken}?new=1");
            case WriteResult.PaymentUnavailable:
                Message = Payments.PaymentText.Words["unavailable"];
                Reviewing = true;
                Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Page();
            case WriteResult.Invalid invalid:
                foreach (var (path, messages) in invalid.Errors.ToDictionary())
                {
                    // Written in English by the writer; the rules' set holds their words in the visitor's language.
                    Errors[BookingForm.FieldFor(path)] = [.. messages.Select(m => BookingRuleText.Words[m])];
                }
                Message = Text.T("fix-fields");
                Reviewing = false;
                return Page();
            default:
                // Taken while the form was filled in: keep every answer and offer the day's remaining times.
                Message = Text.T("slot-taken");
                var takenDate = StartInstant!.Value.InZone(Zone).Date;
                Start = null;
                StartInstant = null;
                await BuildPickerAsync(takenDate.ToString("yyyy-MM-dd", null), null, ct);
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
        }
    }

    /// <summary>
    /// A recurring series: the review lists every occurrence (checked on its own), with "skip" or the nearest free time
    /// that day for those that cannot be booked; confirming books the chosen ones all or nothing.
    /// </summary>
    private async Task<IActionResult> SeriesStepAsync(ValidBooking valid, string? step, CancellationToken ct)
    {
        var errors = new Errors();
        var rule = Series.SeriesValidation.Rule(new Series.RepeatInput { Frequency = Repeat, Count = RepeatCount }, valid.Start, Site!.Zone, errors);
        if (rule is null)
        {
            Errors["repeatCount"] = [Text.T("repeat-count-range", Series.SeriesValidation.MaxOccurrences)];
            Message = Text.T("fix-fields");
            return Page();
        }
        // At the client's address: located once, and every occurrence judged with its own travel.
        var (located, locateErrors) = await writer.LocateAsync(valid, TextSet.CurrentLanguage, ct);
        if (located is null)
        {
            foreach (var (path, messages) in locateErrors!.ToDictionary())
            {
                Errors[BookingForm.FieldFor(path)] = [.. messages];
            }
            Message = Text.T("fix-fields");
            return Page();
        }
        valid = located;
        var trip = Mobile.MobileServices.TripTo(Site, valid.Place);
        var occurrences = Scheduling.Series.Recurrence.Expand(valid.Start, Site.Zone, rule);
        Plan = await Series.SeriesEndpoints.PlanAsync(db, Site, Service!, Branch, Staff, occurrences, rule, Zone, clock.GetCurrentInstant(), ct, trip);
        if (step != "confirm")
        {
            Reviewing = step == "review";
            return Page();
        }
        var choices = new List<Series.OccurrenceChoice>();
        foreach (var o in Plan.Occurrences)
        {
            var choice = Request.Form[$"occ.{o.Index}"].ToString();
            if (choice == "skip" || (!o.Available && o.Alternative is null))
            {
                choices.Add(new Series.OccurrenceChoice { Index = o.Index, Skip = true });
            }
            else if (!o.Available)
            {
                choices.Add(new Series.OccurrenceChoice { Index = o.Index, Start = o.Alternative });
            }
        }
        var chosen = Series.SeriesEndpoints.Choose(occurrences, choices, Site.Zone, errors);
        if (errors.Any)
        {
            Message = Text.T("series-nothing");
            Reviewing = true;
            return Page();
        }
        if (!budgets.TryAcquire(HttpContext, RateLimits.Bookings, out var retryAfter))
        {
            // The same budget as the API's bookings: one client, one count, whichever way it books.
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Message = Text.T("rate-limited");
            Reviewing = true;
            return Page();
        }
        if (await HttpContext.RequestServices.GetRequiredService<Series.SeriesCreator>().CreateSeriesAsync(valid, chosen, "customer", Notifications.MailContexts.For(Request, config), ct) is SeriesWriteResult.Done done)
        {
            return Redirect($"/booking/{done.Bookings[0].Token}?new=1");
        }
        // Something was taken meanwhile: nothing was booked; show the series as it stands now.
        Plan = await Series.SeriesEndpoints.PlanAsync(db, Site, Service!, Branch, Staff, occurrences, rule, Zone, clock.GetCurrentInstant(), ct, trip);
        Message = Text.T("series-taken");
        Reviewing = true;
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    /// <summary>New files are stored at once and carried on as their ids, so later steps need not resend them.</summary>
    private async Task ReadFilesAsync(CancellationToken ct)
    {
        foreach (var field in Service!.Doc.Fields!.Where(f => f.Type == "file"))
        {
            var name = $"answer.{field.Key}";
            if (Request.Form.Files.GetFile(name) is { Length: > 0 } file)
            {
                var (upload, error) = await Uploads.UploadEndpoints.StoreAsync(db, Site!, file, TextSet.CurrentLanguage, clock.GetCurrentInstant(), ct);
                if (upload is null)
                {
                    Errors[name] = [error!];
                    Form.Answers.Remove(field.Key!);
                }
                else
                {
                    Form.Answers[field.Key!] = [upload.Id];
                }
            }
        }
        var ids = Service.Doc.Fields!.Where(f => f.Type == "file").Select(f => Form.Answer(f.Key!)).Where(id => id.Length > 0).ToList();
        if (ids.Count > 0)
        {
            foreach (var u in await db.Uploads.Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.FileName }).ToListAsync(ct))
            {
                FileNames[u.Id] = u.FileName;
            }
        }
    }

    private async Task<bool> LoadAsync(string? slug, string? service, string? branch, string? staff, string? tz, string? access, CancellationToken ct)
    {
        var catalog = await cache.GetAsync(db, ct);
        // Binding leaves the slug null when the form cannot be read (a NUL in a field, for one).
        CompiledPage? page = null;
        if (slug is not null)
        {
            catalog.Pages.TryGetValue(slug, out page);
        }
        EmbedPolicy.Apply(Response, page, HttpContext.RequestServices.GetService<Payments.StripeOptions>()?.CheckoutOrigin);
        if (page is null)
        {
            return false;
        }
        // A changed, expired or revoked link is no link: the plain public page, and nothing of the organization.
        if (access is not null && await Organizations.OrganizationAccess.ResolveAsync(db, page, access, clock.GetCurrentInstant(), ct) is { } member)
        {
            Access = member;
            page = member.View(member.View(null).ActiveService(service)?.Key);
            // The token is in this page's address: no other site hears of it, and no shared cache keeps the page.
            Response.Headers["Referrer-Policy"] = "no-referrer";
            Response.Headers.CacheControl = "no-store";
        }
        else if (access is not null)
        {
            DeadLink = true;
            Response.Headers["Referrer-Policy"] = "no-referrer";
        }
        Site = page;
        Zone = TimeFormats.Zone(tz) ?? page.Zone;
        Service = page.ActiveService(service) is { } chosen && page.IsPublic(chosen.Key) ? chosen : null;
        Branch = page.Branches.Count == 1 ? page.Branches[0].Key : page.Branches.Any(b => b.Key == branch) ? branch : null;
        Staff = Service is not null && staff is not null && StaffChoices.Any(s => s.Key == staff) ? staff : null;
        var also = Request.Query["also"].FirstOrDefault() ?? (Request.HasFormContentType ? Request.Form["also"].FirstOrDefault() : null);
        foreach (var key in (also ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct())
        {
            if (VisitChoices.FirstOrDefault(s => s.Key == key) is { } extra && Also.Count < Availability.PageEndpoints.MaxVisitParts - 1)
            {
                Also.Add(extra);
            }
        }
        return true;
    }

    /// <summary>Locates the address (cached geocoder, service area); false, with the address form to show, when it is missing or refused.</summary>
    private async Task<bool> LocateAsync(CancellationToken ct)
    {
        if (Address is null || Address.Length > 300)
        {
            AddressNeeded = true;
            return false;
        }
        var errors = new Errors();
        var place = await locator.LocateAsync(Site!, Address, null, null, errors, TextSet.CurrentLanguage, "", ct);
        if (errors.Any)
        {
            Errors["address"] = [.. errors.ToDictionary().SelectMany(kv => kv.Value)];
            AddressNeeded = true;
            return false;
        }
        _trip = Mobile.MobileServices.TripTo(Site!, place);
        Form = new BookingForm { Name = Form.Name, Email = Form.Email, Address = Address };
        return true;
    }

    private async Task BuildPickerAsync(string? date, string? from, CancellationToken ct)
    {
        if (Service is null || NeedsBranch)
        {
            return;
        }
        LocalDate? selected = TimeFormats.TryParseDate(date, out var d) ? d : null;
        LocalDate? strip = TimeFormats.TryParseDate(from, out var f) ? f : selected;
        Picker = await SlotPicker.BuildAsync(db, Site!, Service, Branch, Staff, Zone, strip, selected, clock.GetCurrentInstant(), ct, Visit, _trip);
    }

    private bool SelectStart(string? start)
    {
        if (Service is null || !TimeFormats.TryParseInstant(start, out var instant))
        {
            return false;
        }
        Start = TimeFormats.Format(instant, Zone);
        StartInstant = instant;
        return true;
    }

    /// <summary>
    /// A client signed in to this business's portal (its narrow <c>/book</c> cookie, see <see cref="ClientPortal.ClientPortalSetup.BookScheme"/>)
    /// finds their name, e-mail and phone filled in. Only a page opened on its own counts: inside a frame (the widget on
    /// some other site) the page stays blank. A filled page is never kept by any cache.
    /// </summary>
    private async Task FillFromPortalAsync(CancellationToken ct)
    {
        var dest = Request.Headers["Sec-Fetch-Dest"].ToString();
        if (dest is "iframe" or "frame" or "embed" or "object" || Request.Query.ContainsKey("embed") ||
            !Request.Cookies.ContainsKey(ClientPortal.ClientPortalSetup.BookCookieName))
        {
            return;
        }
        var session = await Microsoft.AspNetCore.Authentication.AuthenticationHttpContextExtensions.AuthenticateAsync(HttpContext, ClientPortal.ClientPortalSetup.BookScheme);
        if (!session.Succeeded || !await ClientPortal.PortalSwitch.IsOnAsync(db, cache, ct))
        {
            return;
        }
        var (client, _) = await ClientPortal.PortalSession.ResolveAsync(db, session.Principal, clock.GetCurrentInstant(), track: false, ct);
        if (client is null)
        {
            return;
        }
        PortalClient = client;
        Form = new BookingForm { Name = client.Name, Email = client.Email, Phone = client.Phone ?? "", Address = Form.Address };
        Response.Headers.CacheControl = "no-store";
    }

    private async Task SignInPortalAsync(CancellationToken ct)
    {
        if (!ClientPortal.PortalSwitch.IsOn(Site))
        {
            return; // The business switched its portal off: there is nothing to sign in to.
        }
        var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == Access!.Member.CustomerId, ct);
        if (customer is not null)
        {
            // The organization knows the member, so the link signs them in to see and book, but it does not prove the mailbox is
            // theirs: the session is marked as the link's (no password, no deleting the account) and ends when the link is revoked.
            var accounts = HttpContext.RequestServices.GetRequiredService<ClientPortal.ClientAccounts>();
            var account = await accounts.FindAsync(customer.Id, ct);
            await Microsoft.AspNetCore.Authentication.AuthenticationHttpContextExtensions.SignInAsync(HttpContext,
                ClientPortal.ClientPortalSetup.Scheme, accounts.Principal(customer, account, ClientPortal.ClientAccounts.OrganizationLinkMethod, Access!.LinkId));
        }
    }

    /// <summary>
    /// A posted service this visitor may not book here (one the organization's link does not offer, another organization's, one
    /// reserved or unknown): the page again (400) with its choice of services and the error at <c>service</c>, in the words the
    /// API answers with, so a form never tells more than the API does.
    /// </summary>
    private IActionResult ServiceRefused(string? service)
    {
        var errors = new Errors();
        BookingValidation.Validate(new BookingRequest { Service = service }, Site!, errors, admin: false, TextSet.CurrentLanguage);
        Errors["service"] = errors.ToDictionary().TryGetValue("service", out var messages) ? [.. messages] : [Text.T("choose-service")];
        Message = Text.T("fix-fields");
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private IActionResult NotFoundPage()
    {
        Site = null;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    /// <summary>The query values every link of this page carries, in their order (a link's changes replace them).</summary>
    private static readonly string[] LinkKeys = ["service", "branch", "staff", "tz", "lang", "date", "from", "access", "also", "address"];

    /// <summary>This request's link values, read once: a month view writes some eighty links.</summary>
    private string?[]? _linkValues;
    private SlotPickerModel? _linkPicker;

    /// <summary>A link to this page with some query values replaced (null removes one).</summary>
    public string Link(params (string Key, string? Value)[] changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (_linkValues is null || !ReferenceEquals(_linkPicker, Picker))
        {
            _linkPicker = Picker;
            _linkValues =
            [
                Service?.Key,
                Site?.Branches.Count > 1 ? Branch : null,
                Staff,
                Request.Query["tz"].FirstOrDefault(),
                Request.Query["lang"].FirstOrDefault(),
                Picker?.SelectedDate?.ToString("yyyy-MM-dd", null),
                Request.Query["from"].FirstOrDefault(),
                Access?.Token,
                AlsoValue,
                Address,
            ];
        }
        var link = new System.Text.StringBuilder(256).Append("/book/").Append(Site?.Slug);
        var first = true;
        for (var i = 0; i < LinkKeys.Length; i++)
        {
            var value = _linkValues[i];
            foreach (var (key, changed) in changes)
            {
                if (key == LinkKeys[i])
                {
                    value = changed;
                }
            }
            Links.Append(link, ref first, LinkKeys[i], value);
        }
        // Keys of no base value follow in the order given (the last change of a key wins, in its first place).
        for (var c = 0; c < changes.Length; c++)
        {
            var key = changes[c].Key;
            if (Array.IndexOf(LinkKeys, key) >= 0 || Array.FindIndex(changes, 0, c, x => x.Key == key) >= 0)
            {
                continue;
            }
            Links.Append(link, ref first, key, Array.FindLast(changes, x => x.Key == key).Value);
        }
        return link.ToString();
    }
}
