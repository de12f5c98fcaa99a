using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Accounts;

/// <summary>
/// Every protected route (found from the app's own endpoint table, so a new route is covered without
/// editing this test) × every principal that must not reach it: anonymous, another tenant's owner carrying
/// their cookie over, another tenant's API key, a staff PIN session on the admin, a staff account on
/// manager pages, an admin on owner pages. Each request is sent with a body that would change something if
/// it were let through; afterwards tenant A's rows must be exactly as before. Then another tenant smuggles
/// A's ids into its own requests.
/// </summary>
public abstract class AuthorizationMatrixTests
{
    protected abstract Db Kind { get; }

    private sealed record Principal(string Name, Func<HttpRequestMessage, Task<HttpResponseMessage>> Send, Func<string, Task<string>> Token);

    private sealed record Fixture(BookwellApp App, Guid BookingId, Guid CustomerId, Guid MessageId, string UploadId, Guid OwnerId, Guid KeyId);

    private static async Task<Fixture> ArrangeAsync(BookwellApp app)
    {
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var body = Booking("2027-03-02T10:00:00+01:00", staff: "anna", email: "victim@client.test");
        body["page"] = Slug;
        var booking = await Body(await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body)));
        var bookingId = Guid.Parse(booking["id"]!.GetValue<string>());
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Alice Owner"), ("Email", "owner@a.test"), ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/setup/p/salon/staff/anna?handler=Pin", [KeyValuePair.Create("pin", "2468")], "/admin/setup/p/salon/staff/anna")).StatusCode);
        await AccountTests.CreateApiKeyAsync(owner);
        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var now = app.Clock.GetCurrentInstant();
            Assert.True((await users.CreateAsync(AccountService.NewUser(DefaultTenant.Id, "staff@a.test", "Anna", UserRole.Staff, "anna", now), AccountTests.Password)).Succeeded);
            Assert.True((await users.CreateAsync(AccountService.NewUser(DefaultTenant.Id, "admin@a.test", "Adam", UserRole.Admin, null, now), AccountTests.Password)).Succeeded);
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.Outbox.Add(new OutboxMessage { Id = Guid.NewGuid(), TenantId = DefaultTenant.Id, BookingId = bookingId, Kind = Bookwell.Features.Notifications.MessageKind.Reminder, To = "victim@client.test", Subject = "s", Status = Bookwell.Features.Notifications.OutboxStatus.Parked, DueAt = now, CreatedAt = now });
            db.Uploads.Add(new Upload { Id = new string('a', 32), TenantId = DefaultTenant.Id, PageSlug = Slug, FileName = "x.pdf", ContentType = "application/pdf", Size = 1, Content = [1], CreatedAt = now });
            await db.SaveChangesAsync();
        }
        return app.WithDb(db => new Fixture(app, bookingId, db.Bookings.Single().CustomerId, db.Outbox.Single(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Reminder).Id, db.Uploads.Single().Id,
            db.Users.Single(u => u.Email == "owner@a.test").Id, db.ApiKeys.Single().Id));
    }

    /// <summary>Everything tenant A owns, as one string: any change by a refused request shows up as a difference.</summary>
    private static string Snapshot(BookwellApp app) => app.WithDb(db =>
    {
        var a = DefaultTenant.Id;
        var sb = new StringBuilder();
        var t = db.Tenants.Single(x => x.Id == a);
        sb.Append($"tenant {t.ConfigVersion} {t.ConfigJson.GetHashCode(StringComparison.Ordinal)} {t.StaffSessionMinutes} {t.Name}\n");
        foreach (var b in db.Bookings.IgnoreQueryFilters().Where(x => x.TenantId == a).OrderBy(x => x.Id).ToList())
        {
            sb.Append($"booking {b.Id} {b.Status} {b.StartsAt} {b.StaffKey} {b.ManageTokenHash} {b.UpdatedAt}\n");
        }
        sb.Append($"allocations {db.Allocations.IgnoreQueryFilters().Count(x => x.TenantId == a)} live {db.Allocations.IgnoreQueryFilters().Count(x => x.TenantId == a && x.Live)}\n");
        sb.Append($"events {db.BookingEvents.IgnoreQueryFilters().Count(x => x.TenantId == a)} customers {db.Customers.IgnoreQueryFilters().Count(x => x.TenantId == a)}\n");
        foreach (var m in db.Outbox.IgnoreQueryFilters().Where(x => x.TenantId == a).OrderBy(x => x.Id).ToList())
        {
            sb.Append($"message {m.Id} {m.Status} {m.Attempts} {m.Kind.ToWire()}\n");
        }
        foreach (var u in db.Users.Where(x => x.TenantId == a).OrderBy(x => x.Email).ToList())
        {
            sb.Append($"user {u.Email} {u.Role} {u.PasswordHash} {u.TwoFactorEnabled} {u.SecurityStamp}\n");
        }
        foreach (var k in db.ApiKeys.IgnoreQueryFilters().Where(x => x.TenantId == a).ToList())
        {
            sb.Append($"key {k.Id} {k.RevokedAt}\n");
        }
        sb.Append($"invitations {db.Invitations.IgnoreQueryFilters().Count(x => x.TenantId == a)} uploads {db.Uploads.IgnoreQueryFilters().Count(x => x.TenantId == a)}\n");
        foreach (var p in db.StaffPins.IgnoreQueryFilters().Where(x => x.TenantId == a).ToList())
        {
            sb.Append($"pin {p.StaffKey} {p.PinHash}\n");
        }
        return sb.ToString();
    });

    private static Principal Of(WebSession session, string name) => new(name, r => session.Client.SendAsync(r), async path =>
    {
        var html = await session.GetAsync(path);
        var m = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        return m.Success ? WebUtility.HtmlDecode(m.Groups[1].Value) : "";
    });

    private static Principal Raw(BookwellApp app, string name, Action<HttpRequestMessage> decorate)
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri("http://localhost") });
        return new Principal(name, r => { decorate(r); return client.SendAsync(r); }, async path =>
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, path);
            decorate(get);
            var response = await client.SendAsync(get);
            var html = await response.Content.ReadAsStringAsync();
            var m = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
            return m.Success ? WebUtility.HtmlDecode(m.Groups[1].Value) : "";
        });
    }

    /// <summary>Form posts per dashboard page that would change A's data if they were accepted.</summary>
    private static IEnumerable<(string Query, KeyValuePair<string, string>[] Form)> Posts(string pattern, Fixture f) => pattern switch
    {
        "admin/bookings/{id:guid}" => [("?handler=Status", [new("to", "cancelled")]), ("?handler=Reschedule", [new("date", "2027-03-03"), new("time", "11:00")]), ("?handler=Resend", [new("kind", "confirmation")])],
        "admin/calendar" => [("?handler=Move", [new("id", f.BookingId.ToString()), new("date", "2027-03-02"), new("time", "12:00")])],
        "admin/bookings/new" => [("?service=haircut", [new("date", "2027-03-02"), new("time", "13:00"), new("Email", "x@y.test"), new("Name", "X"), new("Answers[hairLength]", "short")])],
        "admin/setup/p/{slug}/{section}/{item?}" => [("", [new("name", "Hacked"), new("durationMinutes", "5"), new("active", "true")]), ("?handler=Pin", [new("pin", "1111")])],
        "admin/setup/new" => [("", [new("Slug", "hacked"), new("Name", "Hacked"), new("TimeZone", "Europe/Amsterdam")])],
        "admin/setup/json" => [("", [new("Json", "{\"pages\":[]}")])],
        "admin/team" => [("?handler=Invite", [new("Email", "evil@x.test"), new("Role", "owner")]), ($"?handler=Role&id={f.OwnerId}", [new("role", "staff")]), ($"?handler=Remove&id={f.OwnerId}", [])],
        "admin/api-keys" => [("?handler=Create", [new("name", "evil")]), ($"?handler=Revoke&id={f.KeyId}", [])],
        "admin/messages" => [($"?handler=Retry&id={f.MessageId}", [])],
        "admin/account" => [("?handler=Password", [new("current", AccountTests.Password), new("password", "hijacked password")]), ("?handler=Disable", [])],
        "admin/staff-app" => [("", [new("minutes", "5")])],
        "staff" => [("?handler=Status", [new("id", f.BookingId.ToString()), new("to", "completed")]), ("?handler=WalkIn&site=salon", [new("service", "consult")])],
        _ => [("", [])],
    };

    private static string Fill(string pattern, Fixture f) => "/" + pattern
        .Replace("{id:guid}", pattern.Contains("customers", StringComparison.Ordinal) ? f.CustomerId.ToString() : f.BookingId.ToString(), StringComparison.Ordinal)
        .Replace("messages/{id}", $"messages/{f.MessageId}", StringComparison.Ordinal)
        .Replace("uploads/{id}", $"uploads/{f.UploadId}", StringComparison.Ordinal)
        .Replace("{id}", f.BookingId.ToString(), StringComparison.Ordinal)
        .Replace("{slug}", Slug, StringComparison.Ordinal)
        .Replace("{section}", "services", StringComparison.Ordinal)
        .Replace("{item?}", "haircut", StringComparison.Ordinal);

    private static HttpContent? JsonBodyFor(string pattern, string method) => (pattern, method) switch
    {
        ("api/v1/admin/config", "PUT") => Json(new System.Text.Json.Nodes.JsonObject { ["pages"] = new System.Text.Json.Nodes.JsonArray() }),
        (_, "POST") when pattern.EndsWith("/status", StringComparison.Ordinal) => Json(new System.Text.Json.Nodes.JsonObject { ["status"] = "cancelled" }),
        ("api/v1/admin/bookings", "POST") => Json(Booking("2027-03-02T14:00:00+01:00", email: "evil@x.test").Also(b => b["page"] = Slug)),
        _ => new StringContent("{}", Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task EveryProtectedRoute_RefusesEveryoneWhoMayNot_AndChangesNothing()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var f = await ArrangeAsync(app);
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        var beeKey = await AccountTests.CreateApiKeyAsync(bee);

        // B's session cookie, carried to A's host.
        var beeLogin = WebSession.For(app, "bee.localhost");
        var login = await beeLogin.PostFormAsync("/admin/login", ("Email", "owner@bee.test"), ("Password", AccountTests.Password));
        var beeCookie = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("bw_admin=", StringComparison.Ordinal));

        var staffAccount = WebSession.For(app);
        Assert.Equal("/admin", (await staffAccount.LoginAsync("staff@a.test", AccountTests.Password)).Headers.Location?.OriginalString);
        var adminAccount = WebSession.For(app);
        Assert.Equal("/admin", (await adminAccount.LoginAsync("admin@a.test", AccountTests.Password)).Headers.Location?.OriginalString);
        var ownerA = WebSession.For(app);
        Assert.Equal("/admin", (await ownerA.LoginAsync("owner@a.test", AccountTests.Password)).Headers.Location?.OriginalString);
        var pinSession = WebSession.For(app);
        Assert.Equal("/staff", (await pinSession.PostFormAsync("/staff/login", ("Staff", "anna"), ("Pin", "2468"))).Headers.Location?.OriginalString);

        var anonymous = Of(WebSession.For(app), "anonymous");
        var carried = Raw(app, "other tenant's owner cookie", r => r.Headers.Add("Cookie", beeCookie));
        var foreignKey = Raw(app, "other tenant's API key", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", beeKey));
        var staffPin = Of(pinSession, "staff PIN session");
        var staffUser = Of(staffAccount, "staff account");
        var admin = Of(adminAccount, "admin account");
        var owner = Of(ownerA, "owner account (A)");

        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: e.RoutePattern.RawText!.TrimStart('/'), Endpoint: e))
            .Where(e => e.Pattern.StartsWith("admin", StringComparison.Ordinal) || e.Pattern.StartsWith("api/v1/admin", StringComparison.Ordinal) || e.Pattern.StartsWith("staff", StringComparison.Ordinal))
            .Where(e => e.Pattern.StartsWith("api/", StringComparison.Ordinal) || (e.Endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null))
            .DistinctBy(e => (e.Pattern, string.Join(',', e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])))
            .ToList();
        Assert.Contains(endpoints, e => e.Pattern == "admin/team");
        Assert.Contains(endpoints, e => e.Pattern == "staff");
        Assert.Contains(endpoints, e => e.Pattern == "api/v1/admin/config");
        Assert.DoesNotContain(endpoints, e => e.Pattern == "admin/login");

        var before = Snapshot(app);
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var (pattern, endpoint) in endpoints)
        {
            // Who may do what is written here, independently of the attributes in the code under test.
            var isApi = pattern.StartsWith("api/", StringComparison.Ordinal);
            var isStaffApp = pattern.StartsWith("staff", StringComparison.Ordinal);
            var ownerOnly = pattern.StartsWith("admin/team", StringComparison.Ordinal) || pattern.StartsWith("admin/api-keys", StringComparison.Ordinal);
            var managerOnly = ownerOnly || pattern.StartsWith("admin/setup", StringComparison.Ordinal) || pattern.StartsWith("admin/messages", StringComparison.Ordinal) ||
                              pattern.StartsWith("admin/staff-app", StringComparison.Ordinal) || pattern == "admin/bookings/new";
            var refused = new List<Principal> { anonymous, carried };
            if (isApi)
            {
                refused.AddRange([staffPin, staffUser, admin, owner]);
            }
            else
            {
                refused.Add(foreignKey);
                if (isStaffApp)
                {
                    refused.AddRange([staffUser, admin, owner]);
                }
                else
                {
                    refused.Add(staffPin);
                    if (managerOnly)
                    {
                        refused.Add(staffUser);
                    }
                    if (ownerOnly)
                    {
                        refused.Add(admin);
                    }
                }
            }
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            var path = Fill(pattern, f);
            foreach (var principal in refused)
            {
                foreach (var method in methods)
                {
                    var variants = method == "POST" && !isApi ? Posts(pattern, f).ToList() : [("", Array.Empty<KeyValuePair<string, string>>())];
                    foreach (var (query, form) in variants)
                    {
                        using var request = new HttpRequestMessage(new HttpMethod(method), path + query);
                        if (method != "GET")
                        {
                            request.Content = isApi ? JsonBodyFor(pattern, method)
                                : new FormUrlEncodedContent(form.Append(KeyValuePair.Create("__RequestVerificationToken", await principal.Token(isStaffApp ? "/staff/login" : "/admin/login"))));
                        }
                        var response = await principal.Send(request);
                        checkedCount++;
                        var status = (int)response.StatusCode;
                        var location = response.Headers.Location?.OriginalString ?? "";
                        var ok = status is 401 or 403 or 404 or 400 ||
                                 (status == 302 && (location.Contains("/admin/login", StringComparison.Ordinal) || location.Contains("/admin/denied", StringComparison.Ordinal) || location.Contains("/staff/login", StringComparison.Ordinal)));
                        if (!ok)
                        {
                            failures.Add($"{principal.Name} {method} {path}{query} → {status} {location}");
                        }
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} requests got through:\n" + string.Join('\n', failures));
        Assert.True(checkedCount > 100, $"only {checkedCount} requests were made");
        Assert.Equal(before, Snapshot(app));
    }

    [Fact]
    public async Task AnotherTenant_SmugglingAsIds_GetsNotFound_AndChangesNothing()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var f = await ArrangeAsync(app);
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        var beeKey = await AccountTests.CreateApiKeyAsync(bee);
        var beeApi = app.CreateClient();
        beeApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", beeKey);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(beeApi, Config())).StatusCode);
        var before = Snapshot(app);

        // Pages on B's own host, with A's ids.
        Assert.Equal(HttpStatusCode.NotFound, (await bee.Client.GetAsync($"/admin/bookings/{f.BookingId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bee.Client.GetAsync($"/admin/customers/{f.CustomerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bee.PostFormAsync($"/admin/bookings/{f.BookingId}?handler=Status", [KeyValuePair.Create("to", "cancelled")], "/admin/bookings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bee.PostFormAsync("/admin/calendar?handler=Move", [KeyValuePair.Create("id", f.BookingId.ToString()), KeyValuePair.Create("date", "2027-03-02"), KeyValuePair.Create("time", "12:00")], "/admin/calendar")).StatusCode);
        await bee.PostFormAsync($"/admin/api-keys?handler=Revoke&id={f.KeyId}", [], "/admin/api-keys");
        await bee.PostFormAsync($"/admin/messages?handler=Retry&id={f.MessageId}", [], "/admin/messages");
        Assert.Equal(HttpStatusCode.NotFound, (await bee.PostFormAsync($"/admin/team?handler=Role&id={f.OwnerId}", [KeyValuePair.Create("role", "staff")], "/admin/team")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bee.PostFormAsync($"/admin/team?handler=Remove&id={f.OwnerId}", [], "/admin/team")).StatusCode);
        // B's own "salon" page is not A's.
        Assert.Equal(HttpStatusCode.Redirect, (await bee.PostFormAsync("/admin/setup/p/salon/services/haircut", [KeyValuePair.Create("name", "Bee cut"), KeyValuePair.Create("durationMinutes", "30"), KeyValuePair.Create("active", "true")], "/admin/setup/p/salon/services/haircut")).StatusCode);
        var list = await bee.GetAsync("/admin/bookings");
        Assert.DoesNotContain("victim@client.test", list);
        Assert.DoesNotContain("victim@client.test", await bee.GetAsync("/admin/customers"));

        // The API with B's key and A's ids.
        Assert.Equal(HttpStatusCode.NotFound, (await beeApi.GetAsync($"/api/v1/admin/bookings/{f.BookingId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await beeApi.PostAsync($"/api/v1/admin/bookings/{f.BookingId}/status", Json(new System.Text.Json.Nodes.JsonObject { ["status"] = "cancelled" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await beeApi.GetAsync($"/api/v1/admin/uploads/{f.UploadId}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await beeApi.PostAsync($"/api/v1/admin/messages/{f.MessageId}/retry", null)).StatusCode);
        Assert.DoesNotContain("victim@client.test", await beeApi.GetStringAsync("/api/v1/admin/bookings"));
        Assert.DoesNotContain(f.MessageId.ToString(), await beeApi.GetStringAsync("/api/v1/admin/messages"));
        // A booking B makes for A's client's address is B's own client record.
        var body = Booking("2027-03-02T10:00:00+01:00", service: "consult", staff: "anna", email: "victim@client.test");
        body["page"] = Slug;
        Assert.Equal(HttpStatusCode.Created, (await beeApi.PostAsync("/api/v1/admin/bookings", Json(body))).StatusCode);

        Assert.Equal(before, Snapshot(app));
    }

    [Fact]
    public async Task AnotherBusinessesClient_ManageTokenOpensOnlyItsOwnBooking()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        await ArrangeAsync(app);
        var bee = await AccountTests.SignUpAsync(app, "bee", "owner@bee.test");
        var beeApi = app.CreateClient();
        beeApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AccountTests.CreateApiKeyAsync(bee));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(beeApi, Config())).StatusCode);
        var beeHost = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://bee.localhost") });
        var booked = await Body(await beeHost.PostAsync("/api/v1/pages/salon/bookings", Json(Booking("2027-03-03T10:00:00+01:00", email: "bee-client@client.test"))));
        var token = booked["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await beeHost.GetAsync($"/api/v1/bookings/{token}")).StatusCode);
        var before = Snapshot(app);
        var aHost = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await aHost.GetAsync($"/api/v1/bookings/{token}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aHost.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aHost.GetAsync($"/booking/{token}")).StatusCode);
        // Nor does a client's manage token open any dashboard or admin route.
        using var asBearer = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/bookings");
        asBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await aHost.SendAsync(asBearer)).StatusCode);
        Assert.Equal(before, Snapshot(app));
        Assert.Equal("confirmed", (await Body(await beeHost.GetAsync($"/api/v1/bookings/{token}")))["status"]!.GetValue<string>());
    }
}

public sealed class SqliteAuthorizationMatrixTests : AuthorizationMatrixTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresAuthorizationMatrixTests : AuthorizationMatrixTests
{
    protected override Db Kind => Db.Postgres;
}
