namespace Bookwell.Features.BookingPage;

public static class Links
{
    /// <summary><paramref name="path"/> with the non-empty values as an escaped query string.</summary>
    public static string With(string path, IEnumerable<KeyValuePair<string, string?>> values)
    {
        var query = string.Join('&', values.Where(kv => !string.IsNullOrEmpty(kv.Value))
            .Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value!)}"));
        return query.Length > 0 ? $"{path}?{query}" : path;
    }
}
