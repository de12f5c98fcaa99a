using System.Diagnostics;
using BenchmarkDotNet.Running;
using Bookwell.Benchmarks;

// `--latency` times single calls to report per-request percentiles (BenchmarkDotNet reports per-iteration
// statistics, which average many calls); anything else goes to BenchmarkDotNet.
if (args is ["--latency", ..])
{
    var bench = new SlotEngineBenchmarks();
    bench.Setup();
    Console.WriteLine($"{bench.BookingCount} bookings over 20 staff x 30 days");
    foreach (var (name, run) in new (string, Func<int>)[] { ("OneDay", bench.OneDay), ("ThirtyDays", bench.ThirtyDays) })
    {
        for (var i = 0; i < 2_000; i++)
        {
            run();
        }
        var samples = new double[20_000];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            run();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / samples.Length;
        Array.Sort(samples);
        Console.WriteLine($"{name,-10} slots={run(),5} median={samples[samples.Length / 2]:0.000} ms p99={samples[(int)(samples.Length * 0.99)]:0.000} ms max={samples[^1]:0.000} ms allocated={allocated / 1024.0:0.0} KB/request");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(SlotEngineBenchmarks).Assembly).Run(args);
