using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Npgsql;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// Organization mailings (issue 17, seed 003's Communication Wizard) on both databases: one outbox message per member
/// written with the mailing in one transaction; the same mailing id sent again (at once from several requests, or after a
/// restart) writes nothing more; a mailing of 1,000 members whose server is killed half-way reaches every member with
/// exactly one message after a restart, each with their own working link; the pixel and the click redirect are recorded
/// once; the business can turn the pixel off; an unsubscribed client gets no more mailings.
/// </summary>
public abstract partial class MailingTests
{
    protected abstract Db Kind { get; }

    private const string Base = "https://book.example.test";

    [GeneratedRegex(@"https?://[^\s<>""]+/m/c/[A-Za-z0-9_-]+")]
    private static partial Regex ClickLink();

    [GeneratedRegex(@"https?://[^\s<>""]+/m/o/[A-Za-z0-9_-]+")]
    private static partial Regex PixelLink();

    [GeneratedRegex(@"https?://[^\s<>""]+/m/u/[A-Za-z0-9_-]+")]
    private static partial Regex UnsubscribeLink();

    private static JsonObject OrgConfig() => Config().Also(c => c["pages"]![0]!["organizations"] = new JsonArray(new JsonObject
    {
        ["key"] = "school",
        ["name"] = "Hillside School",
        ["services"] = new JsonArray("consult"),
        ["from"] = null,
        ["to"] = null,
        ["exclusive"] = false,
        ["timeSlots"] = new JsonArray(new JsonObject
        {
            ["date"] = "2027-03-07",
            ["hours"] = new JsonArray(new JsonArray("09:00", "12:00")),
            ["services"] = null,
        }),
    }));

    private static JsonObject Mailing(Guid id, string body = "Hello {{first_name}},\n\nPicture day for {{organization}}. Book here: {{booking_link}}\n\nMember {{member_id}}",
        string audience = "all") => new()
        {
            ["page"] = Slug,
            ["id"] = id.ToString(),
            ["subject"] = "Picture day at {{organization}}",
            ["body"] = body,
            ["audience"] = audience,
            ["language"] = "en",
        };

    private static string Email(int i) => $"member{i:D4}@example.com";

    /// <summary>Members are added through the links endpoint (which adds the member and the client behind it), several at a time.</summary>
    private static async Task AddMembersAsync(HttpClient admin, int count)
    {
        using var throttle = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(1, count).Select(async i =>
        {
            await throttle.WaitAsync();
            try
            {
                var response = await admin.PostAsync("/api/v1/admin/organizations/school/links", Json(new JsonObject
                {
                    ["page"] = Slug,
                    ["email"] = Email(i),
                    ["name"] = $"Pupil {i:D4}",
                    ["memberId"] = $"S-{i}",
                }));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            finally
            {
                throttle.Release();
            }
        }));
    }

    private async Task<BookwellApp> StartAsync(SmtpSink? sink = null) => await BookwellApp.StartAsync(Kind, s =>
    {
        s["Bookwell:PublicBaseUrl"] = Base;
        s["Bookwell:RateLimits:ManagePerMinute"] = "0";
        if (sink is not null)
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
        }
    });

    [Fact]
    public async Task SameMailingSentFromFourRequestsAtOnce_OneMessagePerMember_OthersFindTheFirst()
    {
        await using var app = await StartAsync();
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, OrgConfig())).StatusCode);
        await AddMembersAsync(admin, 40);

        var id = Guid.NewGuid();
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.Admin().PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(id)))));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (var r in responses)
        {
            Assert.Equal(40, (await Body(r))["recipients"]!.GetValue<int>());
        }
        // After a "restart": the same id again writes nothing.
        await using var restarted = app.Restart();
        Assert.Equal(HttpStatusCode.OK, (await restarted.Admin().PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(id)))).StatusCode);
        Assert.Equal(40, app.WithDb(db => db.Outbox.Count(m => m.Kind == MessageKind.OrganizationMailing)));
        Assert.Equal(40, app.WithDb(db => db.MailingRecipients.Count(r => r.MailingId == id)));
        Assert.Equal(40, app.WithDb(db => db.MailingRecipients.Where(r => r.MailingId == id).Select(r => r.MemberId).Distinct().Count()));
        // Every message names its own member's link placeholder and greets them by name; none holds a link yet.
        var rows = app.WithDb(db => db.Outbox.Where(m => m.Kind == MessageKind.OrganizationMailing).Select(m => new { m.To, m.TextBody, m.Subject }).ToList());
        Assert.All(rows, r => Assert.Contains("{{organization-link:", r.TextBody!, StringComparison.Ordinal));
        Assert.All(rows, r => Assert.DoesNotContain("access=", r.TextBody!, StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal("Picture day at Hillside School", r.Subject));
        var one = rows.Single(r => r.To == Email(7));
        Assert.Contains("Hello Pupil,", one.TextBody!, StringComparison.Ordinal);
        Assert.Contains("Member S-7", one.TextBody!, StringComparison.Ordinal);

        // A database-level guarantee, not only the code's check: a second row for a member of this mailing is refused.
        var dup = app.WithDb(db => db.MailingRecipients.AsNoTracking().First(r => r.MailingId == id));
        Assert.ThrowsAny<DbUpdateException>(() => app.WithDb(db =>
        {
            db.MailingRecipients.Add(new Bookwell.Features.Organizations.MailingRecipient
            {
                Id = Guid.NewGuid(),
                TenantId = dup.TenantId,
                MailingId = dup.MailingId,
                MemberId = dup.MemberId,
                CustomerId = dup.CustomerId,
                Name = dup.Name,
                Email = dup.Email,
            });
            return db.SaveChanges();
        }));

        // A different id is a different mailing.
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(Guid.NewGuid())))).StatusCode);
        Assert.Equal(80, app.WithDb(db => db.Outbox.Count(m => m.Kind == MessageKind.OrganizationMailing)));
    }

    [Fact]
    public async Task BadInput_FieldErrors_NothingQueued()
    {
        await using var app = await StartAsync();
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, OrgConfig())).StatusCode);
        await AddMembersAsync(admin, 2);
        var bad = await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(Guid.NewGuid(), body: "Hi {{nickname}}", audience: "everyone")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        Assert.Contains("{{nickname}}", errors["body"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("audience"));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/admin/organizations/nope/mailings", Json(Mailing(Guid.NewGuid())))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/v1/admin/organizations/school/mailings", new StringContent("{\"page\":", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(0, app.WithDb(db => db.Outbox.Count()));
    }

    [Fact]
    public async Task Tracking_PixelAndClickRecordedOnce_PixelOffByBusinessSetting_UnsubscribedGetNoMore()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, OrgConfig())).StatusCode);
        await AddMembersAsync(admin, 3);
        var id = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(id)))).StatusCode);
        var mails = await sink.WaitForAsync(3);
        Assert.Equal(3, mails.Count);
        var mail = mails.Single(m => m.To.Mailboxes.Single().Address == Email(1));
        var html = mail.HtmlBody!;
        var pixel = WebUtility.HtmlDecode(PixelLink().Match(html).Value);
        var click = ClickLink().Match(mail.TextBody!).Value;
        Assert.StartsWith($"{Base}/m/o/", pixel, StringComparison.Ordinal);
        Assert.StartsWith($"{Base}/m/c/", click, StringComparison.Ordinal);
        Assert.Equal(click, WebUtility.HtmlDecode(ClickLink().Match(html).Value));
        // Issue 14: the mailing leads to the client portal too, on the business's configured host.
        Assert.Contains($"Your bookings: {Base}/account", mail.TextBody!, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{Base}/account\" id=\"your-bookings\"", html, StringComparison.Ordinal);

        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var path = (string url) => new Uri(url).PathAndQuery;
        for (var i = 0; i < 2; i++)
        {
            var gif = await client.GetAsync(path(pixel));
            Assert.Equal(HttpStatusCode.OK, gif.StatusCode);
            Assert.Equal("image/gif", gif.Content.Headers.ContentType!.MediaType);
        }
        var firstOpen = app.WithDb(db => db.MailingRecipients.Single(r => r.Email == Email(1) && r.MailingId == id).OpenedAt);
        Assert.NotNull(firstOpen);
        app.Clock.Advance(NodaTime.Duration.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path(pixel))).StatusCode);
        Assert.Equal(firstOpen, app.WithDb(db => db.MailingRecipients.Single(r => r.Email == Email(1) && r.MailingId == id).OpenedAt));

        // The click redirect goes to the member's own personal link, which opens the page signed in as them.
        string? target = null;
        for (var i = 0; i < 2; i++)
        {
            var redirect = await client.GetAsync(path(click));
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            target = redirect.Headers.Location!.ToString();
        }
        Assert.StartsWith($"{Base}/book/{Slug}?access=", target!, StringComparison.Ordinal);
        var page = await (await client.GetAsync(path(target!))).Content.ReadAsStringAsync();
        Assert.Contains("Pupil 0001", page, StringComparison.Ordinal);

        // A changed seal opens nothing and records nothing.
        var tampered = click[..^3] + (click[^3] == 'A' ? "B" : "A") + click[^2..];
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path(tampered))).StatusCode);

        var stats = await Body(await admin.GetAsync($"/api/v1/admin/organizations/school/mailings/{id}"));
        Assert.Equal(3, stats["recipients"]!.GetValue<int>());
        Assert.Equal(1, stats["opened"]!.GetValue<int>());
        Assert.Equal(1, stats["clicked"]!.GetValue<int>());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (stats["delivered"]!.GetValue<int>() < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            stats = await Body(await admin.GetAsync($"/api/v1/admin/organizations/school/mailings/{id}"));
        }
        Assert.Equal(3, stats["delivered"]!.GetValue<int>());

        // Member 2 unsubscribes (the GET only asks; the POST with its antiforgery token decides).
        var second = mails.Single(m => m.To.Mailboxes.Single().Address == Email(2));
        var unsubscribe = path(UnsubscribeLink().Match(second.TextBody!).Value);
        var session = WebSession.For(app);
        var form = await session.GetAsync(unsubscribe);
        Assert.Contains("id=\"unsubscribe\"", form, StringComparison.Ordinal);
        Assert.Null(app.WithDb(db => db.Customers.Single(c => c.Email == Email(2)).MailingsOffAt));
        Assert.Equal(HttpStatusCode.BadRequest, (await session.Client.PostAsync(unsubscribe, new FormUrlEncodedContent([]))).StatusCode);
        Assert.Null(app.WithDb(db => db.Customers.Single(c => c.Email == Email(2)).MailingsOffAt));
        var done = await WebSession.TextAsync(await session.PostFormAsync(unsubscribe));
        Assert.Contains("id=\"unsubscribed\"", done, StringComparison.Ordinal);
        Assert.NotNull(app.WithDb(db => db.Customers.Single(c => c.Email == Email(2)).MailingsOffAt));

        // The business turns the pixel off: the next mailing carries no pixel, and skips the unsubscribed member.
        app.WithDb(db => db.Tenants.ExecuteUpdate(s => s.SetProperty(t => t.MailOpenTrackingOff, true)));
        var next = Guid.NewGuid();
        var created = await Body(await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(next))));
        Assert.Equal(2, created["recipients"]!.GetValue<int>());
        Assert.False(created["trackOpens"]!.GetValue<bool>());
        var all = await sink.WaitForAsync(5);
        var later = all.Where(m => !mails.Any(x => x.MessageId == m.MessageId)).ToList();
        Assert.Equal(2, later.Count);
        Assert.DoesNotContain(later, m => m.To.Mailboxes.Single().Address == Email(2));
        Assert.All(later, m => Assert.DoesNotMatch(PixelLink(), m.HtmlBody!));
        Assert.All(later, m => Assert.Matches(ClickLink(), m.TextBody!));
    }

    /// <summary>
    /// The issue's proof: 1,000 members (250 in the default run, <see cref="TestScale"/>), the server killed (SIGKILL) while the mailing is going out, started again (and
    /// the operator sending the same mailing again): every member gets exactly one message (one Message-ID each, and no
    /// repeats beyond the one message that may have been in flight at the kill), each with their own working link.
    /// </summary>
    [Fact]
    public async Task Members_KilledHalfWay_Restarted_EveryMemberExactlyOneMail()
    {
        var count = TestScale.Of(quick: 250, full: 1_000);
        using var sink = SmtpSink.Start();
        string cs;
        string? pgName = null;
        if (Kind == Db.Postgres)
        {
            pgName = $"bw_{Guid.NewGuid():N}";
            await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"CREATE DATABASE \"{pgName}\"");
            cs = new NpgsqlConnectionStringBuilder(BookwellApp.PostgresServer) { Database = pgName }.ConnectionString;
        }
        else
        {
            cs = $"Data Source={Path.Combine(Path.GetTempPath(), $"bookwell-mailing-{Guid.NewGuid():N}.db")}";
        }
        var settings = new Dictionary<string, string>
        {
            ["Bookwell__Database"] = Kind == Db.Postgres ? "postgres" : "sqlite",
            ["Bookwell__PublicBaseUrl"] = Base,
            ["Bookwell__RateLimits__ManagePerMinute"] = "0",
            ["Bookwell__Smtp__Host"] = "127.0.0.1",
            ["Bookwell__Smtp__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Bookwell__Smtp__UseTls"] = "false",
            ["Bookwell__Outbox__LeaseSeconds"] = "3",
            // Production insists on a certificate for the key ring; as in BookwellApp, the nodes share the key ring in the database.
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        };
        var first = Node.Start(cs, settings);
        Node? second = null;
        try
        {
            await first.WaitReadyAsync();
            using (var admin = first.Client())
            {
                admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
                // The crash is the point here, not the pace: the business lifts its throttle so the mailing goes out at once.
                var unthrottled = OrgConfig();
                var pageSettings = unthrottled["pages"]![0]!["settings"] as JsonObject;
                if (pageSettings is null)
                {
                    pageSettings = [];
                    unthrottled["pages"]![0]!["settings"] = pageSettings;
                }
                pageSettings["mailingsPerMinute"] = 60_000;
                Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, unthrottled)).StatusCode);
                await AddMembersAsync(admin, count);
                var id = Guid.NewGuid();
                var sent = await admin.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(id)));
                Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
                Assert.Equal(count, (await Body(sent))["recipients"]!.GetValue<int>());
                var killDeadline = DateTime.UtcNow.AddMinutes(2);
                while (sink.Count() < count / 4 && DateTime.UtcNow < killDeadline)
                {
                    await Task.Delay(5);
                }
                first.Kill();
                var beforeRestart = sink.Count();
                Assert.InRange(beforeRestart, count / 4, count - 1);

                second = Node.Start(cs, settings);
                await second.WaitReadyAsync();
                using var again = second.Client();
                again.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
                // The operator, unsure, sends the same mailing again: it is found, nothing more is queued.
                var resend = await again.PostAsync("/api/v1/admin/organizations/school/mailings", Json(Mailing(id)));
                Assert.Equal(HttpStatusCode.OK, resend.StatusCode);
                var deadline = DateTime.UtcNow.AddMinutes(3);
                JsonObject stats;
                do
                {
                    await Task.Delay(200);
                    stats = await Body(await again.GetAsync($"/api/v1/admin/organizations/school/mailings/{id}"));
                }
                while (stats["delivered"]!.GetValue<int>() < count && DateTime.UtcNow < deadline);
                Assert.Equal(count, stats["delivered"]!.GetValue<int>());

                var mails = Directory.GetFiles(Path.Combine(SinkDir(sink), "new")).Select(f => MimeMessage.Load(f)).ToList();
                var byMember = mails.GroupBy(m => m.To.Mailboxes.Single().Address).ToDictionary(g => g.Key, g => g.ToList());
                Assert.Equal(count, byMember.Count);
                Assert.All(Enumerable.Range(1, count), i => Assert.True(byMember.ContainsKey(Email(i)), Email(i)));
                // One Message-ID per member; a repeat (only the message in flight at the kill) carries the same one.
                Assert.All(byMember.Values, list => Assert.Single(list.Select(m => m.MessageId).Distinct()));
                var repeats = mails.Count - count;
                Assert.InRange(repeats, 0, 1);
                // Every member's link is their own: all distinct, and three of them, followed, open the page as that member.
                var clicks = byMember.ToDictionary(kv => kv.Key, kv => ClickLink().Match(kv.Value[0].TextBody!).Value);
                Assert.Equal(count, clicks.Values.Distinct().Count());
                using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = second.BaseAddress };
                foreach (var i in new[] { 1, count / 2, count })
                {
                    var redirect = await browser.GetAsync(new Uri(clicks[Email(i)]).PathAndQuery);
                    Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
                    var html = await (await browser.GetAsync(new Uri(redirect.Headers.Location!.ToString()).PathAndQuery)).Content.ReadAsStringAsync();
                    Assert.Contains($"Pupil {i:D4}", html, StringComparison.Ordinal);
                }
                Console.WriteLine($"mailing crash test ({Kind}): {count} members, {beforeRestart} delivered before SIGKILL, {repeats} repeated (same Message-ID)");
            }
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
            if (pgName is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await Pg.ExecuteAsync(BookwellApp.PostgresServer, $"DROP DATABASE IF EXISTS \"{pgName}\" WITH (FORCE)");
            }
        }
    }

    private static string SinkDir(SmtpSink sink) =>
        (string)typeof(SmtpSink).GetField("_dir", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(sink)!;
}

public sealed class SqliteMailingTests : MailingTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresMailingTests : MailingTests
{
    protected override Db Kind => Db.Postgres;
}
