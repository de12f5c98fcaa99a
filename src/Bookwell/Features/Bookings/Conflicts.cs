using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Tells a lost race from a fault. Only the database refusing a write because someone else holds the time
/// (or the row) is a conflict, which is retried and then reported as "taken"; anything else is an error.
/// </summary>
public static class Conflicts
{
    public static bool IsConflict(DbUpdateException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return IsConflictError(ex.InnerException);
    }

    /// <summary>The database's own error for a lost race (what EF wraps, or what a bulk insert throws as is).</summary>
    public static bool IsConflictError(Exception? error) => error switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.ExclusionViolation or PostgresErrorCodes.UniqueViolation
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        SqliteException sl => sl.SqliteErrorCode is 5 or 6 ||
            (sl.SqliteErrorCode == 19 && (sl.Message.Contains("allocation_overlap", StringComparison.Ordinal) || sl.Message.Contains("UNIQUE", StringComparison.Ordinal))),
        DbUpdateException update => IsConflict(update),
        _ => false,
    };

    /// <summary>
    /// The database was too busy to judge (a lock it could not get, a serialization failure, a deadlock): nobody
    /// holds the time, so after the last retry this is not "taken" but "try again", which <see cref="BusyDatabaseHandler"/>
    /// answers as 503 with Retry-After.
    /// </summary>
    public static bool IsTransient(Exception? error) => error switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        SqliteException sl => sl.SqliteErrorCode is 5 or 6,
        DbUpdateException update => IsTransient(update.InnerException),
        DatabaseBusyException => true,
        _ => false,
    };

    /// <summary>What a writer answers when its last attempt was refused: taken when the time is held, thrown when the database was only busy.</summary>
    public static T Exhausted<T>(DbUpdateException ex, T taken) =>
        IsTransient(ex) ? throw new DatabaseBusyException(ex) : taken;
}

/// <summary>Every attempt of a write met a busy database; nothing was written and the same request may be sent again.</summary>
public sealed class DatabaseBusyException(Exception inner) : Exception("The database stayed busy through every attempt.", inner);
