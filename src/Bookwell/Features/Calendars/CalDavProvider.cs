using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Bookwell.Features.Bookings;
using Ical.Net;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Two-way sync with a CalDAV calendar collection (RFC 4791; Nextcloud, Radicale, Fastmail, iCloud with an
/// app-specific password). Busy time is read with one <c>REPORT calendar-query</c> over a time range and the
/// events are expanded here (RRULE, EXDATE, overrides, each in its TZID) by <see cref="BusyExpander"/>.
/// Bookings are written as <c>{collection}/{booking id}.ics</c>: created with <c>If-None-Match: *</c>,
/// replaced with <c>If-Match</c> and the ETag last seen, deleted on cancellation. Every request goes through
/// the guarded client of <see cref="FeedFetcher"/> (no private addresses unless allowed, no redirects).
/// </summary>
public sealed class CalDavProvider(FeedFetcher fetcher) : ICalendarProvider
{
    public const string KindName = "caldav";

    private static readonly XNamespace Dav = "DAV:";
    private static readonly XNamespace Cal = "urn:ietf:params:xml:ns:caldav";

    public CalendarKind Kind => CalendarKind.CalDav;

    /// <summary>Why a collection address cannot be used, or null (the connect-time check; the connect callback is the real guard).</summary>
    public static string? Problem(string? url, bool allowPrivateAddresses)
    {
        if (BusySourceRules.Problem(url, allowPrivateAddresses) is { } problem)
        {
            return problem.Replace("an iCalendar (.ics) feed", "a CalDAV calendar", StringComparison.Ordinal)
                .Replace("cannot be busy sources", "cannot be calendar connections", StringComparison.Ordinal);
        }
        return null;
    }

    /// <summary>The collection address with exactly one trailing slash.</summary>
    public static string Collection(string url) => url.TrimEnd('/') + "/";

    public async Task<RemoteRead> ReadAsync(Connection connection, Instant from, Instant to, DateTimeZone zone, OwnEvents ours, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(ours);
        var collection = new Uri(Collection(connection.Source.Url));
        var body = new XDocument(new XElement(Cal + "calendar-query",
            new XAttribute(XNamespace.Xmlns + "D", Dav), new XAttribute(XNamespace.Xmlns + "C", Cal),
            new XElement(Dav + "prop", new XElement(Dav + "getetag"), new XElement(Cal + "calendar-data")),
            new XElement(Cal + "filter", new XElement(Cal + "comp-filter", new XAttribute("name", "VCALENDAR"),
                new XElement(Cal + "comp-filter", new XAttribute("name", "VEVENT"),
                    new XElement(Cal + "time-range", new XAttribute("start", Stamp(from)), new XAttribute("end", Stamp(to))))))));
        var query = body.Declaration + body.ToString(SaveOptions.DisableFormatting);
        var text = await SendAgainOnceAsync(() =>
        {
            var request = Request(connection, new HttpMethod("REPORT"), collection);
            request.Headers.Add("Depth", "1");
            request.Content = new StringContent(query, Encoding.UTF8, "application/xml");
            return request;
        }, ct, async (response, limited) =>
        {
            if (response.StatusCode != HttpStatusCode.MultiStatus)
            {
                throw new FeedException($"The calendar answered HTTP {(int)response.StatusCode} to the calendar query.");
            }
            return await fetcher.ReadLimitedAsync(response, limited);
        });
        XDocument doc;
        try
        {
            doc = XDocument.Parse(text, LoadOptions.None);
        }
        catch (XmlException)
        {
            throw new FeedException("The calendar's answer to the calendar query is not valid XML.");
        }
        var busy = new List<(Instant, Instant)>();
        var own = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var response in doc.Descendants(Dav + "response"))
        {
            var href = Path(collection, response.Element(Dav + "href")?.Value);
            var ok = response.Elements(Dav + "propstat").FirstOrDefault(p => p.Element(Dav + "status")?.Value.Contains(" 200", StringComparison.Ordinal) == true);
            var data = ok?.Descendants(Cal + "calendar-data").FirstOrDefault()?.Value;
            if (href is null || string.IsNullOrWhiteSpace(data))
            {
                continue;
            }
            var etag = ok!.Descendants(Dav + "getetag").FirstOrDefault()?.Value;
            if (ours.Remotes.Contains(href) || Uids(data).Any(ours.Uids.Contains))
            {
                own[href] = etag;
                continue;
            }
            busy.AddRange(BusyExpander.Expand(data, from, to, zone));
            if (busy.Count > BusyExpander.MaxSpans)
            {
                throw new FeedException($"The calendar has more than {BusyExpander.MaxSpans} busy times in the coming period.");
            }
        }
        busy.Sort();
        return new RemoteRead(busy, own);
    }

    private static IEnumerable<string> Uids(string data)
    {
        foreach (var line in data.Split('\n'))
        {
            if (line.StartsWith("UID:", StringComparison.OrdinalIgnoreCase))
            {
                yield return line[4..].Trim();
            }
        }
    }

    public async Task<(string Remote, string? ETag, bool Overwrote)> WriteAsync(Connection connection, string? remote, string? etag, PushEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(e);
        var collection = new Uri(Collection(connection.Source.Url));
        var target = remote is null ? new Uri(collection, $"{e.BookingId:N}.ics") : new Uri(collection, remote);
        var path = target.AbsolutePath;
        var ics = Ics(e);
        // Created with If-None-Match: * (never over someone else's resource); replaced with If-Match. A 412 means the
        // resource is not as we last saw it: it exists after all (a create whose answer was lost) or someone changed it.
        var (status, newTag, resent) = await PutAsync(connection, target, ics, etag is null ? null : etag, create: etag is null, ct);
        if (status == HttpStatusCode.PreconditionFailed || (status == HttpStatusCode.NotFound && etag is not null))
        {
            // Re-read once: the booking is what counts, so the event is written again over what is there now (an external
            // move is written back, as a read noticing it does), or created again when it is gone, unless the connection
            // lets a deletion cancel the booking. One retry only: a second refusal is an error, retried on a later pass.
            var current = status == HttpStatusCode.NotFound ? null : await CurrentAsync(connection, target, ct);
            if (resent && current is { } landed && SameEvent(ics, landed.Body))
            {
                // Our first copy landed and only its answer was lost: nobody else changed anything.
                return (path, landed.ETag, false);
            }
            if (current is null && etag is not null && !e.Recreate)
            {
                throw new CalendarEventGoneException("The booking's event was deleted in the calendar.");
            }
            (status, newTag, resent) = await PutAsync(connection, target, ics, current?.ETag, create: current is null, ct);
            if (status == HttpStatusCode.PreconditionFailed && resent && await CurrentAsync(connection, target, ct) is { } again && SameEvent(ics, again.Body))
            {
                (status, newTag) = (HttpStatusCode.NoContent, again.ETag);
            }
            if (IsSuccess(status))
            {
                // Overwritten only when it was ours and someone changed it; a create whose first answer was lost is not.
                return (path, newTag, etag is not null);
            }
        }
        if (!IsSuccess(status))
        {
            throw new FeedException($"The calendar answered HTTP {(int)status} when the booking was written.");
        }
        return (path, newTag, false);
    }

    /// <summary>
    /// The event there is the one we sent: same UID, stamp (the pass's time), sequence, times and summary. Only asked after
    /// a write whose answer was lost, to tell our own landed copy from someone else's edit.
    /// </summary>
    private static bool SameEvent(string ours, string? theirs)
    {
        if (string.IsNullOrEmpty(theirs))
        {
            return false;
        }
        try
        {
            var a = Ical.Net.Calendar.Load(ours)!.Events.Single();
            var b = Ical.Net.Calendar.Load(theirs)?.Events.SingleOrDefault(x => x.Uid == a.Uid);
            return b is not null && a.Sequence == b.Sequence && a.Summary == b.Summary && a.DtStamp?.AsUtc == b.DtStamp?.AsUtc &&
                   a.DtStart?.AsUtc == b.DtStart?.AsUtc && a.DtEnd?.AsUtc == b.DtEnd?.AsUtc;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not readable as one event: not something we wrote.
            return false;
        }
    }

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    /// <summary>
    /// A PUT is sent again once when the server closed the connection without answering: PUT is idempotent and its
    /// precondition makes the second copy safe. If the first copy did land, the second answers 412, and
    /// <see cref="WriteAsync"/> then compares what is there with what it sent (<c>Resent</c>).
    /// </summary>
    private async Task<(HttpStatusCode Status, string? ETag, bool Resent)> PutAsync(Connection connection, Uri target, string ics, string? ifMatch, bool create, CancellationToken ct)
    {
        var sent = 0;
        var (status, etag) = await SendAgainOnceAsync(() =>
        {
            sent++;
            return PutRequest(connection, target, ics, ifMatch, create);
        }, ct, (response, _) => Task.FromResult((response.StatusCode, response.Headers.ETag?.ToString())));
        return (status, etag, sent > 1);
    }

    private HttpRequestMessage PutRequest(Connection connection, Uri target, string ics, string? ifMatch, bool create)
    {
        var request = Request(connection, HttpMethod.Put, target);
        if (create)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        }
        else if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        request.Content = new StringContent(ics, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/calendar") { CharSet = "utf-8" };
        return request;
    }

    /// <summary>
    /// The event as the calendar holds it now (its ETag and body), or null when it is gone (404, 410). Any other answer is
    /// an error: a busy server's 503 must not read as "deleted", which may cancel the booking.
    /// </summary>
    private async Task<(string? ETag, string Body)?> CurrentAsync(Connection connection, Uri target, CancellationToken ct)
    {
        return await SendAgainOnceAsync<(string? ETag, string Body)?>(() => Request(connection, HttpMethod.Get, target), ct, async (response, limited) =>
        {
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new FeedException($"The calendar answered HTTP {(int)response.StatusCode} when the booking's event was read.");
            }
            return (response.Headers.ETag?.ToString(), await fetcher.ReadLimitedAsync(response, limited));
        });
    }

    /// <summary>Closed by the server without an answer: ended before the response, or reset under the request.</summary>
    private static bool Dropped(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.ResponseEnded || (ex.HttpRequestError == HttpRequestError.Unknown && ex.InnerException is IOException);

    /// <summary>
    /// An idempotent request (a read; a PUT or DELETE, made safe by its precondition) that the server closed without any
    /// answer is sent once more: small servers (Radicale's threaded one) drop a connection now and then under load, and a
    /// sync that gave up on it kept no busy times, or left a booking's event as it was, until its retry came round.
    /// </summary>
    private async Task<T> SendAgainOnceAsync<T>(Func<HttpRequestMessage> make, CancellationToken ct, Func<HttpResponseMessage, CancellationToken, Task<T>> read)
    {
        try
        {
            using var first = make();
            return await SendAsync(first, ct, read, rethrowDropped: true);
        }
        catch (HttpRequestException ex) when (Dropped(ex))
        {
            using var again = make();
            return await SendAsync(again, ct, read);
        }
    }

    public async Task<bool?> ExistsAsync(Connection connection, string remote, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var target = new Uri(new Uri(Collection(connection.Source.Url)), remote);
        return await SendAgainOnceAsync(() => Request(connection, HttpMethod.Get, target), ct, (response, _) => Task.FromResult<bool?>(
            response.IsSuccessStatusCode ? true : response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone ? false : null));
    }

    public async Task DeleteAsync(Connection connection, string remote, string? etag, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var target = new Uri(new Uri(Collection(connection.Source.Url)), remote);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var ifMatch = attempt == 0 ? etag : null;
            HttpRequestMessage Make()
            {
                var request = Request(connection, HttpMethod.Delete, target);
                if (ifMatch is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                }
                return request;
            }
            // DELETE is idempotent: sent again when its answer is dropped (a copy after a landed first one finds it gone).
            var status = await SendAgainOnceAsync(Make, ct, (response, _) => Task.FromResult(response.StatusCode));
            if (IsSuccess(status) || status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                return;
            }
            if (status != HttpStatusCode.PreconditionFailed)
            {
                throw new FeedException($"The calendar answered HTTP {(int)status} when the booking was removed.");
            }
            // Changed by someone else since: the booking is cancelled all the same, so the event goes.
        }
        throw new FeedException("The calendar kept refusing to remove the booking.");
    }

    /// <summary>The booking as a calendar object resource: one VEVENT, no METHOD (RFC 4791 §4.1), UTC times.</summary>
    public static string Ics(PushEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var calendar = new Ical.Net.Calendar { ProductId = IcsWriter.ProductId, Scale = "GREGORIAN" };
        var ev = new Ical.Net.CalendarComponents.CalendarEvent
        {
            Uid = e.Uid,
            DtStamp = IcsWriter.Utc(e.Now),
            DtStart = IcsWriter.Utc(e.Start),
            DtEnd = IcsWriter.Utc(e.End),
            Sequence = e.Sequence,
            Summary = IcsWriter.Clean(e.Summary),
            Status = e.Tentative ? "TENTATIVE" : "CONFIRMED",
            Transparency = "OPAQUE",
        };
        if (!string.IsNullOrWhiteSpace(e.Location))
        {
            ev.Location = IcsWriter.Clean(e.Location);
        }
        calendar.Events.Add(ev);
        return IcsWriter.Serialize(calendar);
    }

    private HttpRequestMessage Request(Connection connection, HttpMethod method, Uri url)
    {
        fetcher.CheckUrl(url);
        var request = new HttpRequestMessage(method, url);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Source.UserName}:{connection.Secret}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        return request;
    }

    /// <summary>
    /// Sends with the configured time limit; 401/403 are a refusal of the credentials, 3xx is not followed. The limit
    /// covers the whole exchange: <paramref name="read"/> gets the limited token for the body, because
    /// <c>HttpClient.Timeout</c> stops applying once the headers are in (ResponseHeadersRead), and a server that
    /// sends headers and then drips the body would otherwise hold the sync (and its per-business lock) forever.
    /// </summary>
    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct, Func<HttpResponseMessage, CancellationToken, Task<T>> read, bool rethrowDropped = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(fetcher.Options.Timeout);
        try
        {
            using var response = await fetcher.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new CalendarAuthException("The calendar refused the user name or password.");
            }
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                throw new FeedException("The calendar address redirects elsewhere: use the address of the calendar collection itself.");
            }
            return await read(response, timeout.Token);
        }
        catch (HttpRequestException ex) when (ex.InnerException is FeedException inner)
        {
            throw new FeedException(inner.Message);
        }
        catch (HttpRequestException ex) when (!rethrowDropped || !Dropped(ex))
        {
            throw new FeedException(ex.HttpRequestError == HttpRequestError.ConnectionError ? "The calendar could not be reached." : "Talking to the calendar failed.");
        }
        catch (IOException)
        {
            // The connection dropped while the body was being read (HttpIOException): an error of this pass, not a crash.
            throw new FeedException("Talking to the calendar failed.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FeedException($"The calendar did not answer within {fetcher.Options.Timeout.TotalSeconds:0} seconds.");
        }
    }

    private static string? Path(Uri collection, string? href)
    {
        if (string.IsNullOrWhiteSpace(href) || !Uri.TryCreate(collection, href.Trim(), out var uri))
        {
            return null;
        }
        return uri.AbsolutePath;
    }

    private static string Stamp(Instant instant) => instant.InUtc().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}
