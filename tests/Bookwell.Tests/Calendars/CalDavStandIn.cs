using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bookwell.Tests.Calendars;

/// <summary>
/// A CalDAV server on loopback that keeps to RFC 4791 and RFC 9110's conditional requests where Radicale is lenient:
/// Basic authentication (401 otherwise); calendar object resources with a new strong ETag on every write; <c>PUT</c> with
/// <c>If-None-Match: *</c> refused with 412 when the resource exists, <c>PUT</c> and <c>DELETE</c> with <c>If-Match</c>
/// refused with 412 when the resource is missing or has another ETag; <c>GET</c>; and <c>REPORT calendar-query</c> with a
/// time range (a 207 multistatus with each overlapping resource's ETag and data). It records every request's method, path
/// and precondition headers. A test can change or delete a resource as another calendar app would, and can make every
/// write lose a race with such an edit (<see cref="EditBeforeEachPut"/>).
/// </summary>
public sealed class CalDavStandIn : IAsyncDisposable
{
    public const string User = "anna";
    public const string Password = "stand-in-pass";

    private static readonly XNamespace Dav = "DAV:";
    private static readonly XNamespace Cal = "urn:ietf:params:xml:ns:caldav";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Body, string ETag)> _resources = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private int _version;

    /// <summary>A request as it arrived, with the answer given.</summary>
    public sealed record Seen(string Method, string Path, string? IfMatch, string? IfNoneMatch, int Status);

    public ConcurrentQueue<Seen> Requests { get; } = new();

    /// <summary>Someone saves the event in their calendar app just before each of our writes lands, so its If-Match never matches.</summary>
    public bool EditBeforeEachPut { get; set; }

    /// <summary>
    /// How many of the next writes (PUT, DELETE) are done and then lost on the way back: the connection is reset without any
    /// answer, as a busy small server does. A reset, not a close: the HTTP client itself silently sends a bodiless request
    /// (DELETE) again when a connection merely closes, which would hide the drop from the app.
    /// </summary>
    public int DropAnswerOfNextWrites { get => Volatile.Read(ref _dropWrites); set => Volatile.Write(ref _dropWrites, value); }

    /// <summary>How many of the next PUTs are lost before they are carried out (the server reset the connection first).</summary>
    public int DropNextPutsUnwritten { get => Volatile.Read(ref _dropUnwritten); set => Volatile.Write(ref _dropUnwritten, value); }

    private int _dropWrites;
    private int _dropUnwritten;

    /// <summary>Every GET of an event is answered 503 (the server is overloaded), until switched off.</summary>
    public bool ReadsUnavailable { get; set; }

    private CalDavStandIn(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<CalDavStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new CalDavStandIn(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    private string NextETag() => $"\"v{Interlocked.Increment(ref _version)}\"";

    /// <summary>The resource's body and ETag, or null when it is not there.</summary>
    public (string Body, string ETag)? Get(string path) => _resources.TryGetValue(path, out var r) ? r : null;

    /// <summary>Another calendar app writes the resource (a new ETag).</summary>
    public void Write(string path, string ics) => _resources[path] = (ics, NextETag());

    /// <summary>Another calendar app deletes the resource.</summary>
    public void Remove(string path) => _resources.TryRemove(path, out _);

    public IEnumerable<string> Paths => _resources.Keys;

    private async Task HandleAsync(HttpContext c)
    {
        var path = c.Request.Path.Value ?? "";
        var ifMatch = c.Request.Headers.IfMatch.Count > 0 ? c.Request.Headers.IfMatch.ToString() : null;
        var ifNoneMatch = c.Request.Headers.IfNoneMatch.Count > 0 ? c.Request.Headers.IfNoneMatch.ToString() : null;
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        if (c.Request.Headers.Authorization.ToString() != expected)
        {
            c.Response.Headers.WWWAuthenticate = "Basic realm=\"stand-in\"";
            Answer(c, 401, path, ifMatch, ifNoneMatch);
            return;
        }
        switch (c.Request.Method)
        {
            case "PUT":
                {
                    var body = await new StreamReader(c.Request.Body, Encoding.UTF8).ReadToEndAsync();
                    lock (_lock)
                    {
                        if (_dropUnwritten > 0)
                        {
                            _dropUnwritten--;
                            Reset(c, path, ifMatch, ifNoneMatch);
                            return;
                        }
                        if (EditBeforeEachPut && _resources.TryGetValue(path, out var edited))
                        {
                            _resources[path] = (edited.Body, NextETag());
                        }
                        var exists = _resources.TryGetValue(path, out var current);
                        if ((ifNoneMatch == "*" && exists) || (ifMatch is not null && (!exists || ifMatch != current.ETag)))
                        {
                            Answer(c, 412, path, ifMatch, ifNoneMatch);
                            return;
                        }
                        var etag = NextETag();
                        _resources[path] = (body, etag);
                        if (DroppedAnswer(c, path, ifMatch, ifNoneMatch))
                        {
                            return;
                        }
                        c.Response.Headers.ETag = etag;
                        Answer(c, exists ? 204 : 201, path, ifMatch, ifNoneMatch);
                    }
                    return;
                }
            case "GET":
                {
                    if (ReadsUnavailable)
                    {
                        Answer(c, 503, path, ifMatch, ifNoneMatch);
                        return;
                    }
                    if (!_resources.TryGetValue(path, out var r))
                    {
                        Answer(c, 404, path, ifMatch, ifNoneMatch);
                        return;
                    }
                    c.Response.Headers.ETag = r.ETag;
                    c.Response.ContentType = "text/calendar; charset=utf-8";
                    Answer(c, 200, path, ifMatch, ifNoneMatch);
                    await c.Response.WriteAsync(r.Body);
                    return;
                }
            case "DELETE":
                {
                    lock (_lock)
                    {
                        var exists = _resources.TryGetValue(path, out var current);
                        if (ifMatch is not null && (!exists || ifMatch != current.ETag))
                        {
                            Answer(c, 412, path, ifMatch, ifNoneMatch);
                            return;
                        }
                        if (!exists)
                        {
                            Answer(c, 404, path, ifMatch, ifNoneMatch);
                            return;
                        }
                        _resources.TryRemove(path, out _);
                        if (DroppedAnswer(c, path, ifMatch, ifNoneMatch))
                        {
                            return;
                        }
                        Answer(c, 204, path, ifMatch, ifNoneMatch);
                    }
                    return;
                }
            case "REPORT":
                await ReportAsync(c, path);
                return;
            default:
                Answer(c, 405, path, ifMatch, ifNoneMatch);
                return;
        }
    }

    /// <summary>Closes the connection without an answer (recorded as status 0) when a dropped write is due.</summary>
    private bool DroppedAnswer(HttpContext c, string path, string? ifMatch, string? ifNoneMatch)
    {
        if (_dropWrites <= 0)
        {
            return false;
        }
        _dropWrites--;
        Reset(c, path, ifMatch, ifNoneMatch);
        return true;
    }

    /// <summary>Resets the connection (no answer at all; recorded as status 0).</summary>
    private void Reset(HttpContext c, string path, string? ifMatch, string? ifNoneMatch)
    {
        Requests.Enqueue(new Seen(c.Request.Method, path, ifMatch, ifNoneMatch, 0));
        if (c.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        }
        c.Abort();
    }

    private void Answer(HttpContext c, int status, string path, string? ifMatch, string? ifNoneMatch)
    {
        c.Response.StatusCode = status;
        Requests.Enqueue(new Seen(c.Request.Method, path, ifMatch, ifNoneMatch, status));
    }

    /// <summary>A calendar-query with a VEVENT time range: every resource of the collection whose event overlaps it.</summary>
    private async Task ReportAsync(HttpContext c, string collection)
    {
        var query = XDocument.Parse(await new StreamReader(c.Request.Body, Encoding.UTF8).ReadToEndAsync());
        var range = query.Descendants(Cal + "time-range").Single();
        var from = Stamp(range.Attribute("start")!.Value);
        var to = Stamp(range.Attribute("end")!.Value);
        var multistatus = new XElement(Dav + "multistatus", new XAttribute(XNamespace.Xmlns + "D", Dav), new XAttribute(XNamespace.Xmlns + "C", Cal));
        foreach (var (path, (body, etag)) in _resources.Where(r => r.Key.StartsWith(collection, StringComparison.Ordinal)).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var ev = Ical.Net.Calendar.Load(body)!.Events.Single();
            if (ev.DtStart!.AsUtc >= to || ev.DtEnd!.AsUtc <= from)
            {
                continue;
            }
            multistatus.Add(new XElement(Dav + "response",
                new XElement(Dav + "href", path),
                new XElement(Dav + "propstat",
                    new XElement(Dav + "prop", new XElement(Dav + "getetag", etag), new XElement(Cal + "calendar-data", body)),
                    new XElement(Dav + "status", "HTTP/1.1 200 OK"))));
        }
        Answer(c, 207, collection, null, null);
        c.Response.ContentType = "application/xml; charset=utf-8";
        await c.Response.WriteAsync(new XDocument(multistatus).ToString(SaveOptions.DisableFormatting));
    }

    private static DateTime Stamp(string text) =>
        DateTime.ParseExact(text, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>One event as a calendar app writes it.</summary>
    public static string Event(string uid, string start, string end, string summary = "Dentist") => string.Join("\r\n",
    [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//StandIn//EN",
        "BEGIN:VEVENT", $"UID:{uid}", "DTSTAMP:20270101T000000Z", $"SUMMARY:{summary}", $"DTSTART:{start}", $"DTEND:{end}", "END:VEVENT",
        "END:VCALENDAR", "",
    ]);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
