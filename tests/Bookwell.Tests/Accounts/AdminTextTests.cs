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
        var texts = Literals(Call());
        Assert.True(texts.Count > 200, $"only {texts.Count} texts found: is the pattern still right?");
        var missing = texts.Where(t => !AdminText.Words.In("nl").ContainsKey(t)).ToList();
        Assert.True(missing.Count == 0, "No Dutch for:\n" + string.Join('\n', missing));
    }

    // Field errors and refusals the dashboards show through FormErrors, which looks each one up with L.
    [GeneratedRegex("""\.Add\(\s*"[^"]*"\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)|\breturn\s+"((?:[^"\\]|\\.)* (?:[^"\\]|\\.)*)"\s*;|\bconst string \w+ = "((?:[^"\\]|\\.)* (?:[^"\\]|\\.)*)"\s*;""")]
    private static partial Regex Message();

    /// <summary>Every literal error message the dashboards' page models and services hand to a form has Dutch.</summary>
    [Fact]
    public void EveryDashboardErrorMessage_HasDutch()
    {
        var texts = Literals(Message());
        Assert.True(texts.Count > 20, $"only {texts.Count} messages found: is the pattern still right?");
        var missing = texts.Where(t => !AdminText.Words.In("nl").ContainsKey(t)).ToList();
        Assert.True(missing.Count == 0, "No Dutch for:\n" + string.Join('\n', missing));
    }

    [GeneratedRegex("""(?:result|notToSend)\[m\.Id\] = "((?:[^"\\]|\\.)*)";|const string TurnedOff = "((?:[^"\\]|\\.)*)";""")]
    private static partial Regex Withdrawal();

    /// <summary>Why the outbox withdrew a message is stored in English and shown on the dashboards through L.</summary>
    [Fact]
    public void EveryWithdrawalReason_HasDutch()
    {
        var features = Path.Combine(Root(), "src", "Bookwell", "Features");
        var texts = new[] { "Notifications/OutboxWorker.cs", "Organizations/OrganizationMail.cs", "Organizations/Mailings.cs" }
            .SelectMany(f => Withdrawal().Matches(File.ReadAllText(Path.Combine(features, f))))
            .Select(m => Regex.Unescape(m.Groups.Values.Skip(1).First(g => g.Success).Value)).Distinct().ToList();
        Assert.True(texts.Count >= 8, $"only {texts.Count} reasons found: is the pattern still right?");
        Assert.All(texts, t => Assert.True(AdminText.Words.In("nl").ContainsKey(t), "No Dutch for: " + t));
    }

    /// <summary>The literals a pattern finds in the dashboards' sources (Admin, Accounts, Staff), API endpoints left out.</summary>
    private static List<string> Literals(Regex pattern)
    {
        var features = Path.Combine(Root(), "src", "Bookwell", "Features");
        var files = new[] { "Admin", "Accounts", "Staff" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(features, d), "*.cs*", SearchOption.AllDirectories))
            .Where(f => !f.EndsWith("Endpoints.cs", StringComparison.Ordinal) && !f.EndsWith("AccountMail.cs", StringComparison.Ordinal));
        return [.. files.SelectMany(f => pattern.Matches(File.ReadAllText(f)))
            .Select(m => Regex.Unescape(m.Groups.Values.Skip(1).First(g => g.Success).Value)).Distinct()];
    }
}
