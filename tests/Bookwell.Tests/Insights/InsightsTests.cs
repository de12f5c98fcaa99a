using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Insights;

/// <summary>
/// Contract 4.10 on both databases: bookings written straight to the database at chosen local times (the fixed
/// clock is after them), and every expected figure worked out by hand below from exactly those rows. One app per class
/// and database, each test on a business of its own beside another business whose rows must never count (see
/// <see cref="SharedApp"/>).
/// </summary>
public abstract class InsightsTests(SharedApp shared)
{
    /// <summary>This test's business, and the other one beside it.</summary>
    private Guid _tenant;
    private Guid _other;

    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    /// <summary>Thursday 1 April 2027: after every booking of the tests.</summary>
    private static readonly Instant Now = Instant.FromUtc(2027, 4, 1, 8, 0);

    /// <summary>The test salon plus "spa", the same page under another slug.</summary>
    private static JsonObject TwoPages()
    {
        var doc = Config();
        var spa = doc["pages"]![0]!.DeepClone().AsObject();
        spa["slug"] = "spa";
        spa["name"] = "Test Spa";
        doc["pages"]!.AsArray().Add(spa);
        return doc;
    }

    /// <summary>A business of its own with <paramref name="config"/>, another business beside it, the clock at <see cref="Now"/>.</summary>
    private async Task<TenantSpace> NewAsync(JsonObject config)
    {
        var app = await shared.NewBusinessAsync();
        app.Clock.Reset(Now);
        var put = await PutConfig(app.Admin(), config);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        _tenant = app.Id;
        _other = TenantSpace.Create(app.App, "Other").Id;
        return app;
    }

    private static readonly Dictionary<string, int> Minutes = new() { ["haircut"] = 30, ["consult"] = 60, ["yoga"] = 60 };

    /// <summary>A booking at a local wall time in Amsterdam (the offset given, so a DST day is unambiguous).</summary>
    private Booking Row(string local, int offsetHours, string service, Guid customer, BookingStatus status = BookingStatus.Confirmed,
        string page = Slug, Guid? tenant = null)
    {
        var start = NodaTime.Text.LocalDateTimePattern.GeneralIso.Parse(local).Value.WithOffset(Offset.FromHours(offsetHours)).ToInstant();
        Assert.Equal(Offset.FromHours(offsetHours), Amsterdam.GetUtcOffset(start)); // the offset written is Amsterdam's then
        return new Booking
        {
            Id = Guid.NewGuid(),
            TenantId = tenant ?? _tenant,
            PageSlug = page,
            ServiceKey = service,
            ServiceName = service,
            StartsAt = start,
            EndsAt = start + Duration.FromMinutes(Minutes[service]),
            Status = status,
            // The client's zone, not the business's: insights must not go by it.
            TimeZone = "America/New_York",
            CustomerId = customer,
            CustomerName = "Client",
            CustomerEmail = "client@example.com",
            ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
            CreatedAt = Now,
            UpdatedAt = Now,
        };
    }

    private Customer Person(string name, bool optIn = false, Guid? tenant = null) => new()
    {
        Id = Guid.NewGuid(),
        TenantId = tenant ?? _tenant,
        Email = $"{name}@example.com",
        EmailNormalized = $"{name}@EXAMPLE.COM".ToUpperInvariant(),
        Name = name,
        MarketingOptIn = optIn,
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    private static Payment Money(Booking b, decimal amount, string kind) => new()
    {
        Id = Guid.NewGuid(),
        TenantId = b.TenantId,
        BookingId = b.Id,
        Amount = amount,
        Currency = "EUR",
        Kind = Wire<PaymentKind>.Parse(kind),
        Provider = PaymentProvider.Stripe,
        ProviderReference = "ref_" + Guid.NewGuid().ToString("N"),
        At = Now,
    };

    private static void Write(TenantSpace app, IEnumerable<Customer> customers, IEnumerable<Booking> bookings, IEnumerable<Payment>? payments = null) =>
        app.WithDb(db =>
        {
            db.Customers.AddRange(customers);
            db.Bookings.AddRange(bookings);
            db.Payments.AddRange(payments ?? []);
            return db.SaveChanges();
        });

    private static async Task<JsonObject> GetAsync(TenantSpace app, string query)
    {
        var response = await app.Admin().GetAsync($"/api/v1/admin/insights?{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            text + string.Join("\n", app.App.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(e => e.Message)));
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task BookingFigures_AcrossTheDstChange_ByLocalDayAndHour_TiesToTheFirst_PageFilterAndTenantKeptApart()
    {
        var app = await NewAsync(TwoPages());
        var ada = Person("ada");
        var stranger = Person("stranger", tenant: _other);
        // Amsterdam went to summer time on Sunday 28 March 2027 at 02:00 (+01:00 → +02:00). Range: Sat 27 – Mon 29.
        var outsideBefore = Row("2027-03-26T23:30:00", 1, "haircut", ada.Id);           // Fri 23:30 local: the day before
        var b = Row("2027-03-27T00:30:00", 1, "haircut", ada.Id);                       // Sat 00:30 local = Fri 23:30 UTC: in
        var c = Row("2027-03-27T10:00:00", 1, "consult", ada.Id);                       // Sat 10
        var j = Row("2027-03-27T03:00:00", 1, "haircut", ada.Id, page: "spa");          // Sat 03, on the other page
        var d = Row("2027-03-28T01:30:00", 1, "haircut", ada.Id);                       // Sun 01 (winter time)
        var e = Row("2027-03-28T03:30:00", 2, "consult", ada.Id);                       // Sun 03 (summer time, 01:30 UTC)
        var k = Row("2027-03-28T10:00:00", 2, "yoga", ada.Id);                          // Sun 10
        var f = Row("2027-03-29T10:00:00", 2, "consult", ada.Id, BookingStatus.Cancelled); // cancelled: never booked
        var g = Row("2027-03-29T23:30:00", 2, "consult", ada.Id);                       // Mon 23:30 local: Monday, hour 23
        var outsideAfter = Row("2027-03-30T00:30:00", 2, "haircut", ada.Id);            // Tue 00:30 local = Mon 22:30 UTC: out
        var foreign = Row("2027-03-27T10:00:00", 1, "consult", stranger.Id, tenant: _other);
        var foreign2 = Row("2027-03-28T10:00:00", 2, "haircut", stranger.Id, tenant: _other);
        Write(app, [ada, stranger], [outsideBefore, b, c, j, d, e, k, f, g, outsideAfter, foreign, foreign2],
            [Money(f, 30m, "charge"), Money(f, 10m, "refund"), Money(c, 15m, "charge"), Money(foreign, 500m, "charge")]);

        var all = (await GetAsync(app, "from=2027-03-27&to=2027-03-29"))["bookings"]!.AsObject();
        // Counted: b c j d e k g = 7 (f cancelled; the two outside; the other business's two never).
        Assert.Equal(7, all["count"]!.GetValue<int>());
        // haircut b d j = 3, consult c e g = 3, yoga k = 1: a tie goes to the earlier key.
        Assert.Equal("consult", all["mostPopularService"]!.GetValue<string>());
        // Sat b c j = 3, Sun d e k = 3, Mon g = 1: Saturday comes first.
        Assert.Equal("sat", all["busiestWeekday"]!.GetValue<string>());
        // Hours: 0 b, 1 d, 3 j e, 10 c k, 23 g: 3 and 10 tie at two, 3 comes first.
        Assert.Equal(3, all["busiestHour"]!.GetValue<int>());
        Assert.Equal(7 / 3.0, all["averagePerDay"]!.GetValue<double>(), 10);
        // Prices: haircut 25 × 3 (b d j) + consult 0 + yoga 10 (k) = 85; c paid 15 above its price 0 → 15 more;
        // cancelled f keeps 30 − 10 = 20. The other business's 500 is not ours. 85 + 15 + 20 = 120.
        Assert.Equal(120.00m, all["revenue"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("EUR", all["revenue"]!["currency"]!.GetValue<string>());
        // Booked: 30 b + 60 c + 30 j + 30 d + 60 e + 60 k + 60 g = 330 minutes.
        // Available per page: Anna (page hours) Sat 10–14 240 + Sun closed + Mon 09–17 480 = 720; Bob (own Mon 13–17, Tue) 240 → 960; two pages 1920.
        Assert.Equal(330 / 1920.0, all["occupancyRate"]!.GetValue<double>(), 10);

        var salon = (await GetAsync(app, "from=2027-03-27&to=2027-03-29&page=salon"))["bookings"]!.AsObject();
        // Without j: b c d e k g = 6.
        Assert.Equal(6, salon["count"]!.GetValue<int>());
        Assert.Equal("consult", salon["mostPopularService"]!.GetValue<string>()); // consult 3, haircut 2, yoga 1
        Assert.Equal("sun", salon["busiestWeekday"]!.GetValue<string>());         // Sat 2, Sun 3, Mon 1
        Assert.Equal(10, salon["busiestHour"]!.GetValue<int>());                  // 10: c k; the rest one each
        Assert.Equal(2.0, salon["averagePerDay"]!.GetValue<double>(), 10);
        Assert.Equal(95.00m, salon["revenue"]!["amount"]!.GetValue<decimal>());   // 25 × 2 + 10 + 15 + 20
        Assert.Equal(300 / 960.0, salon["occupancyRate"]!.GetValue<double>(), 10);

        // One day: the Sunday of the change (23 hours long) holds d e k.
        var sunday = (await GetAsync(app, "from=2027-03-28&to=2027-03-28"))["bookings"]!.AsObject();
        Assert.Equal(3, sunday["count"]!.GetValue<int>());
        Assert.Equal("sun", sunday["busiestWeekday"]!.GetValue<string>());
        Assert.Equal(1, sunday["busiestHour"]!.GetValue<int>()); // 1, 3 and 10 tie at one each
        Assert.Null(sunday["occupancyRate"]);                    // closed on Sundays: nothing available
    }

    [Fact]
    public async Task CustomerFigures_FollowTheirDefinitions()
    {
        var app = await NewAsync(Config());
        var vip = Person("vip", optIn: true);
        var lapsed = Person("lapsed");
        var fresh = Person("fresh", optIn: true);
        var onlyCancelled = Person("onlycancelled", optIn: true);
        var future = Person("future");
        var returning = Person("returning");
        var stranger = Person("stranger", optIn: true, tenant: _other);
        var rows = new List<Booking>();
        // vip: 10 visits, weekly from Tuesday 1 December 2026; the tenth (2 February 2027) falls in the range.
        for (var i = 0; i < 10; i++)
        {
            var day = new LocalDate(2026, 12, 1).PlusWeeks(i);
            rows.Add(Row($"{day:yyyy-MM-dd}T10:00:00", 1, "haircut", vip.Id, BookingStatus.Completed));
        }
        // lapsed: two visits in October, two no-shows in November, nothing since: inactive, a repeat no-show.
        rows.Add(Row("2026-10-05T10:00:00", 2, "haircut", lapsed.Id, BookingStatus.Completed));
        rows.Add(Row("2026-10-12T10:00:00", 2, "haircut", lapsed.Id, BookingStatus.Completed));
        rows.Add(Row("2026-11-02T10:00:00", 1, "haircut", lapsed.Id, BookingStatus.NoShow));
        rows.Add(Row("2026-11-16T10:00:00", 1, "haircut", lapsed.Id, BookingStatus.NoShow));
        // fresh: a cancelled booking in January (does not count), the first live one in the range: new.
        rows.Add(Row("2027-01-20T10:00:00", 1, "haircut", fresh.Id, BookingStatus.Cancelled));
        rows.Add(Row("2027-02-05T10:00:00", 1, "haircut", fresh.Id));
        // onlyCancelled and future never count: no live booking up to the range's end.
        rows.Add(Row("2027-02-10T10:00:00", 1, "haircut", onlyCancelled.Id, BookingStatus.Cancelled));
        rows.Add(Row("2027-03-05T10:00:00", 1, "haircut", future.Id));
        // returning: a visit in January, a no-show in the range: retained, one no-show only.
        rows.Add(Row("2027-01-10T10:00:00", 1, "haircut", returning.Id, BookingStatus.Completed));
        rows.Add(Row("2027-02-20T10:00:00", 1, "haircut", returning.Id, BookingStatus.NoShow));
        // Another business's client: never ours.
        for (var i = 0; i < 12; i++)
        {
            rows.Add(Row($"2027-02-{i + 1:00}T10:00:00", 1, "haircut", stranger.Id, BookingStatus.NoShow, tenant: _other));
        }
        Write(app, [vip, lapsed, fresh, onlyCancelled, future, returning, stranger], rows);

        var c = (await GetAsync(app, "from=2027-02-01&to=2027-02-28"))["customers"]!.AsObject();
        Assert.Equal(4, c["total"]!.GetValue<int>());                 // vip lapsed fresh returning
        Assert.Equal(1, c["new"]!.GetValue<int>());                   // fresh
        Assert.Equal(2 / 3.0, c["retentionRate"]!.GetValue<double>(), 10); // of vip lapsed returning (before), vip and returning came
        Assert.Equal(1, c["vip"]!.GetValue<int>());
        Assert.Equal(1, c["repeatNoShows"]!.GetValue<int>());         // lapsed
        Assert.Equal(2, c["marketingOptIns"]!.GetValue<int>());       // vip fresh (onlyCancelled is not a customer here)
        Assert.Equal(14 / 4.0, c["averageVisits"]!.GetValue<double>(), 10); // visits 10 + 2 + 1 + 1 (no-shows are not visits)
        // Inactive: last live booking before 1 December 2026 (90 days up to 28 February): lapsed (16 November).
        Assert.Equal(1, c["inactive"]!.GetValue<int>());
    }

    [Fact]
    public async Task VipCount_FollowsTheBusinessLoyaltyTiers()
    {
        var app = await NewAsync(Config());
        var four = Person("four");
        var ten = Person("ten");
        var three = Person("three");
        var rows = new List<Booking>();
        foreach (var (person, visits) in new[] { (four, 4), (ten, 10), (three, 3) })
        {
            for (var i = 0; i < visits; i++)
            {
                rows.Add(Row($"2027-02-{i + 1:00}T10:00:00", 1, "haircut", person.Id, BookingStatus.Completed));
            }
        }
        Write(app, [four, ten, three], rows);
        // The default tiers: VIP from 10 visits.
        Assert.Equal(1, (await GetAsync(app, "from=2027-02-01&to=2027-02-28"))["customers"]!["vip"]!.GetValue<int>());

        // This business makes a client VIP from 4 visits: "four" and "ten" count, "three" does not.
        var doc = Config();
        doc["pages"]![0]!["settings"]!["loyalty"] = new JsonObject { ["returning"] = 2, ["regular"] = 3, ["vip"] = 4 };
        var put = await PutConfig(app.Admin(), doc);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        Assert.Equal(2, (await GetAsync(app, "from=2027-02-01&to=2027-02-28"))["customers"]!["vip"]!.GetValue<int>());
    }

    [Fact]
    public async Task EmptyRange_AnswersZerosAndNulls()
    {
        var app = await NewAsync(Config());
        var body = await GetAsync(app, "from=2027-06-06&to=2027-06-06"); // a Sunday: closed
        var c = body["customers"]!.AsObject();
        Assert.Equal(0, c["total"]!.GetValue<int>());
        Assert.Equal(0, c["new"]!.GetValue<int>());
        Assert.Null(c["retentionRate"]);
        Assert.Equal(0, c["vip"]!.GetValue<int>());
        Assert.Equal(0, c["repeatNoShows"]!.GetValue<int>());
        Assert.Equal(0, c["marketingOptIns"]!.GetValue<int>());
        Assert.Null(c["averageVisits"]);
        Assert.Equal(0, c["inactive"]!.GetValue<int>());
        var b = body["bookings"]!.AsObject();
        Assert.Equal(0, b["count"]!.GetValue<int>());
        Assert.Equal(0m, b["revenue"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("EUR", b["revenue"]!["currency"]!.GetValue<string>());
        Assert.True(b.ContainsKey("mostPopularService") && b["mostPopularService"] is null);
        Assert.True(b.ContainsKey("busiestWeekday") && b["busiestWeekday"] is null);
        Assert.True(b.ContainsKey("busiestHour") && b["busiestHour"] is null);
        Assert.Equal(0.0, b["averagePerDay"]!.GetValue<double>());
        Assert.True(b.ContainsKey("occupancyRate") && b["occupancyRate"] is null);

        // A Tuesday is open (Anna 09–12 and 13–17, Bob 09–17 inside that): 420 + 420 minutes available, none booked.
        var tuesday = (await GetAsync(app, "from=2027-06-08&to=2027-06-08"))["bookings"]!.AsObject();
        Assert.Equal(0.0, tuesday["occupancyRate"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("to=2027-03-01", "from")]
    [InlineData("from=2027-03-01", "to")]
    [InlineData("from=2027-02-30&to=2027-03-01", "from")]
    [InlineData("from=2027-03-01&to=tomorrow", "to")]
    [InlineData("from=2027-03-02&to=2027-03-01", "to")]
    [InlineData("from=2026-01-01&to=2027-01-02", "to")]
    [InlineData("from=0001-01-01&to=9999-12-31", "from")]
    public async Task BadInput_Answers400_FieldByField(string query, string field)
    {
        var app = await NewAsync(Config());
        var response = await app.Admin().GetAsync($"/api/v1/admin/insights?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.EndsWith("/validation", problem["type"]!.GetValue<string>());
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Fact]
    public async Task UnknownPage_Is404_WithoutKey_401_AYearIsAllowed()
    {
        var app = await NewAsync(Config());
        var missing = await app.Admin().GetAsync("/api/v1/admin/insights?from=2027-03-01&to=2027-03-02&page=nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.EndsWith("/not-found", (await missing.Content.ReadFromJsonAsync<JsonObject>())!["type"]!.GetValue<string>());
        var anonymous = await app.CreateClient().GetAsync("/api/v1/admin/insights?from=2027-03-01&to=2027-03-02");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        // 366 days (a leap year's worth) is the longest range.
        var year = await GetAsync(app, "from=2027-01-01&to=2028-01-01");
        Assert.Equal(366, year["range"]!["days"]!.GetValue<int>());
    }

    [Fact]
    public async Task AdminPage_ShowsTheFigures_InEnglishAndDutch_PresetsAndBadDates()
    {
        var app = await NewAsync(Config());
        var ada = Person("ada", optIn: true);
        Write(app, [ada], [Row("2027-03-02T10:00:00", 1, "haircut", ada.Id), Row("2027-03-03T10:00:00", 1, "consult", ada.Id)]);
        var owner = await app.OwnerAsync();

        var home = await owner.GetAsync("/admin");
        Assert.Contains("href=\"/admin/insights\"", home);
        var page = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/insights?from=2027-03-01&to=2027-03-31"));
        Assert.Contains("<h1>Insights</h1>", page);
        Assert.Contains("2027-03-01 to 2027-03-31 (31 days)", page);
        Assert.Contains("25.00 EUR", page);                 // haircut 25 + consult 0
        Assert.Contains("<strong>Tuesday</strong>", page); // 2 March: Tuesday and Wednesday tie at one
        Assert.Contains("<strong>10:00</strong>", page);
        Assert.Contains("VIP customers (10+ visits)", page); // the business's top loyalty tier (the default here)
        Assert.DoesNotContain("<script>", page);
        Assert.DoesNotContain("style=", page[page.IndexOf("<main", StringComparison.Ordinal)..page.IndexOf("</main>", StringComparison.Ordinal)]);
        // The default range is this month (the clock says 1 April 2027); the presets link to last month and the last 30 days.
        var current = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/insights"));
        Assert.Contains("2027-04-01 to 2027-04-30 (30 days)", current);
        Assert.Contains("preset=last-month", current);
        var last = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/insights?preset=last-month"));
        Assert.Contains("2027-03-01 to 2027-03-31 (31 days)", last);
        var thirty = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/insights?preset=last-30"));
        Assert.Contains("2027-03-03 to 2027-04-01 (30 days)", thirty);

        var dutch = System.Net.WebUtility.HtmlDecode(await owner.GetAsync("/admin/insights?from=2027-03-01&to=2027-03-31&lang=nl"));
        Assert.Contains("<h1>Inzichten</h1>", dutch);
        Assert.Contains("dinsdag", dutch);
        Assert.Contains("VIP-klanten (10+ bezoeken)", dutch);

        var bad = await owner.Client.GetAsync("/admin/insights?from=2027-03-05&to=2027-03-01");
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("on or after the first", System.Net.WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()));

        // Without signing in: to the sign-in page, never the figures.
        var anonymous = await app.Session().Client.GetAsync("/admin/insights");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
    }
}

public sealed class SqliteInsightsTests(SqliteSharedApp shared) : InsightsTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresInsightsTests(PostgresSharedApp shared) : InsightsTests(shared), IClassFixture<PostgresSharedApp>;
