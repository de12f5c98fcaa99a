using System.Net;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Admin;

/// <summary>
/// Admin → Customers on both databases: search by name, e-mail and phone in any case (accents too), the
/// filters, sorting, paging and CSV, notes, tags, consent, intake answers, merging duplicates (also two merges
/// racing), and another business's clients never appearing or being touched. One app per class and database, each
/// test on a business of its own with its own signed-in owner (see <see cref="SharedApp"/>).
/// </summary>
public abstract class CustomerCrmTests(SharedApp shared)
{
    /// <summary>A business of its own on the class's app, configured, and a session of its owner.</summary>
    private async Task<(TenantSpace App, WebSession Owner)> NewAsync()
    {
        var app = await shared.NewBusinessAsync();
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return (app, await app.OwnerAsync());
    }

    private static async Task<string> BookAsync(TenantSpace app, string start, string email, string name, string? phone = "+31600000000", bool marketing = false, string staff = "anna")
    {
        var body = Booking(start, staff: staff, email: email);
        body["page"] = Slug;
        body["customer"]!["name"] = name;
        body["customer"]!["phone"] = phone;
        body["marketingOptIn"] = marketing;
        var response = await app.Admin().PostAsync("/api/v1/admin/bookings", Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await Body(response))["id"]!.GetValue<string>();
    }

    private static async Task SetStatusAsync(TenantSpace app, string booking, string status)
    {
        var response = await app.Admin().PostAsync($"/api/v1/admin/bookings/{booking}/status", Json(new JsonObject { ["status"] = status }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static Guid IdOf(TenantSpace app, string email) =>
        app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.TenantId == app.Id && c.EmailNormalized == email.ToUpperInvariant()).Id);

    private static async Task<List<string>> NamesAsync(TenantSpace app, string query)
    {
        var response = await app.Admin().GetAsync("/api/v1/admin/customers?" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync() + string.Join("\n", app.App.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(e => e.Message)));
        return [.. (await Body(response))["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Search_FindsByNameEmailAndPhone_InAnyCase()
    {
        var (app, owner) = await NewAsync();
        await BookAsync(app, "2027-03-02T09:00:00+01:00", "ada@example.com", "Ada Lovelace", "+31 6 1234 5678");
        await BookAsync(app, "2027-03-02T10:00:00+01:00", "Grace@Navy.test", "Grace Hopper", "020-555 1234");
        await BookAsync(app, "2027-03-02T11:00:00+01:00", "elodie@example.fr", "Élodie Durand", null);

        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "query=ADA%40EXAMPLE"));
        Assert.Equal(["Grace Hopper"], await NamesAsync(app, "query=grace%40navy.TEST"));
        Assert.Equal(["Élodie Durand"], await NamesAsync(app, "query=%C3%A9LODIE")); // "éLODIE": accents fold on both databases
        Assert.Equal(["Élodie Durand"], await NamesAsync(app, "query=durand"));
        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "query=0612345678")); // national form of +31 6 1234 5678
        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "query=%2B31612345678"));
        Assert.Equal(["Grace Hopper"], await NamesAsync(app, "query=555-1234"));
        Assert.Empty(await NamesAsync(app, "query=nobody"));

        // The page: the same search, e-mail in upper case included.
        var page = await owner.GetAsync("/admin/customers?q=GRACE%40NAVY.TEST");
        Assert.Contains("Grace Hopper", page);
        Assert.DoesNotContain("Ada Lovelace", page);
        Assert.Contains("Ada Lovelace", await owner.GetAsync("/admin/customers?q=06-1234-5678"));

        // Bad input: problem details field by field (API), a 400 page with the message (dashboard).
        var bad = await app.Admin().GetAsync($"/api/v1/admin/customers?query={new string('x', 201)}&noShows=-1&lastVisitBefore=2027-02-30&sort=shoe&marketing=maybe&limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await Body(bad))["errors"]!.AsObject();
        Assert.True(new[] { "query", "noShows", "lastVisitBefore", "sort", "marketing", "limit" }.All(errors.ContainsKey), errors.ToJsonString());
        var badPage = await owner.Client.GetAsync("/admin/customers?noshows=abc");
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.Contains("id=\"noshows-error\"", await badPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_Sorting_Paging_AndCsvOfTheFilteredList()
    {
        var (app, owner) = await NewAsync();
        var a1 = await BookAsync(app, "2027-03-02T09:00:00+01:00", "ada@example.com", "Ada Lovelace", marketing: true);
        var a2 = await BookAsync(app, "2027-03-03T09:00:00+01:00", "ada@example.com", "Ada Lovelace");
        var g1 = await BookAsync(app, "2027-03-02T10:00:00+01:00", "grace@example.com", "Grace Hopper");
        var g2 = await BookAsync(app, "2027-03-04T10:00:00+01:00", "grace@example.com", "Grace Hopper");
        await BookAsync(app, "2027-03-05T08:00:00+01:00", "alan@example.com", "=HYPERLINK(\"x\")");
        await BookAsync(app, "2027-03-25T10:00:00+01:00", "future@example.com", "Zed Future");
        app.Clock.Advance(Duration.FromDays(5)); // 2027-03-06
        await SetStatusAsync(app, a1, "completed");
        await SetStatusAsync(app, a2, "completed");
        await SetStatusAsync(app, g1, "no_show");
        await SetStatusAsync(app, g2, "no_show");
        var grace = IdOf(app, "grace@example.com");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin().PostAsync($"/api/v1/admin/customers/{grace}/tags", Json(new JsonObject { ["tag"] = " VIP " }))).StatusCode);

        Assert.Equal(["Grace Hopper"], await NamesAsync(app, "noShows=2"));
        Assert.Equal(["Grace Hopper"], await NamesAsync(app, "tag=vip"));
        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "marketing=yes"));
        Assert.DoesNotContain("Ada Lovelace", await NamesAsync(app, "marketing=no"));
        // Visits: Ada's two completed, Alan's confirmed one that has taken place; Grace's no-shows are not visits.
        Assert.Equal(["Alan", "Ada Lovelace"], (await NamesAsync(app, "lastVisitAfter=2027-03-02")).Select(n => n.StartsWith("=", StringComparison.Ordinal) ? "Alan" : n));
        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "lastVisitBefore=2027-03-05"));
        var visits = await Body(await app.Admin().GetAsync("/api/v1/admin/customers?sort=visits"));
        Assert.Equal("Ada Lovelace", visits["items"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(2, visits["items"]![0]!["visits"]!.GetValue<int>());
        Assert.Equal(4, visits["total"]!.GetValue<int>());
        Assert.Equal(["Zed Future", "Grace Hopper", "Ada Lovelace", "=HYPERLINK(\"x\")"], await NamesAsync(app, "sort=name-desc"));

        // Paging: no silent caps, every client on some page exactly once.
        var paged = new List<string>();
        for (var p = 1; p <= 4; p++)
        {
            paged.AddRange(await NamesAsync(app, $"limit=1&page={p}"));
        }
        Assert.Equal(4, paged.Distinct().Count());
        Assert.Empty(await NamesAsync(app, "limit=1&page=5"));

        // The page shows the filters and the figures.
        var page = await owner.GetAsync("/admin/customers?tag=vip&noshows=1");
        Assert.Contains("Grace Hopper", page);
        Assert.DoesNotContain("Ada Lovelace", page);

        // CSV of the filtered list; a client's text never becomes a formula.
        var csv = await owner.Client.GetAsync("/admin/customers?sort=name&handler=Csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("name,email,phone,bookings,visits,no_shows,last_visit,marketing_opt_in", lines[0], StringComparison.Ordinal);
        Assert.Equal(5, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("\"'=HYPERLINK(\"\"x\"\")\",alan@example.com", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Ada Lovelace,ada@example.com,'+31600000000,2,2,0,2027-03-03 09:00,yes,", StringComparison.Ordinal));
        var filtered = (await (await owner.Client.GetAsync("/admin/customers?tag=vip&handler=Csv")).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, filtered.Length);
        Assert.Contains("Grace Hopper,grace@example.com", filtered[1], StringComparison.Ordinal);
        Assert.EndsWith(",vip,2027-03-01 08:00,new", filtered[1].TrimEnd('\r'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomerPage_NotesTagsConsentHistoryAndIntake()
    {
        var (app, owner) = await NewAsync();
        var first = await BookAsync(app, "2027-03-02T09:00:00+01:00", "ada@example.com", "Ada Lovelace", marketing: true);
        await BookAsync(app, "2027-03-09T09:00:00+01:00", "ada@example.com", "Ada Lovelace");
        app.Clock.Advance(Duration.FromDays(2));
        await SetStatusAsync(app, first, "completed");
        var id = IdOf(app, "ada@example.com");
        var path = $"/admin/customers/{id}";

        // Notes: append-only, with author and time; empty or oversized refused field by field.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=Note", [new("Note", "Prefers the window seat.\nAllergic to lavender.")], path)).StatusCode);
        var empty = await owner.PostFormAsync(path + "?handler=Note", [new("Note", "   ")], path);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("id=\"note-error\"", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var apiNote = await app.Admin().PostAsync($"/api/v1/admin/customers/{id}/notes", Json(new JsonObject { ["text"] = "Called about a gift card." }));
        Assert.Equal(HttpStatusCode.Created, apiNote.StatusCode);
        var tooLong = await app.Admin().PostAsync($"/api/v1/admin/customers/{id}/notes", Json(new JsonObject { ["text"] = new string('x', 2001) }));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await Body(tooLong))["errors"]!.AsObject().ContainsKey("text"));
        // No CSRF token, no note.
        var forged = await owner.Client.PostAsync(path + "?handler=Note", new FormUrlEncodedContent([new("Note", "forged")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        // Tags: added (normalised), used by the filter, removed.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=Tag", [new("NewTag", "Regular ")], path)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=Tag", [new("NewTag", "regular")], path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostFormAsync(path + "?handler=Tag", [new("NewTag", "<script>")], path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin().PostAsync($"/api/v1/admin/customers/{id}/tags", Json(new JsonObject { ["tag"] = new string('t', 41) }))).StatusCode);
        Assert.Equal(["regular"], app.WithDb(db => db.CustomerTags.IgnoreQueryFilters().Where(t => t.TenantId == app.Id).Select(t => t.Tag).ToList()));
        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "tag=REGULAR"));

        var detail = await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{id}"));
        Assert.Equal(2, detail["notes"]!.AsArray().Count);
        Assert.Equal("Called about a gift card.", detail["notes"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("api", detail["notes"]![0]!["author"]!.GetValue<string>());
        Assert.StartsWith("owner:Olga", detail["notes"]![1]!["author"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(detail["marketingOptIn"]!.GetValue<bool>());
        Assert.Equal("2027-03-01T07:00:00Z", detail["marketingOptInAt"]!.GetValue<string>());
        Assert.Equal("booking", detail["marketingOptInSource"]!.GetValue<string>());
        Assert.Equal((2, 1, 0), (detail["bookings"]!.GetValue<int>(), detail["visits"]!.GetValue<int>(), detail["noShows"]!.GetValue<int>()));
        Assert.Equal(["regular"], detail["tags"]!.AsArray().Select(t => t!.GetValue<string>()));

        var html = await WebSession.TextAsync(await owner.Client.GetAsync(path));
        Assert.Contains("Prefers the window seat.", html, StringComparison.Ordinal);
        Assert.Contains("owner:Olga", html, StringComparison.Ordinal);
        Assert.Contains("Hair length", html, StringComparison.Ordinal); // intake answers with the question's label
        Assert.Contains("data-tag=\"regular\"", html, StringComparison.Ordinal);
        Assert.Contains("via booking form", html, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(html, "data-booking="));

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(path + "?handler=Untag", [new("tag", "regular")], path)).StatusCode);
        Assert.Empty(await NamesAsync(app, "tag=regular"));

        // In Dutch.
        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        var dutch = await WebSession.TextAsync(await owner.Client.GetAsync(path));
        Assert.Contains("Notitie toevoegen", dutch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_MovesBookingsNotesTagsAndConsent_AndTheDuplicateRedirects()
    {
        var (app, owner) = await NewAsync();
        await BookAsync(app, "2027-03-02T09:00:00+01:00", "ada@example.com", "Ada Lovelace", null);
        await BookAsync(app, "2027-03-03T09:00:00+01:00", "ada.l@work.test", "Ada L.", "+31 6 9999 0000", marketing: true);
        await BookAsync(app, "2027-03-04T09:00:00+01:00", "ada.l@work.test", "Ada L.", "+31 6 9999 0000");
        var keep = IdOf(app, "ada@example.com");
        Assert.False((await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{keep}")))["marketingOptIn"]!.GetValue<bool>());
        var dup = IdOf(app, "ada.l@work.test");
        Assert.Equal(HttpStatusCode.Created, (await app.Admin().PostAsync($"/api/v1/admin/customers/{dup}/notes", Json(new JsonObject { ["text"] = "Uses her work address." }))).StatusCode);
        await app.Admin().PostAsync($"/api/v1/admin/customers/{dup}/tags", Json(new JsonObject { ["tag"] = "corporate" }));
        await app.Admin().PostAsync($"/api/v1/admin/customers/{dup}/tags", Json(new JsonObject { ["tag"] = "vip" }));
        await app.Admin().PostAsync($"/api/v1/admin/customers/{keep}/tags", Json(new JsonObject { ["tag"] = "vip" }));

        var self = await owner.PostFormAsync($"/admin/customers/{keep}?handler=Merge", [new("Duplicate", "ADA@example.com")], $"/admin/customers/{keep}");
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        var merged = await owner.PostFormAsync($"/admin/customers/{keep}?handler=Merge", [new("Duplicate", "Ada.L@work.test")], $"/admin/customers/{keep}");
        Assert.Equal(HttpStatusCode.Redirect, merged.StatusCode);

        Assert.Equal(3, app.WithDb(db => db.Bookings.IgnoreQueryFilters().Count(b => b.CustomerId == keep)));
        Assert.Equal(["corporate", "vip"], app.WithDb(db => db.CustomerTags.IgnoreQueryFilters().Where(t => t.CustomerId == keep).Select(t => t.Tag).OrderBy(t => t).ToList()));
        Assert.Equal(0, app.WithDb(db => db.CustomerTags.IgnoreQueryFilters().Count(t => t.CustomerId == dup)));
        var notes = app.WithDb(db => db.CustomerNotes.IgnoreQueryFilters().Where(n => n.CustomerId == keep).Select(n => n.Text).ToList());
        Assert.Contains("Uses her work address.", notes);
        Assert.Contains(notes, n => n.StartsWith("Merged Ada L. <ada.l@work.test>", StringComparison.Ordinal)); // the audit entry
        Assert.Equal("+31699990000", app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.Id == keep).Phone)); // stored in E.164
        // The duplicate's consent moves too: news by e-mail, with the duplicate's history of it.
        var kept = await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{keep}"));
        Assert.True(kept["marketingOptIn"]!.GetValue<bool>());
        Assert.Contains(kept["consentHistory"]!.AsArray(), h => h!["what"]!.GetValue<string>() == "marketing" && h["source"]!.GetValue<string>() == "booking" &&
                                                                 h["to"]!.GetValue<bool>());

        // The duplicate is gone from the list, its page and API record lead to the kept client.
        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, ""));
        Assert.Equal($"/admin/customers/{keep}", (await owner.Client.GetAsync($"/admin/customers/{dup}")).Headers.Location?.OriginalString);
        Assert.Equal(keep.ToString(), (await Body(await app.Admin().GetAsync($"/api/v1/admin/customers/{dup}")))["id"]!.GetValue<string>());
        // A new booking under the duplicate's address lands on the kept client.
        await BookAsync(app, "2027-03-05T09:00:00+01:00", "ada.l@work.test", "Ada L.");
        Assert.Equal(4, app.WithDb(db => db.Bookings.IgnoreQueryFilters().Count(b => b.CustomerId == keep)));
        // Merging the merged one again moves nothing.
        var again = await app.Admin().PostAsync($"/api/v1/admin/customers/{keep}/merge", Json(new JsonObject { ["from"] = dup.ToString() }));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin().PostAsync($"/api/v1/admin/customers/{keep}/merge", Json(new JsonObject { ["from"] = "nope" }))).StatusCode);
    }

    [Fact]
    public async Task TwoMergesRacing_OneWins_NoBookingIsLost()
    {
        var (app, _) = await NewAsync();
        for (var round = 0; round < 6; round++)
        {
            var a = $"a{round}@example.com";
            var b = $"b{round}@example.com";
            await BookAsync(app, $"2027-03-0{2 + (round % 3)}T{9 + (round * 2 % 8):00}:00:00+01:00", a, "A" + round, staff: "anna");
            await BookAsync(app, $"2027-03-0{2 + (round % 3)}T{9 + (round * 2 % 8):00}:30:00+01:00", b, "B" + round, staff: "anna");
            var (ida, idb) = (IdOf(app, a), IdOf(app, b));
            await app.Admin().PostAsync($"/api/v1/admin/customers/{idb}/tags", Json(new JsonObject { ["tag"] = "t" + round }));
            // The same pair merged both ways at once: exactly one of them happens.
            var results = await Task.WhenAll(
                app.Admin().PostAsync($"/api/v1/admin/customers/{ida}/merge", Json(new JsonObject { ["from"] = idb.ToString() })),
                app.Admin().PostAsync($"/api/v1/admin/customers/{idb}/merge", Json(new JsonObject { ["from"] = ida.ToString() })));
            var codes = results.Select(r => r.StatusCode).Order().ToList();
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], codes);
            var live = app.WithDb(db => db.Customers.IgnoreQueryFilters().Where(c => (c.Id == ida || c.Id == idb) && c.MergedIntoId == null).Select(c => c.Id).ToList());
            var winner = Assert.Single(live);
            Assert.Equal(2, app.WithDb(db => db.Bookings.IgnoreQueryFilters().Count(x => x.CustomerId == winner)));
            Assert.Equal(["t" + round], app.WithDb(db => db.CustomerTags.IgnoreQueryFilters().Where(t => t.CustomerId == ida || t.CustomerId == idb).Select(t => t.Tag).ToList()));
        }
        Assert.Equal(12, app.WithDb(db => db.Bookings.IgnoreQueryFilters().Count(b => b.TenantId == app.Id)));
        Assert.Equal(6, (await Body(await app.Admin().GetAsync("/api/v1/admin/customers")))["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task AnotherBusinessesClients_NeverAppear_AndCannotBeTaggedNotedOrMerged()
    {
        var (app, owner) = await NewAsync();
        await BookAsync(app, "2027-03-02T09:00:00+01:00", "ada@example.com", "Ada Lovelace");
        var mine = IdOf(app, "ada@example.com");
        var otherTenant = Guid.NewGuid();
        var theirs = Guid.NewGuid();
        app.WithDb(db =>
        {
            db.Tenants.Add(new Tenant { Id = otherTenant, Name = "Other", Host = $"other-{otherTenant:N}.example.test" });
            db.Customers.Add(new Customer { Id = theirs, TenantId = otherTenant, Email = "ada.other@example.com", EmailNormalized = "ADA.OTHER@EXAMPLE.COM", Name = "Ada Elsewhere" });
            db.CustomerTags.Add(new CustomerTag { TenantId = otherTenant, CustomerId = theirs, Tag = "secret" });
            db.SaveChanges();
            return 0;
        });

        Assert.Equal(["Ada Lovelace"], await NamesAsync(app, "query=ada"));
        Assert.Empty(await NamesAsync(app, "tag=secret"));
        Assert.DoesNotContain("Ada Elsewhere", await owner.GetAsync("/admin/customers?q=ada"));
        Assert.DoesNotContain("Ada Elsewhere", await (await owner.Client.GetAsync("/admin/customers?handler=Csv")).Content.ReadAsStringAsync());
        Assert.DoesNotContain("secret", await owner.GetAsync("/admin/customers"));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Client.GetAsync($"/admin/customers/{theirs}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync($"/api/v1/admin/customers/{theirs}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().PostAsync($"/api/v1/admin/customers/{theirs}/tags", Json(new JsonObject { ["tag"] = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().DeleteAsync($"/api/v1/admin/customers/{theirs}/tags/secret")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().PostAsync($"/api/v1/admin/customers/{theirs}/notes", Json(new JsonObject { ["text"] = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().PostAsync($"/api/v1/admin/customers/{mine}/merge", Json(new JsonObject { ["from"] = theirs.ToString() }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().PostAsync($"/api/v1/admin/customers/{theirs}/merge", Json(new JsonObject { ["from"] = mine.ToString() }))).StatusCode);
        var byForm = await owner.PostFormAsync($"/admin/customers/{mine}?handler=Merge", [new("Duplicate", "ada.other@example.com")], $"/admin/customers/{mine}");
        Assert.Equal(HttpStatusCode.BadRequest, byForm.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostFormAsync($"/admin/customers/{theirs}?handler=Tag", [new("NewTag", "x")], $"/admin/customers/{mine}")).StatusCode);

        Assert.Null(app.WithDb(db => db.Customers.IgnoreQueryFilters().Single(c => c.Id == theirs).MergedIntoId));
        Assert.Equal(["secret"], app.WithDb(db => db.CustomerTags.IgnoreQueryFilters().Where(t => t.CustomerId == theirs).Select(t => t.Tag).ToList()));
        Assert.Equal(0, app.WithDb(db => db.CustomerNotes.IgnoreQueryFilters().Count(n => n.CustomerId == theirs)));
    }

    /// <summary>GDPR export: the person's profiles (a merged duplicate's too), bookings, notes and tags, and nothing of anyone else's, no secrets.</summary>
    [Fact]
    public async Task Export_HoldsThePersonsDataAndMergedDuplicate_NothingOfOthers_NoSecrets()
    {
        var (app, _) = await NewAsync();
        var first = await BookAsync(app, "2027-03-02T10:00:00+01:00", "ada@example.com", "Ada Lovelace");
        var second = await BookAsync(app, "2027-03-03T10:00:00+01:00", "ada.old@example.com", "Ada L.", phone: null);
        var other = await BookAsync(app, "2027-03-02T11:00:00+01:00", "grace@example.com", "Grace Hopper");
        var ada = IdOf(app, "ada@example.com");
        var old = IdOf(app, "ada.old@example.com");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin().PostAsync($"/api/v1/admin/customers/{ada}/tags", Json(new JsonObject { ["tag"] = "vip" }))).StatusCode);
        Assert.True((await app.Admin().PostAsync($"/api/v1/admin/customers/{ada}/notes", Json(new JsonObject { ["text"] = "Prefers mornings." }))).IsSuccessStatusCode);
        Assert.True((await app.Admin().PostAsync($"/api/v1/admin/customers/{ada}/merge", Json(new JsonObject { ["from"] = old.ToString() }))).IsSuccessStatusCode);

        // Asked by the duplicate's id, the export is the kept client's.
        var response = await app.Admin().GetAsync($"/api/v1/admin/customers/{old}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        var doc = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("ada@example.com", doc["customer"]!["email"]!.GetValue<string>());
        Assert.Equal(["ada.old@example.com"], doc["mergedProfiles"]!.AsArray().Select(p => p!["email"]!.GetValue<string>()));
        Assert.Equal(new[] { first, second }.Order(), doc["bookings"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()).Order());
        Assert.All(doc["bookings"]!.AsArray(), b => Assert.NotEmpty(b!["history"]!.AsArray()));
        Assert.Equal(["vip"], doc["tags"]!.AsArray().Select(t => t!["tag"]!.GetValue<string>()));
        // The staff note, then the note the merge wrote.
        var notes = doc["notes"]!.AsArray().Select(n => n!["text"]!.GetValue<string>()).ToList();
        Assert.Equal(2, notes.Count);
        Assert.Equal("Prefers mornings.", notes[0]);
        Assert.StartsWith("Merged Ada L. <ada.old@example.com>", notes[1], StringComparison.Ordinal);
        Assert.DoesNotContain("grace", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(other, text, StringComparison.Ordinal);
        foreach (var secret in app.WithDb(db => db.Bookings.IgnoreQueryFilters().Select(b => b.ManageTokenHash).ToList()))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync($"/api/v1/admin/customers/{Guid.NewGuid()}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync("/api/v1/admin/customers/not-a-guid/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync($"/api/v1/admin/customers/{ada}/export")).StatusCode);
    }
}

public sealed class SqliteCustomerCrmTests(SqliteSharedApp shared) : CustomerCrmTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresCustomerCrmTests(PostgresSharedApp shared) : CustomerCrmTests(shared), IClassFixture<PostgresSharedApp>;
