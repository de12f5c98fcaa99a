using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bookwell.Tests.Webhooks;

/// <summary>One request as the receiver saw it.</summary>
public sealed record ReceivedHook(string Path, string? Id, string? Timestamp, string? Signature, string ContentType, string Body);

/// <summary>
/// A real HTTP server on loopback playing a business's webhook receiver: it records every request and answers
/// with the statuses queued by the test (200 once the queue is empty).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _statuses = new();
    private readonly ConcurrentQueue<ReceivedHook> _received = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public IReadOnlyList<ReceivedHook> Received => [.. _received];

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var hook = new ReceivedHook(context.Request.Path.Value ?? "", context.Request.Headers["webhook-id"].FirstOrDefault(),
                context.Request.Headers["webhook-timestamp"].FirstOrDefault(), context.Request.Headers["webhook-signature"].FirstOrDefault(),
                context.Request.ContentType ?? "", body);
            receiver._received.Enqueue(hook);
            if (Interlocked.Exchange(ref receiver._hold, null) is { } hold)
            {
                // Received, and the sender kept waiting for its answer until the test lets it go.
                hold.Arrived.TrySetResult(hook);
                await hold.Release.Task;
            }
            context.Response.StatusCode = receiver._statuses.TryDequeue(out var status) ? status : 200;
            if (context.Response.StatusCode >= 400)
            {
                await context.Response.WriteAsync("receiver says no\n" + new string('x', 5000));
            }
        });
        await app.StartAsync();
        receiver.Port = new Uri(app.Urls.First()).Port;
        return receiver;
    }

    private sealed record Hold(TaskCompletionSource<ReceivedHook> Arrived, TaskCompletionSource Release);

    private Hold? _hold;

    /// <summary>
    /// The next request is recorded and then left unanswered (its sender waits) until <paramref name="release"/> completes;
    /// the task returned completes when that request has arrived.
    /// </summary>
    public Task<ReceivedHook> HoldNext(Task release)
    {
        var hold = new Hold(new TaskCompletionSource<ReceivedHook>(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource());
        _ = release.ContinueWith(_ => hold.Release.TrySetResult(), TaskScheduler.Default);
        _hold = hold;
        return hold.Arrived.Task;
    }

    /// <summary>The next requests are answered with these statuses, in order.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var s in statuses)
        {
            _statuses.Enqueue(s);
        }
    }

    public async Task<IReadOnlyList<ReceivedHook>> WaitForAsync(int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (_received.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }
        return Received;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
