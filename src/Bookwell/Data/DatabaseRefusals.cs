using System.Data.Common;
using Bookwell.Features.Bookings;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bookwell.Data;

/// <summary>
/// How a failed database command reaches the log. EF logs every failure at Error with its stack trace, and a lost race is a
/// failure to it: the database refusing an overlapping allocation or a second copy of a unique row is how Bookwell learns that
/// someone else was first, and the writer answers it as a normal 409 or retries. Those refusals are logged here at Information,
/// one line without a stack trace; everything else stays an Error with its exception. EF's own failure events are turned down to
/// Debug where the context is set up (<see cref="DatabaseSetup"/>), so each failure is logged once, here.
/// </summary>
public sealed class DatabaseRefusals(ILogger<DatabaseRefusals> logger) : DbCommandInterceptor
{
    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        Log(eventData.Exception);
    }

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        Log(eventData.Exception);
        return Task.CompletedTask;
    }

    private void Log(Exception error)
    {
        if (Conflicts.IsRefusal(error))
        {
            logger.LogInformation("The database refused a write ({Reason}): another request was first; the caller answers it (a 409 or a retry).",
                Conflicts.Describe(error));
        }
        else
        {
            logger.LogError(error, "A database command failed.");
        }
    }
}
