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
    /// The first existing invoice number the series of <paramref name="prefix"/> would still issue (from
    /// <paramref name="fromYear"/> on for a yearly prefix), or null. Run inside the issuer's transaction it sees
    /// the counters as they are under its lock.
    /// </summary>
    public static async Task<string?> FirstClashAsync(BookwellDb db, string prefix, int fromYear, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(prefix);
        var yearAt = prefix.IndexOf(InvoiceSettings.YearToken, StringComparison.Ordinal);
        var head = yearAt < 0 ? prefix : prefix[..yearAt];
        var numbers = await db.Set<Invoice>().AsNoTracking().Where(i => i.Number.StartsWith(head)).Select(i => i.Number).ToListAsync(ct);
        if (numbers.Count == 0)
        {
            return null;
        }
        if (yearAt < 0)
        {
            var last = await db.Set<InvoiceCounter>().AsNoTracking().Where(c => c.TenantId == db.TenantId).Select(c => (long?)c.Last).FirstOrDefaultAsync(ct) ?? 0;
            return numbers.Order(StringComparer.Ordinal).FirstOrDefault(n => Counter(n[head.Length..]) > last);
        }
        var tail = prefix[(yearAt + InvoiceSettings.YearToken.Length)..];
        var years = await db.Set<InvoiceYearCounter>().AsNoTracking().Where(c => c.TenantId == db.TenantId).ToDictionaryAsync(c => c.Year, c => c.Last, ct);
        foreach (var number in numbers.Order(StringComparer.Ordinal))
        {
            var rest = number[head.Length..];
            if (rest.Length < 4 + tail.Length || !int.TryParse(rest.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year) ||
                year < fromYear || !rest.AsSpan(4).StartsWith(tail, StringComparison.Ordinal))
            {
                continue;
            }
            if (Counter(rest[(4 + tail.Length)..]) > years.GetValueOrDefault(year))
            {
                return number;
            }
        }
        return null;
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
