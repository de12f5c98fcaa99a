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
}
