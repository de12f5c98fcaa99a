using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Calendars;

/// <summary>
/// An OAuth 2 calendar provider's endpoints and app credentials (<c>Bookwell:Calendars:Google:*</c>,
/// <c>Bookwell:Calendars:Microsoft:*</c>); every URL is configurable so tests use local stand-ins.
/// </summary>
public sealed record OAuthProviderOptions(string Kind, string ClientId, string ClientSecret, string AuthUrl, string TokenUrl, string ApiBase, string Scope,
    IReadOnlyDictionary<string, string> ExtraAuthParameters)
{
    public static OAuthProviderOptions? Google(IConfiguration config) => Read(config, "google", "Google",
        "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token", "https://www.googleapis.com",
        "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy",
        new Dictionary<string, string> { ["access_type"] = "offline", ["prompt"] = "consent" });

    public static OAuthProviderOptions? Microsoft(IConfiguration config) => Read(config, "microsoft", "Microsoft",
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize", "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://graph.microsoft.com", "offline_access Calendars.ReadWrite", new Dictionary<string, string>());

    private static OAuthProviderOptions? Read(IConfiguration config, string kind, string name, string auth, string token, string api, string scope,
        IReadOnlyDictionary<string, string> extra)
    {
        var s = config.GetSection($"Bookwell:Calendars:{name}");
        if (string.IsNullOrWhiteSpace(s["ClientId"]))
        {
            return null;
        }
        return new OAuthProviderOptions(kind, s["ClientId"]!, s["ClientSecret"] ?? "", s["AuthUrl"] ?? auth, s["TokenUrl"] ?? token,
            (s["ApiBase"] ?? api).TrimEnd('/'), s["Scope"] ?? scope, extra);
    }

    /// <summary>The authorization request (RFC 6749 §4.1.1 with PKCE S256, RFC 7636).</summary>
    public string AuthorizeUrl(string redirectUri, string state, string codeChallenge)
    {
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = ClientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = Scope,
            ["state"] = state,
            ["code_challenge"] = codeChallenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (k, v) in ExtraAuthParameters)
        {
            query[k] = v;
        }
        return AuthUrl + (AuthUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") +
               string.Join("&", query.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
    }

    public static string NewVerifier() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Challenge(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Tokens as stored (sealed): access token, refresh token, expiry in Unix seconds.</summary>
public sealed record OAuthTokens(string Access, string? Refresh, long Expires)
{
    public string ToJson() => JsonSerializer.Serialize(new JsonObject { ["access"] = Access, ["refresh"] = Refresh, ["expires"] = Expires });

    public static OAuthTokens? FromJson(string json)
    {
        try
        {
            var o = JsonNode.Parse(json)!.AsObject();
            return new OAuthTokens(o["access"]!.GetValue<string>(), o["refresh"]?.GetValue<string>(), o["expires"]!.GetValue<long>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            return null;
        }
    }
}

/// <summary>
/// The token endpoint (RFC 6749 §4.1.3 and §6): code exchange with the PKCE verifier, and refresh. A refused
/// refresh (<c>invalid_grant</c>: revoked, expired, password changed) breaks the connection for good.
/// </summary>
public sealed class OAuthClient(HttpClient http, IClock clock)
{
    public async Task<OAuthTokens> ExchangeAsync(OAuthProviderOptions o, string code, string verifier, string redirectUri, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(o);
        return await TokenAsync(o, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["client_id"] = o.ClientId,
            ["client_secret"] = o.ClientSecret,
            ["code_verifier"] = verifier,
        }, null, ct);
    }

    private async Task<OAuthTokens> RefreshAsync(OAuthProviderOptions o, string refresh, CancellationToken ct) =>
        await TokenAsync(o, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refresh,
            ["client_id"] = o.ClientId,
            ["client_secret"] = o.ClientSecret,
        }, refresh, ct);

    private async Task<OAuthTokens> TokenAsync(OAuthProviderOptions o, Dictionary<string, string> form, string? oldRefresh, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(o.TokenUrl, new FormUrlEncodedContent(form), ct);
        }
        catch (HttpRequestException)
        {
            throw new FeedException("The sign-in service could not be reached.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FeedException("The sign-in service did not answer in time.");
        }
        using (response)
        {
            JsonObject? body = null;
            try
            {
                body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
            }
            catch (JsonException)
            {
                // judged by the status below
            }
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
            {
                var error = body?["error"]?.GetValue<string>();
                throw new CalendarAuthException(error == "invalid_grant"
                    ? "The calendar access was revoked or has expired (invalid_grant): connect the calendar again."
                    : $"The sign-in service refused the request ({error ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)}): connect the calendar again.");
            }
            if (!response.IsSuccessStatusCode || body?["access_token"]?.GetValue<string>() is not { Length: > 0 } access)
            {
                throw new FeedException($"The sign-in service answered HTTP {(int)response.StatusCode}.");
            }
            var expiresIn = body["expires_in"]?.GetValue<long>() ?? 3600;
            return new OAuthTokens(access, body["refresh_token"]?.GetValue<string>() ?? oldRefresh,
                clock.GetCurrentInstant().ToUnixTimeSeconds() + expiresIn);
        }
    }

    /// <summary>An access token valid for at least another minute, refreshed (and stored back through the connection) when not.</summary>
    public async Task<string> AccessAsync(OAuthProviderOptions o, Connection connection, bool forceRefresh, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var tokens = OAuthTokens.FromJson(connection.Secret) ?? throw new CalendarAuthException("The stored tokens cannot be read: connect the calendar again.");
        if (!forceRefresh && tokens.Expires > clock.GetCurrentInstant().ToUnixTimeSeconds() + 60)
        {
            return tokens.Access;
        }
        if (tokens.Refresh is null)
        {
            throw new CalendarAuthException("The calendar access has expired and cannot be renewed: connect the calendar again.");
        }
        var fresh = await RefreshAsync(o, tokens.Refresh, ct);
        connection.Replace(fresh.ToJson());
        return fresh.Access;
    }

    /// <summary>Sends with the bearer token; a 401 refreshes once and tries again, a second 401 breaks the connection.</summary>
    public async Task<HttpResponseMessage> SendAsync(OAuthProviderOptions o, Connection connection, Func<HttpRequestMessage> make, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await AccessAsync(o, connection, attempt > 0, ct);
            using var request = make();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (HttpRequestException)
            {
                throw new FeedException("The calendar service could not be reached.");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new FeedException("The calendar service did not answer in time.");
            }
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }
            response.Dispose();
            if (attempt > 0)
            {
                throw new CalendarAuthException("The calendar service refused the access token: connect the calendar again.");
            }
        }
    }
}

/// <summary>Helpers shared by the two REST adapters.</summary>
internal static class Rest
{
    public static string Rfc3339(Instant i) => InstantPattern.ExtendedIso.Format(i);

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new FeedException($"The calendar service answered HTTP {(int)response.StatusCode} to {what}.");
        }
        try
        {
            return await response.Content.ReadFromJsonAsync<JsonObject>(ct) ?? throw new FeedException($"The calendar service sent no answer to {what}.");
        }
        catch (JsonException)
        {
            throw new FeedException($"The calendar service's answer to {what} is not valid JSON.");
        }
    }

    public static Instant? ParseInstant(string? text)
    {
        if (text is null)
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? Instant.FromDateTimeOffset(d)
            : null;
    }

    /// <summary>Busy spans with the given intervals taken out (our own events, which freeBusy counts too).</summary>
    public static List<(Instant, Instant)> Subtract(List<(Instant Start, Instant End)> busy, List<(Instant Start, Instant End)> ours)
    {
        var result = new List<(Instant, Instant)>();
        foreach (var b in busy)
        {
            var pieces = new List<(Instant Start, Instant End)> { b };
            foreach (var o in ours)
            {
                pieces = [.. pieces.SelectMany(p => o.End <= p.Start || o.Start >= p.End
                    ? new[] { p }
                    : new[] { (p.Start, o.Start), (o.End, p.End) }.Where(x => x.Item1 < x.Item2))];
            }
            result.AddRange(pieces.Select(p => (p.Start, p.End)));
        }
        result.Sort();
        return result;
    }
}

/// <summary>
/// Google Calendar (REST v3): busy time from <c>POST /calendar/v3/freeBusy</c> on the primary calendar, our
/// events found by their private extended property (<c>GET events?privateExtendedProperty=bookwell=1</c>, with
/// deleted ones) and taken out of it; bookings written with events insert (our own id, so a repeated insert
/// is a 409, not a second event), patch and delete.
/// </summary>
public sealed class GoogleCalendarProvider(OAuthProviderOptions options, OAuthClient oauth) : ICalendarProvider
{
    public const string KindName = "google";

    public CalendarKind Kind => CalendarKind.Google;

    private string Events => $"{options.ApiBase}/calendar/v3/calendars/primary/events";

    public async Task<RemoteRead> ReadAsync(Connection connection, Instant from, Instant to, DateTimeZone zone, OwnEvents ours, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ours);
        var query = new JsonObject { ["timeMin"] = Rest.Rfc3339(from), ["timeMax"] = Rest.Rfc3339(to), ["items"] = new JsonArray(new JsonObject { ["id"] = "primary" }) };
        using var fb = await oauth.SendAsync(options, connection, () => new HttpRequestMessage(HttpMethod.Post, $"{options.ApiBase}/calendar/v3/freeBusy")
        {
            Content = JsonContent.Create(query),
        }, ct);
        var answer = await Rest.JsonAsync(fb, "the free/busy query", ct);
        var primary = answer["calendars"]?["primary"];
        if (primary?["errors"] is JsonArray { Count: > 0 } errors)
        {
            throw new FeedException($"Google could not answer for the calendar ({errors[0]?["reason"]?.GetValue<string>() ?? "error"}).");
        }
        var busy = new List<(Instant, Instant)>();
        foreach (var b in primary?["busy"]?.AsArray() ?? [])
        {
            if (Rest.ParseInstant(b?["start"]?.GetValue<string>()) is { } s && Rest.ParseInstant(b?["end"]?.GetValue<string>()) is { } e && e > s)
            {
                busy.Add((s < from ? from : s, e > to ? to : e));
            }
        }
        var own = new Dictionary<string, string?>(StringComparer.Ordinal);
        var ownTimes = new List<(Instant, Instant)>();
        string? page = null;
        for (var n = 0; n < 50; n++)
        {
            var url = $"{Events}?privateExtendedProperty={Uri.EscapeDataString("bookwell=1")}&timeMin={Uri.EscapeDataString(Rest.Rfc3339(from))}" +
                      $"&timeMax={Uri.EscapeDataString(Rest.Rfc3339(to))}&singleEvents=true&showDeleted=true&maxResults=2500" +
                      (page is null ? "" : $"&pageToken={Uri.EscapeDataString(page)}");
            using var list = await oauth.SendAsync(options, connection, () => new HttpRequestMessage(HttpMethod.Get, url), ct);
            var body = await Rest.JsonAsync(list, "the event list", ct);
            foreach (var item in body["items"]?.AsArray() ?? [])
            {
                var id = item?["id"]?.GetValue<string>();
                if (id is null || !ours.Remotes.Contains(id) || item!["status"]?.GetValue<string>() == "cancelled")
                {
                    continue;
                }
                own[id] = item["etag"]?.GetValue<string>();
                if (Rest.ParseInstant(item["start"]?["dateTime"]?.GetValue<string>()) is { } s && Rest.ParseInstant(item["end"]?["dateTime"]?.GetValue<string>()) is { } e)
                {
                    ownTimes.Add((s, e));
                }
            }
            page = body["nextPageToken"]?.GetValue<string>();
            if (page is null)
            {
                break;
            }
        }
        return new RemoteRead(Rest.Subtract(busy, ownTimes), own);
    }

    private static JsonObject Body(PushEvent e, bool withId)
    {
        var o = new JsonObject
        {
            ["summary"] = e.Summary,
            ["start"] = new JsonObject { ["dateTime"] = Rest.Rfc3339(e.Start), ["timeZone"] = "UTC" },
            ["end"] = new JsonObject { ["dateTime"] = Rest.Rfc3339(e.End), ["timeZone"] = "UTC" },
            ["status"] = e.Tentative ? "tentative" : "confirmed",
            ["transparency"] = "opaque",
            ["sequence"] = e.Sequence,
            ["extendedProperties"] = new JsonObject { ["private"] = new JsonObject { ["bookwell"] = "1", ["booking"] = e.BookingId.ToString() } },
        };
        if (e.Location is not null)
        {
            o["location"] = e.Location;
        }
        if (withId)
        {
            // Event ids are base32hex (a-v, 0-9): a GUID in hex fits and makes a repeated insert a 409.
            o["id"] = e.BookingId.ToString("N");
        }
        return o;
    }

    public async Task<(string Remote, string? ETag, bool Overwrote)> WriteAsync(Connection connection, string? remote, string? etag, PushEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (remote is not null)
        {
            var first = true;
            while (true)
            {
                var ifMatch = first ? etag : null;
                using var patch = await oauth.SendAsync(options, connection, () =>
                {
                    var r = new HttpRequestMessage(HttpMethod.Patch, $"{Events}/{Uri.EscapeDataString(remote)}") { Content = JsonContent.Create(Body(e, false)) };
                    if (ifMatch is not null)
                    {
                        r.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                    }
                    return r;
                }, ct);
                if (patch.StatusCode == HttpStatusCode.PreconditionFailed && first)
                {
                    first = false;
                    continue;
                }
                if (patch.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
                {
                    if (!e.Recreate)
                    {
                        throw new CalendarEventGoneException("The booking's event was deleted in the calendar.");
                    }
                    break;
                }
                var updated = await Rest.JsonAsync(patch, "the event update", ct);
                return (remote, updated["etag"]?.GetValue<string>(), !first);
            }
        }
        using var insert = await oauth.SendAsync(options, connection, () =>
            new HttpRequestMessage(HttpMethod.Post, Events) { Content = JsonContent.Create(Body(e, remote is null)) }, ct);
        if (insert.StatusCode == HttpStatusCode.Conflict)
        {
            // Our id exists already (an insert whose answer was lost): it is ours, so it is updated instead.
            return await WriteAsync(connection, e.BookingId.ToString("N"), null, e, ct);
        }
        var created = await Rest.JsonAsync(insert, "the event insert", ct);
        return (created["id"]?.GetValue<string>() ?? throw new FeedException("Google returned an event without an id."), created["etag"]?.GetValue<string>(),
            remote is not null);
    }

    /// <summary>Google keeps a deleted event for a while with status <c>cancelled</c>: that is gone too.</summary>
    public async Task<bool?> ExistsAsync(Connection connection, string remote, CancellationToken ct)
    {
        using var response = await oauth.SendAsync(options, connection, () => new HttpRequestMessage(HttpMethod.Get, $"{Events}/{Uri.EscapeDataString(remote)}"), ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return false;
        }
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        var ev = await Rest.JsonAsync(response, "the event read", ct);
        return ev["status"]?.GetValue<string>() != "cancelled";
    }

    public async Task DeleteAsync(Connection connection, string remote, string? etag, CancellationToken ct)
    {
        using var response = await oauth.SendAsync(options, connection, () => new HttpRequestMessage(HttpMethod.Delete, $"{Events}/{Uri.EscapeDataString(remote)}"), ct);
        if (!response.IsSuccessStatusCode && response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Gone))
        {
            throw new FeedException($"Google answered HTTP {(int)response.StatusCode} when the booking was removed.");
        }
    }
}

/// <summary>
/// Microsoft 365 through Microsoft Graph: busy time from <c>GET /v1.0/me/calendarView</c> (recurrences expanded
/// by the service, times asked in UTC), events shown as free or cancelled left out, our own known by their id;
/// bookings written with <c>POST /me/events</c> (with a <c>transactionId</c>, so a repeat is not a second event),
/// <c>PATCH</c> and <c>DELETE</c>.
/// </summary>
public sealed class MicrosoftCalendarProvider(OAuthProviderOptions options, OAuthClient oauth) : ICalendarProvider
{
    public const string KindName = "microsoft";

    public CalendarKind Kind => CalendarKind.Microsoft;

    public async Task<RemoteRead> ReadAsync(Connection connection, Instant from, Instant to, DateTimeZone zone, OwnEvents ours, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(zone);
        var busy = new List<(Instant, Instant)>();
        var own = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? url = $"{options.ApiBase}/v1.0/me/calendarView?startDateTime={Uri.EscapeDataString(Rest.Rfc3339(from))}" +
                      $"&endDateTime={Uri.EscapeDataString(Rest.Rfc3339(to))}&$select=id,showAs,isCancelled,isAllDay,start,end&$top=500";
        for (var n = 0; n < 50 && url is not null; n++)
        {
            var current = url;
            using var response = await oauth.SendAsync(options, connection, () =>
            {
                var r = new HttpRequestMessage(HttpMethod.Get, current);
                r.Headers.TryAddWithoutValidation("Prefer", "outlook.timezone=\"UTC\"");
                return r;
            }, ct);
            var body = await Rest.JsonAsync(response, "the calendar view", ct);
            foreach (var item in body["value"]?.AsArray() ?? [])
            {
                var id = item?["id"]?.GetValue<string>();
                if (id is null)
                {
                    continue;
                }
                if (ours.Remotes.Contains(id))
                {
                    // One of ours cancelled there (isCancelled) is gone as far as its booking goes: left out, so the pull asks about it.
                    if (item!["isCancelled"]?.GetValue<bool>() != true)
                    {
                        own[id] = item["@odata.etag"]?.GetValue<string>();
                    }
                    continue;
                }
                if (item!["isCancelled"]?.GetValue<bool>() == true || item["showAs"]?.GetValue<string>() is "free" or "workingElsewhere")
                {
                    continue;
                }
                var s = Time(item["start"], item["isAllDay"]?.GetValue<bool>() == true, zone);
                var e = Time(item["end"], item["isAllDay"]?.GetValue<bool>() == true, zone);
                if (s is { } start && e is { } end && end > start && end > from && start < to)
                {
                    busy.Add((start < from ? from : start, end > to ? to : end));
                }
            }
            url = body["@odata.nextLink"]?.GetValue<string>();
            // Paging links are followed only on the configured service, never to an address the answer names.
            if (url is not null && !url.StartsWith(options.ApiBase + "/", StringComparison.Ordinal))
            {
                throw new FeedException("The calendar view pointed to another address.");
            }
        }
        busy.Sort();
        return new RemoteRead(busy, own);
    }

    /// <summary>A Graph dateTimeTimeZone asked for in UTC; an all-day event's date is a whole local day of the staff member.</summary>
    private static Instant? Time(JsonNode? node, bool allDay, DateTimeZone zone)
    {
        var text = node?["dateTime"]?.GetValue<string>();
        if (text is null || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d))
        {
            return null;
        }
        return allDay ? zone.AtStartOfDay(new LocalDate(d.Year, d.Month, d.Day)).ToInstant() : Instant.FromDateTimeUtc(DateTime.SpecifyKind(d, DateTimeKind.Utc));
    }

    private static JsonObject Body(PushEvent e, bool create)
    {
        var o = new JsonObject
        {
            ["subject"] = e.Summary,
            ["start"] = new JsonObject { ["dateTime"] = e.Start.ToDateTimeUtc().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), ["timeZone"] = "UTC" },
            ["end"] = new JsonObject { ["dateTime"] = e.End.ToDateTimeUtc().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), ["timeZone"] = "UTC" },
            ["showAs"] = e.Tentative ? "tentative" : "busy",
        };
        if (e.Location is not null)
        {
            o["location"] = new JsonObject { ["displayName"] = e.Location };
        }
        if (create)
        {
            o["transactionId"] = e.BookingId.ToString();
        }
        return o;
    }

    public async Task<(string Remote, string? ETag, bool Overwrote)> WriteAsync(Connection connection, string? remote, string? etag, PushEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (remote is not null)
        {
            var first = true;
            while (true)
            {
                var ifMatch = first ? etag : null;
                using var patch = await oauth.SendAsync(options, connection, () =>
                {
                    var r = new HttpRequestMessage(HttpMethod.Patch, $"{options.ApiBase}/v1.0/me/events/{Uri.EscapeDataString(remote)}") { Content = JsonContent.Create(Body(e, false)) };
                    if (ifMatch is not null)
                    {
                        r.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                    }
                    return r;
                }, ct);
                if (patch.StatusCode == HttpStatusCode.PreconditionFailed && first)
                {
                    first = false;
                    continue;
                }
                if (patch.StatusCode == HttpStatusCode.NotFound)
                {
                    if (!e.Recreate)
                    {
                        throw new CalendarEventGoneException("The booking's event was deleted in the calendar.");
                    }
                    break;
                }
                var updated = await Rest.JsonAsync(patch, "the event update", ct);
                return (remote, updated["@odata.etag"]?.GetValue<string>(), !first);
            }
        }
        using var create = await oauth.SendAsync(options, connection, () =>
            new HttpRequestMessage(HttpMethod.Post, $"{options.ApiBase}/v1.0/me/events") { Content = JsonContent.Create(Body(e, true)) }, ct);
        var created = await Rest.JsonAsync(create, "the event creation", ct);
        return (created["id"]?.GetValue<string>() ?? throw new FeedException("Microsoft 365 returned an event without an id."),
            created["@odata.etag"]?.GetValue<string>(), remote is not null);
    }

    /// <summary>Graph answers 404 for a deleted event; a cancelled meeting stays, marked <c>isCancelled</c>: gone too.</summary>
    public async Task<bool?> ExistsAsync(Connection connection, string remote, CancellationToken ct)
    {
        using var response = await oauth.SendAsync(options, connection,
            () => new HttpRequestMessage(HttpMethod.Get, $"{options.ApiBase}/v1.0/me/events/{Uri.EscapeDataString(remote)}?$select=id,isCancelled"), ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return false;
        }
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        var ev = await Rest.JsonAsync(response, "the event read", ct);
        return ev["isCancelled"]?.GetValue<bool>() != true;
    }

    public async Task DeleteAsync(Connection connection, string remote, string? etag, CancellationToken ct)
    {
        using var response = await oauth.SendAsync(options, connection,
            () => new HttpRequestMessage(HttpMethod.Delete, $"{options.ApiBase}/v1.0/me/events/{Uri.EscapeDataString(remote)}"), ct);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
        {
            throw new FeedException($"Microsoft 365 answered HTTP {(int)response.StatusCode} when the booking was removed.");
        }
    }
}

/// <summary>Which OAuth calendar providers this install has app credentials for.</summary>
public sealed record OAuthCalendarSettings(OAuthProviderOptions? Google, OAuthProviderOptions? Microsoft)
{
    public OAuthProviderOptions? For(string? kind) => kind switch
    {
        GoogleCalendarProvider.KindName => Google,
        MicrosoftCalendarProvider.KindName => Microsoft,
        _ => null,
    };
}
