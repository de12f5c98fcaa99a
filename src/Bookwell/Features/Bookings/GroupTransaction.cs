using System.Data.Common;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The group writer's lock-first transaction (<see cref="BookingBatcher"/>; on PostgreSQL, clients without a consent to record mostly go without one,
/// see <see cref="BookingWrite"/>'s OneTrip). SQLite: an ordinary EF transaction. PostgreSQL: a plain <c>BEGIN</c> travels
/// at the head of the group's first batch and <c>COMMIT</c> at the tail of its last, so the group costs two round trips
/// instead of three. On a loaded machine every round trip is a wake-up of
/// the writer thread and of the server process, each waiting its turn for a core (measured with 64 clients at load
/// 12-19: 5 ms a round trip, while the writer and its backend used under a tenth of that in CPU), and the writer is
/// the step every booking waits for. EF's own transaction cannot do this: its commit is a round trip of its own.
/// The rows, locks and order inside the transaction are the same as with EF's.
/// </summary>
public sealed class GroupTransaction : IDisposable
{
    private readonly BookwellDb _db;
    private readonly IDbContextTransaction? _ef;
    private bool _open;

    public GroupTransaction(BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(db);
        _db = db;
        if (db.IsPostgres)
        {
            // SaveChanges (returning clients) then runs inside this transaction instead of opening its own, which
            // Npgsql would refuse while a BEGIN it did not send is open.
            db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
            db.Database.OpenConnection();
        }
        else
        {
            _ef = db.Database.BeginTransaction();
        }
    }

    /// <summary>PostgreSQL: the group's first batch, which opens the transaction with its first command.</summary>
    public NpgsqlBatch FirstBatch()
    {
        var batch = new NpgsqlBatch((NpgsqlConnection)_db.Database.GetDbConnection());
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        _open = true;
        return batch;
    }

    /// <summary>SQLite: the transaction for commands made outside EF (null on PostgreSQL, where the connection carries it).</summary>
    public DbTransaction? Transaction => _ef?.GetDbTransaction();

    /// <summary>Writes the new rows (<see cref="BulkInsert"/>, tables in this order) and commits.</summary>
    public void InsertAndCommit(params System.Collections.IList[] tables)
    {
        if (_ef is not null)
        {
            BulkInsert.Insert(_db, tables);
            _ef.Commit();
            return;
        }
        if (!_open)
        {
            // Nothing read before the writes: the BEGIN goes with them.
            _db.Database.ExecuteSqlRaw("BEGIN");
            _open = true;
        }
        BulkInsert.InsertAndCommit(_db, tables);
        _open = false;
    }

    public void Dispose()
    {
        if (_ef is not null)
        {
            _ef.Dispose();
            return;
        }
        if (_open)
        {
            // A failed group leaves the transaction open (or failed) on a connection that goes back to the pool.
            try
            {
                _db.Database.ExecuteSqlRaw("ROLLBACK");
            }
            catch (DbException)
            {
                // A broken connection is discarded by the pool; nothing is committed either way.
            }
            catch (InvalidOperationException)
            {
                // The connection is already closed or busy with a reader the failure left behind.
            }
        }
        _db.Database.CloseConnection();
    }
}
