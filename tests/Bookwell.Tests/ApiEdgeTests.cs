using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests;

/// <summary>
/// The edges of the HTTP surface, on both databases, one app per class: answers no endpoint wrote (unknown route, wrong
/// method, wrong media type) in Bookwell's problem shape; bodies over a limit answered 413; HEAD answered like GET without
/// a body; ids in a route read exactly.
/// </summary>
public abstract class ApiEdgeTests(ApiEdgeTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public string BookingId { get; private set; } = "";

        /// <summary>The owner's dashboard session.</summary>
        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config().Also(c => c["pages"]![0]!["settings"]!["waitlist"] = true))).StatusCode);
            var booked = await Book(App.CreateClient(), Booking("2027-03-02T10:00:00+01:00", staff: "anna"));
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
            BookingId = (await Body(booked))["id"]!.GetValue<string>();
            Owner = WebSession.For(App);
            await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"), ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey));
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private const string SlotsUrl = $"/api/v1/pages/{Slug}/slots?service=haircut&from=2027-03-02&to=2027-03-03";

    private static async Task<JsonNode> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal($"https://bookwell.dev/problems/{code}", problem["type"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        return problem;
    }

    [Fact]
    public async Task UnknownRoute_WrongMethod_WrongMediaType_AreBookwellProblems()
    {
        var client = shared.App.CreateClient();
        await ProblemAsync(await client.GetAsync("/api/v1/no-such-thing"), HttpStatusCode.NotFound, "not-found");
        await ProblemAsync(await shared.App.Admin().GetAsync("/api/v1/admin/no-such-thing"), HttpStatusCode.NotFound, "not-found");
        // A browser's Accept does not turn an API answer into text.
        using (var html = new HttpRequestMessage(HttpMethod.Get, "/api/v1/pages/salon/nothing"))
        {
            html.Headers.Accept.ParseAdd("text/html");
            await ProblemAsync(await client.SendAsync(html), HttpStatusCode.NotFound, "not-found");
        }

        var wrongMethod = await client.DeleteAsync(SlotsUrl);
        var problem = await ProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        Assert.Contains("GET", wrongMethod.Content.Headers.Allow);
        Assert.Contains("DELETE", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        using var text = new StringContent("{}", Encoding.UTF8, "text/plain");
        await ProblemAsync(await client.PostAsync($"/api/v1/pages/{Slug}/bookings", text), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        using var form = new FormUrlEncodedContent([KeyValuePair.Create("service", "consult")]);
        await ProblemAsync(await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", form), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    /// <summary>A body whose length is not announced (sent chunked), so the server finds its size only by reading.</summary>
    private sealed class UnannouncedContent(byte[] bytes, string mediaType) : HttpContent
    {
        private readonly byte[] _bytes = bytes;

        public UnannouncedContent Typed()
        {
            Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return this;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    /// <summary>
    /// A body sent without its length is read in pieces into a buffer that grows: one of exactly the limit (whitespace is
    /// valid JSON) is read whole and booked, one byte more is refused, and nothing of it is written.
    /// </summary>
    [Fact]
    public async Task UnannouncedBodies_AreReadWhole_UpToTheLimitExactly()
    {
        var client = shared.App.CreateClient();
        var json = Booking("2027-03-02T14:00:00+01:00", email: "chunked@example.com", staff: "anna").ToJsonString();
        byte[] Padded(int size) => Encoding.UTF8.GetBytes(json[..^1] + new string(' ', size - Encoding.UTF8.GetByteCount(json)) + "}");
        using (var over = new UnannouncedContent(Padded(65537), "application/json").Typed())
        {
            await ProblemAsync(await client.PostAsync($"/api/v1/pages/{Slug}/bookings", over), HttpStatusCode.RequestEntityTooLarge, "too-large");
        }
        Assert.Equal(0, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "chunked@example.com")));
        using var exact = new UnannouncedContent(Padded(65536), "application/json").Typed();
        var created = await client.PostAsync($"/api/v1/pages/{Slug}/bookings", exact);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Body(created);
        Assert.Equal("anna", body["staff"]!.GetValue<string>());
        Assert.Equal(1, shared.App.WithDb(db => db.Bookings.Count(b => b.CustomerEmail == "chunked@example.com")));
    }

    [Fact]
    public async Task BodiesOverTheLimit_Answer413_WithAProblem_JsonAndForms()
    {
        var client = shared.App.CreateClient();
        var bookings = shared.App.WithDb(db => db.Bookings.Count());
        // 64 KiB is the booking body's limit: a notes field of 80 KiB takes it over.
        var big = Booking("2027-03-02T11:00:00+01:00", staff: "anna").Also(b => b["notes"] = new string('n', 80 * 1024));
        var announced = await ProblemAsync(await client.PostAsync($"/api/v1/pages/{Slug}/bookings", Json(big)), HttpStatusCode.RequestEntityTooLarge, "too-large");
        Assert.Contains("65536", announced["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        using var chunked = new UnannouncedContent(Encoding.UTF8.GetBytes(big.ToJsonString()), "application/json").Typed();
        await ProblemAsync(await client.PostAsync($"/api/v1/pages/{Slug}/bookings", chunked), HttpStatusCode.RequestEntityTooLarge, "too-large");
        var waitlist = new JsonObject { ["service"] = "consult", ["date"] = "2027-03-03", ["customer"] = new JsonObject { ["name"] = new string('w', 9000) } };
        await ProblemAsync(await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(waitlist)), HttpStatusCode.RequestEntityTooLarge, "too-large");
        await ProblemAsync(await shared.App.Admin().PutAsync("/api/v1/admin/config", Json(Config().Also(c => c["pad"] = new string('p', 3 * 1024 * 1024)))),
            HttpStatusCode.RequestEntityTooLarge, "too-large");
        Assert.Equal(bookings, shared.App.WithDb(db => db.Bookings.Count()));

        // Page forms, URL-encoded and multipart, with a value past the form reader's 4 MB.
        var visitor = WebSession.For(shared.App);
        var huge = new string('x', 5 * 1024 * 1024);
        using var encoded = new FormUrlEncodedContent([KeyValuePair.Create("Name", huge), KeyValuePair.Create("Email", "a@example.com")]);
        await ProblemAsync(await visitor.Client.PostAsync($"/book/{Slug}/waitlist?service=consult&date=2027-03-03", encoded), HttpStatusCode.RequestEntityTooLarge, "too-large");
        using var multipart = new MultipartFormDataContent { { new StringContent(huge), "Notes" } };
        await ProblemAsync(await visitor.Client.PostAsync($"/book/{Slug}", multipart), HttpStatusCode.RequestEntityTooLarge, "too-large");
        Assert.Equal(0, shared.App.WithDb(db => db.WaitlistEntries.Count()));
    }

    [Fact]
    public async Task Head_AnswersLikeGet_WithoutABody_KeepingETagAnd304()
    {
        var client = shared.App.CreateClient();
        var get = await client.GetAsync(SlotsUrl);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var tag = get.Headers.ETag;
        Assert.NotNull(tag);
        Assert.NotEmpty(await get.Content.ReadAsByteArrayAsync());

        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, SlotsUrl));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(tag, head.Headers.ETag);
        Assert.Equal("application/json", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        using var conditional = new HttpRequestMessage(HttpMethod.Head, SlotsUrl);
        conditional.Headers.IfNoneMatch.Add(tag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(conditional)).StatusCode);

        var page = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/v1/pages/{Slug}"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Empty(await page.Content.ReadAsByteArrayAsync());
        var missing = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/v1/pages/no-such-page/slots?service=haircut&from=2027-03-02&to=2027-03-02"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Empty(await missing.Content.ReadAsByteArrayAsync());
        // HEAD is no way around a method an endpoint does not take.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/v1/pages/{Slug}/bookings"))).StatusCode);
    }

    [Fact]
    public async Task RouteIds_AreExact_NoSpacesBracesOrOtherSpellings()
    {
        var admin = shared.App.Admin();
        var id = shared.BookingId;
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/admin/bookings/{id}")).StatusCode);
        foreach (var spelling in new[] { $"{id}%20", $"%20{id}", $"{id}%09", $"{{{id}}}", Guid.Parse(id).ToString("N"), $"({id})" })
        {
            await ProblemAsync(await admin.GetAsync($"/api/v1/admin/bookings/{spelling}"), HttpStatusCode.NotFound, "not-found");
            await ProblemAsync(await admin.PostAsync($"/api/v1/admin/bookings/{spelling}/status", Json(new JsonObject { ["status"] = "completed" })),
                HttpStatusCode.NotFound, "not-found");
            await ProblemAsync(await admin.GetAsync($"/api/v1/admin/bookings/{spelling}/refunds"), HttpStatusCode.NotFound, "not-found");
        }
        Assert.Equal("confirmed", (await Body(await admin.GetAsync($"/api/v1/admin/bookings/{id}")))["status"]!.GetValue<string>());

        // The dashboard's pages read the same way (their {id:guid} routes).
        Assert.Equal(HttpStatusCode.OK, (await shared.Owner.Client.GetAsync($"/admin/bookings/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await shared.Owner.Client.GetAsync($"/admin/bookings/{id}%20")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await shared.Owner.Client.GetAsync($"/admin/bookings/{Guid.Parse(id):N}")).StatusCode);
    }
}

public sealed class SqliteApiEdgeShared : ApiEdgeTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresApiEdgeShared : ApiEdgeTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteApiEdgeTests(SqliteApiEdgeShared shared) : ApiEdgeTests(shared), IClassFixture<SqliteApiEdgeShared>;

public sealed class PostgresApiEdgeTests(PostgresApiEdgeShared shared) : ApiEdgeTests(shared), IClassFixture<PostgresApiEdgeShared>;
