using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Notifications;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The lifecycle's one write loop: every writer of booking rows (<see cref="BookingLifecycle"/>, <see cref="BookingCreator"/>,
/// the series writers, the desk checkout) runs its unit of work through it. Each attempt takes the write lock (SQLite: the
/// process's writer gate), begins a transaction, bumps the business's busy version (locked first by every writer, see
/// <see cref="BusyVersions"/>) and runs the work. What the work answers decides the rest (<see cref="WriteAttempt{T}"/>):
/// commit (save, commit, wake the outbox, let the lock go, then raise <see cref="TimeFreed"/> for the time the work let go),
/// roll back and answer, or roll back and try again. Only the database refusing a write for a lost race
/// (<see cref="Conflicts.IsConflict"/>: the time is held, or the database was busy) is retried; after the last attempt it is
/// answered as taken (or thrown as busy, <see cref="Conflicts.Exhausted{T}"/>), or, for a writer that names no "taken"
/// answer, thrown as it is. Any other refusal (a unique key, a foreign key) is a fault and is thrown at once.
/// </summary>
public sealed partial class BookingWrite(BookwellDb db, SqliteWriteGate gate, OutboxSignal outbox, TimeFreedEvents events, OverlapProbes overlapProbes)
{
    /// <summary>Runs <paramref name="work"/> until it answers, at most <paramref name="attempts"/> times (see the class).</summary>
    /// <param name="taken">The answer when the database refused the last attempt for a lost race; null: that refusal is thrown.</param>
    /// <param name="fresh">Let go of every tracked entity before the work, so nothing read before the lock decides anything.</param>
    /// <param name="bump">Bump the business's busy version before the work (false: the work locks what it needs itself).</param>
    /// <param name="lostRace">Which refusals are a lost race to retry; <see cref="Conflicts.IsConflict"/> unless the writer's own
    /// race is another copy of the same row (<see cref="Conflicts.IsLostRace"/>: the desk's checkout key).</param>
    public async Task<T> RunAsync<T>(int attempts, T? taken, Func<WriteAttempt<T>, Task<WriteStep<T>>> work, CancellationToken ct,
        bool fresh = true, bool bump = true, Func<DbUpdateException, bool>? lostRace = null)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await TryAsync(attempt, attempts, taken, work, ct, fresh, bump, lostRace) is { } result)
            {
                return result;
            }
        }
    }

    /// <summary>
    /// One attempt of <see cref="RunAsync{T}"/>, for a writer that chooses again outside the lock between attempts
    /// (the engine's assignment is a read): the answer, or null when another attempt may succeed.
    /// </summary>
    public async Task<T?> TryAsync<T>(int attempt, int attempts, T? taken, Func<WriteAttempt<T>, Task<WriteStep<T>>> work, CancellationToken ct,
        bool fresh = true, bool bump = true, Func<DbUpdateException, bool>? lostRace = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(work);
        lostRace ??= Conflicts.IsConflict;
        var current = new WriteAttempt<T>(attempt, attempts);
        using var writeLock = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            if (fresh)
            {
                db.ChangeTracker.Clear();
            }
            if (bump)
            {
                await BusyVersions.BumpAsync(db, db.TenantId, ct);
            }
            var step = await work(current);
            if (step.Kind != WriteOutcome.Commit)
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return step.Kind == WriteOutcome.Answer || current.IsLast ? step.Result : null;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            outbox.Notify();
            // Listeners write too (the waitlist holds freed time): on SQLite they would wait for this lock forever.
            writeLock.Dispose();
            await RaiseAsync(current.Freed, ct);
            return step.Result;
        }
        catch (DbUpdateException ex) when (lostRace(ex) && (taken is not null || !current.IsLast))
        {
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return current.IsLast ? Conflicts.Exhausted(ex, taken!) : null;
        }
    }

    /// <summary>After the commit: tells listeners which time came free.</summary>
    public Task RaiseAsync(IReadOnlyList<TimeFreed> freed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freed);
        return freed.Count == 0 ? Task.CompletedTask : events.RaiseAsync(freed, ct);
    }
}

/// <summary>One attempt of a <see cref="BookingWrite"/>: its number, the time its work frees, and the answers the work gives.</summary>
public sealed class WriteAttempt<T>(int number, int attempts)
    where T : class
{
    public int Number { get; } = number;

    public bool IsLast => Number >= attempts;

    /// <summary>Time the work let go; raised after the commit, and only then.</summary>
    public List<TimeFreed> Freed { get; } = [];

    /// <summary>Save and commit what the work did, then answer <paramref name="result"/>.</summary>
    public WriteStep<T> Commit(T result) => new(WriteOutcome.Commit, result);

    /// <summary>Roll back everything the work did and answer <paramref name="result"/>.</summary>
    public WriteStep<T> Answer(T result) => new(WriteOutcome.Answer, result);

    /// <summary>Roll back and try again, as after a refusal by the database; on the last attempt answer <paramref name="ifLast"/>.</summary>
    public WriteStep<T> Retry(T ifLast) => new(WriteOutcome.Retry, ifLast);
}

/// <summary>What a unit of work asks its <see cref="BookingWrite"/> to do (made through <see cref="WriteAttempt{T}"/>).</summary>
public readonly record struct WriteStep<T>(WriteOutcome Kind, T Result)
    where T : class;

/// <summary>Commit the work; roll it back and answer; or roll it back and try again.</summary>
public enum WriteOutcome
{
    Commit,
    Answer,
    Retry,
}
