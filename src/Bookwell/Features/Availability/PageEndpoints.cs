using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Intervals;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Bookwell.Features.Availability;

public sealed record StaffRef(string Key, string Name);

public sealed record PublicField(string Key, string Label, string Type, IReadOnlyList<string>? Options, bool Required);

public sealed record PublicService(string Key, string Name, string? Description, int DurationMinutes, MoneyDoc? Price, string Payment,
    MoneyDoc? Deposit, int Capacity, bool RequiresStaff, IReadOnlyList<PublicField> Fields, IReadOnlyList<StaffRef> Staff, IReadOnlyList<string> Branches);

public sealed record PublicBranch(string Key, string Name, string? Address, string? City, string? Phone);

public sealed record PublicSettings(int HorizonDays, int SlotIntervalMinutes, int MinNoticeMinutes, IReadOnlyList<string> AllowedDays,
    bool TermsRequired, string? TermsText);

public sealed record PublicBranding(string Theme, string Accent, string? AccentColor, string? LogoUrl, string? HeroTitle, string? HeroDescription,
    string? ConfirmationMessage, string? PrivacyPolicyUrl);

public sealed record PublicPage(string Slug, string Name, string? Description, string TimeZone, LocationDoc Location, PublicBranding Branding,
    PublicSettings Settings, IReadOnlyList<PublicService> Services, IReadOnlyList<PublicBranch> Branches, IReadOnlyList<StaffRef> Staff);

public sealed record SlotView(string Start, string End, IReadOnlyList<string> Staff, int Remaining);

/// <summary>Issue 15: the client's address (or pin) and, for a service of the client's choice, the mode, as /slots reads them.</summary>
public sealed record MobileQuery(string? Address, string? Latitude, string? Longitude, string? Mode);

public sealed record SlotsResponse(string TimeZone, IReadOnlyList<SlotView> Slots);

public static class PageEndpoints
{
    public const int MaxDaysPerRequest = 62;
    public const string PublicReads = "public-reads";

    public static RouteGroupBuilder MapPages(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var pages = api.MapGroup("/pages/{slug}").WithTags("Booking page");
        // Page and slots are public, read-only and carry no credentials, so any origin may read them.
        pages.MapGet("", GetPage).WithName("GetPage").RequireRateLimiting(RateLimits.Manage).RequireCors(PublicReads);
        pages.MapGet("/slots", GetSlots).WithName("GetSlots").RequireRateLimiting(RateLimits.Slots).RequireCors(PublicReads)
            .Produces<SlotsResponse>().Produces(StatusCodes.Status304NotModified).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Results<Ok<PublicPage>, ProblemHttpResult>> GetPage(string slug, string? access, BookwellDb db, CatalogCache cache, IClock clock,
        HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            return Problems.NotFound($"No booking page '{Clip(slug)}'.");
        }
        // Contract 4.6: with a member's link, the page as the link shows it; any other token is no token.
        if (access is not null && await Organizations.OrganizationAccess.ResolveAsync(db, page, access, clock.GetCurrentInstant(), ct) is { } member)
        {
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(ToPublic(member.View(null)));
        }
        return TypedResults.Ok(ToPublic(page));
    }

    public static PublicPage ToPublic(CompiledPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var d = page.Doc;
        var s = d.Settings!;
        var services = page.Services.Values.Where(x => x.Doc.Active != false && page.IsPublic(x.Key)).Select(x =>
        {
            var staff = x.Rules.RequiresStaff ? page.StaffFor(x.Key).Select(m => new StaffRef(m.Key, m.Name)).ToList() : [];
            var branches = page.Branches.Select(b => b.Key)
                .Where(b => !x.Rules.RequiresStaff || page.StaffFor(x.Key).Any(m => m.Branch is null || m.Branch == b)).ToList();
            return new PublicService(x.Key, x.Doc.Name!, x.Doc.Description, x.Doc.DurationMinutes!.Value, x.Doc.Price, x.Doc.Payment!, x.Doc.Deposit,
                x.Rules.Capacity, x.Rules.RequiresStaff,
                x.Doc.Fields!.Select(f => new PublicField(f.Key!, f.Label!, f.Type!, f.Options, f.Required == true)).ToList(), staff, branches);
        }).ToList();
        var location = new LocationDoc { Mode = d.Location!.Mode, Details = d.Location.Details };
        var b = d.Branding!;
        var branding = new PublicBranding(b.Theme!, BookingPage.Branding.Accent(b), b.AccentColor, b.LogoUrl, b.HeroTitle, b.HeroDescription,
            b.ConfirmationMessage, b.PrivacyPolicyUrl);
        return new PublicPage(page.Slug, d.Name!, d.Description, d.TimeZone!, location, branding,
            new PublicSettings(s.HorizonDays!.Value, s.SlotIntervalMinutes!.Value, s.MinNoticeMinutes!.Value, s.AllowedDays!, s.TermsRequired == true, s.TermsText),
            services,
            page.Branches.Select(b => new PublicBranch(b.Key, b.Doc.Name!, b.Doc.Address, b.Doc.City, b.Doc.Phone)).ToList(),
            page.Staff.Where(m => m.Doc.Active != false).Select(m => new StaffRef(m.Key, m.Name)).ToList());
    }

    /// <summary>
    /// The contract's slots. Public answers carry an ETag that is a hash of their bytes, so a client polling with
    /// If-None-Match gets a 304 exactly when nothing it would see changed; the JSON (and its tag) is written once per
    /// cached answer with a UTF-8 writer and handed out as bytes after that.
    /// </summary>
    public static async Task<IResult> GetSlots(string slug, string? service, string? from, string? to,
        string? timeZone, string? staff, string? branch, string? access, string? address, string? latitude, string? longitude, string? locationMode,
        BookwellDb db, CatalogCache cache, IClock clock, Mobile.MobileLocator locator, HttpContext http, CancellationToken ct,
        string[]? services = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var (problem, found) = await FindSlotsAsync(slug, service, from, to, timeZone, staff, branch, access, db, cache, clock, ct, SplitKeys(services),
            new MobileQuery(address, latitude, longitude, locationMode), locator);
        if (found is not { } f)
        {
            return problem!;
        }
        var (page, zone, answer) = f;
        if (page.Variant.Length > 0)
        {
            // A member's own answer: kept by no shared cache, and never validated against a public ETag.
            http.Response.Headers.CacheControl = "no-store";
        }
        if (answer.Trip is { } trip && trip.Zone == zone)
        {
            // A mobile answer: made for this request's address alone and never kept, so it is written into a pooled buffer
            // and sent from there, from pieces prepared with the question; its tag is still the hash of its bytes.
            var body = new PooledJson(8192);
            trip.WriteJson(body);
            return page.Variant.Length == 0 ? Tagged(http, ContentTag(body.Written), body) : body;
        }
        var json = answer.Json ??= SlotsJson(zone, answer.Slots, answer.Visits, answer.VisitServices,
            answer.VisitServices is { } parts ? Bookings.Visits.Billing([.. parts.Select(k => page.Services[k].Doc)]) : null);
        var bytes = TypedResults.Bytes(json, "application/json; charset=utf-8");
        return page.Variant.Length == 0 ? Tagged(http, answer.Tag ??= ContentTag(json), bytes) : bytes;
    }

    /// <summary>A public answer with its ETag, or 304 when the client already holds those bytes.</summary>
    private static IResult Tagged(HttpContext http, string tag, IResult body)
    {
        http.Response.Headers.ETag = tag;
        // Revalidate every time: the tag is cheap to check and a stale slot is what this must never show.
        http.Response.Headers.CacheControl = "no-cache";
        // If-None-Match compares weakly (RFC 9110 13.1.2): a proxy that marked the tag weak (W/) still gets its 304.
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Select(t => t.Trim()).Any(t =>
                t == "*" || (t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t) == tag)))
        {
            (body as PooledJson)?.Release();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return body;
    }

    /// <summary>A strong ETag of a representation: the first 128 bits of its SHA-256, in hex.</summary>
    private static string ContentTag(ReadOnlySpan<byte> body) =>
        "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body), 0, 16) + "\"";

    /// <summary>
    /// The slots question checked and answered, without the HTTP caching around it: a problem for bad input, or the
    /// page (as the member's link shows it), the answer's zone and the answer. The MCP tool <c>find_slots</c> calls it too.
    /// </summary>
    public static async Task<(ProblemHttpResult? Problem, (CompiledPage Page, DateTimeZone Zone, SlotAnswer Answer)? Found)> FindSlotsAsync(
        string slug, string? service, string? from, string? to, string? timeZone, string? staff, string? branch, string? access,
        BookwellDb db, CatalogCache cache, IClock clock, CancellationToken ct, IReadOnlyList<string>? services = null,
        MobileQuery? mobile = null, Mobile.MobileLocator? locator = null)
    {
        ArgumentNullException.ThrowIfNull(slug);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(clock);
        var catalog = await cache.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(slug, out var page))
        {
            return (Problems.NotFound($"No booking page '{Clip(slug)}'."), null);
        }
        // Contract 4.6: a member's link shows the organization's time slots (and only its services, inside its
        // window); without a valid one - changed, expired, revoked - the answer is the public page's.
        if (access is not null && await Organizations.OrganizationAccess.ResolveAsync(db, page, access, clock.GetCurrentInstant(), ct) is { } member)
        {
            page = member.View(service);
        }
        var e = new Errors();
        if (services is { Count: > 0 })
        {
            // Several services in one visit (issue 15): `service`, when given too, must be the first of them.
            if (service is not null && service != services[0])
            {
                e.Add("service", "When 'services' is given, 'service' is omitted or names its first entry.");
            }
            service = services[0];
        }
        var visit = services is { Count: > 1 } ? VisitServices(page, services, e) : null;
        var svc = page.ActiveService(service);
        if (svc is not null && !page.IsPublic(svc.Key))
        {
            svc = null;
        }
        if (string.IsNullOrEmpty(service))
        {
            e.Add("service", "Required: the key of a service on this page.");
        }
        else if (svc is null)
        {
            return (Problems.NotFound($"No active service '{Clip(service)}' on this page."), null);
        }
        var zone = timeZone is null ? page.Zone : TimeFormats.Zone(timeZone);
        if (zone is null)
        {
            e.Add("timeZone", "Must be an IANA time zone id such as Europe/Amsterdam.");
        }
        if (!TimeFormats.TryParseDate(from, out var fromDate))
        {
            e.Add("from", $"Required: a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
        }
        if (!TimeFormats.TryParseDate(to, out var toDate))
        {
            e.Add("to", $"Required: a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
        }
        if (!e.Any && toDate < fromDate)
        {
            e.Add("to", "Must not be before 'from'.");
        }
        else if (!e.Any && Period.Between(fromDate, toDate, PeriodUnits.Days).Days + 1 > MaxDaysPerRequest)
        {
            e.Add("to", $"At most {MaxDaysPerRequest} days per request.");
        }
        if (staff is not null && visit is not null && visit.All(v => page.StaffFor(v.Key).All(s => s.Key != staff)))
        {
            e.Add("staff", $"'{Clip(staff)}' offers none of these services.");
        }
        else if (staff is not null && visit is null && svc is not null && page.StaffFor(svc.Key).All(s => s.Key != staff))
        {
            e.Add("staff", $"'{Clip(staff)}' does not offer this service.");
        }
        if (branch is not null && page.Branches.All(b => b.Key != branch))
        {
            e.Add("branch", $"No active branch '{Clip(branch)}' on this page.");
        }
        Scheduling.Travel.Trip? trip = null;
        if (!e.Any && svc is not null && visit is null)
        {
            trip = await MobileTripAsync(page, svc, mobile ?? new MobileQuery(null, null, null, null), locator ?? new Mobile.MobileLocator(), e, ct);
        }
        if (e.Any || svc is null || zone is null)
        {
            return (Problems.Validation(e), null);
        }
        var answer = visit is not null
            ? await AvailabilityLoader.VisitAnswerAsync(db, page, visit, branch, staff, zone, fromDate, toDate, clock.GetCurrentInstant(), ct)
            : await AvailabilityLoader.AnswerAsync(db, page, svc, branch, staff, zone, fromDate, toDate, clock.GetCurrentInstant(), ct, trip);
        return (null, (page, zone, answer));
    }

    /// <summary>At most this many services in one visit.</summary>
    public const int MaxVisitParts = 5;

    /// <summary>Query values "a,b" and "a&amp;services=b" alike, as one list of keys; null when absent.</summary>
    public static IReadOnlyList<string>? SplitKeys(string[]? values) =>
        values is null or { Length: 0 } ? null
            : [.. values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];

    /// <summary>
    /// The services of a visit, checked: each active and public on the page, none twice, none a class or paid online
    /// (<see cref="Bookings.Visits.Unfit"/>), at most <see cref="MaxVisitParts"/>. Errors go under <c>services</c>.
    /// </summary>
    public static List<ServiceModel>? VisitServices(CompiledPage page, IReadOnlyList<string> keys, Errors e)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(e);
        if (keys.Count > MaxVisitParts)
        {
            e.Add("services", $"At most {MaxVisitParts} services in one visit.");
            return null;
        }
        var result = new List<ServiceModel>(keys.Count);
        foreach (var key in keys)
        {
            var s = page.ActiveService(key);
            if (s is null || !page.IsPublic(s.Key))
            {
                e.Add("services", $"No active service '{Clip(key ?? "")}' on this page.");
            }
            else if (result.Contains(s))
            {
                e.Add("services", $"'{Clip(key!)}' is listed twice.");
            }
            else if ((Bookings.Visits.Unfit(s) ?? (Mobile.MobileServices.ModeOf(page, s) == "mobile" ? "done at the client's address" : null)) is { } why)
            {
                e.Add("services", $"'{Clip(key!)}' cannot be part of a visit of several services: it is {why}.");
            }
            else
            {
                result.Add(s);
            }
        }
        if (result.Count != keys.Count)
        {
            return null;
        }
        if (Bookings.Visits.MixedCurrencies(result.Select(s => s.Doc)))
        {
            // One visit is one payment and one invoice, in one currency.
            e.Add("services", "The services of one visit must be priced in one currency: " +
                string.Join(", ", result.Where(s => s.Doc.Price?.Currency is not null).Select(s => $"'{s.Key}' is in {s.Doc.Price!.Currency}")) + ".");
            return null;
        }
        return result;
    }

    /// <summary>
    /// Issue 15: a service that comes to the client needs the address before times can be offered (travel from and to
    /// the other clients depends on it). <c>mobile</c> services require <c>address</c> (or <c>latitude</c> and
    /// <c>longitude</c>); a service of the client's choice is mobile with <c>locationMode=mobile</c>, or when an address
    /// is given without a mode. Errors go under <c>address</c>, <c>latitude</c>, <c>longitude</c> and <c>locationMode</c>.
    /// </summary>
    private static async Task<Scheduling.Travel.Trip?> MobileTripAsync(CompiledPage page, ServiceModel svc, MobileQuery q, Mobile.MobileLocator locator,
        Errors e, CancellationToken ct)
    {
        if (q.Mode is not (null or "onsite" or "mobile"))
        {
            e.Add("locationMode", "Must be onsite or mobile.");
            return null;
        }
        var given = !string.IsNullOrWhiteSpace(q.Address) || q.Latitude is not null || q.Longitude is not null;
        if (!Mobile.MobileServices.AtClient(page, svc, q.Mode ?? (given ? "mobile" : null)))
        {
            return null;
        }
        if (q.Address is { Length: > 300 })
        {
            e.Add("address", "At most 300 characters.");
            return null;
        }
        double? lat = null, lon = null;
        if (q.Latitude is not null || q.Longitude is not null)
        {
            if (!double.TryParse(q.Latitude, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var la) || la is < -90 or > 90)
            {
                e.Add("latitude", "Must be between -90 and 90 (give latitude and longitude together).");
            }
            if (!double.TryParse(q.Longitude, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lo) || lo is < -180 or > 180)
            {
                e.Add("longitude", "Must be between -180 and 180 (give latitude and longitude together).");
            }
            if (e.Any)
            {
                return null;
            }
            (lat, lon) = (la, lo);
        }
        if (!given)
        {
            // A page-wide mobile location without the new settings keeps its old answer (times without travel).
            if (Mobile.MobileServices.AddressFirst(page, svc))
            {
                e.Add("address", "Required for a service at the client's address: the address we come to (or latitude and longitude).");
            }
            return null;
        }
        var place = await locator.LocateAsync(page, q.Address, lat, lon, e, "en", "", ct);
        return Mobile.MobileServices.TripTo(page, place);
    }

    private static readonly System.Text.Json.JsonEncodedText StartName = System.Text.Json.JsonEncodedText.Encode("start");
    private static readonly System.Text.Json.JsonEncodedText EndName = System.Text.Json.JsonEncodedText.Encode("end");
    private static readonly System.Text.Json.JsonEncodedText StaffName = System.Text.Json.JsonEncodedText.Encode("staff");
    private static readonly System.Text.Json.JsonEncodedText RemainingName = System.Text.Json.JsonEncodedText.Encode("remaining");

    /// <summary>The contract's slots shape (camelCase, as <see cref="SlotsResponse"/>), written straight to UTF-8.</summary>
    public static byte[] SlotsJson(DateTimeZone zone, IReadOnlyList<Scheduling.Slots.Slot> slots, IReadOnlyList<Scheduling.Slots.VisitSlot>? visits = null,
        IReadOnlyList<string>? keys = null, ServiceDoc? visitBilling = null)
    {
        ArgumentNullException.ThrowIfNull(slots);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + (slots.Count * 160));
        SlotsJson(buffer, zone, slots, visits, keys, visitBilling);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>As the other overload, into <paramref name="buffer"/>.</summary>
    private static void SlotsJson(System.Buffers.IBufferWriter<byte> buffer, DateTimeZone zone, IReadOnlyList<Scheduling.Slots.Slot> slots,
        IReadOnlyList<Scheduling.Slots.VisitSlot>? visits, IReadOnlyList<string>? keys, ServiceDoc? visitBilling)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(slots);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("timeZone", zone.Id);
            w.WriteStartArray("slots");
            var index = 0;
            foreach (var s in slots)
            {
                w.WriteStartObject();
                w.WriteString(StartName, TimeFormats.Format(s.Start, zone));
                w.WriteString(EndName, TimeFormats.Format(s.End, zone));
                w.WriteStartArray(StaffName);
                foreach (var key in s.Staff)
                {
                    w.WriteStringValue(key);
                }
                w.WriteEndArray();
                w.WriteNumber(RemainingName, s.Remaining);
                if (visits is not null)
                {
                    // Additive (issue 15): each part of the visit at this start, with the staff able to take it.
                    w.WriteStartArray("parts");
                    var v = visits[index];
                    for (var p = 0; p < v.Parts.Count; p++)
                    {
                        var part = v.Parts[p];
                        w.WriteStartObject();
                        w.WriteString("service", keys![p]);
                        w.WriteString("start", TimeFormats.Format(part.Start, zone));
                        w.WriteString("end", TimeFormats.Format(part.End, zone));
                        w.WriteStartArray("staff");
                        foreach (var key in part.Staff)
                        {
                            w.WriteStringValue(key);
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                index++;
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (visitBilling is { Price: { Amount: { } total, Currency: { } currency } })
            {
                // Additive (issue 15): what the visit costs and what is paid when booking it, before the client commits.
                var dueNow = Payments.PaymentCheckout.Charge(visitBilling) is { } charge ? charge.Now : 0m;
                w.WriteStartObject("price");
                w.WriteString("payment", visitBilling.Payment);
                WriteMoney(w, "total", total, currency);
                WriteMoney(w, "dueNow", dueNow, currency);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
    }

    private static void WriteMoney(System.Text.Json.Utf8JsonWriter w, string name, decimal amount, string currency)
    {
        w.WriteStartObject(name);
        w.WriteNumber("amount", Payments.MinorUnits.Round(amount, currency));
        w.WriteString("currency", currency);
        w.WriteEndObject();
    }

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;
}
