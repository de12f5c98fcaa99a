using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Bookwell.Tests.Infrastructure;

/// <summary>Documents and bodies as raw JSON, the way an outside client sends them.</summary>
public static class TestData
{
    public const string Slug = "salon";

    public static JsonObject Config() => JsonNode.Parse("""
    {
      "pages": [{
        "slug": "salon",
        "name": "Test Salon",
        "description": "A salon for tests",
        "timeZone": "Europe/Amsterdam",
        "location": { "mode": "in-person", "details": "Main street 1" },
        "branding": { "theme": "ocean", "accentColor": "#0E7490", "logoUrl": null, "heroTitle": "Book", "heroDescription": null,
                      "confirmationMessage": "See you soon!", "privacyPolicyUrl": null },
        "settings": { "horizonDays": 60, "slotIntervalMinutes": 30, "bufferMinutes": 0, "minNoticeMinutes": 0,
                      "allowedDays": ["mon","tue","wed","thu","fri","sat"], "termsRequired": false, "termsText": null },
        "schedule": { "mon": [["09:00","17:00"]], "tue": [["09:00","12:00"],["13:00","17:00"]], "wed": [["09:00","17:00"]],
                      "thu": [["09:00","17:00"]], "fri": [["07:30","09:30"]], "sat": [["10:00","14:00"]] },
        "exceptions": [ { "date": "2027-03-10", "closed": true }, { "date": "2027-03-11", "hours": [["09:00","10:00"]] } ],
        "branches": [],
        "services": [
          { "key": "haircut", "name": "Haircut", "description": "Wash, cut and style", "durationMinutes": 30,
            "price": { "amount": 25.00, "currency": "EUR" }, "payment": "none", "deposit": null,
            "bufferBeforeMinutes": 0, "bufferAfterMinutes": 0, "minNoticeMinutes": 60, "maxAdvanceDays": 60, "slotIntervalMinutes": 30,
            "capacity": 1, "requiresStaff": true, "resourceTypes": ["chair"],
            "fields": [ { "key": "hairLength", "label": "Hair length", "type": "choice", "options": ["short","medium","long"], "required": true },
                        { "key": "photo", "label": "Photo", "type": "file", "required": false } ],
            "active": true },
          { "key": "consult", "name": "Consultation", "durationMinutes": 60, "price": { "amount": 0, "currency": "EUR" },
            "payment": "none", "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] },
          { "key": "yoga", "name": "Yoga", "durationMinutes": 60, "price": { "amount": 10, "currency": "EUR" }, "payment": "none",
            "capacity": 3, "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": ["room"] },
          { "key": "colour", "name": "Colour", "durationMinutes": 60, "price": { "amount": 80, "currency": "EUR" }, "payment": "now",
            "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
        ],
        "staff": [
          { "key": "anna", "name": "Anna", "email": "anna@example.com", "services": ["haircut","consult","yoga","colour"], "branch": null,
            "schedule": null, "exceptions": [], "active": true },
          { "key": "bob", "name": "Bob", "email": "bob@example.com", "services": ["haircut"], "branch": null,
            "schedule": { "mon": [["13:00","17:00"]], "tue": [["09:00","17:00"]] }, "exceptions": [], "active": true }
        ],
        "resources": [
          { "key": "chair-1", "type": "chair", "name": "Chair 1", "branch": null, "capacity": 1 },
          { "key": "studio", "type": "room", "name": "Studio", "branch": null, "capacity": 1 }
        ]
      }]
    }
    """)!.AsObject();

    public static JsonObject Booking(string start, string service = "haircut", string email = "ada@example.com", string? staff = null) => new()
    {
        ["service"] = service,
        ["start"] = start,
        ["staff"] = staff,
        ["branch"] = null,
        ["timeZone"] = "Europe/Amsterdam",
        ["customer"] = new JsonObject { ["name"] = "Ada Lovelace", ["email"] = email, ["phone"] = "+31600000000" },
        ["answers"] = service == "haircut" ? new JsonObject { ["hairLength"] = "short" } : new JsonObject(),
        ["notes"] = "",
        ["marketingOptIn"] = false,
        ["termsAccepted"] = true,
        ["location"] = null,
    };

    public static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> PutConfig(HttpClient admin, JsonNode doc) =>
        await admin.PutAsync("/api/v1/admin/config", Json(doc));

    public static async Task<HttpResponseMessage> Book(HttpClient client, JsonNode body, string slug = Slug) =>
        await client.PostAsync($"/api/v1/pages/{slug}/bookings", Json(body));

    public static async Task<JsonObject> Body(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<string[]> SlotStarts(HttpClient client, string service, string from, string to, string? timeZone = null, string? staff = null,
        string slug = Slug)
    {
        var url = $"/api/v1/pages/{slug}/slots?service={service}&from={from}&to={to}" + (timeZone is null ? "" : $"&timeZone={timeZone}") + (staff is null ? "" : $"&staff={staff}");
        var body = await client.GetFromJsonAsync<JsonObject>(url);
        return body!["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToArray();
    }

    /// <summary>Changes a JSON body in place and hands it on, for a variation of a standard body inline.</summary>
    public static JsonObject Also(this JsonObject value, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        change(value);
        return value;
    }
}
