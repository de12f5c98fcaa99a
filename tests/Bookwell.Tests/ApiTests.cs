using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests;

/// <summary>
/// The contract, end to end over HTTP. Every test runs once per database (see the two subclasses). On SQLite one app for
/// the class: each test gets a business of its own on it (its own tenant, host and API key) and sets the fake clock to the
/// suite's "now" first, so the tests stay independent of each other and of their order (see <see cref="SharedApp"/>; on
/// PostgreSQL each test has its own app). Tests that need other settings or a restart start an app of their own.
/// </summary>
public abstract class ApiTests(SharedApp shared)
{
    private Db Kind => shared.Kind;

    private async Task<TenantSpace> NewBusiness() => await shared.NewBusinessAsync();

    /// <summary>A business of its own on the class's app, configured with the standard document.</summary>
    private async Task<TenantSpace> NewConfigured()
    {
        var business = await NewBusiness();
        var response = await PutConfig(business.Admin(), Config());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return business;
    }

    /// <summary>An app of its own (other settings, a restart), configured with the standard document.</summary>
    private async Task<BookwellApp> StartConfigured(Action<Dictionary<string, string?>>? settings = null)
    {
        var app = await BookwellApp.StartAsync(Kind, settings);
        var response = await PutConfig(app.Admin(), Config());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return app;
    }

    private const string Tue10 = "2027-03-02T10:00:00+01:00";

    [Fact]
    public async Task PutConfig_SameDocumentTwice_GetReturnsItAndNothingChanges()
    {
        var app = await NewConfigured();
        var admin = app.Admin();
        var before = await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/config");
        var version = app.WithDb(db => db.Tenants.Single(t => t.Id == app.Id).ConfigVersion);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        var after = await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/config");
        Assert.Equal(before!.ToJsonString(), after!.ToJsonString());
        Assert.Equal(version, app.WithDb(db => db.Tenants.Single(t => t.Id == app.Id).ConfigVersion));
        Assert.Equal("salon", after["pages"]![0]!["slug"]!.GetValue<string>());
        Assert.Equal(30, after["pages"]![0]!["services"]![0]!["durationMinutes"]!.GetValue<int>());
    }

    [Fact]
    public async Task PutConfig_InvalidDocument_RejectedWholeWithPerPathErrors()
    {
        var app = await NewConfigured();
        var doc = Config();
        doc["pages"]![0]!["services"]![1]!["durationMinutes"] = 0;
        doc["pages"]![0]!["timeZone"] = "Mars/Olympus";
        doc["pages"]![0]!["staff"]![0]!["services"] = new JsonArray("nope");
        doc["pages"]![0]!["name"] = "Renamed";
        var response = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await Body(response);
        Assert.EndsWith("validation", problem["type"]!.GetValue<string>());
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].services[1].durationMinutes"));
        Assert.True(errors.ContainsKey("pages[0].timeZone"));
        Assert.True(errors.ContainsKey("pages[0].staff[0].services[0]"));
        var current = await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/config");
        Assert.Equal("Test Salon", current!["pages"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task PutConfig_WrongJsonType_PointsAtTheField()
    {
        var app = await NewConfigured();
        var doc = Config();
        doc["pages"]![0]!["services"]![0]!["durationMinutes"] = "thirty";
        var problem = await Body(await PutConfig(app.Admin(), doc));
        Assert.True(problem["errors"]!.AsObject().ContainsKey("pages[0].services[0].durationMinutes"));
    }

    [Fact]
    public async Task PutConfig_ControlCharactersAndOverridesInTexts_AreRefusedFieldByField_LineBreaksInDescriptionsAreNot()
    {
        var app = await NewConfigured();
        var doc = Config();
        var service = doc["pages"]![0]!["services"]![0]!;
        service["name"] = "Colour \u202Eevil\u202C";
        service["description"] = "Two lines,\nand a bell\u0007 here";
        doc["pages"]![0]!["name"] = "Salon\u0007";
        var response = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("pages[0].services[0].name"));
        Assert.True(errors.ContainsKey("pages[0].services[0].description"));
        Assert.True(errors.ContainsKey("pages[0].name"));

        // A description may break lines; that alone is fine.
        doc = Config();
        doc["pages"]![0]!["services"]![0]!["description"] = "Wash, cut\nand blow-dry.\r\nAbout an hour.";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
    }

    [Theory]
    [InlineData("#FFD700")] // gold: white text on it reads at 1.4:1
    [InlineData("#7dd3fc")]
    [InlineData("blue")]
    public async Task PutConfig_AccentColourUnreadableOrMalformed_IsRejected(string colour)
    {
        var app = await NewConfigured();
        var doc = Config();
        doc["pages"]![0]!["branding"]!["accentColor"] = colour;
        var response = await PutConfig(app.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey("pages[0].branding.accentColor"));
    }

    [Fact]
    public async Task AdminEndpoints_WithoutOrWithWrongKey_Return401Problem()
    {
        var app = await NewConfigured();
        var anonymous = app.CreateClient();
        var response = await anonymous.GetAsync("/api/v1/admin/config");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/admin/bookings")).StatusCode);
    }

    [Fact]
    public async Task GetPage_ShowsActiveServicesWithTheirStaff_UnknownPageIs404()
    {
        var app = await NewConfigured();
        var doc = Config();
        doc["pages"]![0]!["services"]![1]!["active"] = false;
        await PutConfig(app.Admin(), doc);
        var page = await app.CreateClient().GetFromJsonAsync<JsonObject>("/api/v1/pages/salon");
        var services = page!["services"]!.AsArray();
        Assert.DoesNotContain(services, s => s!["key"]!.GetValue<string>() == "consult");
        var haircut = services.First(s => s!["key"]!.GetValue<string>() == "haircut")!;
        Assert.Equal(["anna", "bob"], haircut["staff"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()));
        Assert.Equal(25.00m, haircut["price"]!["amount"]!.GetValue<decimal>());
        var missing = await app.CreateClient().GetAsync("/api/v1/pages/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.EndsWith("not-found", (await Body(missing))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Slots_ContractGridExample_OffersRangeStartAndOneStepLater()
    {
        var app = await NewConfigured();
        // Friday hours are 07:30-09:30; the consultation lasts 60 minutes.
        var starts = await SlotStarts(app.CreateClient(), "consult", "2027-03-05", "2027-03-05");
        Assert.Equal(["2027-03-05T07:30:00+01:00", "2027-03-05T08:30:00+01:00"], starts);
    }

    [Fact]
    public async Task Slots_ViewerTimeZone_ExpressesSameInstantsInThatZone()
    {
        var app = await NewConfigured();
        var starts = await SlotStarts(app.CreateClient(), "consult", "2027-03-05", "2027-03-05", "Asia/Kathmandu");
        Assert.Equal(["2027-03-05T12:15:00+05:45", "2027-03-05T13:15:00+05:45"], starts);
    }

    [Fact]
    public async Task Slots_ExceptionsAndAllowedDays_AreHonoured()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        Assert.Empty(await SlotStarts(client, "consult", "2027-03-10", "2027-03-10")); // closed for the day
        Assert.Equal(["2027-03-11T09:00:00+01:00"], await SlotStarts(client, "consult", "2027-03-11", "2027-03-11")); // replacement hours
        Assert.Empty(await SlotStarts(client, "consult", "2027-03-07", "2027-03-07")); // Sunday
    }

    [Theory]
    [InlineData("service=haircut&from=2027-03-01&to=2027-05-02", "to")]
    [InlineData("service=haircut&from=2027-03-05&to=2027-03-01", "to")]
    [InlineData("service=haircut&from=yesterday&to=2027-03-01", "from")]
    [InlineData("service=haircut&from=2027-03-01&to=2027-03-01&timeZone=Nowhere/City", "timeZone")]
    [InlineData("from=2027-03-01&to=2027-03-01", "service")]
    [InlineData("service=haircut&from=2027-03-01&to=2027-03-01&staff=zoe", "staff")]
    public async Task Slots_BadQuery_Returns400WithTheField(string query, string field)
    {
        var app = await NewConfigured();
        var response = await app.CreateClient().GetAsync($"/api/v1/pages/salon/slots?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task CreateBooking_FreeSlot_Returns201AndTheSlotIsGone()
    {
        // The default business (the bootstrap key's, on any host no business claims), whose links follow the install's
        // configured address. The only test of the class that uses it.
        var app = await shared.DefaultBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var client = app.CreateClient();
        Assert.Contains(Tue10, await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02"));
        var response = await Book(client, Booking(Tue10));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booking = await Body(response);
        Assert.Equal("confirmed", booking["status"]!.GetValue<string>());
        Assert.Equal(Tue10, booking["start"]!.GetValue<string>());
        Assert.Equal("2027-03-02T10:30:00+01:00", booking["end"]!.GetValue<string>());
        Assert.Equal("anna", booking["staff"]!.GetValue<string>());
        Assert.Equal(["chair-1"], booking["resources"]!.AsArray().Select(r => r!.GetValue<string>()));
        var token = booking["manageToken"]!.GetValue<string>();
        Assert.True(token.Length >= 22);
        Assert.Equal($"https://book.example.test/booking/{token}", booking["manageUrl"]!.GetValue<string>());
        // The only chair is taken, so nobody else can have a haircut at 10:00.
        Assert.DoesNotContain(Tue10, await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02"));
    }

    [Fact]
    public async Task CreateBooking_SameSlotTwice_SecondGets409SlotUnavailable()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(Tue10))).StatusCode);
        var second = await Book(client, Booking(Tue10, email: "grace@example.com"));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await Body(second);
        Assert.EndsWith("slot-unavailable", problem["type"]!.GetValue<string>());
        Assert.Equal("Time slot no longer available", problem["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateBooking_InvalidFields_Returns400FieldByField()
    {
        var app = await NewConfigured();
        var body = Booking(Tue10);
        body["customer"]!["email"] = "not-an-email";
        body["answers"] = new JsonObject { ["hairLength"] = "purple", ["extra"] = "x" };
        body["start"] = "tomorrow at ten";
        var response = await Book(app.CreateClient(), body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("customer.email"));
        Assert.True(errors.ContainsKey("answers.hairLength"));
        Assert.True(errors.ContainsKey("answers.extra"));
        Assert.True(errors.ContainsKey("start"));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("")]
    [InlineData("{\"service\": 5}")]
    public async Task CreateBooking_MalformedBody_Returns400NotA500(string raw)
    {
        var app = await NewConfigured();
        var response = await app.CreateClient().PostAsync("/api/v1/pages/salon/bookings", new StringContent(raw, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.EndsWith("validation", (await Body(response))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateBooking_DuplicateKeysAreRefused_AndThousandsOfBadFieldsGetAShortAnswer()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        // Last-one-wins would book 10:30 while a proxy or log that reads the first key saw 10:00.
        var json = Booking("2027-03-02T10:00:00+01:00").ToJsonString();
        var twice = json.Insert(1, "\"start\":\"2027-03-02T10:30:00+01:00\",");
        var refused = await client.PostAsync("/api/v1/pages/salon/bookings", new StringContent(twice, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(0, app.WithDb(db => db.Bookings.Count()));

        var body = Booking("2027-03-02T10:00:00+01:00");
        var answers = new JsonObject();
        for (var i = 0; i < 3000; i++)
        {
            answers[$"unknown{i}"] = "x";
        }
        body["answers"] = answers;
        var response = await Book(client, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.InRange((await Body(response))["errors"]!.AsObject().Count, 1, Bookwell.Infrastructure.Errors.MaxFields);
    }

    [Theory]
    [InlineData("2027-03-02T10:15:00+01:00")] // off the grid
    [InlineData("2027-03-02T12:00:00+01:00")] // lunch break
    [InlineData("2027-03-01T08:30:00+01:00")] // in the past / before opening
    [InlineData("2027-06-01T10:00:00+02:00")] // beyond the horizon
    public async Task CreateBooking_StartNotOffered_Returns409(string start)
    {
        var app = await NewConfigured();
        var response = await Book(app.CreateClient(), Booking(start));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task CreateBooking_SameEmailDifferentCaseOrSpaces_OneCustomerUpdated()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(Tue10, email: "Ada@Example.com"))).StatusCode);
        var second = Booking("2027-03-02T11:00:00+01:00", email: "ada@example.COM");
        second["customer"]!["name"] = "Ada King";
        Assert.Equal(HttpStatusCode.Created, (await Book(client, second)).StatusCode);
        // Spaces pasted around the address (a phone keyboard's autocomplete adds one) must not fork the profile either.
        var third = Booking("2027-03-02T11:30:00+01:00", email: "  ADA@example.com ");
        third["customer"]!["name"] = "Ada King";
        Assert.Equal(HttpStatusCode.Created, (await Book(client, third)).StatusCode);
        var customers = app.WithDb(db => db.Customers.ToList());
        var customer = Assert.Single(customers);
        Assert.Equal("Ada King", customer.Name);
        Assert.Equal(3, app.WithDb(db => db.Bookings.Count(b => b.CustomerId == customer.Id)));
    }

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];

    private static async Task<HttpResponseMessage> Upload(HttpClient client, byte[] bytes, string type, string name = "hair.png")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        form.Add(file, "file", name);
        return await client.PostAsync("/api/v1/pages/salon/uploads", form);
    }

    [Fact]
    public async Task FileField_UploadThenBook_AttachesOnceAndAdminCanDownload()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var uploaded = await Upload(client, Png, "image/png");
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var id = (await Body(uploaded))["id"]!.GetValue<string>();
        var body = Booking(Tue10);
        body["answers"]!["photo"] = id;
        var booking = await Body(await Book(client, body));
        Assert.Equal(id, booking["answers"]!["photo"]!.GetValue<string>());
        Assert.Equal(Png, await app.Admin().GetByteArrayAsync($"/api/v1/admin/uploads/{id}"));

        var again = Booking("2027-03-02T11:00:00+01:00", email: "grace@example.com");
        again["answers"]!["photo"] = id;
        var reused = await Book(client, again);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.True((await Body(reused))["errors"]!.AsObject().ContainsKey("answers.photo"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/v1/admin/uploads/{id}")).StatusCode);
    }

    /// <summary>
    /// A one-by-one write that answers without committing (here a file answer naming an upload that does not exist: the
    /// booking and its client were already added when that was found) rolls back and leaves nothing tracked (BookingWrite),
    /// so a later write in the same scope (a caller booking several in one, as the demo seed does) does not carry the refused
    /// booking into the database as a booking holding no time. Before the one write loop it did, on both databases.
    /// </summary>
    [Fact]
    public async Task RefusedWrite_LeavesNothingTracked_ForALaterWriteInTheSameScope()
    {
        var app = await NewConfigured();
        using (var scope = app.CreateScope())
        {
            var services = scope.ServiceProvider;
            var db = services.GetRequiredService<Bookwell.Data.BookwellDb>();
            var page = (await services.GetRequiredService<Bookwell.Features.Configuration.CatalogCache>().GetAsync(db, CancellationToken.None)).Pages[Slug];
            var writer = services.GetRequiredService<Bookwell.Features.Bookings.BookingCreator>();
            Bookwell.Features.Bookings.ValidBooking Valid(JsonObject body)
            {
                var errors = new Bookwell.Infrastructure.Errors();
                var valid = Bookwell.Features.Bookings.BookingValidation.Validate(
                    body.Deserialize<Bookwell.Features.Bookings.BookingRequest>(Bookwell.Infrastructure.Json.Options)!, page, errors, admin: false);
                Assert.True(!errors.Any, string.Join("; ", errors.ToDictionary().Select(kv => $"{kv.Key}: {string.Join(",", kv.Value)}")));
                return valid!;
            }
            var refused = Booking(Tue10, email: "grace@example.com");
            refused["answers"]!["photo"] = Guid.NewGuid().ToString("N");
            Assert.IsType<Bookwell.Features.Bookings.WriteResult.Invalid>(await writer.CreateAsync(Valid(refused), "customer", null, CancellationToken.None));
            Assert.IsType<Bookwell.Features.Bookings.WriteResult.Done>(
                await writer.CreateAsync(Valid(Booking("2027-03-02T11:00:00+01:00", email: "ada@example.com")), "customer", null, CancellationToken.None));
        }
        Assert.Equal(["ada@example.com"], app.WithDb(db => db.Bookings.Select(b => b.CustomerEmail).ToList()));
        Assert.Equal(["ada@example.com"], app.WithDb(db => db.Customers.Select(c => c.Email).ToList()));
    }

    [Fact]
    public async Task Upload_NeverAttached_IsDeletedAfterADay()
    {
        var app = await NewConfigured();
        var kept = (await Body(await Upload(app.CreateClient(), Png, "image/png")))["id"]!.GetValue<string>();
        var body = Booking(Tue10);
        body["answers"]!["photo"] = kept;
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), body)).StatusCode);
        var orphan = (await Body(await Upload(app.CreateClient(), Png, "image/png")))["id"]!.GetValue<string>();
        var worker = app.App.Services.GetRequiredService<Bookwell.Features.Bookings.TimeRulesWorker>();
        app.Clock.Advance(Duration.FromHours(23));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.True(app.WithDb(db => db.Uploads.Any(u => u.Id == orphan)));
        app.Clock.Advance(Duration.FromHours(2));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal([kept], app.WithDb(db => db.Uploads.Select(u => u.Id).ToList()));
    }

    [Theory]
    [InlineData("image/png", "not a png")]
    [InlineData("application/x-msdownload", "MZ")]
    public async Task Upload_ContentNotMatchingAnAllowedType_IsRefused(string type, string content)
    {
        var app = await NewConfigured();
        var response = await Upload(app.CreateClient(), System.Text.Encoding.ASCII.GetBytes(content), type, "x.bin");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey("file"));
    }

    [Fact]
    public async Task ManageToken_IsStoredOnlyAsAHash()
    {
        var app = await NewConfigured();
        var booking = await Body(await Book(app.CreateClient(), Booking(Tue10)));
        var token = booking["manageToken"]!.GetValue<string>();
        var stored = app.WithDb(db => db.Bookings.Single().ManageTokenHash);
        Assert.NotEqual(token, stored);
        Assert.DoesNotContain(token, stored);
        var wrong = await app.CreateClient().GetAsync($"/api/v1/bookings/{token[..^2]}xx");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
    }

    [Fact]
    public async Task Cancel_ByToken_FreesTheTimeAtOnceAndRecordsHistory()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var token = (await Body(await Book(client, Booking(Tue10))))["manageToken"]!.GetValue<string>();
        var cancelled = await Body(await client.PostAsync($"/api/v1/bookings/{token}/cancel", null));
        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Contains(Tue10, await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02"));
        var history = cancelled["history"]!.AsArray();
        Assert.Equal(["created", "status"], history.Select(h => h!["action"]!.GetValue<string>()));
        Assert.Equal("cancelled", history[1]!["to"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(Tue10, email: "grace@example.com"))).StatusCode);
    }

    [Fact]
    public async Task Reschedule_ToFreeSlot_KeepsIdFreesOldTimeAndRecordsIt()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var created = await Body(await Book(client, Booking(Tue10)));
        var token = created["manageToken"]!.GetValue<string>();
        var response = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-03-02T14:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var moved = await Body(response);
        Assert.Equal(created["id"]!.GetValue<string>(), moved["id"]!.GetValue<string>());
        Assert.Equal("2027-03-02T14:00:00+01:00", moved["start"]!.GetValue<string>());
        Assert.Contains(moved["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "rescheduled");
        var slots = await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02");
        Assert.Contains(Tue10, slots);
        Assert.DoesNotContain("2027-03-02T14:00:00+01:00", slots);
    }

    [Fact]
    public async Task Reschedule_ToTakenSlot_Returns409AndLeavesBookingUnchanged()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T14:00:00+01:00", email: "grace@example.com"))).StatusCode);
        var token = (await Body(await Book(client, Booking(Tue10))))["manageToken"]!.GetValue<string>();
        var response = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-03-02T14:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var after = await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}");
        Assert.Equal(Tue10, after!["start"]!.GetValue<string>());
        Assert.DoesNotContain(Tue10, await SlotStarts(client, "haircut", "2027-03-02", "2027-03-02"));
    }

    [Fact]
    public async Task Reschedule_OverlappingItsOwnTime_IsAllowed()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var token = (await Body(await Book(client, Booking(Tue10, service: "consult"))))["manageToken"]!.GetValue<string>();
        var response = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-03-02T09:00:00+01:00" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ics_ForBooking_IsAnRfc5545EventInUtc()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var created = await Body(await Book(client, Booking(Tue10)));
        var response = await client.GetAsync($"/api/v1/bookings/{created["manageToken"]!.GetValue<string>()}/ics");
        Assert.Equal("text/calendar", response.Content.Headers.ContentType!.MediaType);
        var ics = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("BEGIN:VCALENDAR\r\n", ics);
        Assert.Contains("DTSTART:20270302T090000Z\r\n", ics);
        Assert.Contains("DTEND:20270302T093000Z\r\n", ics);
        Assert.Contains($"UID:{created["id"]!.GetValue<string>()}@bookwell", ics);
        Assert.All(ics.Split("\r\n"), line => Assert.True(System.Text.Encoding.UTF8.GetByteCount(line) <= 75));
    }

    [Fact]
    public async Task GroupClass_FillsToCapacity_ThenRefuses()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        const string start = "2027-03-03T10:00:00+01:00";
        for (var i = 0; i < 3; i++)
        {
            var r = await Book(client, Booking(start, service: "yoga", email: $"yogi{i}@example.com"));
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            var slots = await client.GetFromJsonAsync<JsonObject>("/api/v1/pages/salon/slots?service=yoga&from=2027-03-03&to=2027-03-03");
            var slot = slots!["slots"]!.AsArray().FirstOrDefault(s => s!["start"]!.GetValue<string>() == start);
            if (i < 2)
            {
                Assert.Equal(2 - i, slot!["remaining"]!.GetValue<int>());
            }
            else
            {
                Assert.Null(slot);
            }
        }
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking(start, service: "yoga", email: "late@example.com"))).StatusCode);
        // The teacher is busy with the class, so she cannot be booked for a consultation then.
        Assert.DoesNotContain(start, await SlotStarts(client, "consult", "2027-03-03", "2027-03-03", staff: "anna"));
    }

    [Fact]
    public async Task PaidService_HoldsTimeUntilExpiry_ThenFreesIt()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        const string start = "2027-03-03T10:00:00+01:00";
        var held = await Body(await Book(client, Booking(start, service: "colour")));
        Assert.Equal("pending_payment", held["status"]!.GetValue<string>());
        Assert.DoesNotContain(start, await SlotStarts(client, "colour", "2027-03-03", "2027-03-03"));
        Assert.Equal(HttpStatusCode.Conflict, (await Book(client, Booking(start, service: "colour", email: "b@example.com"))).StatusCode);
        app.Clock.Advance(Duration.FromMinutes(31));
        Assert.Contains(start, await SlotStarts(client, "colour", "2027-03-03", "2027-03-03"));
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking(start, service: "colour", email: "b@example.com"))).StatusCode);
        var expired = await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{held["manageToken"]!.GetValue<string>()}");
        Assert.Equal("cancelled", expired!["status"]!.GetValue<string>());
        Assert.Contains(expired["history"]!.AsArray(), h => h!["action"]!.GetValue<string>() == "expired");
    }

    [Fact]
    public async Task UnpaidHold_ExpiresOnItsOwn_WithoutAnotherBooking()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var held = await Body(await Book(client, Booking("2027-03-03T11:00:00+01:00", service: "colour")));
        app.Clock.Advance(Duration.FromMinutes(31));
        var worker = app.App.Services.GetRequiredService<Bookwell.Features.Bookings.TimeRulesWorker>();
        // The hosted worker may get there first; either way one pass after the deadline settles it.
        await worker.RunOnceAsync(CancellationToken.None);
        var after = await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{held["manageToken"]!.GetValue<string>()}");
        Assert.Equal("cancelled", after!["status"]!.GetValue<string>());
        Assert.Equal("system", after["history"]!.AsArray().Last()!["by"]!.GetValue<string>());
        Assert.False(app.WithDb(db => db.Allocations.Any(a => a.Live)));
    }

    [Fact]
    public async Task AutoNoShow_MarksAConfirmedBookingNobodyStarted()
    {
        var app = await NewBusiness();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["autoNoShowMinutes"] = 15;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var client = app.CreateClient();
        var started = await Body(await Book(client, Booking("2027-03-01T11:00:00+01:00", email: "s@example.com")));
        var missed = await Body(await Book(client, Booking("2027-03-01T11:30:00+01:00", email: "m@example.com")));
        // 10:30: check-in is open, the client is early and starts (a booking starts no sooner than check-in opens).
        app.Clock.Advance(Duration.FromMinutes(150));
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync($"/api/v1/admin/bookings/{started["id"]!.GetValue<string>()}/status",
            Json(new JsonObject { ["status"] = "in_progress" }))).StatusCode);
        var worker = app.App.Services.GetRequiredService<Bookwell.Features.Bookings.TimeRulesWorker>();

        app.Clock.Advance(Duration.FromMinutes(74)); // 11:44, a minute before the second's limit
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal("confirmed", await Status(app, missed));

        app.Clock.Advance(Duration.FromMinutes(2));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal("no_show", await Status(app, missed));
        Assert.Equal("in_progress", await Status(app, started));
    }

    private static async Task<string> Status(TenantSpace app, JsonObject booking) =>
        (await app.Admin().GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{booking["id"]!.GetValue<string>()}"))!["status"]!.GetValue<string>();

    [Fact]
    public async Task AdminStatus_FollowsTheStateMachine()
    {
        var app = await NewConfigured();
        var admin = app.Admin();
        var id = (await Body(await Book(app.CreateClient(), Booking(Tue10))))["id"]!.GetValue<string>();
        async Task<HttpResponseMessage> Move(string to) =>
            await admin.PostAsync($"/api/v1/admin/bookings/{id}/status", Json(new JsonObject { ["status"] = to }));
        // 09:30 on the day: check-in is open, so it may start (sooner is 409 too-early).
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 8, 30));
        Assert.Equal(HttpStatusCode.OK, (await Move("in_progress")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Move("completed")).StatusCode);
        var illegal = await Move("confirmed");
        Assert.Equal(HttpStatusCode.Conflict, illegal.StatusCode);
        Assert.EndsWith("invalid-transition", (await Body(illegal))["type"]!.GetValue<string>());
        var bad = await Move("dancing");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var booking = await admin.GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings/{id}");
        var history = booking!["history"]!.AsArray();
        Assert.Equal(["created", "status", "status"], history.Select(h => h!["action"]!.GetValue<string>()));
        Assert.Equal("admin", history[2]!["by"]!.GetValue<string>());
        Assert.Equal("in_progress", history[2]!["from"]!.GetValue<string>());
    }

    [Fact]
    public async Task AdminList_FiltersByDateStatusStaffAndText()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        await Book(client, Booking(Tue10, email: "ada@example.com"));
        await Book(client, Booking("2027-03-03T10:00:00+01:00", service: "consult", email: "grace@example.com"));
        var admin = app.Admin();
        async Task<string[]> Emails(string query) =>
            (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/admin/bookings?{query}"))!["items"]!.AsArray()
                .Select(i => i!["customer"]!["email"]!.GetValue<string>()).ToArray();
        Assert.Equal(["ada@example.com", "grace@example.com"], await Emails(""));
        Assert.Equal(["ada@example.com"], await Emails("from=2027-03-02&to=2027-03-02"));
        Assert.Equal(["grace@example.com"], await Emails("service=consult"));
        Assert.Equal(["grace@example.com"], await Emails("q=GRACE"));
        Assert.Equal(["ada@example.com", "grace@example.com"], await Emails("status=confirmed&staff=anna"));
        Assert.Empty(await Emails("status=cancelled"));
    }

    [Fact]
    public async Task AdminWalkIn_BypassesNoticeButNeverDoubleBooks()
    {
        // Now is Monday 08:30; haircut needs 60 minutes' notice, so 09:00 is refused online.
        var app = await NewConfigured();
        app.Clock.Advance(Duration.FromMinutes(30));
        var body = Booking("2027-03-01T09:00:00+01:00");
        Assert.Equal(HttpStatusCode.Conflict, (await Book(app.CreateClient(), body)).StatusCode);
        body["page"] = "salon";
        body["walkIn"] = true;
        var admin = app.Admin();
        var created = await admin.PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True((await Body(created))["walkIn"]!.GetValue<bool>());
        body["customer"]!["email"] = "other@example.com";
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/api/v1/admin/bookings", Json(body))).StatusCode);
    }

    [Fact]
    public async Task AdminWalkIn_WithoutStart_BeginsNowEvenBetweenGridPoints()
    {
        var app = await NewConfigured();
        app.Clock.Advance(Duration.FromMinutes(67)); // Monday 09:07
        var body = Booking("unused");
        body.Remove("start");
        body["page"] = "salon";
        body["walkIn"] = true;
        var created = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("2027-03-01T09:07:00+01:00", (await Body(created))["start"]!.GetValue<string>());
        // The chair is now taken until 09:37, so the 09:30 slot is gone for online clients.
        Assert.DoesNotContain("2027-03-01T09:30:00+01:00", await SlotStarts(app.CreateClient(), "haircut", "2027-03-01", "2027-03-01"));
    }

    [Fact]
    public async Task AdminCreate_OperatorChoosesStaff()
    {
        var app = await NewConfigured();
        var body = Booking(Tue10, staff: "bob");
        body["page"] = "salon";
        var created = await Body(await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body)));
        Assert.Equal("bob", created["staff"]!.GetValue<string>());
    }

    [Fact]
    public async Task RaceOnOneSlot_FiftyClients_ExactlyOneWins()
    {
        var app = await NewConfigured();
        var clients = Enumerable.Range(0, 50).Select(_ => app.CreateClient()).ToArray();
        using var gate = new SemaphoreSlim(0);
        var tasks = clients.Select(async (c, i) =>
        {
            await gate.WaitAsync();
            return await Book(c, Booking(Tue10, email: $"racer{i}@example.com"));
        }).ToArray();
        gate.Release(50);
        var responses = await Task.WhenAll(tasks);
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, app.WithDb(db => db.Bookings.Count(b => b.Status != Bookwell.Features.Bookings.BookingStatus.Cancelled)));
    }

    [Fact]
    public async Task Bookings_SurviveARestart()
    {
        var app = await StartConfigured();
        var token = (await Body(await Book(app.CreateClient(), Booking(Tue10))))["manageToken"]!.GetValue<string>();
        await using var restarted = app.Restart();
        await app.DisposeForRestartAsync();
        var booking = await restarted.CreateClient().GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}");
        Assert.Equal(Tue10, booking!["start"]!.GetValue<string>());
        Assert.DoesNotContain(Tue10, await SlotStarts(restarted.CreateClient(), "haircut", "2027-03-02", "2027-03-02"));
    }

    [Fact]
    public async Task RateLimit_PublicBookings_429WithRetryAfter_AdminNotLimited()
    {
        await using var app = await StartConfigured(s => s["Bookwell:RateLimits:BookingsPerMinute"] = "2");
        var client = app.CreateClient();
        await Book(client, Booking(Tue10, email: "a@example.com"));
        await Book(client, Booking("2027-03-02T11:00:00+01:00", email: "b@example.com"));
        var third = await Book(client, Booking("2027-03-02T14:00:00+01:00", email: "c@example.com"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter is not null);
        Assert.EndsWith("rate-limited", (await Body(third))["type"]!.GetValue<string>());
        var body = Booking("2027-03-02T14:00:00+01:00", email: "c@example.com");
        body["page"] = "salon";
        Assert.Equal(HttpStatusCode.Created, (await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body))).StatusCode);
    }

    [Fact]
    public async Task RemovingAServiceFromConfig_DeactivatesItButKeepsItsBookings()
    {
        var app = await NewConfigured();
        var client = app.CreateClient();
        var token = (await Body(await Book(client, Booking(Tue10))))["manageToken"]!.GetValue<string>();
        var doc = Config();
        doc["pages"]![0]!["services"]!.AsArray().RemoveAt(0);
        foreach (var staff in doc["pages"]![0]!["staff"]!.AsArray())
        {
            staff!["services"] = new JsonArray(staff["services"]!.AsArray().Select(s => s!.GetValue<string>()).Where(s => s != "haircut").Select(s => (JsonNode)s).ToArray());
        }
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/pages/salon/slots?service=haircut&from=2027-03-02&to=2027-03-02")).StatusCode);
        var kept = await client.GetFromJsonAsync<JsonObject>($"/api/v1/bookings/{token}");
        Assert.Equal("haircut", kept!["service"]!.GetValue<string>());
    }

    [Fact]
    public async Task SeedDemo_DefaultStart_HasTheDemoSalon()
    {
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:SeedDemo"] = "true");
        var page = await app.CreateClient().GetFromJsonAsync<JsonObject>("/api/v1/pages/demo-salon");
        Assert.Equal(3, page!["services"]!.AsArray().Count);
        Assert.Equal(3, page["staff"]!.AsArray().Count);
        Assert.Contains(page["services"]!.AsArray(), s => s!["capacity"]!.GetValue<int>() > 1);
    }

    [Theory]
    [InlineData("https://shop.example.com", true)]
    [InlineData("https://evil.example.net", false)]
    public async Task CrossOriginBooking_FollowsThePagesEmbedOrigins(string origin, bool allowed)
    {
        var app = await NewBusiness();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["embedOrigins"] = new JsonArray("https://shop.example.com");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var client = app.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/pages/salon/bookings");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var answer = await client.SendAsync(preflight);
        Assert.Equal(allowed ? HttpStatusCode.NoContent : HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Equal(allowed, answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task SecondTenant_ByHost_SeesOnlyItsOwnBookings()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var other = Guid.NewGuid();
        app.WithDb(db =>
        {
            db.Tenants.Add(new Bookwell.Data.Tenant { Id = other, Name = "Other", Host = "other.example" });
            return db.SaveChanges();
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        app.WithDb(db =>
        {
            var source = db.Tenants.Single(t => t.Id == Bookwell.Data.DefaultTenant.Id);
            var target = db.Tenants.Single(t => t.Id == other);
            target.ConfigJson = source.ConfigJson;
            target.ConfigVersion = 1;
            return db.SaveChanges();
        });
        var otherClient = app.CreateClient();
        otherClient.DefaultRequestHeaders.Host = "other.example";
        var theirs = await Body(await Book(otherClient, Booking(Tue10, email: "them@example.com")));
        // The same slot on the default tenant is untouched: separate staff, separate bookings.
        Assert.Contains(Tue10, await SlotStarts(app.CreateClient(), "haircut", "2027-03-02", "2027-03-02"));
        Assert.Contains(Tue10, await SlotStarts(app.CreateClient(), "haircut", "2027-03-02", "2027-03-02", staff: "anna"));
        var ours = await Body(await Book(app.CreateClient(), Booking(Tue10, email: "us@example.com")));
        Assert.Equal("confirmed", ours["status"]!.GetValue<string>());

        var adminList = await app.Admin().GetFromJsonAsync<JsonObject>("/api/v1/admin/bookings");
        Assert.Equal(["us@example.com"], adminList!["items"]!.AsArray().Select(i => i!["customer"]!["email"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync($"/api/v1/bookings/{theirs["manageToken"]!.GetValue<string>()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherClient.GetAsync($"/api/v1/bookings/{theirs["manageToken"]!.GetValue<string>()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync($"/api/v1/admin/bookings/{theirs["id"]!.GetValue<string>()}")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_IsServed()
    {
        var app = await NewConfigured();
        var doc = await app.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        Assert.True(doc!["paths"]!.AsObject().ContainsKey("/api/v1/pages/{slug}/slots"));
    }
}

public sealed class SqliteApiTests(SqliteSharedApp shared) : ApiTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresApiTests(PostgresSharedApp shared) : ApiTests(shared), IClassFixture<PostgresSharedApp>;
