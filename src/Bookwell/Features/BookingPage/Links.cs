using System.Text;

namespace Bookwell.Features.BookingPage;

public static class Links
{
    /// <summary><paramref name="path"/> with the non-empty values as an escaped query string.</summary>
    public static string With(string path, IEnumerable<KeyValuePair<string, string?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var link = new StringBuilder(path, 128);
        var first = true;
        foreach (var (key, value) in values)
        {
            Append(link, ref first, key, value);
        }
        return link.ToString();
    }

    /// <summary>Adds <c>key=value</c> (escaped) to a link being built, unless the value is empty.</summary>
    internal static void Append(StringBuilder link, ref bool first, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        link.Append(first ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        first = false;
    }
}
