using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests;

/// <summary>
/// Walks the app's own endpoint table (so a new route is covered without editing this test) and sends each
/// route hostile route values, query values, form fields and JSON bodies, as the bootstrap admin and as an
/// anonymous visitor. Bad input must get a 4xx (or a page that shrugs it off), never a 5xx. One server for
/// the whole walk, on each database: PostgreSQL refuses what SQLite stores (a NUL character, text longer than
/// its column), so input that reaches the database is judged on both.
/// </summary>
public abstract class HostileInputTests : IAsyncLifetime
{
    protected abstract Db Kind { get; }

    private BookwellApp _app = null!;
    private string _bookingId = "";
    private string _manageToken = "";

    /// <summary>Text values that have broken parsers and date arithmetic before.</summary>
    private static readonly string[] Texts =
    [
        "", "-1", "2147483648", "99999999999999999999999999", "9999-12-31", "0001-01-01", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
        "2027-02-30", "24:00", "Not/AZone", "00000000-0000-0000-0000-000000000000", new string('a', 5000), "\u0000", "🙂", "'; drop table x; --",
    ];

    /// <summary>Route values: the same ideas, but they must survive being a path segment.</summary>
    private static readonly string[] Segments =
    [
        "x", "-1", "99999999999999999999", "00000000-0000-0000-0000-000000000000", new string('a', 3000), "%01", "%FF%FE", "%2e%2e", "%F0%9F%99%82", "9999-12-31",
    ];

    /// <summary>JSON values put in place of each property of a valid body.</summary>
    private static readonly string[] JsonValues =
    [
        "null", "true", "-1", "1e308", "123456789012345678901234567890", "\"\"", $"\"{new string('x', 20000)}\"", "\"9999-12-31T23:59:59-14:00\"",
        "\"0001-01-01T00:00:00+14:00\"", "\"\\u0000\\ud800\"", "[]", "{}", "[null]",
    ];

    /// <summary>Whole bodies that are not what any endpoint expects.</summary>
    private static readonly string[] RawBodies =
    [
        "", "null", "[]", "{}", "{", "\"text\"", "123", "1e999", "[null]", "{\"a\":", new string('[', 2000) + new string(']', 2000),
        "{\"start\": \"9999-12-31T23:59:59-14:00\"}", "{\"start\": \"0001-01-01T00:00:00+14:00\"}", "{\"status\": null}", "{\"pages\": [null]}",
        "\uFEFF{}", "{\"a\":1,\"a\":2}",
    ];

    public async Task InitializeAsync()
    {
        _app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
            s["Bookwell:RateLimits:AccountsPerMinute"] = "0";
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(_app.Admin(), Config())).StatusCode);
        var booked = await Body(await Book(_app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", staff: "anna")));
        _bookingId = booked["id"]!.GetValue<string>();
        _manageToken = booked["manageToken"]!.GetValue<string>();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <param name="Keys">Each query key or form field, with the type it is bound to.</param>
    private sealed record Target(string Pattern, string Method, IReadOnlyList<string> RouteParameters, IReadOnlyList<(string Name, Type Type)> Keys, string? Handler,
        bool IsApi, bool HasJsonBody);

    private sealed record Attempt(string Method, string Url, HttpContent? Content, bool Form, int Order, string Group);

    [Fact]
    public async Task EveryEndpoint_AnswersHostileInputWithoutA5xx()
    {
        var owner = WebSession.For(_app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Alice Owner"), ("Email", "owner@a.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        owner.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BookwellApp.AdminKey);
        var anonymous = WebSession.For(_app);

        var targets = await TargetsAsync();
        Assert.Contains(targets, t => t.Pattern == "api/v1/pages/{slug}/bookings" && t.HasJsonBody);
        Assert.Contains(targets, t => t.Pattern == "book/{slug}" && t.Method == "POST");
        Assert.Contains(targets, t => t.Pattern == "admin/calendar" && t.Keys.Any(k => k.Name == "date"));

        // The server's own account of each 5xx, so a failure names the exception and where it was thrown.
        var thrown = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var subscription = _app.Services.GetRequiredService<System.Diagnostics.DiagnosticListener>().Subscribe(new Observer(e =>
        {
            if (e.Key.Contains("Exception", StringComparison.Ordinal) && e.Value?.GetType().GetProperty("exception")?.GetValue(e.Value) is Exception ex)
            {
                thrown.Enqueue(ex);
            }
        }));
        var failures = new List<(string Group, string Example)>();
        var count = 0;
        foreach (var (session, who) in new[] { (owner, "admin"), (anonymous, "anonymous") })
        {
            var token = await AntiforgeryAsync(session, who == "admin" ? "/admin/account" : "/admin/login");
            // Requests that end a session or a booking go last, so everything else runs with both intact.
            var gated = new HashSet<string>(StringComparer.Ordinal);
            foreach (var attempt in targets.SelectMany(t => Attempts(t, token)).OrderBy(a => a.Order))
            {
                if (gated.Contains(attempt.Group))
                {
                    continue;
                }
                using var request = new HttpRequestMessage(new HttpMethod(attempt.Method), attempt.Url) { Content = attempt.Content };
                thrown.Clear();
                using var response = await session.Client.SendAsync(request);
                count++;
                var location = response.Headers.Location?.OriginalString ?? "";
                if (who == "anonymous" && (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ||
                    (response.StatusCode == HttpStatusCode.Redirect && (location.Contains("/admin/login", StringComparison.Ordinal) || location.Contains("/staff/login", StringComparison.Ordinal)))))
                {
                    // Refused before any input is read: the admin pass covers what lies behind.
                    gated.Add(attempt.Group);
                }
                if ((int)response.StatusCode >= 500)
                {
                    var body = string.Join(" | ", thrown.Select(x => $"{x.GetType().Name}: {x.Message} {x.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Bookwell", StringComparison.Ordinal))?.Trim()}"));
                    failures.Add(($"{who} {attempt.Group}", $"{attempt.Method} {Clip(attempt.Url)} {(attempt.Content is null ? "" : Clip(await attempt.Content.ReadAsStringAsync()))} → {(int)response.StatusCode} {Clip(body)}"));
                }
                if (attempt.Url.StartsWith("/api/v1/admin/config", StringComparison.Ordinal) || attempt.Url.StartsWith("/admin/setup", StringComparison.Ordinal))
                {
                    // A hostile value can still make a valid document (an empty page list); the next request needs the page back.
                    if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Redirect)
                    {
                        await PutConfig(_app.Admin(), Config());
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} requests answered 5xx:\n" +
            string.Join('\n', failures.GroupBy(f => f.Group).Select(g => $"{g.Key} ×{g.Count()}: {g.First().Example}")));
        Assert.True(count > 2000, $"only {count} requests were made");
        // The walk kept its footing: the page and the admin's session are still there, so later requests were not all 404s.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.Client.GetAsync("/api/v1/pages/salon")).StatusCode);
    }

    private async Task<List<Target>> TargetsAsync()
    {
        var loader = _app.Services.GetRequiredService<PageLoader>();
        var targets = new List<Target>();
        foreach (var endpoint in _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText!.TrimStart('/');
            var routeParameters = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
            var isApi = pattern.StartsWith("api/", StringComparison.Ordinal);
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } descriptor)
            {
                var page = await loader.LoadAsync(descriptor, endpoint.Metadata);
                var bound = page.BoundProperties.SelectMany(p => KeysOf(p.BindingInfo?.BinderModelName ?? p.Name, p.ParameterType)).ToList();
                // Only what a client can call: filter hooks on the model show up as handlers named after no HTTP method.
                foreach (var handler in page.HandlerMethods.Where(h => h.HttpMethod is "Get" or "Post"))
                {
                    var keys = handler.Parameters.Where(p => !routeParameters.Contains(p.Name)).SelectMany(p => KeysOf(p.BindingInfo?.BinderModelName ?? p.Name, p.ParameterType))
                        .Concat(bound).DistinctBy(k => k.Name).ToList();
                    targets.Add(new Target(pattern, handler.HttpMethod.ToUpperInvariant(), routeParameters, keys, handler.Name, false, false));
                }
                continue;
            }
            var method = endpoint.Metadata.GetMetadata<MethodInfo>();
            var queryKeys = method?.GetParameters().Where(p => !routeParameters.Contains(p.Name!) && IsSimple(p.ParameterType)).Select(p => (p.Name!, p.ParameterType)).ToList() ?? [];
            foreach (var m in methods)
            {
                targets.Add(new Target(pattern, m, routeParameters, queryKeys, null, isApi, m is "POST" or "PUT" or "PATCH"));
            }
        }
        return targets;
    }

    private static IEnumerable<(string Name, Type Type)> KeysOf(string name, Type type)
    {
        if (IsSimple(type))
        {
            return [(name, type)];
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var value = type.GetGenericArguments()[1];
            return [($"{name}[hairLength]", value), ($"{name}[x]", value)];
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var item = type.GetGenericArguments()[0];
            return [(name, item), ($"{name}[0]", item)];
        }
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && IsSimple(p.PropertyType)).Select(p => ($"{name}.{p.Name}", p.PropertyType));
    }

    /// <summary>
    /// The texts sent to a key bound to <paramref name="type"/>. A text that a number, bool, Guid or enum cannot be made
    /// from reaches the code behind the binder only as the type's default (or an invalid model state) with the raw text
    /// kept for the error and the echo of the form: every plain text the type refuses takes that one path, so of those
    /// only the ones that can trip the echo or the error are sent (empty, NUL, an emoji, 5,000 characters, quotes).
    /// Every text the type accepts (in English or Dutch) is sent: each is a distinct value for the code behind.
    /// </summary>
    private static IReadOnlyList<string> TextsFor(Type type) => TextsByType.GetOrAdd(Nullable.GetUnderlyingType(type) ?? type, t =>
    {
        if (t == typeof(string) || !IsSimple(t))
        {
            return Texts;
        }
        var converter = System.ComponentModel.TypeDescriptor.GetConverter(t);
        return Texts.Where(text => RefusedTextsKept.Contains(text) || Converts(converter, text)).ToList();
    });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, IReadOnlyList<string>> TextsByType = new();

    private static readonly HashSet<string> RefusedTextsKept = ["", "\u0000", "🙂", new string('a', 5000), "'; drop table x; --"];

    private static readonly System.Globalization.CultureInfo[] Cultures = [System.Globalization.CultureInfo.InvariantCulture, new("nl-NL")];

    private static bool Converts(System.ComponentModel.TypeConverter converter, string text) => Cultures.Any(culture =>
    {
        try
        {
            return converter.ConvertFromString(null, culture, text) is not null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException or InvalidCastException)
        {
            return false;
        }
    });

    private static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(string) || t.IsPrimitive || t == typeof(Guid) || t == typeof(decimal) || t.IsEnum;
    }

    /// <summary>A value that gets past the first checks, so a hostile value in another place reaches deeper code.</summary>
    private string Valid(string key) => key.ToUpperInvariant() switch
    {
        "SLUG" or "SITE" or "PAGE" or "PAGESLUG" => Slug,
        "SERVICE" => "haircut",
        "STAFF" => "anna",
        "ID" => _bookingId,
        "TOKEN" => _manageToken,
        "SECTION" => "services",
        "ITEM" => "haircut",
        "FROM" or "DATE" => "2027-03-02",
        "TO" => "2027-03-05",
        "TIME" => "10:00",
        "START" => "2027-03-02T11:00:00+01:00",
        "TZ" or "TIMEZONE" => "Europe/Amsterdam",
        "EMAIL" => "fuzz@client.test",
        "NAME" => "Fuzz",
        "STATUS" => "confirmed",
        "RESCHEDULE" => "1",
        _ => "x",
    };

    private IEnumerable<Attempt> Attempts(Target t, string antiforgery)
    {
        var order = Regex.IsMatch(t.Pattern + t.Handler, "logout|Logout|cancel|Cancel|Disable|Remove|Revoke", RegexOptions.None, TimeSpan.FromSeconds(1)) ? 1 : 0;
        string Path(string? hostileParameter, string? segment) => "/" + Regex.Replace(t.Pattern, @"\{(\*?)([^}:?]+)[^}]*\}", m =>
            m.Groups[2].Value == hostileParameter ? segment! : Uri.EscapeDataString(Valid(m.Groups[2].Value)), RegexOptions.None, TimeSpan.FromSeconds(1));
        var handler = t.Handler is null ? "" : $"handler={t.Handler}";
        var group = $"{t.Method} {t.Pattern} {t.Handler}";
        var valid = t.Keys.ToDictionary(k => k.Name, k => Valid(k.Name));

        HttpContent? FormOf(IEnumerable<KeyValuePair<string, string>> fields) =>
            new FormUrlEncodedContent(fields.Append(KeyValuePair.Create("__RequestVerificationToken", antiforgery)));

        string Query(IEnumerable<KeyValuePair<string, string>> values) =>
            string.Join('&', new[] { handler }.Concat(values.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={EscapeLenient(kv.Value)}")).Where(x => x.Length > 0));

        Attempt Make(string path, IEnumerable<KeyValuePair<string, string>> values, HttpContent? json = null)
        {
            if (t.Method == "GET" || t.IsApi)
            {
                var q = Query(values);
                return new Attempt(t.Method, q.Length == 0 ? path : $"{path}?{q}", json, false, order, group);
            }
            return new Attempt(t.Method, handler.Length == 0 ? path : $"{path}?{handler}", FormOf(values), true, order, group);
        }

        // Route values.
        foreach (var parameter in t.RouteParameters)
        {
            foreach (var segment in Segments)
            {
                yield return Make(Path(parameter, segment), valid, t.HasJsonBody ? Raw("{}") : null);
            }
        }
        var path = Path(null, null);
        // Query values (or form fields for page posts): one hostile value at a time, the others valid.
        foreach (var (key, type) in t.Keys)
        {
            foreach (var text in TextsFor(type))
            {
                yield return Make(path, valid.Select(kv => kv.Key == key ? KeyValuePair.Create(kv.Key, text) : kv), t.HasJsonBody ? BaseBody(t) : null);
            }
        }
        if (!t.HasJsonBody)
        {
            yield break;
        }
        foreach (var raw in RawBodies)
        {
            yield return Make(path, valid, Raw(raw));
        }
        yield return new Attempt(t.Method, path, new StringContent("{}", Encoding.UTF8, "text/plain"), false, order, group);
        var template = BaseJson(t);
        // The configuration document has many more places than a booking; a shorter list keeps the walk quick.
        var values = t.Pattern == "api/v1/admin/config" ? JsonValues.Where((_, i) => i is 0 or 1 or 2 or 3 or 5 or 6 or 11 or 12).ToArray() : JsonValues;
        foreach (var location in Locations(template, ""))
        {
            foreach (var value in values)
            {
                // Spliced in as text: some of these values are JSON no parser would hand back.
                var copy = template.DeepClone();
                Replace(copy, location, JsonValue.Create(Placeholder));
                yield return Make(path, valid, Raw(copy.ToJsonString().Replace($"\"{Placeholder}\"", value, StringComparison.Ordinal)));
            }
        }
    }

    private static string EscapeLenient(string value)
    {
        try
        {
            return Uri.EscapeDataString(value);
        }
        catch (UriFormatException)
        {
            return "%FF";
        }
    }

    private HttpContent BaseBody(Target t) => Raw(BaseJson(t).ToJsonString());

    private JsonNode BaseJson(Target t) => t.Pattern switch
    {
        "api/v1/admin/config" => Config(),
        _ when t.Pattern.EndsWith("/reschedule", StringComparison.Ordinal) => new JsonObject { ["start"] = "2027-03-03T10:00:00+01:00" },
        _ when t.Pattern.EndsWith("/status", StringComparison.Ordinal) => new JsonObject { ["status"] = "confirmed" },
        "api/v1/admin/bookings" => Booking("2027-03-04T10:00:00+01:00", staff: "anna").Also(b => { b["page"] = Slug; b["walkIn"] = false; b["resources"] = new JsonArray("chair-1"); }),
        _ when t.Pattern.EndsWith("/bookings", StringComparison.Ordinal) => Booking("2027-03-04T11:00:00+01:00").Also(b => b["location"] = new JsonObject { ["address"] = "x", ["latitude"] = 1, ["longitude"] = 2 }),
        _ => new JsonObject(),
    };

    private const string Placeholder = "__hostile__";

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Every place in a document, as a path of property names and indexes; only the first item of each list, which stands for the rest.</summary>
    private static IEnumerable<string> Locations(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    var p = path.Length == 0 ? key : $"{path}.{key}";
                    yield return p;
                    foreach (var deeper in Locations(child, p))
                    {
                        yield return deeper;
                    }
                }
                break;
            case JsonArray { Count: > 0 } a:
                yield return $"{path}[0]";
                foreach (var deeper in Locations(a[0], $"{path}[0]"))
                {
                    yield return deeper;
                }
                break;
        }
    }

    private static void Replace(JsonNode root, string location, JsonNode? value)
    {
        var parts = Regex.Split(location.Replace("[", ".[", StringComparison.Ordinal), @"\.", RegexOptions.None, TimeSpan.FromSeconds(1)).Where(p => p.Length > 0).ToList();
        var node = root;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            node = parts[i].StartsWith('[') ? node![int.Parse(parts[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)] : node![parts[i]];
        }
        var last = parts[^1];
        if (last.StartsWith('['))
        {
            node!.AsArray()[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            node!.AsObject()[last] = value;
        }
    }

    private static async Task<string> AntiforgeryAsync(WebSession session, string path)
    {
        var html = await session.GetAsync(path);
        var m = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"", RegexOptions.None, TimeSpan.FromSeconds(1));
        Assert.True(m.Success, $"no antiforgery token on {path}");
        return WebUtility.HtmlDecode(m.Groups[1].Value);
    }

    private sealed class Observer(Action<KeyValuePair<string, object?>> onNext) : IObserver<KeyValuePair<string, object?>>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(KeyValuePair<string, object?> value) => onNext(value);
    }

    private static string Clip(string s) => s.Length > 300 ? s[..300] + "…" : s;
}

public sealed class SqliteHostileInputTests : HostileInputTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresHostileInputTests : HostileInputTests
{
    protected override Db Kind => Db.Postgres;
}
