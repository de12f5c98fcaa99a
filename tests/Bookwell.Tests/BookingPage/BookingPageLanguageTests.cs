using System.Net;
using System.Text.RegularExpressions;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.BookingPage;

/// <summary>The booking rules' messages: in the visitor's language on the booking page, in English from the API.</summary>
public sealed partial class BookingPageLanguageTests
{
    private const string Start = "2027-03-02T13:00:00+01:00";

    [Fact]
    public async Task FieldErrors_OnTheDutchPage_AreDutch_WhileTheApiStaysEnglish()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        (string, string)[] fields = [("service", "haircut"), ("start", Start), ("name", "Ada Lovelace"), ("email", "nope")];
        async Task<string> Post(string query) => await WebSession.TextAsync(await WebSession.For(app)
            .PostFormAsync("/book/salon" + query, fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)), "/book/salon?service=haircut" + query.Replace('?', '&')));

        var dutch = await Post("?lang=nl");
        Assert.Contains("Controleer de gemarkeerde velden.", dutch, StringComparison.Ordinal);
        Assert.Contains("Moet een e-mailadres zijn, zoals ada@example.com.", dutch, StringComparison.Ordinal);
        Assert.Contains("'Hair length' is verplicht.", dutch, StringComparison.Ordinal);
        Assert.DoesNotContain("Must be an e-mail address", dutch, StringComparison.Ordinal);

        var english = await Post("");
        Assert.Contains("Must be an e-mail address such as ada@example.com.", english, StringComparison.Ordinal);
        Assert.Contains("'Hair length' is required.", english, StringComparison.Ordinal);

        // The API answers in English whatever the client's language (its messages are part of the contract).
        var client = app.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl-NL");
        var body = Booking(Start, email: "nope");
        body.Remove("answers");
        var api = await Body(await Book(client, body));
        Assert.Equal("Must be an e-mail address such as ada@example.com.", api["errors"]!["customer.email"]![0]!.GetValue<string>());
        Assert.Equal("'Hair length' is required.", api["errors"]!["answers.hairLength"]![0]!.GetValue<string>());
    }

    /// <summary>
    /// Every culture a request can be given is the runtime's shared read-only instance: NodaTime keeps its format info and
    /// parsed patterns only for read-only cultures, and built them afresh for every date the month calendar wrote otherwise.
    /// </summary>
    [Fact]
    public async Task RequestCultures_AreReadOnly()
    {
        await using var app = await BookwellApp.StartAsync(Db.Sqlite);
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Builder.RequestLocalizationOptions>>().Value;
        Assert.True(options.DefaultRequestCulture.Culture.IsReadOnly);
        Assert.True(options.DefaultRequestCulture.UICulture.IsReadOnly);
        Assert.All(options.SupportedCultures!, c => Assert.True(c.IsReadOnly, c.Name));
        Assert.All(options.SupportedUICultures!, c => Assert.True(c.IsReadOnly, c.Name));
    }

    [GeneratedRegex("""\bM\(\s*("(?:[^"\\]|\\.)*"|ContactRules\.\w+)\s*[,)]""")]
    private static partial Regex Call();

    /// <summary>Every message the booking rules write (a literal or a ContactRules constant passed to M) has Dutch.</summary>
    [Fact]
    public void EveryBookingRuleMessage_HasDutch()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bookwell.slnx")))
        {
            dir = dir.Parent;
        }
        var source = File.ReadAllText(Path.Combine(dir!.FullName, "src", "Bookwell", "Features", "Bookings", "BookingRequest.cs"));
        var constants = new Dictionary<string, string>
        {
            ["ContactRules.EmailMessage"] = ContactRules.EmailMessage,
            ["ContactRules.PhoneMessage"] = ContactRules.PhoneMessage,
            ["ContactRules.NameMessage"] = ContactRules.NameMessage,
        };
        var texts = Call().Matches(source).Select(m => m.Groups[1].Value)
            .Select(t => t.StartsWith('"') ? Regex.Unescape(t[1..^1]) : constants[t]).Distinct().ToList();
        Assert.True(texts.Count > 25, $"only {texts.Count} messages found: is the pattern still right?");
        // What ContactRules.NameProblem can answer reaches the form already written out.
        texts.AddRange(new[] { "", new string('a', ContactRules.MaxNameLength + 1), "Ana\u202E" }.Select(n => ContactRules.NameProblem(n)!));
        var dutch = BookingRuleText.Words.In("nl");
        var missing = texts.Where(t => !dutch.ContainsKey(t)).ToList();
        Assert.True(missing.Count == 0, "No Dutch for:\n" + string.Join('\n', missing));
    }

    [GeneratedRegex("""\b(?:M|WaitlistText\.Say)\(\s*(?:[\w.]+,\s*)?("(?:[^"\\]|\\.)*"|ContactRules\.\w+)\s*[,)]""")]
    private static partial Regex WaitlistCall();

    /// <summary>Every message the waitlist join writes (API and join page) has Dutch, its own or the booking rules'.</summary>
    [Fact]
    public void EveryWaitlistJoinMessage_HasDutch()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bookwell.slnx")))
        {
            dir = dir.Parent;
        }
        var folder = Path.Combine(dir!.FullName, "src", "Bookwell", "Features", "Waitlist");
        var source = string.Concat(new[] { "Waitlist.cs", "WaitlistEndpoints.cs", "Join.cshtml.cs" }.Select(f => File.ReadAllText(Path.Combine(folder, f))));
        var constants = new Dictionary<string, string>
        {
            ["ContactRules.EmailMessage"] = ContactRules.EmailMessage,
            ["ContactRules.PhoneMessage"] = ContactRules.PhoneMessage,
        };
        var texts = WaitlistCall().Matches(source).Select(m => m.Groups[1].Value)
            .Select(t => t.StartsWith('"') ? Regex.Unescape(t[1..^1]) : constants[t]).Distinct().ToList();
        Assert.True(texts.Count > 20, $"only {texts.Count} messages found: is the pattern still right?");
        var own = Bookwell.Features.Waitlist.WaitlistText.Rules.In("nl");
        var shared = BookingRuleText.Words.In("nl");
        var missing = texts.Where(t => !own.ContainsKey(t) && !shared.ContainsKey(t)).ToList();
        Assert.True(missing.Count == 0, "No Dutch for:\n" + string.Join('\n', missing));
        // No English left written straight into an error of the join.
        Assert.DoesNotMatch("""\.Add\("[\w.]+", "|\.Add\(field, "|Validation\("\w+", "|\$"'\{""", source);
    }
}
