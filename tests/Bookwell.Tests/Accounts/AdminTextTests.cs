using System.Text.RegularExpressions;
using Bookwell.Features.Admin;

namespace Bookwell.Tests.Accounts;

public partial class AdminTextTests
{
    [GeneratedRegex("""\bL\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")]
    private static partial Regex Call();

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bookwell.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Run the tests inside the repository.");
    }

    /// <summary>Every literal the dashboards pass to L(...) in their pages and page models has a Dutch entry.</summary>
    [Fact]
    public void EveryDashboardText_HasDutch()
    {
        var features = Path.Combine(Root(), "src", "Bookwell", "Features");
        var files = new[] { "Admin", "Accounts", "Staff" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(features, d), "*.cs*", SearchOption.AllDirectories)).ToList();
        var texts = files.SelectMany(f => Call().Matches(File.ReadAllText(f)).Select(m => Regex.Unescape(m.Groups[1].Value))).Distinct().ToList();
        Assert.True(texts.Count > 200, $"only {texts.Count} texts found: is the pattern still right?");
        var missing = texts.Where(t => !AdminText.Dutch.ContainsKey(t)).ToList();
        Assert.True(missing.Count == 0, "No Dutch for:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void DutchFormats_KeepTheirPlaceholders()
    {
        foreach (var (en, nl) in AdminText.Dutch)
        {
            var want = Regex.Matches(en, @"\{\d\}").Select(m => m.Value).Order();
            Assert.Equal(want, Regex.Matches(nl, @"\{\d\}").Select(m => m.Value).Order());
        }
    }
}
