using System.Diagnostics;
using System.Net;
using Bookwell.Tests.Infrastructure;
using Xunit.Abstractions;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Measurements;

/// <summary>
/// What one test's own app costs: start an instance on a fresh database, PUT the configuration, ask for slots once,
/// dispose. Runs only with BOOKWELL_PERF=1 (BOOKWELL_CYCLES cycles per database, 20 by default), after one warm-up
/// cycle; prints this process's CPU (user + system) and wall time per cycle. The database server's own CPU is not
/// in it. Figures go to docs/performance.md, with the machine's load beside them.
/// </summary>
public sealed class AppCycleMeasurement(ITestOutputHelper output)
{
    [Bookwell.Tests.Insights.PerformanceFact]
    public async Task Sqlite() => await MeasureAsync(Db.Sqlite);

    [Bookwell.Tests.Insights.PerformanceFact]
    public async Task Postgres() => await MeasureAsync(Db.Postgres);

    private async Task MeasureAsync(Db kind)
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("BOOKWELL_CYCLES"), out var n) ? n : 20;
        await CycleAsync(kind);
        Array.Clear(_phases);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < cycles; i++)
        {
            await CycleAsync(kind);
        }
        wall.Stop();
        process.Refresh();
        var perCycle = (process.TotalProcessorTime - cpu).TotalMilliseconds / cycles;
        output.WriteLine($"{kind}: {cycles} cycles, CPU {perCycle:0} ms per cycle, wall {wall.Elapsed.TotalMilliseconds / cycles:0} ms per cycle");
        output.WriteLine($"phases (CPU ms per cycle): start {_phases[0] / cycles:0}, config {_phases[1] / cycles:0}, slots {_phases[2] / cycles:0}, dispose {_phases[3] / cycles:0}");
    }

    private readonly double[] _phases = new double[4];
    private object? _model;

    private static double Cpu()
    {
        var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }

    private async Task CycleAsync(Db kind)
    {
        var t0 = Cpu();
        var app = await BookwellApp.StartAsync(kind);
        var t1 = Cpu();
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        var t2 = Cpu();
        Assert.NotEmpty(await SlotStarts(app.CreateClient(), "haircut", "2027-03-02", "2027-03-02"));
        var t3 = Cpu();
        var model = app.WithDb(db => db.Model);
        output.WriteLine($"same model as the last app: {ReferenceEquals(model, _model)}");
        _model = model;
        await app.DisposeAsync();
        var t4 = Cpu();
        _phases[0] += t1 - t0;
        _phases[1] += t2 - t1;
        _phases[2] += t3 - t2;
        _phases[3] += t4 - t3;
    }
}
