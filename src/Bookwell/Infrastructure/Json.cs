using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bookwell.Infrastructure;

public static class Json
{
    /// <summary>camelCase, nulls written (the contract shows them), numbers strictly typed, a property at most once.</summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.MaxDepth = 32;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // {"start": a, "start": b} is refused, not read as b: a body must mean one thing to every reader of it.
        options.AllowDuplicateProperties = false;
        return options;
    }
}
