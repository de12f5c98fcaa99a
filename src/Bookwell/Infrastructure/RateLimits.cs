using System.Globalization;
using System.Threading.RateLimiting;
using Bookwell.Data;
using Microsoft.AspNetCore.RateLimiting;

namespace Bookwell.Infrastructure;

/// <summary>Per-client-address limits on the public API; admin requests are never limited.</summary>
public static class RateLimits
{
    public const string Slots = "slots";
    public const string Bookings = "bookings";
    public const string Manage = "manage";
    /// <summary>Sign-in, sign-up, password reset and PIN forms: POSTs only, per client address.</summary>
    public const string Accounts = "accounts";

    public static readonly IReadOnlyDictionary<string, string> English = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["title"] = "Too many requests",
        ["detail"] = "Try again in {0} seconds.",
    };

    public static readonly IReadOnlyDictionary<string, string> Dutch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["title"] = "Te veel verzoeken",
        ["detail"] = "Probeer het over {0} seconden opnieuw.",
    };

    /// <summary>The refusal's words; declared after its dictionaries (statics initialise in order).</summary>
    public static readonly TextSet Words = new("rate-limits", English, Dutch);

    public static IServiceCollection AddBookwellRateLimits(this IServiceCollection services, IConfiguration config)
    {
        var slotsPerMinute = config.GetValue("Bookwell:RateLimits:SlotsPerMinute", 30);
        var bookingsPerMinute = config.GetValue("Bookwell:RateLimits:BookingsPerMinute", 5);
        // Manage links carry 256-bit tokens, so this limit is about load, not guessing; it stays generous.
        var managePerMinute = config.GetValue("Bookwell:RateLimits:ManagePerMinute", 300);
        var accountsPerMinute = config.GetValue("Bookwell:RateLimits:AccountsPerMinute", 20);
        services.AddSingleton<ClientBudgets>();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(Accounts, ctx => HttpMethods.IsPost(ctx.Request.Method) ? Partition(ctx, accountsPerMinute) : RateLimitPartition.GetNoLimiter("reads"));
            // Bookings and slots draw on the client's one budget of each (ClientBudgets), shared with the HTML forms and the MCP tools.
            o.AddPolicy(Slots, ctx => Shared(ctx, Slots));
            o.AddPolicy(Bookings, ctx => Shared(ctx, Bookings));
            o.AddPolicy(Manage, ctx => Partition(ctx, managePerMinute));
            o.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : 60;
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                // The API speaks English; the sign-in and sign-up forms answer in the visitor's language.
                var language = context.HttpContext.Request.Path.StartsWithSegments("/api") ? "en" : TextSet.CurrentLanguage;
                await Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Type = Problems.TypeBase + "rate-limited",
                    Title = Words.Get("title", language),
                    Status = StatusCodes.Status429TooManyRequests,
                    Detail = Words.FormatIn(language, CultureInfo.InvariantCulture, "detail", retry),
                }).ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    private static RateLimitPartition<string> Shared(HttpContext ctx, string budget)
    {
        var budgets = ctx.RequestServices.GetRequiredService<ClientBudgets>();
        if (!budgets.Applies(ctx, budget))
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }
        var key = ClientBudgets.Client(ctx);
        return RateLimitPartition.Get(key, k => new ClientBudgets.View(budgets, budget, k));
    }

    private static RateLimitPartition<string> Partition(HttpContext ctx, int perMinute)
    {
        if (perMinute <= 0 || ctx.RequestServices.GetRequiredService<TenantContext>().IsAdmin)
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }
        var key = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }
}

/// <summary>
/// Each client address's one budget per kind of public write or read: <see cref="RateLimits.Bookings"/> (a booking or a series by the
/// API, the booking form, the MCP <c>book</c> tool, and joining a waitlist by the API or its form) and <see cref="RateLimits.Slots"/>
/// (the API's and MCP's slot reads). One count per client, whichever door it comes through: a client cannot double its
/// budget by switching from the API to the form. Requests with the admin key are not counted.
/// </summary>
public sealed class ClientBudgets : IDisposable
{
    private readonly Dictionary<string, (int PerMinute, PartitionedRateLimiter<string> Limiter)> _budgets;

    public ClientBudgets(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _budgets = new(StringComparer.Ordinal)
        {
            [RateLimits.Bookings] = Create(config.GetValue("Bookwell:RateLimits:BookingsPerMinute", 5)),
            [RateLimits.Slots] = Create(config.GetValue("Bookwell:RateLimits:SlotsPerMinute", 30)),
        };
    }

    private static (int, PartitionedRateLimiter<string>) Create(int perMinute) => (perMinute, PartitionedRateLimiter.Create<string, string>(key =>
        perMinute <= 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));

    public static string Client(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    /// <summary>Whether <paramref name="budget"/> counts this request at all (a limit is set, and it is not the admin's).</summary>
    public bool Applies(HttpContext context, string budget)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _budgets[budget].PerMinute > 0 && !context.RequestServices.GetRequiredService<TenantContext>().IsAdmin;
    }

    /// <summary>Takes one from this client's <paramref name="budget"/>; false (with the seconds to wait) when it is spent.</summary>
    public bool TryAcquire(HttpContext context, string budget, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (!Applies(context, budget))
        {
            return true;
        }
        using var lease = _budgets[budget].Limiter.AttemptAcquire(Client(context));
        if (lease.IsAcquired)
        {
            return true;
        }
        retryAfterSeconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : 60;
        return false;
    }

    public void Dispose()
    {
        foreach (var (_, limiter) in _budgets.Values)
        {
            limiter.Dispose();
        }
    }

    /// <summary>
    /// The ASP.NET Core policy's partition for one client: a window onto the shared budget, so the endpoint middleware and the
    /// pages count against the same permits. It holds nothing of its own; when the middleware lets it go as idle, nothing is lost.
    /// </summary>
    public sealed class View(ClientBudgets budgets, string budget, string key) : RateLimiter
    {
        private PartitionedRateLimiter<string> Limiter => budgets._budgets[budget].Limiter;

        public override TimeSpan? IdleDuration => TimeSpan.MaxValue;

        public override RateLimiterStatistics? GetStatistics() => Limiter.GetStatistics(key);

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => Limiter.AttemptAcquire(key, permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            Limiter.AcquireAsync(key, permitCount, cancellationToken);
    }
}
