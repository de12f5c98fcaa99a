using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;

namespace Bookwell.Features.Bookings;

/// <summary>
/// A write that met a busy database on every attempt (<see cref="Conflicts.IsTransient"/>) answers 503 with
/// Retry-After instead of a 500 or a false "slot taken": nothing was written, and the same request may be sent again.
/// </summary>
public sealed class BusyDatabaseHandler(ILogger<BusyDatabaseHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!Conflicts.IsTransient(exception) && !Conflicts.IsTransient(exception.InnerException))
        {
            return false;
        }
        log.LogWarning("A write met a busy database on every attempt; answered 503");
        httpContext.Response.Headers.RetryAfter = "1";
        await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: Problems.TypeBase + "busy", title: "Busy, try again",
            detail: "The database was busy and nothing was written; send the same request again.").ExecuteAsync(httpContext);
        return true;
    }
}
