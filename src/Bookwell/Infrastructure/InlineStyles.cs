using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Bookwell.Infrastructure;

/// <summary>
/// The only way a page carries CSS of its own: a &lt;style&gt; block whose SHA-256 joins the response's
/// Content-Security-Policy, so the policy can leave out 'unsafe-inline' for styles (an injected style attribute
/// or block stays inert). Razor renders a whole page into memory before the response starts, so blocks added
/// anywhere in a page or its layout are known when <see cref="SecurityHeadersMiddleware"/> writes the header.
/// The CSS passed here is the app's own (numbers, validated #RRGGBB colours), never a visitor's text.
/// </summary>
public static class InlineStyles
{
    private const string Key = "Bookwell.InlineStyleHashes";

    /// <summary>Most blocks are the same on every page (the layout's CSS, a business's accent): each is hashed once.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Hash, HtmlString Html)> Hashes = new(StringComparer.Ordinal);

    private const int MaxHashes = 4096;

    public static IHtmlContent Block(HttpContext context, string css)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(css);
        if (css.Contains('<', StringComparison.Ordinal))
        {
            throw new ArgumentException("CSS in a style block cannot hold '<'.", nameof(css));
        }
        if (context.Items[Key] is not List<string> hashes)
        {
            context.Items[Key] = hashes = [];
        }
        if (!Hashes.TryGetValue(css, out var block))
        {
            block = ($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)))}'", new HtmlString($"<style>{css}</style>"));
            if (Hashes.Count < MaxHashes)
            {
                Hashes.TryAdd(css, block);
            }
        }
        hashes.Add(block.Hash);
        return block.Html;
    }

    /// <summary>The policy with this response's style blocks allowed by their hashes.</summary>
    public static string Allow(HttpContext context, string csp)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(csp);
        return context.Items[Key] is List<string> { Count: > 0 } hashes
            ? csp.Replace("style-src 'self'", $"style-src 'self' {string.Join(' ', hashes.Distinct())}", StringComparison.Ordinal)
            : csp;
    }
}
