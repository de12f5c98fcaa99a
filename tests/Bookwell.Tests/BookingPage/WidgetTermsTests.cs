using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.BookingPage;

/// <summary>
/// The widget (widget.js frames <c>/book/{page}?embed=1</c>, with <c>&amp;lang=</c> from its <c>data-lang</c>) tells the client,
/// on the step before they commit, the price, what is due now (the deposit) and what at the appointment, what they get back
/// when they cancel, and what not coming costs. The framed page is server-rendered and works without script, so this reads
/// its HTML over HTTP (no browser). English and Dutch; both databases.
/// </summary>
public abstract partial class WidgetTermsTests : IAsyncLifetime
{
    protected abstract Db Kind { get; }

    private BookwellApp _app = null!;
    private const string Start = "2027-03-02T13:00:00+01:00";

    public async Task InitializeAsync()
    {
        _app = await BookwellApp.StartAsync(Kind);
        var doc = Config();
        var colour = doc["pages"]![0]!["services"]![3]!.AsObject();
        colour["payment"] = "deposit";
        colour["deposit"] = JsonNode.Parse("""{ "amount": 20.00, "currency": "EUR" }""");
        colour["noShowFee"] = JsonNode.Parse("""{ "amount": 15.00 }""");
        colour["cancellationPolicy"] = JsonNode.Parse("""{ "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] }""");
        var put = await PutConfig(_app.Admin(), doc);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex(@"<dt>(.*?)</dt>\s*<dd(?: id=""([a-z-]+)"")?>(.*?)</dd>", RegexOptions.Singleline)]
    private static partial Regex Pairs();

    /// <summary>The framed page's review step (what the client sees before "Confirm"): its terms by label, whitespace folded.</summary>
    private async Task<Dictionary<string, (string? Id, string Text)>> ReviewInWidgetAsync(string lang)
    {
        var path = $"/book/salon?embed=1&lang={lang}&service=colour";
        (string, string)[] fields = [("service", "colour"), ("start", Start), ("name", "Ada Lovelace"), ("email", "ada@example.com"), ("step", "review")];
        var response = await WebSession.For(_app).PostFormAsync(path, fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)), path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await WebSession.TextAsync(response);
        Assert.Contains("value=\"confirm\"", html, StringComparison.Ordinal); // the review step: nothing is booked yet
        static string Fold(string s) => Regex.Replace(Regex.Replace(s, "<br>", " | "), @"\s+", " ").Trim();
        return Pairs().Matches(html).GroupBy(m => Fold(WebUtility.HtmlDecode(m.Groups[1].Value)))
            .ToDictionary(g => g.Key, g => ((string?)(g.First().Groups[2].Success ? g.First().Groups[2].Value : null), Fold(WebUtility.HtmlDecode(g.First().Groups[3].Value))));
    }

    [Fact]
    public async Task WidgetReviewStep_ShowsPrice_DepositDueNow_RestLater_RefundTiers_AndNoShowFee_BeforeTheClientCommits()
    {
        var terms = await ReviewInWidgetAsync("en");
        Assert.Equal("€80.00", terms["Price"].Text);
        Assert.Equal(("due-now", "€20.00"), terms["To pay now (deposit)"]);
        Assert.Equal(("due-later", "€60.00"), terms["To pay at the appointment"]);
        Assert.Equal(("cancellation-policy", "100 % back when you cancel at least 48 hours before the start. | 50 % back when you cancel at least 24 hours before the start. | " +
                     "Nothing back when you cancel less than 24 hours before the start. | What you get back is counted on the €20.00 you pay online."), terms["Cancellation policy"]);
        Assert.Equal("no-show-policy", terms.Values.Single(t => t.Text.Contains("€15.00", StringComparison.Ordinal)).Id);

        var dutch = await ReviewInWidgetAsync("nl");
        Assert.Contains("80,00", dutch["Prijs"].Text, StringComparison.Ordinal);
        Assert.Contains("20,00", dutch["Nu te betalen (aanbetaling)"].Text, StringComparison.Ordinal);
        Assert.Contains("60,00", dutch["Te betalen bij de afspraak"].Text, StringComparison.Ordinal);
        Assert.StartsWith("100 % terug als je minstens 48 uur voor het begin annuleert.", dutch["Annuleringsvoorwaarden"].Text, StringComparison.Ordinal);
        Assert.Contains(dutch.Values, t => t.Id == "no-show-policy" && t.Text.Contains("15,00", StringComparison.Ordinal) &&
                                           t.Text.StartsWith("Kom je niet", StringComparison.Ordinal));
    }
}

public sealed class SqliteWidgetTermsTests : WidgetTermsTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresWidgetTermsTests : WidgetTermsTests
{
    protected override Db Kind => Db.Postgres;
}
