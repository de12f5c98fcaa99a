using System.Threading.RateLimiting;
using Bookwell.Data;
using Bookwell.Infrastructure;
using ModelContextProtocol.Protocol;

namespace Bookwell.Features.Mcp;

/// <summary>Contract 4.8: the Model Context Protocol endpoint <c>/mcp</c> (streamable HTTP, stateless).</summary>
public static class McpSetup
{
    public const string Path = "/mcp";

    /// <summary>One JSON-RPC message: a tool call's arguments (at most <see cref="McpTools.MaxArgumentBytes"/>) plus its envelope.</summary>
    public const int MaxRequestBytes = McpTools.MaxArgumentBytes + (16 * 1024);

    public static IServiceCollection AddBookwellMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<McpLimits>();
        services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "bookwell", Title = "Bookwell", Version = "1.1" };
                o.ServerInstructions = "Book appointments on this business's booking pages: list_services for a page's services, find_slots for free " +
                    "times, book to book one (keep the manageToken it returns), then get_booking, cancel_booking or reschedule_booking with that token.";
            })
            // Stateless: every POST stands alone (no session to keep or to route back to a node), and each call runs in
            // its own HTTP request's scope, where the host already chose the tenant.
            .WithHttpTransport(o => o.Stateless = true)
            .WithListToolsHandler(McpTools.ListAsync)
            .WithCallToolHandler(McpTools.CallAsync);
        return services;
    }

    public static IEndpointConventionBuilder MapBookwellMcp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The whole message is read with a cap before the SDK sees it, so no body is larger than a booking needs.
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(CapBodyAsync));
        return app.MapMcp(Path).RequireRateLimiting(RateLimits.Manage).WithTags("MCP");
    }

    private static async Task CapBodyAsync(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }
        if (context.Request.ContentLength > MaxRequestBytes)
        {
            await TooLargeAsync(context);
            return;
        }
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxRequestBytes)
            {
                await TooLargeAsync(context);
                return;
            }
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        context.Request.Body = buffer;
        context.Request.ContentLength = buffer.Length;
        context.Response.RegisterForDispose(buffer);
        await next(context);
    }

    private static Task TooLargeAsync(HttpContext context) =>
        Problems.Validation("$", $"The body is larger than {MaxRequestBytes} bytes.").ExecuteAsync(context);
}

/// <summary>
/// The public API's per-address limits for the tools: <c>book</c> counts against the client's one bookings budget and <c>find_slots</c>
/// against its slots budget (<see cref="ClientBudgets"/>, shared with the API and the booking form), the rest as manage-link requests,
/// with the same settings (and the admin key unlimited, as over HTTP).
/// </summary>
public sealed class McpLimits(IConfiguration config, ClientBudgets budgets) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _manage = Create(config.GetValue("Bookwell:RateLimits:ManagePerMinute", 300));

    private static PartitionedRateLimiter<string> Create(int perMinute) => PartitionedRateLimiter.Create<string, string>(key =>
        perMinute <= 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    /// <summary>One call of <paramref name="tool"/> from this client; false (with seconds to wait) past the limit.</summary>
    public bool TryAcquire(HttpContext context, string tool, out int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        retryAfterSeconds = 0;
        if (context.RequestServices.GetRequiredService<TenantContext>().IsAdmin)
        {
            return true;
        }
        if (tool is "book" or "find_slots")
        {
            return budgets.TryAcquire(context, tool == "book" ? RateLimits.Bookings : RateLimits.Slots, out retryAfterSeconds);
        }
        using var lease = _manage.AttemptAcquire(ClientBudgets.Client(context));
        if (lease.IsAcquired)
        {
            return true;
        }
        retryAfterSeconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : 60;
        return false;
    }

    public void Dispose() => _manage.Dispose();
}
