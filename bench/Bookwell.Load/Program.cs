using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// A small closed-loop load generator for Bookwell's HTTP API (wrk cannot vary a booking body per request).
//   setup    <base> <key>                      apply the benchmark page (20 staff, 08:00-20:00 daily)
//   book     <base> <key> <count> <clients>    create <count> bookings on distinct slots, report rate and latency
//   contend  <base> <key> <clients>            <clients> book one slot at once; report how many won
var (mode, baseUrl, key) = (args[0], args[1].TrimEnd('/'), args[2]);
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new("Bearer", key);
var firstDay = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(1), DateTimeKind.Unspecified);

switch (mode)
{
    case "setup":
        var staff = new JsonArray(Enumerable.Range(0, 20).Select(i => (JsonNode)new JsonObject
        {
            ["key"] = $"s{i}",
            ["name"] = $"Staff {i}",
            ["services"] = new JsonArray("cut"),
        }).ToArray());
        var hours = new JsonArray(new JsonArray("08:00", "20:00"));
        var schedule = new JsonObject();
        foreach (var d in new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" })
        {
            schedule[d] = hours.DeepClone();
        }
        var doc = new JsonObject
        {
            ["pages"] = new JsonArray(new JsonObject
            {
                ["slug"] = "bench",
                ["name"] = "Bench",
                ["timeZone"] = "Europe/Amsterdam",
                ["schedule"] = schedule,
                ["settings"] = new JsonObject { ["horizonDays"] = 60, ["slotIntervalMinutes"] = 30 },
                ["services"] = new JsonArray(new JsonObject { ["key"] = "cut", ["name"] = "Cut", ["durationMinutes"] = 30 }),
                ["staff"] = staff,
            }),
        };
        var put = await http.PutAsync("/api/v1/admin/config", new StringContent(doc.ToJsonString(), Encoding.UTF8, "application/json"));
        Console.WriteLine($"setup: {(int)put.StatusCode}");
        break;

    case "book":
        var count = int.Parse(args[3], CultureInfo.InvariantCulture);
        var clients = int.Parse(args[4], CultureInfo.InvariantCulture);
        var offset = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 0;
        // Slot n: staff n % 20, then the 24 half-hours of a day, then the next day; spread so that most
        // days end up about 70% full, like the engine benchmark.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        string Start(int n)
        {
            var s = n % 20;
            var position = n / 20;
            var day = position % 30;
            var half = (position / 30) * 7 % 24;
            var local = firstDay.AddDays(day).AddHours(8).AddMinutes(30 * half);
            var offset = zone.GetUtcOffset(local);
            return new DateTimeOffset(local, offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        }
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
                var body = $$$"""{"page":"bench","service":"cut","start":"{{{Start(m)}}}","staff":"s{{{m % 20}}}","customer":{"name":"Load {{{m}}}","email":"load{{{m}}}@example.com"}}""";
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

    case "contend":
        var contenders = int.Parse(args[3], CultureInfo.InvariantCulture);
        var local2 = firstDay.AddDays(45).AddHours(12);
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
        Console.Error.WriteLine("modes: setup | book | contend");
        return 2;
}
return 0;
