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
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(Accounts, ctx => HttpMethods.IsPost(ctx.Request.Method) ? Partition(ctx, accountsPerMinute) : RateLimitPartition.GetNoLimiter("reads"));
            o.AddPolicy(Slots, ctx => Partition(ctx, slotsPerMinute));
            o.AddPolicy(Bookings, ctx => Partition(ctx, bookingsPerMinute));
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
/// The booking limit for the HTML form, which shares its page with plain browsing: only the final submit
/// is counted, against the same per-address budget as the JSON API.
/// </summary>
public sealed class FormBookingLimiter(IConfiguration config) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
    {
        var perMinute = config.GetValue("Bookwell:RateLimits:BookingsPerMinute", 5);
        return perMinute <= 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
    });

    public bool TryAcquire(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var lease = _limiter.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
