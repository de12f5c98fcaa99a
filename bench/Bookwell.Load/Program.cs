using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// A small closed-loop load generator for Bookwell's HTTP API (wrk cannot vary a booking body per request).
//   setup    <base> <key> [<ics base>|breadth] apply the benchmark page (20 staff, 08:00-20:00 daily); with an ics
//                                              base, each staff member s<i> subscribes to <ics base>/s<i>.ics as a busy source;
//                                              with "breadth" (issue 15), also a 30-minute service "colour" on the same page
//                                              (a visit is cut + colour) and a page "bench-mobile": 20 other staff m<i> who
//                                              come to the client ("visit", 30 min) within 10 km of a base in Utrecht
//   book-mobile <base> <key> <clients>         seed bench-mobile: 6 visits a day per staff member over the same 30 days
//                                              (3,600), each at its own address spread over the service area
//   serve-ics <base> <key> <port>              serve the 20 staff calendars on 127.0.0.1:<port> until killed: per staff
//                                              a daily one-hour event (its hour by staff) and a weekly three-hour one
//   book     <base> <key> <count> <clients>    create <count> bookings on distinct slots, report rate and latency
//   contend  <base> <key> <clients>            <clients> book one slot at once; report how many won
//   bodies   <base> <key> <file> <count>       write <count> booking bodies for distinct slots on days 31-199 but 130 (for wrk)
//   rate     <base> <key> <path> <rps> <seconds> <connections>
//                                              GET <path> at a steady <rps>, evenly spaced (hey -q fires its workers
//                                              together); latency from the planned send time, so a stall counts in full
var (mode, baseUrl, key) = (args[0], args[1].TrimEnd('/'), args[2]);
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new("Bearer", key);
var firstDay = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(1), DateTimeKind.Unspecified);

switch (mode)
{
    case "setup":
        var breadth = args.Length > 3 && args[3] == "breadth";
        var staff = new JsonArray(Enumerable.Range(0, 20).Select(i => (JsonNode)new JsonObject
        {
            ["key"] = $"s{i}",
            ["name"] = $"Staff {i}",
            ["services"] = new JsonArray("cut"),
        }).ToArray());
        if (args.Length > 3 && !breadth)
        {
            foreach (var (member, i) in staff.Select((m, i) => (m!.AsObject(), i)))
            {
                member["busySources"] = new JsonArray(new JsonObject { ["url"] = $"{args[3].TrimEnd('/')}/s{i}.ics" });
            }
        }
        var hours = new JsonArray(new JsonArray("08:00", "20:00"));
        var schedule = new JsonObject();
        foreach (var d in new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" })
        {
            schedule[d] = hours.DeepClone();
        }
        var services = new JsonArray(new JsonObject { ["key"] = "cut", ["name"] = "Cut", ["durationMinutes"] = 30 });
        var pages = new JsonArray(new JsonObject
        {
            ["slug"] = "bench",
            ["name"] = "Bench",
            ["timeZone"] = "Europe/Amsterdam",
            ["schedule"] = schedule,
            ["settings"] = new JsonObject { ["horizonDays"] = 200, ["slotIntervalMinutes"] = 30 },
            ["services"] = services,
            ["staff"] = staff,
        });
        if (breadth)
        {
            // A visit of two services (issue 15): cut, then colour, by the same 20 staff (30 minutes each: on days about
            // 70 % booked in scattered half-hours, a longer second part leaves hardly any visit to offer).
            services.Add(new JsonObject { ["key"] = "colour", ["name"] = "Colour", ["durationMinutes"] = 30 });
            foreach (var member in staff)
            {
                member!["services"]!.AsArray().Add("colour");
            }
            pages.Add(new JsonObject
            {
                ["slug"] = "bench-mobile",
                ["name"] = "Bench mobile",
                ["timeZone"] = "Europe/Amsterdam",
                ["schedule"] = schedule.DeepClone(),
                ["settings"] = new JsonObject
                {
                    ["horizonDays"] = 200,
                    ["slotIntervalMinutes"] = 30,
                    ["mobile"] = new JsonObject
                    {
                        ["baseLatitude"] = MobileBase.Latitude,
                        ["baseLongitude"] = MobileBase.Longitude,
                        ["radiusKm"] = MobileBase.RadiusKm,
                        ["speedKmh"] = 40,
                        ["marginMinutes"] = 10,
                    },
                },
                ["services"] = new JsonArray(new JsonObject
                {
                    ["key"] = "visit",
                    ["name"] = "Visit at home",
                    ["durationMinutes"] = 30,
                    ["locationMode"] = "mobile",
                }),
                ["staff"] = new JsonArray(Enumerable.Range(0, 20).Select(i => (JsonNode)new JsonObject
                {
                    ["key"] = $"m{i}",
                    ["name"] = $"Mobile {i}",
                    ["services"] = new JsonArray("visit"),
                }).ToArray()),
            });
        }
        var doc = new JsonObject { ["pages"] = pages };
        var put = await http.PutAsync("/api/v1/admin/config", new StringContent(doc.ToJsonString(), Encoding.UTF8, "application/json"));
        Console.WriteLine($"setup: {(int)put.StatusCode}");
        break;

    case "serve-ics":
        using (var listener = new HttpListener())
        {
            listener.Prefixes.Add($"http://127.0.0.1:{args[3]}/");
            listener.Start();
            Console.WriteLine($"serve-ics: 20 calendars on http://127.0.0.1:{args[3]}/s<i>.ics");
            while (true)
            {
                var context = await listener.GetContextAsync();
                var name = context.Request.Url!.AbsolutePath.Trim('/');
                var n = name.StartsWith('s') && name.EndsWith(".ics", StringComparison.Ordinal) &&
                        int.TryParse(name[1..^4], CultureInfo.InvariantCulture, out var v) && v is >= 0 and < 20 ? v : -1;
                if (n < 0)
                {
                    context.Response.StatusCode = 404;
                    context.Response.Close();
                    continue;
                }
                var body = Encoding.UTF8.GetBytes(Calendar(n, firstDay));
                context.Response.ContentType = "text/calendar; charset=utf-8";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

    case "book":
        var count = int.Parse(args[3], CultureInfo.InvariantCulture);
        var clients = int.Parse(args[4], CultureInfo.InvariantCulture);
        var offset = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 0;
        var next = -1;
        var latencies = new double[count];
        var statuses = new int[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                var m = n + offset;
                var body = Body(m, 0, 30);
                var t = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync("/api/v1/admin/bookings", new StringContent(body, Encoding.UTF8, "application/json"));
                latencies[n] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                statuses[n] = (int)response.StatusCode;
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        var byStatus = string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        Console.WriteLine($"book: {count} requests, {clients} clients, {seconds:0.00} s, {count / seconds:0} req/s, " +
                          $"median {latencies[count / 2]:0.0} ms, p99 {latencies[(int)(count * 0.99)]:0.0} ms; {byStatus}");
        break;

    case "book-mobile":
        {
            // Per staff member and day, six visits two hours apart from 08:30, 09:00 or 09:30 (local; by staff member): 90 minutes
            // between one visit's end and the next one's start, more than two of the longest leg (20 km at 40 km/h plus the
            // 10-minute margin: 41 minutes), so every one fits whatever the order they are booked in and each holds real travel
            // before and after it; a new visit fits between two only when its address is near enough to both.
            var mobileClients = int.Parse(args[3], CultureInfo.InvariantCulture);
            var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
            const int perDay = 6, days = 30;
            var mobileCount = 20 * days * perDay;
            var next2 = -1;
            var mobileStatuses = new int[mobileCount];
            var mobileClock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, mobileClients).Select(async _ =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next2)) < mobileCount)
                {
                    var member = n % 20;
                    var day = n / 20 % days;
                    var visit = n / 20 / days;
                    var local = firstDay.AddDays(day).AddHours(8.5).AddMinutes((120 * visit) + (30 * (member % 3)));
                    var start = new DateTimeOffset(local, zone.GetUtcOffset(local)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
                    var (lat, lon) = MobileBase.Spread(n, 9.5);
                    var body = string.Create(CultureInfo.InvariantCulture,
                        $$$"""{"page":"bench-mobile","service":"visit","start":"{{{start}}}","staff":"m{{{member}}}","customer":{"name":"Mobile {{{n}}}","email":"mobile{{{n}}}@example.com"},"location":{"address":"Bench street {{{n}}}, Utrecht","latitude":{{{lat:0.000000}}},"longitude":{{{lon:0.000000}}}}}""");
                    using var response = await http.PostAsync("/api/v1/admin/bookings", new StringContent(body, Encoding.UTF8, "application/json"));
                    mobileStatuses[n] = (int)response.StatusCode;
                    if (mobileStatuses[n] != 201 && Environment.GetEnvironmentVariable("BOOK_MOBILE_TRACE") is not null)
                    {
                        Console.Error.WriteLine($"{mobileStatuses[n]} {body} {await response.Content.ReadAsStringAsync()}");
                    }
                }
            }));
            var mobileByStatus = string.Join(", ", mobileStatuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
            Console.WriteLine($"book-mobile: {mobileCount} requests, {mobileClients} clients, {mobileClock.Elapsed.TotalSeconds:0.00} s, " +
                              $"{mobileCount / mobileClock.Elapsed.TotalSeconds:0} req/s; {mobileByStatus}");
            break;
        }

    case "bodies":
        // Bodies for wrk (bench/http/book.lua): slots after the 30 seeded days, so every one is free: days
        // 31-129, then 131-199 (day 130 is the contended slot's), each staff member and half-hour once. Each body is a new
        // client, or with a sixth argument N, one of N clients in turn (all but the first N bookings by returning clients).
        var total = int.Parse(args[4], CultureInfo.InvariantCulture);
        int? cycle = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : null;
        const int before = 99 * 20 * 24, after = 69 * 20 * 24;
        if (total > before + after)
        {
            Console.Error.WriteLine($"bodies: at most {before + after}");
            return 2;
        }
        await File.WriteAllLinesAsync(args[3], Enumerable.Range(0, total)
            .Select(n => n < before ? Body(10_000 + n, 31, 99, n, cycle) : Body(10_000 + n, 131, 69, n - before, cycle)));
        Console.WriteLine($"bodies: {total} written to {args[3]}");
        break;

    case "rate":
        var path = args[3];
        var rps = int.Parse(args[4], CultureInfo.InvariantCulture);
        var duration = int.Parse(args[5], CultureInfo.InvariantCulture);
        var connections = int.Parse(args[6], CultureInfo.InvariantCulture);
        // The first 3 s are not counted: this process's own JIT and connection set-up stall it then.
        var skipped = rps * 3;
        var requests = rps * (duration + 3);
        var planned = new double[requests];
        var failures = 0;
        var interval = Stopwatch.Frequency / (double)rps;
        var origin = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async w =>
        {
            for (var i = w; i < requests; i += connections)
            {
                var due = origin + (long)(i * interval);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                using var response = await http.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync();
                planned[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(origin).TotalSeconds - 3;
        planned = planned[skipped..];
        requests -= skipped;
        if (Environment.GetEnvironmentVariable("RATE_TRACE") is not null)
        {
            // When the slow ones were due, to tell a periodic stall from load.
            Console.WriteLine(string.Join(" ", planned.Select((l, i) => (l, i)).Where(x => x.l > 20)
                .GroupBy(x => x.i * 10 / rps).Select(g => $"{g.Key / 10.0:0.0}s:{g.Count()}x{g.Max(x => x.l):0}ms")));
        }
        Array.Sort(planned);
        Console.WriteLine($"rate: {requests} requests in {elapsed:0.00} s ({requests / elapsed:0} req/s, asked {rps}), {connections} connections; " +
                          $"latency from planned start: median {planned[requests / 2]:0.0} ms, p95 {planned[(int)(requests * 0.95)]:0.0} ms, p99 {planned[(int)(requests * 0.99)]:0.0} ms, " +
                          $"max {planned[^1]:0.0} ms; {failures} failed");
        break;

    case "contend":
        var contenders = int.Parse(args[3], CultureInfo.InvariantCulture);
        var local2 = firstDay.AddDays(130).AddHours(12); // outside every range the other modes use
        var one = new DateTimeOffset(local2, TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam").GetUtcOffset(local2))
            .ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        using (var gate = new SemaphoreSlim(0))
        {
            var tasks = Enumerable.Range(0, contenders).Select(async i =>
            {
                await gate.WaitAsync();
                var body = $$$"""{"page":"bench","service":"cut","start":"{{{one}}}","staff":"s0","customer":{"name":"C {{{i}}}","email":"c{{{i}}}@example.com"}}""";
                using var response = await http.PostAsync("/api/v1/admin/bookings", new StringContent(body, Encoding.UTF8, "application/json"));
                return response.StatusCode;
            }).ToArray();
            gate.Release(contenders);
            var results = await Task.WhenAll(tasks);
            Console.WriteLine($"contend: {contenders} clients on {one}: {results.Count(s => s == HttpStatusCode.Created)} x 201, " +
                              $"{results.Count(s => s == HttpStatusCode.Conflict)} x 409, {results.Count(s => s is not (HttpStatusCode.Created or HttpStatusCode.Conflict))} other");
        }
        break;

    default:
        Console.Error.WriteLine("modes: setup | serve-ics | book | book-mobile | contend | bodies | rate");
        return 2;
}
return 0;

// Slot n: staff n % 20, then a day of the range, then one of the 24 half-hours (stepping by 7, which visits
// all 24), so that the seeded 30 days end up about 70% full, like the engine benchmark.
string Body(int n, int firstDayOffset, int days, int? slot = null, int? clients = null)
{
    var client = clients is { } k ? 10_000 + (n - 10_000) % k : n;
    var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    var position = (slot ?? n) / 20;
    var day = (position % days) + firstDayOffset;
    var half = (position / days) * 7 % 24;
    var local = firstDay.AddDays(day).AddHours(8).AddMinutes(30 * half);
    var start = new DateTimeOffset(local, zone.GetUtcOffset(local)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    return $$$"""{"page":"bench","service":"cut","start":"{{{start}}}","staff":"s{{{(slot ?? n) % 20}}}","customer":{"name":"Load {{{client}}}","email":"load{{{client}}}@example.com"}}""";
}

// Staff n's calendar (Europe/Amsterdam): from a week before the first bookable day, a daily one-hour event at
// 08:00 + (n % 12) hours for 200 days, and a weekly three-hour event on the weekday n % 7 from 13:00.
static string Calendar(int n, DateTime firstDay)
{
    var start = firstDay.AddDays(-7);
    string Local(DateTime d, int hour) => d.AddHours(hour).ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
    var weekly = start.AddDays(((n % 7) - (int)start.DayOfWeek + 7) % 7);
    return string.Join("\r\n",
    [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bookwell bench//EN",
        "BEGIN:VEVENT", $"UID:daily-{n}@bench", "DTSTAMP:20260101T000000Z", "SUMMARY:Daily",
        $"DTSTART;TZID=Europe/Amsterdam:{Local(start, 8 + (n % 12))}", $"DTEND;TZID=Europe/Amsterdam:{Local(start, 9 + (n % 12))}",
        "RRULE:FREQ=DAILY;COUNT=200", "END:VEVENT",
        "BEGIN:VEVENT", $"UID:weekly-{n}@bench", "DTSTAMP:20260101T000000Z", "SUMMARY:Weekly",
        $"DTSTART;TZID=Europe/Amsterdam:{Local(weekly, 13)}", $"DTEND;TZID=Europe/Amsterdam:{Local(weekly, 16)}",
        "RRULE:FREQ=WEEKLY;COUNT=30", "END:VEVENT",
        "END:VCALENDAR", "",
    ]);
}

/// <summary>The mobile bench page's base (Utrecht) and service area, and addresses spread evenly over it.</summary>
internal static class MobileBase
{
    public const double Latitude = 52.0907, Longitude = 5.1214, RadiusKm = 10;

    /// <summary>
    /// Point <paramref name="n"/> of a sunflower spiral within <paramref name="radiusKm"/> of the base (the golden angle
    /// between neighbours, the radius growing with the square root of n modulo 1,000): any run of consecutive points covers
    /// the disc evenly. bench/http/slots-mobile.lua draws the visitors' addresses the same way.
    /// </summary>
    public static (double Latitude, double Longitude) Spread(int n, double radiusKm)
    {
        const int points = 1000;
        var r = radiusKm * Math.Sqrt(((n % points) + 0.5) / points);
        var angle = n * 2.399963229728653;
        var lat = Latitude + (r * Math.Cos(angle) / 111.195);
        var lon = Longitude + (r * Math.Sin(angle) / (111.195 * Math.Cos(Latitude * Math.PI / 180)));
        return (lat, lon);
    }
}
