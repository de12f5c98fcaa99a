using Bookwell.Data;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bookwell.Tests.Webhooks;

/// <summary>
/// The per-business copies every request reads (webhook endpoints, connected calendars): callers that arrive together
/// share one read, a change on this node drops the copy, and a read that fails leaves the others to read for themselves.
/// On a real app and database, with reads that wait at a gate the test opens, so "together" is certain.
/// </summary>
public sealed class TenantCacheTests : IAsyncLifetime
{
    private BookwellApp _app = null!;

    public async Task InitializeAsync() => _app = await BookwellApp.StartAsync(Db.Sqlite);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static readonly Guid Tenant = Guid.NewGuid();

    [Fact]
    public async Task CallersArrivingTogether_ShareOneRead_AChangeDropsTheCopy()
    {
        var cache = new TenantCache<List<int>>(TimeSpan.FromMinutes(5));
        var reads = 0;
        var gate = new TaskCompletionSource();
        async Task<List<int>> Read(BookwellDb db, CancellationToken ct)
        {
            Interlocked.Increment(ref reads);
            await gate.Task.WaitAsync(ct);
            return [await db.Tenants.CountAsync(ct)];
        }
        var scopes = Enumerable.Range(0, 20).Select(_ => _app.Services.CreateScope()).ToList();
        var callers = scopes.Select(s => cache.GetAsync(s.ServiceProvider.GetRequiredService<BookwellDb>(), Tenant, Read, CancellationToken.None).AsTask()).ToList();
        Assert.DoesNotContain(callers, c => c.IsCompleted);
        gate.SetResult();
        var answers = await Task.WhenAll(callers);
        Assert.Equal(1, reads);
        Assert.All(answers, a => Assert.Same(answers[0], a));

        // Still fresh: no read. Dropped on this node: read again at once.
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        Assert.Same(answers[0], await cache.GetAsync(db, Tenant, Read, CancellationToken.None));
        cache.Invalidate(db, Tenant);
        Assert.NotSame(answers[0], await cache.GetAsync(db, Tenant, Read, CancellationToken.None));
        Assert.Equal(2, reads);
        scopes.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task AReadThatFails_FailsItsOwnCaller_TheOthersReadForThemselves()
    {
        var cache = new TenantCache<List<int>>(TimeSpan.FromMinutes(5));
        var gate = new TaskCompletionSource();
        var reads = 0;
        async Task<List<int>> Failing(BookwellDb db, CancellationToken ct)
        {
            Interlocked.Increment(ref reads);
            await gate.Task.WaitAsync(ct);
            throw new InvalidOperationException("the database refused");
        }
        async Task<List<int>> Working(BookwellDb db, CancellationToken ct)
        {
            Interlocked.Increment(ref reads);
            return [await db.Tenants.CountAsync(ct)];
        }
        using var first = _app.Services.CreateScope();
        using var second = _app.Services.CreateScope();
        var owner = cache.GetAsync(first.ServiceProvider.GetRequiredService<BookwellDb>(), Tenant, Failing, CancellationToken.None).AsTask();
        var waiter = cache.GetAsync(second.ServiceProvider.GetRequiredService<BookwellDb>(), Tenant, Working, CancellationToken.None).AsTask();
        Assert.False(waiter.IsCompleted);
        gate.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => owner);
        var answer = await waiter;
        Assert.Equal(2, reads);
        // The waiter's own read is the copy now.
        Assert.Same(answer, await cache.GetAsync(second.ServiceProvider.GetRequiredService<BookwellDb>(), Tenant, Failing, CancellationToken.None));
        Assert.Equal(2, reads);
    }
}
