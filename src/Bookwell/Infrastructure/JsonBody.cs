using System.Text.Json;

namespace Bookwell.Infrastructure;

/// <summary>
/// Reads a JSON body with a size cap, turning malformed JSON or a wrongly typed member into a field error at
/// the member's path rather than a bare 400 or a 500.
/// </summary>
public static class JsonBody
{
    /// <summary>Each caller's options with strings checked on the way in (<see cref="StorableText"/>); made once per options.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> Guarded = new();

    public static async Task<(T? Value, Errors Errors)> ReadAsync<T>(HttpRequest request, int maxBytes, JsonSerializerOptions options)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Errors();
        if (request.ContentLength > maxBytes)
        {
            errors.AddTooLarge(maxBytes);
            return (null, errors);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                errors.AddTooLarge(maxBytes);
                return (null, errors);
            }
            buffer.Write(chunk, 0, read);
        }
        return Parse<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), maxBytes, options);
    }

    /// <summary>The same rules for a body that arrived another way (an MCP tool's arguments): size cap, empty, malformed, mistyped.</summary>
    public static (T? Value, Errors Errors) Parse<T>(ReadOnlySpan<byte> json, int maxBytes, JsonSerializerOptions options)
        where T : class
    {
        var errors = new Errors();
        if (json.Length > maxBytes)
        {
            errors.AddTooLarge(maxBytes);
            return (null, errors);
        }
        if (json.Length == 0)
        {
            errors.Add("$", "A JSON body is required.");
            return (null, errors);
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(json, Guarded.GetValue(options, o => new JsonSerializerOptions(o) { Converters = { new StorableText.StringGuard() } }));
            if (value is null)
            {
                errors.Add("$", "A JSON object is required.");
            }
            return (value, errors);
        }
        catch (JsonException ex)
        {
            var path = ex.Path is null or "$" ? "$" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path;
            errors.Add(path, ex is StorableText.UnstorableTextException ? StorableText.Error : "This value has the wrong type or the JSON is malformed.");
            return (null, errors);
        }
    }
}
