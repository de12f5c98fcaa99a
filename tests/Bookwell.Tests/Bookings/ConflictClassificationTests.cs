using Bookwell.Features.Bookings;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bookwell.Tests.Bookings;

/// <summary>
/// Which database errors are a lost race for time (retried, then "taken"), which are a busy database (retried, then 503)
/// and which are faults; and which a writer racing for the same row (an invoice, a ledger entry) retries besides. The
/// drivers' own exception types, with the codes (and PostgreSQL's constraint name) the databases send.
/// </summary>
public sealed class ConflictClassificationTests
{
    private static DbUpdateException Wrapped(Exception inner) => new("write failed", inner);

    public static TheoryData<string, bool, bool, bool> Cases() => new()
    {
        // name, conflict (a booking write retries it), transient (503 after the last retry), a lost race for a row writer
        { "pg-exclusion", true, false, true },
        { "pg-exclusion-other", false, false, false },
        { "pg-unique", false, false, true },
        { "pg-serialization", true, true, true },
        { "pg-deadlock", true, true, true },
        { "pg-foreign-key", false, false, false },
        { "pg-check", false, false, false },
        { "sqlite-busy", true, true, true },
        { "sqlite-locked", true, true, true },
        { "sqlite-overlap-trigger", true, false, true },
        { "sqlite-unique", false, false, true },
        { "sqlite-foreign-key", false, false, false },
        { "sqlite-io", false, false, false },
        { "timeout", false, false, false },
    };

    private static Exception Make(string name) => name switch
    {
        "pg-exclusion" => new PostgresException("conflicting key value violates exclusion constraint", "ERROR", "ERROR", PostgresErrorCodes.ExclusionViolation,
            constraintName: Conflicts.OverlapConstraint),
        "pg-exclusion-other" => new PostgresException("conflicting key value violates exclusion constraint", "ERROR", "ERROR", PostgresErrorCodes.ExclusionViolation,
            constraintName: "EX_Something_Else"),
        "pg-unique" => new PostgresException("duplicate key value", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation, constraintName: "IX_Customers_TenantId_EmailNormalized"),
        "pg-serialization" => new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure),
        "pg-deadlock" => new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected),
        "pg-foreign-key" => new PostgresException("violates foreign key constraint", "ERROR", "ERROR", PostgresErrorCodes.ForeignKeyViolation),
        "pg-check" => new PostgresException("violates check constraint", "ERROR", "ERROR", PostgresErrorCodes.CheckViolation),
        "sqlite-busy" => new SqliteException("database is locked", 5),
        "sqlite-locked" => new SqliteException("database table is locked", 6),
        "sqlite-overlap-trigger" => new SqliteException("SQLite Error 19: 'allocation_overlap'.", 19),
        "sqlite-unique" => new SqliteException("SQLite Error 19: 'UNIQUE constraint failed: Customers.TenantId, Customers.EmailNormalized'.", 19),
        "sqlite-foreign-key" => new SqliteException("SQLite Error 19: 'FOREIGN KEY constraint failed'.", 19),
        "sqlite-io" => new SqliteException("disk I/O error", 10),
        "timeout" => new TimeoutException(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachDatabaseError_IsClassifiedByWhatItMeans(string name, bool conflict, bool transient, bool lostRace)
    {
        var error = Wrapped(Make(name));
        Assert.Equal(conflict, Conflicts.IsConflict(error));
        Assert.Equal(transient, Conflicts.IsTransient(error));
        Assert.Equal(lostRace, Conflicts.IsLostRace(error));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheLastAttempt_IsTakenOnlyWhenTheTimeIsHeld_OtherwiseBusy(string name, bool conflict, bool transient, bool lostRace)
    {
        _ = (conflict, lostRace);
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
