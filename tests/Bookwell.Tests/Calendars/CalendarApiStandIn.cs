using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// A local stand-in answering as Google's OAuth token endpoint and Calendar v3 API and Microsoft Graph's
/// calendar endpoints document it: PKCE checked at the code exchange, bearer tokens checked on every call,
/// refresh tokens that can be revoked (<c>invalid_grant</c>), freeBusy counting every opaque event (ours too),
/// deleted Google events kept with status <c>cancelled</c> (events.get still returns them so; an id it never had, or one
/// taken out of <see cref="Events"/>, is 404), and Graph's single-event read (404 <c>ErrorItemNotFound</c> once deleted,
/// <c>isCancelled</c> for an event whose <see cref="Ev.Status"/> a test set to <c>cancelled</c>, as a cancelled meeting stays
/// in the calendar view).
/// </summary>
public sealed class CalendarApiStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed class Ev
    {
        public required string Id { get; init; }
        public required DateTimeOffset Start { get; set; }
        public required DateTimeOffset End { get; set; }
        public string Status { get; set; } = "confirmed";
        public bool Ours { get; init; }
        public int Version { get; set; } = 1;
        public string ETag => $"\"{Id}-{Version}\"";
        public string? Subject { get; set; }
        public int Sequence { get; set; }
    }

    /// <summary>An update as it arrived: provider path, the If-Match header, and the body.</summary>
    public sealed record Patch(string Path, string? IfMatch, JsonObject Body);

    /// <summary>Every PATCH that passed the documented shape checks, in order.</summary>
    public ConcurrentQueue<Patch> Patches { get; } = new();

    /// <summary>Every PATCH refused for its shape (400), with the reason: a test asserts there are none.</summary>
    public ConcurrentQueue<string> BadPatches { get; } = new();

    public ConcurrentDictionary<string, Ev> Events { get; } = new();
    public string? Challenge { get; set; }
    public string Access { get; private set; } = "";
    public bool Revoked { get; set; }
    public int Refreshes;

    /// <summary>
    /// When set, Google's event list and Graph's calendarView answer in two pages, as both APIs may: the first half of
    /// the events (by start) with a <c>nextPageToken</c> / <c>@odata.nextLink</c>, the rest on the page it names.
    /// </summary>
    public bool TwoPages { get; set; }

    /// <summary>How many second pages were asked for (a paging test checks the stand-in really paged).</summary>
    public int SecondPages;

    private (IEnumerable<T> Items, bool More) Page<T>(IEnumerable<T> ordered, bool second)
    {
        if (!TwoPages)
        {
            return (ordered, false);
        }
        var all = ordered.ToList();
        if (second)
        {
            Interlocked.Increment(ref SecondPages);
            return (all.Skip(all.Count / 2), false);
        }
        return (all.Take(all.Count / 2), true);
    }

    private CalendarApiStandIn(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<CalendarApiStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var s = new CalendarApiStandIn(app);
        app.MapPost("/token", async (HttpContext c) =>
        {
            var form = await c.Request.ReadFormAsync();
            if (form["grant_type"] == "authorization_code")
            {
                var verifier = form["code_verifier"].ToString();
                var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                if (form["code"] != "good-code" || challenge != s.Challenge || form["client_id"] != "client-1")
                {
                    return Results.Json(new JsonObject { ["error"] = "invalid_grant" }, statusCode: 400);
                }
                s.Access = "at-" + Guid.NewGuid().ToString("N");
                return Results.Json(new JsonObject { ["access_token"] = s.Access, ["refresh_token"] = "rt-1", ["expires_in"] = 3600, ["token_type"] = "Bearer" });
            }
            if (form["grant_type"] == "refresh_token" && form["refresh_token"] == "rt-1" && !s.Revoked)
            {
                Interlocked.Increment(ref s.Refreshes);
                s.Access = "at-" + Guid.NewGuid().ToString("N");
                return Results.Json(new JsonObject { ["access_token"] = s.Access, ["expires_in"] = 3600, ["token_type"] = "Bearer" });
            }
            return Results.Json(new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Token has been expired or revoked." }, statusCode: 400);
        });
        app.Use(async (c, next) =>
        {
            if (c.Request.Path.StartsWithSegments("/calendar") || c.Request.Path.StartsWithSegments("/v1.0"))
            {
                if (c.Request.Headers.Authorization.ToString() != $"Bearer {s.Access}" || s.Access.Length == 0)
                {
                    c.Response.StatusCode = 401;
                    await c.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["code"] = 401, ["message"] = "Invalid Credentials" } });
                    return;
                }
            }
            await next();
        });
        // Google Calendar v3.
        app.MapPost("/calendar/v3/freeBusy", async (HttpContext c) =>
        {
            var q = (await c.Request.ReadFromJsonAsync<JsonObject>())!;
            var min = DateTimeOffset.Parse(q["timeMin"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            var max = DateTimeOffset.Parse(q["timeMax"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            var busy = new JsonArray([.. s.Events.Values.Where(e => e.Status != "cancelled" && e.End > min && e.Start < max).OrderBy(e => e.Start)
                .Select(e => (JsonNode)new JsonObject { ["start"] = e.Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), ["end"] = e.End.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") })]);
            return Results.Json(new JsonObject { ["kind"] = "calendar#freeBusy", ["calendars"] = new JsonObject { ["primary"] = new JsonObject { ["busy"] = busy } } });
        });
        app.MapGet("/calendar/v3/calendars/primary/events", (HttpContext c) =>
        {
            var second = c.Request.Query["pageToken"] == "page-2";
            var (page, more) = s.Page(s.Events.Values.Where(e => e.Ours && c.Request.Query["privateExtendedProperty"] == "bookwell=1").OrderBy(e => e.Start), second);
            var items = page
                .Select(e => (JsonNode)new JsonObject
                {
                    ["id"] = e.Id,
                    ["etag"] = e.ETag,
                    ["status"] = e.Status,
                    ["start"] = new JsonObject { ["dateTime"] = e.Start.ToString("o") },
                    ["end"] = new JsonObject { ["dateTime"] = e.End.ToString("o") }
                });
            var answer = new JsonObject { ["kind"] = "calendar#events", ["items"] = new JsonArray([.. items]) };
            if (more)
            {
                answer["nextPageToken"] = "page-2";
            }
            return Results.Json(answer);
        });
        // events.get: the Event resource; a deleted event is still returned, with status "cancelled", until it is purged.
        app.MapGet("/calendar/v3/calendars/primary/events/{id}", (string id) => s.Events.TryGetValue(id, out var e)
            ? Results.Json(new JsonObject
            {
                ["kind"] = "calendar#event",
                ["id"] = e.Id,
                ["etag"] = e.ETag,
                ["status"] = e.Status,
                ["summary"] = e.Subject,
                ["start"] = new JsonObject { ["dateTime"] = e.Start.ToString("o") },
                ["end"] = new JsonObject { ["dateTime"] = e.End.ToString("o") },
            })
            : Results.Json(new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["code"] = 404,
                    ["message"] = "Not Found",
                    ["errors"] = new JsonArray(new JsonObject { ["domain"] = "global", ["reason"] = "notFound", ["message"] = "Not Found" }),
                },
            }, statusCode: 404));
        app.MapPost("/calendar/v3/calendars/primary/events", async (HttpContext c) =>
        {
            var b = (await c.Request.ReadFromJsonAsync<JsonObject>())!;
            var id = b["id"]?.GetValue<string>() ?? Guid.NewGuid().ToString("N");
            if (s.Events.ContainsKey(id))
            {
                return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = 409, ["message"] = "The requested identifier already exists." } }, statusCode: 409);
            }
            var e = new Ev { Id = id, Ours = b["extendedProperties"]?["private"]?["bookwell"]?.GetValue<string>() == "1", Start = Time(b["start"]), End = Time(b["end"]), Subject = b["summary"]?.GetValue<string>(), Sequence = b["sequence"]?.GetValue<int>() ?? 0 };
            s.Events[id] = e;
            return Results.Json(new JsonObject { ["id"] = id, ["etag"] = e.ETag, ["status"] = e.Status });
        });
        // events.patch: the body is a partial Event resource; start/end are EventDateTime (dateTime RFC 3339, an offset
        // required unless timeZone names one); a sequence below the event's is refused; If-Match is the etag.
        app.MapMethods("/calendar/v3/calendars/primary/events/{id}", ["PATCH"], async (string id, HttpContext c) =>
        {
            if (!s.Events.TryGetValue(id, out var e))
            {
                return Results.NotFound();
            }
            var ifMatch = c.Request.Headers.IfMatch.ToString() is { Length: > 0 } m ? m : null;
            if (ifMatch is not null && ifMatch != e.ETag)
            {
                return Results.StatusCode(412);
            }
            var b = c.Request.HasJsonContentType() ? await c.Request.ReadFromJsonAsync<JsonObject>() : null;
            string? bad = b is null ? "not a JSON body" : null;
            bad ??= GoogleTime(b!["start"], "start") ?? GoogleTime(b!["end"], "end");
            bad ??= b!["summary"] is null ? "no summary" : null;
            bad ??= b!["sequence"] is { } seq && seq.GetValue<int>() < e.Sequence ? "Invalid sequence value." : null;
            bad ??= b!["status"] is { } st && st.GetValue<string>() is not ("confirmed" or "tentative" or "cancelled") ? "bad status" : null;
            if (bad is not null)
            {
                s.BadPatches.Enqueue(bad);
                return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = 400, ["message"] = bad } }, statusCode: 400);
            }
            s.Patches.Enqueue(new Patch(c.Request.Path, ifMatch, b!));
            e.Start = Time(b!["start"]);
            e.End = Time(b!["end"]);
            e.Status = b!["status"]?.GetValue<string>() ?? e.Status;
            e.Subject = b!["summary"]?.GetValue<string>() ?? e.Subject;
            e.Sequence = b!["sequence"]?.GetValue<int>() ?? e.Sequence;
            e.Version++;
            return Results.Json(new JsonObject { ["id"] = id, ["etag"] = e.ETag, ["status"] = e.Status });
        });
        app.MapDelete("/calendar/v3/calendars/primary/events/{id}", (string id) =>
        {
            if (!s.Events.TryGetValue(id, out var e) || e.Status == "cancelled")
            {
                return Results.StatusCode(410);
            }
            e.Status = "cancelled";
            return Results.NoContent();
        });
        // Microsoft Graph.
        app.MapGet("/v1.0/me/calendarView", (HttpContext c) =>
        {
            var min = DateTimeOffset.Parse(c.Request.Query["startDateTime"]!, System.Globalization.CultureInfo.InvariantCulture);
            var max = DateTimeOffset.Parse(c.Request.Query["endDateTime"]!, System.Globalization.CultureInfo.InvariantCulture);
            var utc = c.Request.Headers["Prefer"].ToString().Contains("outlook.timezone=\"UTC\"", StringComparison.Ordinal);
            var second = c.Request.Query["$skiptoken"] == "page-2";
            // A cancelled meeting stays in the calendar view, marked isCancelled, until someone removes it.
            var (page, more) = s.Page(s.Events.Values.Where(e => e.End > min && e.Start < max).OrderBy(e => e.Start), second);
            var items = page
                .Select(e => (JsonNode)new JsonObject
                {
                    ["@odata.etag"] = "W/" + e.ETag,
                    ["id"] = e.Id,
                    ["showAs"] = e.Status == "free" ? "free" : "busy",
                    ["isCancelled"] = e.Status == "cancelled",
                    ["isAllDay"] = false,
                    ["start"] = new JsonObject { ["dateTime"] = (utc ? e.Start.UtcDateTime : e.Start.DateTime).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff"), ["timeZone"] = "UTC" },
                    ["end"] = new JsonObject { ["dateTime"] = (utc ? e.End.UtcDateTime : e.End.DateTime).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff"), ["timeZone"] = "UTC" },
                });
            var answer = new JsonObject { ["value"] = new JsonArray([.. items]) };
            if (more)
            {
                answer["@odata.nextLink"] = $"{s.BaseUrl}{c.Request.Path}{c.Request.QueryString}&%24skiptoken=page-2";
            }
            return Results.Json(answer);
        });
        // Get event: the event with the properties $select names (id and @odata.etag always); 404 ErrorItemNotFound once deleted.
        app.MapGet("/v1.0/me/events/{id}", (string id, HttpContext c) =>
        {
            if (!s.Events.TryGetValue(id, out var e))
            {
                return Results.Json(new JsonObject
                {
                    ["error"] = new JsonObject { ["code"] = "ErrorItemNotFound", ["message"] = "The specified object was not found in the store." },
                }, statusCode: 404);
            }
            var all = new JsonObject
            {
                ["@odata.etag"] = "W/" + e.ETag,
                ["id"] = e.Id,
                ["subject"] = e.Subject,
                ["isCancelled"] = e.Status == "cancelled",
                ["showAs"] = e.Status == "free" ? "free" : "busy",
                ["start"] = new JsonObject { ["dateTime"] = e.Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff"), ["timeZone"] = "UTC" },
                ["end"] = new JsonObject { ["dateTime"] = e.End.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff"), ["timeZone"] = "UTC" },
            };
            if (c.Request.Query["$select"].ToString() is { Length: > 0 } select)
            {
                var keep = select.Split(',', StringSplitOptions.TrimEntries).Append("id").Append("@odata.etag").ToHashSet(StringComparer.Ordinal);
                foreach (var key in all.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
                {
                    all.Remove(key);
                }
            }
            return Results.Json(all);
        });
        app.MapPost("/v1.0/me/events", async (HttpContext c) =>
        {
            var b = (await c.Request.ReadFromJsonAsync<JsonObject>())!;
            var id = "AAMk" + Guid.NewGuid().ToString("N");
            var e = new Ev { Id = id, Ours = true, Start = Time(b["start"]), End = Time(b["end"]), Subject = b["subject"]?.GetValue<string>() };
            s.Events[id] = e;
            return Results.Json(new JsonObject { ["@odata.etag"] = "W/" + e.ETag, ["id"] = id }, statusCode: 201);
        });
        // Update event: the body holds only the properties to change; start/end are dateTimeTimeZone (a local dateTime
        // without offset plus a timeZone, both required); If-Match is the @odata.etag.
        app.MapMethods("/v1.0/me/events/{id}", ["PATCH"], async (string id, HttpContext c) =>
        {
            if (!s.Events.TryGetValue(id, out var e) || e.Status == "cancelled")
            {
                return Results.NotFound();
            }
            var ifMatch = c.Request.Headers.IfMatch.ToString() is { Length: > 0 } m ? m : null;
            if (ifMatch is not null && ifMatch != "W/" + e.ETag)
            {
                return Results.StatusCode(412);
            }
            var b = c.Request.HasJsonContentType() ? await c.Request.ReadFromJsonAsync<JsonObject>() : null;
            string? bad = b is null ? "not a JSON body" : null;
            bad ??= GraphTime(b!["start"], "start") ?? GraphTime(b!["end"], "end");
            bad ??= b!["subject"] is null ? "no subject" : null;
            bad ??= b!["showAs"] is { } show && show.GetValue<string>() is not ("free" or "tentative" or "busy" or "oof" or "workingElsewhere") ? "bad showAs" : null;
            if (bad is not null)
            {
                s.BadPatches.Enqueue(bad);
                return Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "ErrorInvalidRequest", ["message"] = bad } }, statusCode: 400);
            }
            s.Patches.Enqueue(new Patch(c.Request.Path, ifMatch, b!));
            e.Start = Time(b!["start"]);
            e.End = Time(b!["end"]);
            e.Subject = b!["subject"]?.GetValue<string>() ?? e.Subject;
            e.Version++;
            return Results.Json(new JsonObject { ["@odata.etag"] = "W/" + e.ETag, ["id"] = id });
        });
        app.MapDelete("/v1.0/me/events/{id}", (string id) => s.Events.TryRemove(id, out _) ? Results.NoContent() : Results.NotFound());
        await app.StartAsync();
        s.BaseUrl = app.Urls.First().TrimEnd('/');
        return s;
    }

    /// <summary>A dateTime as both APIs send it: Google RFC 3339 with offset; Graph local time with a timeZone (UTC here).</summary>
    private static DateTimeOffset Time(JsonNode? node)
    {
        var text = node!["dateTime"]!.GetValue<string>();
        return DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
    }

    /// <summary>Why a Google EventDateTime is malformed, or null: RFC 3339 with an offset (or Z), or a local time with a timeZone.</summary>
    private static string? GoogleTime(JsonNode? node, string name)
    {
        if (node?["dateTime"]?.GetValue<string>() is not { } text)
        {
            return $"{name}.dateTime missing";
        }
        var hasOffset = text.EndsWith('Z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d\d:\d\d$");
        if (!System.Text.RegularExpressions.Regex.IsMatch(text, @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$"))
        {
            return $"{name}.dateTime is not RFC 3339";
        }
        return hasOffset || node["timeZone"] is not null ? null : $"{name}: a time zone offset is required unless timeZone is given";
    }

    /// <summary>Why a Graph dateTimeTimeZone is malformed, or null: a dateTime without offset and a timeZone, both present.</summary>
    private static string? GraphTime(JsonNode? node, string name)
    {
        if (node?["dateTime"]?.GetValue<string>() is not { } text || node["timeZone"]?.GetValue<string>() is not { Length: > 0 })
        {
            return $"{name} needs dateTime and timeZone";
        }
        return System.Text.RegularExpressions.Regex.IsMatch(text, @"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$") ? null : $"{name}.dateTime is not a local date and time";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
