using System.Text.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using NodaTime;

namespace Bookwell.Features.Mcp;

/// <summary>
/// Contract 4.8: the public booking API as Model Context Protocol tools. Each tool checks only the shape of its
/// arguments (strings are strings, nothing too large) and then calls the same code as its HTTP endpoint, in the
/// same request scope (so the same tenant, resolved from the host), and answers with the JSON that endpoint would
/// send: the result as text and as structured content, a problem details document with <c>isError</c> for a
/// refusal. Nothing about booking is decided here.
/// </summary>
public static class McpTools
{
    /// <summary>Arguments of one call, as JSON, at most what the HTTP endpoints accept as a body.</summary>
    public const int MaxArgumentBytes = BookingEndpoints.MaxBodyBytes;

    /// <summary>No identifier, date or time zone this API knows is longer; longer strings are refused before any lookup.</summary>
    public const int MaxKeyLength = 200;

    private static readonly string[] ManageTokenNames = ["manageToken", "token"];

    public static readonly IReadOnlyList<Tool> All =
    [
        Make("list_services", "List services",
            "The booking page as clients see it: name, time zone, location, settings (terms), and its active services with duration, price, " +
            "payment, the questions to answer (fields) and the staff who offer each. Same JSON as GET /api/v1/pages/{slug}.",
            """
            { "type": "object", "properties": { "page": { "type": "string", "description": "The booking page's slug, e.g. demo-salon.", "maxLength": 200 } },
              "required": ["page"], "additionalProperties": false }
            """, readOnly: true),
        Make("find_slots", "Find free times",
            "Bookable start times of a service between two dates (inclusive, at most 62 days), expressed in the given time zone. " +
            "Same JSON as GET /api/v1/pages/{slug}/slots: { timeZone, slots: [ { start, end, staff, remaining } ] }.",
            """
            { "type": "object", "properties": {
                "page": { "type": "string", "description": "The booking page's slug.", "maxLength": 200 },
                "service": { "type": "string", "description": "The service's key (see list_services).", "maxLength": 200 },
                "from": { "type": "string", "format": "date", "description": "First date, YYYY-MM-DD, in timeZone." },
                "to": { "type": "string", "format": "date", "description": "Last date (inclusive), YYYY-MM-DD, in timeZone." },
                "timeZone": { "type": "string", "description": "IANA time zone id for dates and times, e.g. Europe/Amsterdam; the page's own when left out.", "maxLength": 200 },
                "staff": { "type": "string", "description": "Only times with this staff member (key).", "maxLength": 200 },
                "branch": { "type": "string", "description": "Only times at this branch (key), on pages with branches.", "maxLength": 200 } },
              "required": ["page", "service", "from", "to"], "additionalProperties": false }
            """, readOnly: true),
        Make("book", "Book an appointment",
            "Books a time, with exactly the rules of POST /api/v1/pages/{slug}/bookings: a time that is no longer free is an error " +
            "(slot-unavailable), never a second booking. Answers with the booking, including its manageToken for get_booking, " +
            "cancel_booking and reschedule_booking; keep that token, it is the only way back to the booking.",
            """
            { "type": "object", "properties": {
                "page": { "type": "string", "description": "The booking page's slug.", "maxLength": 200 },
                "service": { "type": "string", "description": "The service's key.", "maxLength": 200 },
                "start": { "type": "string", "format": "date-time", "description": "A start from find_slots, ISO-8601 with offset, e.g. 2027-03-29T09:00:00+02:00." },
                "staff": { "type": ["string", "null"], "description": "A staff member's key; the system chooses when left out." },
                "branch": { "type": ["string", "null"], "description": "A branch's key, on pages with branches." },
                "timeZone": { "type": ["string", "null"], "description": "The client's IANA time zone, for messages." },
                "customer": { "type": "object", "description": "Who the booking is for.",
                  "properties": { "name": { "type": "string" }, "email": { "type": "string", "format": "email" }, "phone": { "type": ["string", "null"] } },
                  "required": ["name", "email"] },
                "answers": { "type": ["object", "null"], "description": "Answers to the service's fields, keyed by field key (see list_services).",
                  "additionalProperties": true },
                "notes": { "type": ["string", "null"] },
                "marketingOptIn": { "type": ["boolean", "null"] },
                "termsAccepted": { "type": ["boolean", "null"], "description": "Must be true when the page requires its terms (settings.termsRequired)." },
                "location": { "type": ["object", "null"], "description": "Where the client is, for services at the client's address.",
                  "properties": { "address": { "type": ["string", "null"] }, "latitude": { "type": ["number", "null"] }, "longitude": { "type": ["number", "null"] },
                                  "details": { "type": ["string", "null"] } } },
                "access": { "type": ["string", "null"], "description": "An organization member's personal link token, if the client has one." } },
              "required": ["page", "service", "start", "customer"] }
            """, readOnly: false),
        Make("get_booking", "Get a booking",
            "The booking behind a manage token, with its history. Same JSON as GET /api/v1/bookings/{manageToken}.",
            ManageSchema(withStart: false), readOnly: true),
        Make("cancel_booking", "Cancel a booking",
            "Cancels the booking behind a manage token; its time frees up at once. Same JSON as POST /api/v1/bookings/{manageToken}/cancel.",
            ManageSchema(withStart: false), readOnly: false, destructive: true),
        Make("reschedule_booking", "Move a booking",
            "Moves the booking behind a manage token to a new start, with the same rules as a new booking; a time that is not free is an " +
            "error and leaves the booking as it was. Same JSON as POST /api/v1/bookings/{manageToken}/reschedule. For an occurrence of a " +
            "recurring series, scope 'following' moves it and every later open occurrence by the same shift of local time, all or nothing " +
            "(scope 'one': only this one); with a scope the answer is the series, as POST /api/v1/bookings/{manageToken}/series/reschedule.",
            ManageSchema(withStart: true, withScope: true), readOnly: false),
    ];

    private static string ManageSchema(bool withStart, bool withScope = false) => $$"""
        { "type": "object", "properties": {
            "manageToken": { "type": "string", "description": "The booking's manageToken (from book).", "maxLength": 200 }{{(withStart ? """
            ,
            "start": { "type": "string", "format": "date-time", "description": "The new start from find_slots, ISO-8601 with offset." }
            """ : "")}}{{(withScope ? """
            ,
            "scope": { "type": ["string", "null"], "enum": ["one", "following", null],
              "description": "For an occurrence of a recurring series: 'one' moves only it, 'following' it and every later open one. Leave out for a single booking." }
            """ : "")}} },
          "required": ["manageToken"{{(withStart ? ", \"start\"" : "")}}], "additionalProperties": false }
        """;

    private static Tool Make(string name, string title, string description, string schema, bool readOnly, bool destructive = false) => new()
    {
        Name = name,
        Title = title,
        Description = description,
        InputSchema = JsonElement.Parse(schema),
        Annotations = new ToolAnnotations
        {
            Title = title,
            ReadOnlyHint = readOnly,
            DestructiveHint = destructive,
            IdempotentHint = readOnly,
            OpenWorldHint = false,
        },
    };

    public static ValueTask<ListToolsResult> ListAsync(RequestContext<ListToolsRequestParams> request, CancellationToken ct) =>
        ValueTask.FromResult(new ListToolsResult { Tools = [.. All] });

    public static async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> request, CancellationToken ct)
    {
        try
        {
            return await DispatchAsync(request, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException && ex.StackTrace?.Contains("System.Text", StringComparison.Ordinal) == true)
        {
            // Text JSON can carry but .NET strings cannot (a lone surrogate escape) fails where it is unescaped or written.
            return Error(Problems.Validation("$", "The arguments contain text that is not valid Unicode."));
        }
    }

    private static async ValueTask<CallToolResult> DispatchAsync(RequestContext<CallToolRequestParams> request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Params?.Name;
        if (name is null || All.All(t => t.Name != name))
        {
            throw new McpProtocolException($"Unknown tool '{Clip(name ?? "")}'. The tools are: {string.Join(", ", All.Select(t => t.Name))}.", McpErrorCode.InvalidParams);
        }
        var http = request.Services?.GetService<IHttpContextAccessor>()?.HttpContext
            ?? throw new McpException("The MCP tools answer only over HTTP.");
        // The request's own scope: the tenant the host chose, as for every public endpoint.
        var services = http.RequestServices;
        var limits = services.GetRequiredService<McpLimits>();
        if (!limits.TryAcquire(http, name, out var retryAfter))
        {
            return Error(Problems.Make(429, "rate-limited", RateLimits.Words.Get("title", "en"),
                RateLimits.Words.FormatIn("en", System.Globalization.CultureInfo.InvariantCulture, "detail", retryAfter)));
        }
        var args = request.Params!.Arguments ?? new Dictionary<string, JsonElement>();
        var errors = new Errors();
        if (Bytes(args).Length > MaxArgumentBytes)
        {
            errors.Add("$", $"The arguments are larger than {MaxArgumentBytes} bytes.");
            return Error(Problems.Validation(errors));
        }
        var db = services.GetRequiredService<BookwellDb>();
        var cache = services.GetRequiredService<CatalogCache>();
        var config = services.GetRequiredService<IConfiguration>();
        var clock = services.GetRequiredService<IClock>();
        switch (name)
        {
            case "list_services":
                {
                    var page = Text(args, "page", errors, required: true);
                    if (errors.Any)
                    {
                        return Error(Problems.Validation(errors));
                    }
                    var catalog = await cache.GetAsync(db, ct);
                    return catalog.Pages.TryGetValue(page!, out var compiled)
                        ? Success(JsonSerializer.SerializeToNode(PageEndpoints.ToPublic(compiled), Json.Options)!)
                        : Error(Problems.NotFound($"No booking page '{Clip(page!)}'."));
                }
            case "find_slots":
                {
                    var page = Text(args, "page", errors, required: true);
                    var service = Text(args, "service", errors, required: true);
                    var from = Text(args, "from", errors, required: true);
                    var to = Text(args, "to", errors, required: true);
                    var timeZone = Text(args, "timeZone", errors, required: false);
                    var staff = Text(args, "staff", errors, required: false);
                    var branch = Text(args, "branch", errors, required: false);
                    var access = Text(args, "access", errors, required: false);
                    if (errors.Any)
                    {
                        return Error(Problems.Validation(errors));
                    }
                    var (problem, found) = await PageEndpoints.FindSlotsAsync(page!, service, from, to, timeZone, staff, branch, access, db, cache, clock, ct);
                    if (found is not { } f)
                    {
                        return Error(problem!);
                    }
                    var json = f.Answer.Json ??= PageEndpoints.SlotsJson(f.Zone, f.Answer.Slots);
                    return Success(JsonNode.Parse(json)!);
                }
            case "book":
                {
                    var page = Text(args, "page", errors, required: true);
                    if (errors.Any)
                    {
                        return Error(Problems.Validation(errors));
                    }
                    // The rest of the arguments are the public booking body, read by the same rules as the HTTP body.
                    var (booking, bodyErrors) = JsonBody.Parse<BookingRequest>(Bytes(args.Where(a => a.Key != "page")), MaxArgumentBytes, Json.Options);
                    return From(await BookingEndpoints.CreateAsync(page!, booking, bodyErrors, queryAccess: null, http.Request, db, cache,
                        services.GetRequiredService<BookingCreator>(), config, clock, ct));
                }
            case "get_booking":
                {
                    var token = ManageToken(args, errors);
                    return errors.Any ? Error(Problems.Validation(errors)) : From(await BookingEndpoints.Get(token!, http.Request, db, config, ct));
                }
            case "cancel_booking":
                {
                    var token = ManageToken(args, errors);
                    return errors.Any
                        ? Error(Problems.Validation(errors))
                        : From(await BookingEndpoints.Cancel(token!, http.Request, db, cache, services.GetRequiredService<BookingLifecycle>(), config, ct));
                }
            default: // reschedule_booking
                {
                    var token = ManageToken(args, errors);
                    var start = Text(args, "start", errors, required: false);
                    var scope = Text(args, "scope", errors, required: false);
                    if (scope is not (null or "one" or "following"))
                    {
                        errors.Add("scope", "Must be one or following.");
                    }
                    if (errors.Any)
                    {
                        return Error(Problems.Validation(errors));
                    }
                    if (scope is not null && await Series.SeriesEndpoints.FindAsync(db, token!, ct) is { SeriesId: not null } occurrence)
                    {
                        // A series occurrence with a scope: the same code path as POST /api/v1/bookings/{token}/series/reschedule.
                        return From(await Series.SeriesRescheduling.RescheduleAsync(occurrence, new Series.SeriesRescheduleRequest { Start = start, Scope = scope },
                            errors, http.Request, db, cache, services.GetRequiredService<Series.SeriesMover>(),
                            new Actor("customer", Notifications.MailContexts.For(http.Request, config), null, token), admin: false, ct));
                    }
                    if (scope == "following")
                    {
                        return Error(Problems.NotFound("This booking is not part of a series."));
                    }
                    return From(await BookingEndpoints.RescheduleAsync(token!, new RescheduleRequest { Start = start }, errors, http.Request, db, cache,
                        services.GetRequiredService<BookingLifecycle>(), config, ct));
                }
        }
    }

    /// <summary>Arguments as one JSON object, written as they came (the body reader judges depth and types).</summary>
    private static byte[] Bytes(IEnumerable<KeyValuePair<string, JsonElement>> args)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            foreach (var (key, value) in args)
            {
                w.WritePropertyName(key);
                // As sent, escapes and all: unescaping here would trip over text the body reader refuses properly.
                w.WriteRawValue(value.GetRawText(), skipInputValidation: true);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The manage token, under its name in the booking JSON (<c>manageToken</c>) or the shorter <c>token</c>.</summary>
    private static string? ManageToken(IDictionary<string, JsonElement> args, Errors errors)
    {
        var present = ManageTokenNames.FirstOrDefault(n => args.TryGetValue(n, out var v) && v.ValueKind != JsonValueKind.Null) ?? "manageToken";
        return Text(args, present, errors, required: true, path: "manageToken");
    }

    /// <summary>A string argument: absent or null is null (an error when required); any other JSON kind, or too long a string, is an error.</summary>
    private static string? Text(IDictionary<string, JsonElement> args, string name, Errors errors, bool required, string? path = null)
    {
        path ??= name;
        if (!args.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            if (required)
            {
                errors.Add(path, "Required.");
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, "Must be a string.");
            return null;
        }
        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            errors.Add(path, "Must be valid text (this string has a broken escape sequence).");
            return null;
        }
        if (text.Length > MaxKeyLength)
        {
            errors.Add(path, $"At most {MaxKeyLength} characters.");
            return null;
        }
        if (required && text.Length == 0)
        {
            errors.Add(path, "Required.");
            return null;
        }
        return text;
    }

    private static CallToolResult From<T>(Results<Created<T>, ProblemHttpResult> result) => result.Result switch
    {
        Created<T> created => Success(JsonSerializer.SerializeToNode(created.Value, Json.Options)!),
        ProblemHttpResult problem => Error(problem),
        _ => throw new InvalidOperationException("Unexpected result."),
    };

    private static CallToolResult From<T>(Results<Ok<T>, ProblemHttpResult> result) => result.Result switch
    {
        Ok<T> ok => Success(JsonSerializer.SerializeToNode(ok.Value, Json.Options)!),
        ProblemHttpResult problem => Error(problem),
        _ => throw new InvalidOperationException("Unexpected result."),
    };

    private static CallToolResult Success(JsonNode json) => Answer(json, isError: false);

    /// <summary>The endpoint's problem details, as its HTTP answer carries them (type, title, status, detail, errors).</summary>
    private static CallToolResult Error(ProblemHttpResult problem)
    {
        var details = problem.ProblemDetails;
        details.Status ??= problem.StatusCode;
        return Answer(JsonSerializer.SerializeToNode(details, details.GetType(), Json.Options)!, isError: true);
    }

    private static CallToolResult Answer(JsonNode json, bool isError) => new()
    {
        Content = [new TextContentBlock { Text = json.ToJsonString(Json.Options) }],
        StructuredContent = JsonSerializer.SerializeToElement(json, Json.Options),
        IsError = isError,
    };

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;
}
