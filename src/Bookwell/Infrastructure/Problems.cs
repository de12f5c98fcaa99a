using Microsoft.AspNetCore.Http.HttpResults;

namespace Bookwell.Infrastructure;

/// <summary>Field path → messages, in the order found.</summary>
public sealed class Errors
{
    // Made with the first error: most requests that validate have none.
    private Dictionary<string, List<string>>? _items;

    public bool Any => _items is { Count: > 0 };

    /// <summary>
    /// At most this many fields, with at most <see cref="MaxMessagesPerField"/> messages each, are reported: a body of
    /// thousands of bad keys gets a short answer (what it has is enough to fix the first of them).
    /// </summary>
    public const int MaxFields = 50;

    public const int MaxMessagesPerField = 5;

    public void Add(string path, string message)
    {
        _items ??= new(StringComparer.Ordinal);
        if (!_items.TryGetValue(path, out var list))
        {
            if (_items.Count >= MaxFields)
            {
                return;
            }
            _items[path] = list = [];
        }
        if (list.Count < MaxMessagesPerField)
        {
            list.Add(message);
        }
    }

    /// <summary>
    /// Reads a status or kind a client sent (a body field, a filter): the one place such strings become enums.
    /// Null, and an error at <paramref name="path"/> naming the accepted strings, for anything else (or anything
    /// outside <paramref name="allowed"/> when given).
    /// </summary>
    public T? Read<T>(string path, string? value, IReadOnlyCollection<T>? allowed = null)
        where T : struct, Enum
    {
        if (Data.Wire<T>.TryParse(value, out var parsed) && (allowed is null || allowed.Contains(parsed)))
        {
            return parsed;
        }
        var names = allowed is null ? Data.Wire<T>.Names : [.. allowed.Select(a => Data.Wire<T>.Name(a))];
        Add(path, value is null
            ? $"Required; use one of: {string.Join(", ", names)}."
            : $"Unknown value '{(value.Length > 40 ? value[..40] : value)}'; use one of: {string.Join(", ", names)}.");
        return null;
    }

    /// <summary>
    /// Set when a body was refused for its size alone (<see cref="JsonBody"/>): <see cref="Problems.Validation(Errors, string)"/>
    /// then answers 413 too-large instead of 400, so every caller that hands its errors on answers a size refusal rightly.
    /// </summary>
    public long? TooLargeLimit { get; private set; }

    public void AddTooLarge(long maxBytes)
    {
        TooLargeLimit = maxBytes;
        Add("$", $"The body is larger than {maxBytes} bytes.");
    }

    public Dictionary<string, string[]> ToDictionary() => (_items ?? []).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>The stable problem types of the contract; each type URI ends in its code.</summary>
public static class Problems
{
    public const string TypeBase = "https://bookwell.dev/problems/";

    public static ProblemHttpResult Validation(Errors errors, string title = "The request is not valid") =>
        errors.TooLargeLimit is { } limit ? TooLarge($"The body is larger than {limit} bytes.") : TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary())
        {
            Type = TypeBase + "validation",
            Title = title,
            Status = StatusCodes.Status400BadRequest,
        });

    public static ProblemHttpResult Validation(string field, string message)
    {
        var errors = new Errors();
        errors.Add(field, message);
        return Validation(errors);
    }

    public static ProblemHttpResult NotFound(string detail) => Make(404, "not-found", "Not found", detail);

    public static ProblemHttpResult SlotUnavailable(string? detail = null) =>
        Make(409, "slot-unavailable", "Time slot no longer available", detail ?? "This time is not free: taken meanwhile, or not offered. Choose another slot.");

    public static ProblemHttpResult InvalidTransition(string from, string to) =>
        Make(409, "invalid-transition", "Invalid status change", $"A booking cannot go from '{from}' to '{to}'.");

    /// <summary>A status the booking may take, but not yet (a no-show before the start): 409 with the earliest moment, in the page's zone.</summary>
    public static ProblemHttpResult TooEarly(string to, NodaTime.Instant earliest, NodaTime.DateTimeZone zone)
    {
        var at = TimeFormats.Format(earliest, zone);
        var problem = Make(409, "too-early", "Too early for this status", $"This booking can become '{to}' from {at}, not before.");
        problem.ProblemDetails.Extensions["earliest"] = at;
        return problem;
    }

    public static ProblemHttpResult Unauthorized() =>
        Make(401, "unauthorized", "Authentication required", "Send the admin key as 'Authorization: Bearer <key>'.");

    public static ProblemHttpResult TooLarge(string detail) =>
        Make(StatusCodes.Status413PayloadTooLarge, "too-large", "Request too large", detail);

    /// <summary>
    /// The answer for a bare status under /api (no route, wrong method or media type, a binding failure, a body Kestrel
    /// refused): the contract's shape, with a code of its own per status, never ASP.NET's RFC type links.
    /// </summary>
    public static ProblemHttpResult ForStatus(int status, string? method = null) => status switch
    {
        StatusCodes.Status400BadRequest => Validation("$", "The request could not be read: check its path, query and body."),
        StatusCodes.Status401Unauthorized => Unauthorized(),
        StatusCodes.Status403Forbidden => Make(status, "forbidden", "Forbidden", "This key may not do this."),
        StatusCodes.Status404NotFound => NotFound("There is no such endpoint or resource."),
        StatusCodes.Status405MethodNotAllowed => Make(status, "method-not-allowed", "Method not allowed",
            $"This endpoint does not take {(method is { Length: > 0 and <= 16 } m && m.All(char.IsAsciiLetter) ? m : "this method")}; the Allow header lists what it takes."),
        StatusCodes.Status413PayloadTooLarge => TooLarge("The request body is larger than this endpoint takes."),
        StatusCodes.Status415UnsupportedMediaType => Make(status, "unsupported-media-type", "Unsupported media type", "Send the body as application/json."),
        StatusCodes.Status429TooManyRequests => Make(status, "rate-limited", "Too many requests", "Wait a moment and try again."),
        _ => Make(status, CodeOf(status), Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error", null),
    };

    /// <summary>A stable code for a status no feature names: its reason phrase in lower case with hyphens ("Request Timeout" → request-timeout).</summary>
    public static string CodeOf(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase
            ? string.Join('-', phrase.ToLowerInvariant().Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries).Select(w => string.Concat(w.Where(char.IsAsciiLetterOrDigit))))
            : "error";

    public static ProblemHttpResult Make(int status, string code, string title, string? detail) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = TypeBase + code,
            Title = title,
            Status = status,
            Detail = detail,
        });
}
