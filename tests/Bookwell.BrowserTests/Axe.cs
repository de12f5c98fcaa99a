using System.Text.Json;
using Microsoft.Playwright;

namespace Bookwell.BrowserTests;

/// <summary>axe-core (WCAG 2 A and AA rules) on the page as it is now; serious or critical findings fail.</summary>
public static class Axe
{
    private static readonly Lazy<string> Source = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "node_modules", "axe-core", "axe.min.js");
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }
        throw new FileNotFoundException("axe-core is not installed: run npm install in tests/Bookwell.BrowserTests (scripts/test.sh does).");
    });

    public static async Task AssertAccessibleAsync(IPage page, string step)
    {
        ArgumentNullException.ThrowIfNull(page);
        // Evaluated through the DevTools protocol: the pages' CSP rightly refuses an injected script tag.
        await page.EvaluateAsync(Source.Value);
        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
              return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }
            """);
        var violations = json.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.True(violations.Count == 0, $"{step}: {string.Join("; ", violations)}");
    }
}
