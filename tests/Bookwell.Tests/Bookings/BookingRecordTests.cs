using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// The admin list paged by cursor, the accepted terms' version kept per booking, a staff walk-in written once; on both databases.
/// One app per class and database, each test on a business of its own (see <see cref="SharedApp"/>).
/// </summary>
public abstract partial class BookingRecordTests(SharedApp shared)
{
    /// <summary>Monday 1 March 2027, 10:30 in Amsterdam: open, so a walk-in can start now.</summary>
    private static readonly Instant Morning = Instant.FromUtc(2027, 3, 1, 9, 30);

    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    /// <summary>A business of its own on the class's app, configured; the clock at <see cref="Morning"/>.</summary>
    private async Task<TenantSpace> StartAsync(JsonObject? config = null)
    {
        var app = await shared.NewBusinessAsync();
        app.Clock.Reset(Morning);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), config ?? Config())).StatusCode);
        return app;
    }

    private static Task<WebSession> OwnerAsync(TenantSpace app) => app.OwnerAsync("Olga", AccountTests.Password);

    /// <summary>
    /// 1,050 bookings every 45 minutes round the clock (so local midnights cut through them), every tenth
    /// sharing its start with the one before (so the id decides their order), written straight to the database.
    /// </summary>
    private static List<Booking> Seed(TenantSpace app)
    {
        var first = Instant.FromUtc(2027, 3, 2, 0, 0);
        var rows = new List<Booking>();
        for (var i = 0; i < 1050; i++)
        {
            var at = first + Duration.FromMinutes(45 * (i % 10 == 9 ? i - 1 : i));
            rows.Add(new Booking
            {
                Id = Guid.NewGuid(),
                TenantId = app.Id,
                PageSlug = "salon",
                ServiceKey = "consult",
                ServiceName = "Consultation",
                StartsAt = at,
                EndsAt = at + Duration.FromHours(1),
                Status = BookingStatus.Confirmed,
                TimeZone = "Europe/Amsterdam",
                CustomerName = $"Client {i}",
                CustomerEmail = $"c{i}@example.com",
                ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
                CreatedAt = BookwellApp.DefaultNow,
                UpdatedAt = BookwellApp.DefaultNow,
            });
        }
        app.WithDb(db =>
        {
            db.Bookings.AddRange(rows);
            return db.SaveChanges();
        });
        return rows;
    }

    private static async Task<List<JsonObject>> WalkAsync(HttpClient admin, string query)
    {
        var seen = new List<JsonObject>();
        string? cursor = null;
        for (var pages = 0; pages < 100; pages++)
        {
            var url = $"/api/v1/admin/bookings?{query}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var body = (await admin.GetFromJsonAsync<JsonObject>(url))!;
            Assert.True(body.ContainsKey("nextCursor"));
            seen.AddRange(body["items"]!.AsArray().Select(x => x!.AsObject()));
            cursor = body["nextCursor"]?.GetValue<string>();
            if (cursor is null)
            {
                return seen;
            }
        }
        Assert.Fail("the cursor never ended");
        return seen;
    }

    private static Instant StartOf(JsonObject item) =>
        NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(item["start"]!.GetValue<string>()).Value.ToInstant();

    [Fact]
    public async Task AdminList_WalkingTheCursor_ReachesEveryBookingOnce_InOrder()
    {
        var app = await StartAsync();
        var rows = Seed(app);
        var admin = app.Admin();

        var first = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/bookings"))!;
        Assert.Equal(100, first["items"]!.AsArray().Count);

        var all = await WalkAsync(admin, "limit=500");
        Assert.Equal(rows.Select(r => r.Id.ToString()).Order(), all.Select(x => x["id"]!.GetValue<string>()).Order());
        Assert.Equal(all.Count, all.Select(x => x["id"]!.GetValue<string>()).Distinct().Count());
        var starts = all.Select(StartOf).ToList();
        Assert.Equal(starts.Order(), starts);

        // Local dates are cut after the query: small pages still fill up and end exactly at the range's edges.
        var from = new LocalDate(2027, 3, 5);
        var to = new LocalDate(2027, 3, 8);
        var expected = rows.Where(r => r.StartsAt.InZone(Amsterdam).Date is var d && d >= from && d <= to).Select(r => r.Id.ToString()).Order().ToList();
        var ranged = await WalkAsync(admin, "from=2027-03-05&to=2027-03-08&limit=7");
        Assert.Equal(expected, ranged.Select(x => x["id"]!.GetValue<string>()).Order());
        Assert.Equal(expected.Count, ranged.Select(x => x["id"]!.GetValue<string>()).Distinct().Count());
        var rangedStarts = ranged.Select(StartOf).ToList();
        Assert.Equal(rangedStarts.Order(), rangedStarts);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=nonsense", "cursor")]
    [InlineData("cursor=YjEuMTIzLnh5eg", "cursor")]
    public async Task AdminList_BadLimitOrCursor_IsAFieldError(string query, string field)
    {
        var app = await StartAsync();
        var response = await app.Admin().GetAsync($"/api/v1/admin/bookings?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await Body(response))["errors"]![field] is JsonArray { Count: > 0 });
    }

    [Fact]
    public async Task AdminPage_WithMoreThanAPage_LinksToTheNext()
    {
        var app = await StartAsync();
        Seed(app);
        var owner = await OwnerAsync(app);
        var html = await owner.GetAsync("/admin/bookings");
        Assert.Matches(NextLink(), html);
        var last = await owner.GetAsync("/admin/bookings?p=21");
        Assert.Contains("Client 1049", last, StringComparison.Ordinal);
        Assert.DoesNotMatch(NextLink(), last);
    }

    [GeneratedRegex("<a [^>]*href=\"/admin/bookings\\?[^\"]*p=\\d+\"[^>]*>Next")]
    private static partial Regex NextLink();

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static JsonObject WithTerms(string text) => Config().Also(c =>
    {
        var settings = c["pages"]![0]!["settings"]!.AsObject();
        settings["termsRequired"] = true;
        settings["termsText"] = text;
    });

    [Fact]
    public async Task Terms_TheAcceptedTextsVersionAndTime_AreKept_WhenTheTextChangesLater()
    {
        const string v1 = "Cancel 24 hours ahead or pay half. — Version één";
        const string v2 = "Cancel 48 hours ahead or pay in full.";
        var app = await StartAsync(WithTerms(v1));
        var firstResponse = await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", service: "consult", staff: "anna"));
        Assert.Equal(HttpStatusCode.Created, firstResponse.StatusCode);
        var firstId = Guid.Parse((await Body(firstResponse))["id"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), WithTerms(v2))).StatusCode);
        app.Clock.Advance(Duration.FromMinutes(5));
        var secondResponse = await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00", service: "consult", staff: "anna", email: "b@example.com"));
        Assert.Equal(HttpStatusCode.Created, secondResponse.StatusCode);
        var secondId = Guid.Parse((await Body(secondResponse))["id"]!.GetValue<string>());

        var (first, second) = app.WithDb(db => (db.Bookings.Single(b => b.Id == firstId), db.Bookings.Single(b => b.Id == secondId)));
        Assert.Equal((Sha256(v1), (Instant?)Morning), (first.TermsHash, first.TermsAcceptedAt));
        Assert.Equal((Sha256(v2), (Instant?)(Morning + Duration.FromMinutes(5))), (second.TermsHash, second.TermsAcceptedAt));

        var json = (await app.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{firstId}"))!;
        Assert.Equal(Sha256(v1), json["termsHash"]!.GetValue<string>());
        Assert.Equal("2027-03-01T10:30:00+01:00", json["termsAcceptedAt"]!.GetValue<string>());

        var owner = await OwnerAsync(app);
        var page = WebUtility.HtmlDecode(await owner.GetAsync($"/admin/bookings/{firstId}"));
        Assert.Contains($"(version {Sha256(v1)[..8]})", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terms_NotAccepted_LeaveNoVersion()
    {
        var app = await StartAsync(WithTerms("Some terms"));
        var body = Booking("2027-03-02T10:00:00+01:00", service: "consult", staff: "anna");
        body["page"] = Slug;
        body["termsAccepted"] = false;
        var created = await Body(await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body)));
        Assert.Null(created["termsHash"]);
        Assert.Null(created["termsAcceptedAt"]);
    }

    [Fact]
    public async Task StaffWalkIn_IsInProgress_FromOneWrite()
    {
        var app = await StartAsync();
        var owner = await OwnerAsync(app);
        var saved = await owner.PostFormAsync("/admin/setup/p/salon/staff/anna?handler=Pin", [KeyValuePair.Create("pin", "2468")], "/admin/setup/p/salon/staff/anna");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var staff = app.Session();
        Assert.Equal("/staff", (await staff.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))).Headers.Location?.OriginalString);

        var walkIn = await staff.PostFormAsync("/staff?handler=WalkIn&site=salon", [KeyValuePair.Create("service", "consult"), KeyValuePair.Create("name", "Walter")], "/staff");
        Assert.Equal(HttpStatusCode.Redirect, walkIn.StatusCode);

        var booking = app.WithDb(db => db.Bookings.Include(b => b.History).Single());
        Assert.Equal((BookingStatus.InProgress, true, Morning), (booking.Status, booking.WalkIn, booking.StartsAt));
        // One entry: created straight into in_progress, not created-as-confirmed and then moved in a second transaction.
        var entry = Assert.Single(booking.History);
        Assert.Equal((BookingAction.Created, (BookingStatus?)null, BookingStatus.InProgress), (entry.Action, entry.FromStatus, entry.ToStatus));
        Assert.StartsWith("staff:", entry.By, StringComparison.Ordinal);
    }
}

public sealed class SqliteBookingRecordTests(SqliteSharedApp shared) : BookingRecordTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresBookingRecordTests(PostgresSharedApp shared) : BookingRecordTests(shared), IClassFixture<PostgresSharedApp>;
