using Bookwell.Features.Bookings;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Which database errors are a lost race (retried, then "taken"), which are a busy database (retried, then 503)
/// and which are faults. The drivers' own exception types, with the codes the databases send.
/// </summary>
public sealed class ConflictClassificationTests
{
    private static DbUpdateException Wrapped(Exception inner) => new("write failed", inner);

    public static TheoryData<string, bool, bool> Cases() => new()
    {
        // name, conflict (retried), transient (503 after the last retry)
        { "pg-exclusion", true, false },
        { "pg-unique", true, false },
        { "pg-serialization", true, true },
        { "pg-deadlock", true, true },
        { "pg-foreign-key", false, false },
        { "pg-check", false, false },
        { "sqlite-busy", true, true },
        { "sqlite-locked", true, true },
        { "sqlite-overlap-trigger", true, false },
        { "sqlite-foreign-key", false, false },
        { "sqlite-io", false, false },
        { "timeout", false, false },
    };

    private static Exception Make(string name) => name switch
    {
        "pg-exclusion" => new PostgresException("conflicting key value violates exclusion constraint", "ERROR", "ERROR", PostgresErrorCodes.ExclusionViolation),
        "pg-unique" => new PostgresException("duplicate key value", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation),
        "pg-serialization" => new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure),
        "pg-deadlock" => new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected),
        "pg-foreign-key" => new PostgresException("violates foreign key constraint", "ERROR", "ERROR", PostgresErrorCodes.ForeignKeyViolation),
        "pg-check" => new PostgresException("violates check constraint", "ERROR", "ERROR", PostgresErrorCodes.CheckViolation),
        "sqlite-busy" => new SqliteException("database is locked", 5),
        "sqlite-locked" => new SqliteException("database table is locked", 6),
        "sqlite-overlap-trigger" => new SqliteException("SQLite Error 19: 'allocation_overlap'.", 19),
        "sqlite-foreign-key" => new SqliteException("SQLite Error 19: 'FOREIGN KEY constraint failed'.", 19),
        "sqlite-io" => new SqliteException("disk I/O error", 10),
        "timeout" => new TimeoutException(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachDatabaseError_IsClassifiedByWhatItMeans(string name, bool conflict, bool transient)
    {
        var error = Wrapped(Make(name));
        Assert.Equal(conflict, Conflicts.IsConflict(error));
        Assert.Equal(transient, Conflicts.IsTransient(error));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheLastAttempt_IsTakenOnlyWhenTheTimeIsHeld_OtherwiseBusy(string name, bool conflict, bool transient)
    {
        _ = conflict;
        var error = Wrapped(Make(name));
        if (transient)
        {
            var busy = Assert.Throws<DatabaseBusyException>(() => Conflicts.Exhausted(error, "taken"));
            Assert.Same(error, busy.InnerException);
        }
        else
        {
            Assert.Equal("taken", Conflicts.Exhausted(error, "taken"));
        }
    }
}
