using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bookwell.Tests.Calendars;

/// <summary>A real HTTP server on loopback serving calendar files by path; it counts every request it sees.</summary>
public sealed class IcsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    private int _hits;

    private IcsServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public int Hits => Volatile.Read(ref _hits);

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<IcsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new IcsServer(app);
        app.Run(async context =>
        {
            Interlocked.Increment(ref server._hits);
            if (server._routes.TryGetValue(context.Request.Path.Value ?? "", out var handler))
            {
                await handler(context);
                return;
            }
            context.Response.StatusCode = 404;
        });
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    public void Serve(string path, string ics) => _routes[path] = async c =>
    {
        c.Response.ContentType = "text/calendar; charset=utf-8";
        await c.Response.WriteAsync(ics);
    };

    public void Fail(string path, int status) => _routes[path] = c =>
    {
        c.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    public void Handle(string path, Func<HttpContext, Task> handler) => _routes[path] = handler;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
