using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Bookwell.Data;

/// <summary>
/// The one mapping between a status or kind enum and the lowercase string it has in the database, in the JSON the
/// API emits and in the texts' keys. Each member names its string with <see cref="JsonStringEnumMemberNameAttribute"/>
/// (so System.Text.Json agrees if the enum is ever serialised directly); these strings are what is stored, so a
/// renamed member changes nothing outside C#, and raw SQL, partial-index filters and triggers keep working.
/// </summary>
public static class Wire<T>
    where T : struct, Enum
{
    private static readonly FrozenDictionary<T, string> ByValue;
    private static readonly FrozenDictionary<string, T> ByName;

    static Wire()
    {
        var values = new Dictionary<T, string>();
        foreach (var field in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                ?? throw new InvalidOperationException($"{typeof(T).Name}.{field.Name} has no [JsonStringEnumMemberName].");
            values[(T)field.GetValue(null)!] = name;
        }
        ByValue = values.ToFrozenDictionary();
        ByName = values.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
        Names = [.. values.Values];
    }

    /// <summary>Every string, in declaration order (for error messages and pickers).</summary>
    public static IReadOnlyList<string> Names { get; }

    public static string Name(T value) => ByValue.TryGetValue(value, out var name)
        ? name
        : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {typeof(T).Name}.");

    /// <summary>Exact (case-sensitive) match of the stored string; false for anything else, null included.</summary>
    public static bool TryParse(string? name, out T value)
    {
        if (name is not null && ByName.TryGetValue(name, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Reading a row whose string is unknown is a broken database, not bad input: it throws.</summary>
    public static T Parse(string name) => TryParse(name, out var value)
        ? value
        : throw new InvalidOperationException($"Unknown {typeof(T).Name} '{name}' in the database.");

    /// <summary>The EF Core converter storing the string (same column type and length as before the enum).</summary>
    public static readonly ValueConverter<T, string> Converter = new(v => Name(v), s => Parse(s));
}

public static class WireExtensions
{
    /// <summary>The enum's string as stored and as the API writes it, e.g. <c>pending_payment</c>.</summary>
    public static string ToWire<T>(this T value)
        where T : struct, Enum => Wire<T>.Name(value);

    public static string? ToWire<T>(this T? value)
        where T : struct, Enum => value is { } v ? Wire<T>.Name(v) : null;
}
