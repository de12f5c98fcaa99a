using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Organizations;

/// <summary>
/// Issue 17 items the first round left untested or unbuilt, on both databases with one app per database: an exclusive
/// organization's time slots close the public page in those hours (its members keep them); a dead personal link (changed,
/// expired, revoked one by one or all) shows the public page with one notice, the same page for every case, nothing of the
/// organization and no sign-in; the link kinds each open what they name; admin lists, the API list, the CSV export and the
/// calendar filter by the organization (and leave other bookings out); a mailing's audience and its "booked" figure; a client
/// of the CRM added to an organization from their page.
/// </summary>
public abstract partial class OrganizationAuditTests(OrganizationAuditTests.Shared shared)
{
    /// <summary>Monday 8 March 2027: the club's (exclusive) morning; the salon is open 09:00–17:00.</summary>
    private const string ClubMonday = "2027-03-08";

    /// <summary>Tuesday 9 March 2027: the school's (not exclusive) morning inside the salon's hours.</summary>
    private const string SchoolTuesday = "2027-03-09";

    /// <summary>Tuesday 16 March 2027: the school's morning used by the filter test.</summary>
    private const string FilterTuesday = "2027-03-16";

    /// <summary>Sunday 7 March 2027: the school's picture day (the salon is closed on Sundays).</summary>
    private const string PictureDay = "2027-03-07";

    /// <summary>Sunday 21 March 2027: the team's day, for the mailing test.</summary>
    private const string TeamDay = "2027-03-21";

    /// <summary>Tuesday 23 March 2027: the club's (exclusive) morning served by Anna only; Bob works as ever.</summary>
    private const string AnnaTuesday = "2027-03-23";

    /// <summary>Tuesday 30 March 2027: a morning with bookings of Anna and Bob, for the bulk action's clash report.</summary>
    private const string ClashTuesday = "2027-03-30";

    /// <summary>Sunday 4 April 2027: the photo society's day (its consultation is a session there; appointments are switched off).</summary>
    private const string PhotoDay = "2027-04-04";

    public static JsonObject OrgConfig() => Config().Also(c =>
    {
        var page = c["pages"]![0]!;
        page["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "portrait", "name": "Club portrait", "durationMinutes": 30, "price": { "amount": 15, "currency": "EUR" }, "payment": "none",
              "requiresStaff": true, "slotIntervalMinutes": 30, "resourceTypes": [] }
            """));
        page["staff"]![0]!["services"]!.AsArray().Add("portrait");
        page["staff"]![1]!["services"]!.AsArray().Add("portrait");
        page["organizations"] = JsonNode.Parse($$"""
            [
              { "key": "school", "name": "Hillside School", "services": ["consult", "yoga"], "from": null, "to": null, "exclusive": false,
                "timeSlots": [ { "date": "{{PictureDay}}", "hours": [["09:00","11:00"]], "services": null },
                               { "date": "{{SchoolTuesday}}", "hours": [["09:00","11:00"]], "services": null },
                               { "date": "{{FilterTuesday}}", "hours": [["09:00","11:00"]], "services": null } ] },
              { "key": "club", "name": "Riverside Club", "services": ["portrait"], "from": null, "to": null, "exclusive": true,
                "timeSlots": [ { "date": "{{ClubMonday}}", "hours": [["09:00","11:00"]], "services": null },
                               { "date": "{{AnnaTuesday}}", "hours": [["09:00","11:00"]], "services": null, "staff": "anna" } ] },
              { "key": "team", "name": "Tigers Team", "services": ["consult"], "from": null, "to": null, "exclusive": false,
                "timeSlots": [ { "date": "{{TeamDay}}", "hours": [["09:00","12:00"]], "services": null } ] },
              { "key": "photo", "name": "Harbour Photo Society", "services": ["consult", "yoga"], "from": null, "to": null, "exclusive": false,
                "appointmentServices": [], "sessionServices": ["consult"],
                "timeSlots": [ { "date": "{{PhotoDay}}", "hours": [["09:00","11:00"]], "services": null } ] }
            ]
            """);
    });

    public abstract class Shared : IAsyncLifetime
    {
        protected abstract Db Kind { get; }

        public BookwellApp App { get; private set; } = null!;

        public WebSession Owner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await BookwellApp.StartAsync(Kind, s =>
            {
                s["Bookwell:PublicBaseUrl"] = "https://book.example.com";
                s["Bookwell:RateLimits:ManagePerMinute"] = "0";
                s["Bookwell:RateLimits:BookingsPerMinute"] = "0";
                s["Bookwell:RateLimits:SlotsPerMinute"] = "0";
                // Links live two days here, so the expiry case moves the clock by two days only (every date used is later).
                s["Bookwell:Organizations:LinkDays"] = "2";
            });
            var put = await PutConfig(App.Admin(), OrgConfig());
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            Owner = WebSession.For(App);
            Assert.Equal(HttpStatusCode.Redirect, (await Owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
                ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private BookwellApp App => shared.App;

    private async Task<string> TokenAsync(string org, string email, string name, string? kind = null, string? memberId = null)
    {
        var response = await App.Admin().PostAsync($"/api/v1/admin/organizations/{org}/links",
            Json(new JsonObject { ["page"] = Slug, ["email"] = email, ["name"] = name, ["kind"] = kind, ["memberId"] = memberId }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var url = (await Body(response))["url"]!.GetValue<string>();
        return url[(url.IndexOf("access=", StringComparison.Ordinal) + 7)..];
    }

    private async Task<HttpResponseMessage> SlotsAsync(string service, string day, string? access) =>
        await App.CreateClient().GetAsync($"/api/v1/pages/{Slug}/slots?service={service}&from={day}&to={day}" + (access is null ? "" : $"&access={access}"));

    private async Task<string[]> StartsAsync(string service, string day, string? access)
    {
        var response = await SlotsAsync(service, day, access);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await Body(response))["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[11..16])];
    }

    private static JsonObject As(JsonObject booking, string name, string? access = null) => booking.Also(b =>
    {
        b["customer"]!["name"] = name;
        if (access is not null)
        {
            b["access"] = access;
        }
    });

    [Fact]
    public async Task AnExclusiveOrganizationsTimeSlots_CloseThePublicPageInThoseHours_ItsMembersKeepThem()
    {
        // The public page on the club's Monday: nothing from 09:00 to 11:00 for any service, the rest of the day as ever.
        var haircut = await StartsAsync("haircut", ClubMonday, null);
        Assert.DoesNotContain(haircut, t => string.CompareOrdinal(t, "11:00") < 0);
        Assert.Contains("11:00", haircut);
        Assert.Contains("16:30", haircut);
        var consult = await StartsAsync("consult", ClubMonday, null);
        Assert.DoesNotContain(consult, t => string.CompareOrdinal(t, "11:00") < 0);
        Assert.Contains("11:00", consult);
        // A public booking of that time is refused as any closed time, and the public page offers none of it.
        var publicTry = await Book(App.CreateClient(), As(Booking($"{ClubMonday}T09:00:00+01:00", "haircut", "walkin-audit@example.com"), "Wally Walker"));
        Assert.Equal(HttpStatusCode.Conflict, publicTry.StatusCode);
        var html = await App.CreateClient().GetStringAsync($"/book/{Slug}?service=haircut&date={ClubMonday}");
        Assert.DoesNotContain($"start={ClubMonday}T09", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"start={ClubMonday}T10", html, StringComparison.Ordinal);
        Assert.Contains($"start={ClubMonday}T11", html, StringComparison.Ordinal);

        // The club's member is offered the club's morning, and books it.
        var member = await TokenAsync("club", "audit-club@example.com", "Cleo Club");
        Assert.Equal(["09:00", "09:30", "10:00", "10:30"], await StartsAsync("portrait", ClubMonday, member));
        var booked = await Book(App.CreateClient(), As(Booking($"{ClubMonday}T09:00:00+01:00", "portrait", "audit-club@example.com"), "Cleo Club", member));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);

        // A time slot of an organization that is not exclusive closes nothing: Tuesday's public morning stays open.
        Assert.Contains("09:00", await StartsAsync("haircut", SchoolTuesday, null));
        Assert.Contains("09:00", await StartsAsync("consult", SchoolTuesday, null));
    }

    [GeneratedRegex("nonce=\"[^\"]*\"")]
    private static partial Regex Nonce();

    [Fact]
    public async Task ADeadLink_ShowsThePublicPageWithOneNotice_TheSamePageForEveryCase()
    {
        var client = App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var stale = await TokenAsync("school", "dead-live@example.com", "Lee Live");
        var revokedOne = await TokenAsync("school", "dead-one@example.com", "Rita Revoked");
        var expired = await TokenAsync("school", "dead-old@example.com", "Otto Old");
        Assert.Equal(HttpStatusCode.OK, (await App.Admin().PostAsync("/api/v1/admin/organizations/school/revoke",
            Json(new JsonObject { ["page"] = Slug, ["email"] = "dead-one@example.com" }))).StatusCode);
        App.Clock.Advance(Duration.FromDays(2));
        var fresh = await TokenAsync("club", "dead-club@example.com", "Tess Club");
        var revokedAll = await TokenAsync("club", "dead-club2@example.com", "Tom Club");
        Assert.Equal(HttpStatusCode.OK, (await App.Admin().PostAsync("/api/v1/admin/organizations/club/revoke",
            Json(new JsonObject { ["page"] = Slug }))).StatusCode);
        var changed = (fresh[0] == 'A' ? "B" : "A") + fresh[1..];

        async Task<(string Html, HttpResponseMessage Response)> OpenAsync(string? access)
        {
            var response = await client.GetAsync($"/book/{Slug}?service=consult" + (access is null ? "" : $"&access={access}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // The page's own links (the language switch) carry the address as it was asked: the token the visitor sent.
            var html = Nonce().Replace(await response.Content.ReadAsStringAsync(), "");
            return (access is null ? html : html.Replace($"&amp;access={System.Net.WebUtility.HtmlEncode(access)}", "", StringComparison.Ordinal), response);
        }

        var (plain, _) = await OpenAsync(null);
        Assert.DoesNotContain("id=\"link-dead\"", plain, StringComparison.Ordinal);
        string? first = null;
        foreach (var access in new[] { stale, revokedOne, expired, revokedAll, changed, "x", fresh + "x" })
        {
            var (html, response) = await OpenAsync(access);
            Assert.Contains("id=\"link-dead\"", html, StringComparison.Ordinal);
            Assert.Contains("no longer works", html, StringComparison.Ordinal);
            foreach (var name in new[] { "Hillside", "Tigers", "Riverside", "Lee Live", "Rita", "Otto", "Tom Club", "Tess" })
            {
                Assert.DoesNotContain(name, html, StringComparison.Ordinal);
            }
            Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("bw_client=", StringComparison.Ordinal)));
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            first ??= html;
            Assert.Equal(first, html);
        }
        // The same page as the public one, but for the notice.
        static string Squeezed(string html) => Regex.Replace(html, "\\s+", " ");
        Assert.Equal(Squeezed(plain), Squeezed(Regex.Replace(first!, "<div class=\"notice\" role=\"status\" id=\"link-dead\">[^<]*</div>", "")));
        Assert.Contains("werkt niet meer", await client.GetStringAsync($"/book/{Slug}?access={changed}&lang=nl"), StringComparison.Ordinal);

        // The link made after the clock moved still opens the school's page.
        var working = await TokenAsync("school", "dead-new@example.com", "Nina New");
        var open = await client.GetStringAsync($"/book/{Slug}?access={working}");
        Assert.Contains("Hillside School", open, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"link-dead\"", open, StringComparison.Ordinal);
    }

    private async Task<string[]> ServicesAsync(string access)
    {
        var page = await Body(await App.CreateClient().GetAsync($"/api/v1/pages/{Slug}?access={access}"));
        return [.. page["services"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task EachLinkKind_OpensWhatItNames()
    {
        // consult is an appointment (one client), yoga a session (a class of three); portrait is the exclusive club's.
        var all = await TokenAsync("school", "kind-all@example.com", "Kai All", "organization");
        var appointment = await TokenAsync("school", "kind-app@example.com", "Ann Appointment", "organization-appointment");
        var session = await TokenAsync("school", "kind-ses@example.com", "Sid Session", "organization-session");
        var regularAppointment = await TokenAsync("school", "kind-rapp@example.com", "Rae Regular", "appointment");
        var regularSession = await TokenAsync("school", "kind-rses@example.com", "Ros Regular", "session");

        Assert.Equal(["consult", "yoga"], await ServicesAsync(all));
        Assert.Equal(["consult"], await ServicesAsync(appointment));
        Assert.Equal(["yoga"], await ServicesAsync(session));
        Assert.Equal(["colour", "consult", "haircut"], await ServicesAsync(regularAppointment));
        Assert.Equal(["yoga"], await ServicesAsync(regularSession));

        // The organization kinds open the school's time slots, for their kind of service only.
        Assert.Equal(["09:00", "10:00"], await StartsAsync("consult", PictureDay, appointment));
        Assert.Equal(HttpStatusCode.NotFound, (await SlotsAsync("yoga", PictureDay, appointment)).StatusCode);
        Assert.Equal(["09:00", "10:00"], await StartsAsync("yoga", PictureDay, session));
        Assert.Equal(HttpStatusCode.NotFound, (await SlotsAsync("consult", PictureDay, session)).StatusCode);
        // The regular kinds open the public page (closed on Sundays), appointments or sessions only.
        Assert.Empty(await StartsAsync("consult", PictureDay, regularAppointment));
        Assert.Contains("11:00", await StartsAsync("consult", SchoolTuesday, regularAppointment));
        Assert.Equal(HttpStatusCode.NotFound, (await SlotsAsync("yoga", SchoolTuesday, regularAppointment)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SlotsAsync("haircut", SchoolTuesday, regularSession)).StatusCode);

        // The booking page with each link: signed in as the member, the kind's services only.
        var page = await App.CreateClient().GetStringAsync($"/book/{Slug}?access={regularAppointment}");
        Assert.Contains("Rae Regular", page, StringComparison.Ordinal);
        Assert.Contains("Haircut", page, StringComparison.Ordinal);
        Assert.DoesNotContain(">Yoga<", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Hillside", page, StringComparison.Ordinal);
        var sessionPage = await App.CreateClient().GetStringAsync($"/book/{Slug}?access={session}");
        Assert.Contains("Hillside School", sessionPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Consultation", sessionPage, StringComparison.Ordinal);

        // A booking through a regular link is a regular booking; through an organization link it carries the school.
        var regularResponse = await Book(App.CreateClient(), As(Booking($"{SchoolTuesday}T14:00:00+01:00", "consult", "kind-rapp@example.com"), "Rae Regular",
            regularAppointment));
        Assert.Equal(HttpStatusCode.Created, regularResponse.StatusCode);
        Assert.False((await Body(regularResponse)).ContainsKey("organization"));
        var ownResponse = await Book(App.CreateClient(), As(Booking($"{PictureDay}T10:00:00+01:00", "consult", "kind-app@example.com"), "Ann Appointment",
            appointment));
        Assert.Equal(HttpStatusCode.Created, ownResponse.StatusCode);
        Assert.Equal("school", (await Body(ownResponse))["organization"]!.GetValue<string>());
    }

    [Fact]
    public async Task AppointmentsAndSessions_AreSeparateSwitches_ForEveryLinkKind_AndTheBookingWriteKeepsToThem()
    {
        // The school splits by capacity (no lists): its appointment link cannot book the yoga class by posting it directly.
        var schoolAppointment = await TokenAsync("school", "switch-sa@example.com", "Sal Appointment", "organization-appointment");
        var refused = await Book(App.CreateClient(), As(Booking($"{PictureDay}T09:00:00+01:00", "yoga", "switch-sa@example.com"), "Sal Appointment",
            schoolAppointment));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.NotNull((await Body(refused))["errors"]!["service"]);

        // The photo society books its consultation as a session and has switched appointments (and so the yoga class) off.
        var all = await TokenAsync("photo", "switch-all@example.com", "Pia All", "organization");
        var appointment = await TokenAsync("photo", "switch-app@example.com", "Pam Appointment", "organization-appointment");
        var session = await TokenAsync("photo", "switch-ses@example.com", "Pete Session", "organization-session");
        var regularAppointment = await TokenAsync("photo", "switch-rapp@example.com", "Ray Regular", "appointment");
        var regularSession = await TokenAsync("photo", "switch-rses@example.com", "Rex Regular", "session");
        Assert.Equal(["consult"], await ServicesAsync(all));
        Assert.Empty(await ServicesAsync(appointment));
        Assert.Equal(["consult"], await ServicesAsync(session));
        Assert.Equal(["colour", "haircut"], await ServicesAsync(regularAppointment));
        Assert.Equal(["consult", "yoga"], await ServicesAsync(regularSession));
        Assert.Equal(["09:00", "10:00"], await StartsAsync("consult", PhotoDay, session));
        Assert.Equal(HttpStatusCode.NotFound, (await SlotsAsync("consult", PhotoDay, appointment)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SlotsAsync("yoga", PhotoDay, all)).StatusCode);

        // The booking page with the appointment link offers nothing of it; posting directly is refused with a field error.
        var page = await App.CreateClient().GetStringAsync($"/book/{Slug}?access={appointment}&service=consult&date={PhotoDay}");
        Assert.Contains("Pam Appointment", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"start={PhotoDay}T09", page, StringComparison.Ordinal);
        foreach (var (service, access, email) in new[] { ("consult", appointment, "switch-app@example.com"), ("yoga", all, "switch-all@example.com"),
                     ("yoga", session, "switch-ses@example.com") })
        {
            var response = await Book(App.CreateClient(), As(Booking($"{PhotoDay}T09:00:00+02:00", service, email), "Member", access));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await Body(response))["errors"]!["service"]);
        }
        Assert.Equal(0, App.WithDb(db => db.Bookings.Count(b => b.OrganizationKey == "photo")));

        // The session link books the consultation in the society's slot.
        var booked = await Book(App.CreateClient(), As(Booking($"{PhotoDay}T09:00:00+02:00", "consult", "switch-ses@example.com"), "Pete Session", session));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        Assert.Equal("photo", (await Body(booked))["organization"]!.GetValue<string>());
        var sessionPage = await App.CreateClient().GetStringAsync($"/book/{Slug}?access={session}&service=consult&date={PhotoDay}");
        Assert.Contains($"start={PhotoDay}T10", sessionPage, StringComparison.Ordinal);
        Assert.DoesNotContain($"start={PhotoDay}T09", sessionPage, StringComparison.Ordinal);

        // The document refuses a service booked both ways, or one that is not the organization's, each under its path.
        var both = OrgConfig().Also(c =>
        {
            var photo = c["pages"]![0]!["organizations"]![3]!;
            photo["appointmentServices"] = new JsonArray("consult", "haircut");
        });
        var bad = await PutConfig(App.Admin(), both);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        Assert.Contains("pages[0].organizations[3].sessionServices[0]", errors.Select(e => e.Key));
        Assert.Contains("pages[0].organizations[3].appointmentServices[1]", errors.Select(e => e.Key));
    }

    [Fact]
    public async Task AnExclusiveSlotNamingAStaffMember_ClosesOnlyTheirTime_ForThePublic_AndIsTheirsAloneForMembers()
    {
        // The public page on the club's Tuesday: Anna is closed from 09:00 to 11:00, Bob is not.
        Assert.Contains("09:00", await StartsAsync("haircut", AnnaTuesday, null));
        var anna = await App.CreateClient().GetStringAsync($"/api/v1/pages/{Slug}/slots?service=haircut&from={AnnaTuesday}&to={AnnaTuesday}&staff=anna");
        var annaStarts = JsonNode.Parse(anna)!["slots"]!.AsArray().Select(x => x!["start"]!.GetValue<string>()[11..16]).ToList();
        Assert.DoesNotContain(annaStarts, t => string.CompareOrdinal(t, "11:00") < 0);
        Assert.Contains("11:00", annaStarts);
        // The consultation, which only Anna gives, is closed in those hours; the rest of her day is open.
        var consult = await StartsAsync("consult", AnnaTuesday, null);
        Assert.DoesNotContain(consult, t => string.CompareOrdinal(t, "11:00") < 0);
        Assert.Contains("11:00", consult);
        // The club's member is offered the morning with Anna only: once she is booked at 09:00, Bob (free, and giving portraits too)
        // is not offered in her slot, and a booking naming him there is refused.
        var member = await TokenAsync("club", "staff-club@example.com", "Cas Club");
        Assert.Equal(["09:00", "09:30", "10:00", "10:30"], await StartsAsync("portrait", AnnaTuesday, member));
        var first = await Book(App.CreateClient(), As(Booking($"{AnnaTuesday}T09:00:00+01:00", "portrait", "staff-club@example.com"), "Cas Club", member));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("anna", (await Body(first))["staff"]!.GetValue<string>());
        Assert.Equal(["09:30", "10:00", "10:30"], await StartsAsync("portrait", AnnaTuesday, member));
        var other = await TokenAsync("club", "staff-club2@example.com", "Cid Club");
        Assert.Equal(HttpStatusCode.Conflict, (await Book(App.CreateClient(),
            As(Booking($"{AnnaTuesday}T09:00:00+01:00", "portrait", "staff-club2@example.com", "bob"), "Cid Club", other))).StatusCode);

        // A public booking with Anna in her free club time is refused; without a choice, 09:00 goes to Bob.
        Assert.Equal(HttpStatusCode.Conflict, (await Book(App.CreateClient(),
            As(Booking($"{AnnaTuesday}T10:00:00+01:00", "haircut", "staff-anna@example.com", "anna"), "Ann Public"))).StatusCode);
        var bob = await Book(App.CreateClient(), As(Booking($"{AnnaTuesday}T09:00:00+01:00", "haircut", "staff-bob@example.com"), "Bo Public"));
        Assert.Equal(HttpStatusCode.Created, bob.StatusCode);
        Assert.Equal("bob", (await Body(bob))["staff"]!.GetValue<string>());

        // A slot naming someone who is not on the page is refused under its path.
        var bad = await PutConfig(App.Admin(), OrgConfig().Also(c => c["pages"]![0]!["organizations"]![1]!["timeSlots"]![1]!["staff"] = "nobody"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("pages[0].organizations[1].timeSlots[1].staff", (await Body(bad))["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task TheBulkClashReport_OfSlotsNamingAStaffMember_CountsTheirBookingsAndHours_WithoutStaffEveryBooking()
    {
        // Tuesday 30 March: Bob cuts hair at 10:00; Anna has consultations at 10:00 and 11:00.
        foreach (var (start, service, email, staff) in new[]
                 {
                     ("10:00", "haircut", "clash-bob@example.com", "bob"), ("10:00", "consult", "clash-anna1@example.com", "anna"),
                     ("11:00", "consult", "clash-anna2@example.com", "anna"),
                 })
        {
            Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(),
                As(Booking($"{ClashTuesday}T{start}:00+02:00", service, email, staff), "Clash Client"))).StatusCode);
        }
        const string view = "/admin/organizations?page=salon&org=club";
        static KeyValuePair<string, string> F(string k, string v) => KeyValuePair.Create(k, v);
        async Task<string> PreviewAsync(string from, string day, string? staff)
        {
            List<KeyValuePair<string, string>> form =
            [
                F("page", "salon"), F("org", "club"), F("bulk.From", from), F("bulk.To", ClashTuesday), F("bulk.Days", day),
                F("bulk.Start", "09:00"), F("bulk.End", "12:00"), F("bulk.Service", "portrait"),
            ];
            if (staff is not null)
            {
                form.Add(F("bulk.Staff", staff));
            }
            var response = await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk", form, view);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await WebSession.TextAsync(response);
        }
        var label = $"{ClashTuesday} 09:00–12:00";

        // Slots naming Bob clash with his booking only; Anna's, with her two; slots naming nobody, with all three as before.
        Assert.Contains($"{label}: 1 booking(s) already in this time.", await PreviewAsync(ClashTuesday, "tue", "bob"), StringComparison.Ordinal);
        Assert.Contains($"{label}: 2 booking(s) already in this time.", await PreviewAsync(ClashTuesday, "tue", "anna"), StringComparison.Ordinal);
        Assert.Contains($"{label}: 3 booking(s) already in this time.", await PreviewAsync(ClashTuesday, "tue", null), StringComparison.Ordinal);

        // Monday 29 March: Bob works only from 13:00, so a morning slot naming him is outside his hours; Anna's morning is not.
        var bobMonday = await PreviewAsync("2027-03-29", "mon", "bob");
        Assert.Contains("2027-03-29 09:00–12:00: outside Bob's working hours.", bobMonday, StringComparison.Ordinal);
        Assert.DoesNotContain("2027-03-29 09:00–12:00: outside the page's opening hours.", bobMonday, StringComparison.Ordinal);
        var annaMonday = await PreviewAsync("2027-03-29", "mon", "anna");
        Assert.DoesNotContain("2027-03-29 09:00–12:00: outside", annaMonday, StringComparison.Ordinal);
        // A preview creates nothing.
        Assert.Equal(2, (await StoredAsync("club"))!["timeSlots"]!.AsArray().Count);
    }

    [Fact]
    public async Task ASlotsStaffMemberMustOfferItsServices_AndBulkSeatsStayInBounds_400AtTheField()
    {
        // Bob only cuts hair: a school slot naming him for the yoga class could never be booked with him.
        var doc = await Body(await App.Admin().GetAsync("/api/v1/admin/config"));
        var orgs = doc["pages"]![0]!["organizations"]!.AsArray();
        var school = orgs.Select((o, i) => (o, i)).First(x => x.o!["key"]!.GetValue<string>() == "school").i;
        var slots = orgs[school]!["timeSlots"]!.AsArray();
        var before = slots.Count;
        slots.Add(new JsonObject { ["date"] = "2027-04-20", ["hours"] = new JsonArray(new JsonArray("09:00", "10:00")), ["services"] = new JsonArray("yoga"), ["staff"] = "bob" });
        var refused = await PutConfig(App.Admin(), doc);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await Body(refused))["errors"]!.AsObject();
        var field = $"pages[0].organizations[{school}].timeSlots[{before}].staff";
        Assert.True(errors.ContainsKey(field), errors.ToJsonString());
        Assert.StartsWith("'bob' does not offer 'yoga'", errors[field]![0]!.GetValue<string>(), StringComparison.Ordinal);

        // The bulk form: no seats, or more than the class holds (yoga: 40), is refused at its field before a preview or a write.
        const string view = "/admin/organizations?page=salon&org=school";
        foreach (var seats in new[] { "0", "41", "99999" })
        {
            foreach (var confirm in new[] { "false", "true" })
            {
                List<KeyValuePair<string, string>> form =
                [
                    new("page", "salon"), new("org", "school"), new("bulk.From", "2027-04-19"), new("bulk.To", "2027-04-23"), new("bulk.Days", "tue"),
                    new("bulk.Start", "09:00"), new("bulk.End", "10:00"), new("bulk.Service", "yoga"), new("bulk.Capacity", seats), new("confirm", confirm),
                ];
                var response = await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk", form, view);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                var html = await WebSession.TextAsync(response);
                Assert.True(html.Contains("bulk.Capacity: Seats per slot: a whole number from 1 to", StringComparison.Ordinal),
                    System.Text.RegularExpressions.Regex.Match(html, "<main.*", System.Text.RegularExpressions.RegexOptions.Singleline).Value[..Math.Min(1500, html.Length / 2)]);
            }
        }
        Assert.Equal(before, (await StoredAsync("school"))!["timeSlots"]!.AsArray().Count);
    }

    private async Task<JsonObject?> StoredAsync(string key) =>
        (await Body(await App.Admin().GetAsync("/api/v1/admin/config")))["pages"]![0]!["organizations"]!.AsArray()
            .FirstOrDefault(o => o!["key"]!.GetValue<string>() == key)?.AsObject();

    [Fact]
    public async Task TheAdminForms_MakeAnOrganization_ItsSlotsAndMembers_AndRevokeItsLinks()
    {
        const string list = "/admin/organizations?page=salon";
        const string view = "/admin/organizations?page=salon&org=scouts";
        static KeyValuePair<string, string> F(string k, string v) => KeyValuePair.Create(k, v);
        List<KeyValuePair<string, string>> organization =
        [
            F("page", "salon"), F("key", "scouts"), F("name", "Scouts Troop"), F("contactName", "Sam Scout"), F("contactEmail", "sam@scouts.test"),
            F("contactPhone", "+31 6 1234 5678"), F("logoUrl", "https://cdn.example.com/scouts.png"), F("services", "consult"),
            F("from", "2027-03-01"), F("to", "2027-04-30"),
        ];
        // A window that ends before it starts: the form says so, nothing is stored.
        var bad = await shared.Owner.PostFormAsync("/admin/organizations?handler=Save",
            [.. organization.Where(f => f.Key != "to"), F("to", "2027-02-01")], list);
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("organizations[4].to", await WebSession.TextAsync(bad), StringComparison.Ordinal);
        Assert.Null(await StoredAsync("scouts"));

        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=Save", organization, list)).StatusCode);
        var stored = (await StoredAsync("scouts"))!;
        Assert.Equal(("Scouts Troop", "Sam Scout", "sam@scouts.test", "+31 6 1234 5678", "https://cdn.example.com/scouts.png"),
            (stored["name"]!.GetValue<string>(), stored["contactName"]!.GetValue<string>(), stored["contactEmail"]!.GetValue<string>(),
             stored["contactPhone"]!.GetValue<string>(), stored["logoUrl"]!.GetValue<string>()));
        Assert.Equal(["consult"], stored["services"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(("2027-03-01", "2027-04-30", false), (stored["from"]!.GetValue<string>(), stored["to"]!.GetValue<string>(), stored["exclusive"]!.GetValue<bool>()));
        // The other organizations are untouched.
        Assert.NotNull(await StoredAsync("school"));

        // Seed 003's separate switches on the form: a service ticked both ways is refused; one list each is stored as such.
        List<KeyValuePair<string, string>> kinds = [.. organization.Where(f => f.Key is not ("services" or "key")), F("org", "scouts"), F("kinds", "true")];
        var twice = await shared.Owner.PostFormAsync("/admin/organizations?handler=Save", [.. kinds, F("appointments", "consult"), F("sessions", "consult")], view);
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Contains("organizations[4].sessionServices[0]", await WebSession.TextAsync(twice), StringComparison.Ordinal);
        Assert.Null((await StoredAsync("scouts"))!["sessionServices"]);
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=Save",
            [.. kinds, F("appointments", "consult"), F("sessions", "yoga")], view)).StatusCode);
        stored = (await StoredAsync("scouts"))!;
        static string[] Keys(JsonNode? list) => [.. list!.AsArray().Select(x => x!.GetValue<string>())];
        Assert.Equal(["consult"], Keys(stored["appointmentServices"]));
        Assert.Equal(["yoga"], Keys(stored["sessionServices"]));
        Assert.Equal(["consult", "yoga"], Keys(stored["services"]));
        var form = await shared.Owner.GetAsync(view);
        Assert.Contains("name=\"appointments\" value=\"consult\" checked=\"checked\"", form, StringComparison.Ordinal);
        Assert.Contains("name=\"sessions\" value=\"yoga\" checked=\"checked\"", form, StringComparison.Ordinal);

        // One time slot by hand (Sunday 28 March, the salon closed), then the same hours in bulk: the preview says they lie outside
        // the page's opening hours, and that one exists already.
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=AddSlot",
            [F("page", "salon"), F("org", "scouts"), F("date", "2027-03-28"), F("start", "09:00"), F("end", "10:00"), F("service", "consult")], view)).StatusCode);
        Assert.Single((await StoredAsync("scouts"))!["timeSlots"]!.AsArray());
        var preview = await WebSession.TextAsync(await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk",
            [F("page", "salon"), F("org", "scouts"), F("bulk.From", "2027-03-21"), F("bulk.To", "2027-03-28"), F("bulk.Days", "sun"),
             F("bulk.Start", "09:00"), F("bulk.End", "10:00"), F("bulk.Service", "consult")], view));
        Assert.Contains("1 time slots will be created (1 already exist", preview, StringComparison.Ordinal);
        Assert.Contains("2027-03-21 09:00–10:00: outside the page's opening hours.", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("overlaps the existing time slot", preview, StringComparison.Ordinal);
        // Half an hour later on the same Sunday: not a duplicate, but it overlaps the slot made by hand, and the preview says so.
        var shifted = await WebSession.TextAsync(await shared.Owner.PostFormAsync("/admin/organizations?handler=Bulk",
            [F("page", "salon"), F("org", "scouts"), F("bulk.From", "2027-03-28"), F("bulk.To", "2027-03-28"), F("bulk.Days", "sun"),
             F("bulk.Start", "09:30"), F("bulk.End", "10:30"), F("bulk.Service", "consult")], view));
        Assert.Contains("1 time slots will be created (0 already exist", shifted, StringComparison.Ordinal);
        Assert.Contains("2027-03-28 09:30–10:30: overlaps the existing time slot 09:00–10:00; members would see both.", shifted, StringComparison.Ordinal);

        // A member by hand; their link opens the troop's page with its logo and their slot.
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=AddMember",
            [F("page", "salon"), F("org", "scouts"), F("name", "Sky Scout"), F("email", "sky@scouts.test"), F("memberId", "T-1")], view)).StatusCode);
        var member = App.WithDb(db => db.OrganizationMembers.Single(m => m.Email == "sky@scouts.test"));
        Assert.Equal(("scouts", "T-1"), (member.OrganizationKey, member.MemberNumber));
        var token = await TokenAsync("scouts", "sky@scouts.test", "Sky Scout");
        var page = await App.CreateClient().GetStringAsync($"/book/{Slug}?access={token}&service=consult&date=2027-03-28");
        Assert.Contains("src=\"https://cdn.example.com/scouts.png\"", page, StringComparison.Ordinal);
        Assert.Contains("start=2027-03-28T09", page, StringComparison.Ordinal);

        // Revoked from the member list: the link opens nothing any more.
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=Revoke",
            [F("page", "salon"), F("org", "scouts"), F("member", member.Id.ToString())], view)).StatusCode);
        Assert.Empty(await StartsAsync("consult", "2027-03-28", token));
        Assert.Contains("id=\"link-dead\"", await App.CreateClient().GetStringAsync($"/book/{Slug}?access={token}"), StringComparison.Ordinal);

        // "Revoke every link" asks first, with the number of working links it ends; only the confirmed post ends them.
        var second = await TokenAsync("scouts", "rain@scouts.test", "Rain Scout");
        var third = await TokenAsync("scouts", "sun@scouts.test", "Sun Scout");
        var ask = await shared.Owner.PostFormAsync("/admin/organizations?handler=Revoke", [F("page", "salon"), F("org", "scouts")], view);
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        var asked = await WebSession.TextAsync(ask);
        Assert.Contains("id=\"revoke-all-ask\"", asked, StringComparison.Ordinal);
        Assert.Contains("This ends 2 working links at once.", asked, StringComparison.Ordinal);
        Assert.NotEmpty(await StartsAsync("consult", "2027-03-28", second));
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=Revoke",
            [F("page", "salon"), F("org", "scouts"), F("confirm", "true")], view)).StatusCode);
        Assert.Empty(await StartsAsync("consult", "2027-03-28", second));
        Assert.Empty(await StartsAsync("consult", "2027-03-28", third));

        // The slot deleted: the troop has none left.
        Assert.Equal(HttpStatusCode.Redirect, (await shared.Owner.PostFormAsync("/admin/organizations?handler=DeleteSlot",
            [F("page", "salon"), F("org", "scouts"), F("index", "0")], view)).StatusCode);
        Assert.Empty((await StoredAsync("scouts"))!["timeSlots"]!.AsArray());
    }

    [Fact]
    public async Task AClientFromTheCrm_IsAddedToAnOrganization_AndTheirLinkOpensAsThatMember()
    {
        // A client the business already has (from a public booking).
        Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(),
            As(Booking($"{SchoolTuesday}T15:00:00+01:00", "haircut", "crm-client@example.com"), "Carla Crm"))).StatusCode);
        var id = App.WithDb(db => db.Customers.Single(c => c.Email == "crm-client@example.com").Id);
        var view = $"/admin/customers/{id}";
        var page = await shared.Owner.GetAsync(view);
        Assert.Contains("id=\"organizations\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"salon|school\"", page, StringComparison.Ordinal);

        // An organization that does not exist is refused with a field error; nothing is added.
        var bad = await shared.Owner.PostFormAsync($"{view}?handler=Organization", [KeyValuePair.Create("Organization", "salon|nobody")], view);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(0, App.WithDb(db => db.OrganizationMembers.Count(m => m.CustomerId == id)));

        var added = await shared.Owner.PostFormAsync($"{view}?handler=Organization",
            [KeyValuePair.Create("Organization", "salon|school"), KeyValuePair.Create("MemberId", "S-900")], view);
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var member = App.WithDb(db => db.OrganizationMembers.Single(m => m.CustomerId == id));
        Assert.Equal(("school", "S-900", "Carla Crm"), (member.OrganizationKey, member.MemberNumber, member.Name));
        Assert.Contains("Hillside School · S-900", WebUtility.HtmlDecode(await shared.Owner.GetAsync(view)), StringComparison.Ordinal);
        Assert.Contains("Carla Crm", await shared.Owner.GetAsync("/admin/organizations?page=salon&org=school"), StringComparison.Ordinal);

        // A personal link for the same address is the same member (no second one), and opens the school's page as them.
        var token = await TokenAsync("school", "crm-client@example.com", "Carla Crm");
        Assert.Equal(1, App.WithDb(db => db.OrganizationMembers.Count(m => m.CustomerId == id)));
        Assert.Contains("Carla Crm (S-900)", WebUtility.HtmlDecode(await App.CreateClient().GetStringAsync($"/book/{Slug}?access={token}")), StringComparison.Ordinal);
    }

    [GeneratedRegex("<tr>\\s*<td>[^<]*</td>\\s*<td[^>]*>([^<]*)</td>\\s*<td[^>]*>[^<]*</td>\\s*<td[^>]*>[^<]*</td>\\s*<td[^>]*>[^<]*</td>\\s*<td[^>]*>([^<]*)</td>")]
    private static partial Regex RecipientRow();

    [Fact]
    public async Task AdminListsApiCsvAndCalendar_FilterByTheOrganization_AndLeaveOthersOut()
    {
        var member = await TokenAsync("school", "filter-member@example.com", "Mona Member", memberId: "S-77");
        Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(),
            As(Booking($"{FilterTuesday}T09:00:00+01:00", "consult", "filter-member@example.com"), "Mona Member", member))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(),
            As(Booking($"{FilterTuesday}T14:00:00+01:00", "haircut", "filter-public@example.com"), "Percy Public"))).StatusCode);

        // The API list: the organization filter, and the organization and member id on the booking (absent on others).
        var filtered = (await Body(await App.Admin().GetAsync($"/api/v1/admin/bookings?from={FilterTuesday}&to={FilterTuesday}&organization=school")))["items"]!.AsArray();
        var item = Assert.Single(filtered)!;
        Assert.Equal("Mona Member", item["customer"]!["name"]!.GetValue<string>());
        Assert.Equal("school", item["organization"]!.GetValue<string>());
        Assert.Equal("S-77", item["memberId"]!.GetValue<string>());
        var day = (await Body(await App.Admin().GetAsync($"/api/v1/admin/bookings?from={FilterTuesday}&to={FilterTuesday}")))["items"]!.AsArray();
        Assert.Equal(2, day.Count);
        Assert.False(day.Single(b => b!["customer"]!["name"]!.GetValue<string>() == "Percy Public")!.AsObject().ContainsKey("organization"));
        Assert.Empty((await Body(await App.Admin().GetAsync($"/api/v1/admin/bookings?from={FilterTuesday}&to={FilterTuesday}&organization=club")))["items"]!.AsArray());

        // The bookings list, its CSV export and the calendar.
        var list = await shared.Owner.GetAsync($"/admin/bookings?from={FilterTuesday}&to={FilterTuesday}&org=school");
        Assert.Contains("Mona Member", list, StringComparison.Ordinal);
        Assert.DoesNotContain("Percy Public", list, StringComparison.Ordinal);
        Assert.Contains("Percy Public", await shared.Owner.GetAsync($"/admin/bookings?from={FilterTuesday}&to={FilterTuesday}"), StringComparison.Ordinal);
        var csv = await shared.Owner.GetAsync($"/admin/bookings?handler=Csv&from={FilterTuesday}&to={FilterTuesday}&org=school");
        var rows = csv.Trim('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, rows.Length);
        Assert.EndsWith(",school,S-77", rows[1], StringComparison.Ordinal);
        Assert.Contains("filter-member@example.com", rows[1], StringComparison.Ordinal);
        var calendar = await shared.Owner.GetAsync($"/admin/calendar?date={FilterTuesday}&org=school");
        Assert.Contains("Mona Member", calendar, StringComparison.Ordinal);
        Assert.DoesNotContain("Percy Public", calendar, StringComparison.Ordinal);
        Assert.Contains("Percy Public", await shared.Owner.GetAsync($"/admin/calendar?date={FilterTuesday}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMailingsAudience_AndItsBookedFigure_PerMailingAndPerRecipient()
    {
        var tokens = new Dictionary<string, string>();
        foreach (var (email, name) in new[] { ("team-a@example.com", "Ava Alpha"), ("team-b@example.com", "Ben Beta"), ("team-c@example.com", "Cy Gamma") })
        {
            tokens[email] = await TokenAsync("team", email, name);
        }
        JsonObject Mailing(Guid id, string audience) => new()
        {
            ["page"] = Slug,
            ["id"] = id.ToString(),
            ["subject"] = "Team day",
            ["body"] = "Hello {{first_name}}: {{booking_link}}",
            ["audience"] = audience,
            ["language"] = "en",
        };
        var first = Guid.NewGuid();
        var sent = await Body(await App.Admin().PostAsync("/api/v1/admin/organizations/team/mailings", Json(Mailing(first, "all"))));
        Assert.Equal(3, sent["recipients"]!.GetValue<int>());
        Assert.Equal(0, sent["booked"]!.GetValue<int>());

        // Ben books through his link after the mailing went out; a public booking of another client counts for nobody.
        Assert.Equal(HttpStatusCode.Created, (await Book(App.CreateClient(),
            As(Booking($"{TeamDay}T09:00:00+01:00", "consult", "team-b@example.com"), "Ben Beta", tokens["team-b@example.com"]))).StatusCode);
        var stats = await Body(await App.Admin().GetAsync($"/api/v1/admin/organizations/team/mailings/{first}"));
        Assert.Equal(1, stats["booked"]!.GetValue<int>());
        var detail = await shared.Owner.GetAsync($"/admin/mailings/{first}");
        Assert.Contains("<dd id=\"n-booked\">1</dd>", detail, StringComparison.Ordinal);
        var booked = RecipientRow().Matches(detail).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        Assert.Equal(3, booked.Count);
        Assert.Equal("yes", booked["team-b@example.com"]);
        Assert.Equal("", booked["team-a@example.com"]);
        Assert.Equal("", booked["team-c@example.com"]);
        // On a phone these tables stack: each figure names its column, in the history and per recipient.
        Assert.Contains("<td data-label=\"Booked\">yes</td>", detail, StringComparison.Ordinal);
        var history = await shared.Owner.GetAsync("/admin/mailings?page=salon&org=team");
        // (The page opens on the organization asked for, not the first of the page.)
        Assert.Contains("<option value=\"team\" selected=\"selected\">", history, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Recipients\">3</td>", history, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Booked\">1</td>", history, StringComparison.Ordinal);

        // Audiences: those who booked, those who did not.
        var toBooked = await Body(await App.Admin().PostAsync("/api/v1/admin/organizations/team/mailings", Json(Mailing(Guid.NewGuid(), "booked"))));
        Assert.Equal(1, toBooked["recipients"]!.GetValue<int>());
        var toOthers = Guid.NewGuid();
        Assert.Equal(2, (await Body(await App.Admin().PostAsync("/api/v1/admin/organizations/team/mailings", Json(Mailing(toOthers, "not-booked")))))["recipients"]!.GetValue<int>());
        Assert.Equal(["team-a@example.com", "team-c@example.com"],
            App.WithDb(db => db.MailingRecipients.Where(r => r.MailingId == toOthers).Select(r => r.Email).OrderBy(e => e).ToList()));
    }
}

public sealed class SqliteOrganizationAuditShared : OrganizationAuditTests.Shared
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresOrganizationAuditShared : OrganizationAuditTests.Shared
{
    protected override Db Kind => Db.Postgres;
}

public sealed class SqliteOrganizationAuditTests(SqliteOrganizationAuditShared shared)
    : OrganizationAuditTests(shared), IClassFixture<SqliteOrganizationAuditShared>;

public sealed class PostgresOrganizationAuditTests(PostgresOrganizationAuditShared shared)
    : OrganizationAuditTests(shared), IClassFixture<PostgresOrganizationAuditShared>;
