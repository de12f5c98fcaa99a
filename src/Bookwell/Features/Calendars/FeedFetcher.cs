using System.Net;

namespace Bookwell.Features.Calendars;

/// <summary>Settings under <c>Bookwell:Calendars</c>.</summary>
public sealed record CalendarOptions(bool AllowPrivateAddresses, TimeSpan SyncInterval, int MaxBytes, TimeSpan Timeout)
{
    /// <summary>How long a configuration change waits for the first read of the sources it added or changed.</summary>
    public TimeSpan FirstReadWait { get; init; } = TimeSpan.FromSeconds(5);

    public const int MaxSourcesPerStaff = 5;
    public const int MaxUrlLength = 2000;

    public static CalendarOptions Read(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetSection("Bookwell:Calendars");
        return new CalendarOptions(
            section.GetValue("AllowPrivateAddresses", false),
            TimeSpan.FromMinutes(Math.Clamp(section.GetValue("SyncMinutes", 5.0), 0.1, 1440)),
            Math.Clamp(section.GetValue("MaxBytes", 2 * 1024 * 1024), 1024, 20 * 1024 * 1024),
            TimeSpan.FromSeconds(Math.Clamp(section.GetValue("TimeoutSeconds", 20), 1, 120)))
        {
            FirstReadWait = TimeSpan.FromSeconds(Math.Clamp(section.GetValue("FirstReadSeconds", 5.0), 0, 120)),
        };
    }
}

/// <summary>Why a source could not be read, in words safe to show the business (no URL: it may hold a secret).</summary>
public sealed class FeedException(string message) : Exception(message);

/// <summary>
/// Reads a subscribed calendar over HTTP(S), refusing non-public addresses. The check runs in the connect
/// callback on every address the name resolves to, at the moment of connecting, so a name that resolves to a
/// public address when checked and to 127.0.0.1 when used (DNS rebinding) still cannot reach it; redirects are
/// followed by hand (at most five, http(s) only) and each hop connects through the same callback. No proxy is
/// used: a proxy would make the callback see only the proxy's address.
/// </summary>
public sealed class FeedFetcher : IDisposable
{
    private const int MaxRedirects = 5;
    private readonly CalendarOptions _options;
    private readonly HttpClient _http;
    private readonly OutboundNetwork _network;

    public FeedFetcher(CalendarOptions options) : this(options, new OutboundNetwork())
    {
    }

    public FeedFetcher(CalendarOptions options, OutboundNetwork network)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        _options = options;
        _network = network;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxResponseHeadersLength = 64,
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = options.Timeout };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Bookwell-Calendar/1.0");
    }

    private ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct) =>
        AddressRules.ConnectAsync(context.DnsEndPoint, _options.AllowPrivateAddresses, _network, m => new FeedException(m), ct);

    /// <summary>
    /// The same guarded client for other calendar protocols (CalDAV): every connection goes through the address
    /// check, no proxy, no automatic redirects. Callers judge the URL first with <see cref="CheckUrl"/>.
    /// </summary>
    public HttpClient Http => _http;

    public CalendarOptions Options => _options;

    /// <summary>Throws <see cref="FeedException"/> for a URL the rules refuse before any connection (scheme, written-out private address).</summary>
    public void CheckUrl(Uri url) => Check(url);

    /// <summary>A response body of at most the configured size.</summary>
    public async Task<string> ReadLimitedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content.Headers.ContentLength > _options.MaxBytes)
        {
            throw new FeedException(TooLarge());
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > _options.MaxBytes)
            {
                throw new FeedException(TooLarge());
            }
            buffer.Write(chunk, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The body of the calendar at <paramref name="url"/>, at most the configured size.</summary>
    public async Task<string> FetchAsync(Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            for (var hop = 0; hop <= MaxRedirects; hop++)
            {
                Check(url);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Accept.ParseAdd("text/calendar");
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    url = new Uri(url, location);
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    throw new FeedException($"The calendar answered HTTP {(int)response.StatusCode}.");
                }
                if (response.Content.Headers.ContentLength > _options.MaxBytes)
                {
                    throw new FeedException(TooLarge());
                }
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                var buffer = new MemoryStream();
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
                {
                    if (buffer.Length + read > _options.MaxBytes)
                    {
                        throw new FeedException(TooLarge());
                    }
                    buffer.Write(chunk, 0, read);
                }
                return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
            throw new FeedException("Too many redirects.");
        }
        catch (HttpRequestException ex) when (ex.InnerException is FeedException inner)
        {
            throw new FeedException(inner.Message);
        }
        catch (HttpRequestException ex)
        {
            throw new FeedException(ex.HttpRequestError == HttpRequestError.ConnectionError ? "The calendar could not be reached." : "Reading the calendar failed.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FeedException($"The calendar did not answer within {_options.Timeout.TotalSeconds:0} seconds.");
        }
    }

    private string TooLarge() => $"The calendar is larger than {_options.MaxBytes / 1024} KB.";

    /// <summary>Scheme and a written-out address are judged before any connection is tried (a redirect may name anything).</summary>
    private void Check(Uri url)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            throw new FeedException("Only http and https addresses are read.");
        }
        if (!_options.AllowPrivateAddresses && AddressRules.HostRefusal(url) is { } refusal)
        {
            throw new FeedException(refusal);
        }
    }

    public void Dispose() => _http.Dispose();
}
