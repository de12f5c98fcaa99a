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
/// that is already open. PostgreSQL gets a binary COPY per table (no statement to parse or plan, whatever
/// the number of rows); SQLite one prepared INSERT per table, run for each row. Synchronous: its
/// one caller is the group writer's own thread. Constraints and triggers apply as for any
/// insert. Keys the database generates are left out (and not read back).
/// </summary>
public static class BulkInsert
{
    public static void Insert<T>(BookwellDb db, IReadOnlyList<T> rows)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType == typeof(long)))
            .Select(p => (Property: p, Name: p.GetColumnName(table)!, Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping(),
                Getter: p.GetGetter()))
            .ToList();
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
                          ?? throw new InvalidOperationException("Bulk inserts run inside the caller's transaction.");
        if (connection is NpgsqlConnection pg)
        {
            var copy = $"COPY \"{table.Name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)";
            using var importer = pg.BeginBinaryImport(copy);
            foreach (var row in rows)
            {
                importer.StartRow();
                foreach (var (property, _, mapping, getter) in columns)
                {
                    var value = getter.GetClrValueUsingContainingEntity(row);
                    if (mapping.Converter is { } converter && value is not null)
                    {
                        value = converter.ConvertToProvider(value);
                    }
                    if (value is null)
                    {
                        importer.WriteNull();
                    }
                    else
                    {
                        importer.Write(value, mapping.StoreType);
                    }
                }
            }
            importer.Complete();
            return;
        }
        // SQLite looks named parameters up by a linear search, so one statement with thousands of them
        // spends its time comparing names (measured: an eighth of the app's CPU); one prepared single-row
        // statement run once per row costs a parse per table and nothing per row but the bind.
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
                var value = columns[c].Getter.GetClrValueUsingContainingEntity(row);
                parameters[c].Value = value is null ? DBNull.Value : columns[c].Mapping.Converter?.ConvertToProvider(value) ?? value;
            }
            command.ExecuteNonQuery();
        }
    }
}
