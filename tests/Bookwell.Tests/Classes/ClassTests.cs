using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Classes;

/// <summary>
/// Classes (issue 15) on both databases, one app per database for the class: the admin API's sessions with their attendees,
/// check-in and its undo through the lifecycle seam (twenty check-ins of one attendee at once record one), the timetable
/// and attendee pages (week by week, a CSRF-protected form per attendee, English and Dutch), the staff dashboard's sessions,
/// another business seeing nothing, and a configuration that would seat a future session below its booked count refused
/// (a service's capacity and an organization's time slot's).
/// The test salon's yoga class: 60 minutes, 3 seats, Anna teaching in the studio. The clock stands at Monday 1 March 2027 08:00.
/// </summary>
public abstract class ClassTests(ClassTests.Shared shared)
{
    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
            });
            var put = await PutConfig(App.Admin(), Config());
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private BookwellApp App => shared.App;

    private WebSession Owner => shared.Owner;

    /// <summary>Books one seat of the yoga class at <paramref name="start"/> and answers the booking's id.</summary>
    private async Task<string> MemberAsync(string start, string email, string name, string? access = null)
    {
        var response = await Book(App.CreateClient(), Booking(start, "yoga", email).Also(b =>
        {
            b["customer"]!["name"] = name;
            if (access is not null)
            {
                b["access"] = access;
            }
        }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await Body(response))["id"]!.GetValue<string>();
    }

    private async Task<JsonArray> SessionsAsync(string from, string to)
    {
        var response = await App.Admin().GetAsync($"/api/v1/admin/classes/sessions?from={from}&to={to}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await Body(response))["items"]!.AsArray();
    }

    private Bookwell.Data.Booking Stored(string id) => App.WithDb(db => db.Bookings.AsNoTracking().Include(b => b.History).Single(b => b.Id == Guid.Parse(id)));

    [Fact]
    public async Task SessionsList_NamesServiceTimeStaffAndSeats_WithAttendees_AndCheckInIsRecordedThenUndone()
    {
        var ada = await MemberAsync("2027-03-02T09:00:00+01:00", "ada@example.com", "Ada Lovelace");
        var bea = await MemberAsync("2027-03-02T09:00:00+01:00", "bea@example.com", "Bea Bishop");
        // A one-to-one appointment the same morning is no class session.
        Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "haircut", "cy@example.com"))).StatusCode);

        var session = (await SessionsAsync("2027-03-02", "2027-03-02")).Single()!;
        Assert.Equal("yoga", session["service"]!.GetValue<string>());
        Assert.Equal("Yoga", session["serviceName"]!.GetValue<string>());
        Assert.Equal("2027-03-02T09:00:00+01:00", session["start"]!.GetValue<string>());
        Assert.Equal("2027-03-02T10:00:00+01:00", session["end"]!.GetValue<string>());
        Assert.Equal("anna", session["staff"]!.GetValue<string>());
        Assert.Equal((3, 2, 0), (session["capacity"]!.GetValue<int>(), session["booked"]!.GetValue<int>(), session["checkedIn"]!.GetValue<int>()));
        var attendees = session["attendees"]!.AsArray();
        Assert.Equal(new[] { "Ada Lovelace", "Bea Bishop" }, attendees.Select(a => a!["name"]!.GetValue<string>()).Order().ToArray());
        var adaRow = attendees.Single(a => a!["booking"]!.GetValue<string>() == ada)!;
        Assert.Equal(("ada@example.com", "+31600000000", 1, "confirmed"),
            (adaRow["email"]!.GetValue<string>(), adaRow["phone"]!.GetValue<string>(), adaRow["seats"]!.GetValue<int>(), adaRow["status"]!.GetValue<string>()));
        Assert.Null(adaRow["checkedInAt"]);

        // Check-in at 08:55 on the day.
        App.Clock.Reset(Instant.FromUtc(2027, 3, 2, 7, 55));
        try
        {
            var checkedIn = await App.Admin().PostAsync($"/api/v1/admin/bookings/{ada}/check-in", null);
            Assert.True(checkedIn.StatusCode == HttpStatusCode.OK, await checkedIn.Content.ReadAsStringAsync());
            Assert.Equal("2027-03-02T08:55:00+01:00", (await Body(checkedIn))["checkedInAt"]!.GetValue<string>());
            var stored = Stored(ada);
            Assert.Equal(Instant.FromUtc(2027, 3, 2, 7, 55), stored.CheckedInAt);
            Assert.Equal(BookingStatus.Confirmed, stored.Status);
            Assert.Single(stored.History, h => h.Action == BookingAction.CheckedIn);
            Assert.Null(Stored(bea).CheckedInAt);
            session = (await SessionsAsync("2027-03-02", "2027-03-02")).Single()!;
            Assert.Equal(1, session["checkedIn"]!.GetValue<int>());
            Assert.Equal("2027-03-02T08:55:00+01:00",
                session["attendees"]!.AsArray().Single(a => a!["booking"]!.GetValue<string>() == ada)!["checkedInAt"]!.GetValue<string>());

            // Undone before the session ends: no check-in on record, both entries in the history.
            var undone = await App.Admin().DeleteAsync($"/api/v1/admin/bookings/{ada}/check-in");
            Assert.Equal(HttpStatusCode.OK, undone.StatusCode);
            stored = Stored(ada);
            Assert.Null(stored.CheckedInAt);
            Assert.Equal(new[] { BookingAction.Created, BookingAction.CheckedIn, BookingAction.CheckInUndone }, stored.History.OrderBy(h => h.Id).Select(h => h.Action).ToArray());
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }
    }

    [Fact]
    public async Task AMovedBooking_LeavesItsCheckInWithTheSessionItLeft()
    {
        var response = await Book(App.CreateClient(), Booking("2027-03-03T09:00:00+01:00", "yoga", "mover@example.com"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booked = await Body(response);
        var id = booked["id"]!.GetValue<string>();
        // Checked in half an hour before the session (inside its check-in window), then moved to the next day.
        App.Clock.Reset(Instant.FromUtc(2027, 3, 3, 7, 30));
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await App.Admin().PostAsync($"/api/v1/admin/bookings/{id}/check-in", null)).StatusCode);
            Assert.NotNull(Stored(id).CheckedInAt);
            var answer = await App.CreateClient().PostAsync($"/api/v1/bookings/{booked["manageToken"]!.GetValue<string>()}/reschedule",
                Json(new JsonObject { ["start"] = "2027-03-04T14:00:00+01:00" }));
            Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }
        Assert.Null(Stored(id).CheckedInAt);
        var moved = (await SessionsAsync("2027-03-04", "2027-03-04")).Single(x => x!["start"]!.GetValue<string>().Contains("T14:00", StringComparison.Ordinal))!;
        Assert.Equal((1, 0), (moved["booked"]!.GetValue<int>(), moved["checkedIn"]!.GetValue<int>()));
    }

    [Fact]
    public async Task TwentyCheckInsOfOneAttendeeAtOnce_RecordOneCheckIn()
    {
        var id = await MemberAsync("2027-03-03T09:00:00+01:00", "race@example.com", "Rae Race");
        var admin = App.Admin();
        App.Clock.Reset(Instant.FromUtc(2027, 3, 3, 7, 45));
        HttpResponseMessage[] results;
        try
        {
            results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => admin.PostAsync($"/api/v1/admin/bookings/{id}/check-in", null)));
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var answered = (await Task.WhenAll(results.Select(Body))).Select(b => b["checkedInAt"]!.GetValue<string>()).Distinct().ToList();
        Assert.Single(answered);
        var stored = Stored(id);
        Assert.NotNull(stored.CheckedInAt);
        Assert.Single(stored.History, h => h.Action == BookingAction.CheckedIn);
    }

    [Fact]
    public async Task CheckIn_RefusesCancelledBookings_UndoRefusedAfterTheEnd_BadInputIsProblemDetails()
    {
        var gone = await MemberAsync("2027-03-04T09:00:00+01:00", "gone@example.com", "Gil Gone");
        var here = await MemberAsync("2027-03-04T09:00:00+01:00", "here@example.com", "Hal Here");
        var admin = App.Admin();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{gone}/status", Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);

        // A cancelled member holds no seat: not listed, not checked in.
        var session = (await SessionsAsync("2027-03-04", "2027-03-04")).Single()!;
        Assert.Equal(1, session["booked"]!.GetValue<int>());
        var refused = await admin.PostAsync($"/api/v1/admin/bookings/{gone}/check-in", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith("invalid-transition", (await Body(refused))["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(Stored(gone).CheckedInAt);

        // Checked in at 08:45; once the session has ended (10:00) the check-in stays.
        App.Clock.Reset(Instant.FromUtc(2027, 3, 4, 7, 45));
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{here}/check-in", null)).StatusCode);
            App.Clock.Reset(Instant.FromUtc(2027, 3, 4, 9, 0));
            var late = await admin.DeleteAsync($"/api/v1/admin/bookings/{here}/check-in");
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
            Assert.NotNull(Stored(here).CheckedInAt);
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }

        // Bad input: problem details with field errors, never a 500.
        foreach (var (query, field) in new[]
                 {
                     ("", "from"), ("from=2027-03-01", "to"), ("from=yesterday&to=2027-03-01", "from"), ("from=2027-03-08&to=2027-03-01", "to"),
                     ("from=2027-03-01&to=2027-05-02", "to"), ($"from=2027-03-01&to=2027-03-02&page={new string('p', 65)}", "page"),
                 })
        {
            var response = await admin.GetAsync($"/api/v1/admin/classes/sessions?{query}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {response.StatusCode}");
            Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey(field), query);
        }
        foreach (var id in new[] { "nope", Guid.NewGuid().ToString() })
        {
            var response = await admin.PostAsync($"/api/v1/admin/bookings/{id}/check-in", null);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
        // No key, no answer.
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().GetAsync("/api/v1/admin/classes/sessions?from=2027-03-01&to=2027-03-07")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().PostAsync($"/api/v1/admin/bookings/{here}/check-in", null)).StatusCode);
    }

    [Fact]
    public async Task Timetable_ShowsTheWeek_WeekByWeek_AttendeeList_CheckInByForm_EnglishAndDutch()
    {
        var ida = await MemberAsync("2027-03-05T08:30:00+01:00", "ida@example.com", "Ida Idle");
        await MemberAsync("2027-03-05T08:30:00+01:00", "jan@example.com", "Jan Jansen");
        var later = await MemberAsync("2027-03-12T08:30:00+01:00", "kim@example.com", "Kim Later");

        var week = await Owner.GetAsync("/admin/classes?week=2027-03-03");
        Assert.Contains("Class timetable", week, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/classes\"", await Owner.GetAsync("/admin"), StringComparison.Ordinal);
        Assert.Contains("Week of Monday 1 March 2027", week, StringComparison.Ordinal);
        Assert.Contains("Friday 5 March 2027", week, StringComparison.Ordinal);
        Assert.Contains("2 of 3 seats", week, StringComparison.Ordinal);
        Assert.DoesNotContain("Friday 12 March 2027", week, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/classes?week=2027-03-08\"", week, StringComparison.Ordinal);
        var next = await Owner.GetAsync("/admin/classes?week=2027-03-08");
        Assert.Contains("Friday 12 March 2027", next, StringComparison.Ordinal);
        Assert.Contains("1 of 3 seats", next, StringComparison.Ordinal);
        Assert.DoesNotContain("Friday 5 March 2027", next, StringComparison.Ordinal);

        var key = Stored(ida).GroupKey!;
        var path = "/admin/classes/session?id=" + Uri.EscapeDataString(key);
        Assert.Contains(path, week, StringComparison.Ordinal);
        // Before the check-in window (an hour before the start) the list says when it opens instead of offering the button.
        var early = WebUtility.HtmlDecode(await Owner.GetAsync(path));
        Assert.DoesNotContain("Check in Ida Idle", early, StringComparison.Ordinal);
        Assert.Contains("Check-in opens at Fri 5 Mar 2027 7:30", early, StringComparison.Ordinal);
        var inside = Instant.FromUtc(2027, 3, 5, 7, 0);
        App.Clock.Reset(inside);
        try
        {
            var list = WebUtility.HtmlDecode(await Owner.GetAsync(path));
            Assert.Contains("Ida Idle", list, StringComparison.Ordinal);
            Assert.Contains("Jan Jansen", list, StringComparison.Ordinal);
            Assert.Contains("mailto:ida@example.com", list, StringComparison.Ordinal);
            Assert.DoesNotContain("Kim Later", list, StringComparison.Ordinal);
            Assert.Contains("Check in Ida Idle", list, StringComparison.Ordinal);

            // The form without its antiforgery token is refused; with it, Ida is checked in (and nobody else).
            var forged = await App.CreateClient().PostAsync(path + "&handler=CheckIn", new FormUrlEncodedContent([KeyValuePair.Create("booking", ida)]));
            Assert.NotEqual(HttpStatusCode.Redirect, forged.StatusCode);
            var bare = await Owner.Client.PostAsync(path + "&handler=CheckIn", new FormUrlEncodedContent([KeyValuePair.Create("booking", ida)]));
            Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
            Assert.Null(Stored(ida).CheckedInAt);
            var posted = await Owner.PostFormAsync(path + "&handler=CheckIn", [KeyValuePair.Create("booking", ida)], path);
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
            var stored = Stored(ida);
            Assert.Equal(inside, stored.CheckedInAt);
            Assert.StartsWith("owner:", stored.History.Single(h => h.Action == BookingAction.CheckedIn).By, StringComparison.Ordinal);
            var after = WebUtility.HtmlDecode(await Owner.GetAsync(path));
            Assert.Contains("Ida Idle is checked in.", after, StringComparison.Ordinal);
            Assert.Contains("Checked in at ", after, StringComparison.Ordinal);
            Assert.DoesNotContain("Check in Ida Idle", after, StringComparison.Ordinal);
            Assert.Contains("Undo: check-in of Ida Idle", after, StringComparison.Ordinal);
            Assert.Contains("Check in Jan Jansen", after, StringComparison.Ordinal);
            Assert.Null(Stored(later).CheckedInAt);

            // Undo by form.
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync(path + "&handler=Undo", [KeyValuePair.Create("booking", ida)], path)).StatusCode);
            Assert.Null(Stored(ida).CheckedInAt);

            // Dutch.
            var dutch = WebUtility.HtmlDecode(await Owner.GetAsync("/admin/classes?week=2027-03-03&lang=nl"));
            Assert.Contains("Lesrooster", dutch, StringComparison.Ordinal);
            Assert.Contains("2 van 3 plaatsen", dutch, StringComparison.Ordinal);
            Assert.Contains("Inchecken: Ida Idle", WebUtility.HtmlDecode(await Owner.GetAsync(path + "&lang=nl")), StringComparison.Ordinal);
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }

        // A session nobody holds a seat in, or a made-up key, is not found.
        Assert.Equal(HttpStatusCode.NotFound, (await Owner.Client.GetAsync("/admin/classes/session?id=class%3Asalon%2Fyoga%401")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Owner.Client.GetAsync("/admin/classes/session?id=nothing")).StatusCode);
    }

    [Fact]
    public async Task StaffDashboard_ShowsTodaysSessionsWithCheckIn_OnlyForItsTeacher()
    {
        var id = await MemberAsync("2027-03-01T11:00:00+01:00", "lou@example.com", "Lou Today");
        var anna = await StaffAsync("anna", "4821");
        var early = WebUtility.HtmlDecode(await anna.GetAsync("/staff"));
        Assert.Contains("Today's classes", early, StringComparison.Ordinal);
        Assert.DoesNotContain("Check in Lou Today", early, StringComparison.Ordinal);
        Assert.Contains("Check-in opens at 10:00", early, StringComparison.Ordinal);
        App.Clock.Reset(Instant.FromUtc(2027, 3, 1, 9, 30));
        try
        {
            var day = WebUtility.HtmlDecode(await anna.GetAsync("/staff"));
            Assert.Contains("Today's classes", day, StringComparison.Ordinal);
            Assert.Contains("· Yoga</h3>", day, StringComparison.Ordinal);
            Assert.Contains("Check in Lou Today", day, StringComparison.Ordinal);

            // Bob teaches no yoga: the same form of his is refused.
            var bob = await StaffAsync("bob", "7315");
            Assert.Equal(HttpStatusCode.NotFound, (await bob.PostFormAsync("/staff?handler=CheckIn", [KeyValuePair.Create("booking", id)], "/staff")).StatusCode);
            Assert.Null(Stored(id).CheckedInAt);

            Assert.Equal(HttpStatusCode.Redirect, (await anna.PostFormAsync("/staff?handler=CheckIn", [KeyValuePair.Create("booking", id)], "/staff")).StatusCode);
            var stored = Stored(id);
            Assert.NotNull(stored.CheckedInAt);
            Assert.Equal("staff:Anna", stored.History.Single(h => h.Action == BookingAction.CheckedIn).By);
            var checkedIn = WebUtility.HtmlDecode(await anna.GetAsync("/staff"));
            Assert.Contains("Checked in at ", checkedIn, StringComparison.Ordinal);
            Assert.DoesNotContain("Check in Lou Today", checkedIn, StringComparison.Ordinal);
            Assert.Contains("Lessen vandaag", WebUtility.HtmlDecode(await anna.GetAsync("/staff?lang=nl")), StringComparison.Ordinal);
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }
    }

    [Fact]
    public async Task CheckIn_OpensAnHourBeforeTheStart_AndClosesAtTheEnd_OutsideIsA409WithAFieldError_AndThePageShowsNoButton()
    {
        // Saturday 6 March 2027, 10:00 to 11:00: check-in is open from 09:00 (08:00 UTC) until 11:00 (10:00 UTC).
        var eve = await MemberAsync("2027-03-06T10:00:00+01:00", "eve@example.com", "Eve Early");
        var lea = await MemberAsync("2027-03-06T10:00:00+01:00", "lea@example.com", "Lea Late");
        var admin = App.Admin();

        // Five days early (the clock stands at Monday 1 March): refused, with the window in the field error; nothing recorded.
        var early = await admin.PostAsync($"/api/v1/admin/bookings/{eve}/check-in", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("application/problem+json", early.Content.Headers.ContentType!.MediaType);
        var problem = await Body(early);
        Assert.EndsWith("/check-in-closed", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        var message = Assert.Single(problem["errors"]!["start"]!.AsArray())!.GetValue<string>();
        Assert.Contains("from 2027-03-06T09:00:00+01:00 to 2027-03-06T11:00:00+01:00", message, StringComparison.Ordinal);
        var stored = Stored(eve);
        Assert.Null(stored.CheckedInAt);
        Assert.DoesNotContain(stored.History, h => h.Action == BookingAction.CheckedIn);

        // The attendee list says when check-in opens instead of offering the button; a posted form is refused all the same.
        var path = "/admin/classes/session?id=" + Uri.EscapeDataString(stored.GroupKey!);
        var list = WebUtility.HtmlDecode(await Owner.GetAsync(path));
        Assert.DoesNotContain("Check in Eve Early", list, StringComparison.Ordinal);
        Assert.Contains("Check-in opens at Sat 6 Mar 2027 9:00", list, StringComparison.Ordinal);
        Assert.Contains("Inchecken vanaf", WebUtility.HtmlDecode(await Owner.GetAsync(path + "&lang=nl")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync(path + "&handler=CheckIn", [KeyValuePair.Create("booking", eve)], path)).StatusCode);
        Assert.Null(Stored(eve).CheckedInAt);
        Assert.Contains("Eve Early cannot be checked in now: check-in is open from Sat 6 Mar 2027 9:00",
            WebUtility.HtmlDecode(await Owner.GetAsync(path)), StringComparison.Ordinal);

        try
        {
            // One minute before the window: still refused. At 09:00 sharp: checked in, and the page offers the button to the other.
            App.Clock.Reset(Instant.FromUtc(2027, 3, 6, 7, 59));
            Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/v1/admin/bookings/{eve}/check-in", null)).StatusCode);
            App.Clock.Reset(Instant.FromUtc(2027, 3, 6, 8, 0));
            var opened = await admin.PostAsync($"/api/v1/admin/bookings/{eve}/check-in", null);
            Assert.True(opened.StatusCode == HttpStatusCode.OK, await opened.Content.ReadAsStringAsync());
            Assert.Equal(Instant.FromUtc(2027, 3, 6, 8, 0), Stored(eve).CheckedInAt);
            Assert.Contains("Check in Lea Late", WebUtility.HtmlDecode(await Owner.GetAsync(path)), StringComparison.Ordinal);

            // At the end (11:00) it has closed again; the page no longer offers it.
            App.Clock.Reset(Instant.FromUtc(2027, 3, 6, 10, 0));
            var late = await admin.PostAsync($"/api/v1/admin/bookings/{lea}/check-in", null);
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
            Assert.True((await Body(late))["errors"]!.AsObject().ContainsKey("start"));
            Assert.Null(Stored(lea).CheckedInAt);
            Assert.DoesNotContain("Check in Lea Late", WebUtility.HtmlDecode(await Owner.GetAsync(path)), StringComparison.Ordinal);
            // A minute before the end it was still open.
            App.Clock.Reset(Instant.FromUtc(2027, 3, 6, 9, 59));
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{lea}/check-in", null)).StatusCode);
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
        }
    }

    /// <summary>The test salon with a second class, <paramref name="key"/> (60 minutes, Anna, no room), of <paramref name="seats"/> seats.</summary>
    private static JsonObject WithPilates(string key, int seats) => Config().Also(c =>
    {
        c["pages"]![0]!["services"]!.AsArray().Add(new JsonObject
        {
            ["key"] = key,
            ["name"] = "Pilates",
            ["durationMinutes"] = 60,
            ["price"] = new JsonObject { ["amount"] = 10, ["currency"] = "EUR" },
            ["payment"] = "none",
            ["capacity"] = seats,
            ["requiresStaff"] = true,
            ["slotIntervalMinutes"] = 60,
            ["resourceTypes"] = new JsonArray(),
        });
        c["pages"]![0]!["staff"]![0]!["services"]!.AsArray().Add(key);
    });

    [Fact]
    public async Task LoweringACapacity_WhileSeatsAreBookedAtTheSameMoment_NeverLeavesMoreSeatsBookedThanTheCapacity()
    {
        // Four rounds, each on its own session of its own class (Monday to Thursday, 22-25 March at 14:00): one seat booked,
        // then a change lowering the class to one seat races six clients booking a seat. Either the change wins (nobody else gets in) or the
        // bookings do (the change is refused); never both.
        try
        {
            for (var day = 22; day <= 25; day++)
            {
                var key = $"pilates{day}";
                var put = await PutConfig(App.Admin(), WithPilates(key, 3));
                Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
                var start = $"2027-03-{day}T14:00:00+01:00";
                Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(), Booking(start, key, $"first{day}@example.com"))).StatusCode);

                var lower = Task.Run(() => PutConfig(App.Admin(), WithPilates(key, 1)));
                var bookings = Enumerable.Range(0, 6).Select(i => Task.Run(() => Book(App.CreateClient(), Booking(start, key, $"racer{day}-{i}@example.com")))).ToList();
                var lowered = await lower;
                var answers = await Task.WhenAll(bookings);
                Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, a.StatusCode.ToString()));
                Assert.True(lowered.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, lowered.StatusCode.ToString());

                var capacity = (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["services"]!.AsArray()
                    .Single(x => x!["key"]!.GetValue<string>() == key)!["capacity"]!.GetValue<int>();
                var at = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(start).Value.ToInstant();
                var (booked, seats) = App.WithDb(db =>
                {
                    var ids = db.Bookings.IgnoreQueryFilters().Where(b => b.ServiceKey == key && b.StartsAt == at && b.Status != BookingStatus.Cancelled)
                        .Select(b => b.Id).ToList();
                    var group = db.Bookings.IgnoreQueryFilters().Where(b => ids.Contains(b.Id)).Select(b => b.GroupKey).Distinct().Single();
                    return (ids.Count, db.Allocations.IgnoreQueryFilters().Count(a => a.UnitKey == group && a.Live));
                });
                Assert.Equal(booked, seats);
                Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.Created) + 1, booked);
                Assert.True(booked <= capacity, $"{start}: {booked} seats booked, capacity {capacity}");
                // The change was refused exactly when it would have seated the session below its bookings.
                Assert.Equal(lowered.StatusCode == HttpStatusCode.OK, capacity == 1);
                Assert.Equal(lowered.StatusCode == HttpStatusCode.OK ? 1 : 3, capacity);
                if (lowered.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal(1, booked);
                }
                else
                {
                    Assert.Contains("seats booked", (await Body(lowered))["errors"]!.ToJsonString(), StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }
    }

    private async Task<WebSession> StaffAsync(string key, string pin)
    {
        var saved = await shared.Owner.PostFormAsync($"/admin/setup/p/salon/staff/{key}?handler=Pin", [KeyValuePair.Create("pin", pin)], $"/admin/setup/p/salon/staff/{key}");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var staff = WebSession.For(App);
        Assert.Equal("/staff", (await staff.PostFormAsync("/staff/login", ("Staff", key), ("Pin", pin))).Headers.Location?.OriginalString);
        return staff;
    }

    [Fact]
    public async Task AnotherBusiness_SeesNoSessions_AndCannotCheckIn()
    {
        var id = await MemberAsync("2027-03-09T09:00:00+01:00", "mo@example.com", "Mo Mine");
        var key = Stored(id).GroupKey!;
        var bee = await AccountTests.SignUpAsync(App, "bee", "owner@bee.test");
        Assert.DoesNotContain("Yoga", await bee.GetAsync("/admin/classes?week=2027-03-08"), StringComparison.Ordinal);
        var path = "/admin/classes/session?id=" + Uri.EscapeDataString(key);
        Assert.Equal(HttpStatusCode.NotFound, (await bee.Client.GetAsync(path)).StatusCode);
        var posted = await bee.PostFormAsync(path + "&handler=CheckIn", [KeyValuePair.Create("booking", id)], "/admin/classes");
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        Assert.Null(Stored(id).CheckedInAt);
    }

    [Fact]
    public async Task LoweringAServicesCapacityBelowAFutureSessionsBookedSeats_IsRefused_NamingTheSession()
    {
        for (var i = 0; i < 3; i++)
        {
            await MemberAsync("2027-03-15T09:00:00+01:00", $"full{i}@example.com", $"Full {i}");
        }
        var lower = Config().Also(c => c["pages"]![0]!["services"]![2]!["capacity"] = 2);
        var refused = await PutConfig(App.Admin(), lower);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var messages = (await Body(refused))["errors"]!["pages[0].services[2].capacity"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Contains(messages, m => m.Contains("'Yoga' on 2027-03-15 at 09:00", StringComparison.Ordinal) && m.Contains("has 3 seats booked", StringComparison.Ordinal));
        Assert.Equal(3, (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["services"]![2]!["capacity"]!.GetValue<int>());

        // Raising it is fine; a session in the past no longer counts.
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config().Also(c => c["pages"]![0]!["services"]![2]!["capacity"] = 4))).StatusCode);
        App.Clock.Reset(Instant.FromUtc(2027, 3, 31, 12, 0));
        try
        {
            var put = await PutConfig(App.Admin(), Config().Also(c => c["pages"]![0]!["services"]![2]!["capacity"] = 2));
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }
        finally
        {
            App.Clock.Reset(BookwellApp.DefaultNow);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }
    }

    [Fact]
    public async Task LoweringATimeSlotsSeatsBelowItsSessionsBookedSeats_IsRefused_NamingTheSession()
    {
        // Sunday 14 March: the school's yoga session, three seats.
        JsonObject WithSlot(int seats) => Config().Also(c => c["pages"]![0]!["organizations"] = new JsonArray(new JsonObject
        {
            ["key"] = "school",
            ["name"] = "Hillside School",
            ["services"] = new JsonArray("yoga"),
            ["from"] = null,
            ["to"] = null,
            ["exclusive"] = false,
            ["timeSlots"] = new JsonArray(new JsonObject
            {
                ["date"] = "2027-03-14",
                ["hours"] = new JsonArray(new JsonArray("09:00", "10:00")),
                ["services"] = new JsonArray("yoga"),
                ["capacity"] = seats,
            }),
        }));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), WithSlot(3))).StatusCode);
        try
        {
            foreach (var (email, name) in new[] { ("pupil1@example.com", "Pupil One"), ("pupil2@example.com", "Pupil Two") })
            {
                var link = await App.Admin().PostAsync("/api/v1/admin/organizations/school/links", Json(new JsonObject { ["page"] = Slug, ["email"] = email, ["name"] = name }));
                Assert.Equal(HttpStatusCode.OK, link.StatusCode);
                var url = (await Body(link))["url"]!.GetValue<string>();
                await MemberAsync("2027-03-14T09:00:00+01:00", email, name, url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..]);
            }
            var session = (await SessionsAsync("2027-03-14", "2027-03-14")).Single()!;
            Assert.Equal((3, 2), (session["capacity"]!.GetValue<int>(), session["booked"]!.GetValue<int>()));

            var refused = await PutConfig(App.Admin(), WithSlot(1));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await Body(refused))["errors"]!.AsObject();
            var message = Assert.Single(errors["pages[0].organizations[0].timeSlots[0].capacity"]!.AsArray())!.GetValue<string>();
            Assert.Contains("on 2027-03-14 at 09:00", message, StringComparison.Ordinal);
            Assert.Contains("has 2 seats booked", message, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), WithSlot(2))).StatusCode);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(App.Admin(), Config())).StatusCode);
        }
    }
}

public sealed class SqliteClassShared : ClassTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresClassShared : ClassTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteClassTests(SqliteClassShared shared) : ClassTests(shared), IClassFixture<SqliteClassShared>;

public sealed class PostgresClassTests(PostgresClassShared shared) : ClassTests(shared), IClassFixture<PostgresClassShared>;
