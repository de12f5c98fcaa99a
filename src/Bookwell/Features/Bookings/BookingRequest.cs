using System.Globalization;
using System.Text.Json;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using NodaTime;

namespace Bookwell.Features.Bookings;

public sealed class CustomerInput
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
}

public sealed class LocationInput
{
    public string? Address { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
    public string? Details { get; set; }
    /// <summary>Additive (issue 15): for a service of the client's choice, <c>mobile</c> (come to the address) or <c>onsite</c>.</summary>
    public string? Mode { get; set; }
}

/// <summary>The public booking body; the admin variant adds <c>page</c>, <c>walkIn</c> and <c>resources</c>.</summary>
public sealed class BookingRequest
{
    public string? Service { get; set; }
    public string? Start { get; set; }
    public string? Staff { get; set; }
    public string? Branch { get; set; }
    public string? TimeZone { get; set; }
    public CustomerInput? Customer { get; set; }
    public Dictionary<string, JsonElement>? Answers { get; set; }
    public string? Notes { get; set; }
    public bool? MarketingOptIn { get; set; }
    public bool? TermsAccepted { get; set; }
    public LocationInput? Location { get; set; }
    public string? Page { get; set; }
    public bool? WalkIn { get; set; }
    public List<string>? Resources { get; set; }
    /// <summary>Additive (contract 4.6): the token of an organization member's personal link.</summary>
    public string? Access { get; set; }
    /// <summary>Additive (issue 15): several services in one visit, in order; <c>service</c> is then omitted or the first.</summary>
    public List<string>? Services { get; set; }
}

/// <summary>A booking request that passed validation, with everything parsed.</summary>
public sealed record ValidBooking(
    CompiledPage Page,
    ServiceModel Service,
    Instant Start,
    string? Staff,
    string? Branch,
    DateTimeZone TimeZone,
    string CustomerName,
    string CustomerEmail,
    string? CustomerPhone,
    string AnswersJson,
    string? Notes,
    bool MarketingOptIn,
    bool TermsAccepted,
    string? LocationJson,
    bool WalkIn,
    IReadOnlyList<string>? Resources)
{
    /// <summary>SHA-256 (hex) of the page's terms text the client accepted; null when no terms were accepted.</summary>
    public string? TermsHash { get; init; }

    /// <summary>Contract 4.6: the organization (and member) whose personal link made the booking.</summary>
    public string? OrganizationKey { get; init; }
    public Guid? OrganizationMemberId { get; init; }
    public string? MemberNumber { get; init; }

    /// <summary>Several services in one visit (issue 15), in order, the first being <see cref="Service"/>; null for one service.</summary>
    public IReadOnlyList<ServiceModel>? Visit { get; init; }

    /// <summary>Issue 15: where a mobile booking happens, once located (<see cref="Mobile.MobileLocator"/>).</summary>
    public Scheduling.Travel.GeoPoint? Place { get; init; }

    /// <summary>The exact text as shown (UTF-8, unnormalised), so any change of wording gives another version.</summary>
    public static string HashTerms(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}

public static partial class BookingValidation
{
    /// <summary>
    /// Checks everything about a booking body except whether the time is free. Messages are in
    /// <paramref name="language"/>: English for the API, the visitor's language on the pages.
    /// </summary>
    public static ValidBooking? Validate(BookingRequest r, CompiledPage page, Errors e, bool admin, string language = "en")
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(e);
        string M(string english, params object?[] args) => Say(language, english, args);
        List<ServiceModel>? visit = null;
        if (r.Services is { Count: > 0 })
        {
            if (r.Services.Exists(k => k is null))
            {
                e.Add("services", M("Must not contain null."));
                return null;
            }
            if (r.Service is not null && r.Service != r.Services[0])
            {
                e.Add("service", "When 'services' is given, 'service' is omitted or names its first entry.");
            }
            r.Service = r.Services[0];
            visit = r.Services.Count > 1 ? Availability.PageEndpoints.VisitServices(page, r.Services, e) : null;
        }
        var service = page.ActiveService(r.Service);
        // Told "not online" only for a service the caller may know of: one reserved for an exclusive organization
        // answers as unknown, whatever else is true of it.
        var staffOnly = service is not null && !admin && page.StaffOnly.Contains(service.Key)
            && (page.Variant.Length > 0 || !page.Reserved.Contains(service.Key));
        if (service is not null && !admin && !page.IsPublic(service.Key))
        {
            // Reserved for an exclusive organization: to anyone without its link, the service is not there.
            // Booked by staff only (issue 15): not bookable online, and the client is told so.
            service = null;
        }
        if (string.IsNullOrWhiteSpace(r.Service))
        {
            e.Add("service", M("Required: the key of a service on this page."));
        }
        else if (staffOnly)
        {
            e.Add("service", M("'{0}' cannot be booked online; please contact the business to book it.", Truncate(r.Service)));
        }
        else if (service is null)
        {
            e.Add("service", M("No active service '{0}' on this page.", Truncate(r.Service)));
        }
        Instant start = default;
        if (r.Start is null && r.WalkIn != true)
        {
            e.Add("start", M("Required: the slot start as ISO-8601 with an offset."));
        }
        else if (r.Start is not null && !TimeFormats.TryParseInstant(r.Start, out start))
        {
            e.Add("start", M("Must be ISO-8601 with an offset, such as 2027-03-29T09:00:00+02:00, {0}.", TimeFormats.RangeHint));
        }
        var zone = r.TimeZone is null ? page.Zone : TimeFormats.Zone(r.TimeZone);
        if (zone is null)
        {
            e.Add("timeZone", M("Must be an IANA time zone id such as Europe/Amsterdam."));
        }
        if (r.Branch is not null && page.Branches.All(b => b.Key != r.Branch))
        {
            e.Add("branch", M("No active branch '{0}' on this page.", Truncate(r.Branch)));
        }
        if (r.Staff is not null && visit is not null)
        {
            if (visit.All(v => page.StaffFor(v.Key).All(s => s.Key != r.Staff)))
            {
                e.Add("staff", M("'{0}' does not offer this service.", Truncate(r.Staff)));
            }
        }
        else if (r.Staff is not null && service is not null && page.StaffFor(service.Key).All(s => s.Key != r.Staff))
        {
            e.Add("staff", M("'{0}' does not offer this service.", Truncate(r.Staff)));
        }
        if (r.Resources is not null)
        {
            if (!admin)
            {
                e.Add("resources", M("Only operators choose resources."));
            }
            foreach (var key in r.Resources.Where(k => page.Resources.All(x => x.Key != k)))
            {
                e.Add("resources", key is null ? M("Must not contain null.") : M("Unknown resource '{0}'.", Truncate(key)));
            }
        }
        var c = r.Customer;
        if (c is null)
        {
            e.Add("customer", M("Required: name and e-mail address."));
        }
        else
        {
            if (ContactRules.NameProblem(c.Name) is { } nameProblem)
            {
                e.Add("customer.name", Words.Get(nameProblem, language));
            }
            if (string.IsNullOrWhiteSpace(c.Email))
            {
                // A walk-in may leave no address: it books under the business's one walk-in client.
                if (!(admin && r.WalkIn == true))
                {
                    e.Add("customer.email", M("Required."));
                }
            }
            else if (!ContactRules.IsEmail(c.Email.Trim()))
            {
                e.Add("customer.email", M(ContactRules.EmailMessage));
            }
            if (!string.IsNullOrWhiteSpace(c.Phone) && !ContactRules.IsPhone(c.Phone, ContactRules.RegionOf(page.Zone)))
            {
                e.Add("customer.phone", M(ContactRules.PhoneMessage));
            }
        }
        if (r.Notes is { Length: > 2000 })
        {
            e.Add("notes", M("At most {0} characters.", 2000));
        }
        if (page.Doc.Settings!.TermsRequired == true && r.TermsAccepted != true && !admin)
        {
            e.Add("termsAccepted", M("The terms must be accepted to book."));
        }
        string? locationJson = null;
        if (r.Location?.Mode is { } locationMode && locationMode is not ("onsite" or "mobile"))
        {
            e.Add("location.mode", M("Must be onsite or mobile."));
        }
        if (service is not null && Mobile.MobileServices.AtClient(page, service, r.Location?.Mode) && !(admin && r.WalkIn == true))
        {
            locationJson = ValidateLocation(r.Location, e, language);
        }
        if (visit is not null && visit.Exists(s => Mobile.MobileServices.AtClient(page, s, r.Location?.Mode)))
        {
            // Travel is held per booking, not per part: a visit is booked at the business.
            e.Add("services", M("A visit of several services takes place at the business, not at the client's address."));
        }
        // A walk-in is standing at the desk: the questions are for online clients.
        // A visit asks every part's questions (a key shared by two services is asked once).
        var fields = visit is not null ? [.. visit.SelectMany(v => v.Doc.Fields!).DistinctBy(f => f.Key)] : service?.Doc.Fields;
        var answers = fields is null ? "{}" : ValidateAnswers(r.Answers, fields, e, requireFields: !(admin && r.WalkIn == true), language);
        if (e.Any || service is null || c is null || zone is null)
        {
            return null;
        }
        return new ValidBooking(page, service, start, r.Staff, r.Branch, zone, c.Name!.Trim(),
            string.IsNullOrWhiteSpace(c.Email) ? CustomerBook.WalkInEmail : c.Email.Trim(),
            string.IsNullOrWhiteSpace(c.Phone) ? null : c.Phone.Trim(), answers, string.IsNullOrEmpty(r.Notes) ? null : r.Notes,
            r.MarketingOptIn == true, r.TermsAccepted == true, locationJson, admin && r.WalkIn == true, r.Resources)
        {
            TermsHash = r.TermsAccepted == true && page.Doc.Settings!.TermsText is { } terms ? ValidBooking.HashTerms(terms) : null,
            Visit = visit,
        };
    }

    /// <summary>A client's address for a service at their place, field by field under <c>location.</c>; its stored JSON.</summary>
    public static string? ValidateLocation(LocationInput? location, Errors e, string language)
    {
        string M(string english, params object?[] args) => Say(language, english, args);
        if (location is null || string.IsNullOrWhiteSpace(location.Address))
        {
            e.Add("location.address", M("Required: where we should come to."));
            return null;
        }
        if (location.Address.Length > 300)
        {
            e.Add("location.address", M("At most {0} characters.", 300));
        }
        if (location.Latitude is not null != location.Longitude is not null)
        {
            e.Add("location", M("Give both latitude and longitude, or neither."));
        }
        if (location.Latitude is < -90 or > 90 || (location.Latitude is { } la && double.IsNaN(la)))
        {
            e.Add("location.latitude", M("Must be between -90 and 90."));
        }
        if (location.Longitude is < -180 or > 180 || (location.Longitude is { } lo && double.IsNaN(lo)))
        {
            e.Add("location.longitude", M("Must be between -180 and 180."));
        }
        if (location.Details is { Length: > 300 })
        {
            e.Add("location.details", M("At most {0} characters.", 300));
        }
        return JsonSerializer.Serialize(location, Json.Options);
    }

    private static string ValidateAnswers(Dictionary<string, JsonElement>? answers, List<FieldDoc> fields, Errors e, bool requireFields, string language)
    {
        string M(string english, params object?[] args) => Say(language, english, args);
        answers ??= [];
        var clean = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in answers.Keys.Where(k => fields.All(f => f.Key != k)))
        {
            e.Add($"answers.{Truncate(key)}", M("Unknown field for this service."));
        }
        foreach (var f in fields)
        {
            var path = $"answers.{f.Key}";
            var present = answers.TryGetValue(f.Key!, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
            if (!present)
            {
                if (f.Required == true && requireFields)
                {
                    e.Add(path, M("'{0}' is required.", f.Label));
                }
                continue;
            }
            if (!Decodable(v))
            {
                e.Add(path, M("Must be valid Unicode text."));
                continue;
            }
            switch (f.Type)
            {
                case "file":
                    if (v.ValueKind != JsonValueKind.String || v.GetString() is not { Length: 32 } id || !id.All(char.IsAsciiHexDigitLower))
                    {
                        e.Add(path, M("Must be the id returned by the upload endpoint."));
                    }
                    else
                    {
                        clean[f.Key!] = id;
                    }
                    break;
                case "text" or "longtext":
                    var max = f.Type == "longtext" ? 5000 : 500;
                    if (v.ValueKind != JsonValueKind.String)
                    {
                        e.Add(path, M("Must be text."));
                    }
                    else if (v.GetString()!.Length > max)
                    {
                        e.Add(path, M("At most {0} characters.", max));
                    }
                    else if (f.Required == true && string.IsNullOrWhiteSpace(v.GetString()))
                    {
                        e.Add(path, M("'{0}' is required.", f.Label));
                    }
                    else
                    {
                        clean[f.Key!] = v.GetString();
                    }
                    break;
                case "number":
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var number))
                    {
                        clean[f.Key!] = number;
                    }
                    else if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out number))
                    {
                        clean[f.Key!] = number;
                    }
                    else
                    {
                        e.Add(path, M("Must be a number."));
                    }
                    break;
                case "choice":
                    if (v.ValueKind != JsonValueKind.String || !f.Options!.Contains(v.GetString()!))
                    {
                        e.Add(path, M("Must be one of: {0}.", string.Join(", ", f.Options!)));
                    }
                    else
                    {
                        clean[f.Key!] = v.GetString();
                    }
                    break;
                case "multichoice":
                    if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || !f.Options!.Contains(x.GetString()!)))
                    {
                        e.Add(path, M("Must be a list drawn from: {0}.", string.Join(", ", f.Options!)));
                    }
                    else if (f.Required == true && v.GetArrayLength() == 0)
                    {
                        e.Add(path, M("'{0}' needs at least one choice.", f.Label));
                    }
                    else
                    {
                        clean[f.Key!] = v.EnumerateArray().Select(x => x.GetString()).Distinct().ToArray();
                    }
                    break;
                case "checkbox":
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        e.Add(path, M("Must be true or false."));
                    }
                    else if (f.Required == true && v.ValueKind == JsonValueKind.False)
                    {
                        e.Add(path, M("'{0}' must be ticked.", f.Label));
                    }
                    else
                    {
                        clean[f.Key!] = v.GetBoolean();
                    }
                    break;
                case "date":
                    if (v.ValueKind != JsonValueKind.String || !TimeFormats.TryParseDate(v.GetString(), out _))
                    {
                        e.Add(path, M("Must be a date as YYYY-MM-DD."));
                    }
                    else
                    {
                        clean[f.Key!] = v.GetString();
                    }
                    break;
            }
        }
        return JsonSerializer.Serialize(clean, Json.Options);
    }

    /// <summary>
    /// JSON may escape half of a surrogate pair (\ud800); the parser accepts it, but reading the string throws,
    /// so answers are checked before any of them is read.
    /// </summary>
    private static bool Decodable(JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    _ = v.GetString();
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            case JsonValueKind.Array:
                return v.EnumerateArray().All(Decodable);
            case JsonValueKind.Object:
                return v.EnumerateObject().All(p => Decodable(p.Value));
            default:
                return true;
        }
    }

    private static string Truncate(string s) => s.Length > 64 ? s[..64] + "…" : s;

    private static TextSet Words => BookingRuleText.Words;

    /// <summary>A rule's message in <paramref name="language"/>; numbers stay as the API has always written them.</summary>
    private static string Say(string language, string english, object?[] args) =>
        Words.FormatIn(language, CultureInfo.InvariantCulture, english, args);
}
