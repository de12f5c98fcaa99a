using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Bookwell.Data;

/// <summary>
/// New rows written straight from the EF model (table, columns, store types, value converters), for the
/// one path where change tracking costs more than the write: many new rows at once inside a transaction
/// that is already open. PostgreSQL gets every table's rows in one batch, one round trip: per table an
/// INSERT ... SELECT over unnest() of one array per column (one statement text whatever the number of rows,
/// so it is prepared once). SQLite gets one prepared INSERT per table, run for each row. Synchronous: its
/// one caller is the group writer's own thread. Constraints and triggers apply as for any insert. Keys the
/// database generates are left out (and not read back).
/// </summary>
public static class BulkInsert
{
    /// <param name="tables">One list per table (a <c>List&lt;T&gt;</c> of a mapped entity type), written in this order.</param>
    public static void Insert(BookwellDb db, params System.Collections.IList[] tables)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(tables);
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
                          ?? throw new InvalidOperationException("Bulk inserts run inside the caller's transaction.");
        if (connection is NpgsqlConnection pg)
        {
            // A COPY per table costs two round trips each (ten for a booking group); on a busy machine each is
            // a wake-up of the writer thread and of the server process, and the writer is the serial step.
            using var batch = Batch(db, pg, (NpgsqlTransaction)transaction, tables);
            if (batch.BatchCommands.Count > 0)
            {
                batch.ExecuteNonQuery();
            }
            return;
        }
        foreach (var rows in tables.Where(t => t.Count > 0))
        {
            InsertEach(db, connection, transaction, rows);
        }
    }

    /// <summary>
    /// PostgreSQL: the rows and then <c>COMMIT</c> in one batch, one round trip, for a transaction the caller opened with
    /// a plain <c>BEGIN</c> on this connection (<see cref="Features.Bookings.GroupTransaction"/>). A refused row stops
    /// the batch before its COMMIT, and the transaction is left failed for the caller to roll back.
    /// </summary>
    public static void InsertAndCommit(BookwellDb db, params System.Collections.IList[] tables)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(tables);
        using var batch = Batch(db, (NpgsqlConnection)db.Database.GetDbConnection(), null, tables);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        batch.ExecuteNonQuery();
    }

    private static NpgsqlBatch Batch(BookwellDb db, NpgsqlConnection connection, NpgsqlTransaction? transaction, System.Collections.IList[] tables)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var rows in tables.Where(t => t.Count > 0))
        {
            batch.BatchCommands.Add(Unnest(db, rows));
        }
        return batch;
    }

    /// <summary>
    /// Each entity type's columns, worked out once: reading them from the EF model (column names, type mappings, getters) was
    /// a third of the group writer's own CPU, and the group writer is the step every booking waits for.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IEntityType, TableColumns> ColumnsOf = new();

    private sealed record TableColumns(StoreObjectIdentifier Table, List<(IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter)> Columns,
        string QuotedNames);

    private static List<(IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter)> Columns(BookwellDb db,
        System.Collections.IList rows, out StoreObjectIdentifier table)
    {
        var found = Describe(db, rows);
        table = found.Table;
        return found.Columns;
    }

    private static TableColumns Describe(BookwellDb db, System.Collections.IList rows)
    {
        var type = rows.GetType().GetGenericArguments().Single();
        var entity = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
        return ColumnsOf.GetValue(entity, e =>
        {
            var store = StoreObjectIdentifier.Table(e.GetTableName()!, e.GetSchema());
            var columns = e.GetProperties()
                .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType == typeof(long)))
                .Select(p => (Property: p, Name: p.GetColumnName(store)!, Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping(),
                    Getter: p.GetGetter()))
                .ToList();
            return new TableColumns(store, columns, string.Join(", ", columns.Select(c => $"\"{c.Name}\"")));
        });
    }

    /// <summary>One array per column, typed as the provider stores it (Npgsql maps the array type: uuid[], text[], timestamptz[], ...).</summary>
    private static NpgsqlBatchCommand Unnest(BookwellDb db, System.Collections.IList rows)
    {
        var columns = Columns(db, rows, out var table);
        var command = new NpgsqlBatchCommand(
            $"INSERT INTO \"{table.Name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) " +
            $"SELECT * FROM unnest({string.Join(", ", columns.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"@p{i}")))})");
        for (var c = 0; c < columns.Count; c++)
        {
            command.Parameters.Add(new NpgsqlParameter(string.Create(CultureInfo.InvariantCulture, $"p{c}"), Values(columns[c], rows)));
        }
        return command;
    }

    private static Array Values((IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter) column,
        System.Collections.IList rows)
    {
        var (property, _, mapping, getter) = column;
        var element = mapping.Converter?.ProviderClrType ?? property.ClrType;
        if (element.IsValueType && Nullable.GetUnderlyingType(element) is null && property.IsNullable)
        {
            element = typeof(Nullable<>).MakeGenericType(element);
        }
        var values = Array.CreateInstance(element, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var value = getter.GetClrValueUsingContainingEntity(rows[r]!);
            values.SetValue(value is null ? null : mapping.Converter?.ConvertToProvider(value) ?? value, r);
        }
        return values;
    }

    /// <summary>
    /// PostgreSQL: one member of a data-modifying <c>WITH</c> (the group writer's single statement,
    /// <see cref="Features.Bookings.BookingWrite.CommitGroup"/>): <c>INSERT ... SELECT</c> over unnest() of one array per
    /// column, as <see cref="Insert"/> writes it, plus a row filter. The unnested row is <c>r</c>, its columns named as the
    /// table's (<c>r."TenantId"</c>), and with <paramref name="draftOf"/> an extra int column <c>r.d</c> (whose draft the
    /// row belongs to). <paramref name="expressions"/> replaces a column's value with SQL over <c>r</c>. Parameters are
    /// added to <paramref name="command"/>, named with <paramref name="prefix"/>.
    /// </summary>
    public static string KeptInsert(BookwellDb db, NpgsqlBatchCommand command, string prefix, System.Collections.IList rows, IReadOnlyList<int>? draftOf,
        string where, string? returning = null, IReadOnlyDictionary<string, string>? expressions = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(rows);
        var described = Describe(db, rows);
        var (table, columns) = (described.Table, described.Columns);
        var parameters = new List<string>(columns.Count + 1);
        for (var c = 0; c < columns.Count; c++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}{c}");
            command.Parameters.Add(new NpgsqlParameter(name, Values(columns[c], rows)));
            parameters.Add("@" + name);
        }
        var aliases = described.QuotedNames;
        if (draftOf is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<int[]>(prefix + "d", [.. draftOf]));
            parameters.Add($"@{prefix}d");
            aliases += ", d";
        }
        var select = columns.Select(c => expressions is not null && expressions.TryGetValue(c.Name, out var sql) ? sql : $"r.\"{c.Name}\"");
        return $"INSERT INTO \"{table.Name}\" ({described.QuotedNames}) SELECT {string.Join(", ", select)} " +
               $"FROM unnest({string.Join(", ", parameters)}) AS r({aliases}) WHERE {where}" +
               (returning is null ? "" : $" RETURNING {returning}");
    }

    /// <summary>
    /// SQLite looks named parameters up by a linear search, so one statement with thousands of them spends its
    /// time comparing names (measured: an eighth of the app's CPU); one prepared single-row statement run once
    /// per row costs a parse per table and nothing per row but the bind.
    /// </summary>
    private static void InsertEach(BookwellDb db, DbConnection connection, DbTransaction transaction, System.Collections.IList rows)
    {
        var columns = Columns(db, rows, out var table);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"{table.Name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) " +
                              $"VALUES ({string.Join(", ", columns.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"@p{i}")))})";
        var parameters = columns.Select((c, i) =>
        {
            var parameter = c.Mapping.CreateParameter(command, string.Create(CultureInfo.InvariantCulture, $"@p{i}"), null, c.Property.IsNullable);
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        command.Prepare();
        foreach (var row in rows)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                var value = columns[c].Getter.GetClrValueUsingContainingEntity(row!);
                parameters[c].Value = value is null ? DBNull.Value : columns[c].Mapping.Converter?.ConvertToProvider(value) ?? value;
            }
            command.ExecuteNonQuery();
        }
    }
}
