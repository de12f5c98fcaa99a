using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Features.Waitlist;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Series;

/// <summary>
/// Rescheduling a recurring series (issue 15) over HTTP on both databases, one app per class (each test on its own
/// weeks): "this and following" keeps the local wall-clock shift across the DST change and frees the old time for the
/// waitlist, with one mail listing the new dates; one occurrence that cannot move refuses the whole move and changes
/// nothing; parallel moves of one series leave it consistent.
/// </summary>
public abstract class SeriesRescheduleTests(SeriesRescheduleTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public SmtpSink Smtp { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            // Mail is set up so the outbox plans client mails; the tests read what was planned.
            Smtp = SmtpSink.Start();
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
            });
            var config = Config().Also(c => c["pages"]![0]!["settings"]!["waitlist"] = true);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), config)).StatusCode);
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Smtp.Dispose();
        }
    }

    private BookwellApp App => shared.App;

    private static JsonObject Series(string start, int count, string email) =>
        Booking(start, "consult", email, "anna").Also(b => b["repeat"] = new JsonObject { ["frequency"] = "weekly", ["count"] = count });

    private async Task<JsonObject> CreateSeriesAsync(string start, int count, string email)
    {
        var response = await App.CreateClient().PostAsync($"/api/v1/pages/{Slug}/series", Json(Series(start, count, email)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Body(response);
    }

    private static JsonObject Move(string start, string scope, int? index = null) => new()
    {
        ["index"] = index,
        ["scope"] = scope,
        ["start"] = start,
    };

    private List<Booking> Occurrences(Guid series) =>
        App.WithDb(db => db.Bookings.AsNoTracking().Include(b => b.History).Where(b => b.SeriesId == series).OrderBy(b => b.SeriesIndex).ToList());

    private static string Local(Booking b) => b.StartsAt.InZone(DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).ToString("yyyy-MM-dd'T'HH:mmo<g>", CultureInfo.InvariantCulture);

    /// <summary>Every live allocation of the series is exactly where its booking says it is.</summary>
    private void AssertAllocationsFollow(Guid series)
    {
        App.WithDb(db =>
        {
            var bookings = db.Bookings.AsNoTracking().Where(b => b.SeriesId == series && b.Status == BookingStatus.Confirmed).ToList();
            var ids = bookings.Select(b => b.Id).ToList();
            var rows = db.Allocations.AsNoTracking().Where(a => a.Live && ids.Contains(a.BookingId)).ToList();
            Assert.Equal(bookings.Count, rows.Count);
            foreach (var b in bookings)
            {
                var row = Assert.Single(rows, r => r.BookingId == b.Id);
                Assert.Equal((b.StartsAt, b.EndsAt), (row.StartsAt, row.EndsAt));
            }
            return 0;
        });
    }

    [Fact]
    public async Task ThisAndFollowing_KeepsTheLocalShiftAcrossDst_FreesTheOldTimeForTheWaitlist_OneMailListsTheNewDates()
    {
        // Mondays 15, 22, 29 March and 5 April 2027 at 11:00; Amsterdam moves to summer time on 28 March.
        var series = await CreateSeriesAsync("2027-03-15T11:00:00+01:00", 4, "dst@example.com");
        var id = Guid.Parse(series["seriesId"]!.GetValue<string>());
        var token = series["manageToken"]!.GetValue<string>();
        var client = App.CreateClient();
        // Somebody waits for Monday 29 March, 11:00 to 12:00: the time the third occurrence leaves.
        var join = await client.PostAsync($"/api/v1/pages/{Slug}/waitlist", Json(new JsonObject
        {
            ["service"] = "consult",
            ["date"] = "2027-03-29",
            ["from"] = "11:00",
            ["to"] = "12:00",
            ["customer"] = new JsonObject { ["name"] = "Wai Ting", ["email"] = "waiting@example.com" },
        }));
        Assert.Equal(HttpStatusCode.Created, join.StatusCode);

        // From the second occurrence on: a day later and at 14:00 (Tuesday 23 March, winter time).
        var moved = await client.PostAsync($"/api/v1/bookings/{token}/series/reschedule", Json(Move("2027-03-23T14:00:00+01:00", "following", 1)));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(["2027-03-15T11:00:00+01:00", "2027-03-23T14:00:00+01:00", "2027-03-30T14:00:00+02:00", "2027-04-06T14:00:00+02:00"],
            (await Body(moved))["occurrences"]!.AsArray().Select(o => o!["start"]!.GetValue<string>()));

        var all = Occurrences(id);
        Assert.Equal(["2027-03-15T11:00+01", "2027-03-23T14:00+01", "2027-03-30T14:00+02", "2027-04-06T14:00+02"], all.Select(Local));
        // Through the lifecycle: each moved occurrence has its history entry; the first is untouched.
        Assert.DoesNotContain(all[0].History, h => h.Action == BookingAction.Rescheduled);
        Assert.All(all.Skip(1), b => Assert.Single(b.History, h => h.Action == BookingAction.Rescheduled));
        AssertAllocationsFollow(id);

        // The old 29 March time went to the waitlist.
        var entry = App.WithDb(db => db.WaitlistEntries.AsNoTracking().Single(w => w.CustomerEmail == "waiting@example.com"));
        Assert.Equal(WaitlistStatus.Offered, entry.Status);
        Assert.Equal(Instant.FromUtc(2027, 3, 29, 9, 0), entry.OfferStart);

        // One mail for the move (not one per occurrence), listing the three new dates.
        var ids = all.Select(b => b.Id).ToList();
        Assert.Equal(1, App.WithDb(db => db.Outbox.IgnoreQueryFilters().Count(m => m.Kind == MessageKind.Rescheduled && m.Channel == OutboxChannel.Email &&
            m.To == "dst@example.com" && m.BookingId != null && ids.Contains(m.BookingId.Value))));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        MimeKit.MimeMessage? mail = null;
        while (mail is null && DateTime.UtcNow < deadline)
        {
            mail = shared.Smtp.Messages().FirstOrDefault(m => m.To.ToString().Contains("dst@example.com", StringComparison.Ordinal) &&
                (m.TextBody ?? "").Contains("New dates", StringComparison.Ordinal));
            if (mail is null)
            {
                await shared.Smtp.WaitForAsync(shared.Smtp.Messages().Count + 1, seconds: 1);
            }
        }
        Assert.NotNull(mail);
        Assert.Contains("New dates (3):", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Tue 23 Mar 2027, 14:00", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Tue 30 Mar 2027, 14:00", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Tue 6 Apr 2027, 14:00", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("15 Mar", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneBlockedOccurrence_RefusesTheWholeMove_NamesIt_AndChangesNothing_ThenOneMovesAlone()
    {
        // Mondays 5, 12, 19 and 26 April 2027 at 10:00 (summer time).
        var series = await CreateSeriesAsync("2027-04-05T10:00:00+02:00", 4, "blocked@example.com");
        var id = Guid.Parse(series["seriesId"]!.GetValue<string>());
        var first = series["bookings"]![0]!["id"]!.GetValue<string>();
        var client = App.CreateClient();
        // Tuesday 20 April at 15:00 is taken: the third occurrence cannot follow.
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-04-20T15:00:00+02:00", "consult", "other@example.com", "anna"))).StatusCode);
        var before = Occurrences(id);
        var outboxBefore = App.WithDb(db => db.Outbox.IgnoreQueryFilters().Count());

        var refused = await App.Admin().PostAsync($"/api/v1/admin/bookings/{first}/series/reschedule", Json(Move("2027-04-06T15:00:00+02:00", "following")));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await Body(refused);
        Assert.EndsWith("slot-unavailable", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        var blocked = Assert.Single(problem["blocked"]!.AsArray())!;
        Assert.Equal(2, blocked["index"]!.GetValue<int>());
        Assert.Equal("2027-04-19T10:00:00+02:00", blocked["start"]!.GetValue<string>());
        Assert.Equal("2027-04-20T15:00:00+02:00", blocked["newStart"]!.GetValue<string>());
        Assert.Equal("unavailable", blocked["reason"]!.GetValue<string>());

        var after = Occurrences(id);
        Assert.Equal(before.Select(b => (b.StartsAt, b.Status, b.UpdatedAt, b.History.Count)), after.Select(b => (b.StartsAt, b.Status, b.UpdatedAt, b.History.Count)));
        AssertAllocationsFollow(id);
        Assert.Equal(outboxBefore, App.WithDb(db => db.Outbox.IgnoreQueryFilters().Count()));

        // Only this one: the last occurrence, by the client, to Tuesday 27 April 11:00; the others stay.
        var token = series["manageToken"]!.GetValue<string>();
        var one = await client.PostAsync($"/api/v1/bookings/{token}/series/reschedule", Json(Move("2027-04-27T11:00:00+02:00", "one", 3)));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(["2027-04-05T10:00+02", "2027-04-12T10:00+02", "2027-04-19T10:00+02", "2027-04-27T11:00+02"], Occurrences(id).Select(Local));
        AssertAllocationsFollow(id);

        // Bad input, field by field; and an unknown booking.
        var bad = await client.PostAsync($"/api/v1/bookings/{token}/series/reschedule", Json(new JsonObject { ["scope"] = "all", ["start"] = "soon", ["index"] = 9 }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("scope") && errors.ContainsKey("start") && errors.ContainsKey("index"), errors.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await App.Admin().PostAsync($"/api/v1/admin/bookings/{Guid.NewGuid()}/series/reschedule",
            Json(Move("2027-04-06T15:00:00+02:00", "following")))).StatusCode);
    }

    [Fact]
    public async Task AMembersSeries_MovedOutsideItsOrganizationsTimeSlots_IsTheSameStartFieldErrorAsTheSingleReschedule_AndNothingMoves()
    {
        // Hillside School's consultations: Thursdays 1 and 8 April 09:00-12:00, 15 April 09:00-11:30. A member's weekly series
        // at 10:00 on those Thursdays (written as the school's: the organization key on each occurrence).
        var config = Config().Also(c =>
        {
            c["pages"]![0]!["settings"]!["waitlist"] = true;
            c["pages"]![0]!["organizations"] = new JsonArray(new JsonObject
            {
                ["key"] = "school",
                ["name"] = "Hillside School",
                ["services"] = new JsonArray("consult"),
                ["from"] = null,
                ["to"] = null,
                ["exclusive"] = false,
                ["timeSlots"] = new JsonArray(
                    new JsonObject { ["date"] = "2027-04-01", ["hours"] = new JsonArray(new JsonArray("09:00", "12:00")), ["services"] = new JsonArray("consult") },
                    new JsonObject { ["date"] = "2027-04-08", ["hours"] = new JsonArray(new JsonArray("09:00", "12:00")), ["services"] = new JsonArray("consult") },
                    new JsonObject { ["date"] = "2027-04-15", ["hours"] = new JsonArray(new JsonArray("09:00", "11:30")), ["services"] = new JsonArray("consult") }),
            });
        });
        var put = await PutConfig(App.Admin(), config);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        try
        {
            var series = await CreateSeriesAsync("2027-04-01T10:00:00+02:00", 3, "pupil@example.com");
            var id = Guid.Parse(series["seriesId"]!.GetValue<string>());
            var token = series["manageToken"]!.GetValue<string>();
            App.WithDb(db => db.Bookings.IgnoreQueryFilters().Where(b => b.SeriesId == id).ExecuteUpdate(u => u.SetProperty(b => b.OrganizationKey, "school")));
            var before = Occurrences(id);
            var client = App.CreateClient();

            // Only this one, to 14:00: outside the school's slot. The single reschedule's answer, word for word.
            var single = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-04-01T14:00:00+02:00" }));
            Assert.Equal(HttpStatusCode.BadRequest, single.StatusCode);
            var expected = Assert.Single((await Body(single))["errors"]!["start"]!.AsArray())!.GetValue<string>();
            Assert.Contains("Hillside School", expected, StringComparison.Ordinal);
            var one = await client.PostAsync($"/api/v1/bookings/{token}/series/reschedule", Json(Move("2027-04-01T14:00:00+02:00", "one")));
            Assert.Equal(HttpStatusCode.BadRequest, one.StatusCode);
            var problem = await Body(one);
            Assert.EndsWith("/validation", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(expected, Assert.Single(problem["errors"]!["start"]!.AsArray())!.GetValue<string>());

            // This and following, to 11:00: 1 and 8 April fit, 15 April (slot until 11:30) does not; it is named, nothing moves.
            var following = await client.PostAsync($"/api/v1/bookings/{token}/series/reschedule", Json(Move("2027-04-01T11:00:00+02:00", "following")));
            Assert.Equal(HttpStatusCode.BadRequest, following.StatusCode);
            var message = Assert.Single((await Body(following))["errors"]!["start"]!.AsArray())!.GetValue<string>();
            Assert.StartsWith("Occurrence 2 (to 2027-04-15T11:00:00+02:00): Not within a time slot of Hillside School", message, StringComparison.Ordinal);
            Assert.Equal(before.Select(b => (b.StartsAt, b.UpdatedAt, b.History.Count)), Occurrences(id).Select(b => (b.StartsAt, b.UpdatedAt, b.History.Count)));

            // Inside every slot (09:00), the whole series moves.
            var moved = await client.PostAsync($"/api/v1/bookings/{token}/series/reschedule", Json(Move("2027-04-01T09:00:00+02:00", "following")));
            Assert.True(moved.StatusCode == HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
            Assert.Equal(["2027-04-01T09:00+02", "2027-04-08T09:00+02", "2027-04-15T09:00+02"], Occurrences(id).Select(Local));
            AssertAllocationsFollow(id);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config().Also(c => c["pages"]![0]!["settings"]!["waitlist"] = true))).StatusCode);
        }
    }

    /// <summary>The shared page with Hillside School's consultation slots: each (date, end of its 09:00 slot).</summary>
    private static JsonObject SchoolConfig(params (string Date, string Until)[] slots) => Config().Also(c =>
    {
        c["pages"]![0]!["settings"]!["waitlist"] = true;
        c["pages"]![0]!["organizations"] = new JsonArray(new JsonObject
        {
            ["key"] = "school",
            ["name"] = "Hillside School",
            ["services"] = new JsonArray("consult"),
            ["from"] = null,
            ["to"] = null,
            ["exclusive"] = false,
            ["timeSlots"] = new JsonArray([.. slots.Select(s => (JsonNode)new JsonObject
            {
                ["date"] = s.Date,
                ["hours"] = new JsonArray(new JsonArray("09:00", s.Until)),
                ["services"] = new JsonArray("consult"),
            })]),
        });
    });

    [Fact]
    public async Task ManagePage_MovingAMembersSeriesOutsideTheSchoolsSlots_ShowsTheStartFieldErrorAtTheTimes_InTheVisitorsLanguage()
    {
        // Thursdays 18 and 25 March 2027; the school's slots run 09:00-12:00, on the 25th only until 11:30.
        var put = await PutConfig(App.Admin(), SchoolConfig(("2027-03-18", "12:00"), ("2027-03-25", "11:30")));
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        try
        {
            var series = await CreateSeriesAsync("2027-03-18T10:00:00+01:00", 2, "pupil-page@example.com");
            var id = Guid.Parse(series["seriesId"]!.GetValue<string>());
            var token = series["manageToken"]!.GetValue<string>();
            App.WithDb(db => db.Bookings.IgnoreQueryFilters().Where(b => b.SeriesId == id).ExecuteUpdate(u => u.SetProperty(b => b.OrganizationKey, "school")));
            var before = Occurrences(id).Select(b => (b.StartsAt, b.UpdatedAt, b.History.Count)).ToList();
            var client = App.CreateClient();
            async Task<(HttpStatusCode Status, string Html)> PostAsync(string query, string start, string scope)
            {
                var response = await client.PostAsync($"/booking/{token}?handler=Reschedule{query}",
                    new FormUrlEncodedContent([KeyValuePair.Create("start", start), KeyValuePair.Create("scope", scope)]));
                return (response.StatusCode, await WebSession.TextAsync(response));
            }
            static string StartError(string html) =>
                System.Text.RegularExpressions.Regex.Match(html, "<p class=\"error\" id=\"start-error\">([^<]*)</p>").Groups[1].Value;

            // This and following, to 11:00: the 25th would end after the school's slot. The field error names it, next to the
            // times (which it describes), instead of the general "these dates cannot move"; nothing moves.
            var (status, html) = await PostAsync("", "2027-03-18T11:00:00+01:00", "following");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            var error = StartError(html);
            Assert.StartsWith("Occurrence 1 (to ", error, StringComparison.Ordinal);
            Assert.Contains("25 March 2027", error, StringComparison.Ordinal);
            Assert.EndsWith("): Not within a time slot of Hillside School; this booking can only move to one of its time slots.", error, StringComparison.Ordinal);
            Assert.Contains("role=\"group\" aria-labelledby=\"resched\" aria-describedby=\"start-error\"", html, StringComparison.Ordinal);
            Assert.Contains("Please check the highlighted fields.", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Nothing was moved", html, StringComparison.Ordinal);
            // The scope chosen is kept.
            Assert.Matches("id=\"scope-following\" checked", html);

            // In Dutch on the Dutch page.
            var (dutchStatus, dutch) = await PostAsync("&lang=nl", "2027-03-18T11:00:00+01:00", "following");
            Assert.Equal(HttpStatusCode.BadRequest, dutchStatus);
            var dutchError = StartError(dutch);
            Assert.StartsWith("Datum 1 (naar ", dutchError, StringComparison.Ordinal);
            Assert.EndsWith("): Niet binnen een tijdslot van Hillside School; deze afspraak kan alleen naar een van de tijdsloten worden verzet.", dutchError, StringComparison.Ordinal);
            Assert.Contains("Controleer de gemarkeerde velden.", dutch, StringComparison.Ordinal);

            // Only this one, to 14:00: the single reschedule's own message, as the API answers it.
            var api = await client.PostAsync($"/api/v1/bookings/{token}/reschedule", Json(new JsonObject { ["start"] = "2027-03-18T14:00:00+01:00" }));
            var expected = Assert.Single((await Body(api))["errors"]!["start"]!.AsArray())!.GetValue<string>();
            var (oneStatus, one) = await PostAsync("", "2027-03-18T14:00:00+01:00", "one");
            Assert.Equal(HttpStatusCode.BadRequest, oneStatus);
            Assert.Equal(expected, StartError(one));
            Assert.Equal(before, Occurrences(id).Select(b => (b.StartsAt, b.UpdatedAt, b.History.Count)));

            // Inside every slot (09:00) the whole series moves, as before.
            var moved = await client.PostAsync($"/booking/{token}?handler=Reschedule",
                new FormUrlEncodedContent([KeyValuePair.Create("start", "2027-03-18T09:00:00+01:00"), KeyValuePair.Create("scope", "following")]));
            // The test client follows the redirect to the manage page that says the dates moved.
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            Assert.Contains("moved=series", moved.RequestMessage!.RequestUri!.Query, StringComparison.Ordinal);
            Assert.Equal(["2027-03-18T09:00+01", "2027-03-25T09:00+01"], Occurrences(id).Select(Local));
            AssertAllocationsFollow(id);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config().Also(c => c["pages"]![0]!["settings"]!["waitlist"] = true))).StatusCode);
        }
    }

    [Fact]
    public async Task AdminDetailPage_MovesThisOrThisAndFollowing_ByAPlainFormWithCsrf_EnglishAndDutch()
    {
        // Wednesdays 7, 14 and 21 April 2027 at 10:00.
        var series = await CreateSeriesAsync("2027-04-07T10:00:00+02:00", 3, "desk@example.com");
        var id = Guid.Parse(series["seriesId"]!.GetValue<string>());
        var second = Occurrences(id)[1].Id;
        var owner = WebSession.For(App);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        var path = $"/admin/bookings/{second}";
        var page = System.Net.WebUtility.HtmlDecode(await owner.GetAsync(path));
        Assert.Contains("Move dates of the series", page, StringComparison.Ordinal);
        Assert.Contains("This and later dates (same shift)", page, StringComparison.Ordinal);
        Assert.Contains("Datums van de reeks verzetten", System.Net.WebUtility.HtmlDecode(await owner.GetAsync(path + "?lang=nl")), StringComparison.Ordinal);

        // Without the antiforgery token nothing moves.
        KeyValuePair<string, string>[] following = [KeyValuePair.Create("date", "2027-04-14"), KeyValuePair.Create("time", "15:00"), KeyValuePair.Create("scope", "following")];
        var bare = await owner.Client.PostAsync(path + "?handler=SeriesMove", new FormUrlEncodedContent(following));
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Equal(["2027-04-07T10:00+02", "2027-04-14T10:00+02", "2027-04-21T10:00+02"], Occurrences(id).Select(Local));

        // This and following: the second and third go to 15:00, the first stays.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=SeriesMove", following, path)).StatusCode);
        Assert.Equal(["2027-04-07T10:00+02", "2027-04-14T15:00+02", "2027-04-21T15:00+02"], Occurrences(id).Select(Local));
        Assert.Contains("2 dates moved.", System.Net.WebUtility.HtmlDecode(await owner.GetAsync(path)), StringComparison.Ordinal);
        AssertAllocationsFollow(id);

        // Only this one: the second to 11:00; the third stays at 15:00.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=SeriesMove",
            [KeyValuePair.Create("date", "2027-04-14"), KeyValuePair.Create("time", "11:00"), KeyValuePair.Create("scope", "one")], path)).StatusCode);
        Assert.Equal(["2027-04-07T10:00+02", "2027-04-14T11:00+02", "2027-04-21T15:00+02"], Occurrences(id).Select(Local));

        // Wednesday 21 April 16:00 is taken: moving this and following an hour later (the second to 12:00, so the third from
        // 15:00 to 16:00) is refused for the third, naming it; nothing moves.
        Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(), Booking("2027-04-21T16:00:00+02:00", "consult", "taken@example.com", "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=SeriesMove",
            [KeyValuePair.Create("date", "2027-04-14"), KeyValuePair.Create("time", "12:00"), KeyValuePair.Create("scope", "following")], path)).StatusCode);
        Assert.Equal(["2027-04-07T10:00+02", "2027-04-14T11:00+02", "2027-04-21T15:00+02"], Occurrences(id).Select(Local));
        Assert.Contains("Nothing was moved: these dates are not free: Wed 21 Apr 2027 4:00", System.Net.WebUtility.HtmlDecode(await owner.GetAsync(path)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParallelMovesOfOneSeries_LeaveItConsistent()
    {
        // Wednesdays 17, 24 and 31 March 2027 at 10:00 (the DST change falls before the last).
        var series = await CreateSeriesAsync("2027-03-17T10:00:00+01:00", 3, "race@example.com");
        var id = Guid.Parse(series["seriesId"]!.GetValue<string>());
        var token = series["manageToken"]!.GetValue<string>();
        var first = series["bookings"]![0]!["id"]!.GetValue<string>();

        // Six moves of the whole series at once, each to another hour; the client's and the operator's alternate.
        var hours = new[] { 11, 12, 13, 14, 15, 16 };
        var results = await Task.WhenAll(hours.Select((h, i) => Task.Run(async () =>
        {
            var body = Json(Move($"2027-03-17T{h}:00:00+01:00", "following", 0));
            return i % 2 == 0
                ? await App.CreateClient().PostAsync($"/api/v1/bookings/{token}/series/reschedule", body)
                : await App.Admin().PostAsync($"/api/v1/admin/bookings/{first}/series/reschedule", body);
        })));
        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        var succeeded = results.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(succeeded >= 1);

        var all = Occurrences(id);
        // Whoever came last decided for all three: one local time of day, the same weekday, one week apart.
        var times = all.Select(b => Local(b)[11..16]).Distinct().ToList();
        Assert.Single(times);
        Assert.Contains(int.Parse(times[0][..2], CultureInfo.InvariantCulture), hours);
        Assert.Equal(["2027-03-17", "2027-03-24", "2027-03-31"], all.Select(b => Local(b)[..10]));
        // Every successful move wrote one history entry per occurrence, and no refused one wrote any.
        Assert.All(all, b => Assert.Equal(succeeded, b.History.Count(h => h.Action == BookingAction.Rescheduled)));
        AssertAllocationsFollow(id);
    }
}

public sealed class SqliteSeriesRescheduleTests(SqliteSeriesRescheduleTests.Fixture fixture) : SeriesRescheduleTests(fixture), IClassFixture<SqliteSeriesRescheduleTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Sqlite;
    }
}

public sealed class PostgresSeriesRescheduleTests(PostgresSeriesRescheduleTests.Fixture fixture) : SeriesRescheduleTests(fixture), IClassFixture<PostgresSeriesRescheduleTests.Fixture>
{
    public sealed class Fixture : Shared
    {
        protected override Db Kind => Db.Postgres;
    }
}
