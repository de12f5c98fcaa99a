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
        string QuotedNames, Func<System.Collections.IList, NpgsqlParameter>[] Arrays, string UnnestSql);

    private static List<(IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter)> Columns(BookwellDb db,
        System.Collections.IList rows, out StoreObjectIdentifier table)
    {
        var found = Describe(db, rows);
        table = found.Table;
        return found.Columns;
    }

    private static TableColumns Describe(BookwellDb db, System.Collections.IList rows) => Describe(db, rows.GetType().GetGenericArguments().Single());

    private static TableColumns Describe(BookwellDb db, Type type)
    {
        var entity = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
        return ColumnsOf.GetValue(entity, e =>
        {
            var store = StoreObjectIdentifier.Table(e.GetTableName()!, e.GetSchema());
            var columns = e.GetProperties()
                .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType == typeof(long)))
                .Select(p => (Property: p, Name: p.GetColumnName(store)!, Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping(),
                    Getter: p.GetGetter()))
                .ToList();
            var names = string.Join(", ", columns.Select(c => $"\"{c.Name}\""));
            return new TableColumns(store, columns, names, [.. columns.Select(ArrayOf)],
                $"INSERT INTO \"{store.Name}\" ({names}) SELECT * FROM unnest({Placeholders(1, columns.Count)})");
        });
    }

    /// <summary>One array per column, typed as the provider stores it (Npgsql maps the array type: uuid[], text[], timestamptz[], ...).</summary>
    private static NpgsqlBatchCommand Unnest(BookwellDb db, System.Collections.IList rows)
    {
        var described = Describe(db, rows);
        var command = new NpgsqlBatchCommand(described.UnnestSql);
        foreach (var array in described.Arrays)
        {
            command.Parameters.Add(array(rows));
        }
        return command;
    }

    /// <summary><c>$first, ..., $(first + count - 1)</c>: positional placeholders, which Npgsql sends as they are (named ones it parses the text for).</summary>
    private static string Placeholders(int first, int count) =>
        string.Join(", ", Enumerable.Range(first, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"${i}")));

    /// <summary>
    /// A column's values as one typed, positional array parameter, read by a compiled getter (the property, through the
    /// column's value converter, null kept as null). Reading them through EF's boxed getter and <see cref="Array.SetValue"/>
    /// was a fifth of the group writer's CPU. A property without a CLR member (shadow state) keeps that slower way.
    /// </summary>
    private static Func<System.Collections.IList, NpgsqlParameter> ArrayOf((IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter) column)
    {
        var (property, _, mapping, _) = column;
        var element = ElementType(property, mapping);
        var member = (System.Reflection.MemberInfo?)property.PropertyInfo ?? property.FieldInfo;
        if (member is null || property.DeclaringType.ClrType is not { } rowType)
        {
            return rows => new NpgsqlParameter { Value = Values(column, rows) };
        }
        var row = System.Linq.Expressions.Expression.Parameter(rowType, "row");
        System.Linq.Expressions.Expression value = System.Linq.Expressions.Expression.MakeMemberAccess(row, member);
        if (mapping.Converter is { } converter)
        {
            var convert = converter.ConvertToProviderExpression;
            var model = convert.Parameters[0].Type;
            var input = value.Type == model ? value : System.Linq.Expressions.Expression.Convert(value, model);
            System.Linq.Expressions.Expression converted = System.Linq.Expressions.Expression.Convert(
                new ParameterSwap(convert.Parameters[0], input).Visit(convert.Body), element);
            value = value.Type.IsValueType && Nullable.GetUnderlyingType(value.Type) is null
                ? converted
                : System.Linq.Expressions.Expression.Condition(
                    System.Linq.Expressions.Expression.Equal(value, System.Linq.Expressions.Expression.Constant(null, value.Type)),
                    System.Linq.Expressions.Expression.Constant(null, element), converted);
        }
        else if (value.Type != element)
        {
            value = System.Linq.Expressions.Expression.Convert(value, element);
        }
        var getter = System.Linq.Expressions.Expression.Lambda(typeof(Func<,>).MakeGenericType(rowType, element), value, row).Compile();
        return (Func<System.Collections.IList, NpgsqlParameter>)typeof(BulkInsert)
            .GetMethod(nameof(TypedArray), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(rowType, element).Invoke(null, [getter])!;
    }

    private static Func<System.Collections.IList, NpgsqlParameter> TypedArray<TRow, TValue>(Func<TRow, TValue> get) => rows =>
    {
        var values = new TValue[rows.Count];
        if (rows is List<TRow> list)
        {
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = get(list[r]);
            }
        }
        else
        {
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = get((TRow)rows[r]!);
            }
        }
        return new NpgsqlParameter<TValue[]> { TypedValue = values };
    };

    private sealed class ParameterSwap(System.Linq.Expressions.ParameterExpression from, System.Linq.Expressions.Expression to) : System.Linq.Expressions.ExpressionVisitor
    {
        protected override System.Linq.Expressions.Expression VisitParameter(System.Linq.Expressions.ParameterExpression node) => node == from ? to : node;
    }

    /// <summary>The array's element type: the provider's type (after the value converter), nullable when the column is.</summary>
    private static Type ElementType(IProperty property, RelationalTypeMapping mapping)
    {
        var element = mapping.Converter?.ProviderClrType ?? property.ClrType;
        return element.IsValueType && Nullable.GetUnderlyingType(element) is null && property.IsNullable
            ? typeof(Nullable<>).MakeGenericType(element)
            : element;
    }

    private static Array Values((IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter) column,
        System.Collections.IList rows)
    {
        var (property, _, mapping, getter) = column;
        var values = Array.CreateInstance(ElementType(property, mapping), rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var value = getter.GetClrValueUsingContainingEntity(rows[r]!);
            values.SetValue(value is null ? null : mapping.Converter?.ConvertToProvider(value) ?? value, r);
        }
        return values;
    }

    /// <summary>
    /// PostgreSQL: the parameters of one <see cref="KeptInsertSql"/> member, added to <paramref name="command"/> in its order
    /// (positional, unnamed): one array per column and, with <paramref name="draftOf"/>, the int array of whose draft each row is.
    /// </summary>
    public static void AddRows(BookwellDb db, NpgsqlBatchCommand command, System.Collections.IList rows, IReadOnlyList<int>? draftOf)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var array in Describe(db, rows).Arrays)
        {
            command.Parameters.Add(array(rows));
        }
        if (draftOf is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. draftOf] });
        }
    }

    /// <summary>
    /// PostgreSQL: one member of a data-modifying <c>WITH</c> (the group writer's single statement,
    /// <see cref="Features.Bookings.BookingWrite.CommitGroup"/>): <c>INSERT ... SELECT</c> over unnest() of one array per
    /// column, as <see cref="Insert"/> writes it, plus a row filter. The unnested row is <c>r</c>, its columns named as the
    /// table's (<c>r."TenantId"</c>), and with <paramref name="withDraft"/> an extra int column <c>r.d</c> (whose draft the
    /// row belongs to). <paramref name="expressions"/> replaces a column's value with SQL over <c>r</c>. The arrays are
    /// the positional parameters from <paramref name="next"/> on, as <see cref="AddRows"/> adds them; <paramref name="next"/>
    /// is moved past them. The text depends on nothing but its arguments, so a caller builds it once.
    /// </summary>
    public static string KeptInsertSql(BookwellDb db, Type rowType, ref int next, bool withDraft, string where, string? returning = null,
        IReadOnlyDictionary<string, string>? expressions = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rowType);
        var described = Describe(db, rowType);
        var columns = described.Columns;
        var count = columns.Count + (withDraft ? 1 : 0);
        var parameters = Placeholders(next, count);
        next += count;
        var aliases = described.QuotedNames + (withDraft ? ", d" : "");
        var select = columns.Select(c => expressions is not null && expressions.TryGetValue(c.Name, out var sql) ? sql : $"r.\"{c.Name}\"");
        return $"INSERT INTO \"{described.Table.Name}\" ({described.QuotedNames}) SELECT {string.Join(", ", select)} " +
               $"FROM unnest({parameters}) AS r({aliases}) WHERE {where}" +
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
