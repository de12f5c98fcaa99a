using System.Net;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Html;

namespace Bookwell.Features.Admin;

/// <summary>Per-field error display for the dashboards' forms: the message, and the attributes that tie it to its input.</summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, string[]> _items;

    public FormErrors() => _items = new(StringComparer.OrdinalIgnoreCase);

    public FormErrors(Errors errors, string stripPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(errors);
        _items = new(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, messages) in errors.ToDictionary())
        {
            var k = stripPrefix.Length > 0 && key.StartsWith(stripPrefix, StringComparison.Ordinal) ? key[stripPrefix.Length..].TrimStart('.') : key;
            _items[k] = _items.TryGetValue(k, out var existing) ? [.. existing, .. messages] : messages;
        }
    }

    public bool Any => _items.Count > 0;

    public IEnumerable<(string Field, string Message)> All => _items.SelectMany(kv => kv.Value.Select(m => (kv.Key, m)));

    public void Add(string field, string message) => _items[field] = _items.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    public bool Has(string field) => _items.ContainsKey(field) || _items.Keys.Any(k => k.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase) || k.StartsWith(field + "[", StringComparison.OrdinalIgnoreCase));

    /// <summary>The messages for a field and anything below it (e.g. <c>price</c> also shows <c>price.amount</c>).</summary>
    public IHtmlContent For(string field)
    {
        var messages = _items.Where(kv => string.Equals(kv.Key, field, StringComparison.OrdinalIgnoreCase) ||
                                          kv.Key.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase) ||
                                          kv.Key.StartsWith(field + "[", StringComparison.OrdinalIgnoreCase))
            .SelectMany(kv => kv.Value).ToList();
        if (messages.Count == 0)
        {
            return HtmlString.Empty;
        }
        return new HtmlString($"<p class=\"error\" id=\"{Id(field)}-error\">{WebUtility.HtmlEncode(string.Join(" ", messages.Select(AdminText.L)))}</p>");
    }

    /// <summary><c>aria-invalid</c> and <c>aria-describedby</c> for the input, when it has an error.</summary>
    public IHtmlContent Attrs(string field) =>
        Has(field) ? new HtmlString($"aria-invalid=\"true\" aria-describedby=\"{Id(field)}-error\"") : HtmlString.Empty;

    public static string Id(string field) => field.Replace('.', '-').Replace('[', '-').Replace(']', '-');
}
