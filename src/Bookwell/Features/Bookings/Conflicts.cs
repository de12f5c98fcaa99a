using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Tells a lost race from a fault. For a booking write only the database refusing an allocation because someone
/// else holds the time (<see cref="IsTimeTaken"/>), or being too busy to judge (<see cref="IsTransient"/>), is a
/// conflict, which is retried and then reported as "taken" (or "busy"); any other refusal, a unique key included, is
/// an error and is thrown. Writers whose race is a second copy of the same row (an invoice, a ledger entry, a queued
/// reminder) ask <see cref="IsLostRace"/>, which also counts unique keys: their retry reads the other writer's row.
/// </summary>
public static class Conflicts
{
    /// <summary>PostgreSQL's exclusion constraint on live allocations (migrations Initial and ExclusionTimeFirst).</summary>
    public const string OverlapConstraint = "EX_Allocations_NoOverlap";

    /// <summary>What SQLite's allocation triggers raise in its place (migration Initial, TR_Allocations_NoOverlap_*).</summary>
    public const string OverlapRaised = "allocation_overlap";

    /// <summary>A lost race for time (see the class).</summary>
    public static bool IsConflict(DbUpdateException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return IsConflictError(ex.InnerException);
    }

    /// <summary>The database's own error for a lost race for time (what EF wraps, or what a bulk insert throws as is).</summary>
    public static bool IsConflictError(Exception? error) => IsTimeTaken(error) || IsTransient(error);

    /// <summary>
    /// The database refused an allocation that overlaps a live one of the same unit and seat. The one guard of time:
    /// staff, resource seats, the page's calendar, and a class's capacity too (each member holds a numbered seat of
    /// the class under it; the seat's range is a check constraint, whose refusal is a fault, not a race).
    /// </summary>
    public static bool IsTimeTaken(Exception? error) => error switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.ExclusionViolation && pg.ConstraintName == OverlapConstraint,
        SqliteException sl => sl.SqliteErrorCode == 19 && sl.Message.Contains(OverlapRaised, StringComparison.Ordinal),
        DbUpdateException update => IsTimeTaken(update.InnerException),
        _ => false,
    };

    /// <summary>
    /// For writers whose race is another writer's copy of the same row: a unique key refused, besides everything
    /// <see cref="IsConflict"/> counts. Their next attempt reads that row and stops; not for booking writes.
    /// </summary>
    public static bool IsLostRace(DbUpdateException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return IsConflict(ex) || IsDuplicateKey(ex.InnerException);
    }

    /// <summary>
    /// A refusal that is a lost race for some writer (time taken, a unique key already written by another, a busy database), as
    /// opposed to a fault: logged as such (<see cref="Data.DatabaseRefusals"/>). A writer that did not expect it still throws it.
    /// </summary>
    public static bool IsRefusal(Exception? error) => IsConflictError(error) || IsDuplicateKey(error);

    /// <summary>The database's name for a refusal, for the log: its error code and constraint, never the values.</summary>
    public static string Describe(Exception? error) => error switch
    {
        PostgresException pg => pg.ConstraintName is { } c ? $"{pg.SqlState} {c}" : pg.SqlState,
        SqliteException sl => $"SQLite {sl.SqliteErrorCode}/{sl.SqliteExtendedErrorCode}",
        DbUpdateException update => Describe(update.InnerException),
        _ => error?.GetType().Name ?? "unknown",
    };

    private static bool IsDuplicateKey(Exception? error) => error switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sl => sl.SqliteErrorCode == 19 && sl.Message.Contains("UNIQUE", StringComparison.Ordinal),
        DbUpdateException update => IsDuplicateKey(update.InnerException),
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
