using System.Globalization;
using System.Text.Json;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Bookwell.Features.BookingPage;

/// <summary>The details form as posted, turned into the same request the JSON API validates.</summary>
public sealed class BookingForm
{
    public string Name { get; init; } = "";
    public string Email { get; init; } = "";
    public string Phone { get; init; } = "";
    public string Notes { get; init; } = "";
    public bool Marketing { get; init; }
    public bool Terms { get; init; }
    public string Address { get; init; } = "";
    public string Latitude { get; init; } = "";
    public string Longitude { get; init; } = "";
    public Dictionary<string, string[]> Answers { get; init; } = new(StringComparer.Ordinal);

    public string Answer(string key) => Answers.TryGetValue(key, out var v) && v.Length > 0 ? v[0] : "";

    public bool Has(string key, string option) => Answers.TryGetValue(key, out var v) && v.Contains(option);

    public static BookingForm Read(IFormCollection form, ServiceModel? service, IEnumerable<FieldDoc>? fields = null)
    {
        ArgumentNullException.ThrowIfNull(form);
        string F(string key) => form[key].ToString().Trim();
        var answers = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var field in fields ?? service?.Doc.Fields ?? [])
        {
            var values = form[$"answer.{field.Key}"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToArray();
            if (values.Length > 0)
            {
                answers[field.Key!] = values;
            }
        }
        return new BookingForm
        {
            Name = F("name"),
            Email = F("email"),
            Phone = F("phone"),
            Notes = F("notes"),
            Marketing = form["marketing"] == "true",
            Terms = form["terms"] == "true",
            Address = F("address"),
            Latitude = F("lat"),
            Longitude = F("lng"),
            Answers = answers,
        };
    }

    public BookingRequest ToRequest(ServiceModel service, string start, string? staff, string? branch, string timeZone, bool mobile,
        IEnumerable<FieldDoc>? fields = null, string? mode = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        var answers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var field in fields ?? service.Doc.Fields ?? [])
        {
            var key = field.Key!;
            object? value = field.Type switch
            {
                "checkbox" => Answer(key) == "true",
                "multichoice" => Answers.TryGetValue(key, out var many) ? many : null,
                "number" => decimal.TryParse(Answer(key), NumberStyles.Number, CultureInfo.InvariantCulture, out var n) ? n : NullIfEmpty(Answer(key)),
                "file" => NullIfEmpty(Answer(key)),
                _ => NullIfEmpty(Answer(key)),
            };
            if (value is not null && !(field.Type == "checkbox" && value is false && field.Required != true))
            {
                answers[key] = JsonSerializer.SerializeToElement(value, Json.Options);
            }
        }
        return new BookingRequest
        {
            Service = service.Key,
            Start = start,
            Staff = staff,
            Branch = branch,
            TimeZone = timeZone,
            Customer = new CustomerInput { Name = Name, Email = Email, Phone = NullIfEmpty(Phone) },
            Answers = answers,
            Notes = NullIfEmpty(Notes),
            MarketingOptIn = Marketing,
            TermsAccepted = Terms,
            Location = mobile
                ? new LocationInput
                {
                    Address = NullIfEmpty(Address),
                    Latitude = double.TryParse(Latitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var la) ? la : null,
                    Longitude = double.TryParse(Longitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lo) ? lo : null,
                    Mode = mode,
                }
                : null,
        };
    }

    /// <summary>API error paths mapped onto the form's input names, so each message sits by its field.</summary>
    public static string FieldFor(string path) => path switch
    {
        "customer.name" or "customer" => "name",
        "customer.email" => "email",
        "customer.phone" => "phone",
        "termsAccepted" => "terms",
        "location.address" or "location" => "address",
        "location.latitude" => "lat",
        "location.longitude" => "lng",
        _ when path.StartsWith("answers.", StringComparison.Ordinal) => "answer." + path[8..],
        _ => path,
    };

    private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
