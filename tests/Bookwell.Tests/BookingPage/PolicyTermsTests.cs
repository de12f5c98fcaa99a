using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.BookingPage;

/// <summary>
/// The review step of the booking page tells the client the cancellation and no-show terms before they commit, whenever
/// they apply: a service paid at the venue with a no-show fee (the card saved only, nothing charged at booking) shows the fee in the price's currency
/// (formatted like the price) and that cancelling is free, and no refund tiers even when it has a cancellation policy (nothing was paid to refund);
/// a service paid online shows its refund tiers and the fee; a service with neither shows neither.
/// English and Dutch.
/// </summary>
public abstract partial class PolicyTermsTests : IAsyncLifetime
{
    protected abstract Db Kind { get; }

    private BookwellApp _app = null!;
    private const string Start = "2027-03-02T13:00:00+01:00";

    public async Task InitializeAsync()
    {
        _app = await BookwellApp.StartAsync(Kind);
        var doc = Config();
        var page = doc["pages"]![0]!.AsObject();
        page["services"]![3]!["noShowFee"] = new JsonObject { ["percent"] = 50 };
        page["services"]![3]!["cancellationPolicy"] = JsonNode.Parse("""{ "refunds": [ { "hoursBefore": 48, "percent": 100 }, { "hoursBefore": 24, "percent": 50 } ] }""");
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "massage", "name": "Massage", "durationMinutes": 60, "price": { "amount": 60.00, "currency": "EUR" }, "payment": "none",
              "noShowFee": { "amount": 20.00 }, "cancellationPolicy": { "refunds": [ { "hoursBefore": 24, "percent": 100 } ] },
              "requiresStaff": true, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("massage");
        var put = await PutConfig(_app.Admin(), doc);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex("<dd id=\"(cancellation-policy|no-show-policy)\">(.*?)</dd>", RegexOptions.Singleline)]
    private static partial Regex Terms();

    /// <summary>The review step's terms, by their element id, whitespace folded.</summary>
    private async Task<Dictionary<string, string>> ReviewAsync(string service, string lang = "")
    {
        var query = lang.Length == 0 ? "" : $"&lang={lang}";
        (string, string)[] fields = [("service", service), ("start", Start), ("name", "Ada Lovelace"), ("email", "ada@example.com"), ("answer.hairLength", "short"), ("step", "review")];
        var response = await WebSession.For(_app).PostFormAsync($"/book/salon?service={service}{query}", fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)),
            $"/book/salon?service={service}{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await WebSession.TextAsync(response);
        Assert.Contains("value=\"confirm\"", html, StringComparison.Ordinal); // the review step, not the form again
        return Terms().Matches(html).ToDictionary(m => m.Groups[1].Value, m => Regex.Replace(Regex.Replace(m.Groups[2].Value, "<br>", " | "), @"\s+", " ").Trim());
    }

    [Fact]
    public async Task PaidAtTheVenue_WithANoShowFee_ShowsTheFee_AndThatCancellingIsFree()
    {
        var terms = await ReviewAsync("massage");
        Assert.Equal("If you do not come and have not cancelled, €20.00 is charged to the card you save when booking.", terms["no-show-policy"]);
        Assert.Equal("Cancelling costs nothing: you pay nothing online now.", terms["cancellation-policy"]);

        var dutch = await ReviewAsync("massage", "nl");
        Assert.Contains("Kom je niet en heb je niet geannuleerd", dutch["no-show-policy"], StringComparison.Ordinal);
        Assert.Contains("20,00", dutch["no-show-policy"], StringComparison.Ordinal);
        Assert.Equal("Annuleren kost niets: je betaalt nu niets online.", dutch["cancellation-policy"]);
    }

    [Fact]
    public async Task PaidOnline_ShowsTheRefundTiers_AndTheFee_WhileAServiceWithNeitherShowsNone()
    {
        var terms = await ReviewAsync("colour");
        Assert.Equal("100 % back when you cancel at least 48 hours before the start. | 50 % back when you cancel at least 24 hours before the start. | " +
                     "Nothing back when you cancel less than 24 hours before the start.", terms["cancellation-policy"]);
        Assert.Equal("If you do not come and have not cancelled, €40.00 is charged to the card you save when booking.", terms["no-show-policy"]);

        Assert.Empty(await ReviewAsync("haircut"));
    }
}

public sealed class SqlitePolicyTermsTests : PolicyTermsTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresPolicyTermsTests : PolicyTermsTests
{
    protected override Db Kind => Db.Postgres;
}
