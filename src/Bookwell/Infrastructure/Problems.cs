using Microsoft.AspNetCore.Http.HttpResults;

namespace Bookwell.Infrastructure;

/// <summary>Field path → messages, in the order found.</summary>
public sealed class Errors
{
    private readonly Dictionary<string, List<string>> _items = new(StringComparer.Ordinal);

    public bool Any => _items.Count > 0;

    /// <summary>
    /// At most this many fields, with at most <see cref="MaxMessagesPerField"/> messages each, are reported: a body of
    /// thousands of bad keys gets a short answer (what it has is enough to fix the first of them).
    /// </summary>
    public const int MaxFields = 50;

    public const int MaxMessagesPerField = 5;

    public void Add(string path, string message)
    {
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

    public Dictionary<string, string[]> ToDictionary() => _items.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>The stable problem types of the contract; each type URI ends in its code.</summary>
public static class Problems
{
    public const string TypeBase = "https://bookwell.dev/problems/";

    public static ProblemHttpResult Validation(Errors errors, string title = "The request is not valid") =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary())
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
        Make(409, "slot-unavailable", "Time slot no longer available", detail ?? "Another booking took this time. Choose another slot.");

    public static ProblemHttpResult InvalidTransition(string from, string to) =>
        Make(409, "invalid-transition", "Invalid status change", $"A booking cannot go from '{from}' to '{to}'.");

    public static ProblemHttpResult Unauthorized() =>
        Make(401, "unauthorized", "Authentication required", "Send the admin key as 'Authorization: Bearer <key>'.");

    public static ProblemHttpResult Make(int status, string code, string title, string? detail) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = TypeBase + code,
            Title = title,
            Status = status,
            Detail = detail,
        });
}
