using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bookwell.Data;

/// <summary>
/// Multi-row INSERT statements built from the EF model (table, columns, value converters), for the one
/// path where change tracking costs more than the write: many new rows at once inside a transaction
/// that is already open. One statement per table per group instead of one per row means one parse and
/// one round trip. Keys the database generates are left out (and not read back).
/// </summary>
public static class BulkInsert
{
    // Below both SQLite's (32,766) and PostgreSQL's (65,535) limit on parameters per statement.
    private const int MaxParameters = 30_000;

    public static async Task InsertAsync<T>(BookwellDb db, IReadOnlyList<T> rows, CancellationToken ct)
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
        var perStatement = Math.Max(1, MaxParameters / columns.Count);
        for (var offset = 0; offset < rows.Count; offset += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - offset);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(64 + (count * columns.Count * 8));
            sql.Append("INSERT INTO \"").Append(table.Name).Append("\" (")
                .AppendJoin(", ", columns.Select(c => $"\"{c.Name}\"")).Append(") VALUES ");
            for (var r = 0; r < count; r++)
            {
                var row = rows[offset + r];
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    var name = string.Create(CultureInfo.InvariantCulture, $"@p{(r * columns.Count) + c}");
                    sql.Append(c == 0 ? "" : ", ").Append(name);
                    var (property, _, mapping, getter) = columns[c];
                    command.Parameters.Add(mapping.CreateParameter(command, name, getter.GetClrValueUsingContainingEntity(row), property.IsNullable));
                }
                sql.Append(')');
            }
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
