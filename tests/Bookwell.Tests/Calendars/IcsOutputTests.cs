using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Tests.Infrastructure;
using Ical.Net;
using MimeKit;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// Every .ics the app emits (the confirmation's attachment, the manage page's download, the staff feed) parses
/// with Ical.Net and keeps RFC 5545: folded at 75 octets without splitting a UTF-8 character, a stable UID and
/// a SEQUENCE that grows with each change, DTSTAMP, and the client's contact details kept out of the feed.
/// </summary>
public abstract class IcsOutputTests
{
    protected abstract Db Kind { get; }

    /// <summary>Two- to four-byte characters, so a fold at a fixed character count would split one.</summary>
    private static readonly string LongName = "Consult " + string.Concat(Enumerable.Repeat("é€😀", 38));

    private static readonly UTF8Encoding Strict = new(false, true);

    /// <summary>Each physical line: valid UTF-8 on its own (no character split across a fold), at most 75 octets, CRLF ended.</summary>
    private static string CheckWire(byte[] bytes)
    {
        var text = Strict.GetString(bytes);
        // A character split by a fold reaches the wire as U+FFFD (writers replace a lone surrogate), still valid UTF-8.
        Assert.DoesNotContain('\uFFFD', text);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        var start = 0;
        for (var i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n')
            {
                var line = bytes[start..i];
                Assert.True(line.Length <= 75, $"{line.Length} octets: {Encoding.UTF8.GetString(line)}");
                Strict.GetString(line); // throws when a fold split a multi-byte character
                start = i + 2;
            }
        }
        Assert.Equal(bytes.Length, start);
        return text;
    }

    private static Ical.Net.CalendarComponents.CalendarEvent Parse(string text, out Calendar calendar)
    {
        calendar = Calendar.Load(text)!;
        var e = Assert.Single(calendar.Events);
        Assert.NotNull(e.DtStamp);
        return e;
    }

    private async Task<BookwellApp> StartAsync(int smtpPort)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Smtp:Host"] = "127.0.0.1";
            s["Bookwell:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Bookwell:Smtp:UseTls"] = "false";
            s["Bookwell:Smtp:From"] = "bookings@salon.example";
        });
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["services"]![1]!["name"] = LongName;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        return app;
    }

    [Fact]
    public async Task AttachmentAndDownload_ParseAndFoldByOctets_UidStable_SequenceGrows_CancelIsCancelled()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink.Port);
        var client = app.CreateClient();
        var created = await Created(await Book(client, Booking("2027-03-02T09:00:00+01:00", "consult", staff: "anna")));
        var token = created["manageToken"]!.GetValue<string>();
        var uid = $"{created["id"]!.GetValue<string>()}@bookwell";

        var mail = Assert.Single(await sink.WaitForAsync(1));
        var part = mail.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "text/calendar");
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        var attached = Parse(CheckWire(stream.ToArray()), out var invitation);
        Assert.Equal("REQUEST", invitation.Method);
        Assert.Equal(uid, attached.Uid);
        Assert.Equal(0, attached.Sequence);
        Assert.StartsWith(LongName + "\n", attached.Description, StringComparison.Ordinal);

        var download = Parse(CheckWire(await client.GetByteArrayAsync($"/api/v1/bookings/{token}/ics")), out _);
        Assert.Equal(uid, download.Uid);
        Assert.Equal(0, download.Sequence);
        Assert.Equal("CONFIRMED", download.Status);
        Assert.StartsWith(LongName, download.Summary, StringComparison.Ordinal);
        Assert.Equal(new DateTime(2027, 3, 2, 8, 0, 0, DateTimeKind.Utc), download.DtStart!.AsUtc);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-03T11:00:00+01:00" }))).StatusCode);
        var moved = Parse(CheckWire(await client.GetByteArrayAsync($"/api/v1/bookings/{token}/ics")), out _);
        Assert.Equal(uid, moved.Uid);
        Assert.Equal(1, moved.Sequence);
        Assert.Equal(new DateTime(2027, 3, 3, 10, 0, 0, DateTimeKind.Utc), moved.DtStart!.AsUtc);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{token}/cancel", null)).StatusCode);
        var cancelled = Parse(CheckWire(await client.GetByteArrayAsync($"/api/v1/bookings/{token}/ics")), out _);
        Assert.Equal(uid, cancelled.Uid);
        Assert.Equal(2, cancelled.Sequence);
        Assert.Equal("CANCELLED", cancelled.Status);

        var mails = await sink.WaitForAsync(3);
        var cancelMail = mails.Single(m => m.Subject!.Contains("cancelled", StringComparison.OrdinalIgnoreCase));
        using var cancelStream = new MemoryStream();
        cancelMail.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "text/calendar").Content!.DecodeTo(cancelStream);
        var cancelEvent = Parse(CheckWire(cancelStream.ToArray()), out var cancelCalendar);
        Assert.Equal("CANCEL", cancelCalendar.Method);
        Assert.Equal("CANCELLED", cancelEvent.Status);
        Assert.Equal(uid, cancelEvent.Uid);
        Assert.True(cancelEvent.Sequence > attached.Sequence);

        // The "moved" mail's invitation: the same event, updated in place at the new time.
        var movedMail = mails.Single(m => m.Subject!.Contains("moved", StringComparison.OrdinalIgnoreCase));
        using var movedStream = new MemoryStream();
        movedMail.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "text/calendar").Content!.DecodeTo(movedStream);
        var movedEvent = Parse(CheckWire(movedStream.ToArray()), out var movedCalendar);
        Assert.Equal("REQUEST", movedCalendar.Method);
        Assert.Equal(uid, movedEvent.Uid);
        Assert.True(movedEvent.Sequence > attached.Sequence && movedEvent.Sequence < cancelEvent.Sequence);
        Assert.Equal(new DateTime(2027, 3, 3, 10, 0, 0, DateTimeKind.Utc), movedEvent.DtStart!.AsUtc);
    }

    [Fact]
    public async Task StaffFeed_OneEventPerLiveBooking_StableUids_NoContactDetails_RotateAndRevoke()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink.Port);
        var admin = app.Admin();
        var client = app.CreateClient();
        var ada = await Created(await Book(client, Booking("2027-03-02T09:00:00+01:00", "consult", staff: "anna")));
        var grace = Booking("2027-03-02T11:00:00+01:00", "consult", email: "grace@example.com", staff: "anna");
        grace["customer"]!["name"] = "Grace Hopper";
        grace["customer"]!["phone"] = "+31611112222";
        var graceBody = await Created(await Book(client, grace));
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-02T10:00:00+01:00", "haircut", email: "c@example.com", staff: "bob"))).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/admin/staff/anna/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/admin/staff/nobody/feed")).StatusCode);
        var url = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/staff/anna/feed"))!["url"]!.GetValue<string>();
        Assert.StartsWith("https://book.example.test/feeds/", url, StringComparison.Ordinal);
        Assert.Equal(url, (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/staff/anna/feed"))!["url"]!.GetValue<string>());
        var path = new Uri(url).AbsolutePath;

        async Task<(string Text, Calendar Calendar)> Read(string feedPath)
        {
            var response = await client.GetAsync(feedPath);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/calendar", response.Content.Headers.ContentType!.MediaType);
            var text = CheckWire(await response.Content.ReadAsByteArrayAsync());
            return (text, Calendar.Load(text)!);
        }

        var (text, feed) = await Read(path);
        Assert.Equal(2, feed.Events.Count);
        Assert.Contains(feed.Events, e => e.Summary!.Contains("Ada Lovelace", StringComparison.Ordinal) && e.Summary.StartsWith(LongName, StringComparison.Ordinal));
        Assert.Contains(feed.Events, e => e.Summary!.Contains("Grace Hopper", StringComparison.Ordinal));
        foreach (var secret in new[] { "ada@example.com", "grace@example.com", "+31600000000", "+31611112222", "short" })
        {
            Assert.DoesNotContain(secret, IcsUnfold(text), StringComparison.Ordinal);
        }

        // A move keeps the UID and raises SEQUENCE; a cancellation takes the event out.
        var adaToken = ada["manageToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{adaToken}/reschedule",
            Json(new JsonObject { ["start"] = "2027-03-03T09:00:00+01:00" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{graceBody["manageToken"]!.GetValue<string>()}/cancel", null)).StatusCode);
        (_, feed) = await Read(path);
        var moved = Assert.Single(feed.Events);
        Assert.Equal($"{ada["id"]!.GetValue<string>()}@bookwell", moved.Uid);
        Assert.Equal(1, moved.Sequence);

        // The page's feed holds every staff member's bookings.
        var pageUrl = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/pages/salon/feed"))!["url"]!.GetValue<string>();
        Assert.Equal(2, (await Read(new Uri(pageUrl).AbsolutePath)).Calendar.Events.Count);

        // Rotation: the old address is gone at once, the new one works; revocation ends it.
        var rotated = (await (await admin.PostAsync("/api/v1/admin/staff/anna/feed/rotate", null)).Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>();
        Assert.NotEqual(url, rotated);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        Assert.Single((await Read(new Uri(rotated).AbsolutePath)).Calendar.Events);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/admin/staff/anna/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri(rotated).AbsolutePath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/feeds/" + new string('A', 43) + ".ics")).StatusCode);
        // Only hashes are stored.
        var stored = app.WithDb(db => db.CalendarFeeds.Select(f => f.TokenHash).ToList());
        Assert.DoesNotContain(new Uri(pageUrl).AbsolutePath["/feeds/".Length..^4], stored);
    }

    private static async Task<JsonObject> Created(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static string IcsUnfold(string text) => text.Replace("\r\n ", "", StringComparison.Ordinal);
}

public sealed class SqliteIcsOutputTests : IcsOutputTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresIcsOutputTests : IcsOutputTests
{
    protected override Db Kind => Db.Postgres;
}
