using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Invoices;

/// <summary>
/// A change of the business's number prefix must not make the series issue a number that already exists. Switching
/// from <c>INV-{yyyy}-</c> to the literal <c>INV-2027-</c> and back, for example: the literal series numbers from the
/// business's counter (ahead of the year's), so the year's counter would later reach numbers the literal series
/// took. Checked when the configuration is saved (the field's problem detail names the number); the issuer skips a
/// number that a save racing an issue let through (<see cref="InvoiceIssuer"/>), and the unique index on
/// (tenant, number) stays the last guard.
/// </summary>
public static class InvoiceNumberClash
{
    /// <summary>
    /// Adds an error at <c>pages[0].settings.invoicing.numberPrefix</c> when <paramref name="next"/>'s numbering would
    /// issue an invoice number that exists. Only a changed prefix is checked: an unchanged series only issues numbers
    /// past its own counter.
    /// </summary>
    public static async Task CheckAsync(BookwellDb db, ConfigDocument? current, ConfigDocument next, Errors errors, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(errors);
        var prefix = InvoiceSettings.BusinessPrefix(next);
        if (prefix == InvoiceSettings.BusinessPrefix(current))
        {
            return;
        }
        var clash = await FirstClashAsync(db, prefix, FirstYear(next, now), ct);
        if (clash is not null)
        {
            errors.Add("pages[0].settings.invoicing.numberPrefix",
                $"Invoice number {clash} already exists, and numbering with the prefix '{prefix}' would issue it again. " +
                "Choose a prefix whose numbers are not in use (or keep the current one).");
        }
    }

    /// <summary>
    /// The first existing invoice number (in ordinal order) the series of <paramref name="prefix"/> would still issue
    /// (from <paramref name="fromYear"/> on for a yearly prefix), or null. One query on the database: the numbers of
    /// the prefix's form whose counter is past the series' counter (the business's, or the year's for a yearly prefix),
    /// so a settings save never reads the business's numbers into memory. Run inside the issuer's transaction it sees
    /// the counters as they are under its lock.
    /// </summary>
    public static async Task<string?> FirstClashAsync(BookwellDb db, string prefix, int fromYear, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(prefix);
        var yearAt = prefix.IndexOf(InvoiceSettings.YearToken, StringComparison.Ordinal);
        var head = yearAt < 0 ? prefix : prefix[..yearAt];
        var tail = yearAt < 0 ? "" : prefix[(yearAt + InvoiceSettings.YearToken.Length)..];
        var pg = db.IsPostgres;
        // Provider pieces: "only ASCII digits" (GLOB on SQLite, a regular expression on PostgreSQL), a 64-bit integer
        // cast, and ordinal order (SQLite's BINARY collation; "C" on PostgreSQL). A cast only ever sees digits (CASE).
        // (No braces in the SQL but the {n} placeholders: the text goes through string.Format.)
        string Digits(string expr, int? length = null) => pg
            ? $"{expr} ~ '^{(length is { } n ? string.Concat(Enumerable.Repeat("[0-9]", n)) : "[0-9]+")}$'"
            : $"(length({expr}) {(length is { } m ? $"= {m}" : "> 0")} AND {expr} NOT GLOB '*[^0-9]*')";
        var integer = pg ? "bigint" : "INTEGER";
        var ordinal = pg ? " COLLATE \"C\"" : "";
        // {0} tenant, {1} head's length, {2} head, then the series' own parameters. Number = head [yyyy tail] counter.
        const string number = "i.\"Number\"";
        string Counter(string start) =>
            $"substr({number}, {start})";
        string ValidCounter(string start) =>
            $"length({Counter(start)}) BETWEEN 6 AND 18 AND {Digits(Counter(start))} AND (length({Counter(start)}) = 6 OR substr({number}, {start}, 1) <> '0')";
        string CounterValue(string start) =>
            $"CASE WHEN {Digits(Counter(start))} AND length({Counter(start)}) <= 18 THEN CAST({Counter(start)} AS {integer}) ELSE -1 END";
        string sql;
        object[] parameters;
        if (yearAt < 0)
        {
            var last = await db.Set<InvoiceCounter>().AsNoTracking().Where(c => c.TenantId == db.TenantId).Select(c => (long?)c.Last).FirstOrDefaultAsync(ct) ?? 0;
            sql = $$"""
                SELECT {{number}} AS "Value" FROM "Invoices" AS i
                WHERE i."TenantId" = {0} AND substr({{number}}, 1, {1}) = {2}
                  AND {{ValidCounter("{1} + 1")}}
                  AND {{CounterValue("{1} + 1")}} > {3}
                ORDER BY {{number}}{{ordinal}}
                LIMIT 1
                """;
            parameters = [db.TenantId, head.Length, head, last];
        }
        else
        {
            // After the head: four digits of the year, the tail, then the counter; the year's counter row (none: 0).
            const string year = "substr(i.\"Number\", {1} + 1, 4)";
            var yearValue = $"CASE WHEN {Digits(year, 4)} THEN CAST({year} AS {integer}) ELSE -1 END";
            sql = $$"""
                SELECT {{number}} AS "Value" FROM "Invoices" AS i
                LEFT JOIN "InvoiceYearCounters" AS y ON y."TenantId" = i."TenantId" AND y."Year" = {{yearValue}}
                WHERE i."TenantId" = {0} AND substr({{number}}, 1, {1}) = {2}
                  AND {{yearValue}} >= {3}
                  AND substr({{number}}, {1} + 5, {4}) = {5}
                  AND {{ValidCounter("{1} + 5 + {4}")}}
                  AND {{CounterValue("{1} + 5 + {4}")}} > COALESCE(y."Last", 0)
                ORDER BY {{number}}{{ordinal}}
                LIMIT 1
                """;
            parameters = [db.TenantId, head.Length, head, fromYear, tail.Length, tail];
        }
        return await db.Database.SqlQueryRaw<string>(sql, parameters).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// The counter that prints as <paramref name="digits"/> (<see cref="InvoiceSettings.FormatNumber"/>: six digits
    /// zero-padded, more without a leading zero), or -1 when no counter prints so.
    /// </summary>
    public static long Counter(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Length < 6 || digits.Length > 18 || !digits.All(char.IsAsciiDigit) || (digits.Length > 6 && digits[0] == '0'))
        {
            return -1;
        }
        return long.Parse(digits, CultureInfo.InvariantCulture);
    }

    /// <summary>The earliest year any page of the business is in now: a series of an earlier year is never issued again.</summary>
    private static int FirstYear(ConfigDocument doc, Instant now) =>
        (doc.Pages ?? []).Select(p => DateTimeZoneProviders.Tzdb.GetZoneOrNull(p.TimeZone ?? "") ?? DateTimeZone.Utc)
            .Append(DateTimeZone.Utc).Min(z => now.InZone(z).Year);
}
